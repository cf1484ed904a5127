//! The TFTP client: `get` (RRQ) and `put` (WRQ), with option negotiation. The request goes to
//! the server's port; the transfer then locks onto whatever port the server answers from.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::blocks::{BlockSink, BlockSource};
use super::options::{Negotiated, Requested};
use super::packet::{ErrorCode, Mode, Packet, Request};
use super::transfer::{self, Link, Start, TransferError};
use super::wire::Wire;

/// How the client asks.
#[derive(Debug, Clone, Copy)]
pub struct ClientConfig {
    pub mode: Mode,
    /// Options to request; all `None` sends a plain RFC 1350 request.
    pub options: Requested,
    /// Retransmission timeout unless a `timeout` option is negotiated.
    pub timeout: Duration,
    /// Retransmissions before giving up.
    pub retries: u32,
    /// The calling thread does nothing else until the transfer ends: wait for packets in
    /// blocking system calls (see [`Wire::Dedicated`]), which makes lock-step faster. Never set
    /// it where the runtime must keep running other tasks meanwhile (a server, or the other end
    /// of the transfer in the same runtime).
    pub dedicated_thread: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            mode: Mode::Octet,
            options: Requested::default(),
            timeout: Duration::from_secs(1),
            retries: 5,
            dedicated_thread: false,
        }
    }
}

/// A finished transfer.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Payload bytes carried in DATA packets.
    pub bytes: u64,
    /// The parameters used (defaults where the server sent no OACK).
    pub negotiated: Negotiated,
}

async fn bind_for(server: SocketAddr) -> Result<UdpSocket, TransferError> {
    let local: SocketAddr = if server.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    };
    UdpSocket::bind(local).await.map_err(TransferError::Socket)
}

/// Send the request until the server answers; returns the server's transfer address and its
/// first packet (OACK, DATA or ACK).
async fn request(
    socket: &UdpSocket,
    server: SocketAddr,
    packet: &[u8],
    config: &ClientConfig,
) -> Result<(SocketAddr, Packet), TransferError> {
    let mut buf = transfer::packet_buffer();
    for _ in 0..=config.retries {
        socket
            .send_to(packet, server)
            .await
            .map_err(TransferError::Socket)?;
        let deadline = Instant::now() + config.timeout;
        loop {
            let (len, from) =
                match tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
                    Err(_) => break,
                    Ok(r) => r.map_err(TransferError::Socket)?,
                };
            // The answer comes from a new port but the same host.
            if from.ip() != server.ip() {
                continue;
            }
            match Packet::parse(&buf[..len]) {
                Ok(Packet::Error { code, message }) => {
                    return Err(TransferError::Peer { code, message })
                }
                Ok(
                    p @ (Packet::Oack { .. }
                    | Packet::Data { block: 1, .. }
                    | Packet::Ack { block: 0 }),
                ) => return Ok((from, p)),
                _ => continue,
            }
        }
    }
    Err(TransferError::Timeout)
}

/// Check an OACK; on refusal tell the server with ERROR 8 (RFC 2347).
async fn accept(
    socket: &UdpSocket,
    peer: SocketAddr,
    config: &ClientConfig,
    options: &[(String, String)],
) -> Result<Negotiated, TransferError> {
    match config.options.accept(options) {
        Ok(n) => Ok(n),
        Err(why) => {
            let _ = socket
                .send_to(&Packet::error(ErrorCode::OptionRefused, why.clone()), peer)
                .await;
            Err(TransferError::Protocol(why))
        }
    }
}

/// The transfer's socket, once the request phase (which may wait on several servers' ports) is
/// over.
fn wire(socket: UdpSocket, config: &ClientConfig) -> Result<Wire, TransferError> {
    if config.dedicated_thread {
        Wire::dedicated(socket).map_err(TransferError::Socket)
    } else {
        Ok(Wire::Shared(socket))
    }
}

fn link<'a>(socket: &'a Wire, peer: SocketAddr, config: &ClientConfig, n: &Negotiated) -> Link<'a> {
    Link {
        socket,
        peer,
        timeout: n.timeout.unwrap_or(config.timeout),
        retries: config.retries,
    }
}

/// Download `remote` from `server` into `writer`.
pub async fn get<W: AsyncWrite + Unpin>(
    server: SocketAddr,
    remote: &str,
    writer: W,
    config: &ClientConfig,
) -> Result<Outcome, TransferError> {
    let socket = bind_for(server).await?;
    let rrq = Packet::Rrq(Request {
        filename: remote.to_owned(),
        mode: config.mode,
        options: config.options.to_wire(),
    });
    let (peer, first) = request(&socket, server, &rrq.encode(), config).await?;
    let mut sink = BlockSink::new(writer, config.mode);
    let (negotiated, start) = match first {
        Packet::Oack { options } => (
            accept(&socket, peer, config, &options).await?,
            Start::Handshake(Packet::Ack { block: 0 }.encode()),
        ),
        Packet::Data { data, .. } => (Negotiated::default(), Start::FirstData(data)),
        other => {
            return Err(TransferError::Protocol(format!(
                "unexpected answer to RRQ: {other:?}"
            )))
        }
    };
    let socket = wire(socket, config)?;
    let link = link(&socket, peer, config, &negotiated);
    let received = transfer::receive(&link, &mut sink, &negotiated, start).await?;
    // No dallying here: if this ACK is lost the server retransmits and then gives up, but the
    // file on this side is already complete.
    transfer::finish(&link, received.last_block, false).await?;
    Ok(Outcome {
        bytes: received.bytes,
        negotiated,
    })
}

/// Upload `reader` to `server` as `remote`.
pub async fn put<R: AsyncRead + Unpin>(
    server: SocketAddr,
    remote: &str,
    reader: R,
    config: &ClientConfig,
) -> Result<Outcome, TransferError> {
    let socket = bind_for(server).await?;
    let wrq = Packet::Wrq(Request {
        filename: remote.to_owned(),
        mode: config.mode,
        options: config.options.to_wire(),
    });
    let (peer, first) = request(&socket, server, &wrq.encode(), config).await?;
    let negotiated = match first {
        Packet::Oack { options } => accept(&socket, peer, config, &options).await?,
        Packet::Ack { .. } => Negotiated::default(),
        other => {
            return Err(TransferError::Protocol(format!(
                "unexpected answer to WRQ: {other:?}"
            )))
        }
    };
    let socket = wire(socket, config)?;
    let mut source = BlockSource::new(reader, config.mode);
    let bytes = transfer::send(
        &link(&socket, peer, config, &negotiated),
        &mut source,
        &negotiated,
        None,
    )
    .await?;
    Ok(Outcome { bytes, negotiated })
}
