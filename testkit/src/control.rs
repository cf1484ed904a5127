//! A raw control connection for tests: lines go out as given (or as typed commands), replies come back
//! through the shared parser, and every byte is counted (the 221 reply's figures are checked against it).
//! The connection can be taken under TLS ([`Control::auth_tls`], [`Control::connect_implicit_tls`]);
//! the counts are then of the plaintext, as the server counts them.

use std::net::SocketAddr;
use std::time::Duration;

use ftp_proto::{hostport, Command, Reply, ReplyParser};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, ReadHalf, WriteHalf};
use tokio::net::{TcpListener, TcpStream};

use crate::data::port_listener;
use crate::tls::{AnyStream, TlsClient};
use crate::TIMEOUT;

/// The client's side of a control connection.
pub struct Control {
    reader: BufReader<ReadHalf<Box<dyn AnyStream>>>,
    writer: WriteHalf<Box<dyn AnyStream>>,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl Control {
    /// Connects (within [`TIMEOUT`]); reads nothing yet.
    pub async fn connect(addr: SocketAddr) -> Control {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
        Control::from_stream(stream)
    }

    /// A control connection on a stream already connected (from a chosen source address, say).
    pub fn from_stream(stream: TcpStream) -> Control {
        Control::over(Box::new(stream))
    }

    fn over(stream: Box<dyn AnyStream>) -> Control {
        let (reader, writer) = tokio::io::split(stream);
        Control {
            reader: BufReader::new(reader),
            writer,
            bytes_sent: 0,
            bytes_received: 0,
        }
    }

    /// Connects to an implicit-FTPS port: the TLS handshake first, then nothing read yet.
    pub async fn connect_implicit_tls(addr: SocketAddr, client: &TlsClient) -> Control {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
        Control::over(Box::new(client.handshake(stream).await))
    }

    /// `AUTH TLS`, its 234, then the handshake: the connection goes on under TLS.
    pub async fn auth_tls(self, client: &TlsClient) -> Control {
        self.auth(client, "TLS").await
    }

    /// `AUTH mechanism` (TLS, SSL), its 234, then the handshake.
    pub async fn auth(mut self, client: &TlsClient, mechanism: &str) -> Control {
        self.expect(&format!("AUTH {mechanism}"), 234).await;
        assert!(
            self.reader.buffer().is_empty(),
            "bytes after the 234, before the handshake"
        );
        let stream = self.reader.into_inner().unsplit(self.writer);
        let mut upgraded = Control::over(Box::new(client.handshake(stream).await));
        upgraded.bytes_sent = self.bytes_sent;
        upgraded.bytes_received = self.bytes_received;
        upgraded
    }

    /// Closes the sending side (under TLS: close_notify first).
    pub async fn shutdown(&mut self) {
        let _ = self.writer.shutdown().await;
    }

    /// Sends raw bytes as they are.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
        self.bytes_sent += bytes.len() as u64;
    }

    /// Sends one command line with CRLF.
    pub async fn send(&mut self, line: &str) {
        self.send_raw(format!("{line}\r\n").as_bytes()).await;
    }

    /// Sends a typed command in its wire form.
    pub async fn send_command(&mut self, command: &Command) {
        self.send_raw(&command.to_wire()).await;
    }

    /// The next complete reply; fails the test on timeout, EOF or a malformed line.
    pub async fn reply(&mut self) -> Reply {
        tokio::time::timeout(TIMEOUT, self.read_reply())
            .await
            .expect("no reply in time")
            .expect("connection closed")
    }

    /// The next reply, or `None` if the server closes the connection first.
    pub async fn read_reply(&mut self) -> Option<Reply> {
        self.read_reply_and_wire().await.map(|(reply, _)| reply)
    }

    /// The next complete reply and its bytes exactly as they came (for checks of the wire form).
    pub async fn reply_and_wire(&mut self) -> (Reply, Vec<u8>) {
        tokio::time::timeout(TIMEOUT, self.read_reply_and_wire())
            .await
            .expect("no reply in time")
            .expect("connection closed")
    }

    async fn read_reply_and_wire(&mut self) -> Option<(Reply, Vec<u8>)> {
        let mut parser = ReplyParser::new();
        let mut wire = Vec::new();
        loop {
            let mut line = Vec::new();
            let read = self.reader.read_until(b'\n', &mut line).await.ok()?;
            if read == 0 {
                return None;
            }
            self.bytes_received += read as u64;
            assert!(line.ends_with(b"\r\n"), "reply line without CRLF: {line:?}");
            wire.extend_from_slice(&line);
            if let Some(reply) = parser.feed(&line[..]).expect("malformed reply") {
                return Some((reply, wire));
            }
        }
    }

    /// True if no reply arrives within `wait`.
    pub async fn silent_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.reader.fill_buf())
            .await
            .is_err()
    }

    /// Waits until the server closes the control connection (after any remaining replies).
    pub async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        tokio::time::timeout(TIMEOUT, self.reader.read_to_end(&mut rest))
            .await
            .is_ok()
    }

    /// Sends `line` and reads the reply.
    pub async fn command(&mut self, line: &str) -> Reply {
        self.send(line).await;
        self.reply().await
    }

    /// Sends `line` and checks the reply code.
    pub async fn expect(&mut self, line: &str, code: u16) -> Reply {
        let reply = self.command(line).await;
        assert_eq!(reply.code, code, "{line} -> {reply:?}");
        reply
    }

    /// Reads the next reply and checks its code.
    pub async fn expect_reply(&mut self, code: u16) -> Reply {
        let reply = self.reply().await;
        assert_eq!(reply.code, code, "{reply:?}");
        reply
    }

    /// PASV, then connects to the announced address.
    pub async fn pasv(&mut self) -> TcpStream {
        let reply = self.expect("PASV", 227).await;
        let addr = hostport::decode_pasv_reply(&reply.text()).unwrap();
        TcpStream::connect(addr).await.unwrap()
    }

    /// Opens a listener on 127.0.0.1 and announces it with PORT.
    pub async fn port(&mut self) -> TcpListener {
        let (listener, addr) = port_listener().await;
        self.expect(&format!("PORT {}", hostport::encode_port(addr)), 200)
            .await;
        listener
    }
}
