//! The binary's `mirror`, `get --segments`, `ls -l` and the shell's `mirror` against this project's
//! server: exit codes, output, and trees compared byte for byte.

use assert_cmd::Command;
use ftp_client::error::exit;
use ftp_server::ReadCut;
use predicates::prelude::*;

use crate::mirror::{seed_tree, snapshot};
use crate::support::{pattern, sha256, Background, TestServer};

fn cmd(work: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("ftp-client").unwrap();
    cmd.current_dir(work)
        .env("HOME", work)
        .args(["--timeout", "20"])
        .timeout(std::time::Duration::from_secs(120));
    cmd
}

#[test]
fn mirror_both_ways_dry_run_and_exit_codes() {
    let background = Background::new();
    let server = background.runtime.block_on(TestServer::start());
    seed_tree(&server.root.path().join("pub"));
    let work = tempfile::tempdir().unwrap();

    cmd(work.path())
        .args(["mirror", "--dry-run", &server.url("pub"), "copy"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "get a/b/c/deep.bin (300000 bytes)",
        ));
    assert!(!work.path().join("copy").exists());

    cmd(work.path())
        .args(["mirror", "--parallel", "4", &server.url("pub"), "copy"])
        .assert()
        .success();
    assert_eq!(
        snapshot(&work.path().join("copy")),
        snapshot(&server.root.path().join("pub"))
    );

    cmd(work.path())
        .args([
            "mirror",
            "-R",
            "--parallel",
            "4",
            "copy",
            &server.url("back"),
        ])
        .assert()
        .success();
    assert_eq!(
        snapshot(&server.root.path().join("back")),
        snapshot(&work.path().join("copy"))
    );

    // The shell's mirror, relative to its current directory.
    cmd(work.path())
        .arg(server.url(""))
        .write_stdin("cd pub\nmirror --only-newer --parallel 2 a shell-copy\n")
        .assert()
        .success();
    assert_eq!(
        snapshot(&work.path().join("shell-copy")),
        snapshot(&server.root.path().join("pub/a"))
    );

    cmd(work.path())
        .args(["mirror", &server.url("no-such-dir"), "x"])
        .assert()
        .code(exit::USAGE);
}

#[test]
fn an_incomplete_mirror_exits_with_the_transfer_code() {
    let background = Background::new();
    let server = background
        .runtime
        .block_on(TestServer::start_with(|config| {
            config.faults.cut_reads = Some(ReadCut::new(100_000, 1));
        }));
    seed_tree(&server.root.path().join("pub"));
    let work = tempfile::tempdir().unwrap();
    cmd(work.path())
        .args(["mirror", "--retries", "0", &server.url("pub"), "copy"])
        .assert()
        .code(exit::TRANSFER)
        .stderr(predicate::str::contains("1 of 36 paths did not make it"));
    // With retries (the fault used up), the same command completes.
    cmd(work.path())
        .args(["mirror", "--only-newer", &server.url("pub"), "copy"])
        .assert()
        .success();
    assert_eq!(
        snapshot(&work.path().join("copy")),
        snapshot(&server.root.path().join("pub"))
    );
}

#[test]
fn segmented_get_and_long_listing() {
    let background = Background::new();
    let server = background.runtime.block_on(TestServer::start());
    let data = pattern(3_000_001);
    std::fs::write(server.root.path().join("big.bin"), &data).unwrap();
    let work = tempfile::tempdir().unwrap();
    cmd(work.path())
        .args([
            "get",
            "--segments",
            "4",
            &server.url("big.bin"),
            "-o",
            "out.bin",
        ])
        .assert()
        .success();
    assert_eq!(
        sha256(&std::fs::read(work.path().join("out.bin")).unwrap()),
        sha256(&data)
    );
    cmd(work.path())
        .args(["ls", "-l", &server.url("")])
        .assert()
        .success()
        .stdout(
            predicate::str::is_match(
                r"(?m)^-rw-r--r--\s+3000001 \d{4}-\d\d-\d\d \d\d:\d\d big\.bin$",
            )
            .unwrap(),
        );
}
