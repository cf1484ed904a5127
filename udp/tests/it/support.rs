//! Test support: a fault-injecting UDP relay and helpers to start servers in-process.
//!
//! The relay sits between one client and a server and behaves like a NAT: every server source
//! port (TFTP's per-transfer TID) gets its own front socket, so the client still sees distinct
//! TIDs. It can drop every Nth datagram and duplicate every datagram, and it counts what it saw.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;
use tokio::sync::oneshot;

/// Faults the relay injects.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Drop every Nth datagram (counted over both directions).
    pub drop_every: Option<u64>,
    /// Drop each datagram with probability 1/N, from a fixed pseudo-random sequence. Unlike
    /// `drop_every`, this cannot fall into step with a protocol's own cycle: a TFTP window of six
    /// blocks and its ACK are seven datagrams, so dropping every 7th lost that ACK in every round.
    pub drop_one_in: Option<u64>,
    /// Forward every datagram twice.
    pub duplicate: bool,
}

/// Counters of what the relay saw.
#[derive(Debug, Default)]
pub struct Stats {
    pub seen: AtomicU64,
    pub dropped: AtomicU64,
    /// Datagrams the server side sent (before faults were applied).
    pub from_server: AtomicU64,
}

struct Shared {
    faults: Faults,
    stats: Stats,
    back: UdpSocket,
    /// For each server address (its listening port, and each transfer's own port), the client that talks
    /// to it. A transfer keeps its client even after another request starts, as on a real network:
    /// a late packet of a finished transfer must not reach the next transfer's client.
    clients: Mutex<HashMap<SocketAddr, SocketAddr>>,
    /// The server's listening address, whose latest client owns each new transfer port.
    server: SocketAddr,
    /// The pseudo-random state for `drop_one_in`.
    random: AtomicU64,
    fronts: Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>,
}

impl Shared {
    /// The next number of a xorshift64 sequence shared by both directions.
    fn next_random(&self) -> u64 {
        let step = |mut x: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let previous = self
            .random
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |x| Some(step(x)))
            .unwrap_or(1);
        step(previous)
    }

    /// How many copies of the next datagram to forward.
    fn copies(&self) -> usize {
        let n = self.stats.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if self
            .faults
            .drop_every
            .is_some_and(|every| n.checked_rem(every) == Some(0))
        {
            self.stats.dropped.fetch_add(1, Ordering::SeqCst);
            return 0;
        }
        if let Some(one_in) = self.faults.drop_one_in {
            if self.next_random().is_multiple_of(one_in) {
                self.stats.dropped.fetch_add(1, Ordering::SeqCst);
                return 0;
            }
        }
        if self.faults.duplicate {
            2
        } else {
            1
        }
    }
}

pub struct Relay {
    /// Where the client should send.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Relay {
    pub async fn start(server: SocketAddr, faults: Faults) -> Relay {
        let back = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let addr = front.local_addr().unwrap();
        let shared = Arc::new(Shared {
            faults,
            stats: Stats::default(),
            back,
            clients: Mutex::new(HashMap::new()),
            server,
            random: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
            fronts: Mutex::new(HashMap::from([(server, front.clone())])),
        });
        let t1 = tokio::spawn(front_loop(shared.clone(), front, server));
        let t2 = tokio::spawn(back_loop(shared.clone()));
        Relay {
            addr,
            shared,
            tasks: vec![t1, t2],
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Client -> server through one front socket.
async fn front_loop(shared: Arc<Shared>, front: Arc<UdpSocket>, target: SocketAddr) {
    let mut buf = vec![0u8; 70_000];
    loop {
        let Ok((len, from)) = front.recv_from(&mut buf).await else {
            continue;
        };
        shared.clients.lock().unwrap().insert(target, from);
        for _ in 0..shared.copies() {
            let _ = shared.back.send_to(&buf[..len], target).await;
        }
    }
}

/// Server -> client, through the front socket that stands for the server's source port.
async fn back_loop(shared: Arc<Shared>) {
    let mut buf = vec![0u8; 70_000];
    loop {
        let Ok((len, from)) = shared.back.recv_from(&mut buf).await else {
            continue;
        };
        shared.stats.from_server.fetch_add(1, Ordering::SeqCst);
        let existing = shared.fronts.lock().unwrap().get(&from).cloned();
        let front = match existing {
            Some(f) => f,
            None => {
                let f = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
                shared.fronts.lock().unwrap().insert(from, f.clone());
                tokio::spawn(front_loop(shared.clone(), f.clone(), from));
                f
            }
        };
        let client = {
            let mut clients = shared.clients.lock().unwrap();
            let requester = clients.get(&shared.server).copied();
            match clients.get(&from).copied().or(requester) {
                Some(client) => *clients.entry(from).or_insert(client),
                None => continue,
            }
        };
        for _ in 0..shared.copies() {
            let _ = front.send_to(&buf[..len], client).await;
        }
    }
}

/// A running in-process server: its address, and a handle that stops it when dropped.
pub struct Running {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Bind 127.0.0.1:0 and start `serve(socket, shutdown)`.
    pub async fn start<F, Fut>(serve: F) -> Running
    where
        F: FnOnce(UdpSocket, futures_shutdown::Shutdown) -> Fut,
        Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
    {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(serve(socket, futures_shutdown::Shutdown(rx)));
        Running {
            addr,
            stop: Some(tx),
            task,
        }
    }

    /// Stop the server and wait for it to return.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub mod futures_shutdown {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    /// Completes when the test asks the server to stop (or drops the handle).
    pub struct Shutdown(pub tokio::sync::oneshot::Receiver<()>);

    impl Future for Shutdown {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            Pin::new(&mut self.0).poll(cx).map(|_| ())
        }
    }
}
