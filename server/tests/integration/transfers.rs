//! RETR and STOR: byte-exact round trips in both modes, one-shot data plans, REST, TYPE A, ABOR, QUIT.

use rstest::rstest;
use tokio::io::AsyncWriteExt;

use ftp_testkit::{accept, pattern, read_to_end, sparse_file, TestServer};

#[rstest]
#[case::empty(0)]
#[case::one_byte(1)]
#[case::odd_size(65_537)]
#[case::eight_mib(8 * 1024 * 1024)]
#[tokio::test]
async fn stor_then_retr_is_byte_exact(#[case] size: usize, #[values(false, true)] passive: bool) {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    control.expect("TYPE I", 200).await;
    let contents = pattern(size);

    let mut data = if passive {
        let data = control.pasv().await;
        control.expect("STOR upload.bin", 150).await;
        data
    } else {
        let listener = control.port().await;
        control.expect("STOR upload.bin", 150).await;
        accept(&listener).await
    };
    data.write_all(&contents).await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert!(
        std::fs::read(server.path("upload.bin")).unwrap() == contents,
        "bytes on disk differ"
    );

    let mut data = if passive {
        let data = control.pasv().await;
        control.expect("RETR upload.bin", 150).await;
        data
    } else {
        let listener = control.port().await;
        control.expect("RETR upload.bin", 150).await;
        accept(&listener).await
    };
    assert!(
        read_to_end(&mut data).await == contents,
        "bytes received differ"
    );
    control.expect_reply(226).await;
}

#[tokio::test]
async fn port_and_pasv_are_one_shot() {
    let server = TestServer::start().await;
    server.write("f", b"data");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("RETR f", 150).await;
    read_to_end(&mut data).await;
    control.expect_reply(226).await;
    control.expect("RETR f", 425).await;

    let listener = control.port().await;
    control.expect("RETR f", 150).await;
    read_to_end(&mut accept(&listener).await).await;
    control.expect_reply(226).await;
    control.expect("RETR f", 425).await;
    control.expect("LIST", 425).await;
    control.expect("STOR g", 425).await;
    assert!(!server.path("g").exists());
}

#[tokio::test]
async fn a_second_pasv_closes_the_first_listener() {
    let server = TestServer::start().await;
    server.write("f", b"second");
    let mut control = server.login().await;
    let first = control.expect("PASV", 227).await;
    let first = ftp_proto::hostport::decode_pasv_reply(&first.text()).unwrap();
    let mut data = control.pasv().await;
    let refused = tokio::net::TcpStream::connect(first).await;
    assert!(refused.is_err(), "the first PASV listener must be closed");
    control.expect("RETR f", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"second");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn rest_resumes_a_download() {
    let server = TestServer::start().await;
    let contents = pattern(100_000);
    server.write("f", &contents);
    let mut control = server.login().await;
    control.expect("REST 40000", 350).await;
    let mut data = control.pasv().await;
    let opening = control.expect("RETR f", 150).await;
    assert!(opening.text().ends_with("(60000 bytes)."), "{opening:?}");
    assert!(read_to_end(&mut data).await == contents[40_000..]);
    control.expect_reply(226).await;
    // The offset applies once.
    let mut data = control.pasv().await;
    control.expect("RETR f", 150).await;
    assert_eq!(read_to_end(&mut data).await.len(), 100_000);
    control.expect_reply(226).await;
    control.expect("REST 100001", 350).await;
    control.pasv().await;
    control.expect("RETR f", 554).await;
}

/// Regression (issue 8): a REST offset applies to the next transfer command only (RFC 3659 §5.3), and a
/// listing is one. `REST 100`, `LIST`, `RETR f` started RETR at byte 100.
#[tokio::test]
async fn rest_offset_does_not_survive_a_listing() {
    let server = TestServer::start().await;
    let contents = pattern(1000);
    server.write("f", &contents);
    let mut control = server.login().await;
    control.expect("REST 100", 350).await;
    let mut data = control.pasv().await;
    control.expect("LIST", 150).await;
    read_to_end(&mut data).await;
    control.expect_reply(226).await;
    let mut data = control.pasv().await;
    let opening = control.expect("RETR f", 150).await;
    assert!(opening.text().ends_with("(1000 bytes)."), "{opening:?}");
    assert!(read_to_end(&mut data).await == contents);
    control.expect_reply(226).await;

    // NLST uses the offset up too.
    control.expect("REST 100", 350).await;
    let mut data = control.pasv().await;
    control.expect("NLST", 150).await;
    read_to_end(&mut data).await;
    control.expect_reply(226).await;
    let mut data = control.pasv().await;
    control.expect("RETR f", 150).await;
    assert_eq!(read_to_end(&mut data).await.len(), 1000);
    control.expect_reply(226).await;

    // Commands that move no data do not: clients send REST before or after PASV and TYPE.
    control.expect("REST 100", 350).await;
    control.expect("TYPE I", 200).await;
    let mut data = control.pasv().await;
    let opening = control.expect("RETR f", 150).await;
    assert!(opening.text().ends_with("(900 bytes)."), "{opening:?}");
    assert!(read_to_end(&mut data).await == contents[100..]);
    control.expect_reply(226).await;
}

#[tokio::test]
async fn type_a_converts_line_ends_both_ways() {
    let server = TestServer::start().await;
    server.write("unix.txt", b"one\ntwo\r\nthree\n");
    let mut control = server.login().await;
    control.expect("TYPE A", 200).await;
    let mut data = control.pasv().await;
    let opening = control.expect("RETR unix.txt", 150).await;
    assert!(
        opening.text().starts_with("Opening ASCII mode"),
        "{opening:?}"
    );
    assert_eq!(read_to_end(&mut data).await, b"one\r\ntwo\r\nthree\r\n");
    control.expect_reply(226).await;

    let mut data = control.pasv().await;
    control.expect("STOR dos.txt", 150).await;
    data.write_all(b"a\r\nb\r\n").await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert_eq!(std::fs::read(server.path("dos.txt")).unwrap(), b"a\nb\n");
}

#[tokio::test]
async fn abor_idle_and_mid_transfer() {
    let server = TestServer::start().await;
    sparse_file(&server.path("big"), 256 * 1024 * 1024);
    let mut control = server.login().await;
    control.expect("ABOR", 225).await;

    let mut data = control.pasv().await;
    control.expect("RETR big", 150).await;
    // Read a little so the transfer is surely under way, then abort it.
    let mut first = [0u8; 1024];
    tokio::io::AsyncReadExt::read_exact(&mut data, &mut first)
        .await
        .unwrap();
    control.send("ABOR").await;
    assert_eq!(
        control.expect_reply(426).await.text(),
        "Connection closed; transfer aborted."
    );
    control.expect_reply(226).await;
    let rest = read_to_end(&mut data).await;
    assert!(
        rest.len() < 256 * 1024 * 1024 - 1024,
        "the data connection was closed early"
    );
    control.expect("NOOP", 200).await;
}

#[tokio::test]
async fn an_aborted_upload_never_destroys_the_existing_file() {
    let server = TestServer::start().await;
    server.write("precious.txt", b"original");
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("STOR precious.txt", 150).await;
    data.write_all(&pattern(100_000)).await.unwrap();
    control.send("ABOR").await;
    control.expect_reply(426).await;
    control.expect_reply(226).await;
    assert_eq!(
        std::fs::read(server.path("precious.txt")).unwrap(),
        b"original"
    );
    let names: Vec<_> = std::fs::read_dir(server.root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no partial upload left behind: {names:?}");
}

#[tokio::test]
async fn quit_mid_transfer_answers_and_closes_the_data_connection() {
    let server = TestServer::start().await;
    sparse_file(&server.path("big"), 256 * 1024 * 1024);
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("RETR big", 150).await;
    control.send("QUIT").await;
    let goodbye = control.expect_reply(221).await;
    assert_eq!(goodbye.text(), "Goodbye.");
    assert!(control.closed().await);
    let received = read_to_end(&mut data).await;
    assert!(
        received.len() < 256 * 1024 * 1024,
        "the data connection was closed, not completed"
    );
}

#[tokio::test]
async fn commands_during_a_transfer_are_ignored_except_abor_quit_and_stat() {
    let server = TestServer::start().await;
    let contents = pattern(32 * 1024 * 1024);
    server.write("big", &contents);
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("RETR big", 150).await;
    // The client is not reading, so the transfer stalls; these must get no reply at all.
    control.send("NOOP").await;
    control.send("PWD").await;
    control.send("FROB").await;
    control.send("REIN").await;
    assert!(
        control
            .silent_for(std::time::Duration::from_millis(300))
            .await
    );
    // RFC 959 §4.1.3 STAT: "If this command is given during a file transfer, the server replies with
    // the status of the transfer." The one exemption besides ABOR and QUIT.
    let status = control.expect("STAT", 213).await;
    let text = status.text();
    let bytes: u64 = text
        .strip_prefix("Transferring /big: ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("progress line: {text:?}"));
    assert!(bytes <= contents.len() as u64);
    assert!(read_to_end(&mut data).await == contents);
    control.expect_reply(226).await;
    // The next reply belongs to this SYST: the ignored commands were never answered, and the
    // ignored REIN left the session logged in.
    assert_eq!(control.command("SYST").await.code, 215);
    control.expect("PWD", 257).await;
}
