//! APPE (byte-exact, and whole or not at all), STOU (unique names, never replacing), SITE CHMOD.

use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;

use tokio::io::AsyncWriteExt;

use ftp_testkit::{pattern, Control, TestServer};

/// Sends `contents` for an upload command over PASV and returns the final reply's code.
async fn upload(control: &mut Control, line: &str, contents: &[u8]) -> (String, u16) {
    let mut data = control.pasv().await;
    let preliminary = control.expect(line, 150).await;
    data.write_all(contents).await.unwrap();
    drop(data);
    (preliminary.text().into_owned(), control.reply().await.code)
}

fn mode(server: &TestServer, name: &str) -> u32 {
    std::fs::metadata(server.path(name))
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[tokio::test]
async fn appe_appends_byte_exact_and_creates_a_missing_file() {
    let server = TestServer::start().await;
    let old = pattern(100_003);
    server.write("log.bin", &old);
    std::fs::set_permissions(server.path("log.bin"), PermissionsExt::from_mode(0o600)).unwrap();
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let more: Vec<u8> = pattern(1_000_000).into_iter().rev().collect();
    assert_eq!(upload(&mut control, "APPE log.bin", &more).await.1, 226);
    let expected = [old, more].concat();
    assert!(std::fs::read(server.path("log.bin")).unwrap() == expected);
    assert_eq!(
        mode(&server, "log.bin"),
        0o600,
        "the old file's mode is kept"
    );
    // RFC 959 §4.1.3 APPE: "if the file at the pathname does not already exist, a file shall be created".
    assert_eq!(upload(&mut control, "APPE new.bin", b"first").await.1, 226);
    assert_eq!(
        upload(&mut control, "APPE new.bin", b" second").await.1,
        226
    );
    assert_eq!(
        std::fs::read(server.path("new.bin")).unwrap(),
        b"first second"
    );
    // TYPE A converts line ends on the way in, after the old bytes.
    control.expect("TYPE A", 200).await;
    assert_eq!(
        upload(&mut control, "APPE new.bin", b"\r\nthird\r\n")
            .await
            .1,
        226
    );
    assert_eq!(
        std::fs::read(server.path("new.bin")).unwrap(),
        b"first second\nthird\n"
    );
    assert_eq!(
        std::fs::read_dir(server.root.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}

#[tokio::test]
async fn appe_refuses_what_cannot_be_appended_to() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("dir")).unwrap();
    server.write("a", b"x");
    std::os::unix::fs::symlink("a", server.path("link")).unwrap();
    let mut control = server.login().await;
    let _data = control.pasv().await;
    control.expect("APPE dir", 553).await;
    control.expect("APPE link", 550).await;
    control.expect("APPE nodir/x", 553).await;
    control.expect("REST 1", 350).await;
    // Uploads start at their beginning, as for STOR.
    control.expect("APPE a", 554).await;
    assert_eq!(std::fs::read(server.path("a")).unwrap(), b"x");
}

#[tokio::test]
async fn a_failed_appe_leaves_the_file_as_it_was() {
    let server = TestServer::start_with(|config| {
        config.faults.fail_writes_after = Some((150_000, ErrorKind::StorageFull))
    })
    .await;
    server.write("log", b"old contents");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("APPE log", 150).await;
    let _ = data.write_all(&pattern(1_000_000)).await;
    drop(data);
    control.expect_reply(452).await;
    assert_eq!(std::fs::read(server.path("log")).unwrap(), b"old contents");
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn an_aborted_appe_leaves_the_file_as_it_was() {
    let server = TestServer::start().await;
    server.write("log", b"old contents");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("APPE log", 150).await;
    data.write_all(&pattern(300_000)).await.unwrap();
    control.expect("ABOR", 426).await;
    control.expect_reply(226).await;
    assert_eq!(std::fs::read(server.path("log")).unwrap(), b"old contents");
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn stou_stores_under_new_names_it_announces() {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("in")).unwrap();
    let mut control = server.login().await;
    control.expect("CWD in", 250).await;
    let mut names = Vec::new();
    for contents in [&b"one"[..], b"two"] {
        let (preliminary, code) = upload(&mut control, "STOU", contents).await;
        assert_eq!(code, 226);
        // RFC 1123 §4.1.2.9: "150 FILE: pppp".
        let name = preliminary
            .strip_prefix("FILE: ")
            .unwrap_or_else(|| panic!("150 text {preliminary:?}"))
            .to_string();
        assert!(!name.contains('/') && !name.is_empty());
        assert_eq!(
            std::fs::read(server.path(&format!("in/{name}"))).unwrap(),
            contents
        );
        names.push(name);
    }
    assert_ne!(names[0], names[1]);
    assert_eq!(std::fs::read_dir(server.path("in")).unwrap().count(), 2);
}

#[tokio::test]
async fn read_only_sessions_cannot_stou_or_chmod() {
    let server = TestServer::start_with(|config| config.writable = false).await;
    server.write("a", b"x");
    std::fs::set_permissions(server.path("a"), PermissionsExt::from_mode(0o644)).unwrap();
    let mut control = server.login().await;
    let _data = control.pasv().await;
    control.expect("STOU", 550).await;
    control.expect("APPE a", 550).await;
    control.expect("SITE CHMOD 600 a", 550).await;
    assert_eq!(mode(&server, "a"), 0o644);
    let help = control.expect("SITE HELP", 214).await;
    assert!(!help.full_text().contains("CHMOD"));
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 1);
}

#[tokio::test]
async fn site_chmod_sets_permission_bits() {
    let server = TestServer::start().await;
    server.write("a", b"x");
    std::fs::create_dir(server.path("d")).unwrap();
    let mut control = server.login().await;
    let reply = control.expect("SITE CHMOD 600 a", 200).await;
    assert_eq!(reply.text(), "SITE CHMOD command ok.");
    assert_eq!(mode(&server, "a"), 0o600);
    control.expect("site chmod 0750 d", 200).await;
    assert_eq!(mode(&server, "d"), 0o750);
    control.expect("SITE CHMOD 4755 a", 501).await;
    control.expect("SITE CHMOD 644", 501).await;
    control.expect("SITE CHMOD 644 missing", 550).await;
    assert_eq!(mode(&server, "a"), 0o600);
    let help = control.expect("SITE HELP", 214).await;
    assert!(help.full_text().contains("CHMOD"));
}
