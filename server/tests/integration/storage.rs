//! What the storage layer promises beyond the jail (issue 8): special files are refused at once, uploads
//! are anonymous until complete, links that stay inside work, and a large directory streams.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use ftp_testkit::{read_to_end, TestServer};

/// A reply that must come quickly: nothing here may wait on a FIFO's other end.
const PROMPT: Duration = Duration::from_secs(3);

#[tokio::test]
async fn retr_of_a_fifo_or_socket_is_550_at_once_and_the_server_goes_on() {
    let server = TestServer::start().await;
    rustix::fs::mknodat(
        rustix::fs::CWD,
        server.path("fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(server.path("socket")).unwrap();
    server.write("plain", b"plain bytes");
    let mut control = server.login().await;
    // Many in a row: each used to hold a blocking thread forever.
    for round in 0..40 {
        let name = if round % 2 == 0 { "fifo" } else { "socket" };
        control.send(&format!("RETR {name}")).await;
        let reply = tokio::time::timeout(PROMPT, control.reply())
            .await
            .unwrap_or_else(|_| panic!("RETR {name} did not answer"));
        assert_eq!(reply.code, 550, "{reply:?}");
    }
    control.expect("SIZE fifo", 550).await;
    let mut data = control.pasv().await;
    control.expect("RETR plain", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"plain bytes");
    control.expect_reply(226).await;
}

#[tokio::test]
async fn a_255_byte_name_stores_and_a_256_byte_one_is_553() {
    let server = TestServer::start().await;
    let mut control = server.login().await;
    let name = "n".repeat(255);
    let mut data = control.pasv().await;
    control.expect(&format!("STOR {name}"), 150).await;
    data.write_all(b"long name").await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert_eq!(std::fs::read(server.path(&name)).unwrap(), b"long name");
    control.pasv().await;
    control
        .expect(&format!("STOR {}", "n".repeat(256)), 553)
        .await;
}

#[tokio::test]
async fn an_upload_in_progress_has_no_name_and_no_prefix_hides_a_file() {
    let server = TestServer::start().await;
    let mut uploader = server.login().await;
    let mut lister = server.login().await;
    let mut data = uploader.pasv().await;
    uploader.expect("STOR big.bin", 150).await;
    data.write_all(&vec![7u8; 256 * 1024]).await.unwrap();
    // Mid-upload: nothing in the directory, not even a dotfile.
    let mut listing = lister.pasv().await;
    lister.expect("NLST -a", 150).await;
    assert_eq!(read_to_end(&mut listing).await, b"");
    lister.expect_reply(226).await;
    assert_eq!(std::fs::read_dir(server.root.path()).unwrap().count(), 0);
    drop(data);
    uploader.expect_reply(226).await;
    // The old temporary-name prefix is an ordinary name now, listed like any other dotfile.
    let data = uploader.pasv().await;
    uploader.expect("STOR .ftp-upload.hidden", 150).await;
    drop(data);
    uploader.expect_reply(226).await;
    let mut listing = lister.pasv().await;
    lister.expect("NLST -a", 150).await;
    assert_eq!(
        read_to_end(&mut listing).await,
        b".ftp-upload.hidden\r\nbig.bin\r\n"
    );
    lister.expect_reply(226).await;
}

#[tokio::test]
async fn symlinks_that_stay_inside_the_root_still_work() {
    let server = TestServer::start().await;
    std::fs::create_dir_all(server.path("pub/releases/v2")).unwrap();
    server.write("pub/releases/v2/file", b"v2 bytes");
    std::os::unix::fs::symlink("releases/v2", server.path("pub/latest")).unwrap();
    std::os::unix::fs::symlink("../../pub", server.path("pub/releases/up")).unwrap();
    let mut control = server.login().await;
    control.expect("CWD pub/latest", 250).await;
    control.expect("CWD /", 250).await;
    control.expect("SIZE pub/latest/file", 213).await;
    let mut data = control.pasv().await;
    control
        .expect("RETR pub/releases/up/latest/file", 150)
        .await;
    assert_eq!(read_to_end(&mut data).await, b"v2 bytes");
    control.expect_reply(226).await;
    let mut data = control.pasv().await;
    control.expect("NLST pub/latest", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"file\r\n");
    control.expect_reply(226).await;
    let mut data = control.pasv().await;
    control.expect("STOR pub/latest/new", 150).await;
    data.write_all(b"through the link").await.unwrap();
    drop(data);
    control.expect_reply(226).await;
    assert_eq!(
        std::fs::read(server.path("pub/releases/v2/new")).unwrap(),
        b"through the link"
    );
}

#[tokio::test]
async fn a_large_directory_is_listed_completely() {
    // Over twenty times the size that is still sorted, so most of it streams batch by batch.
    const ENTRIES: usize = 20_000;
    // Creating 20,000 files on a busy disk takes seconds; in memory (tmpfs) it takes a fraction.
    let root = tempfile::tempdir_in("/dev/shm").unwrap_or_else(|_| tempfile::tempdir().unwrap());
    let many = root.path().join("many");
    std::fs::create_dir(&many).unwrap();
    let expected: BTreeSet<String> = (0..ENTRIES).map(|i| format!("entry-{i:05}")).collect();
    for name in &expected {
        std::fs::File::create(many.join(name)).unwrap();
    }
    let server = TestServer::start_with(|config| config.root = root.path().to_path_buf()).await;
    let mut control = server.login().await;
    let mut data = control.pasv().await;
    control.expect("NLST many", 150).await;
    let names = String::from_utf8(read_to_end(&mut data).await).unwrap();
    control.expect_reply(226).await;
    let lines: Vec<&str> = names.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), ENTRIES);
    assert_eq!(
        lines
            .iter()
            .map(|line| line.to_string())
            .collect::<BTreeSet<_>>(),
        expected
    );
    let mut data = control.pasv().await;
    control.expect("LIST many", 150).await;
    let listing = String::from_utf8(read_to_end(&mut data).await).unwrap();
    control.expect_reply(226).await;
    let mut listed = BTreeSet::new();
    for line in listing.split_terminator("\r\n") {
        assert!(line.starts_with("-rw"), "{line}");
        listed.insert(line.rsplit(' ').next().unwrap().to_string());
    }
    assert_eq!(listed, expected);
}
