//! `mirror` and `pget` against this project's server in-process, over real TCP: trees both ways with
//! four sessions, `--only-newer`, `--delete`, `--dry-run`, resume after injected broken downloads,
//! and segmented downloads, all compared byte for byte.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use ftp_client::connect::Login;
use ftp_client::mirror::{mirror, Direction, MirrorSpec, PlanOptions, Report};
use ftp_server::ReadCut;

use crate::support::{options, pattern, sha256, TestServer};

/// Every directory (as `None`) and file (its SHA-256) under `root`, by relative path.
pub fn snapshot(root: &Path) -> BTreeMap<String, Option<String>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                out.insert(relative, None);
                pending.push(path);
            } else {
                out.insert(relative, Some(sha256(&std::fs::read(&path).unwrap())));
            }
        }
    }
    out
}

/// A tree of nested directories with files of assorted sizes (empty, small, over a chunk), names
/// with spaces included.
pub fn seed_tree(root: &Path) {
    let files: &[(&str, usize)] = &[
        ("top.txt", 1_000),
        ("empty", 0),
        ("big.bin", 1_500_000),
        ("a/one.bin", 70_000),
        ("a/two words.txt", 12),
        ("a/b/c/deep.bin", 300_000),
        ("a/b/c/d/deeper.bin", 5),
        ("x/y/z.bin", 65_536),
    ];
    for (index, (path, len)) in files.iter().enumerate() {
        let target = root.join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut data = pattern(*len);
        // Each file different, so a mix-up shows.
        if let Some(first) = data.first_mut() {
            *first = index as u8;
        }
        std::fs::write(target, data).unwrap();
    }
    std::fs::create_dir_all(root.join("empty dir/inner")).unwrap();
    for index in 0..20 {
        std::fs::write(
            root.join(format!("x/many-{index:02}")),
            pattern(index * 997),
        )
        .unwrap();
    }
}

fn login(server: &TestServer) -> Login {
    Login {
        host: "127.0.0.1".into(),
        port: server.addr.port(),
        user: "anonymous".into(),
        password: "test@".into(),
        options: options(),
    }
}

fn spec(direction: Direction, remote: &str, local: &Path) -> MirrorSpec {
    MirrorSpec {
        direction,
        remote: remote.into(),
        local: local.to_path_buf(),
        parallel: 4,
        options: PlanOptions::default(),
        dry_run: false,
        retries: 3,
    }
}

async fn run(server: &TestServer, spec: &MirrorSpec) -> Report {
    mirror(&login(server), spec, Arc::new(|_| {}))
        .await
        .unwrap()
}

#[tokio::test]
async fn download_with_four_sessions_then_only_newer_copies_nothing() {
    let server = TestServer::start().await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    let into = local.path().join("pub");
    let first = run(&server, &spec(Direction::Download, "pub", &into)).await;
    assert!(first.is_complete(), "{:?}", first.failures);
    assert_eq!(first.copied, 28);
    assert_eq!(snapshot(&into), snapshot(&server.root.path().join("pub")));

    let mut again = spec(Direction::Download, "pub", &into);
    again.options.only_newer = true;
    let second = run(&server, &again).await;
    assert_eq!((second.copied, second.bytes), (0, 0));
    assert_eq!(second.plan.up_to_date, 28);

    // A changed remote file (new size) is the one copied next time.
    std::fs::write(server.root.path().join("pub/a/one.bin"), b"changed").unwrap();
    let third = run(&server, &again).await;
    assert_eq!(third.copied, 1);
    assert_eq!(std::fs::read(into.join("a/one.bin")).unwrap(), b"changed");
}

#[tokio::test]
async fn upload_with_four_sessions_into_a_new_directory_then_only_newer_copies_nothing() {
    let server = TestServer::start().await;
    let local = tempfile::tempdir().unwrap();
    seed_tree(local.path());
    let first = run(&server, &spec(Direction::Upload, "up/site", local.path())).await;
    assert!(first.is_complete(), "{:?}", first.failures);
    assert_eq!(first.copied, 28);
    assert_eq!(
        snapshot(&server.root.path().join("up/site")),
        snapshot(local.path())
    );

    let mut again = spec(Direction::Upload, "up/site", local.path());
    again.options.only_newer = true;
    let second = run(&server, &again).await;
    assert_eq!(second.copied, 0, "{:?}", second.plan.copies);
}

#[tokio::test]
async fn delete_removes_the_destinations_extras_and_only_with_delete() {
    let server = TestServer::start().await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("stray/dir")).unwrap();
    std::fs::write(local.path().join("stray/dir/f"), b"x").unwrap();
    std::fs::write(local.path().join("extra.txt"), b"x").unwrap();

    let mut keep = spec(Direction::Download, "pub", local.path());
    keep.options.only_newer = true;
    run(&server, &keep).await;
    assert!(local.path().join("extra.txt").exists());

    let mut delete = keep.clone();
    delete.options.delete = true;
    let report = run(&server, &delete).await;
    assert_eq!(report.deleted, 4, "{:?}", report.plan);
    assert_eq!(
        snapshot(local.path()),
        snapshot(&server.root.path().join("pub"))
    );

    // Upload side: a remote extra goes too.
    std::fs::write(server.root.path().join("pub/remote-only"), b"x").unwrap();
    let mut up = spec(Direction::Upload, "pub", local.path());
    up.options = PlanOptions {
        only_newer: true,
        delete: true,
    };
    let report = run(&server, &up).await;
    assert_eq!((report.deleted, report.copied), (1, 0));
    assert!(!server.root.path().join("pub/remote-only").exists());
}

#[tokio::test]
async fn dry_run_plans_but_changes_nothing() {
    let server = TestServer::start().await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("extra.txt"), b"x").unwrap();
    let before = snapshot(local.path());
    let mut dry = spec(Direction::Download, "pub", local.path());
    dry.dry_run = true;
    dry.options.delete = true;
    let report = run(&server, &dry).await;
    assert_eq!(report.plan.copies.len(), 28);
    assert_eq!(report.plan.delete_files, ["extra.txt"]);
    assert_eq!(report.copied, 0);
    assert_eq!(snapshot(local.path()), before);

    let remote_before = snapshot(server.root.path());
    let mut dry_up = spec(Direction::Upload, "pub", local.path());
    dry_up.dry_run = true;
    dry_up.options.delete = true;
    let report = run(&server, &dry_up).await;
    assert!(!report.plan.delete_files.is_empty());
    assert_eq!(snapshot(server.root.path()), remote_before);
}

/// The server breaks the first three downloads after 100 kB (a read error ends the transfer early):
/// each broken file is retried, resumed with REST, and the tree still arrives byte for byte.
#[tokio::test]
async fn broken_downloads_are_retried_and_resumed() {
    let server = TestServer::start_with(|config| {
        config.faults.cut_reads = Some(ReadCut::new(100_000, 3));
    })
    .await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    let report = run(&server, &spec(Direction::Download, "pub", local.path())).await;
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(report.retries, 3);
    assert_eq!(
        snapshot(local.path()),
        snapshot(&server.root.path().join("pub"))
    );
    // Resumed, not restarted: the successful attempts moved all but the three 100 kB heads that
    // the broken attempts had already written (restarting would move the whole tree).
    assert_eq!(report.bytes, report.plan.bytes() - 300_000);
}

/// The same fault with no retries allowed: the mirror reports the broken files, it does not pass.
#[tokio::test]
async fn without_retries_a_broken_download_is_a_failure() {
    let server = TestServer::start_with(|config| {
        config.faults.cut_reads = Some(ReadCut::new(100_000, 1));
    })
    .await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    let mut no_retry = spec(Direction::Download, "pub", local.path());
    no_retry.retries = 0;
    let report = run(&server, &no_retry).await;
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(!report.is_complete());
}

/// The server takes three sessions from one address and answers 421 to more: with the main session
/// and four workers, two workers are turned away; they retry with backoff, or (without retries) hand
/// their files back to the workers that got in. Every file arrives either way. With room for the main
/// session only, no worker gets in and the mirror fails.
#[tokio::test]
async fn sessions_refused_with_421_are_retried() {
    let server = TestServer::start_with(|config| config.max_per_ip = 3).await;
    seed_tree(&server.root.path().join("pub"));
    let local = tempfile::tempdir().unwrap();
    let mut busy = spec(Direction::Download, "pub", local.path());
    busy.retries = 5;
    let report = run(&server, &busy).await;
    assert!(report.is_complete(), "{:?}", report.failures);
    assert!(report.retries >= 2, "{} retries", report.retries);
    assert_eq!(
        snapshot(local.path()),
        snapshot(&server.root.path().join("pub"))
    );

    let other = tempfile::tempdir().unwrap();
    let mut no_retry = spec(Direction::Download, "pub", other.path());
    no_retry.retries = 0;
    let report = run(&server, &no_retry).await;
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(
        snapshot(other.path()),
        snapshot(&server.root.path().join("pub"))
    );

    let full = TestServer::start_with(|config| config.max_per_ip = 1).await;
    seed_tree(&full.root.path().join("pub"));
    let nowhere = tempfile::tempdir().unwrap();
    let mut no_room = spec(Direction::Download, "pub", nowhere.path());
    no_room.retries = 0;
    let report = run(&full, &no_room).await;
    assert_eq!(report.failures.len(), 28, "{:?}", report.failures);
}

#[tokio::test]
async fn segmented_get_is_byte_exact() {
    let server = TestServer::start().await;
    let data = pattern(5_000_003);
    std::fs::write(server.root.path().join("big.bin"), &data).unwrap();
    std::fs::write(server.root.path().join("tiny.bin"), b"ab").unwrap();
    std::fs::write(server.root.path().join("empty.bin"), b"").unwrap();
    let local = tempfile::tempdir().unwrap();
    for (name, segments) in [
        ("big.bin", 4),
        ("big.bin", 7),
        ("tiny.bin", 4),
        ("empty.bin", 3),
    ] {
        let out = local.path().join(format!("{name}.{segments}"));
        // A stale longer file must not leave a tail.
        std::fs::write(&out, vec![b'!'; 6_000_000]).unwrap();
        let size = ftp_client::pget::get_segmented(
            &login(&server),
            name,
            &out,
            segments,
            Arc::new(|_, _| {}),
        )
        .await
        .unwrap();
        let want = std::fs::read(server.root.path().join(name)).unwrap();
        assert_eq!(size, want.len() as u64);
        assert_eq!(
            sha256(&std::fs::read(&out).unwrap()),
            sha256(&want),
            "{name} in {segments}"
        );
    }
}

/// A segment whose download breaks fails the whole `pget`: no silently wrong file.
#[tokio::test]
async fn a_broken_segment_fails_the_segmented_get() {
    let server = TestServer::start_with(|config| {
        config.faults.cut_reads = Some(ReadCut::new(10_000, 1));
    })
    .await;
    std::fs::write(server.root.path().join("big.bin"), pattern(2_000_000)).unwrap();
    let local = tempfile::tempdir().unwrap();
    let out = local.path().join("big.bin");
    let result =
        ftp_client::pget::get_segmented(&login(&server), "big.bin", &out, 4, Arc::new(|_, _| {}))
            .await;
    assert!(result.is_err());
}
