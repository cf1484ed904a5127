//! The transfer engine shared by server and client: [`send`] a file as DATA blocks and
//! [`receive`] one, in lock-step (RFC 1350) or in windows (RFC 7440).
//!
//! Sender, per window of `windowsize` blocks starting at `base`:
//!
//! ```text
//!   send DATA base..base+w ──► wait ──ACK n (new, inside window)──► base = n+1, send next window
//!                               │ ├─ACK n (duplicate or stale)───► ignore (never resend on it:
//!                               │ │                                 that is the Sorcerer's Apprentice bug)
//!                               │ └─timeout──────────────────────► resend window (bounded retries)
//! ```
//!
//! The receiver acknowledges every `windowsize` in-order blocks, the last (short) block, and
//! once per gap the last block it has in order; on its own timeout it resends its last ACK.
//! Block numbers are 16 bits on the wire and wrap from 65,535 to 0; inside, blocks are
//! counted with `u64` so files of any length work.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::blocks::{BlockSink, BlockSource};
use super::options::Negotiated;
use super::packet::{begin_data, ErrorCode, Packet};
use super::wire::Wire;

/// Why a transfer stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The peer stayed silent through every retransmission.
    #[error("timed out: no answer from peer")]
    Timeout,
    /// The peer sent an ERROR packet.
    #[error("peer sent error {}: {message}", code.to_u16())]
    Peer { code: ErrorCode, message: String },
    /// Reading or writing the local file failed (the peer was sent an ERROR).
    #[error("local file error: {0}")]
    Local(io::Error),
    /// The peer broke the protocol (it was sent ERROR 4 or 8 with this text).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The socket failed.
    #[error("socket error: {0}")]
    Socket(io::Error),
}

/// The one mapping from a local I/O failure to the ERROR code sent for it.
pub fn error_code_for(e: &io::Error) -> ErrorCode {
    match e.kind() {
        io::ErrorKind::NotFound => ErrorCode::FileNotFound,
        io::ErrorKind::PermissionDenied => ErrorCode::AccessViolation,
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => ErrorCode::DiskFull,
        io::ErrorKind::AlreadyExists => ErrorCode::FileExists,
        _ => ErrorCode::NotDefined,
    }
}

/// One side of a transfer: a socket locked to the peer's transfer id (address and port).
pub struct Link<'a> {
    pub socket: &'a Wire,
    pub peer: SocketAddr,
    /// Wait this long for an answer before retransmitting.
    pub timeout: Duration,
    /// Retransmissions before giving up.
    pub retries: u32,
}

impl Link<'_> {
    pub async fn send(&self, bytes: &[u8]) -> Result<(), TransferError> {
        self.socket
            .send_to(bytes, self.peer)
            .await
            .map_err(TransferError::Socket)
    }

    /// Tell the peer why we stop; best effort, as the peer may be gone.
    pub async fn abort(&self, code: ErrorCode, message: &str) {
        let _ = self
            .socket
            .send_to(&Packet::error(code, message), self.peer)
            .await;
    }

    /// The next packet from the peer before `deadline`, or `None` on timeout.
    ///
    /// Datagrams from any other address get ERROR 5 (RFC 1350 §4) and do not disturb the
    /// transfer. A malformed packet from the peer ends it with ERROR 4.
    pub async fn recv(
        &self,
        buf: &mut [u8],
        deadline: Instant,
    ) -> Result<Option<Packet>, TransferError> {
        loop {
            let Some((len, from)) = self
                .socket
                .recv_from(buf, deadline)
                .await
                .map_err(TransferError::Socket)?
            else {
                return Ok(None);
            };
            if from != self.peer {
                let _ = self
                    .socket
                    .send_to(
                        &Packet::error(ErrorCode::UnknownTid, "unknown transfer id"),
                        from,
                    )
                    .await;
                continue;
            }
            return match Packet::parse(&buf[..len]) {
                Ok(Packet::Error { code, message }) => Err(TransferError::Peer { code, message }),
                Ok(p) => Ok(Some(p)),
                Err(e) => {
                    let message = format!("malformed packet: {e}");
                    self.abort(ErrorCode::IllegalOperation, &message).await;
                    Err(TransferError::Protocol(message))
                }
            };
        }
    }

    async fn unexpected(&self, p: &Packet) -> TransferError {
        let message = format!("unexpected packet {p:?}");
        self.abort(ErrorCode::IllegalOperation, &message).await;
        TransferError::Protocol(message)
    }

    pub async fn local(&self, e: io::Error) -> TransferError {
        self.abort(error_code_for(&e), &e.to_string()).await;
        TransferError::Local(e)
    }
}

/// Receive buffer big enough for the largest DATA packet (RFC 2348 blksize 65464 + header).
pub fn packet_buffer() -> Vec<u8> {
    vec![0; 65_536]
}

/// Send `source` as DATA blocks. With `oack`, first send it and wait for ACK 0 (RFC 2347).
/// Returns the number of payload bytes sent.
pub async fn send<R: AsyncRead + Unpin>(
    link: &Link<'_>,
    source: &mut BlockSource<R>,
    params: &Negotiated,
    oack: Option<Vec<u8>>,
) -> Result<u64, TransferError> {
    let mut buf = packet_buffer();
    if let Some(oack) = oack {
        let mut tries = 0;
        'handshake: loop {
            link.send(&oack).await?;
            let deadline = Instant::now() + link.timeout;
            loop {
                match link.recv(&mut buf, deadline).await? {
                    None => break,
                    Some(Packet::Ack { block: 0 }) => break 'handshake,
                    Some(Packet::Ack { .. }) => {}
                    Some(p) => return Err(link.unexpected(&p).await),
                }
            }
            tries += 1;
            if tries > link.retries {
                return Err(TransferError::Timeout);
            }
        }
    }

    let window_size = usize::from(params.windowsize.max(1));
    let mut window: VecDeque<Vec<u8>> = VecDeque::with_capacity(window_size);
    // Acknowledged packets' buffers, reused for the next blocks: no allocation per block.
    let mut spare: Vec<Vec<u8>> = Vec::with_capacity(window_size);
    let mut base: u64 = 1;
    let mut last: Option<u64> = None;
    let mut bytes: u64 = 0;
    loop {
        while window.len() < window_size && last.is_none() {
            let index = base + window.len() as u64;
            let mut packet = spare
                .pop()
                .unwrap_or_else(|| Vec::with_capacity(params.blksize + 4));
            // Truncation to 16 bits is the wire format: block numbers wrap past 65,535.
            begin_data(index as u16, &mut packet);
            let len = match source.next_block_into(params.blksize, &mut packet).await {
                Ok(len) => len,
                Err(e) => return Err(link.local(e).await),
            };
            if len < params.blksize {
                last = Some(index);
            }
            bytes += len as u64;
            window.push_back(packet);
        }

        let mut timeouts = 0;
        'wait: loop {
            for packet in &window {
                link.send(packet).await?;
            }
            let deadline = Instant::now() + link.timeout;
            loop {
                match link.recv(&mut buf, deadline).await? {
                    None => break,
                    Some(Packet::Ack { block }) => {
                        let delta = u64::from(block.wrapping_sub((base - 1) as u16));
                        if delta == 0 || delta > window.len() as u64 {
                            continue; // duplicate or stale ACK: ignored, never answered
                        }
                        spare.extend(window.drain(..delta as usize));
                        base += delta;
                        if last == Some(base - 1) {
                            return Ok(bytes);
                        }
                        break 'wait;
                    }
                    // The receiver's OACK again (RFC 2347): it has not seen DATA 1 yet. Like a
                    // duplicate ACK, it is never answered; the timeout resends the window.
                    Some(Packet::Oack { .. }) if base == 1 => continue,
                    Some(p) => return Err(link.unexpected(&p).await),
                }
            }
            timeouts += 1;
            if timeouts > link.retries {
                return Err(TransferError::Timeout);
            }
        }
    }
}

/// How [`receive`] starts.
pub enum Start {
    /// Send this packet (ACK 0 or an OACK) and resend it until DATA 1 arrives.
    Handshake(Vec<u8>),
    /// DATA 1 already arrived (a server that answered an RRQ without OACK).
    FirstData(Vec<u8>),
}

/// What [`receive`] got.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    /// Payload bytes received (before netascii decoding).
    pub bytes: u64,
    /// Wire number of the final block, for [`finish`].
    pub last_block: u16,
}

/// Receive DATA blocks into `sink` until the short final block.
pub async fn receive<W: AsyncWrite + Unpin>(
    link: &Link<'_>,
    sink: &mut BlockSink<W>,
    params: &Negotiated,
    start: Start,
) -> Result<Received, TransferError> {
    let window = u64::from(params.windowsize.max(1));
    let mut buf = packet_buffer();
    let mut expected: u64 = 1;
    let mut since_ack: u64 = 0;
    let mut gap_acked = false;
    let mut timeouts = 0;
    let mut bytes: u64 = 0;
    let mut last_ack = Packet::Ack { block: 0 }.encode();
    let mut pending = match start {
        Start::Handshake(packet) => {
            link.send(&packet).await?;
            last_ack = packet;
            None
        }
        Start::FirstData(data) => Some(Packet::Data { block: 1, data }),
    };
    let mut deadline = Instant::now() + link.timeout;
    loop {
        let packet = match pending.take() {
            Some(p) => p,
            None => match link.recv(&mut buf, deadline).await? {
                Some(p) => p,
                None => {
                    timeouts += 1;
                    if timeouts > link.retries {
                        return Err(TransferError::Timeout);
                    }
                    link.send(&last_ack).await?;
                    deadline = Instant::now() + link.timeout;
                    continue;
                }
            },
        };
        if matches!(packet, Packet::Oack { .. }) && expected == 1 {
            // The sender's OACK again (RFC 2347): our ACK 0 to it was lost. Answer it again.
            link.send(&last_ack).await?;
            deadline = Instant::now() + link.timeout;
            continue;
        }
        let Packet::Data { block, data } = packet else {
            return Err(link.unexpected(&packet).await);
        };
        let delta = block.wrapping_sub(expected as u16);
        if delta == 0 {
            if data.len() > params.blksize {
                let message = format!(
                    "DATA of {} bytes exceeds blksize {}",
                    data.len(),
                    params.blksize
                );
                link.abort(ErrorCode::IllegalOperation, &message).await;
                return Err(TransferError::Protocol(message));
            }
            if let Err(e) = sink.write(&data).await {
                return Err(link.local(e).await);
            }
            bytes += data.len() as u64;
            expected += 1;
            since_ack += 1;
            gap_acked = false;
            timeouts = 0;
            deadline = Instant::now() + link.timeout;
            if data.len() < params.blksize {
                // The final ACK is the caller's to send (see `finish`): it must mean "stored",
                // so the server commits the file first.
                if let Err(e) = sink.finish().await {
                    return Err(link.local(e).await);
                }
                return Ok(Received {
                    bytes,
                    last_block: block,
                });
            }
            if since_ack >= window {
                last_ack = Packet::Ack { block }.encode();
                link.send(&last_ack).await?;
                since_ack = 0;
            }
        } else if expected > 1 && block == (expected - 1) as u16 || delta < 0x8000 && !gap_acked {
            // The newest block again (our ACK was lost), or a block beyond a gap: tell the
            // sender where we are, once per gap so a window of strays does not flood it.
            gap_acked = delta != u16::MAX;
            last_ack = Packet::Ack {
                block: (expected - 1) as u16,
            }
            .encode();
            link.send(&last_ack).await?;
            since_ack = 0;
        }
    }
}

/// Send the final ACK after [`receive`]. With `dally` ("dallying", RFC 1350 §6), then for a
/// while answer a retransmitted last block, whose ACK may have been lost.
pub async fn finish(link: &Link<'_>, last_block: u16, dally: bool) -> Result<(), TransferError> {
    let ack = Packet::Ack { block: last_block }.encode();
    link.send(&ack).await?;
    if !dally {
        return Ok(());
    }
    let mut buf = packet_buffer();
    // The peer's retransmission timeout is not ours to know (without the timeout option it
    // picks its own), so linger for several of ours and at least two seconds. This runs in
    // the transfer's own task after the file is stored, so it delays nobody.
    let dally_for = (link.timeout * 3).max(Duration::from_secs(2));
    let deadline = Instant::now() + dally_for;
    while let Ok(Some(Packet::Data { block, .. })) = link.recv(&mut buf, deadline).await {
        if block == last_block {
            let _ = link.send(&ack).await;
        }
    }
    Ok(())
}
