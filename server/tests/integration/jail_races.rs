//! Issue 8's reproductions: the jail against renames and symlink swaps that race with a command.
//!
//! The root holds a real directory `d/` and a symlink `out` to a directory outside the root, as real
//! mirrors do. A second session (or a local process) swaps `d` and `out` while the first one works on
//! `d/...`; whatever the interleaving, no outside byte may be read, listed, moved, deleted or created.
//! The loops are bounded in time and iterations; each prints how many rounds it managed
//! (`cargo test -- --nocapture` shows them).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use ftp_testkit::{read_to_end, Control, TestServer};

/// How long each race loop runs.
const RACE_FOR: Duration = Duration::from_millis(1500);
/// The most rounds a race loop runs, so that a fast machine stops early too.
const MAX_ROUNDS: u64 = 5000;

const OUTSIDE: &[u8] = b"OUTSIDE BYTES";
const INSIDE: &[u8] = b"inside bytes";

/// A writable server whose root holds `d/` (with `victim.txt` and `f`) and `out -> <outside dir>`; the
/// outside directory holds files of the same names with other contents.
struct Fixture {
    server: TestServer,
    outside: TempDir,
}

impl Fixture {
    async fn new() -> Fixture {
        let server = TestServer::start().await;
        let outside = tempfile::tempdir().unwrap();
        for name in ["victim.txt", "f", "outside-only.txt"] {
            std::fs::write(outside.path().join(name), OUTSIDE).unwrap();
        }
        std::fs::create_dir(server.path("d")).unwrap();
        for name in ["victim.txt", "f", "inside-only.txt"] {
            server.write(&format!("d/{name}"), INSIDE);
        }
        std::os::unix::fs::symlink(outside.path(), server.path("out")).unwrap();
        Fixture { server, outside }
    }

    /// Every file under the outside directory with its contents (directories as empty entries).
    fn outside_now(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(self.outside.path())
    }
}

/// Every entry under `dir` (not following links), with a file's contents.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut seen = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = path.strip_prefix(dir).unwrap().display().to_string();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(path);
                seen.insert(name, Vec::new());
            } else if kind.is_file() {
                seen.insert(name, std::fs::read(&path).unwrap());
            } else {
                seen.insert(name, b"(link)".to_vec());
            }
        }
    }
    seen
}

/// Session B's move: `d` and `out` trade places with RNFR/RNTO only, then trade back.
async fn swap_twice(control: &mut Control) {
    for (from, to) in [("d", "d2"), ("out", "d"), ("d", "out"), ("d2", "d")] {
        control.expect(&format!("RNFR {from}"), 350).await;
        control.expect(&format!("RNTO {to}"), 250).await;
    }
}

/// Session B swapping in a loop until stopped.
struct Swapper {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<u64>,
}

impl Swapper {
    fn start(fixture: &Fixture) -> Swapper {
        let addr = fixture.server.addr;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut control = Control::connect(addr).await;
            control.expect_reply(220).await;
            control.expect("USER anonymous", 331).await;
            control.expect("PASS swapper@", 230).await;
            let mut swaps = 0;
            while !stopped.load(Ordering::Relaxed) {
                swap_twice(&mut control).await;
                swaps += 2;
            }
            swaps
        });
        Swapper { stop, task }
    }

    /// Stops the loop (leaving `d` the directory again); the number of swaps made.
    async fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let swaps = self.task.await.unwrap();
        assert!(swaps > 0, "the swapper never ran");
        swaps
    }
}

/// The budget of a race loop: [`RACE_FOR`] or [`MAX_ROUNDS`], whichever ends first.
struct Rounds {
    started: Instant,
    done: u64,
}

impl Rounds {
    fn new() -> Rounds {
        Rounds {
            started: Instant::now(),
            done: 0,
        }
    }

    fn next(&mut self) -> Option<u64> {
        if self.started.elapsed() >= RACE_FOR || self.done >= MAX_ROUNDS {
            return None;
        }
        self.done += 1;
        Some(self.done - 1)
    }
}

#[tokio::test]
async fn rnfr_then_a_swapped_directory_cannot_bring_an_outside_file_in() {
    let fixture = Fixture::new().await;
    let before = fixture.outside_now();
    let mut a = fixture.server.login().await;
    let mut b = fixture.server.login().await;
    a.expect("RNFR d/victim.txt", 350).await;
    for (from, to) in [("d", "d2"), ("out", "d")] {
        b.expect(&format!("RNFR {from}"), 350).await;
        b.expect(&format!("RNTO {to}"), 250).await;
    }
    // `d` now leads outside: RNTO resolves the RNFR name again, and refuses.
    a.expect("RNTO stolen.txt", 550).await;
    assert!(!fixture.server.path("stolen.txt").exists());
    assert_eq!(fixture.outside_now(), before);
}

#[tokio::test]
async fn list_reads_the_directory_it_checked_even_if_it_is_swapped_before_the_connection() {
    let fixture = Fixture::new().await;
    let mut a = fixture.server.login().await;
    let mut b = fixture.server.login().await;
    let reply = a.expect("PASV", 227).await;
    let addr = ftp_proto::hostport::decode_pasv_reply(&reply.text()).unwrap();
    a.expect("LIST d", 150).await;
    for (from, to) in [("d", "d2"), ("out", "d")] {
        b.expect(&format!("RNFR {from}"), 350).await;
        b.expect(&format!("RNTO {to}"), 250).await;
    }
    let mut data = TcpStream::connect(addr).await.unwrap();
    let listing = String::from_utf8(read_to_end(&mut data).await).unwrap();
    a.expect_reply(226).await;
    assert!(listing.contains("inside-only.txt"), "{listing}");
    assert!(!listing.contains("outside-only.txt"), "{listing}");
    // And asked now, `d` is the link out: refused.
    a.pasv().await;
    a.expect("LIST d", 550).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retr_racing_a_swap_never_reads_outside() {
    let fixture = Fixture::new().await;
    let mut a = fixture.server.login().await;
    let (mut served, mut refused) = (0, 0);
    let swapper = Swapper::start(&fixture);
    let mut rounds = Rounds::new();
    while rounds.next().is_some() {
        let mut data = a.pasv().await;
        let reply = a.command("RETR d/f").await;
        match reply.code {
            150 => {
                let bytes = read_to_end(&mut data).await;
                assert_eq!(bytes, INSIDE, "read outside bytes");
                a.expect_reply(226).await;
                served += 1;
            }
            550 => refused += 1,
            _ => panic!("RETR d/f -> {reply:?}"),
        }
    }
    let swaps = swapper.stop().await;
    eprintln!(
        "race RETR: {} rounds ({served} served, {refused} refused) against {swaps} swaps",
        rounds.done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dele_racing_a_swap_never_deletes_outside() {
    let fixture = Fixture::new().await;
    for i in 0..MAX_ROUNDS {
        std::fs::write(fixture.outside.path().join(format!("g{i}")), OUTSIDE).unwrap();
        fixture.server.write(&format!("d/g{i}"), INSIDE);
    }
    let before = fixture.outside_now();
    let mut a = fixture.server.login().await;
    let mut deleted = 0;
    let swapper = Swapper::start(&fixture);
    let mut rounds = Rounds::new();
    while let Some(i) = rounds.next() {
        let reply = a.command(&format!("DELE d/g{i}")).await;
        match reply.code {
            250 => deleted += 1,
            550 => {}
            _ => panic!("DELE -> {reply:?}"),
        }
    }
    let swaps = swapper.stop().await;
    assert_eq!(fixture.outside_now(), before, "an outside file was deleted");
    eprintln!(
        "race DELE: {} rounds ({deleted} deleted inside) against {swaps} swaps",
        rounds.done
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mkd_racing_a_swap_never_creates_outside() {
    let fixture = Fixture::new().await;
    let before = fixture.outside_now();
    let mut a = fixture.server.login().await;
    let swapper = Swapper::start(&fixture);
    let mut rounds = Rounds::new();
    while let Some(i) = rounds.next() {
        let reply = a.command(&format!("MKD d/m{i}")).await;
        assert!(matches!(reply.code, 257 | 550), "MKD -> {reply:?}");
    }
    let swaps = swapper.stop().await;
    eprintln!("race MKD: {} rounds against {swaps} swaps", rounds.done);
    assert_eq!(
        fixture.outside_now(),
        before,
        "a directory was created outside"
    );
}

/// One STOR of `d/s{i}`: 226, or a refusal (550 outside, 553 while `d` is missing).
async fn stor_round(a: &mut Control, i: u64) {
    let mut data = a.pasv().await;
    let reply = a.command(&format!("STOR d/s{i}")).await;
    match reply.code {
        150 => {
            data.write_all(INSIDE).await.unwrap();
            drop(data);
            a.expect_reply(226).await;
        }
        550 | 553 => {}
        _ => panic!("STOR -> {reply:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stor_racing_a_swap_never_writes_outside() {
    let fixture = Fixture::new().await;
    let before = fixture.outside_now();
    let mut a = fixture.server.login().await;
    let swapper = Swapper::start(&fixture);
    let mut rounds = Rounds::new();
    while let Some(i) = rounds.next() {
        stor_round(&mut a, i).await;
    }
    let swaps = swapper.stop().await;
    eprintln!("race STOR: {} rounds against {swaps} swaps", rounds.done);
    assert_eq!(fixture.outside_now(), before, "a file was written outside");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stor_racing_a_local_rename_exchange_never_writes_outside_or_leaves_anything() {
    let fixture = Fixture::new().await;
    let before = fixture.outside_now();
    let root = std::fs::File::open(fixture.server.root.path()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    // A local user swapping `d` and `out` atomically, as fast as the kernel allows.
    let swapper = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut swaps = 0u64;
            while !stop.load(Ordering::Relaxed) {
                rustix::fs::renameat_with(
                    &root,
                    "d",
                    &root,
                    "out",
                    rustix::fs::RenameFlags::EXCHANGE,
                )
                .unwrap();
                swaps += 1;
            }
            // Leave `d` as the directory again.
            if swaps % 2 == 1 {
                rustix::fs::renameat_with(
                    &root,
                    "d",
                    &root,
                    "out",
                    rustix::fs::RenameFlags::EXCHANGE,
                )
                .unwrap();
            }
            swaps
        })
    };
    let mut a = fixture.server.login().await;
    let mut rounds = Rounds::new();
    while let Some(i) = rounds.next() {
        stor_round(&mut a, i).await;
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    eprintln!(
        "race STOR vs renameat2(RENAME_EXCHANGE): {} rounds against {swaps} swaps",
        rounds.done
    );
    assert_eq!(fixture.outside_now(), before, "a file was written outside");
    // Nothing but the uploads and the original files: no temporary left anywhere.
    for name in snapshot(&fixture.server.path("d")).keys() {
        assert!(
            name.starts_with('s')
                || ["victim.txt", "f", "inside-only.txt"].contains(&name.as_str()),
            "left behind: {name}"
        );
    }
}
