//! Every error reply of a transfer, provoked for real: 425, 426, 451, 452, 552, 550, 553.

use std::io::ErrorKind;

use rstest::rstest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use ftp_testkit::{pattern, read_to_end, sparse_file, TestServer};

#[tokio::test]
async fn no_port_or_pasv_is_425_without_150() {
    let server = TestServer::start().await;
    server.write("f", b"x");
    let mut control = server.login().await;
    assert_eq!(
        control.expect("RETR f", 425).await.text(),
        "Use PORT or PASV first."
    );
}

#[tokio::test]
async fn active_mode_sends_150_before_connecting_and_425_when_the_port_is_closed() {
    let server = TestServer::start().await;
    server.write("f", b"x");
    let mut control = server.login().await;
    // Reserve a port, then close it so that nothing listens there.
    let (listener, addr) = ftp_testkit::port_listener().await;
    drop(listener);
    control
        .expect(
            &format!("PORT {}", ftp_proto::hostport::encode_port(addr)),
            200,
        )
        .await;
    control.expect("RETR f", 150).await;
    assert_eq!(
        control.expect_reply(425).await.text(),
        "Can't open data connection."
    );
    control.expect("RETR f", 425).await;
}

#[tokio::test]
async fn pasv_nobody_connects_is_425_after_the_data_timeout() {
    let server =
        TestServer::start_with(|config| config.data_timeout = std::time::Duration::from_secs(1))
            .await;
    server.write("f", b"x");
    let mut control = server.login().await;
    control.expect("PASV", 227).await;
    control.expect("RETR f", 150).await;
    control.expect_reply(425).await;
}

#[tokio::test]
async fn client_closing_the_data_connection_mid_retr_is_426() {
    let server = TestServer::start().await;
    sparse_file(&server.path("big"), 512 * 1024 * 1024);
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("RETR big", 150).await;
    let mut some = vec![0u8; 4096];
    data.read_exact(&mut some).await.unwrap();
    // Closing with unread data pending makes the kernel reset the connection.
    drop(data);
    assert_eq!(
        control.expect_reply(426).await.text(),
        "Connection closed; transfer aborted."
    );
    control.expect("NOOP", 200).await;
    control.expect("RETR big", 425).await;
}

#[tokio::test]
async fn a_file_that_fails_mid_read_is_451_and_the_data_connection_is_closed() {
    let server = TestServer::start().await;
    let size = 64 * 1024 * 1024;
    sparse_file(&server.path("shrinking"), size);
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    let opening = control.expect("RETR shrinking", 150).await;
    assert!(opening.text().ends_with(&format!("({size} bytes).")));
    // The client has not read anything, so the server holds at most a few socket buffers' worth:
    // cutting the file now makes its next read end early, a real read failure mid-transfer.
    std::fs::File::options()
        .write(true)
        .open(server.path("shrinking"))
        .unwrap()
        .set_len(1024)
        .unwrap();
    let received = read_to_end(&mut data).await;
    assert!(
        (received.len() as u64) < size,
        "the data connection closed early"
    );
    let reply = control.expect_reply(451).await;
    assert_eq!(
        reply.text(),
        "Requested action aborted: local error in processing."
    );
    control.expect("NOOP", 200).await;
}

#[rstest]
#[case::disk_full(ErrorKind::StorageFull, 452, "Insufficient storage space.")]
#[case::too_large(ErrorKind::FileTooLarge, 552, "Exceeded storage allocation.")]
#[tokio::test]
async fn storage_failures_mid_upload(
    #[case] fault: ErrorKind,
    #[case] code: u16,
    #[case] text: &str,
) {
    let server =
        TestServer::start_with(|config| config.faults.fail_writes_after = Some((100_000, fault)))
            .await;
    server.write("existing", b"still here");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("STOR existing", 150).await;
    // The server stops reading when the fault fires, so the write may fail: that is fine.
    let _ = data.write_all(&pattern(1_000_000)).await;
    drop(data);
    let reply = control.expect_reply(code).await;
    assert_eq!(reply.text(), text);
    assert_eq!(
        std::fs::read(server.path("existing")).unwrap(),
        b"still here"
    );
    assert_eq!(
        std::fs::read_dir(server.root.path()).unwrap().count(),
        1,
        "partial upload removed"
    );
}

#[rstest]
#[case::missing("RETR missing", 550)]
#[case::directory("RETR sub", 550)]
#[case::outside_root("RETR ../../../../etc/passwd", 550)]
#[case::stor_into_missing_dir("STOR nodir/x", 553)]
#[case::stor_onto_a_directory("STOR sub", 553)]
#[case::stor_onto_the_root("STOR /", 553)]
#[tokio::test]
async fn refused_before_any_data_moves(#[case] line: &str, #[case] code: u16) {
    let server = TestServer::start().await;
    std::fs::create_dir(server.path("sub")).unwrap();
    let mut control = server.login().await;
    control.expect("PASV", 227).await;
    control.expect(line, code).await;
}

#[tokio::test]
async fn a_long_upload_can_be_followed_by_a_listing_in_the_same_session() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("STOR a.bin", 150).await;
    data.write_all(&pattern(3_000_000)).await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    let mut data = control.pasv().await;
    control.expect("NLST", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"a.bin\r\n");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn a_transfer_the_client_stops_reading_is_given_up_with_426() {
    let server =
        TestServer::start_with(|config| config.idle_timeout = std::time::Duration::from_secs(1))
            .await;
    sparse_file(&server.path("big"), 256 * 1024 * 1024);
    let mut control = server.login().await;
    let _data = control.pasv().await;
    control.expect("RETR big", 150).await;
    let reply = control.expect_reply(426).await;
    assert_eq!(reply.text(), "Connection closed; transfer aborted.");
    control.expect("NOOP", 200).await;
}
