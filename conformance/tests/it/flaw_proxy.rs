//! A flaw injector: a control-connection proxy in front of this project's server (which passes every
//! case) that changes one thing, so a test can show that the case meant to catch it fails. A [`Rule`]
//! answers a command itself, replaces the server's first reply to it, rewrites the command line, or
//! rewrites bytes of every line. Data connections go straight to the server (its PASV address is passed
//! on unchanged). Unlike the scripted mock, this serves every command the newer cases use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Mutex};

/// What a rule does to a command line it matches.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    /// Answer with these reply bytes; the server never sees the command.
    Answer(&'static str),
    /// Forward the command; the server's first reply to it becomes these bytes.
    Replace(&'static str),
    /// Forward the line with the first `from` replaced by `to`.
    Rewrite(&'static str, &'static str),
    /// Forward the line with every `from` byte sequence replaced by `to`.
    Bytes(&'static [u8], &'static [u8]),
}

/// A flaw: lines whose verb starts with `verb` (case-insensitive, Telnet bytes before it ignored) and
/// that contain `contains` get `action`.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub verb: &'static str,
    pub contains: &'static str,
    pub action: Action,
}

impl Rule {
    fn matches(&self, line: &[u8]) -> bool {
        let start = line.iter().position(u8::is_ascii).unwrap_or(line.len());
        let line = &line[start..];
        let verb = self.verb.as_bytes();
        line.len() >= verb.len()
            && line[..verb.len()].eq_ignore_ascii_case(verb)
            && contains(line, self.contains.as_bytes())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

fn replace(line: &[u8], from: &[u8], to: &[u8], all: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    let mut done = false;
    while !rest.is_empty() {
        if !done && rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
            done = !all;
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// Starts the proxy on 127.0.0.1:0 in front of `server`, applying `rule`.
pub async fn start(server: SocketAddr, rule: Rule) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, server, rule));
        }
    });
    addr
}

/// One session: client lines through the rule to the server, server replies (whole) back.
async fn relay(client: TcpStream, server: SocketAddr, rule: Rule) {
    let Ok(upstream) = TcpStream::connect(server).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, mut server_write) = upstream.into_split();
    let client_write = Arc::new(Mutex::new(client_write));
    // For each forwarded command, in order: the replacement of its first reply, if any.
    let (pending, mut replies_for) = mpsc::unbounded_channel::<Option<&'static str>>();
    let to_client = client_write.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(server_read);
        let mut current: Option<Option<&'static str>> = None;
        loop {
            let Some(reply) = read_reply(&mut lines).await else {
                return;
            };
            let preliminary = reply.first() == Some(&b'1');
            // The command is queued before it is forwarded, so its reply always finds it here; an empty
            // queue means the greeting (or a reply to no command, passed on).
            if current.is_none() {
                current = replies_for.try_recv().ok();
            }
            let bytes = match current.as_mut() {
                Some(replacement @ Some(_)) => replacement.take().unwrap().as_bytes().to_vec(),
                _ => reply,
            };
            if !preliminary {
                current = None;
            }
            if to_client.lock().await.write_all(&bytes).await.is_err() {
                return;
            }
        }
    });
    let mut lines = BufReader::new(client_read);
    loop {
        let mut line = Vec::new();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let forward = if rule.matches(&line) {
            match rule.action {
                Action::Answer(reply) => {
                    let _ = client_write.lock().await.write_all(reply.as_bytes()).await;
                    continue;
                }
                Action::Replace(reply) => {
                    let _ = pending.send(Some(reply));
                    line
                }
                Action::Rewrite(from, to) => {
                    let _ = pending.send(None);
                    replace(&line, from.as_bytes(), to.as_bytes(), false)
                }
                Action::Bytes(from, to) => {
                    let _ = pending.send(None);
                    replace(&line, from, to, true)
                }
            }
        } else {
            let _ = pending.send(None);
            line
        };
        if server_write.write_all(&forward).await.is_err() {
            return;
        }
    }
}

/// One whole reply (a multi-line reply up to its closing line), or `None` at the end.
async fn read_reply(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut reply = Vec::new();
    let mut code: Option<Vec<u8>> = None;
    loop {
        let mut line = Vec::new();
        let read =
            tokio::time::timeout(Duration::from_secs(120), lines.read_until(b'\n', &mut line));
        match read.await {
            Ok(Ok(n)) if n > 0 => {}
            _ => return None,
        }
        reply.extend_from_slice(&line);
        match &code {
            None if line.get(3) == Some(&b'-') => code = Some(line[..3].to_vec()),
            None => return Some(reply),
            Some(open) if line.starts_with(open) && line.get(3) == Some(&b' ') => {
                return Some(reply)
            }
            Some(_) => {}
        }
    }
}
