//! A raw control connection for tests: lines go out as given (or as typed commands), replies come back
//! through the shared parser, and every byte is counted (the 221 reply's figures are checked against it).

use std::net::SocketAddr;
use std::time::Duration;

use ftp_proto::{hostport, Command, Reply, ReplyParser};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

use crate::data::port_listener;
use crate::TIMEOUT;

/// The client's side of a control connection.
pub struct Control {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
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
        let (reader, writer) = stream.into_split();
        Control {
            reader: BufReader::new(reader),
            writer,
            bytes_sent: 0,
            bytes_received: 0,
        }
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
        let mut parser = ReplyParser::new();
        loop {
            let mut line = Vec::new();
            let read = self.reader.read_until(b'\n', &mut line).await.ok()?;
            if read == 0 {
                return None;
            }
            self.bytes_received += read as u64;
            assert!(line.ends_with(b"\r\n"), "reply line without CRLF: {line:?}");
            if let Some(reply) = parser.feed(&line[..]).expect("malformed reply") {
                return Some(reply);
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
