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
        let (child, addr) = ftp_testkit::spawn_listening(
            Command::cargo_bin("udp-server")
                .unwrap()
                .args(args)
                .stderr(Stdio::null()),
        );
        let addr = addr.parse().unwrap();
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

#[test]
fn chat_end_to_end_with_two_clients() {
    let server = ServerProcess::start(&["chat", "--port", "0", "--bind", "127.0.0.1"]);
    let addr = server.addr.to_string();
    // ann joins first and stays until bob's message reached her, then quits.
    let mut ann = Command::cargo_bin("udp-client")
        .unwrap()
        .args(["chat", &addr, "--nick", "ann"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut ann_out = BufReader::new(ann.stdout.take().unwrap());
    let mut line = String::new();
    ann_out.read_line(&mut line).unwrap();
    assert!(line.contains("joined as ann"), "{line}");
    assert_cmd::Command::cargo_bin("udp-client")
        .unwrap()
        .args(["chat", &addr, "--nick", "bob"])
        .write_stdin("/who\nhello ann\n/quit\n")
        .assert()
        .success()
        .stdout(contains("* members: ann, bob"));
    let mut seen = Vec::new();
    for _ in 0..3 {
        line.clear();
        ann_out.read_line(&mut line).unwrap();
        seen.push(line.trim_end().to_owned());
    }
    assert_eq!(
        seen,
        ["* bob joined", "<bob> hello ann", "* bob left (quit)"]
    );
    drop(ann.stdin.take());
    assert!(ann.wait().unwrap().success());
}

#[test]
fn tftp_end_to_end_put_then_get() {
    let root = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(local.path().join("src.bin"), &data).unwrap();
    let server = ServerProcess::start(&[
        "tftp",
        "--port",
        "0",
        "--bind",
        "127.0.0.1",
        "--root",
        root.path().to_str().unwrap(),
        "--write",
    ]);
    let addr = server.addr.to_string();
    let client = |args: &[&str]| {
        let mut c = assert_cmd::Command::cargo_bin("udp-client").unwrap();
        c.current_dir(local.path()).arg("tftp").args(args);
        c
    };
    client(&[
        "put",
        &addr,
        "up.bin",
        "src.bin",
        "--blksize",
        "1428",
        "--windowsize",
        "8",
        "--tsize",
    ])
    .assert()
    .success()
    .stderr(contains("sent 70000 bytes"));
    client(&["get", &addr, "up.bin", "--windowsize", "4"])
        .assert()
        .success();
    assert!(std::fs::read(local.path().join("up.bin")).unwrap() == data);
    client(&["get", &addr, "missing.bin"])
        .assert()
        .failure()
        .stderr(contains("error 1"));
    assert!(!local.path().join("missing.bin").exists());
}

/// Issue 15: clap's usage errors are one line (exit 2) in both binaries.
#[test]
fn usage_errors_are_one_line() {
    for (bin, args) in [
        ("udp-server", vec!["tftp", "--port", "0"]),
        ("udp-server", vec!["echo", "--bogus"]),
        (
            "udp-server",
            vec!["tftp", "--root", ".", "--threaded-transfers", "5000"],
        ),
        ("udp-client", vec!["echo"]),
    ] {
        let output = Command::cargo_bin(bin)
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{bin} {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{bin} {args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("{bin}: ")) && stderr.contains("--help"),
            "{stderr}"
        );
    }
}

/// Issue 15: `tftp`'s description named a DIR that no option is called.
#[test]
fn tftp_help_names_the_root_option() {
    let output = Command::cargo_bin("udp-server")
        .unwrap()
        .args(["tftp", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    let about = help.lines().next().unwrap_or_default();
    assert!(about.contains("--root"), "{about}");
    assert!(!about.contains("DIR"), "{about}");
}
