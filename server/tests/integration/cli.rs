//! The built binary: help, argument errors (exit 2, one line), the `listening on` line, SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command as AssertCommand;
use predicates::prelude::*;

fn server() -> AssertCommand {
    AssertCommand::cargo_bin("ftp-server").unwrap()
}

#[test]
fn help_shows_examples() {
    server().arg("--help").assert().success().stdout(
        predicate::str::contains("Examples:")
            .and(predicate::str::contains("--port 2121 --root"))
            .and(predicate::str::contains("--pasv-ports")),
    );
}

#[test]
fn a_missing_root_is_a_one_line_error_with_exit_2() {
    server()
        .args(["--port", "0", "--root", "/definitely/not/here"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "ftp-server: --root /definitely/not/here: not an existing directory",
        ));
}

#[test]
fn a_file_as_root_is_refused() {
    let file = tempfile::NamedTempFile::new().unwrap();
    server()
        .args(["--port", "0", "--root"])
        .arg(file.path())
        .assert()
        .code(2);
}

#[test]
fn bad_arguments_exit_2() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path().to_str().unwrap();
    for args in [
        vec!["--port", "0", "--root", root, "--pasv-ports", "9000-8000"],
        vec!["--port", "0", "--root", root, "--pasv-ports", "x"],
        vec!["--port", "70000", "--root", root],
        vec!["--port", "0", "--root", root, "--idle-timeout", "0"],
        vec!["--port", "0", "--root", root, "--pasv-address", "::1"],
        vec!["--root", root],
        vec!["--port", "0", "--root", root, "--require-tls"],
        vec!["--port", "0", "--root", root, "--implicit-tls-port", "0"],
        vec!["--port", "0", "--root", root, "--tls-cert", "/no/such.pem"],
        vec![
            "--port",
            "0",
            "--root",
            root,
            "--tls-cert",
            "/no/c.pem",
            "--tls-key",
            "/no/k.pem",
        ],
        vec![
            "--port",
            "0",
            "--root",
            root,
            "--tls-self-signed",
            "--tls-cert",
            "/no/c.pem",
            "--tls-key",
            "/no/k.pem",
        ],
    ] {
        server()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::is_empty().not());
    }
}

#[test]
fn a_busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let root = tempfile::tempdir().unwrap();
    server()
        .args(["--port", &port, "--root"])
        .arg(root.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "cannot listen on 127.0.0.1:{port}"
        )));
}

#[test]
fn serves_prints_its_address_and_exits_0_on_sigterm() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hello").unwrap();
    let (mut child, addr) = spawn_server(root.path(), &[]);
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let mut stdout = child.stdout.take().unwrap();

    let mut control = TcpStream::connect(&addr).unwrap();
    control
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    control.write_all(b"QUIT\r\n").unwrap();
    let mut dialogue = String::new();
    control.read_to_string(&mut dialogue).unwrap();
    assert!(
        dialogue.starts_with("220 ") && dialogue.contains("221 Goodbye.\r\n"),
        "{dialogue}"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
}

#[test]
fn tls_self_signed_prints_the_implicit_port_and_fingerprint_and_answers_auth() {
    let root = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_server(
        root.path(),
        &["--tls-self-signed", "--implicit-tls-port", "0"],
    );
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut implicit = String::new();
    stdout.read_line(&mut implicit).unwrap();
    assert!(
        implicit.starts_with("implicit TLS on 127.0.0.1:"),
        "{implicit}"
    );
    let mut fingerprint = String::new();
    stdout.read_line(&mut fingerprint).unwrap();
    let hex = fingerprint
        .trim()
        .strip_prefix("TLS certificate SHA-256 fingerprint: ")
        .unwrap_or_else(|| panic!("{fingerprint:?}"));
    assert_eq!(hex.split(':').count(), 32, "{hex}");

    let mut control = TcpStream::connect(&addr).unwrap();
    control
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut reader = BufReader::new(control.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("220 "), "{line}");
    control.write_all(b"AUTH TLS\r\n").unwrap();
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("234 "), "{line}");
    drop(control);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn welcome_file_lines_form_the_230_reply() {
    let root = tempfile::tempdir().unwrap();
    let welcome = root.path().join("welcome.txt");
    std::fs::write(&welcome, "Hello from the test\nSecond line\n").unwrap();
    let welcome_arg = welcome.to_str().unwrap();
    let (mut child, addr) = spawn_server(
        root.path(),
        &["--name", "ftp.ssast.org", "--welcome", welcome_arg],
    );
    let mut control = TcpStream::connect(&addr).unwrap();
    control
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    control
        .write_all(b"USER anonymous\r\nPASS me@example.com\r\nQUIT\r\n")
        .unwrap();
    let mut dialogue = String::new();
    control.read_to_string(&mut dialogue).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        dialogue.starts_with("220 ftp.ssast.org FTP server ready.\r\n"),
        "{dialogue}"
    );
    assert!(
        dialogue.contains(
            "230-Hello from the test\r\n230-Second line\r\n230 Guest login ok, access restrictions apply.\r\n"
        ),
        "{dialogue}"
    );
    assert!(dialogue.contains("221-Thank you for using the FTP service on ftp.ssast.org.\r\n"));
}

/// Starts the built server with `args`; returns it and its address.
fn spawn_server(root: &std::path::Path, args: &[&str]) -> (std::process::Child, String) {
    ftp_testkit::spawn_listening(
        Command::cargo_bin("ftp-server")
            .unwrap()
            .args(["--port", "0", "-q", "--root"])
            .arg(root)
            .args(args)
            .stderr(Stdio::null()),
    )
}

/// ABOR sent as RFC 959 §4.1.3 asks a client to (Telnet IP, Synch with the DM byte as TCP urgent data,
/// then ABOR) is acted on mid-transfer, on ten fresh sessions of a separate server process. The server
/// reads urgent bytes in line and skips them, and also wakes on priority readiness: Linux may announce
/// the bytes after the urgent mark only that way (4 aborts in 10 were lost before). That lost wake-up
/// depends on timing this test does not force; `ftp-conformance`'s `abor-mid-transfer` case against the
/// binary showed it (7 failures in 20 runs), and that case runs in `just conformance` and `just interop`.
#[test]
fn abor_with_an_urgent_telnet_synch_is_acted_on() {
    let root = tempfile::tempdir().unwrap();
    std::fs::File::create(root.path().join("big"))
        .unwrap()
        .set_len(256 * 1024 * 1024)
        .unwrap();
    let (mut child, addr) = spawn_server(root.path(), &[]);
    for _ in 0..10 {
        let control = TcpStream::connect(&addr).unwrap();
        control
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut replies = BufReader::new(control.try_clone().unwrap());
        let mut writer = control;
        let mut next_reply = || loop {
            let mut line = String::new();
            replies
                .read_line(&mut line)
                .expect("a reply in time (ABOR lost?)");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        };
        assert!(next_reply().starts_with("220"));
        writer
            .write_all(b"USER anonymous\r\nPASS x\r\nPASV\r\n")
            .unwrap();
        assert!(next_reply().starts_with("331") && next_reply().starts_with("230"));
        let data_addr = ftp_proto::hostport::decode_pasv_reply(&next_reply()).unwrap();
        let mut data = TcpStream::connect(data_addr).unwrap();
        writer.write_all(b"RETR big\r\n").unwrap();
        assert!(next_reply().starts_with("150"));
        let mut first = vec![0u8; 65536];
        data.read_exact(&mut first).unwrap();
        writer.write_all(&[0xFF, 0xF4, 0xFF]).unwrap();
        socket2::SockRef::from(&writer)
            .send_out_of_band(&[0xF2])
            .unwrap();
        writer.write_all(b"ABOR\r\n").unwrap();
        assert!(next_reply().starts_with("426") && next_reply().starts_with("226"));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Issue 15: clap's own errors (missing, unknown or malformed arguments) took three lines or more; the
/// README promises one.
#[test]
fn clap_errors_are_one_line_too() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path().to_str().unwrap();
    for args in [
        vec![],
        vec!["--root", root],
        vec!["--port", "0", "--root", root, "--bogus"],
        vec!["--port", "x", "--root", root],
    ] {
        let output = server().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("ftp-server: ") && stderr.ends_with("(try --help)\n"),
            "{args:?}: {stderr}"
        );
    }
    server()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ftp-server "));
}
