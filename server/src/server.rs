//! The listener: accepts connections, caps their number, starts a session for each, and shuts down.
//!
//! Shutdown (mini-redis style): when the shutdown future resolves, accepting stops, every session is told
//! through a watch channel (idle ones send 421 and close, busy ones finish their transfer first), and `run`
//! returns once all sessions have ended or the grace period has passed.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use ftp_proto::{Reply, ReplyCode};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::config::Config;
use crate::control::ControlConnection;
use crate::session::{Session, Shared};
use crate::storage::{self, Storage};

/// A bound FTP server, ready to run.
pub struct Server {
    listener: TcpListener,
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
}

impl Server {
    /// Checks the root and binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, config: Config) -> Result<Server, StartError> {
        let storage = storage::open(&config).map_err(StartError::Root)?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|error| StartError::Bind(addr, error))?;
        Ok(Server::with_listener(listener, config, storage))
    }

    fn with_listener(listener: TcpListener, config: Config, storage: Box<dyn Storage>) -> Server {
        Server {
            listener,
            shared: Arc::new(Shared {
                config,
                storage,
                sequence: AtomicU64::new(0),
            }),
        }
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then drains sessions (bounded by the configured grace period).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let (notify_shutdown, shutdown_signal) = watch::channel(false);
        let slots = Arc::new(Semaphore::new(self.shared.config.max_connections));
        let mut sessions = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(error) => {
                            // Out of file descriptors and the like: wait a moment instead of spinning.
                            tracing::warn!(%error, "accept failed");
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        tracing::warn!(%peer, "refused: too many connections");
                        sessions.spawn(refuse(stream));
                        continue;
                    };
                    let shared = self.shared.clone();
                    let signal = shutdown_signal.clone();
                    sessions.spawn(async move {
                        Session::serve(shared, stream, signal).await;
                        drop(slot);
                    });
                }
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = notify_shutdown.send(true);
        let grace = self.shared.config.shutdown_grace;
        let drained = tokio::time::timeout(grace, async {
            while sessions.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = sessions.len(),
                "grace period over; closing remaining sessions"
            );
        }
    }
}

/// A connection over the limit gets 421 at once (RFC 959 §5.4 allows 421 for any command, and a greeting).
async fn refuse(stream: TcpStream) {
    let Ok(mut control) = ControlConnection::new(stream) else {
        return;
    };
    let reply = Reply::new(
        ReplyCode::ServiceNotAvailable,
        "Too many connections; try again later.",
    );
    let _ = control.write_reply(&reply).await;
    let _ = control.shutdown().await;
}
