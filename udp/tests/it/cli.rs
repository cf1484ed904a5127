//! The built binaries: `--help` has examples, `--port 0` prints `listening on IP:PORT`, and the
//! clients talk to the servers end to end.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use predicates::str::contains;

/// A server binary started on port 0; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    pub fn start(args: &[&str]) -> ServerProcess {
        let mut child = Command::cargo_bin("udp-server")
            .unwrap()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        ServerProcess { child, addr }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn help_has_examples() {
    for bin in ["udp-server", "udp-client"] {
        assert_cmd::Command::cargo_bin(bin)
            .unwrap()
            .arg("--help")
            .assert()
            .success()
            .stdout(contains("Examples:"));
    }
}

#[test]
fn echo_end_to_end() {
    let server = ServerProcess::start(&["echo", "--port", "0", "--bind", "127.0.0.1"]);
    assert_cmd::Command::cargo_bin("udp-client")
        .unwrap()
        .args(["echo", &server.addr.to_string()])
        .write_stdin("hello\nworld\n")
        .assert()
        .success()
        .stdout("HELLO\nWORLD\n");
}

#[test]
fn echo_client_reports_loss_and_fails() {
    // Bind a socket that never answers, so every request is "lost".
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    assert_cmd::Command::cargo_bin("udp-client")
        .unwrap()
        .args([
            "echo",
            &addr.to_string(),
            "hi",
            "--timeout-ms",
            "50",
            "--retries",
            "1",
        ])
        .assert()
        .failure()
        .stderr(contains("no reply after 2 attempts"));
}
