//! This project's server for tests: in-process on `127.0.0.1:0` with a temporary root, stopped on drop or
//! by [`TestServer::shutdown`]; or a built binary that prints `listening on IP:PORT` as its first line.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ftp_server::{Config, Server, TlsConfig};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::control::Control;
use crate::tls::{TestPki, TlsClient};
use crate::TIMEOUT;

/// The server, running as a task of the test's runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The implicit-FTPS listener, when TLS is configured with one.
    pub implicit_tls: Option<SocketAddr>,
    pub root: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// A writable server named `test.example` with a fresh root.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// Like [`TestServer::start`], with the settings adjusted first.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_on("127.0.0.1:0", adjust).await
    }

    /// Like [`TestServer::start_with`], listening on `addr` (`[::1]:0`, `[::]:0`, ...).
    pub async fn start_on(addr: &str, adjust: impl FnOnce(&mut Config)) -> TestServer {
        let root = tempfile::tempdir().unwrap();
        let mut config = Config::new(root.path());
        config.writable = true;
        config.server_name = "test.example".into();
        config.data_timeout = Duration::from_secs(5);
        adjust(&mut config);
        let server = Server::bind(addr.parse().unwrap(), config).await.unwrap();
        let addr = server.local_addr().unwrap();
        let implicit_tls = server.implicit_tls_addr().map(Result::unwrap);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            implicit_tls,
            root,
            stop: Some(stop),
            task,
        }
    }

    /// Like [`TestServer::start`], offering FTPS with `pki`'s certificate, its TLS settings adjusted.
    pub async fn start_tls(pki: &TestPki, adjust: impl FnOnce(&mut TlsConfig)) -> TestServer {
        // The PEM files are read by `bind`; they need not outlive it.
        let pem_dir = tempfile::tempdir().unwrap();
        let mut tls = TlsConfig::new(pki.write(pem_dir.path()));
        adjust(&mut tls);
        TestServer::start_with(|config| config.tls = Some(tls)).await
    }

    /// Connects, takes the control connection under TLS, logs in as anonymous, and sends PBSZ 0 and
    /// PROT P: every data connection is TLS from then on.
    pub async fn login_tls(&self, client: &TlsClient) -> Control {
        let mut control = self.connect().await.auth_tls(client).await;
        control.expect("USER anonymous", 331).await;
        control.expect("PASS guest@example.com", 230).await;
        control.expect("PBSZ 0", 200).await;
        control.expect("PROT P", 200).await;
        control
    }

    /// A path under the root.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.path().join(relative)
    }

    /// Writes a file under the root.
    pub fn write(&self, relative: &str, contents: &[u8]) {
        std::fs::write(self.path(relative), contents).unwrap();
    }

    /// `ftp://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("ftp://127.0.0.1:{}/{path}", self.addr.port())
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

/// Spawns a built server binary (already given `--port 0` and its other arguments) with stdout piped, and
/// reads its first line, `listening on IP:PORT`. Returns the child and the address; stdout stays readable
/// through `child.stdout` for tests that check what else it prints.
pub fn spawn_listening(command: &mut Command) -> (Child, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.as_mut().unwrap();
    // Byte by byte, so that nothing after the first line is consumed: tests read the rest themselves.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.last() != Some(&b'\n') && stdout.read(&mut byte).unwrap() == 1 {
        line.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&line);
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on IP:PORT`, got {line:?}"))
        .to_string();
    (child, addr)
}
