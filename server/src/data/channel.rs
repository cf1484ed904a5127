//! Data connections (RFC 959 §3.2): the one-shot plan a PORT/EPRT/PASV/EPSV sets up, and opening it.
//!
//! Active mode connects to the client's address from the control connection's local address. Passive mode
//! listens before the 227/229 reply goes out and accepts only a connection from the control connection's
//! peer address (RFC 2577 §3: anything else is dropped, so nobody can steal the transfer). A plan is used
//! once: taking it for a transfer leaves nothing behind, and replacing it closes the old listener.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket, TcpStream};

use crate::config::PortRange;
use crate::control::ControlAddrs;

/// How the next data connection will be made.
#[derive(Debug)]
pub enum DataPlan {
    /// Connect to the client (PORT/EPRT).
    Active(SocketAddr),
    /// Accept from the client (PASV/EPSV) on an already-open listener.
    Passive(TcpListener),
}

/// Opens a passive listener on the control connection's local address, from `ports` if given.
pub async fn listen(
    control: &ControlAddrs,
    ports: Option<PortRange>,
    seed: u32,
) -> io::Result<TcpListener> {
    let ip = control.local.ip();
    let Some(range) = ports else {
        return TcpListener::bind(SocketAddr::new(ip, 0)).await;
    };
    // Start at a different place in the range for each call so that concurrent sessions rarely collide.
    let mut last_error = io::Error::new(
        io::ErrorKind::AddrInUse,
        "no free port in the passive range",
    );
    for step in 0..range.len() {
        let offset = (seed.wrapping_add(step)) % range.len();
        let Ok(port) = u16::try_from(u32::from(range.low) + offset) else {
            continue;
        };
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(listener) => return Ok(listener),
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
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
            DataPlan::Passive(listener) => accept_from(&listener, control.peer_ip()).await,
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

async fn accept_from(listener: &TcpListener, allowed: IpAddr) -> io::Result<TcpStream> {
    loop {
        let (stream, peer) = listener.accept().await?;
        if peer.ip().to_canonical() == allowed {
            return Ok(stream);
        }
        tracing::warn!(%peer, %allowed, "dropped a data connection from a foreign address (RFC 2577)");
    }
}
