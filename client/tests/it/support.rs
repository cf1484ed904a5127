//! Test helpers of the client's tests; the server in-process, the scripted server, test data and the
//! timeout come from `ftp-testkit`.

use ftp_client::{Client, Options};
pub use ftp_testkit::{accept, pattern, scripted, Peer, TestServer, TIMEOUT};
use sha2::{Digest, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Connecting this crate's client to the shared test server.
pub trait ClientOf {
    /// A client logged in as anonymous.
    async fn client_with(&self, options: Options) -> Client;
}

impl ClientOf for TestServer {
    async fn client_with(&self, options: Options) -> Client {
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

/// The `ftp-client` binary run in `dir` (also its HOME, so no real ~/.netrc is read), with generous
/// time limits.
pub fn client_command(dir: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ftp-client").unwrap();
    cmd.current_dir(dir)
        .env("HOME", dir)
        .args(["--timeout", "20"])
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Runs `cmd`, wants success, returns its stdout.
pub fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let output = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(output).unwrap()
}
