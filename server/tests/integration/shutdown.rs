//! Shutdown of the built binary on a signal (issue 8): accepting stops, idle sessions get 421, running
//! transfers get `--shutdown-grace`; one still running when it ends gets 426, and an upload cut so keeps
//! no partial file.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use ftp_testkit::{pattern, sparse_file, Control};

/// Starts the built server with `args` on `root`; returns it and its address.
fn spawn_server(root: &Path, args: &[&str]) -> (Child, std::net::SocketAddr) {
    let (child, addr) = ftp_testkit::spawn_listening(
        Command::cargo_bin("ftp-server")
            .unwrap()
            .args(["--port", "0", "-q", "--write", "--root"])
            .arg(root)
            .args(args)
            .stderr(Stdio::null()),
    );
    (child, addr.parse().unwrap())
}

async fn login(addr: std::net::SocketAddr) -> Control {
    let mut control = Control::connect(addr).await;
    control.expect_reply(220).await;
    control.expect("USER anonymous", 331).await;
    control.expect("PASS me@example.com", 230).await;
    control.expect("TYPE I", 200).await;
    control
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (bounded) for the server to exit; returns its exit code.
async fn exit_code(child: &mut Child) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if started.elapsed() > ftp_testkit::TIMEOUT {
            let _ = child.kill();
            panic!("the server did not exit after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The reply after a transfer's last one: 421, or the connection closed without it.
async fn closing(control: &mut Control) {
    if let Some(reply) = control.read_reply().await {
        assert_eq!(reply.code, 421, "{reply:?}");
    }
    assert!(control.closed().await);
}

#[tokio::test]
async fn sigterm_lets_a_slow_transfer_finish_within_the_grace_and_tells_idle_sessions() {
    let root = tempfile::tempdir().unwrap();
    let contents = pattern(8 * 1024 * 1024);
    std::fs::write(root.path().join("big"), &contents).unwrap();
    let (mut child, addr) = spawn_server(root.path(), &["--shutdown-grace", "30"]);
    let mut idle = login(addr).await;
    let mut busy = login(addr).await;
    let mut data = busy.pasv().await;
    busy.expect("RETR big", 150).await;
    let mut received = vec![0u8; 64 * 1024];
    data.read_exact(&mut received).await.unwrap();

    terminate(&child);
    assert_eq!(
        idle.expect_reply(421).await.text(),
        "Service not available, server shutting down."
    );
    assert!(idle.closed().await);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
    // A slow reader: a second of pauses, well within the grace period.
    let mut chunk = vec![0u8; 256 * 1024];
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let read = data.read(&mut chunk).await.unwrap();
        received.extend_from_slice(&chunk[..read]);
    }
    data.read_to_end(&mut received).await.unwrap();
    assert!(received == contents, "the running transfer completes");
    busy.expect_reply(226).await;
    closing(&mut busy).await;
    assert_eq!(exit_code(&mut child).await, Some(0));
}

#[tokio::test]
async fn transfers_still_running_when_the_grace_ends_get_426_and_an_upload_keeps_no_partial_file() {
    let root = tempfile::tempdir().unwrap();
    sparse_file(&root.path().join("huge"), 1024 * 1024 * 1024);
    std::fs::write(root.path().join("keep.txt"), b"old contents").unwrap();
    let (mut child, addr) = spawn_server(root.path(), &["--shutdown-grace", "1"]);

    // A download the client never reads, and an upload that stops sending: both stall.
    let mut reader = login(addr).await;
    let _stalled_download = reader.pasv().await;
    reader.expect("RETR huge", 150).await;
    let mut uploader = login(addr).await;
    let mut upload = uploader.pasv().await;
    uploader.expect("STOR keep.txt", 150).await;
    upload.write_all(&pattern(100_000)).await.unwrap();
    upload.flush().await.unwrap();
    let mut idle = login(addr).await;

    let started = Instant::now();
    terminate(&child);
    idle.expect_reply(421).await;
    assert_eq!(
        reader.expect_reply(426).await.text(),
        "Transfer aborted: server shutting down."
    );
    uploader.expect_reply(426).await;
    let cut_after = started.elapsed();
    eprintln!("stalled transfers cut with 426 {cut_after:?} after SIGTERM (grace 1 s)");
    assert!(cut_after >= Duration::from_millis(900), "{cut_after:?}");
    closing(&mut reader).await;
    closing(&mut uploader).await;
    assert_eq!(exit_code(&mut child).await, Some(0));

    assert_eq!(
        std::fs::read(root.path().join("keep.txt")).unwrap(),
        b"old contents",
        "the old file is intact"
    );
    let mut names: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["huge", "keep.txt"], "no partial upload left behind");
}

#[tokio::test]
async fn an_upload_of_a_new_name_cut_by_shutdown_leaves_no_file() {
    let root = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_server(root.path(), &["--shutdown-grace", "0"]);
    let mut uploader = login(addr).await;
    let mut upload = uploader.pasv().await;
    uploader.expect("STOR new.bin", 150).await;
    upload.write_all(&pattern(100_000)).await.unwrap();
    terminate(&child);
    uploader.expect_reply(426).await;
    closing(&mut uploader).await;
    assert_eq!(exit_code(&mut child).await, Some(0));
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
}
