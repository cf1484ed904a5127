//! The TFTP server: the main socket only takes requests; each request gets its own socket
//! (a new transfer id, RFC 1350 §4) and its own task, so many transfers run at once.
//!
//! Up to [`ServerConfig::threaded_transfers`] transfers at once run each on a thread of its own,
//! blocking in its socket calls ([`Wire::Dedicated`]), as tftpd-hpa runs each in a process of its
//! own: a lock-step transfer waits on every packet, and waking a task through tokio's reactor for
//! each one cost about a quarter of the throughput (64 MiB, blksize 512, loopback: 8.5 MB/s shared,
//! 11.2 MB/s dedicated). Further transfers share the runtime's threads. At shutdown the threads'
//! sockets are shut down ([`Stopper`]), which ends their transfers at once.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::Semaphore;
use tokio::task::{self, JoinSet};

use super::blocks::{BlockSink, BlockSource};
use super::jail::Root;
use super::options::{negotiate, ServerLimits};
use super::packet::{ErrorCode, Mode, Packet, Request};
use super::transfer::{self, Link, Start, TransferError};
use super::wire::{Stopper, Wire};

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub root: Root,
    /// Accept write requests (uploads).
    pub allow_write: bool,
    /// Let a write request replace an existing file (never a read-only one). Off: ERROR 6, "file
    /// already exists", as RFC 1350 lists it.
    pub allow_overwrite: bool,
    /// Retransmission timeout unless the client negotiates one.
    pub timeout: Duration,
    /// Retransmissions before a transfer is abandoned.
    pub retries: u32,
    pub limits: ServerLimits,
    /// Transfers running at once; more requests get ERROR 0 "server busy".
    pub max_transfers: usize,
    /// Of those, how many may each have a thread of their own (see the module's notes); 0 runs
    /// every transfer on the runtime's threads.
    pub threaded_transfers: usize,
}

impl ServerConfig {
    pub fn new(root: Root) -> Self {
        ServerConfig {
            root,
            allow_write: false,
            allow_overwrite: false,
            timeout: Duration::from_secs(1),
            retries: 5,
            limits: ServerLimits {
                max_blksize: 65464,
                max_windowsize: 64,
            },
            max_transfers: 256,
            threaded_transfers: 64,
        }
    }
}

/// How long, at shutdown, the stopped transfers' threads may take to return.
const STOPPING_TIME: Duration = Duration::from_secs(5);

/// The transfers running on threads of their own, by task: each one's [`Stopper`]. Dropping this
/// (at shutdown, or when the server's future is dropped) stops them all.
#[derive(Default)]
struct Threaded(HashMap<task::Id, Stopper>);

impl Drop for Threaded {
    fn drop(&mut self) {
        for stopper in self.0.values() {
            stopper.stop();
        }
    }
}

/// Serve TFTP on `socket` until `shutdown` completes; running transfers are then cancelled.
pub async fn serve(
    socket: UdpSocket,
    config: ServerConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = Arc::new(config);
    let local_ip = socket.local_addr()?.ip();
    let permits = Arc::new(Semaphore::new(config.max_transfers));
    let mut transfers = JoinSet::new();
    let mut threaded = Threaded::default();
    let mut buf = transfer::packet_buffer();
    tokio::pin!(shutdown);
    loop {
        let (len, peer) = tokio::select! {
            () = &mut shutdown => {
                drop(threaded);
                transfers.abort_all();
                let all_ended = async { while transfers.join_next().await.is_some() {} };
                let _ = tokio::time::timeout(STOPPING_TIME, all_ended).await;
                return Ok(());
            }
            Some(ended) = transfers.join_next_with_id(), if !transfers.is_empty() => {
                let id = match ended {
                    Ok((id, ())) => id,
                    Err(error) => error.id(),
                };
                threaded.0.remove(&id);
                continue;
            }
            r = socket.recv_from(&mut buf) => match r {
                Ok(r) => r,
                Err(e) => {
                    tracing::debug!("tftp: receive failed: {e}");
                    continue;
                }
            },
        };
        let (is_read, request) = match Packet::parse(&buf[..len]) {
            Ok(Packet::Rrq(r)) => (true, r),
            Ok(Packet::Wrq(r)) => (false, r),
            // Never answer an error with an error: two confused peers would ping-pong forever.
            Ok(Packet::Error { .. }) => continue,
            Ok(_) => {
                reply_error(
                    &socket,
                    peer,
                    ErrorCode::IllegalOperation,
                    "expected RRQ or WRQ",
                )
                .await;
                continue;
            }
            Err(e) => {
                reply_error(
                    &socket,
                    peer,
                    ErrorCode::IllegalOperation,
                    &format!("malformed request: {e}"),
                )
                .await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            reply_error(
                &socket,
                peer,
                ErrorCode::NotDefined,
                "server busy, try again later",
            )
            .await;
            continue;
        };
        let own_thread = threaded.0.len() < config.threaded_transfers;
        let transfer_socket = match UdpSocket::bind(SocketAddr::new(local_ip, 0)).await {
            Ok(s) if own_thread => Wire::dedicated(s),
            Ok(s) => Ok(Wire::Shared(s)),
            Err(e) => Err(e),
        };
        let transfer_socket = match transfer_socket {
            Ok(s) => s,
            Err(e) => {
                reply_error(
                    &socket,
                    peer,
                    ErrorCode::NotDefined,
                    &format!("no socket: {e}"),
                )
                .await;
                continue;
            }
        };
        let config = config.clone();
        let stopper = transfer_socket.stopper();
        let transfer = async move {
            let _permit = permit;
            let what = if is_read { "read" } else { "write" };
            let name = request.filename.clone();
            let result = if is_read {
                handle_read(&transfer_socket, peer, request, &config).await
            } else {
                handle_write(&transfer_socket, peer, request, &config).await
            };
            match result {
                Ok(bytes) => tracing::info!("{peer}: {what} {name:?}: {bytes} bytes"),
                Err(e) => tracing::info!("{peer}: {what} {name:?} failed: {e}"),
            }
        };
        match stopper {
            Some(stopper) => {
                // The transfer blocks its thread in socket calls; the runtime's handle still
                // serves its file I/O (tokio's blocking pool).
                let runtime = tokio::runtime::Handle::current();
                let task = transfers.spawn_blocking(move || runtime.block_on(transfer));
                threaded.0.insert(task.id(), stopper);
            }
            None => {
                transfers.spawn(transfer);
            }
        }
    }
}

async fn reply_error(socket: &UdpSocket, peer: SocketAddr, code: ErrorCode, message: &str) {
    let _ = socket.send_to(&Packet::error(code, message), peer).await;
}

fn link<'a>(
    socket: &'a Wire,
    peer: SocketAddr,
    config: &ServerConfig,
    timeout: Option<Duration>,
) -> Link<'a> {
    Link {
        socket,
        peer,
        timeout: timeout.unwrap_or(config.timeout),
        retries: config.retries,
    }
}

async fn handle_read(
    socket: &Wire,
    peer: SocketAddr,
    req: Request,
    config: &ServerConfig,
) -> Result<u64, TransferError> {
    let early = link(socket, peer, config, None);
    let path = match config.root.for_read(&req.filename) {
        Ok(p) => p,
        Err(e) => {
            let (code, message) = e.wire();
            early.abort(code, &message).await;
            return Err(TransferError::Protocol(message));
        }
    };
    let file = match tokio::fs::File::open(path.as_path()).await {
        Ok(f) => f,
        Err(e) => return Err(early.local(e).await),
    };
    // tsize counts octets on the wire; in netascii that is not the file size, so leave it out.
    let size = match file.metadata().await {
        Ok(m) if req.mode == Mode::Octet => Some(m.len()),
        _ => None,
    };
    let (params, ack) = negotiate(&req.options, config.limits, true, size);
    let oack = (!ack.is_empty()).then(|| Packet::Oack { options: ack }.encode());
    let link = link(socket, peer, config, params.timeout);
    let mut source = BlockSource::new(file, req.mode);
    transfer::send(&link, &mut source, &params, oack).await
}

async fn handle_write(
    socket: &Wire,
    peer: SocketAddr,
    req: Request,
    config: &ServerConfig,
) -> Result<u64, TransferError> {
    let early = link(socket, peer, config, None);
    if !config.allow_write {
        let message = "access violation: uploads are disabled (server started without --write)";
        early.abort(ErrorCode::AccessViolation, message).await;
        return Err(TransferError::Protocol(message.to_owned()));
    }
    let path = match config.root.for_write(&req.filename) {
        Ok(p) => p,
        Err(e) => {
            let (code, message) = e.wire();
            early.abort(code, &message).await;
            return Err(TransferError::Protocol(message));
        }
    };
    if let Err((code, message)) = may_replace(path.as_path(), config.allow_overwrite) {
        early.abort(code, message).await;
        return Err(TransferError::Protocol(message.to_owned()));
    }
    // Receive into a hidden file next to the target and rename at the end, so a failed or
    // concurrent upload never leaves a half-written file under the real name.
    let local_port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
    let temp = path.as_path().with_file_name(format!(
        ".{}.tftp-part-{local_port}",
        path.as_path()
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let file = match tokio::fs::File::create(&temp).await {
        Ok(f) => f,
        Err(e) => return Err(early.local(e).await),
    };
    let (params, ack) = negotiate(&req.options, config.limits, false, None);
    let first = if ack.is_empty() {
        Packet::Ack { block: 0 }
    } else {
        Packet::Oack { options: ack }
    };
    let link = link(socket, peer, config, params.timeout);
    let mut sink = BlockSink::new(file, req.mode);
    let result =
        transfer::receive(&link, &mut sink, &params, Start::Handshake(first.encode())).await;
    drop(sink);
    let received = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(e);
        }
    };
    if let Err(e) = tokio::fs::rename(&temp, path.as_path()).await {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(link.local(e).await);
    }
    transfer::finish(&link, received.last_block, true).await?;
    Ok(received.bytes)
}

/// Whether a write request may put a file at `path`: a new name always; an existing file only with
/// `allow_overwrite`, and never a read-only one (the rename at the end would replace it regardless of
/// its permissions, so the check has to be made here).
fn may_replace(
    path: &std::path::Path,
    allow_overwrite: bool,
) -> Result<(), (ErrorCode, &'static str)> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if !allow_overwrite {
        return Err((
            ErrorCode::FileExists,
            "file already exists (the server was started without --overwrite)",
        ));
    }
    if meta.permissions().readonly() {
        return Err((
            ErrorCode::AccessViolation,
            "access violation: the existing file is read-only",
        ));
    }
    Ok(())
}
