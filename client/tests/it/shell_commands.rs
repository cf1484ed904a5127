//! The shell commands people expect, run by the binary in script mode against this project's
//! server: size, mdtm, chmod, rename, append, quote, lcd/lls/lpwd, `!`, close/open/user, and `set`
//! for TLS; plus the one-shot FTPS commands (explicit, implicit `ftps://`, CA file, wrong CA,
//! `--insecure`).

use std::os::unix::fs::PermissionsExt;

use assert_cmd::Command;
use ftp_client::error::exit;
use ftp_testkit::TestPki;
use predicates::prelude::*;

use crate::support::{client_command, pattern, sha256, stdout_of, Background, TestServer};

struct Fixture {
    server: TestServer,
    work: tempfile::TempDir,
    pki: TestPki,
    _background: Background,
}

/// A server offering FTPS (explicit, and implicit on a second port), requiring it of everyone.
fn tls_fixture() -> Fixture {
    let background = Background::new();
    let pki = TestPki::new();
    let server = background
        .runtime
        .block_on(TestServer::start_tls(&pki, |tls| {
            tls.implicit_port = Some(0);
            tls.require_tls = true;
            tls.require_tls_anonymous = true;
        }));
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("ca.pem"), &pki.ca_pem).unwrap();
    Fixture {
        server,
        work,
        pki,
        _background: background,
    }
}

fn plain_fixture() -> Fixture {
    let background = Background::new();
    let server = background.runtime.block_on(TestServer::start());
    Fixture {
        server,
        work: tempfile::tempdir().unwrap(),
        pki: TestPki::new(),
        _background: background,
    }
}

impl Fixture {
    fn cmd(&self) -> Command {
        client_command(self.work.path())
    }

    fn implicit_url(&self, path: &str) -> String {
        let port = self.server.implicit_tls.unwrap().port();
        format!("ftps://127.0.0.1:{port}/{path}")
    }
}

#[test]
fn file_commands_size_mdtm_chmod_rename_append_quote() {
    let f = plain_fixture();
    f.server.write("a.bin", &pattern(1234));
    std::fs::write(f.work.path().join("tail.bin"), b"TAIL").unwrap();
    let script = "size a.bin\nmdtm a.bin\nchmod 600 a.bin\nrename a.bin b.bin\n\
                  append tail.bin b.bin\nmodtime b.bin\nquote NOOP\nquote FROB\nsize b.bin\n";
    let stdout = stdout_of(f.cmd().arg(f.server.url("")).write_stdin(script));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "1234", "{stdout}");
    assert!(
        lines[1].ends_with(" UTC") && lines[1].starts_with("20"),
        "{stdout}"
    );
    assert!(
        lines[3].starts_with("200"),
        "quote NOOP prints its reply: {stdout}"
    );
    assert!(
        lines[4].starts_with("500"),
        "quote FROB prints the refusal, and goes on: {stdout}"
    );
    assert_eq!(lines[5], "1238", "{stdout}");
    let b = f.server.path("b.bin");
    assert!(!f.server.path("a.bin").exists());
    assert_eq!(
        std::fs::metadata(&b).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let mut want = pattern(1234);
    want.extend_from_slice(b"TAIL");
    assert_eq!(sha256(&std::fs::read(&b).unwrap()), sha256(&want));
}

#[test]
fn a_missing_file_is_reported_by_size_mdtm_and_chmod() {
    let f = plain_fixture();
    for command in ["size nope", "mdtm nope", "chmod 644 nope"] {
        f.cmd()
            .arg(f.server.url(""))
            .write_stdin(format!("{command}\n"))
            .assert()
            .code(exit::NOT_FOUND)
            .stderr(predicate::str::contains("line 1: nope:"));
    }
}

#[test]
fn local_commands_lcd_lls_lpwd_and_shell_escape() {
    let f = plain_fixture();
    f.server.write("r.txt", b"remote");
    std::fs::create_dir(f.work.path().join("sub")).unwrap();
    std::fs::write(f.work.path().join("sub/here.txt"), b"x").unwrap();
    let script = "lcd sub\nlpwd\nlls\nget r.txt\n!echo escaped > marker.txt\n";
    let stdout = stdout_of(f.cmd().arg(f.server.url("")).write_stdin(script));
    let sub = f.work.path().join("sub").canonicalize().unwrap();
    assert!(stdout.contains(&format!("{}\n", sub.display())), "{stdout}");
    assert!(stdout.contains("here.txt\n"), "{stdout}");
    // `get` and `!` ran in the new local directory.
    assert_eq!(std::fs::read(sub.join("r.txt")).unwrap(), b"remote");
    assert_eq!(std::fs::read(sub.join("marker.txt")).unwrap(), b"escaped\n");
    f.cmd()
        .write_stdin("lcd no-such-dir\n")
        .assert()
        .code(exit::LOCAL_IO)
        .stderr(predicate::str::contains("no-such-dir"));
}

#[test]
fn close_open_and_user_inside_the_shell() {
    let f = plain_fixture();
    f.server.write("x.txt", b"x");
    let script = format!("open {}\nsize x.txt\nclose\nsize x.txt\n", f.server.url(""));
    f.cmd()
        .write_stdin(script)
        .assert()
        .code(exit::CONNECTION)
        .stdout("1\n")
        .stderr(predicate::str::contains("line 4: not connected"));
    // `user` logs in again on the open connection: this server refuses a change of user, and the
    // shell reports its reply.
    let script = format!("open {}\nuser bob secret\n", f.server.url(""));
    f.cmd()
        .arg("-v")
        .write_stdin(script)
        .assert()
        .code(exit::LOGIN)
        .stderr(
            predicate::str::contains("-> USER bob")
                .and(predicate::str::contains("line 2: login denied")),
        );
}

#[test]
fn set_tls_in_the_shell_applies_to_the_next_open() {
    let f = tls_fixture();
    f.server.write("t.txt", b"over tls");
    // Without TLS the server refuses the login.
    f.cmd()
        .write_stdin(format!("open {}\n", f.server.url("")))
        .assert()
        .code(exit::LOGIN);
    let script = format!(
        "set tls explicit\nset ca-file ca.pem\nset\nopen {}\nstatus\nget t.txt\n",
        f.server.url("")
    );
    let stdout = stdout_of(f.cmd().write_stdin(script));
    assert!(
        stdout.contains("tls explicit; tls-fallback off; trust: ca-file ca.pem"),
        "{stdout}"
    );
    assert!(stdout.contains("The connection is under TLS."), "{stdout}");
    assert_eq!(
        std::fs::read(f.work.path().join("t.txt")).unwrap(),
        b"over tls"
    );
}

#[test]
fn one_shot_ftps_explicit_and_implicit_are_byte_exact() {
    let f = tls_fixture();
    let data = pattern(700_001);
    std::fs::write(f.work.path().join("up.bin"), &data).unwrap();
    let tls = ["--tls", "explicit", "--ca-file", "ca.pem"];
    f.cmd()
        .args(tls)
        .args(["put", "up.bin", &f.server.url("")])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.server.path("up.bin")).unwrap()),
        sha256(&data)
    );
    f.cmd()
        .args(tls)
        .args(["-v", "get", &f.server.url("up.bin"), "-o", "explicit.bin"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("-- data connection under TLS")
                .and(predicate::str::contains(", resumed")),
        );
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("explicit.bin")).unwrap()),
        sha256(&data)
    );
    // ftps:// means implicit FTPS whatever --tls says.
    f.cmd()
        .args([
            "--ca-file",
            "ca.pem",
            "get",
            &f.implicit_url("up.bin"),
            "-o",
            "implicit.bin",
        ])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("implicit.bin")).unwrap()),
        sha256(&data)
    );
    f.cmd()
        .args([
            "--ca-file",
            "ca.pem",
            "put",
            "up.bin",
            &f.implicit_url("again.bin"),
        ])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.server.path("again.bin")).unwrap()),
        sha256(&data)
    );
}

/// Regression (interop: `get --segments 4` timed out on implicit FTPS against vsftpd and ProFTPD):
/// the extra sessions of `get --segments` and `mirror --parallel` were opened without the `ftps://`
/// URL's implicit TLS, spoke plain FTP to the TLS port and waited for a greeting that never came.
#[test]
fn segments_and_parallel_mirror_over_implicit_ftps_are_byte_exact() {
    let f = tls_fixture();
    let data = pattern(1_500_007);
    f.server.write("big.bin", &data);
    let ca = ["--ca-file", "ca.pem"];
    f.cmd()
        .args(ca)
        .args(["get", "--segments", "4", &f.implicit_url("big.bin")])
        .args(["-o", "segments.bin"])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("segments.bin")).unwrap()),
        sha256(&data)
    );
    // `--tls implicit` on an ftp:// URL that names the port: that port, under TLS at once.
    let port = f.server.implicit_tls.unwrap().port();
    f.cmd()
        .args(ca)
        .args(["--tls", "implicit", "get", "--segments", "3"])
        .args([
            &format!("ftp://127.0.0.1:{port}/big.bin"),
            "-o",
            "named.bin",
        ])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("named.bin")).unwrap()),
        sha256(&data)
    );
    let tree = f.work.path().join("tree");
    for index in 0..12 {
        let dir = tree.join(format!("d{}", index % 3));
        std::fs::create_dir_all(&dir).unwrap();
        let mut content = pattern(3000 + index);
        content.extend_from_slice(b"\r\n");
        std::fs::write(dir.join(format!("f{index}.bin")), content).unwrap();
    }
    f.cmd()
        .args(ca)
        .args(["mirror", "-R", "--parallel", "3", "tree"])
        .arg(f.implicit_url("up"))
        .assert()
        .success();
    f.cmd()
        .args(ca)
        .args(["mirror", "--parallel", "3"])
        .args([&f.implicit_url("up"), "down"])
        .assert()
        .success();
    for index in 0..12 {
        let relative = format!("d{}/f{index}.bin", index % 3);
        let sent = std::fs::read(tree.join(&relative)).unwrap();
        let landed = std::fs::read(f.server.path(&format!("up/{relative}"))).unwrap();
        let back = std::fs::read(f.work.path().join("down").join(&relative)).unwrap();
        assert_eq!(sha256(&landed), sha256(&sent), "{relative} on the server");
        assert_eq!(sha256(&back), sha256(&sent), "{relative} mirrored back");
    }
}

#[test]
fn one_shot_ftps_trust_wrong_ca_and_insecure() {
    let f = tls_fixture();
    f.server.write("a.txt", b"a");
    std::fs::write(f.work.path().join("other.pem"), TestPki::new().ca_pem).unwrap();
    f.cmd()
        .args([
            "--tls",
            "explicit",
            "--ca-file",
            "other.pem",
            "ls",
            &f.server.url(""),
        ])
        .assert()
        .code(exit::CONNECTION)
        .stderr(
            predicate::str::contains("not signed by a trusted CA")
                .and(predicate::str::contains("--ca-file")),
        );
    // Mozilla's roots do not know the test CA either.
    f.cmd()
        .args(["--tls", "explicit", "ls", &f.server.url("")])
        .assert()
        .code(exit::CONNECTION);
    f.cmd()
        .args(["--tls", "explicit", "--insecure", "ls", &f.server.url("")])
        .assert()
        .success()
        .stdout(predicate::str::contains("a.txt"));
    assert!(!f.pki.ca_pem.is_empty());
}

#[test]
fn one_shot_auto_falls_back_only_with_tls_fallback() {
    let f = plain_fixture();
    f.server.write("p.txt", b"p");
    f.cmd()
        .args(["--tls", "auto", "ls", &f.server.url("")])
        .assert()
        .code(exit::CONNECTION)
        .stderr(
            predicate::str::contains("refused AUTH TLS")
                .and(predicate::str::contains("--tls-fallback")),
        );
    f.cmd()
        .args(["--tls", "auto", "--tls-fallback", "ls", &f.server.url("")])
        .assert()
        .success()
        .stdout(predicate::str::contains("p.txt"));
}

#[test]
fn one_shot_size_mdtm_chmod_rename_quote() {
    let f = plain_fixture();
    f.server.write("o.bin", &pattern(4321));
    let url = |path: &str| f.server.url(path);
    assert_eq!(stdout_of(f.cmd().args(["size", &url("o.bin")])), "4321\n");
    let time = stdout_of(f.cmd().args(["mdtm", &url("o.bin")]));
    assert!(time.starts_with("20") && time.ends_with(" UTC\n"), "{time}");
    f.cmd()
        .args(["chmod", "640", &url("o.bin")])
        .assert()
        .success();
    let mode = std::fs::metadata(f.server.path("o.bin"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    f.cmd()
        .args(["rename", &url("o.bin"), "p.bin"])
        .assert()
        .success();
    assert!(f.server.path("p.bin").exists() && !f.server.path("o.bin").exists());
    let reply = stdout_of(f.cmd().args(["quote", &url(""), "SIZE", "p.bin"]));
    assert_eq!(reply, "213 4321\n");
    // A refusal is printed, not an error: quote shows what the server said.
    let reply = stdout_of(f.cmd().args(["quote", &url(""), "FROB"]));
    assert!(reply.starts_with("500"), "{reply}");
    f.cmd()
        .args(["chmod", "9z9", &url("p.bin")])
        .assert()
        .code(exit::USAGE);
    f.cmd()
        .args(["size", &url("nope")])
        .assert()
        .code(exit::NOT_FOUND);
}
