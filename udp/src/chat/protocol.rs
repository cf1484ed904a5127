//! The chat wire format: one UTF-8 line per datagram, `VERB ID [ARGS]`, at most
//! [`MAX_DATAGRAM`] bytes so it fits any path MTU without fragmentation.
//!
//! Client to relay: `JOIN id nick`, `SAY id text`, `WHO id`, `PING id`, `LEAVE id`, `ACK id`.
//! Relay to client: `OK id`, `NO id reason`, `WHO id nick...` (replies carry the request id),
//! and `FROM id nick text`, `JOINED id nick`, `LEFT id nick reason` (pushes carry the relay's
//! own per-member id and are acknowledged with `ACK id`).

/// Largest datagram either side sends or accepts.
pub const MAX_DATAGRAM: usize = 1200;
/// Longest nickname, in bytes.
pub const MAX_NICK: usize = 32;
/// Longest message text, in bytes: leaves room for `FROM <id> <nick> ` in the relayed form.
pub const MAX_TEXT: usize = MAX_DATAGRAM - 64;

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMsg {
    Join { id: u64, nick: String },
    Say { id: u64, text: String },
    Who { id: u64 },
    Ping { id: u64 },
    Leave { id: u64 },
    Ack { id: u64 },
}

/// What the relay sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMsg {
    Ok {
        id: u64,
    },
    No {
        id: u64,
        reason: String,
    },
    Who {
        id: u64,
        nicks: Vec<String>,
    },
    From {
        id: u64,
        nick: String,
        text: String,
    },
    Joined {
        id: u64,
        nick: String,
    },
    Left {
        id: u64,
        nick: String,
        reason: String,
    },
}

/// Why a datagram is not a valid message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Longer than one datagram may be.
    #[error("datagram of {0} bytes exceeds {MAX_DATAGRAM}")]
    TooLong(usize),
    /// Not UTF-8.
    #[error("datagram is not UTF-8 text")]
    NotText,
    /// Not `VERB ID ...` as the verb requires.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
    /// A nickname the relay does not accept.
    #[error("bad nickname: {0}")]
    BadNick(String),
}

/// A nickname is 1-32 bytes with no whitespace or control characters.
pub fn check_nick(nick: &str) -> Result<(), ProtocolError> {
    if nick.is_empty() || nick.len() > MAX_NICK {
        return Err(ProtocolError::BadNick(format!(
            "must be 1-{MAX_NICK} bytes"
        )));
    }
    if nick.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ProtocolError::BadNick(
            "no spaces or control characters".into(),
        ));
    }
    Ok(())
}

/// Split a datagram into verb, id and the rest.
fn split(bytes: &[u8]) -> Result<(&str, u64, &str), ProtocolError> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(ProtocolError::TooLong(bytes.len()));
    }
    let line = std::str::from_utf8(bytes).map_err(|_| ProtocolError::NotText)?;
    let (verb, rest) = line.split_once(' ').unwrap_or((line, ""));
    let (id, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let id = id
        .parse()
        .map_err(|_| ProtocolError::Malformed("missing or bad id"))?;
    Ok((verb, id, rest))
}

fn word_and_rest(rest: &str) -> Result<(String, String), ProtocolError> {
    let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    check_nick(word)?;
    Ok((word.to_owned(), tail.to_owned()))
}

impl ClientMsg {
    pub fn parse(bytes: &[u8]) -> Result<ClientMsg, ProtocolError> {
        let (verb, id, rest) = split(bytes)?;
        Ok(match verb {
            "JOIN" => {
                check_nick(rest)?;
                ClientMsg::Join {
                    id,
                    nick: rest.to_owned(),
                }
            }
            "SAY" => ClientMsg::Say {
                id,
                text: rest.to_owned(),
            },
            "WHO" => ClientMsg::Who { id },
            "PING" => ClientMsg::Ping { id },
            "LEAVE" => ClientMsg::Leave { id },
            "ACK" => ClientMsg::Ack { id },
            _ => return Err(ProtocolError::Malformed("unknown verb")),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            ClientMsg::Join { id, nick } => format!("JOIN {id} {nick}"),
            ClientMsg::Say { id, text } => format!("SAY {id} {text}"),
            ClientMsg::Who { id } => format!("WHO {id}"),
            ClientMsg::Ping { id } => format!("PING {id}"),
            ClientMsg::Leave { id } => format!("LEAVE {id}"),
            ClientMsg::Ack { id } => format!("ACK {id}"),
        }
        .into_bytes()
    }
}

impl ServerMsg {
    pub fn parse(bytes: &[u8]) -> Result<ServerMsg, ProtocolError> {
        let (verb, id, rest) = split(bytes)?;
        Ok(match verb {
            "OK" => ServerMsg::Ok { id },
            "NO" => ServerMsg::No {
                id,
                reason: rest.to_owned(),
            },
            "WHO" => ServerMsg::Who {
                id,
                nicks: rest.split_whitespace().map(str::to_owned).collect(),
            },
            "FROM" => {
                let (nick, text) = word_and_rest(rest)?;
                ServerMsg::From { id, nick, text }
            }
            "JOINED" => ServerMsg::Joined {
                id,
                nick: word_and_rest(rest)?.0,
            },
            "LEFT" => {
                let (nick, reason) = word_and_rest(rest)?;
                ServerMsg::Left { id, nick, reason }
            }
            _ => return Err(ProtocolError::Malformed("unknown verb")),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        match self {
            ServerMsg::Ok { id } => format!("OK {id}"),
            ServerMsg::No { id, reason } => format!("NO {id} {reason}"),
            ServerMsg::Who { id, nicks } => format!("WHO {id} {}", nicks.join(" ")),
            ServerMsg::From { id, nick, text } => format!("FROM {id} {nick} {text}"),
            ServerMsg::Joined { id, nick } => format!("JOINED {id} {nick}"),
            ServerMsg::Left { id, nick, reason } => format!("LEFT {id} {nick} {reason}"),
        }
        .into_bytes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips() {
        let msgs = [
            ClientMsg::Join {
                id: 1,
                nick: "ann".into(),
            },
            ClientMsg::Say {
                id: 2,
                text: "hello  there ".into(),
            },
            ClientMsg::Ack { id: 3 },
        ];
        for m in msgs {
            assert_eq!(ClientMsg::parse(&m.encode()).unwrap(), m);
        }
        let s = ServerMsg::From {
            id: 9,
            nick: "bob".into(),
            text: "hi all".into(),
        };
        assert_eq!(ServerMsg::parse(&s.encode()).unwrap(), s);
    }

    #[test]
    fn longest_text_still_fits_when_relayed() {
        let nick = "n".repeat(MAX_NICK);
        let relayed = ServerMsg::From {
            id: u64::MAX,
            nick,
            text: "x".repeat(MAX_TEXT),
        };
        assert!(relayed.encode().len() <= MAX_DATAGRAM);
    }

    #[test]
    fn refuses_bad_input() {
        assert!(matches!(
            ClientMsg::parse(&[b'x'; 1201]),
            Err(ProtocolError::TooLong(1201))
        ));
        assert!(ClientMsg::parse(b"JOIN 1 two words").is_err());
        assert!(ClientMsg::parse(b"SAY x hi").is_err());
        assert!(ClientMsg::parse(b"\xff\xfe").is_err());
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1300)) {
            let _ = ClientMsg::parse(&bytes);
            let _ = ServerMsg::parse(&bytes);
        }
    }
}
