//! The jail (every path stays under the root) and RFC 2577 (no bounce, no stolen data connections).

use std::time::Duration;

use rstest::rstest;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use ftp_testkit::{read_to_end, TestServer};

#[rstest]
#[case("CWD ../../..", "/")]
#[case("CWD /../../etc", "/etc")]
#[case("CWD ..", "/")]
#[case("CWD //sub//./", "/sub")]
#[case("CWD sub/../../..", "/")]
#[tokio::test]
async fn cwd_never_leaves_the_root(#[case] line: &str, #[case] expected: &str) {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("sub")).unwrap();
    std::fs::create_dir(server.path("etc")).unwrap();
    let mut control = server.login().await;
    control.command(line).await;
    assert_eq!(
        control.expect("PWD", 257).await.text(),
        format!("\"{expected}\" is the current directory.")
    );
}

#[tokio::test]
async fn dot_dot_paths_resolve_inside_the_root() {
    let server = TestServer::start().await;
    std::fs::create_dir_all(server.path("etc")).unwrap();
    server.write("etc/passwd", b"jailed copy");
    let mut control = server.login().await;
    for path in [
        "../../etc/passwd",
        "/../../../etc/passwd",
        "etc/../../etc/passwd",
    ] {
        let mut data = control.pasv().await;
        control.expect(&format!("RETR {path}"), 150).await;
        assert_eq!(read_to_end(&mut data).await, b"jailed copy", "{path}");
        control.expect_reply(226).await;
    }
    // Percent-looking names are names, not escapes.
    control.pasv().await;
    control.expect("RETR %2e%2e/%2e%2e/etc/passwd", 550).await;
    // Uploads with .. land inside the root too.
    let data = control.pasv().await;
    control.expect("STOR ../../../escaped.txt", 150).await;
    drop(data);
    control.expect_reply(226).await;
    assert!(server.path("escaped.txt").exists());
}

#[tokio::test]
async fn symlinks_pointing_outside_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"secret").unwrap();
    let server = TestServer::start().await;
    std::os::unix::fs::symlink(outside.path(), server.path("door")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), server.path("secret-link")).unwrap();
    let mut control = server.login().await;
    control.expect("CWD door", 550).await;
    control.pasv().await;
    control.expect("RETR secret-link", 550).await;
    control.expect("RETR door/secret", 550).await;
    control.expect("LIST door", 550).await;
    control.expect("STOR door/new", 550).await;
    control.expect("MKD door/new", 550).await;
    control.expect("SIZE secret-link", 550).await;
    assert!(!outside.path().join("new").exists());
    // Removing the link itself is fine; its target is untouched.
    control.expect("DELE secret-link", 250).await;
    assert!(outside.path().join("secret").exists());
}

#[tokio::test]
async fn non_utf8_names_round_trip() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    control.send_raw(b"MKD caf\xe9\r\n").await;
    assert_eq!(control.reply().await.code, 257);
    let name = std::ffi::OsStr::new("caf\u{fffd}");
    let raw = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9");
    assert!(server.path("").join(raw).is_dir() && !server.path("").join(name).exists());
    let mut data = control.pasv().await;
    control.expect("NLST", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"caf\xe9\r\n");
    control.expect_reply(226).await;
}

/// Nothing may connect to a listener on 127.0.0.2 (a third party) when the client is 127.0.0.1.
async fn assert_nothing_connects(listener: &TcpListener) {
    let accepted = tokio::time::timeout(Duration::from_millis(500), listener.accept()).await;
    assert!(accepted.is_err(), "the server connected to a third party");
}

#[tokio::test]
async fn port_and_eprt_to_a_third_party_are_refused() {
    let server = TestServer::start().await;
    server.write("f", b"x");
    let victim = TcpListener::bind("127.0.0.2:0").await.unwrap();
    let port = victim.local_addr().unwrap().port();
    let mut control = server.login().await;
    let [p1, p2] = port.to_be_bytes();
    control
        .expect(&format!("PORT 127,0,0,2,{p1},{p2}"), 500)
        .await;
    control.expect("RETR f", 425).await;
    control
        .expect(&format!("EPRT |1|127.0.0.2|{port}|"), 500)
        .await;
    control.expect("RETR f", 425).await;
    // A privileged port on the client's own address is refused too (RFC 2577 §3).
    control.expect("PORT 127,0,0,1,0,25", 500).await;
    assert_nothing_connects(&victim).await;
}

/// The server takes a connection that is already waiting straight from the listener, and waits on the
/// reactor for one that comes after the RETR: either way a thief who came first gets nothing.
#[rstest]
#[case::waiting_before_the_retr(true)]
#[case::coming_after_the_150(false)]
#[tokio::test]
async fn pasv_connections_from_another_address_are_dropped(#[case] before_the_retr: bool) {
    let server = TestServer::start().await;
    server.write("f", b"for the client only");
    let mut control = server.login().await;
    let reply = control.expect("PASV", 227).await;
    let addr = ftp_proto::hostport::decode_pasv_reply(&reply.text()).unwrap();
    if !before_the_retr {
        control.expect("RETR f", 150).await;
    }
    let mut thief = ftp_testkit::connect_from("127.0.0.2", addr.into())
        .await
        .unwrap();
    let mut data = ftp_testkit::connect_from("127.0.0.1", addr.into())
        .await
        .unwrap();
    if before_the_retr {
        control.expect("RETR f", 150).await;
    }
    assert_eq!(read_to_end(&mut data).await, b"for the client only");
    control.expect_reply(226).await;
    let mut stolen = Vec::new();
    // Dropped by the server: end-of-file or a reset, but never data.
    let _ = tokio::time::timeout(ftp_testkit::TIMEOUT, thief.read_to_end(&mut stolen))
        .await
        .unwrap();
    assert!(stolen.is_empty(), "the foreign connection got data");
}
