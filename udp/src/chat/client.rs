//! The member side of the chat: a background task owns the socket, resends requests until the
//! relay answers, acknowledges every relayed message and shows each one once, and sends a
//! keepalive so the relay keeps the membership.

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::protocol::{check_nick, ClientMsg, ServerMsg, MAX_DATAGRAM, MAX_TEXT};

/// Timing of a member.
#[derive(Debug, Clone, Copy)]
pub struct ClientConfig {
    /// Resend an unanswered request after this long.
    pub retransmit: Duration,
    /// Resends before a request is reported lost.
    pub retries: u32,
    /// Interval of keepalive PINGs (keep it well under the relay's drop time).
    pub keepalive: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            retransmit: Duration::from_millis(500),
            retries: 6,
            keepalive: Duration::from_secs(5),
        }
    }
}

/// Something that happened in the chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Message { nick: String, text: String },
    Joined { nick: String },
    Left { nick: String, reason: String },
}

/// Why a chat operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// The message is longer than fits in one datagram.
    #[error(
        "message too long: {len} bytes, at most {max} fit in one {MAX_DATAGRAM}-byte datagram"
    )]
    TooLong { len: usize, max: usize },
    /// The nickname is not acceptable.
    #[error("{0}")]
    BadNick(String),
    /// The relay refused the request.
    #[error("refused by server: {0}")]
    Refused(String),
    /// No answer after every resend.
    #[error("no answer from server (datagrams lost or server down)")]
    Lost,
    /// The client task has stopped.
    #[error("chat connection closed")]
    Closed,
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(std::io::Error),
}

type Reply = oneshot::Sender<Result<ServerMsg, ChatError>>;

struct Request {
    msg: ClientMsg,
    reply: Option<Reply>,
}

/// A joined member. Dropping it stops the background task (without a LEAVE).
pub struct ChatClient {
    requests: mpsc::Sender<Request>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ChatClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ChatClient {
    /// Join the relay at `server` as `nick`. Events arrive on the returned receiver.
    pub async fn join(
        server: SocketAddr,
        nick: &str,
        config: ClientConfig,
    ) -> Result<(ChatClient, mpsc::Receiver<Event>), ChatError> {
        check_nick(nick).map_err(|e| ChatError::BadNick(e.to_string()))?;
        let local: SocketAddr = if server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await.map_err(ChatError::Io)?;
        let (req_tx, req_rx) = mpsc::channel(16);
        let (ev_tx, ev_rx) = mpsc::channel(256);
        let task = tokio::spawn(run(socket, server, config, req_rx, ev_tx));
        let client = ChatClient {
            requests: req_tx,
            task,
        };
        client
            .call(|id| ClientMsg::Join {
                id,
                nick: nick.to_owned(),
            })
            .await?;
        Ok((client, ev_rx))
    }

    async fn call(&self, make: impl FnOnce(u64) -> ClientMsg) -> Result<ServerMsg, ChatError> {
        let (tx, rx) = oneshot::channel();
        // The id is filled in by the task; 0 here is a placeholder.
        let request = Request {
            msg: make(0),
            reply: Some(tx),
        };
        self.requests
            .send(request)
            .await
            .map_err(|_| ChatError::Closed)?;
        match rx.await.map_err(|_| ChatError::Closed)?? {
            ServerMsg::No { reason, .. } => Err(ChatError::Refused(reason)),
            reply => Ok(reply),
        }
    }

    /// Send a message to every other member; returns once the relay has it.
    pub async fn say(&self, text: &str) -> Result<(), ChatError> {
        if text.len() > MAX_TEXT {
            return Err(ChatError::TooLong {
                len: text.len(),
                max: MAX_TEXT,
            });
        }
        if text.contains(['\r', '\n']) {
            return Err(ChatError::Refused("a message is one line".into()));
        }
        self.call(|id| ClientMsg::Say {
            id,
            text: text.to_owned(),
        })
        .await
        .map(|_| ())
    }

    /// The members' nicknames, sorted.
    pub async fn who(&self) -> Result<Vec<String>, ChatError> {
        match self.call(|id| ClientMsg::Who { id }).await? {
            ServerMsg::Who { nicks, .. } => Ok(nicks),
            other => Err(ChatError::Refused(format!("unexpected reply {other:?}"))),
        }
    }

    /// Leave the chat explicitly.
    pub async fn leave(self) -> Result<(), ChatError> {
        self.call(|id| ClientMsg::Leave { id }).await.map(|_| ())
    }
}

fn with_id(msg: ClientMsg, id: u64) -> ClientMsg {
    match msg {
        ClientMsg::Join { nick, .. } => ClientMsg::Join { id, nick },
        ClientMsg::Say { text, .. } => ClientMsg::Say { id, text },
        ClientMsg::Who { .. } => ClientMsg::Who { id },
        ClientMsg::Ping { .. } => ClientMsg::Ping { id },
        ClientMsg::Leave { .. } => ClientMsg::Leave { id },
        ClientMsg::Ack { .. } => ClientMsg::Ack { id },
    }
}

struct Pending {
    bytes: Vec<u8>,
    sent: Instant,
    tries: u32,
    reply: Option<Reply>,
}

/// Push ids remembered to suppress duplicates; older ones are forgotten.
const SEEN_WINDOW: u64 = 4096;

async fn run(
    socket: UdpSocket,
    server: SocketAddr,
    config: ClientConfig,
    mut requests: mpsc::Receiver<Request>,
    events: mpsc::Sender<Event>,
) {
    let mut next_id: u64 = 1;
    let mut pending: HashMap<u64, Pending> = HashMap::new();
    let mut seen: BTreeSet<u64> = BTreeSet::new();
    let mut tick = tokio::time::interval(config.retransmit / 2);
    let mut keepalive = tokio::time::interval(config.keepalive);
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        let new_request = tokio::select! {
            r = requests.recv() => match r {
                Some(r) => Some(r),
                None => return,
            },
            _ = keepalive.tick() => Some(Request { msg: ClientMsg::Ping { id: 0 }, reply: None }),
            _ = tick.tick() => {
                let now = Instant::now();
                let mut lost = Vec::new();
                for (id, p) in &mut pending {
                    if now.duration_since(p.sent) < config.retransmit {
                        continue;
                    }
                    if p.tries >= config.retries {
                        lost.push(*id);
                        continue;
                    }
                    p.tries += 1;
                    p.sent = now;
                    let _ = socket.send_to(&p.bytes, server).await;
                }
                for id in lost {
                    if let Some(Some(reply)) = pending.remove(&id).map(|p| p.reply) {
                        let _ = reply.send(Err(ChatError::Lost));
                    }
                }
                None
            }
            r = socket.recv_from(&mut buf) => {
                let Ok((len, from)) = r else { continue };
                if from != server {
                    continue;
                }
                let Ok(msg) = ServerMsg::parse(&buf[..len]) else { continue };
                let event = match msg {
                    ServerMsg::Ok { id } | ServerMsg::No { id, .. } | ServerMsg::Who { id, .. } => {
                        if let Some(Some(reply)) = pending.remove(&id).map(|p| p.reply) {
                            let _ = reply.send(Ok(msg));
                        }
                        None
                    }
                    ServerMsg::From { id, nick, text } => Some((id, Event::Message { nick, text })),
                    ServerMsg::Joined { id, nick } => Some((id, Event::Joined { nick })),
                    ServerMsg::Left { id, nick, reason } => Some((id, Event::Left { nick, reason })),
                };
                if let Some((id, event)) = event {
                    // Always acknowledge (our earlier ACK may be what was lost); show once.
                    let _ = socket.send_to(&ClientMsg::Ack { id }.encode(), server).await;
                    if seen.insert(id) {
                        let _ = events.send(event).await;
                        while seen.len() as u64 > SEEN_WINDOW {
                            seen.pop_first();
                        }
                    }
                }
                None
            }
        };
        if let Some(Request { msg, reply }) = new_request {
            let id = next_id;
            next_id += 1;
            let bytes = with_id(msg, id).encode();
            let _ = socket.send_to(&bytes, server).await;
            pending.insert(
                id,
                Pending {
                    bytes,
                    sent: Instant::now(),
                    tries: 0,
                    reply,
                },
            );
        }
    }
}
