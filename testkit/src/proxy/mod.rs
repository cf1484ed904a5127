//! A fault-injecting TCP proxy for tests and soaks: it sits on loopback between a client and an FTP
//! server, relays the control connection and, by rewriting 227/229 replies, every passive data
//! connection too, and injects one seeded [`Fault`] per connection.
//!
//! - [`rng`]: SplitMix64, so a printed seed replays a run's fault choices.
//! - [`fault`]: the fault kinds, how a [`FaultMix`] picks one per connection, the [`FaultCounts`].
//! - [`pipe`]: one direction of a connection with its fault applied.
//! - [`rewrite`]: finding and rewriting passive replies (with `ftp_proto::hostport`).
//! - [`relay`]: one connection, both directions, and the data listeners it opens.
//!
//! Replay: connection *n* (in accept order) draws its fault from `derive(seed, n)`, and its *k*-th data
//! connection from a stream of its own, so the same seed and the same order of connections give the same
//! faults. Active mode (PORT/EPRT) is not proxied: data connections then bypass the proxy.

mod fault;
mod pipe;
mod relay;
mod rewrite;
mod rng;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub use fault::{Direction, Fault, FaultCounts, FaultKind, FaultMix, MixWeights};
pub use rng::SeededRng;

use relay::{relay, Passive};

/// What the proxy injects.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Every fault choice derives from it; printed at start so a failing run can be replayed.
    pub seed: u64,
    /// Faults of control connections.
    pub control: FaultMix,
    /// Faults of data connections.
    pub data: FaultMix,
}

impl ProxyConfig {
    /// No faults at all: a plain relay.
    pub fn clean(seed: u64) -> ProxyConfig {
        ProxyConfig {
            seed,
            control: FaultMix::Always(Fault::None),
            data: FaultMix::Always(Fault::None),
        }
    }
}

/// State shared by every connection of one proxy.
pub(crate) struct Shared {
    pub(crate) seed: u64,
    pub(crate) data_mix: FaultMix,
    pub(crate) counts: FaultCounts,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Shared {
    /// Remembers a task so that dropping the proxy stops it; forgets finished ones.
    pub(crate) fn track(&self, task: AbortHandle) {
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|task| !task.is_finished());
            tasks.push(task);
        }
    }
}

/// A running proxy; dropping it stops it and every connection it relays.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listens on `127.0.0.1:0` and relays each connection to `upstream`, which must be on loopback.
    pub async fn start(upstream: SocketAddr, config: ProxyConfig) -> io::Result<FaultProxy> {
        if !upstream.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the fault proxy only relays to loopback, not {upstream}"),
            ));
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        eprintln!(
            "fault proxy {addr} -> {upstream}, seed {} (the same seed replays the same faults)",
            config.seed
        );
        let shared = Arc::new(Shared {
            seed: config.seed,
            data_mix: config.data,
            counts: FaultCounts::default(),
            tasks: Mutex::new(Vec::new()),
        });
        let accept = tokio::spawn(accept_loop(
            listener,
            upstream,
            config.control,
            Arc::clone(&shared),
        ));
        shared.track(accept.abort_handle());
        Ok(FaultProxy { addr, shared })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// Faults fired and bytes forwarded so far.
    pub fn counts(&self) -> &FaultCounts {
        &self.shared.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Ok(tasks) = self.shared.tasks.lock() {
            tasks.iter().for_each(AbortHandle::abort);
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    control_mix: FaultMix,
    shared: Arc<Shared>,
) {
    let mut connection = 0u64;
    // Ends when the proxy is dropped (the task is aborted) or the listener fails.
    while let Ok((client, _)) = listener.accept().await {
        connection += 1;
        let mut rng = SeededRng::derive(shared.seed, connection);
        let fault = control_mix.pick(&mut rng);
        let passive = Passive {
            shared: Arc::clone(&shared),
            connection,
            data_opened: 0,
        };
        let task_shared = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            relay(client, server, fault, rng, task_shared, Some(passive)).await;
        });
        shared.track(task.abort_handle());
    }
}
