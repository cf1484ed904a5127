//! The listener: accepts connections, caps their number (in all, and per client address), starts a
//! session for each, and shuts down.
//!
//! Shutdown (mini-redis style): when the shutdown future resolves, accepting stops and every session is
//! told through a watch channel ([`Shutdown`]): idle ones send 421 and close, busy ones finish their
//! transfer first (226, then 421). When the grace period ends, the transfers still running are stopped
//! and answered 426 (an upload keeps no partial file), then 421; `run` returns once all sessions ended.
//!
//! With TLS configured, the certificate is loaded (or made) in [`Server::bind`], and an optional second
//! listener takes implicit-FTPS connections (TLS from the first byte); both share the connection limits.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ftp_proto::{Reply, ReplyCode};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::accounts::bans::Bans;
use crate::accounts::{hash, AccountStore};
use crate::config::Config;
use crate::control::ControlConnection;
use crate::session::{Entry, Session, Shared};
use crate::storage;
use crate::tls::{TlsContext, TlsError};
use crate::xferlog::XferLog;

/// A bound FTP server, ready to run.
pub struct Server {
    listener: TcpListener,
    /// The implicit-FTPS listener, when configured.
    implicit_listener: Option<TcpListener>,
    shared: Arc<Shared>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The root is missing, not a directory, or unreadable.
    #[error("root directory: {0}")]
    Root(io::Error),
    /// The address could not be bound (busy port, no permission, bad address).
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, io::Error),
    /// The TLS certificate or key could not be loaded or made.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The users file is missing or broken.
    #[error("users file {path}: {1}", path = .0.display())]
    Users(PathBuf, String),
    /// The transfer log cannot be opened for appending.
    #[error("xferlog {path}: {1}", path = .0.display())]
    Xferlog(PathBuf, io::Error),
}

impl Server {
    /// Checks the root and binds `addr` (port 0 picks a free port).
    /// Checks the root, loads the users file, opens the transfer log and binds `addr` (port 0 picks a
    /// free port).
    pub async fn bind(addr: SocketAddr, config: Config) -> Result<Server, StartError> {
        let root_storage = storage::open(&config).map_err(StartError::Root)?;
        let tls = config.tls.as_ref().map(TlsContext::load).transpose()?;
        let accounts = AccountStore::open(config.users_file.as_deref()).map_err(|error| {
            StartError::Users(config.users_file.clone().unwrap_or_default(), error)
        })?;
        if config.users_file.is_some() {
            // The stand-in hash unknown users are checked against is made now, not in the first
            // unknown user's login (which would then take longer than a known user's).
            tokio::task::spawn_blocking(|| hash::verify_unknown_user(""));
        }
        let xferlog = match &config.xferlog {
            Some(path) => Some(
                XferLog::open(path)
                    .await
                    .map_err(|error| StartError::Xferlog(path.clone(), error))?,
            ),
            None => None,
        };
        let listener = listen(addr)
            .await
            .map_err(|error| StartError::Bind(addr, error))?;
        let implicit_listener = match config.tls.as_ref().and_then(|tls| tls.implicit_port) {
            Some(port) => {
                let implicit = SocketAddr::new(addr.ip(), port);
                let listener = listen(implicit)
                    .await
                    .map_err(|error| StartError::Bind(implicit, error))?;
                Some(listener)
            }
            None => None,
        };
        Ok(Server {
            listener,
            implicit_listener,
            shared: Arc::new(Shared {
                bans: Bans::new(config.ban_policy()),
                config,
                root_storage,
                accounts: Arc::new(accounts),
                xferlog,
                sequence: AtomicU64::new(0),
                tls,
            }),
        })
    }

    /// The accounts the server checks logins against, to reload (on SIGHUP) while it runs.
    pub fn accounts(&self) -> Arc<AccountStore> {
        self.shared.accounts.clone()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The implicit-FTPS listener's address, when there is one.
    pub fn implicit_tls_addr(&self) -> Option<io::Result<SocketAddr>> {
        self.implicit_listener.as_ref().map(TcpListener::local_addr)
    }

    /// The SHA-256 fingerprint of the TLS certificate (`AB:CD:...`), when TLS is configured.
    pub fn tls_fingerprint(&self) -> Option<&str> {
        self.shared.tls.as_ref().map(TlsContext::fingerprint)
    }

    /// Serves until `shutdown` resolves, then drains sessions: running transfers get the configured grace
    /// period, and those still running when it ends are cut with 426.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let (notify_shutdown, shutdown_signal) = watch::channel(Shutdown::Running);
        let slots = Arc::new(Semaphore::new(self.shared.config.max_connections));
        let per_address = Arc::new(PerAddress::new(self.shared.config.max_per_ip));
        let mut sessions = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                (accepted, entry) = next_connection(&self.listener, self.implicit_listener.as_ref()) => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            // Out of file descriptors and the like: wait a moment instead of spinning.
                            tracing::warn!(%error, "accept failed");
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    if self.shared.bans.is_banned(peer.ip()) {
                        tracing::info!(%peer, "refused: banned after failed logins");
                        sessions.spawn(refuse(stream, entry, BANNED));
                        continue;
                    }
                    let Some(address_slot) = per_address.try_acquire(peer.ip()) else {
                        tracing::warn!(%peer, "refused: too many connections from this address");
                        sessions.spawn(refuse(stream, entry, TOO_MANY_FROM_ADDRESS));
                        continue;
                    };
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        tracing::warn!(%peer, "refused: too many connections");
                        sessions.spawn(refuse(stream, entry, TOO_MANY));
                        continue;
                    };
                    let shared = self.shared.clone();
                    let signal = shutdown_signal.clone();
                    sessions.spawn(async move {
                        Session::serve(shared, stream, entry, signal).await;
                        drop(slot);
                        drop(address_slot);
                    });
                }
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        drop(self.implicit_listener);
        let _ = notify_shutdown.send(Shutdown::Draining);
        let grace = self.shared.config.shutdown_grace;
        let drained = tokio::time::timeout(grace, async {
            while sessions.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = sessions.len(),
                "grace period over; stopping the transfers still running (426)"
            );
            let _ = notify_shutdown.send(Shutdown::GraceOver);
            let closed = tokio::time::timeout(LAST_REPLIES, async {
                while sessions.join_next().await.is_some() {}
            })
            .await;
            if closed.is_err() {
                tracing::warn!(
                    remaining = sessions.len(),
                    "closing sessions that did not take their last replies"
                );
            }
        }
    }
}

/// Binds the control listener. `::` takes IPv4 too (dual stack), whatever the system's default for
/// `IPV6_V6ONLY`: IPv4 clients then appear as IPv4-mapped addresses, which every check canonicalises.
async fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    if addr.ip() != IpAddr::V6(Ipv6Addr::UNSPECIFIED) {
        return TcpListener::bind(addr).await;
    }
    let socket = Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_only_v6(false)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    TcpListener::from_std(socket.into())
}

/// Where shutdown stands, as every session sees it through a watch channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shutdown {
    /// Serving.
    Running,
    /// No new connections; idle sessions are told 421 and closed, running transfers go on.
    Draining,
    /// The grace period is over: a transfer still running is stopped and answered 426.
    GraceOver,
}

/// How long sessions get, once the grace period is over, to send their 426 and 421 and close.
const LAST_REPLIES: Duration = Duration::from_secs(5);

/// How long a refused connection may take to accept its one 421 line.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

const TOO_MANY: &str = "Too many connections; try again later.";
const TOO_MANY_FROM_ADDRESS: &str = "Too many connections from your address; try again later.";
pub(crate) const BANNED: &str = "Too many failed logins from your address; try again later.";

/// Sessions per client address, capped (vsftpd's `max_per_ip`), so that one host cannot take every
/// connection slot.
struct PerAddress {
    limit: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    fn new(limit: usize) -> PerAddress {
        PerAddress {
            limit,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for one more session from `ip`, or `None` when it already has `limit`.
    fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<AddressSlot> {
        // IPv4-mapped IPv6 is the same host as its IPv4 form.
        let ip = ip.to_canonical();
        // A panic while holding the lock leaves only plain counts behind: still usable.
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(AddressSlot {
            table: self.clone(),
            ip,
        })
    }
}

/// One session's place in [`PerAddress`], given back when the session ends.
struct AddressSlot {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self
            .table
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

/// The next connection from either listener, and which one it came in on. Cancel-safe, as `accept` is.
async fn next_connection(
    explicit: &TcpListener,
    implicit: Option<&TcpListener>,
) -> (io::Result<(TcpStream, SocketAddr)>, Entry) {
    let Some(implicit) = implicit else {
        return (explicit.accept().await, Entry::Explicit);
    };
    tokio::select! {
        accepted = explicit.accept() => (accepted, Entry::Explicit),
        accepted = implicit.accept() => (accepted, Entry::ImplicitTls),
    }
}

/// A connection over a limit gets 421 at once (RFC 959 §5.4 allows 421 for any command, and a greeting).
/// On the implicit-TLS port a plaintext 421 would be noise in a handshake: that connection is just closed.
async fn refuse(stream: TcpStream, entry: Entry, text: &'static str) {
    if entry == Entry::ImplicitTls {
        return;
    }
    let Ok(mut control) = ControlConnection::new(stream, REFUSAL_WRITE_TIMEOUT) else {
        return;
    };
    let reply = Reply::new(ReplyCode::ServiceNotAvailable, text);
    let _ = control.write_reply(&reply).await;
    let _ = control.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_own_count_and_slots_come_back() {
        let table = Arc::new(PerAddress::new(2));
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let first = table.try_acquire(one).unwrap();
        let _second = table.try_acquire(mapped).unwrap();
        assert!(
            table.try_acquire(one).is_none(),
            "the mapped form counts too"
        );
        let _elsewhere = table.try_acquire(other).unwrap();
        drop(first);
        assert!(table.try_acquire(one).is_some());
    }
}
