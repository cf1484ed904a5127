//! The control connection: sending commands, reading whole replies, timeouts and the verbose transcript.
//!
//! Replies are assembled with the shared [`ftp_proto::ReplyParser`], so a multi-line reply of any length
//! is read to its closing line. A 421 is the server closing the session (RFC 959 §4.2.1): it becomes
//! [`Error::ServiceClosing`] wherever it shows up, answered or unsolicited. The connection is plain
//! TCP until [`Control::start_tls`] puts it under TLS (after AUTH TLS's 234, or at once for implicit
//! FTPS).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ftp_proto::{Command, Reply, ReplyCode, ReplyParser};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::stream::Stream;
use crate::tls::{Origin, TlsSession};

/// A longer reply line than this is cut (it is still read to its end), so a hostile server cannot make
/// the client buffer without bound.
const MAX_LINE: usize = 8 * 1024;
/// A reply with more lines than this is refused as a protocol error, for the same reason.
const MAX_REPLY_LINES: usize = 10_000;

/// Receives each line of the dialogue: `-> USER anonymous`, `<- 230 Login successful.`
pub type Transcript = Arc<dyn Fn(&str) + Send + Sync>;

/// One control connection.
pub struct Control {
    /// Replies are read through the buffer, commands written to the stream beneath it (a command
    /// is only sent once the previous reply was read whole).
    reader: BufReader<Stream>,
    timeout: Duration,
    transcript: Option<Transcript>,
    peer: SocketAddr,
    local: SocketAddr,
}

impl Control {
    /// Connects to `host:port` (trying each resolved address) within `timeout`.
    pub async fn connect(host: &str, port: u16, timeout: Duration) -> Result<Control> {
        let address = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let connecting = TcpStream::connect(address.as_str());
        let stream = match tokio::time::timeout(timeout, connecting).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(source)) => return Err(Error::Connect { address, source }),
            Err(_) => return Err(Error::Timeout(format!("connecting to {address}"))),
        };
        let peer = stream.peer_addr().map_err(Error::ConnectionLost)?;
        let local = stream.local_addr().map_err(Error::ConnectionLost)?;
        Ok(Control {
            reader: BufReader::new(Stream::Plain(stream)),
            timeout,
            transcript: None,
            peer,
            local,
        })
    }

    /// Runs the TLS handshake on this connection: after AUTH TLS's 234, or first thing for implicit
    /// FTPS. Bytes the server sent after the 234 and before the handshake are refused: an attacker
    /// could have injected them into the plain stream.
    pub async fn start_tls(self, tls: &TlsSession) -> Result<Control> {
        if !self.reader.buffer().is_empty() {
            return Err(Error::Tls(
                "the server sent more after its 234 reply to AUTH TLS, before the TLS handshake"
                    .into(),
            ));
        }
        let Stream::Plain(tcp) = self.reader.into_inner() else {
            return Err(Error::Tls(
                "the control connection is under TLS already".into(),
            ));
        };
        let stream = tls
            .handshake(Origin::Control, tcp, self.timeout, "the control connection")
            .await?;
        let control = Control {
            reader: BufReader::new(stream),
            ..self
        };
        if let Some(description) = control.reader.get_ref().description() {
            control.note(&format!("-- control connection under TLS: {description}"));
        }
        Ok(control)
    }

    /// Whether the control connection is under TLS.
    pub fn is_tls(&self) -> bool {
        self.reader.get_ref().is_tls()
    }

    /// The server's address on this connection: where passive data connections go.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// This end's address: where active-mode listeners are bound.
    pub fn local(&self) -> SocketAddr {
        self.local
    }

    /// The timeout for each reply and each data read or write.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn set_transcript(&mut self, transcript: Option<Transcript>) {
        self.transcript = transcript;
    }

    /// Passes a line to the transcript, if there is one.
    pub fn note(&self, line: &str) {
        if let Some(transcript) = &self.transcript {
            transcript(line);
        }
    }

    /// Sends one command. The password of PASS never reaches the transcript.
    pub async fn send(&mut self, command: &Command) -> Result<()> {
        self.write_line(&command.line(), &command.to_string()).await
    }

    /// Sends a line as the user typed it (`Client::raw`); PASS is masked in the transcript all the same.
    pub async fn send_line(&mut self, line: &str) -> Result<()> {
        let shown = if line.len() >= 5 && line[..5].eq_ignore_ascii_case("PASS ") {
            "PASS ****"
        } else {
            line
        };
        self.write_line(line.as_bytes(), shown).await
    }

    /// Writes `line` and its CRLF; `shown` is what the transcript and errors say was sent.
    async fn write_line(&mut self, line: &[u8], shown: &str) -> Result<()> {
        if line.contains(&b'\r') || line.contains(&b'\n') {
            return Err(Error::Usage(format!(
                "a command cannot contain a line break: {:?}",
                String::from_utf8_lossy(line)
            )));
        }
        self.note(&format!("-> {shown}"));
        let mut wire = line.to_vec();
        wire.extend_from_slice(b"\r\n");
        let writing = self.reader.get_mut().write_all(&wire);
        match tokio::time::timeout(self.timeout, writing).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(Error::ConnectionLost(error)),
            Err(_) => Err(Error::Timeout(format!("sending {shown}"))),
        }
    }

    /// Reads one whole reply. A 421 is turned into [`Error::ServiceClosing`].
    pub async fn reply(&mut self) -> Result<Reply> {
        let reply = self.raw_reply().await?;
        if reply.code == ReplyCode::ServiceNotAvailable {
            return Err(Error::ServiceClosing(reply));
        }
        Ok(reply)
    }

    /// Reads one whole reply, 421 included (for QUIT and the greeting).
    pub async fn raw_reply(&mut self) -> Result<Reply> {
        let timeout = self.timeout;
        match tokio::time::timeout(timeout, self.read_reply()).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout(format!(
                "waiting {}s for a reply",
                timeout.as_secs_f32()
            ))),
        }
    }

    async fn read_reply(&mut self) -> Result<Reply> {
        let mut parser = ReplyParser::new();
        for _ in 0..MAX_REPLY_LINES {
            let line = self.read_line().await?;
            self.note(&format!("<- {}", String::from_utf8_lossy(&line)));
            match parser.feed(&line) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(error) => return Err(Error::Protocol(error.to_string())),
            }
        }
        Err(Error::Protocol(format!(
            "a reply of more than {MAX_REPLY_LINES} lines"
        )))
    }

    /// One line without its line ending, as bytes (names in replies need not be UTF-8); EOF is a lost
    /// connection.
    async fn read_line(&mut self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        loop {
            let buffer = self
                .reader
                .fill_buf()
                .await
                .map_err(Error::ConnectionLost)?;
            if buffer.is_empty() {
                return Err(Error::ConnectionLost(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the control connection",
                )));
            }
            let (used, done) = match buffer.iter().position(|b| *b == b'\n') {
                Some(at) => (at + 1, true),
                None => (buffer.len(), false),
            };
            let room = MAX_LINE.saturating_sub(bytes.len());
            bytes.extend_from_slice(&buffer[..used.min(room)]);
            self.reader.consume(used);
            if done {
                break;
            }
        }
        while let [.., b'\r' | b'\n'] = bytes[..] {
            bytes.pop();
        }
        Ok(bytes)
    }

    /// Sends a command and reads its reply.
    pub async fn command(&mut self, command: &Command) -> Result<Reply> {
        self.send(command).await?;
        self.reply().await
    }

    /// Sends a line as the user typed it and reads its reply.
    pub async fn raw_command(&mut self, line: &str) -> Result<Reply> {
        self.send_line(line).await?;
        self.reply().await
    }

    /// Closes the write side so the server sees EOF (under TLS: close_notify first).
    pub async fn shutdown(&mut self) {
        let timeout = self.timeout;
        let _ = tokio::time::timeout(timeout, self.reader.get_mut().shutdown()).await;
    }
}
