//! The `ftp-client` binary: one-shot subcommands, script mode on stdin, exit codes and messages.

use assert_cmd::Command;
use ftp_client::error::exit;
use predicates::prelude::*;

use crate::support::{client_command, pattern, scripted, sha256, Background, TestServer};

struct Fixture {
    server: TestServer,
    work: tempfile::TempDir,
    // Dropped last: the server's tasks run on it.
    _background: Background,
}

fn fixture() -> Fixture {
    let background = Background::new();
    let server = background.runtime.block_on(TestServer::start());
    Fixture {
        server,
        work: tempfile::tempdir().unwrap(),
        _background: background,
    }
}

impl Fixture {
    fn cmd(&self) -> Command {
        client_command(self.work.path())
    }
}

#[test]
fn one_shot_commands_round_trip() {
    let f = fixture();
    let data = pattern(300_000);
    std::fs::write(f.work.path().join("local.bin"), &data).unwrap();

    f.cmd()
        .args(["mkdir", &f.server.url("dir")])
        .assert()
        .success();
    assert!(f.server.root.path().join("dir").is_dir());
    // Into a directory named without a trailing slash, then under another name.
    f.cmd()
        .args(["put", "local.bin", &f.server.url("dir")])
        .assert()
        .success();
    f.cmd()
        .args([
            "--active",
            "put",
            "local.bin",
            &f.server.url("dir/other.bin"),
        ])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(f.server.root.path().join("dir/local.bin")).unwrap()),
        sha256(&data)
    );
    f.cmd()
        .args(["ls", &f.server.url("dir")])
        .assert()
        .success()
        .stdout(predicate::str::contains("local.bin").and(predicate::str::contains("other.bin")));
    f.cmd()
        .args(["get", &f.server.url("dir/other.bin"), "-o", "back.bin"])
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("back.bin")).unwrap()),
        sha256(&data)
    );
    f.cmd()
        .args(["get", &f.server.url("dir/local.bin"), "-o", "-"])
        .assert()
        .success()
        .stdout(predicate::function(|out: &[u8]| out == data.as_slice()));
    f.cmd()
        .args(["rm", &f.server.url("dir/local.bin")])
        .assert()
        .success();
    f.cmd()
        .args(["rm", &f.server.url("dir/other.bin")])
        .assert()
        .success();
    f.cmd()
        .args(["rmdir", &f.server.url("dir")])
        .assert()
        .success();
    assert!(!f.server.root.path().join("dir").exists());
}

#[test]
fn get_dash_c_finishes_a_partial_file() {
    let f = fixture();
    let data = pattern(1_000_000);
    std::fs::write(f.server.root.path().join("file.bin"), &data).unwrap();
    std::fs::write(f.work.path().join("file.bin"), &data[..400_000]).unwrap();
    f.cmd()
        .args(["-v", "get", "-c", &f.server.url("file.bin")])
        .assert()
        .success()
        .stderr(predicate::str::contains("-> REST 400000").and(predicate::str::contains("<- 350")));
    assert_eq!(
        sha256(&std::fs::read(f.work.path().join("file.bin")).unwrap()),
        sha256(&data)
    );
}

#[test]
fn exit_codes_name_each_failure() {
    let f = fixture();
    f.cmd()
        .args(["get", "http://example/x"])
        .assert()
        .code(exit::USAGE)
        .stderr(predicate::str::contains("not ftp"));
    f.cmd().args(["get", "--bogus"]).assert().code(exit::USAGE);
    f.cmd()
        .args(["get", &f.server.url("missing.bin")])
        .assert()
        .code(exit::NOT_FOUND)
        .stderr(predicate::str::contains("missing.bin").and(predicate::str::contains("550")));
    f.cmd()
        .args(["--user", "alice:pw", "ls", &f.server.url("")])
        .assert()
        .code(exit::LOGIN)
        .stderr(predicate::str::contains("login denied").and(predicate::str::contains("530")));
    f.cmd()
        .args(["put", "no-such-local-file", &f.server.url("")])
        .assert()
        .code(exit::LOCAL_IO)
        .stderr(predicate::str::contains("no-such-local-file"));
    f.cmd()
        .args(["mkdir", &f.server.url("taken")])
        .assert()
        .success();
    f.cmd()
        .args(["mkdir", &f.server.url("taken")])
        .assert()
        .code(exit::REFUSED)
        .stderr(predicate::str::contains("MKD").and(predicate::str::contains("550")));
    // A port nobody listens on: bind one, then free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    f.cmd()
        .args(["ls", &format!("ftp://127.0.0.1:{closed}/")])
        .assert()
        .code(exit::CONNECTION)
        .stderr(predicate::str::contains("could not connect"));
}

#[test]
fn a_transfer_cut_short_exits_with_the_transfer_code() {
    let background = Background::new();
    let (addr, _script) = background.runtime.block_on(scripted(|mut peer| async move {
        peer.login().await;
        let listener = peer.passive_setup(Some(100)).await;
        peer.expect("RETR").await;
        let data = crate::support::accept(&listener).await;
        peer.send("150 go\r\n").await;
        drop(data);
        peer.send("426 Connection closed; transfer aborted.\r\n")
            .await;
        peer.finish().await;
    }));
    let work = tempfile::tempdir().unwrap();
    Command::cargo_bin("ftp-client")
        .unwrap()
        .current_dir(work.path())
        .env("HOME", work.path())
        .args(["get", &format!("ftp://127.0.0.1:{}/f.bin", addr.port())])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(exit::TRANSFER)
        .stderr(predicate::str::contains("transfer failed").and(predicate::str::contains("426")));
}

#[test]
fn script_mode_runs_commands_and_stops_at_the_first_failure() {
    let f = fixture();
    std::fs::write(f.work.path().join("a.txt"), b"alpha").unwrap();
    std::fs::write(f.work.path().join("b.txt"), b"beta").unwrap();
    let script = "# a comment\nmkdir d\ncd d\npwd\nmput *.txt\nnlist\nget b.txt copy.txt\nrename a.txt c.txt\n\
                  rm nothere\nmkdir never\n";
    f.cmd()
        .arg(f.server.url(""))
        .write_stdin(script)
        .assert()
        .code(exit::NOT_FOUND)
        .stdout(predicate::str::contains("/d\n").and(predicate::str::contains("a.txt\nb.txt\n")))
        .stderr(predicate::str::contains("line 9").and(predicate::str::contains("nothere")));
    assert_eq!(
        std::fs::read(f.work.path().join("copy.txt")).unwrap(),
        b"beta"
    );
    assert!(f.server.root.path().join("d/c.txt").is_file());
    assert!(
        !f.server.root.path().join("d/never").exists(),
        "nothing runs after the failure"
    );

    // And a script that ends well exits 0; mget and ascii/active/status along the way.
    f.cmd()
        .write_stdin(format!(
            "open {}\nactive\nascii\nbinary\nstatus\ncd d\nmget *.txt\nrmdir ../nope\n",
            f.server.url("")
        ))
        .assert()
        .code(exit::NOT_FOUND);
    assert_eq!(
        std::fs::read(f.work.path().join("c.txt")).unwrap(),
        b"alpha"
    );
    f.cmd()
        .write_stdin(
            "open ".to_string()
                + &f.server.url("d")
                + "\nrm b.txt\nrm c.txt\ncdup\nrmdir d\nquit\nmkdir after-quit\n",
        )
        .assert()
        .success();
    assert!(!f.server.root.path().join("d").exists());
    assert!(!f.server.root.path().join("after-quit").exists());
}

#[test]
fn script_mode_refuses_unknown_commands_with_the_usage_code() {
    let f = fixture();
    f.cmd()
        .write_stdin("help\nfrobnicate\n")
        .assert()
        .code(exit::USAGE)
        .stdout(predicate::str::contains("mget"))
        .stderr(predicate::str::contains("line 2").and(predicate::str::contains("frobnicate")));
    f.cmd()
        .write_stdin("pwd\n")
        .assert()
        .code(exit::CONNECTION)
        .stderr(predicate::str::contains("not connected"));
}

#[test]
fn verbose_shows_the_dialogue_with_the_password_masked() {
    let f = fixture();
    f.cmd()
        .args([
            "-v",
            "--user",
            "anonymous:sekrit-pw",
            "ls",
            &f.server.url(""),
        ])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("-> PASS ****")
                .and(predicate::str::contains("<- 230"))
                .and(predicate::str::contains("-> EPSV"))
                .and(predicate::str::contains("sekrit").not()),
        );
}

#[test]
fn netrc_supplies_the_login() {
    let f = fixture();
    let netrc = f.work.path().join("creds");
    std::fs::write(&netrc, "machine 127.0.0.1 login alice password a-secret\n").unwrap();
    // Our test server has no accounts, so alice from the netrc is denied: proof the netrc was used.
    f.cmd()
        .args([
            "-v",
            "--netrc",
            netrc.to_str().unwrap(),
            "ls",
            &f.server.url(""),
        ])
        .assert()
        .code(exit::LOGIN)
        .stderr(
            predicate::str::contains("-> USER alice")
                .and(predicate::str::contains("a-secret").not()),
        );
    // ~/.netrc is read by default (HOME is the work dir).
    std::fs::write(
        f.work.path().join(".netrc"),
        "default login anonymous password me@\n",
    )
    .unwrap();
    f.cmd()
        .args(["-v", "ls", &f.server.url("")])
        .assert()
        .success()
        .stderr(predicate::str::contains("-> USER anonymous"));
}

#[test]
fn help_has_examples_for_each_subcommand() {
    let bin = || Command::cargo_bin("ftp-client").unwrap();
    bin()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes").and(predicate::str::contains("Examples")));
    for sub in ["get", "put", "ls", "mkdir", "rmdir", "rm"] {
        bin().args([sub, "--help"]).assert().success().stdout(
            predicate::str::contains("Example")
                .and(predicate::str::contains(format!("  ftp-client {sub} "))),
        );
    }
}

/// Issue 15: the reply is quoted once with one hint that fits it; `550 Permission denied.` is not
/// called "not found".
#[test]
fn refusals_quote_the_reply_once_with_a_fitting_hint() {
    let f = fixture();
    f.cmd()
        .args(["get", &f.server.url("missing.bin")])
        .assert()
        .code(exit::NOT_FOUND)
        .stderr(
            "ftp-client: missing.bin: the server replied \"550 No such file or directory.\"; \
             check the path; `ls` lists what is there\n",
        );

    // A read-only server refuses DELE of an existing file with 550 Permission denied.
    let background = Background::new();
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("keep.txt"), b"x").unwrap();
    let config = ftp_server::Config::new(root.path());
    let (port, _stop) = background.runtime.block_on(async {
        let server = ftp_server::Server::bind("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let port = server.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = stopped.await;
        }));
        (port, stop)
    });
    let output = f
        .cmd()
        .args(["rm", &format!("ftp://127.0.0.1:{port}/keep.txt")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit::NOT_FOUND), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("\"550 Permission denied.\""), "{stderr}");
    assert!(!stderr.contains("not found"), "{stderr}");
    assert!(stderr.contains("does not let you"), "{stderr}");
}

/// Issue 15: `get --help` and `put --help` listed `<URL>` and `<FILE>` with no description.
#[test]
fn help_describes_every_argument() {
    for sub in ["get", "put", "ls", "mkdir", "rmdir", "rm"] {
        let output = Command::cargo_bin("ftp-client")
            .unwrap()
            .args([sub, "--help"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let help = String::from_utf8_lossy(&output.stdout);
        let arguments = help
            .split("Arguments:\n")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_else(|| panic!("{sub} --help has no arguments section:\n{help}"));
        for line in arguments.lines() {
            let description = line.trim().split_once("  ").map(|(_, d)| d.trim());
            assert!(
                description.is_some_and(|d| !d.is_empty()),
                "{sub} --help: {line:?} has no description"
            );
        }
    }
}

/// Issue 15: one convention for success lines (lftp's): nothing in a script, where stdout carries only
/// what was asked for. `mkdir` used to print "created /d1" while `rm` and `rename` printed nothing.
#[test]
fn a_script_prints_nothing_on_success_but_what_it_asked_for() {
    let f = fixture();
    std::fs::write(f.work.path().join("a.txt"), b"alpha").unwrap();
    let script =
        "mkdir d1\ncd d1\nput a.txt\nget a.txt b.txt\nrename a.txt c.txt\nrm c.txt\ncdup\n\
                  rmdir d1\nbinary\nascii\nactive\npassive\nverbose on\nverbose off\npwd\n";
    f.cmd()
        .arg(f.server.url(""))
        .write_stdin(script)
        .assert()
        .success()
        .stdout("/\n");
    assert_eq!(
        std::fs::read(f.work.path().join("b.txt")).unwrap(),
        b"alpha"
    );
    assert!(!f.server.root.path().join("d1").exists());
    // One-shot commands follow the same rule.
    f.cmd()
        .args(["mkdir", &f.server.url("d2")])
        .assert()
        .success()
        .stdout("");
}

/// Issue 15: `status` names the connection as `open` does (one function words both).
#[test]
fn status_names_the_connection_as_open_does() {
    let f = fixture();
    let port = f.server.addr.port();
    f.cmd()
        .arg(f.server.url(""))
        .write_stdin("status\n")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(format!(
            "Connected to 127.0.0.1:{port} (127.0.0.1:{port}).\n"
        )));
}

/// Issue 15: clap's usage errors are one line with a pointer to `--help`, exit 2; help is unchanged.
#[test]
fn usage_errors_are_one_line() {
    for args in [vec!["get"], vec!["put", "only-a-file"], vec!["--bogus"]] {
        let output = Command::cargo_bin("ftp-client")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(exit::USAGE),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("ftp-client: ") && stderr.contains("--help"),
            "{stderr}"
        );
    }
}
