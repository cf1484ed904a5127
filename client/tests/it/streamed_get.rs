//! Regressions for issue 10: `get -o /dev/null` failed with `Invalid argument (os error 22)`, exit 7,
//! because the output was cut and sought like a regular file. Outputs that are not regular files (a
//! character device, a FIFO, stdout with `-o -`) are written as streams; they cannot be resumed.
//! The files span several of the client's 1 MiB buffers, with an odd tail.

use assert_cmd::Command;
use ftp_client::error::exit;
use predicates::prelude::*;

use crate::support::{pattern, sha256, Background, TestServer};

/// Three buffers and a bit.
const LEN: usize = 3 * 1024 * 1024 + 7;

struct Run {
    server: TestServer,
    work: tempfile::TempDir,
    _background: Background,
}

impl Run {
    /// A server whose root holds `file.bin` of `data`.
    fn with(data: &[u8]) -> Run {
        let background = Background::new();
        let server = background.runtime.block_on(TestServer::start());
        std::fs::write(server.path("file.bin"), data).unwrap();
        Run {
            server,
            work: tempfile::tempdir().unwrap(),
            _background: background,
        }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("ftp-client").unwrap();
        cmd.current_dir(self.work.path())
            .env("HOME", self.work.path())
            .args(["--timeout", "20"])
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }
}

#[test]
fn get_to_dev_null_succeeds_with_every_byte() {
    let run = Run::with(&pattern(LEN));
    for mode in [None, Some("--active")] {
        let mut cmd = run.cmd();
        cmd.args(mode);
        cmd.args(["-v", "get", &run.server.url("file.bin"), "-o", "/dev/null"])
            .assert()
            .success()
            .stdout("")
            // The size the client checked the transfer against, and the server's own count.
            .stderr(
                predicate::str::contains(format!("<- 213 {LEN}"))
                    .and(predicate::str::contains(format!(
                        "You have transferred {LEN} bytes in 1 files"
                    )))
                    .and(predicate::str::contains("os error").not()),
            );
    }
}

#[test]
fn get_dash_o_dash_writes_the_exact_bytes_to_stdout_and_nothing_else() {
    let data = pattern(LEN);
    let run = Run::with(&data);
    let output = run
        .cmd()
        .args(["get", &run.server.url("file.bin"), "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(exit::OK));
    assert_eq!(output.stdout.len(), LEN);
    assert_eq!(sha256(&output.stdout), sha256(&data));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(
        std::fs::read_dir(run.work.path()).unwrap().next().is_none(),
        "no local file is created"
    );
}

#[test]
fn get_ascii_to_stdout_converts_line_ends_across_buffers() {
    // Lines of every length up to 200, so that CRLF pairs fall on every buffer boundary.
    let text: Vec<u8> = (0..30_000)
        .flat_map(|line: usize| {
            let mut bytes = vec![b'a' + (line % 26) as u8; line % 200];
            bytes.push(b'\n');
            bytes
        })
        .collect();
    assert!(text.len() > 2 * 1024 * 1024, "{}", text.len());
    let run = Run::with(&text);
    let output = run
        .cmd()
        .args(["--ascii", "get", &run.server.url("file.bin"), "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(exit::OK));
    assert_eq!(sha256(&output.stdout), sha256(&text));
}

#[test]
fn get_into_a_fifo_streams_to_its_reader() {
    let data = pattern(LEN);
    let run = Run::with(&data);
    let fifo = run.work.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reading = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    run.cmd()
        .args(["get", &run.server.url("file.bin"), "-o"])
        .arg(&fifo)
        .assert()
        .success();
    assert_eq!(sha256(&reading.join().unwrap()), sha256(&data));
}

#[test]
fn resume_into_something_not_a_regular_file_is_refused_before_connecting() {
    let run = Run::with(b"x");
    // Nobody listens here: a refusal that connected first would be a connection error instead.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("ftp://127.0.0.1:{closed}/file.bin");
    run.cmd()
        .args(["get", "-c", &url, "-o", "/dev/null"])
        .assert()
        .code(exit::USAGE)
        .stderr(predicate::str::contains(
            "cannot resume (-c) into /dev/null: it is not a regular file",
        ));
    run.cmd()
        .args(["get", "-c", &url, "-o", "-"])
        .assert()
        .code(exit::USAGE)
        .stdout("")
        .stderr(predicate::str::contains(
            "cannot resume (-c) a download to stdout (-o -)",
        ));
}
