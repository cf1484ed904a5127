//! The chat relay: keeps members by address, answers requests (once per id: a repeated
//! request gets the cached reply), relays messages to every other member with retransmission
//! until acknowledged, and drops members it has not heard from within `drop_after`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::protocol::{ClientMsg, ServerMsg, MAX_DATAGRAM};

/// Timing of the relay.
#[derive(Debug, Clone, Copy)]
pub struct ChatConfig {
    /// A member silent for this long (no keepalive) is dropped.
    pub drop_after: Duration,
    /// Resend an unacknowledged relayed message after this long.
    pub retransmit: Duration,
    /// Resends of one relayed message before giving up on it.
    pub retries: u32,
}

impl Default for ChatConfig {
    fn default() -> Self {
        ChatConfig {
            drop_after: Duration::from_secs(15),
            retransmit: Duration::from_millis(500),
            retries: 8,
        }
    }
}

/// Replies remembered per member to answer a repeated request without acting twice.
const REPLY_CACHE: usize = 64;

struct Outgoing {
    bytes: Vec<u8>,
    sent: Instant,
    tries: u32,
}

struct Member {
    nick: String,
    last_seen: Instant,
    next_push: u64,
    unacked: BTreeMap<u64, Outgoing>,
    replies: VecDeque<(u64, Vec<u8>)>,
}

struct Relay {
    socket: UdpSocket,
    config: ChatConfig,
    members: HashMap<SocketAddr, Member>,
}

/// Run the relay on `socket` until `shutdown` completes.
pub async fn serve(
    socket: UdpSocket,
    config: ChatConfig,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let mut relay = Relay {
        socket,
        config,
        members: HashMap::new(),
    };
    let mut tick = tokio::time::interval(config.retransmit.min(config.drop_after) / 2);
    // One byte more than allowed, so an oversized datagram is seen as such, not truncated.
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            _ = tick.tick() => relay.on_tick().await,
            r = relay.socket.recv_from(&mut buf) => match r {
                Ok((len, from)) => relay.on_datagram(&buf[..len], from).await,
                Err(e) => tracing::debug!("chat: receive failed: {e}"),
            },
        }
    }
}

impl Relay {
    async fn send(&self, bytes: &[u8], to: SocketAddr) {
        if let Err(e) = self.socket.send_to(bytes, to).await {
            tracing::debug!("chat: send to {to} failed: {e}");
        }
    }

    async fn on_datagram(&mut self, bytes: &[u8], from: SocketAddr) {
        let msg = match ClientMsg::parse(bytes) {
            Ok(m) => m,
            // The id is unknown when parsing failed; 0 is never used by clients.
            Err(e) => {
                return self
                    .send(
                        &ServerMsg::No {
                            id: 0,
                            reason: e.to_string(),
                        }
                        .encode(),
                        from,
                    )
                    .await
            }
        };
        if let Some(m) = self.members.get_mut(&from) {
            m.last_seen = Instant::now();
        }
        let id = match &msg {
            ClientMsg::Ack { id } => {
                if let Some(m) = self.members.get_mut(&from) {
                    m.unacked.remove(id);
                }
                return;
            }
            ClientMsg::Join { id, .. }
            | ClientMsg::Say { id, .. }
            | ClientMsg::Who { id }
            | ClientMsg::Ping { id }
            | ClientMsg::Leave { id } => *id,
        };
        let cached = self
            .members
            .get(&from)
            .and_then(|m| m.replies.iter().find(|(i, _)| *i == id));
        if let Some((_, reply)) = cached {
            // A retransmitted request: its reply was lost. Answer again, act once.
            return self.send(&reply.clone(), from).await;
        }
        let reply = self.apply(msg, id, from).await;
        if let Some(m) = self.members.get_mut(&from) {
            if m.replies.len() == REPLY_CACHE {
                m.replies.pop_front();
            }
            m.replies.push_back((id, reply.clone()));
        }
        self.send(&reply, from).await;
    }

    /// Carry out one request; returns the encoded reply.
    async fn apply(&mut self, msg: ClientMsg, id: u64, from: SocketAddr) -> Vec<u8> {
        let no = |reason: &str| {
            ServerMsg::No {
                id,
                reason: reason.to_owned(),
            }
            .encode()
        };
        let ok = ServerMsg::Ok { id }.encode();
        let Some(nick) = self.members.get(&from).map(|m| m.nick.clone()) else {
            let ClientMsg::Join { nick, .. } = msg else {
                return no("not joined: send JOIN first");
            };
            if self.members.values().any(|m| m.nick == nick) {
                return no(&format!("nickname {nick} is taken"));
            }
            let member = Member {
                nick: nick.clone(),
                last_seen: Instant::now(),
                next_push: 1,
                unacked: BTreeMap::new(),
                replies: VecDeque::new(),
            };
            self.members.insert(from, member);
            self.push_to_others(from, |id| ServerMsg::Joined {
                id,
                nick: nick.clone(),
            })
            .await;
            return ok;
        };
        match msg {
            ClientMsg::Join { nick: again, .. } if again == nick => ok,
            ClientMsg::Join { .. } => no(&format!("already joined as {nick}")),
            ClientMsg::Say { text, .. } => {
                self.push_to_others(from, |id| ServerMsg::From {
                    id,
                    nick: nick.clone(),
                    text: text.clone(),
                })
                .await;
                ok
            }
            ClientMsg::Who { .. } => {
                let mut nicks: Vec<String> =
                    self.members.values().map(|m| m.nick.clone()).collect();
                nicks.sort();
                ServerMsg::Who { id, nicks }.encode()
            }
            ClientMsg::Ping { .. } => ok,
            ClientMsg::Leave { .. } => {
                self.remove(from, "quit").await;
                ok
            }
            ClientMsg::Ack { .. } => ok, // handled before; kept for exhaustiveness
        }
    }

    /// Relay to every member but `from`, each with its own push id, tracked until acked.
    async fn push_to_others(&mut self, from: SocketAddr, make: impl Fn(u64) -> ServerMsg) {
        let now = Instant::now();
        let mut sends = Vec::new();
        for (addr, m) in self.members.iter_mut().filter(|(a, _)| **a != from) {
            let id = m.next_push;
            m.next_push += 1;
            let bytes = make(id).encode();
            m.unacked.insert(
                id,
                Outgoing {
                    bytes: bytes.clone(),
                    sent: now,
                    tries: 0,
                },
            );
            sends.push((bytes, *addr));
        }
        for (bytes, addr) in sends {
            self.send(&bytes, addr).await;
        }
    }

    async fn remove(&mut self, addr: SocketAddr, reason: &str) {
        if let Some(m) = self.members.remove(&addr) {
            tracing::info!("chat: {} left ({reason})", m.nick);
            let reason = reason.to_owned();
            self.push_to_others(addr, |id| ServerMsg::Left {
                id,
                nick: m.nick.clone(),
                reason: reason.clone(),
            })
            .await;
        }
    }

    async fn on_tick(&mut self) {
        let now = Instant::now();
        let silent: Vec<SocketAddr> = self
            .members
            .iter()
            .filter(|(_, m)| now.duration_since(m.last_seen) > self.config.drop_after)
            .map(|(a, _)| *a)
            .collect();
        for addr in silent {
            self.remove(addr, "timeout").await;
        }
        let mut resend = Vec::new();
        for (addr, m) in &mut self.members {
            m.unacked.retain(|_, o| o.tries < self.config.retries);
            for o in m.unacked.values_mut() {
                if now.duration_since(o.sent) >= self.config.retransmit {
                    o.sent = now;
                    o.tries += 1;
                    resend.push((o.bytes.clone(), *addr));
                }
            }
        }
        for (bytes, addr) in resend {
            self.send(&bytes, addr).await;
        }
    }
}
