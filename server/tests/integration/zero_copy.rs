//! Binary RETR of a local file goes through `sendfile(2)` (issue 10); these pin what it must keep:
//! exact bytes from every REST offset, TYPE A conversion (which keeps the buffered path), the buffered
//! path of a wrapped storage, ABOR in the middle of a long send, the stall limit, and exact bytes when
//! more downloads run at once than get a thread of their own. A binary STOR is spliced into its file:
//! the stall limit still holds there.

use rstest::rstest;

use ftp_testkit::{pattern, read_to_end, sparse_file, TestServer};

/// Larger than one `sendfile` chunk and not a multiple of any buffer size.
const SIZE: usize = 9 * 1024 * 1024 + 4321;

#[rstest]
#[case::start(0)]
#[case::middle(SIZE / 2 + 7)]
#[case::last_byte(SIZE - 1)]
#[case::end(SIZE)]
#[tokio::test]
async fn binary_retr_is_byte_exact_from_every_restart_offset(#[case] offset: usize) {
    let server = TestServer::start().await;
    let contents = pattern(SIZE);
    server.write("big.bin", &contents);
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let mut data = control.pasv().await;
    if offset > 0 {
        control.expect(&format!("REST {offset}"), 350).await;
    }
    let opening = control.expect("RETR big.bin", 150).await;
    let left = SIZE - offset;
    assert!(opening.text().ends_with(&format!("({left} bytes).")));
    let received = read_to_end(&mut data).await;
    assert_eq!(received.len(), left);
    assert!(received == contents[offset..], "bytes received differ");
    control.expect_reply(226).await;
    // The whole file once more in the same session: the restart offset was used up.
    let mut data = control.pasv().await;
    control.expect("RETR big.bin", 150).await;
    assert!(read_to_end(&mut data).await == contents);
    control.expect_reply(226).await;
}

#[tokio::test]
async fn ascii_retr_of_a_large_file_still_converts_line_ends() {
    let server = TestServer::start().await;
    let line = b"a line of text that is not short\n";
    let lines = 200_000;
    let contents: Vec<u8> = line.repeat(lines);
    server.write("text.txt", &contents);
    let mut control = server.login().await;
    control.expect("TYPE A", 200).await;
    let mut data = control.pasv().await;
    control.expect("RETR text.txt", 150).await;
    let received = read_to_end(&mut data).await;
    control.expect_reply(226).await;
    let expected = b"a line of text that is not short\r\n".repeat(lines);
    assert!(received == expected, "line ends converted to CRLF");
}

/// The fault-injecting storage hands out no descriptor: its files go through the buffered path, which
/// must give the same bytes.
#[tokio::test]
async fn binary_retr_through_a_wrapped_storage_is_byte_exact() {
    let server = TestServer::start_with(|config| {
        config.faults.fail_writes_after = Some((u64::MAX, std::io::ErrorKind::StorageFull));
    })
    .await;
    let contents = pattern(SIZE);
    server.write("big.bin", &contents);
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let mut data = control.pasv().await;
    control.expect("REST 1000", 350).await;
    control.expect("RETR big.bin", 150).await;
    assert!(read_to_end(&mut data).await == contents[1000..]);
    control.expect_reply(226).await;
}

#[tokio::test]
async fn abor_in_the_middle_of_a_sendfile_answers_426_then_226() {
    let server = TestServer::start().await;
    let size = 1024 * 1024 * 1024;
    sparse_file(&server.path("huge"), size);
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let mut data = control.pasv().await;
    control.expect("RETR huge", 150).await;
    // Take a few MiB, so that several `sendfile` calls have run, then abort while the client still
    // holds the data connection open (unread bytes pending).
    let mut some = vec![0u8; 4 * 1024 * 1024];
    tokio::io::AsyncReadExt::read_exact(&mut data, &mut some)
        .await
        .unwrap();
    assert!(some.iter().all(|&byte| byte == 0));
    control.send("ABOR").await;
    assert_eq!(
        control.expect_reply(426).await.text(),
        "Connection closed; transfer aborted."
    );
    control.expect_reply(226).await;
    let rest = read_to_end(&mut data).await;
    assert!(
        (rest.len() as u64) < size - some.len() as u64,
        "the data connection was closed early"
    );
    control.expect("NOOP", 200).await;
    // The session is still good for a whole transfer.
    server.write("small", b"after the abort");
    let mut data = control.pasv().await;
    control.expect("RETR small", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"after the abort");
    control.expect_reply(226).await;
}

/// A download larger than the socket's buffer is sent from a thread of its own, blocked in `sendfile`:
/// a client that stops reading still gets 426 at the stall limit, and the session goes on.
#[tokio::test]
async fn a_download_the_client_stops_reading_is_426_at_the_stall_limit() {
    let server =
        TestServer::start_with(|config| config.idle_timeout = std::time::Duration::from_secs(1))
            .await;
    sparse_file(&server.path("huge"), 1024 * 1024 * 1024);
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let data = control.pasv().await;
    control.expect("RETR huge", 150).await;
    assert_eq!(
        control.expect_reply(426).await.text(),
        "Connection closed; transfer aborted."
    );
    drop(data);
    control.expect("NOOP", 200).await;
}

/// More downloads at once than there are threads to send from (32): the rest are sent by the reactor,
/// and every client gets its file byte for byte. Each client waits until all have their 150, so that
/// every transfer is under way, its socket full, at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_downloads_at_once_than_sending_threads_are_all_byte_exact() {
    const CLIENTS: usize = 40;
    let server = TestServer::start().await;
    let contents = pattern(SIZE);
    server.write("file", &contents);
    let all_started = std::sync::Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let mut clients = tokio::task::JoinSet::new();
    for index in 0..CLIENTS {
        let mut control = server.login().await;
        let all_started = std::sync::Arc::clone(&all_started);
        clients.spawn(async move {
            control.expect("TYPE I", 200).await;
            let mut data = control.pasv().await;
            control.expect("RETR file", 150).await;
            all_started.wait().await;
            let received = read_to_end(&mut data).await;
            control.expect_reply(226).await;
            (index, received)
        });
    }
    while let Some(joined) = tokio::time::timeout(ftp_testkit::TIMEOUT, clients.join_next())
        .await
        .unwrap()
    {
        let (index, received) = joined.unwrap();
        assert!(received == contents, "client {index} got different bytes");
    }
}

/// A binary STOR is spliced into its file (issue 10): the stall limit still gives up on a client that
/// stops sending, and what it had sent is kept nowhere.
#[tokio::test]
async fn a_spliced_upload_that_stalls_is_426_and_leaves_nothing() {
    let server =
        TestServer::start_with(|config| config.idle_timeout = std::time::Duration::from_secs(1))
            .await;
    server.write("target.bin", b"old contents");
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let mut data = control.pasv().await;
    control.expect("STOR target.bin", 150).await;
    tokio::io::AsyncWriteExt::write_all(&mut data, &pattern(3 * 1024 * 1024 + 17))
        .await
        .unwrap();
    // Keep the data connection open, sending nothing more.
    assert_eq!(
        control.expect_reply(426).await.text(),
        "Connection closed; transfer aborted."
    );
    assert_eq!(
        std::fs::read(server.path("target.bin")).unwrap(),
        b"old contents"
    );
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 1);
    drop(data);
    control.expect("NOOP", 200).await;
}
