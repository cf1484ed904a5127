//! `ftp-bench soak` through the library against this project's server in-process: a short seeded soak
//! is clean; and a "vandal" that truncates uploaded files and corrupts a download file on disk while
//! the soak runs, and leaves a temporary file behind (what a server that keeps partial files, serves
//! wrong bytes or forgets its temporaries would do) makes it report anomalies, so the checks can fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use ftp_bench::soak::health::Tolerance;
use ftp_bench::soak::{run, SoakConfig};
use ftp_bench::Target;
use ftp_testkit::TestServer;

fn config(server: &TestServer, seed: u64, sessions: u64) -> SoakConfig {
    SoakConfig {
        target: Target::parse(&server.url(""), false).unwrap(),
        root: server.root.path().to_path_buf(),
        sessions,
        duration: Duration::from_secs(120),
        seed,
        concurrency: 6,
        server_pid: None,
        max_size: 256 * 1024,
        settle: Duration::from_secs(5),
        tolerance: Tolerance {
            rss_bytes: 0,
            fds: 0,
        },
        timeout: Duration::from_secs(10),
        faults: true,
        label: "test".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_seeded_soak_against_our_server_finds_nothing() {
    let server = TestServer::start_with(|config| config.max_connections = 1000).await;
    let outcome = run(&config(&server, 11, 60)).await.unwrap();
    println!("{}", outcome.table);
    assert_eq!(outcome.anomalies, 0, "{}", outcome.table);
    assert!(outcome.table.contains("| sessions run"));
    assert!(!outcome
        .table
        .contains("uploads confirmed (226)         | 0 "));
}

/// Truncates every uploaded file it sees, flips a byte of download file 3 and leaves a temporary
/// file, until stopped.
async fn vandal(dir: &Path) {
    let mut corrupted_download = false;
    for _ in 0..2000 {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                if entry.file_name().to_string_lossy().starts_with('s') && len > 1 {
                    let file = std::fs::OpenOptions::new().write(true).open(entry.path());
                    if let Ok(file) = file {
                        let _ = file.set_len(len / 2);
                    }
                }
            }
        }
        if dir.is_dir() && !dir.join(".leftover.part").exists() {
            // What a server that forgets its temporary files leaves behind.
            std::fs::write(dir.join(".leftover.part"), b"half").unwrap();
        }
        let download = dir.join("dl/3.bin");
        if !corrupted_download {
            if let Ok(mut bytes) = std::fs::read(&download) {
                if bytes.len() > 10 {
                    bytes[10] ^= 0xFF;
                    std::fs::write(&download, bytes).unwrap();
                    corrupted_download = true;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_uploads_and_wrong_download_bytes_are_anomalies() {
    let server = TestServer::start_with(|config| config.max_connections = 1000).await;
    let mut config = config(&server, 12, 60);
    config.faults = false;
    let dir = server.path("soak-12");
    let vandal = tokio::spawn(async move { vandal(&dir).await });
    let outcome = run(&config).await.unwrap();
    vandal.abort();
    println!("{}", outcome.table);
    assert!(outcome.anomalies > 0, "{}", outcome.table);
    assert!(
        outcome.table.contains("match none of the"),
        "{}",
        outcome.table
    );
    assert!(
        outcome.table.contains("reported success"),
        "{}",
        outcome.table
    );
}

#[tokio::test]
async fn a_root_that_is_not_the_servers_directory_is_refused() {
    let server = TestServer::start().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let mut config = config(&server, 13, 1);
    config.root = elsewhere.path().to_path_buf();
    let error = run(&config).await.unwrap_err();
    assert!(error.to_string().contains("--root"), "{error}");
}
