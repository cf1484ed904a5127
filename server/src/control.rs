//! The control connection (RFC 959 §2.3): one [`ControlConnection`] owns both halves of the socket, turns
//! incoming lines into typed commands, writes replies, and counts the bytes each way for the 221 figures.
//!
//! Reading goes through [`LineReader`] (the 4 KiB line limit, and waking on TCP urgent data for ABOR), then
//! `ftp_proto::Command::parse`; a line that is not a command comes back as a value, never as an error, so
//! the session answers it (500/501/502/504) and goes on. Each reply, multi-line ones included, goes out in
//! one write, which must finish within the write timeout: a client that sends commands but never reads
//! the replies fills the socket buffers, and without a limit its session would wait on that write, and
//! hold its connection slot, forever (issue 8).
//!
//! After AUTH TLS's 234 (or at once, on the implicit-TLS port) [`ControlConnection::start_tls`] puts the
//! two halves back together, runs the handshake and splits the TLS stream again: the connection is
//! upgraded in place, and the session goes on reading and writing through it as before. Byte counts
//! stay those of the command lines and replies, before encryption.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use std::sync::Arc;

use ftp_proto::{Command, CommandError, Reply};
use tokio::io::{AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::line::{ControlSource, Line, LineReader};
use crate::tls::HANDSHAKE_TIMEOUT;

/// The two ends of the control connection, which data connections are checked against.
#[derive(Debug, Clone, Copy)]
pub struct ControlAddrs {
    pub local: SocketAddr,
    pub peer: SocketAddr,
}

impl ControlAddrs {
    /// The peer address, with IPv4-mapped IPv6 written as IPv4.
    pub fn peer_ip(&self) -> IpAddr {
        self.peer.ip().to_canonical()
    }

    /// The local address, with IPv4-mapped IPv6 written as IPv4.
    pub fn local_ip(&self) -> IpAddr {
        self.local.ip().to_canonical()
    }
}

/// What the client sent next.
#[derive(Debug)]
pub enum Received {
    /// A line that is a command.
    Command(Command),
    /// A line that is not a command; the error names the reply it earns.
    Invalid(CommandError),
    /// A line over the length limit, discarded unread.
    TooLong,
    /// The client closed the connection (a partial last line is dropped).
    Closed,
}

/// The control connection's reading half: the plain socket or the TLS stream's half.
pub enum ControlReader {
    Plain(OwnedReadHalf),
    Tls(ReadHalf<TlsStream<TcpStream>>),
    /// Only while the connection is being upgraded (or after that failed).
    Detached,
}

/// The control connection's writing half.
enum ControlWriter {
    Plain(OwnedWriteHalf),
    Tls(WriteHalf<TlsStream<TcpStream>>),
    Detached,
}

impl ControlSource for ControlReader {
    async fn read_some(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match self {
            // Urgent data (the Synch before ABOR) only means anything on the plain socket; under TLS the
            // client's bytes are records, read as they come.
            ControlReader::Plain(reader) => reader.read_some(buffer).await,
            ControlReader::Tls(reader) => tokio::io::AsyncReadExt::read(reader, buffer).await,
            ControlReader::Detached => Err(detached()),
        }
    }
}

impl ControlWriter {
    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            ControlWriter::Plain(writer) => writer.write_all(bytes).await,
            // One reply is one TLS record when it fits, sent at once.
            ControlWriter::Tls(writer) => {
                writer.write_all(bytes).await?;
                writer.flush().await
            }
            ControlWriter::Detached => Err(detached()),
        }
    }

    /// Under TLS, sends close_notify before the TCP FIN.
    async fn shutdown(&mut self) -> io::Result<()> {
        match self {
            ControlWriter::Plain(writer) => writer.shutdown().await,
            ControlWriter::Tls(writer) => writer.shutdown().await,
            ControlWriter::Detached => Err(detached()),
        }
    }
}

fn detached() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the TLS handshake failed")
}

/// A client's control connection.
pub struct ControlConnection {
    reader: LineReader<ControlReader>,
    writer: ControlWriter,
    addrs: ControlAddrs,
    bytes_written: u64,
    write_timeout: Duration,
}

impl ControlConnection {
    /// Takes over an accepted socket; fails only if its addresses cannot be read (it is already gone).
    /// A reply (or the final shutdown) that cannot be written within `write_timeout` fails with
    /// `TimedOut`, which ends the session like any broken connection.
    pub fn new(stream: TcpStream, write_timeout: Duration) -> io::Result<ControlConnection> {
        let addrs = ControlAddrs {
            local: stream.local_addr()?,
            peer: stream.peer_addr()?,
        };
        // Clients send ABOR after Telnet IP and Synch, the Synch's DM byte as TCP urgent data (RFC 959
        // §4.1.3). Left out of band, the urgent mark now and then stalls the plain reads that follow it;
        // inline, the DM is one more Telnet byte before the verb, which the command parser skips.
        if let Err(error) = socket2::SockRef::from(&stream).set_out_of_band_inline(true) {
            tracing::debug!(%error, "SO_OOBINLINE not set; urgent bytes stay out of band");
        }
        // A reply must go out at once, not wait (Nagle) until the client ACKs the previous one: with
        // delayed ACKs on the client that wait is about 40 ms per reply (issue 10). Replies are written
        // whole, one write each, so this sends no more segments than needed.
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set; replies may wait for ACKs");
        }
        let (reader, writer) = stream.into_split();
        Ok(ControlConnection {
            reader: LineReader::new(ControlReader::Plain(reader)),
            writer: ControlWriter::Plain(writer),
            addrs,
            bytes_written: 0,
            write_timeout,
        })
    }

    /// The connection's two ends.
    pub fn addrs(&self) -> ControlAddrs {
        self.addrs
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self.writer, ControlWriter::Tls(_))
    }

    /// Whether bytes after the last command line were already read: a client that sends before the
    /// server's 234 has arrived breaks the handshake's start, so AUTH refuses then.
    pub fn has_pipelined_bytes(&self) -> bool {
        self.reader.has_buffered()
    }

    /// Runs the TLS handshake (as the server) on the plain connection and goes on over TLS. On an error
    /// the connection is unusable and the session must end.
    pub async fn start_tls(&mut self, config: Arc<rustls::ServerConfig>) -> io::Result<()> {
        let reader = std::mem::replace(self.reader.source_mut(), ControlReader::Detached);
        let writer = std::mem::replace(&mut self.writer, ControlWriter::Detached);
        let stream = match (reader, writer) {
            (ControlReader::Plain(reader), ControlWriter::Plain(writer)) => {
                reader.reunite(writer).map_err(io::Error::other)?
            }
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the control connection is already under TLS",
                ))
            }
        };
        let handshake = TlsAcceptor::from(config).accept(stream);
        let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no TLS handshake in time"))??;
        let (reader, writer) = tokio::io::split(tls);
        *self.reader.source_mut() = ControlReader::Tls(reader);
        self.writer = ControlWriter::Tls(writer);
        Ok(())
    }

    /// The next command line. Cancel-safe (for `select!`): a line is consumed only when it is returned.
    pub async fn read_command(&mut self) -> io::Result<Received> {
        let line = match self.reader.next_line().await? {
            Line::Complete(line) => line,
            Line::TooLong => return Ok(Received::TooLong),
            Line::Closed => return Ok(Received::Closed),
        };
        let parsed = Command::parse(&line);
        if tracing::enabled!(tracing::Level::DEBUG) {
            let shown = match parsed {
                Ok(Command::Pass(_)) => "PASS ****".into(),
                _ => String::from_utf8_lossy(&line).escape_debug().to_string(),
            };
            tracing::debug!(peer = %self.addrs.peer, "<- {shown}");
        }
        Ok(match parsed {
            Ok(command) => Received::Command(command),
            Err(error) => Received::Invalid(error),
        })
    }

    /// Sends one reply, all its lines in a single write; an error means the connection is gone.
    pub async fn write_reply(&mut self, reply: &Reply) -> io::Result<()> {
        self.write_reply_part(&reply.to_bytes()).await
    }

    /// Sends lines of a reply too long to hold at once (STAT of a directory), as the caller framed them.
    pub async fn write_reply_part(&mut self, wire: &[u8]) -> io::Result<()> {
        let limit = self.write_timeout;
        tokio::time::timeout(limit, self.writer.write_all(wire))
            .await
            .unwrap_or_else(|_| Err(unread(limit)))?;
        self.bytes_written += wire.len() as u64;
        Ok(())
    }

    /// Closes the sending side, so the client sees the end after the last reply.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        let limit = self.write_timeout;
        tokio::time::timeout(limit, self.writer.shutdown())
            .await
            .unwrap_or_else(|_| Err(unread(limit)))
    }

    /// Bytes received so far, every byte of every line (too-long ones too).
    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// Bytes of replies sent so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }
}

/// The error of a write the client did not make room for in time.
fn unread(limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the client read no reply for {limit:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_proto::ReplyCode;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A connected pair: the server's `ControlConnection` and the client's socket.
    async fn pair() -> (ControlConnection, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let control = ControlConnection::new(server, Duration::from_secs(5)).unwrap();
        (control, client)
    }

    #[tokio::test]
    async fn lines_become_commands_errors_or_too_long_and_every_byte_is_counted() {
        let (mut control, mut client) = pair().await;
        let mut input = b"NOOP\r\nBOGUS\r\n".to_vec();
        input.extend(vec![b'A'; 5000]);
        input.extend_from_slice(b"\r\n");
        tokio::io::AsyncWriteExt::write_all(&mut client, &input)
            .await
            .unwrap();
        drop(client);
        assert!(matches!(
            control.read_command().await.unwrap(),
            Received::Command(Command::Noop)
        ));
        assert!(matches!(
            control.read_command().await.unwrap(),
            Received::Invalid(CommandError::Unknown(_))
        ));
        assert!(matches!(
            control.read_command().await.unwrap(),
            Received::TooLong
        ));
        assert!(matches!(
            control.read_command().await.unwrap(),
            Received::Closed
        ));
        assert_eq!(control.bytes_read(), input.len() as u64);
    }

    /// Issue 8: a client that never reads its replies must not hold the session in a write forever.
    #[tokio::test]
    async fn a_reply_the_client_never_reads_times_out() {
        let (mut control, _client) = pair().await;
        control.write_timeout = Duration::from_millis(200);
        let reply = Reply::new(ReplyCode::CommandOk, "x".repeat(60_000));
        let started = std::time::Instant::now();
        let error = loop {
            if let Err(error) = control.write_reply(&reply).await {
                break error;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "never blocked");
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    }

    #[tokio::test]
    async fn a_multi_line_reply_goes_out_whole_and_is_counted() {
        let (mut control, mut client) = pair().await;
        let ControlWriter::Plain(writer) = &control.writer else {
            panic!("a new connection is plain");
        };
        assert!(writer.as_ref().nodelay().unwrap(), "TCP_NODELAY");
        let reply = Reply::multi(
            ReplyCode::SystemStatus,
            vec!["Features:".into(), " SIZE".into(), "End".into()],
        );
        control.write_reply(&reply).await.unwrap();
        control.shutdown().await.unwrap();
        let mut received = Vec::new();
        client.read_to_end(&mut received).await.unwrap();
        assert_eq!(received, reply.to_bytes());
        assert_eq!(control.bytes_written(), received.len() as u64);
    }
}
