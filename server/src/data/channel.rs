//! Data connections (RFC 959 §3.2): the one-shot plan a PORT/EPRT/PASV/EPSV sets up, and opening it.
//!
//! Active mode connects to the client's address from the control connection's local address. Passive mode
//! listens before the 227/229 reply goes out and accepts only a connection from the control connection's
//! peer address (RFC 2577 §3: anything else is dropped, so nobody can steal the transfer). A plan is used
//! once: taking it for a transfer leaves nothing behind, and replacing it closes the old listener.
//!
//! A passive listener stays off tokio's reactor until its transfer starts. Most clients connect right
//! after the 227/229 and only then send RETR, STOR or LIST: a listener on the reactor would wake the
//! reactor's thread for that connection, only to note it: with it, a small RETR cost the server three
//! sleeps and wake-ups (context switches) where `pure-ftpd` has two. The transfer takes the waiting
//! connection straight from the listener; only a client that has not connected yet is waited for on
//! the reactor.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::config::PortRange;
use crate::control::ControlAddrs;

/// How the next data connection will be made.
#[derive(Debug)]
pub enum DataPlan {
    /// Connect to the client (PORT/EPRT).
    Active(SocketAddr),
    /// Accept from the client (PASV/EPSV) on an already-open, non-blocking listener, not yet on the
    /// reactor.
    Passive(std::net::TcpListener),
}

/// Where passive ports come from when no `--pasv-ports` range is given: Linux's default ephemeral range
/// (`net.ipv4.ip_local_port_range`), the ports `bind(…:0)` would hand out.
const EPHEMERAL_PORTS: PortRange = PortRange {
    low: 32768,
    high: 60999,
};

/// Opens a passive listener on the control connection's local address, on a port from `ports` (or the
/// ephemeral range), starting at a place `seed` picks.
///
/// The port is chosen here, not by `bind(…:0)`: after a busy minute loopback holds tens of thousands of
/// connections in TIME_WAIT, and the kernel's search for a port free of them took 3-9 ms per PASV (issue
/// 10's `sessions` figure). With `SO_REUSEADDR`, as vsftpd sets it on its passive sockets, a port whose
/// old connection is in TIME_WAIT is free to listen on at once; a port someone really holds still fails
/// to bind, and the next one is tried.
pub fn listen(
    control: &ControlAddrs,
    ports: Option<PortRange>,
    seed: u32,
) -> io::Result<std::net::TcpListener> {
    let ip = control.local.ip();
    let range = ports.unwrap_or(EPHEMERAL_PORTS);
    // Spread the start points (a multiplicative hash of the seed) so that sessions opening listeners
    // at once rarely try the same port.
    let start = seed.wrapping_mul(0x9E37_79B1);
    let mut last_error = io::Error::new(
        io::ErrorKind::AddrInUse,
        "no free port in the passive range",
    );
    for step in 0..range.len() {
        let offset = start.wrapping_add(step) % range.len();
        let Ok(port) = u16::try_from(u32::from(range.low) + offset) else {
            continue;
        };
        match bind_listener(SocketAddr::new(ip, port)) {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

/// A listener for one data connection on `addr`, with `SO_REUSEADDR` (see [`listen`]).
fn bind_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    // One connection is expected; a few more may knock (and are dropped) before it.
    socket.listen(8)?;
    Ok(socket.into())
}

/// Makes the data connection the plan describes, within `timeout`.
pub async fn open(
    plan: DataPlan,
    control: ControlAddrs,
    timeout: Duration,
) -> io::Result<TcpStream> {
    let attempt = async {
        match plan {
            DataPlan::Active(target) => connect_from(control.local.ip(), target).await,
            DataPlan::Passive(listener) => {
                if let Some(waiting) = accept_waiting(&listener, control.peer_ip())? {
                    return Ok(waiting);
                }
                accept_from(&TcpListener::from_std(listener)?, control.peer_ip()).await
            }
        }
    };
    tokio::time::timeout(timeout, attempt).await.map_err(|_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            "no data connection within the time limit",
        )
    })?
}

async fn connect_from(local_ip: IpAddr, target: SocketAddr) -> io::Result<TcpStream> {
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Bind to the control connection's own address when the families agree, so that the data connection
    // comes from the address the client already talks to.
    if local_ip.is_ipv4() == target.is_ipv4() {
        socket.bind(SocketAddr::new(local_ip, 0))?;
    }
    socket.connect(target).await
}

/// The client's connection if it is already waiting; `None` if it has not come yet.
fn accept_waiting(
    listener: &std::net::TcpListener,
    allowed: IpAddr,
) -> io::Result<Option<TcpStream>> {
    loop {
        match listener.accept() {
            Ok((stream, peer)) if peer.ip().to_canonical() == allowed => {
                stream.set_nonblocking(true)?;
                return TcpStream::from_std(stream).map(Some);
            }
            Ok((_, peer)) => dropped_foreign(peer, allowed),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                ) => {}
            Err(error) => return Err(error),
        }
    }
}

fn dropped_foreign(peer: SocketAddr, allowed: IpAddr) {
    tracing::warn!(%peer, %allowed, "dropped a data connection from a foreign address (RFC 2577)");
}

async fn accept_from(listener: &TcpListener, allowed: IpAddr) -> io::Result<TcpStream> {
    loop {
        let (stream, peer) = listener.accept().await?;
        if peer.ip().to_canonical() == allowed {
            return Ok(stream);
        }
        dropped_foreign(peer, allowed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> ControlAddrs {
        let addr = SocketAddr::from(([127, 0, 0, 1], 21));
        ControlAddrs {
            local: addr,
            peer: addr,
        }
    }

    #[tokio::test]
    async fn without_a_range_ports_come_from_the_ephemeral_range() {
        for seed in 0..20 {
            let listener = listen(&loopback(), None, seed).unwrap();
            let port = listener.local_addr().unwrap().port();
            assert!((EPHEMERAL_PORTS.low..=EPHEMERAL_PORTS.high).contains(&port));
        }
    }

    #[tokio::test]
    async fn a_port_someone_holds_is_skipped_and_a_full_range_is_an_error() {
        // Two neighbouring ports the kernel gave out; one stays held by a plain listener.
        let (held, other) = (0..100)
            .find_map(|_| {
                let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = held.local_addr().unwrap().port();
                let free =
                    port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok();
                free.then_some((held, port + 1))
            })
            .expect("two neighbouring free ports within 100 tries");
        let low = held.local_addr().unwrap().port();
        let range = PortRange { low, high: other };
        for seed in 0..4 {
            let listener = listen(&loopback(), Some(range), seed).unwrap();
            assert_eq!(listener.local_addr().unwrap().port(), other);
        }
        let _taken = listen(&loopback(), Some(range), 0).unwrap();
        let error = listen(&loopback(), Some(range), 0).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
}
