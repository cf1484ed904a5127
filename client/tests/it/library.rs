//! The library against this project's server, in-process: every command, both data modes, byte-exact
//! transfers of 0 bytes and 8 MiB + 1, resume, and the failures a user meets.

use ftp_client::{DataMode, Error, Options};
use rstest::rstest;

use crate::support::{options, pattern, sha256, ClientOf, TestServer};

fn mode_options(mode: DataMode) -> Options {
    Options { mode, ..options() }
}

#[rstest]
#[case::passive(DataMode::Passive)]
#[case::active(DataMode::Active)]
#[tokio::test]
async fn put_then_get_is_byte_exact(
    #[case] mode: DataMode,
    #[values(0, 8 * 1024 * 1024 + 1)] len: usize,
) {
    let server = TestServer::start().await;
    let mut client = server.client_with(mode_options(mode)).await;
    let work = tempfile::tempdir().unwrap();
    let data = pattern(len);
    let source = work.path().join("source.bin");
    std::fs::write(&source, &data).unwrap();

    let mut last = None;
    let sent = client
        .put_file(&source, "up.bin", &mut |p| last = Some(p.done))
        .await
        .unwrap();
    assert_eq!(sent, len as u64);
    assert_eq!(
        sha256(&std::fs::read(server.root.path().join("up.bin")).unwrap()),
        sha256(&data)
    );
    if len > 0 {
        assert_eq!(last, Some(len as u64), "progress reaches the end");
    }

    let target = work.path().join("back.bin");
    let done = client
        .get_file("up.bin", &target, false, &mut |_| {})
        .await
        .unwrap();
    assert_eq!((done.offset, done.received), (0, len as u64));
    assert_eq!(sha256(&std::fs::read(&target).unwrap()), sha256(&data));
    assert_eq!(client.size("up.bin").await.unwrap(), len as u64);
    client.quit().await.unwrap();
}

#[rstest]
#[case::passive(DataMode::Passive)]
#[case::active(DataMode::Active)]
#[tokio::test]
async fn directory_round_trip(#[case] mode: DataMode) {
    let server = TestServer::start().await;
    let mut client = server.client_with(mode_options(mode)).await;
    assert_eq!(client.pwd().await.unwrap(), "/");
    assert_eq!(client.mkdir("outer").await.unwrap(), "/outer");
    client.cwd("outer").await.unwrap();
    assert_eq!(client.pwd().await.unwrap(), "/outer");
    client.mkdir("inner").await.unwrap();
    let mut source = &b"hello"[..];
    client
        .store("note.txt", &mut source, Some(5), &mut |_| {})
        .await
        .unwrap();
    let mut names = client.nlst(None).await.unwrap();
    names.sort();
    assert_eq!(names, ["inner", "note.txt"]);
    let listing = client.list(None).await.unwrap();
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with('d') && l.ends_with(" inner")),
        "{listing}"
    );
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with('-') && l.ends_with(" note.txt")),
        "{listing}"
    );
    client.rename("note.txt", "renamed.txt").await.unwrap();
    let mut out = Vec::new();
    client
        .retrieve("renamed.txt", &mut out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(out, b"hello");
    client.delete("renamed.txt").await.unwrap();
    client.rmdir("inner").await.unwrap();
    client.cdup().await.unwrap();
    assert_eq!(client.pwd().await.unwrap(), "/");
    client.rmdir("outer").await.unwrap();
    assert!(client.nlst(None).await.unwrap().is_empty());
    assert!(!server.root.path().join("outer").exists());
    client.quit().await.unwrap();
}

#[tokio::test]
async fn resume_after_a_cut_uses_rest_and_is_byte_exact() {
    let server = TestServer::start().await;
    let data = pattern(3 * 1024 * 1024 + 7);
    std::fs::write(server.root.path().join("big.bin"), &data).unwrap();
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("big.bin");
    // What a cut download leaves behind: the first part of the file.
    let cut = 1_234_567;
    std::fs::write(&target, &data[..cut]).unwrap();

    let mut client = server.client_with(options()).await;
    let mut first_progress = None;
    let done = client
        .get_file("big.bin", &target, true, &mut |p| {
            first_progress.get_or_insert(p.done);
        })
        .await
        .unwrap();
    assert_eq!(done.offset, cut as u64, "the server accepted REST");
    assert_eq!(done.received, (data.len() - cut) as u64);
    assert!(
        first_progress.unwrap() > cut as u64,
        "progress counts the resumed part"
    );
    assert_eq!(sha256(&std::fs::read(&target).unwrap()), sha256(&data));

    // A second `get -c` on a complete file moves nothing.
    let again = client
        .get_file("big.bin", &target, true, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(again.received, 0);
}

#[tokio::test]
async fn feat_lists_the_extensions() {
    let server = TestServer::start().await;
    let mut client = server.client_with(options()).await;
    let features = client.feat().await.unwrap();
    for wanted in ["EPSV", "EPRT", "SIZE", "REST STREAM"] {
        assert!(
            features.iter().any(|f| f == wanted),
            "{wanted} in {features:?}"
        );
    }
    client.noop().await.unwrap();
}

#[tokio::test]
async fn a_missing_file_or_directory_is_not_found() {
    let server = TestServer::start().await;
    let mut client = server.client_with(options()).await;
    let work = tempfile::tempdir().unwrap();
    let error = client
        .get_file("missing.bin", &work.path().join("m"), false, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotFound { path, reply } if path == "missing.bin" && reply.code == 550),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), ftp_client::error::exit::NOT_FOUND);
    for error in [
        client.cwd("nowhere").await.unwrap_err(),
        client.delete("nothing").await.unwrap_err(),
        client.rmdir("nothing").await.unwrap_err(),
        client.size("nothing").await.unwrap_err(),
    ] {
        assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    }
    // The session is still usable afterwards.
    assert_eq!(client.pwd().await.unwrap(), "/");
}

#[tokio::test]
async fn a_non_anonymous_user_is_denied() {
    let server = TestServer::start().await;
    let mut client = ftp_client::Client::connect("127.0.0.1", server.addr.port(), options())
        .await
        .unwrap();
    let error = client.login("alice", "wrong-password").await.unwrap_err();
    assert!(
        matches!(&error, Error::LoginDenied(reply) if reply.code == 530),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), ftp_client::error::exit::LOGIN);
}

#[tokio::test]
async fn an_upload_the_server_cannot_store_is_a_transfer_failure() {
    let root = tempfile::tempdir().unwrap();
    let mut config = ftp_server::Config::new(root.path());
    config.writable = true;
    config.faults.fail_writes_after = Some((100_000, std::io::ErrorKind::StorageFull));
    let server = ftp_server::Server::bind("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let port = server.local_addr().unwrap().port();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    let mut client = ftp_client::Client::connect("127.0.0.1", port, options())
        .await
        .unwrap();
    client.login("anonymous", "x").await.unwrap();
    let data = pattern(1024 * 1024);
    let error = client
        .store("full.bin", &mut &data[..], None, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transfer { reason, .. } if reason.contains("452")),
        "{error}"
    );
    assert_eq!(error.exit_code(), ftp_client::error::exit::TRANSFER);
    // The control connection is still in step.
    assert_eq!(client.pwd().await.unwrap(), "/");
}

#[tokio::test]
async fn ascii_mode_uses_local_line_ends() {
    let server = TestServer::start().await;
    let mut client = server.client_with(options()).await;
    client.set_transfer_type(ftp_client::TransferType::Ascii);
    let text = b"one\ntwo\n\nthree";
    client
        .store("t.txt", &mut &text[..], None, &mut |_| {})
        .await
        .unwrap();
    // The server stores text with its own (LF) line ends.
    assert_eq!(
        std::fs::read(server.root.path().join("t.txt")).unwrap(),
        text
    );
    let mut out = Vec::new();
    client
        .retrieve("t.txt", &mut out, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(out, text);
}

/// Whole files in TYPE A take the buffered path (TYPE I uploads use `sendfile`): text larger than
/// one 1 MiB buffer, with line ends on every buffer boundary, comes back as it was.
#[tokio::test]
async fn ascii_mode_put_file_and_get_file_round_trip_across_buffers() {
    let server = TestServer::start().await;
    let mut client = server.client_with(options()).await;
    client.set_transfer_type(ftp_client::TransferType::Ascii);
    let text: Vec<u8> = (0..30_000)
        .flat_map(|line: usize| {
            let mut bytes = vec![b'0' + (line % 10) as u8; line % 150];
            bytes.push(b'\n');
            bytes
        })
        .collect();
    assert!(text.len() > 2 * 1024 * 1024, "{}", text.len());
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("t.txt");
    std::fs::write(&source, &text).unwrap();
    let sent = client
        .put_file(&source, "t.txt", &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        sent,
        (text.len() + bytecount(&text, b'\n')) as u64,
        "CRLF on the wire"
    );
    assert_eq!(
        sha256(&std::fs::read(server.root.path().join("t.txt")).unwrap()),
        sha256(&text)
    );
    let back = work.path().join("back.txt");
    client
        .get_file("t.txt", &back, false, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(sha256(&std::fs::read(&back).unwrap()), sha256(&text));
}

fn bytecount(bytes: &[u8], wanted: u8) -> usize {
    bytes.iter().filter(|byte| **byte == wanted).count()
}
