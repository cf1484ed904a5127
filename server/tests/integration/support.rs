//! Test support: the real server in-process on 127.0.0.1:0 with a temporary root, and a raw control
//! connection that reads replies with the shared parser and counts every byte (for the 221 figures).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ftp_proto::{hostport, Reply, ReplyParser};
use ftp_server::{Config, Server};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generous: only a hang should ever reach it.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct TestServer {
    pub addr: SocketAddr,
    pub root: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// A writable server named `test.example` with a fresh root.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let root = tempfile::tempdir().unwrap();
        let mut config = Config::new(root.path());
        config.writable = true;
        config.server_name = "test.example".into();
        config.data_timeout = Duration::from_secs(5);
        adjust(&mut config);
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            root,
            stop: Some(stop),
            task,
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    pub fn write(&self, relative: &str, contents: &[u8]) {
        std::fs::write(self.path(relative), contents).unwrap();
    }

    /// Connects and reads the 220 greeting.
    pub async fn connect(&self) -> Control {
        let mut control = Control::connect(self.addr).await;
        let greeting = control.reply().await;
        assert_eq!(greeting.code, 220, "{greeting:?}");
        control
    }

    /// Connects and logs in as anonymous.
    pub async fn login(&self) -> Control {
        let mut control = self.connect().await;
        control.expect("USER anonymous", 331).await;
        control.expect("PASS guest@example.com", 230).await;
        control
    }

    /// A listener on 127.0.0.1 for active mode, and its address.
    pub async fn port_listener() -> (TcpListener, std::net::SocketAddrV4) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
            unreachable!("bound to IPv4")
        };
        (listener, addr)
    }

    /// Asks the server to shut down and waits for `run` to return.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(TIMEOUT, &mut self.task)
            .await
            .expect("server did not stop")
            .unwrap();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A raw control connection.
pub struct Control {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    pub bytes_sent: u64,
    pub bytes_received: u64,
}

impl Control {
    pub async fn connect(addr: SocketAddr) -> Control {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .unwrap()
            .unwrap();
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
            let text = String::from_utf8_lossy(&line);
            if let Some(reply) = parser.feed(text.as_bytes()).expect("malformed reply") {
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
        let (listener, addr) = TestServer::port_listener().await;
        self.expect(&format!("PORT {}", hostport::encode_port(addr)), 200)
            .await;
        listener
    }
}

/// Connects to `target` from a chosen loopback source address.
pub async fn connect_from(source: &str, target: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(format!("{source}:0").parse().unwrap())?;
    socket.connect(target).await
}

/// Accepts one connection within the timeout.
pub async fn accept(listener: &TcpListener) -> TcpStream {
    tokio::time::timeout(TIMEOUT, listener.accept())
        .await
        .expect("no data connection")
        .unwrap()
        .0
}

/// Reads a data connection to its end.
pub async fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut data = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut data))
        .await
        .expect("data did not end")
        .unwrap();
    data
}

/// Deterministic pseudo-random bytes (binary data with every byte value).
pub fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

/// A sparse file of `len` bytes: large, but cheap to create.
pub fn sparse_file(path: &std::path::Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}
