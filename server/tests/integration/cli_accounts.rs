//! The built binary's accounts and configuration: `user add` / `user passwd`, `--config FILE` (flags
//! override it, unknown keys are errors), SIGHUP reloading the users file, `--pasv-address` as a host
//! name, and the fixtures documented in the README.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command as AssertCommand;
use predicates::prelude::*;

const WAIT: Duration = Duration::from_secs(20);

fn server() -> AssertCommand {
    AssertCommand::cargo_bin("ftp-server").unwrap()
}

/// `ftp-server user ARGS... --users FILE`, the password on stdin.
fn user(users: &Path, args: &[&str], password: &str) -> AssertCommand {
    let mut command = server();
    command
        .arg("user")
        .args(args)
        .arg("--users")
        .arg(users)
        .write_stdin(format!("{password}\n"));
    command
}

/// `ftp-server user add NAME --home HOME --rights RIGHTS`, which must succeed.
fn add_user(users: &Path, name: &str, home: &str, rights: &str, password: &str) {
    user(
        users,
        &["add", name, "--home", home, "--rights", rights],
        password,
    )
    .assert()
    .success()
    .stdout(predicate::str::contains(format!("added user {name}")));
}

/// The built server on `root` with `users`, refused logins answered at once.
fn spawn_with_users(root: &Path, users: &Path) -> (Child, String, mpsc::Receiver<String>) {
    spawn(&[
        os("--root"),
        root.as_os_str(),
        os("--users"),
        users.as_os_str(),
        os("--failed-login-delay"),
        os("0"),
    ])
}

/// A control connection speaking line by line; each command's final reply code.
struct Dialogue {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Dialogue {
    fn open(addr: &str) -> (Dialogue, String) {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let mut dialogue = Dialogue {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        let greeting = dialogue.reply();
        (dialogue, greeting)
    }

    /// The last line of the next reply (its code and text).
    fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("a reply in time");
            assert!(!line.is_empty(), "connection closed");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line.trim_end().to_string();
            }
        }
    }

    fn send(&mut self, command: &str) -> String {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .unwrap();
        self.reply()
    }

    fn code(&mut self, command: &str) -> u16 {
        self.send(command)[..3].parse().unwrap()
    }

    /// 230 for a good login, 530 for a refused one.
    fn login(&mut self, name: &str, password: &str) -> u16 {
        assert_eq!(self.code(&format!("USER {name}")), 331);
        self.code(&format!("PASS {password}"))
    }
}

/// The built server with `args` (after `--port 0`), stderr's lines sent to the returned channel.
fn spawn(args: &[&std::ffi::OsStr]) -> (Child, String, mpsc::Receiver<String>) {
    let mut command = Command::cargo_bin("ftp-server").unwrap();
    command
        .args(["--port", "0"])
        .args(args)
        .stderr(Stdio::piped());
    let (mut child, addr) = ftp_testkit::spawn_listening(&mut command);
    let stderr = child.stderr.take().unwrap();
    let (lines, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, addr, receiver)
}

/// Waits for a stderr line containing `text`.
fn wait_for(lines: &mpsc::Receiver<String>, text: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("no log line with {text:?}"));
        if line.contains(text) {
            return line;
        }
    }
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `command` and checks it failed as every usage error does: exit 2, one line naming `expected`.
fn refused(command: &mut AssertCommand, expected: &str) {
    command
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(expected).and(predicate::str::contains("\n").count(1)));
}

fn os(text: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(text)
}

/// A folder with `root/HOME` and the path `users.toml` will have (not yet written).
fn server_folder(home: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join(home)).unwrap();
    let users = dir.path().join("users.toml");
    (dir, root, users)
}

#[test]
fn user_add_and_passwd_maintain_the_users_file_the_server_reads() {
    let (_dir, root, users) = server_folder("alice");

    add_user(&users, "alice", "/alice", "read,write", "first");
    let text = std::fs::read_to_string(&users).unwrap();
    assert!(text.contains("$argon2id$"), "{text}");
    assert!(!text.contains("first"), "never the password itself: {text}");
    assert!(
        text.contains("rights = [\n    \"read\",\n    \"write\",\n]")
            || text.contains("\"read\", \"write\""),
        "{text}"
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&users).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // Refusals: one line, exit 2, the file untouched.
    for (args, password, expected) in [
        (
            &["add", "alice", "--home", "/a", "--rights", "read"][..],
            "x",
            "exists already",
        ),
        (
            &["add", "bob", "--home", "/b", "--rights", "read,admin"],
            "x",
            "unknown right \"admin\"",
        ),
        (
            &["add", "bob", "--home", "/b", "--rights", "read"],
            "",
            "empty",
        ),
        (
            &["add", "anonymous", "--home", "/b", "--rights", "read"],
            "x",
            "anonymous guest",
        ),
        (&["passwd", "carol"], "x", "no user carol"),
    ] {
        refused(&mut user(&users, args, password), expected);
    }
    server()
        .args(["user", "add", "bob", "--home", "/b", "--rights", "read"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--users FILE"));
    assert_eq!(std::fs::read_to_string(&users).unwrap(), text);

    let (child, addr, _log) = spawn_with_users(&root, &users);
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("alice", "first"), 230);
    stop(child);

    user(&users, &["passwd", "alice"], "second")
        .assert()
        .success()
        .stdout(predicate::str::contains("changed the password of alice"));
    let (child, addr, _log) = spawn_with_users(&root, &users);
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("alice", "first"), 530);
    assert_eq!(control.login("alice", "second"), 230);
    assert_eq!(control.code("PWD"), 257);
    stop(child);
}

#[test]
fn sighup_reloads_the_users_file_and_a_broken_one_keeps_the_old_accounts() {
    let (_dir, root, users) = server_folder("home");
    add_user(&users, "alice", "/home", "read", "pw");
    let (child, addr, log) = spawn_with_users(&root, &users);
    let hangup = || {
        let status = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("bob", "pw"), 530);

    add_user(&users, "bob", "/home", "read", "pw");
    hangup();
    assert!(wait_for(&log, "users file reloaded").contains("accounts=2"));
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("bob", "pw"), 230);

    let good = std::fs::read_to_string(&users).unwrap();
    std::fs::write(&users, good.replace("rights", "colour")).unwrap();
    hangup();
    let error = wait_for(&log, "not reloaded");
    assert!(
        error.contains("colour") || error.contains("rights"),
        "{error}"
    );
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("bob", "pw"), 230, "the old accounts stay");
    stop(child);
}

#[test]
fn a_config_file_holds_the_options_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "root = {:?}\nname = \"from-the-file\"\nwrite = true\nfailed_login_delay = 0\nidle-timeout = 60\n",
            root.to_str().unwrap()
        ),
    )
    .unwrap();
    let (child, addr, _log) = spawn(&[os("--config"), config.as_os_str()]);
    let (mut control, greeting) = Dialogue::open(&addr);
    assert!(greeting.starts_with("220 from-the-file "), "{greeting}");
    assert_eq!(control.login("anonymous", "me@example.com"), 230);
    assert_eq!(control.code("MKD made"), 257, "write = true");
    stop(child);

    let (child, addr, _log) = spawn(&[
        os("--config"),
        config.as_os_str(),
        os("--name"),
        os("from-a-flag"),
    ]);
    let (_, greeting) = Dialogue::open(&addr);
    assert!(greeting.starts_with("220 from-a-flag "), "{greeting}");
    stop(child);

    for (text, expected) in [
        ("colour = \"blue\"\n", "unknown key `colour`"),
        ("pasv-ports = \"9-1\"\n", "--config"),
        ("write = \"yes\"\n", "key `write`"),
        ("port = \n", "line 1"),
    ] {
        std::fs::write(&config, text).unwrap();
        refused(
            server()
                .args(["--port", "0", "--root"])
                .arg(&root)
                .arg("--config")
                .arg(&config),
            expected,
        );
    }
    refused(
        server().args(["--port", "0", "--config", "/definitely/not/here.toml"]),
        "--config /definitely/not/here.toml",
    );
}

/// The README's example files: the server starts with them (paths overridden for this machine).
#[test]
fn the_fixture_config_and_users_files_are_valid() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("xferlog");
    let (child, addr, _log) = spawn(&[
        os("--config"),
        fixtures.join("server.toml").as_os_str(),
        os("--port"),
        os("0"),
        os("--bind"),
        os("127.0.0.1"),
        os("--root"),
        fixtures.join("root").as_os_str(),
        os("--users"),
        fixtures.join("users.toml").as_os_str(),
        os("--xferlog"),
        log.as_os_str(),
        os("--pasv-address"),
        os("127.0.0.1"),
    ]);
    let (mut control, greeting) = Dialogue::open(&addr);
    assert!(greeting.starts_with("220 "), "{greeting}");
    // The example account's password is given in the README.
    assert_eq!(control.login("alice", "alice-example-password"), 230);
    stop(child);
}

#[test]
fn pasv_address_may_be_a_host_name_resolved_at_start() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("hello.txt"), b"hello").unwrap();
    let (child, addr, _log) = spawn(&[
        os("--root"),
        root.path().as_os_str(),
        os("--pasv-address"),
        os("localhost"),
    ]);
    let (mut control, _) = Dialogue::open(&addr);
    assert_eq!(control.login("anonymous", "me@example.com"), 230);
    let reply = control.send("PASV");
    let announced = ftp_proto::hostport::decode_pasv_reply(&reply).unwrap();
    assert!(announced.ip().is_loopback(), "{reply}");
    let mut data = TcpStream::connect(announced).unwrap();
    assert!(control.send("RETR hello.txt").starts_with("150"));
    let mut received = Vec::new();
    data.read_to_end(&mut received).unwrap();
    assert_eq!(received, b"hello");
    assert!(control.reply().starts_with("226"));
    stop(child);

    refused(
        server()
            .args(["--port", "0", "--root"])
            .arg(root.path())
            .args(["--pasv-address", "no-such-host.invalid"]),
        "--pasv-address no-such-host.invalid",
    );
}

#[test]
fn help_shows_the_accounts_and_config_examples() {
    server().arg("--help").assert().success().stdout(
        predicate::str::contains("--config /etc/ftp-server.toml")
            .and(predicate::str::contains("user add alice"))
            .and(predicate::str::contains("--ban-after"))
            .and(predicate::str::contains("--xferlog")),
    );
    server()
        .args(["user", "add", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--rights"));
}

#[test]
fn a_broken_users_file_at_start_is_a_one_line_error() {
    let (_dir, root, users) = server_folder("home");
    for (text, expected) in [
        (
            "[users.a]\nhome = \"/\"\nrights = []\n",
            "missing field `password-hash`",
        ),
        (
            "[users.a]\npassword-hash = \"plain\"\nhome = \"/\"\nrights = []\n",
            "user \"a\": password-hash",
        ),
        ("[users.a\n", "line 1"),
    ] {
        std::fs::write(&users, text).unwrap();
        refused(
            server()
                .args(["--port", "0", "--root"])
                .arg(&root)
                .arg("--users")
                .arg(&users),
            expected,
        );
    }
    refused(
        server()
            .args(["--port", "0", "--root"])
            .arg(&root)
            .args(["--users", "/definitely/not/here.toml"]),
        "users file /definitely/not/here.toml",
    );
}
