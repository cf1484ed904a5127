//! A scripted server for one connection, for tests of clients: the test writes the server's side of the
//! dialogue (greeting, replies, misbehaviour) and checks each command the client sends.

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::TIMEOUT;

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

    /// Sends raw wire bytes.
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

    /// EPSV → 229 naming a new listener on 127.0.0.1, which is returned.
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

/// Starts a scripted server for one connection; the script runs as a task whose handle is returned.
pub async fn scripted<F, Fut>(script: F) -> (SocketAddr, JoinHandle<()>)
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
