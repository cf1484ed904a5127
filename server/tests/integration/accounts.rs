//! Named accounts over real TCP: each right refused and allowed, the home as a jail, wrong passwords and
//! unknown users, anonymous beside accounts, `--ban-after`, and an account's `max-sessions`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ftp_server::accounts::hash::{hash_password, Cost};
use ftp_server::Config;
use ftp_testkit::{connect_from, read_to_end, Control, TestServer};
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;

/// One `[users.NAME]` table with a cheap hash of `password`.
pub fn account(name: &str, password: &str, home: &str, jail: bool, rights: &[&str]) -> String {
    let hash = hash_password(password, Cost::Cheap).unwrap();
    let rights: Vec<String> = rights.iter().map(|right| format!("{right:?}")).collect();
    format!(
        "[users.{name}]\npassword-hash = \"{hash}\"\nhome = \"{home}\"\njail = {jail}\nrights = [{}]\n\n",
        rights.join(", ")
    )
}

/// A server with `users` as its users file (anonymous off, a short login delay), and the file's folder.
async fn start_with_users(
    users: &str,
    adjust: impl FnOnce(&mut Config),
) -> (TestServer, TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("users.toml");
    std::fs::write(&path, users).unwrap();
    let users_file = path.clone();
    let server = TestServer::start_with(move |config| {
        config.users_file = Some(users_file);
        config.anonymous = false;
        config.writable = false;
        config.failed_login_delay = Duration::from_millis(10);
        adjust(config);
    })
    .await;
    (server, dir, path)
}

async fn login(server: &TestServer, name: &str, password: &str) -> Control {
    let mut control = server.connect().await;
    control.expect(&format!("USER {name}"), 331).await;
    control.expect(&format!("PASS {password}"), 230).await;
    control
}

/// Tries what `right` guards, on fresh names, and returns the reply code: refused is 550; allowed is the
/// command's own success (or, for STOR without a data connection, 425: past the rights check).
async fn attempt(control: &mut Control, right: &str, n: usize) -> u16 {
    match right {
        "read" => control.command("SIZE shared.txt").await.code,
        "write" => control.command(&format!("STOR up{n}.txt")).await.code,
        "delete" => control.command(&format!("DELE victim{n}.txt")).await.code,
        "mkdir" => control.command(&format!("MKD dir{n}")).await.code,
        "rename" => control.command(&format!("RNFR victim{n}.txt")).await.code,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn each_right_is_refused_without_it_and_allowed_with_it() {
    let rights = ["read", "write", "delete", "mkdir", "rename"];
    let mut users: String = rights
        .iter()
        .map(|right| account(&format!("only-{right}"), "pw", "/", false, &[right]))
        .collect();
    users.push_str(&account("nobody", "pw", "/", false, &[]));
    let (server, _dir, _) = start_with_users(&users, |_| {}).await;
    server.write("shared.txt", b"shared");
    let allowed = [213, 425, 250, 257, 350];
    let mut n = 0;
    for (holder, held) in rights.iter().enumerate() {
        let mut control = login(&server, &format!("only-{held}"), "pw").await;
        for (index, right) in rights.iter().enumerate() {
            n += 1;
            server.write(&format!("victim{n}.txt"), b"x");
            let code = attempt(&mut control, right, n).await;
            let expected = if index == holder { allowed[index] } else { 550 };
            assert_eq!(code, expected, "only-{held} trying {right}");
            // What was allowed did happen, on the disk.
            match (index == holder, *right) {
                (true, "delete") => assert!(!server.path(&format!("victim{n}.txt")).exists()),
                (true, "mkdir") => assert!(server.path(&format!("dir{n}")).is_dir()),
                (false, "delete") => assert!(server.path(&format!("victim{n}.txt")).exists()),
                (false, "mkdir") => assert!(!server.path(&format!("dir{n}")).exists()),
                _ => {}
            }
        }
    }
    let mut control = login(&server, "nobody", "pw").await;
    for right in rights {
        n += 1;
        server.write(&format!("victim{n}.txt"), b"x");
        assert_eq!(
            attempt(&mut control, right, n).await,
            550,
            "nobody trying {right}"
        );
    }
    // Listing and RETR need read too; moving around needs nothing.
    control.expect("LIST", 550).await;
    control.expect("RETR shared.txt", 550).await;
    control.expect("CWD /", 250).await;
    control.expect("PWD", 257).await;
}

#[tokio::test]
async fn the_home_is_the_jail_and_a_home_without_jail_is_where_the_session_starts() {
    let users = account("alice", "pw", "/alice", true, &["read", "write"])
        + &account("bob", "pw", "/bob", false, &["read"]);
    let (server, _dir, _) = start_with_users(&users, |_| {}).await;
    std::fs::create_dir(server.path("alice")).unwrap();
    std::fs::create_dir(server.path("bob")).unwrap();
    server.write("alice/mine.txt", b"alice's");
    server.write("secret.txt", b"not alice's");
    std::os::unix::fs::symlink("../secret.txt", server.path("alice/link")).unwrap();

    let mut alice = login(&server, "alice", "pw").await;
    assert_eq!(
        alice.expect("PWD", 257).await.text(),
        "\"/\" is the current directory."
    );
    alice.expect("SIZE mine.txt", 213).await;
    alice.expect("SIZE /alice/mine.txt", 550).await;
    alice.expect("SIZE ../secret.txt", 550).await;
    alice.expect("SIZE /secret.txt", 550).await;
    alice.expect("SIZE link", 550).await;
    alice.expect("CDUP", 250).await;
    assert_eq!(
        alice.expect("PWD", 257).await.text(),
        "\"/\" is the current directory."
    );
    let mut data = alice.pasv().await;
    alice.expect("NLST", 150).await;
    let names = String::from_utf8(read_to_end(&mut data).await).unwrap();
    alice.expect_reply(226).await;
    let mut names: Vec<&str> = names.lines().collect();
    names.sort();
    assert_eq!(names, ["link", "mine.txt"]);
    // An upload lands in the home, under the root.
    let mut data = alice.pasv().await;
    alice.expect("STOR up.txt", 150).await;
    data.write_all(b"uploaded").await.unwrap();
    drop(data);
    alice.expect_reply(226).await;
    assert_eq!(
        std::fs::read(server.path("alice/up.txt")).unwrap(),
        b"uploaded"
    );

    let mut bob = login(&server, "bob", "pw").await;
    assert_eq!(
        bob.expect("PWD", 257).await.text(),
        "\"/bob\" is the current directory."
    );
    bob.expect("SIZE /secret.txt", 213).await;

    // A jailed account whose home is missing cannot log in, and says so.
    std::fs::rename(server.path("alice"), server.path("gone")).unwrap();
    let mut control = server.connect().await;
    control.expect("USER alice", 331).await;
    let refusal = control.expect("PASS pw", 530).await;
    assert!(refusal.text().contains("Home directory"), "{refusal:?}");
}

#[tokio::test]
async fn a_wrong_password_gets_530_after_the_delay_and_unknown_users_get_331_too() {
    let delay = Duration::from_millis(300);
    let (server, _dir, _) =
        start_with_users(&account("alice", "right", "/", true, &["read"]), |config| {
            config.failed_login_delay = delay;
        })
        .await;
    let mut control = server.connect().await;
    let known = control.expect("USER alice", 331).await;
    let started = Instant::now();
    let wrong = control.expect("PASS wrong", 530).await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    let unknown = control.expect("USER mallory", 331).await;
    assert_eq!(unknown.text(), known.text(), "USER tells nothing");
    let started = Instant::now();
    let no_such_user = control.expect("PASS right", 530).await;
    assert!(started.elapsed() >= delay);
    assert_eq!(
        no_such_user.text(),
        wrong.text(),
        "PASS tells nothing either"
    );
    // Anonymous is off when there is a users file (unless asked for).
    control.expect("USER anonymous", 331).await;
    control.expect("PASS me@example.com", 530).await;
    control.expect("PWD", 530).await;
    control.expect("USER alice", 331).await;
    control.expect("PASS right", 230).await;
    control.expect("PWD", 257).await;
}

#[tokio::test]
async fn anonymous_beside_accounts_keeps_its_read_only_rights() {
    let (server, _dir, _) = start_with_users(
        &account("alice", "pw", "/", true, &["read", "write"]),
        |config| {
            config.anonymous = true;
        },
    )
    .await;
    server.write("hello.txt", b"hello");
    let mut guest = server.login().await;
    guest.expect("SIZE hello.txt", 213).await;
    guest.expect("MKD new", 550).await;
    guest.expect("STOR new.txt", 550).await;
    let mut alice = login(&server, "alice", "pw").await;
    alice.expect("STOR new.txt", 425).await;
}

#[tokio::test]
async fn ban_after_n_failures_refuses_that_address_only() {
    let (server, _dir, _) =
        start_with_users(&account("alice", "pw", "/", true, &["read"]), |config| {
            config.ban_after = Some(3);
            config.ban_window = Duration::from_secs(600);
            config.ban_time = Duration::from_secs(600);
        })
        .await;
    let mut control = server.connect().await;
    for _ in 0..2 {
        control.expect("USER alice", 331).await;
        control.expect("PASS wrong", 530).await;
    }
    control.expect("USER alice", 331).await;
    let banned = control.expect("PASS wrong", 421).await;
    assert!(banned.text().contains("failed logins"), "{banned:?}");
    assert!(control.closed().await);
    // A new connection from the address is refused at once, even with the right password to offer.
    let mut again = Control::connect(server.addr).await;
    assert_eq!(again.reply().await.code, 421);
    assert!(again.closed().await);
    // Another address is not banned.
    let stream = connect_from("127.0.0.2", server.addr).await.unwrap();
    let mut other = Control::from_stream(stream);
    assert_eq!(other.reply().await.code, 220);
    other.expect("USER alice", 331).await;
    other.expect("PASS pw", 230).await;
}

#[tokio::test]
async fn max_sessions_limits_an_accounts_logged_in_sessions() {
    let users = account("alice", "pw", "/", true, &["read"])
        .replace("jail = true\n", "jail = true\nmax-sessions = 1\n");
    let (server, _dir, _) = start_with_users(&users, |_| {}).await;
    let mut first = login(&server, "alice", "pw").await;
    let mut second = server.connect().await;
    second.expect("USER alice", 331).await;
    let refusal = second.expect("PASS pw", 530).await;
    assert!(refusal.text().contains("Too many sessions"), "{refusal:?}");
    first.expect("QUIT", 221).await;
    assert!(first.closed().await);
    // The slot comes back when the session has ended (just after its 221).
    let mut logged_in = false;
    for _ in 0..100 {
        second.expect("USER alice", 331).await;
        if second.command("PASS pw").await.code == 230 {
            logged_in = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(logged_in);
}

/// MLSD, MLST, STAT of a path and SITE CHMOD follow the account's rights like LIST and STOR do, and
/// MLSx `perm` facts show exactly the rights held (RFC 3659 §7.5.5).
#[tokio::test]
async fn machine_listings_status_and_perm_facts_follow_the_rights() {
    let users = account("reader", "pw", "/", false, &["read", "mkdir"])
        + &account("walker", "pw", "/", false, &[]);
    let (server, _dir, _) = start_with_users(&users, |_| {}).await;
    server.write("shared.txt", b"shared");
    std::fs::create_dir(server.path("sub")).unwrap();

    let mut reader = login(&server, "reader", "pw").await;
    let file = reader.expect("MLST shared.txt", 250).await;
    assert!(file.full_text().contains("perm=r;"), "{}", file.full_text());
    let dir = reader.expect("MLST sub", 250).await;
    assert!(dir.full_text().contains("perm=elm;"), "{}", dir.full_text());
    reader.expect("STAT shared.txt", 213).await;
    reader.expect("SITE CHMOD 600 shared.txt", 550).await;

    let mut walker = login(&server, "walker", "pw").await;
    walker.expect("MLST shared.txt", 550).await;
    walker.expect("MLSD", 550).await;
    walker.expect("STAT sub", 550).await;
    walker.expect("CWD sub", 250).await;
}

/// REIN drops the account with its rights and its jail: nothing it could do is left to the session.
#[tokio::test]
async fn rein_drops_the_account_its_rights_and_its_jail() {
    let users = account("alice", "pw", "/alice", true, &["read", "write", "mkdir"]);
    let (server, _dir, _) = start_with_users(&users, |_| {}).await;
    std::fs::create_dir(server.path("alice")).unwrap();
    let mut control = login(&server, "alice", "pw").await;
    control.expect("MKD made-by-alice", 257).await;
    control.expect("REIN", 220).await;
    control.expect("MKD after-rein", 530).await;
    control.expect("PWD", 530).await;
    control.expect("USER alice", 331).await;
    control.expect("PASS pw", 230).await;
    let pwd = control.expect("PWD", 257).await;
    assert!(pwd.text().starts_with("\"/\""), "{}", pwd.text());
    assert!(server.path("alice/made-by-alice").is_dir());
    assert!(!server.path("after-rein").exists() && !server.path("alice/after-rein").exists());
}
