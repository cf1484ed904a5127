//! `--xferlog`: one line per file transfer, read back and split into the xferlog format's fields.

use std::path::Path;
use std::time::Duration;

use ftp_testkit::{read_to_end, TestServer};
use tokio::io::AsyncWriteExt;

use crate::accounts::account;

/// The log's lines once there are `count` of them (the writer task appends them a moment after the
/// 226), within a bounded wait.
async fn lines(path: &Path, count: usize) -> Vec<String> {
    for _ in 0..200 {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() >= count {
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the transfer log never had {count} lines");
}

/// The 13 fields after the date (`Www Mmm dd hh:mm:ss yyyy`, 5 words, checked here): transfer-time
/// remote-host file-size filename transfer-type special-action-flag direction access-mode username
/// service-name authentication-method authenticated-user-id completion-status.
fn fields(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.len(), 18, "{line:?}");
    assert!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&words[0]));
    assert_eq!(words[3].len(), 8, "{line:?}");
    assert!(words[4].parse::<u32>().unwrap() >= 2024, "{line:?}");
    let transfer_time: u64 = words[5].parse().unwrap();
    assert!(transfer_time >= 1, "{line:?}");
    words[5..].iter().map(|word| word.to_string()).collect()
}

#[tokio::test]
async fn each_file_transfer_is_one_line_in_the_xferlog_format() {
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("xferlog");
    let users = logs.path().join("users.toml");
    std::fs::write(
        &users,
        account("alice", "pw", "/home/alice", true, &["read", "write"]),
    )
    .unwrap();
    let (log_path, users_path) = (log.clone(), users.clone());
    let server = TestServer::start_with(move |config| {
        config.xferlog = Some(log_path);
        config.users_file = Some(users_path);
        config.anonymous = true;
    })
    .await;
    std::fs::create_dir_all(server.path("home/alice")).unwrap();
    server.write("hello.txt", b"hello");

    // 1: the guest downloads in ASCII; a listing is not logged.
    let mut guest = server.login().await;
    let mut data = guest.pasv().await;
    guest.expect("LIST", 150).await;
    read_to_end(&mut data).await;
    guest.expect_reply(226).await;
    guest.expect("TYPE A", 200).await;
    let mut data = guest.pasv().await;
    guest.expect("RETR hello.txt", 150).await;
    assert_eq!(read_to_end(&mut data).await, b"hello");
    guest.expect_reply(226).await;

    // 2: alice, jailed to her home, uploads: the file is named as it is under the root.
    let mut alice = server.connect().await;
    alice.expect("USER alice", 331).await;
    alice.expect("PASS pw", 230).await;
    let mut data = alice.pasv().await;
    alice.expect("STOR my file.bin", 150).await;
    data.write_all(&[7u8; 1000]).await.unwrap();
    drop(data);
    alice.expect_reply(226).await;

    // 3: an upload cut short by ABOR is logged as incomplete.
    let mut data = alice.pasv().await;
    alice.expect("STOR cut.bin", 150).await;
    data.write_all(b"partial").await.unwrap();
    alice.expect("ABOR", 426).await;
    alice.expect_reply(226).await;

    let lines = lines(&log, 3).await;
    assert_eq!(lines.len(), 3, "{lines:#?}");
    // transfer-time is checked by `fields`; the rest, field by field.
    let expected = [
        "127.0.0.1 5 /hello.txt a _ o a guest@example.com ftp 0 * c",
        "127.0.0.1 1000 /home/alice/my_file.bin b _ i r alice ftp 0 * c",
        "127.0.0.1 0-7 /home/alice/cut.bin b _ i r alice ftp 0 * i",
    ];
    for (line, expected) in lines.iter().zip(expected) {
        let mut fields = fields(line)[1..].to_vec();
        // How much of the aborted upload the server had read before ABOR depends on timing.
        if expected.contains(" 0-7 ") && fields[1].parse::<u64>().unwrap() <= 7 {
            fields[1] = "0-7".to_string();
        }
        assert_eq!(fields.join(" "), expected, "{line}");
    }
}
