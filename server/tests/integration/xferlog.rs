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

/// The fields of one line: the 5 words of the date, then the 13 others.
struct Fields {
    weekday: String,
    transfer_time: u64,
    remote_host: String,
    file_size: u64,
    filename: String,
    transfer_type: String,
    special_action: String,
    direction: String,
    access_mode: String,
    username: String,
    service: String,
    authentication: String,
    authenticated_user: String,
    completion: String,
}

fn fields(line: &str) -> Fields {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.len(), 18, "{line:?}");
    // `Www Mmm dd hh:mm:ss yyyy`
    assert_eq!(words[3].len(), 8, "{line:?}");
    assert!(words[4].parse::<u32>().unwrap() >= 2024, "{line:?}");
    Fields {
        weekday: words[0].to_string(),
        transfer_time: words[5].parse().unwrap(),
        remote_host: words[6].to_string(),
        file_size: words[7].parse().unwrap(),
        filename: words[8].to_string(),
        transfer_type: words[9].to_string(),
        special_action: words[10].to_string(),
        direction: words[11].to_string(),
        access_mode: words[12].to_string(),
        username: words[13].to_string(),
        service: words[14].to_string(),
        authentication: words[15].to_string(),
        authenticated_user: words[16].to_string(),
        completion: words[17].to_string(),
    }
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
    let retr = fields(&lines[0]);
    assert!(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].contains(&retr.weekday.as_str()));
    assert!(retr.transfer_time >= 1);
    assert_eq!(retr.remote_host, "127.0.0.1");
    assert_eq!(retr.file_size, 5);
    assert_eq!(retr.filename, "/hello.txt");
    assert_eq!(retr.transfer_type, "a");
    assert_eq!(retr.special_action, "_");
    assert_eq!(retr.direction, "o");
    assert_eq!(retr.access_mode, "a");
    assert_eq!(retr.username, "guest@example.com");
    assert_eq!(retr.service, "ftp");
    assert_eq!(retr.authentication, "0");
    assert_eq!(retr.authenticated_user, "*");
    assert_eq!(retr.completion, "c");

    let stor = fields(&lines[1]);
    assert_eq!(stor.file_size, 1000);
    assert_eq!(stor.filename, "/home/alice/my_file.bin");
    assert_eq!(stor.transfer_type, "b");
    assert_eq!(stor.direction, "i");
    assert_eq!(stor.access_mode, "r");
    assert_eq!(stor.username, "alice");
    assert_eq!(stor.completion, "c");

    let cut = fields(&lines[2]);
    assert_eq!(cut.filename, "/home/alice/cut.bin");
    assert_eq!(cut.direction, "i");
    assert_eq!(cut.completion, "i");
}
