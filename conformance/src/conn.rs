//! A raw control connection for the suite: sends typed [`Command`]s, or any bytes through the one raw path
//! [`Control::send_raw`] (for cases that need malformed lines), reads replies with
//! the shared [`ReplyParser`], records every line both ways in the case's transcript, and checks the reply
//! grammar of RFC 959 §4.2 on every reply it reads (three digits, space or hyphen, CRLF line ends, a
//! multi-line reply closed by its own code), so that any case fails on a malformed reply.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ftp_proto::{Command, Reply, ReplyParser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

use crate::case::{Outcome, Step};
use crate::tls::{Stream, TlsSession};

/// The wire transcript of one case, shared by all its connections.
#[derive(Debug, Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<String>>>);

impl Transcript {
    pub fn push(&self, line: impl Into<String>) {
        if let Ok(mut lines) = self.0.lock() {
            // Bounded: a flood of replies must not eat the memory of a long run.
            if lines.len() < 400 {
                lines.push(line.into());
            } else if lines.len() == 400 {
                lines.push("... (transcript truncated)".into());
            }
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|lines| lines.clone()).unwrap_or_default()
    }
}

/// A reply as one line for Expected/Actual: `226 Transfer complete.` (multi-line texts joined by ` | `).
pub fn show(reply: &Reply) -> String {
    let lines: Vec<_> = reply.lines.iter().map(|line| line.text()).collect();
    format!("{} {}", reply.code, lines.join(" | "))
}

/// Shows bytes as text: printable ASCII as is, everything else escaped (`\r`, `\n`, `\t`, and `\xff`
/// for other bytes, so that Telnet commands such as IAC IP read `\xff\xf4` rather than as replacement
/// characters), long runs cut.
pub fn printable(bytes: &[u8]) -> String {
    const SHOWN: usize = 160;
    let mut out = String::new();
    for byte in bytes.iter().take(SHOWN) {
        match byte {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(char::from(*byte)),
            other => out.push_str(&format!("\\x{other:02x}")),
        }
    }
    if bytes.len() > SHOWN {
        out.push_str(&format!("... ({} bytes)", bytes.len()));
    }
    out
}

/// Telnet bytes of the ABOR preamble (RFC 854): Interpret As Command, Interrupt Process, Data Mark.
const IAC: u8 = 0xFF;
const IP: u8 = 0xF4;
const DM: u8 = 0xF2;

/// The longest reply line accepted before the server is judged to flood.
const MAX_REPLY_LINE: usize = 8192;

/// A control connection under test.
pub struct Control {
    stream: Stream,
    /// The TLS client of this connection once TLS is on (implicit, or after AUTH TLS).
    tls: Option<TlsSession>,
    /// PROT P was accepted: data connections are TLS too, resuming this connection's session.
    data_protected: bool,
    label: String,
    transcript: Transcript,
    buffer: Vec<u8>,
    parser: ReplyParser,
    /// How long to wait for a reply before the case fails.
    pub reply_timeout: Duration,
    /// Bytes sent and received so far (the brief's 221 statistics are checked against them).
    pub sent: u64,
    pub received: u64,
    pub local: SocketAddr,
    pub peer: SocketAddr,
    /// The last line sent (printable), named when its reply does not come.
    last_sent: String,
    /// While [`Control::reply_with_lines`] reads: every raw line received.
    raw_lines: Option<Vec<Vec<u8>>>,
}

impl Control {
    /// Connects; an unreachable server is an error of the case, not a failure.
    pub async fn connect(
        addr: SocketAddr,
        label: &str,
        transcript: Transcript,
        reply_timeout: Duration,
    ) -> Step<Control> {
        Control::connect_from(addr, None, label, transcript, reply_timeout).await
    }

    /// Like [`Control::connect`], from a chosen local address (a second loopback address plays another
    /// client host).
    pub async fn connect_from(
        addr: SocketAddr,
        source: Option<IpAddr>,
        label: &str,
        transcript: Transcript,
        reply_timeout: Duration,
    ) -> Step<Control> {
        let connecting = async {
            let socket = match addr {
                SocketAddr::V4(_) => TcpSocket::new_v4()?,
                SocketAddr::V6(_) => TcpSocket::new_v6()?,
            };
            // So that a listener may share the control connection's local port: the user's default
            // data port is that port (RFC 959 §3.2, `rfc959/3.2/default-data-port`).
            socket.set_reuseaddr(true)?;
            if let Some(source) = source {
                socket.bind(SocketAddr::new(source, 0))?;
            }
            socket.connect(addr).await
        };
        let stream = tokio::time::timeout(reply_timeout, connecting)
            .await
            .map_err(|_| Outcome::error(format!("connecting to {addr} timed out")))?
            .map_err(|e| Outcome::error(format!("cannot connect to {addr}: {e}")))?;
        // Commands are small and each waits for its reply: Nagle's algorithm would only hold them back
        // (and hold ABOR behind its Telnet preamble until the server acknowledges it).
        let _ = stream.set_nodelay(true);
        let local = stream
            .local_addr()
            .map_err(|e| Outcome::error(e.to_string()))?;
        let peer = stream
            .peer_addr()
            .map_err(|e| Outcome::error(e.to_string()))?;
        transcript.push(format!("{label}: connected {local} -> {peer}"));
        Ok(Control {
            stream: Stream::Plain(stream),
            tls: None,
            data_protected: false,
            label: label.to_string(),
            transcript,
            buffer: Vec::new(),
            parser: ReplyParser::new(),
            reply_timeout,
            sent: 0,
            received: 0,
            local,
            peer,
            last_sent: String::new(),
            raw_lines: None,
        })
    }

    /// Sends a command (its canonical line and CRLF).
    pub async fn send(&mut self, command: &Command) -> Step<()> {
        self.send_raw(&command.to_wire()).await
    }

    /// Sends bytes exactly as given: the one way to put a line on the wire that no [`Command`] encodes
    /// (bad syntax, lower-case verbs, bare LF, over-long lines, Telnet bytes). Typed commands go through
    /// here too, so the transcript and byte counts see every byte.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Step<()> {
        self.last_sent = printable(bytes.strip_suffix(b"\r\n").unwrap_or(bytes));
        self.transcript
            .push(format!("{}> {}", self.label, printable(bytes)));
        self.stream.write_all(bytes).await.map_err(|e| {
            Outcome::fail(
                &["the server to read the command"],
                format!("send failed: {e}"),
            )
        })?;
        self.sent += bytes.len() as u64;
        Ok(())
    }

    /// Sends `line` as given, with CRLF, through [`Control::send_raw`], and reads the reply.
    pub async fn raw_line(&mut self, line: &str) -> Step<Reply> {
        self.send_raw(format!("{line}\r\n").as_bytes()).await?;
        self.reply().await
    }

    /// Sends ABOR as RFC 959 §4.1.3 asks a user-FTP to: the Telnet "Interrupt Process" signal, then the
    /// Telnet "Synch" (IAC DM with the DM byte sent as TCP urgent data), then the command. Servers that
    /// watch for urgent data while a transfer runs (vsftpd, proftpd) only notice an ABOR sent this way.
    /// Returns the first reply, or `None` when none comes within `wait`.
    pub async fn abort_within(&mut self, wait: Duration) -> Step<Option<Reply>> {
        self.urgent_within(&Command::Abor, wait).await
    }

    /// Sends `command` the way RFC 959 §4.1.3 asks for ABOR and STAT during a transfer (Telnet IP, then
    /// the Synch as urgent data, then the command); the first reply, or `None` within `wait`.
    pub async fn urgent_within(
        &mut self,
        command: &Command,
        wait: Duration,
    ) -> Step<Option<Reply>> {
        if self.stream.is_tls() {
            // Urgent data would land in the middle of the TLS records (a server with SO_OOBINLINE
            // reads it as part of the TLS stream and fails), so over TLS the Synch goes inline, as
            // FTPS clients send it.
            self.send_raw(&[IAC, IP, IAC, DM]).await?;
            self.send(command).await?;
            return self.reply_within(wait).await;
        }
        self.send_raw(&[IAC, IP, IAC]).await?;
        let tcp = self
            .stream
            .tcp()
            .ok_or_else(|| Outcome::error("the connection was lost in a TLS upgrade"))?;
        socket2::SockRef::from(tcp)
            .send_out_of_band(&[DM])
            .map_err(|e| {
                Outcome::error(format!("cannot send the Telnet Synch as urgent data: {e}"))
            })?;
        self.transcript.push(format!("{}> (urgent) DM", self.label));
        self.sent += 1;
        self.send(command).await?;
        self.reply_within(wait).await
    }

    /// The next reply with its raw lines as received (line ends included), for cases that judge the
    /// exact framing of a multi-line reply (FEAT's and MLST's leading spaces), which [`Reply`] drops.
    pub async fn reply_with_lines(&mut self) -> Step<(Reply, Vec<Vec<u8>>)> {
        self.raw_lines = Some(Vec::new());
        let reply = self.reply().await;
        let lines = self.raw_lines.take().unwrap_or_default();
        Ok((reply?, lines))
    }

    /// Sends a command and reads its reply.
    pub async fn cmd(&mut self, command: &Command) -> Step<Reply> {
        self.send(command).await?;
        self.reply().await
    }

    /// The next reply; no reply within the timeout, a closed connection or a malformed reply fail the case.
    pub async fn reply(&mut self) -> Step<Reply> {
        match self.reply_within(self.reply_timeout).await? {
            Some(reply) => Ok(reply),
            None if self.parser.in_multiline() => Err(Outcome::fail(
                &["a multi-line reply closed by a line `xyz text` with its own code"],
                format!(
                    "the multi-line reply was still open after {:?}",
                    self.reply_timeout
                ),
            )),
            None => Err(Outcome::fail(
                &[&self.awaited()],
                format!("no reply within {:?}", self.reply_timeout),
            )),
        }
    }

    /// The next reply, or `None` when none completes within `wait` (for checks that nothing is sent).
    pub async fn reply_within(&mut self, wait: Duration) -> Step<Option<Reply>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let Some(line) = self.line_until(deadline).await? else {
                return Ok(None);
            };
            check_line_grammar(&line, self.parser.in_multiline())?;
            if let Some(raw) = self.raw_lines.as_mut() {
                raw.push(line.clone());
            }
            match self.parser.feed(&line) {
                Ok(Some(reply)) => return Ok(Some(reply)),
                Ok(None) => continue,
                Err(error) => {
                    return Err(Outcome::fail(
                        &["a reply line `xyz text` or `xyz-text` (RFC 959 §4.2)"],
                        error.to_string(),
                    ))
                }
            }
        }
    }

    /// One raw line with its line end, or `None` at the deadline. Cancel-safe: bytes are kept in `buffer`.
    async fn line_until(&mut self, deadline: tokio::time::Instant) -> Step<Option<Vec<u8>>> {
        loop {
            if let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buffer.drain(..=end).collect();
                self.transcript
                    .push(format!("{}< {}", self.label, printable(&line)));
                return Ok(Some(line));
            }
            if self.buffer.len() > MAX_REPLY_LINE {
                return Err(Outcome::fail(
                    &["reply lines of a sane length"],
                    format!("a reply line over {MAX_REPLY_LINE} bytes"),
                ));
            }
            let mut chunk = [0u8; 4096];
            let read = match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Err(_) => return Ok(None),
                Ok(Ok(read)) => read,
                Ok(Err(e)) => {
                    self.transcript
                        .push(format!("{}: read error: {e}", self.label));
                    return Err(Outcome::fail(
                        &[&self.awaited()],
                        format!("control connection error: {e}"),
                    ));
                }
            };
            if read == 0 {
                self.transcript
                    .push(format!("{}: closed by the server", self.label));
                let partial = if self.buffer.is_empty() {
                    String::new()
                } else {
                    format!(" after a partial line {:?}", printable(&self.buffer))
                };
                return Err(Outcome::fail(
                    &[&self.awaited()],
                    format!("the server closed the control connection{partial}"),
                ));
            }
            self.received += read as u64;
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }

    /// True when the server closes the connection within `wait` (bytes before the close are discarded).
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        self.bytes_until_closed(wait).await.0
    }

    /// Whether the server closes the connection within `wait`, and the bytes it sent before (unread
    /// replies included).
    pub async fn bytes_until_closed(&mut self, wait: Duration) -> (bool, Vec<u8>) {
        let deadline = tokio::time::Instant::now() + wait;
        let mut seen = std::mem::take(&mut self.buffer);
        loop {
            let mut chunk = [0u8; 4096];
            match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
                Err(_) => return (false, seen),
                Ok(Ok(0)) | Ok(Err(_)) => {
                    self.transcript
                        .push(format!("{}: closed by the server", self.label));
                    return (true, seen);
                }
                Ok(Ok(read)) => {
                    self.received += read as u64;
                    self.transcript
                        .push(format!("{}< {}", self.label, printable(&chunk[..read])));
                    seen.extend_from_slice(&chunk[..read]);
                }
            }
        }
    }

    /// Logs in; a refused login is an error of the case (the suite cannot go on), not a failure.
    pub async fn login(&mut self, user: &str, pass: &str) -> Step<()> {
        let reply = self.cmd(&Command::User(user.into())).await?;
        let reply = match reply.code {
            230 => return Ok(()),
            331 | 332 => self.cmd(&Command::Pass(pass.into())).await?,
            _ => {
                return Err(Outcome::error(format!(
                    "login refused at USER: {}",
                    show(&reply)
                )))
            }
        };
        match reply.code {
            230 | 202 => Ok(()),
            _ => Err(Outcome::error(format!(
                "login refused at PASS: {}",
                show(&reply)
            ))),
        }
    }

    /// Starts TLS on this connection (implicit FTPS, or after a 234 to AUTH TLS): the handshake within
    /// the reply timeout. A failed handshake fails the case.
    pub async fn start_tls(&mut self, session: TlsSession) -> Step<()> {
        if !self.buffer.is_empty() {
            return Err(Outcome::fail(
                &["nothing after the 234 before the TLS handshake (RFC 4217 §4)"],
                format!("plaintext bytes after 234: {:?}", printable(&self.buffer)),
            ));
        }
        let Some(tcp) = self.stream.take_plain() else {
            return Err(Outcome::error("TLS is already on"));
        };
        let stream = session
            .handshake(tcp, self.reply_timeout)
            .await
            .map_err(|e| {
                self.transcript
                    .push(format!("{}: TLS handshake failed: {e}", self.label));
                Outcome::fail(
                    &["a TLS handshake (RFC 4217 §4)"],
                    format!("handshake failed: {e}"),
                )
            })?;
        self.transcript.push(format!(
            "{}: TLS handshake done ({})",
            self.label,
            stream.protocol().unwrap_or_default()
        ));
        self.stream = stream;
        self.tls = Some(session);
        Ok(())
    }

    /// `AUTH TLS`; on 234 the handshake follows. Returns the reply (any code; the caller judges it).
    pub async fn auth_tls(&mut self, session: TlsSession) -> Step<Reply> {
        let reply = self
            .cmd(&Command::Auth(ftp_proto::AuthMechanism::Tls))
            .await?;
        if reply.code == 234 {
            self.start_tls(session).await?;
        }
        Ok(reply)
    }

    /// The TLS client for data connections, when PROT P is in force.
    pub fn data_tls(&self) -> Option<TlsSession> {
        self.tls.clone().filter(|_| self.data_protected)
    }

    /// Records the protection level the server accepted: `true` after PROT P, `false` after PROT C.
    pub fn set_data_protected(&mut self, protected: bool) {
        self.data_protected = protected;
    }

    /// This connection's TLS client, once TLS is on.
    pub fn tls_session(&self) -> Option<&TlsSession> {
        self.tls.as_ref()
    }

    /// The stream (for TLS facts: resumption, certificates).
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// What the next reply answers, for Expected when it does not come: `a reply to NOOP`.
    fn awaited(&self) -> String {
        if self.last_sent.is_empty() {
            "a reply (the greeting)".to_string()
        } else {
            format!("a reply to {}", self.last_sent)
        }
    }

    /// The transcript this connection writes to.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    pub fn label(&self) -> &str {
        &self.label
    }
}

/// RFC 959 §4.2: each line ends in CRLF; a reply opens with `xyz ` or `xyz-`.
fn check_line_grammar(line: &[u8], in_multiline: bool) -> Step<()> {
    if !line.ends_with(b"\r\n") {
        return Err(Outcome::fail(
            &["reply lines ending in CRLF (RFC 959 §4.2)"],
            format!("a line ending in a bare LF: {:?}", printable(line)),
        ));
    }
    if in_multiline {
        return Ok(());
    }
    let opening = line.get(..4).unwrap_or(line);
    let well_formed = opening.len() == 4
        && (b'1'..=b'5').contains(&opening[0])
        && opening[1..3].iter().all(u8::is_ascii_digit)
        && (opening[3] == b' ' || opening[3] == b'-');
    if !well_formed {
        return Err(Outcome::fail(
            &["`xyz text` or `xyz-text` with a code 100-599 (RFC 959 §4.2)"],
            format!("{:?}", printable(line)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn telnet_and_control_bytes_show_escaped() {
        assert_eq!(printable(&[0xff, 0xf4, 0xff]), "\\xff\\xf4\\xff");
        assert_eq!(printable(b"NOOP\r\n"), "NOOP\\r\\n");
        assert_eq!(printable("é".as_bytes()), "\\xc3\\xa9");
        assert!(printable(&[b'A'; 200]).ends_with("... (200 bytes)"));
    }
}
