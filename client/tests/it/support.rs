//! Test helpers: this project's server in-process, a scripted server, hashes and timeouts.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use ftp_client::{Client, Options};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpListener;

/// Generous: only there so that a hang fails instead of blocking the suite.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic, non-repeating-looking bytes.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// This project's server on 127.0.0.1, writable, on a temp root; stopped on drop.
pub struct TestServer {
    pub addr: SocketAddr,
    pub root: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let root = tempfile::tempdir().unwrap();
        let mut config = ftp_server::Config::new(root.path());
        config.writable = true;
        let server = ftp_server::Server::bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let addr = server.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            root,
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ftp://127.0.0.1:{}/{path}", self.addr.port())
    }

    pub async fn client_with(&self, options: Options) -> Client {
        let mut client = Client::connect("127.0.0.1", self.addr.port(), options)
            .await
            .unwrap();
        client.login("anonymous", "test@").await.unwrap();
        client
    }
}

pub fn options() -> Options {
    Options {
        timeout: TIMEOUT,
        ..Options::default()
    }
}

/// A server running on its own runtime thread, for tests that run the binary synchronously.
pub struct Background {
    pub runtime: tokio::runtime::Runtime,
}

impl Background {
    pub fn new() -> Background {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        Background { runtime }
    }
}

/// The server's side of one scripted control connection.
pub struct Peer {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

impl Peer {
    /// Sends raw wire text (CRLFs included by the caller).
    pub async fn send(&mut self, wire: &str) {
        self.writer.write_all(wire.as_bytes()).await.unwrap();
    }

    pub async fn send_bytes(&mut self, wire: &[u8]) {
        self.writer.write_all(wire).await.unwrap();
    }

    /// Reads the next command and checks its verb; returns the argument.
    pub async fn expect(&mut self, verb: &str) -> String {
        let mut line = String::new();
        tokio::time::timeout(TIMEOUT, self.reader.read_line(&mut line))
            .await
            .unwrap()
            .unwrap();
        let line = line.trim_end().to_string();
        let (got, argument) = line.split_once(' ').unwrap_or((&line, ""));
        assert_eq!(got, verb, "the client sent {line:?}");
        argument.to_string()
    }

    /// 220, USER → 331, PASS → 230.
    pub async fn login(&mut self) {
        self.send("220 scripted\r\n").await;
        self.expect("USER").await;
        self.send("331 password\r\n").await;
        self.expect("PASS").await;
        self.send("230 in\r\n").await;
    }

    /// Answers the commands up to a transfer command in passive mode: TYPE, SIZE (with `size`), EPSV.
    /// Returns the data listener, whose address the 229 named.
    pub async fn passive_setup(&mut self, size: Option<u64>) -> TcpListener {
        self.expect("TYPE").await;
        self.send("200 ok\r\n").await;
        self.expect("SIZE").await;
        match size {
            Some(size) => self.send(&format!("213 {size}\r\n")).await,
            None => self.send("550 no size\r\n").await,
        }
        self.epsv().await
    }

    pub async fn epsv(&mut self) -> TcpListener {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.expect("EPSV").await;
        let port = listener.local_addr().unwrap().port();
        self.send(&format!(
            "229 Entering Extended Passive Mode (|||{port}|)\r\n"
        ))
        .await;
        listener
    }

    /// Reads to the end of the connection (the client's QUIT and close), answering QUIT.
    pub async fn finish(mut self) {
        let mut line = String::new();
        if let Ok(Ok(n)) = tokio::time::timeout(TIMEOUT, self.reader.read_line(&mut line)).await {
            if n > 0 && line.starts_with("QUIT") {
                let _ = self.writer.write_all(b"221 bye\r\n").await;
            }
        }
    }
}

/// Accepts one data connection on `listener`.
pub async fn accept(listener: &TcpListener) -> tokio::net::TcpStream {
    tokio::time::timeout(TIMEOUT, listener.accept())
        .await
        .unwrap()
        .unwrap()
        .0
}

/// Starts a scripted server for one connection; the script runs as a task whose handle is returned.
pub async fn scripted<F, Fut>(script: F) -> (SocketAddr, tokio::task::JoinHandle<()>)
where
    F: FnOnce(Peer) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = tokio::spawn(async move {
        let (stream, _) = tokio::time::timeout(TIMEOUT, listener.accept())
            .await
            .unwrap()
            .unwrap();
        let (read, writer) = stream.into_split();
        script(Peer {
            reader: BufReader::new(read),
            writer,
        })
        .await;
    });
    (addr, handle)
}
