//! Regression for issue 15: a `get` the server refuses (550 on RETR) created an empty local file, because
//! the file was opened before the 150. Every way of running `get` (one-shot and shell, with and without
//! `-c`, passive and active) must leave no new file behind and an existing one untouched.

use assert_cmd::Command;
use ftp_client::error::exit;
use rstest::rstest;

use crate::support::{Background, TestServer};

/// How the `get` is run.
#[derive(Debug, Clone, Copy)]
enum Way {
    OneShot,
    Shell,
}

struct Run {
    server: TestServer,
    work: tempfile::TempDir,
    _background: Background,
}

impl Run {
    fn new() -> Run {
        let background = Background::new();
        let server = background.runtime.block_on(TestServer::start());
        Run {
            server,
            work: tempfile::tempdir().unwrap(),
            _background: background,
        }
    }

    /// Runs `get missing.bin [LOCAL]` the given way; the server has no `missing.bin`.
    fn get_missing(&self, way: Way, resume: bool, active: bool, local: Option<&str>) {
        let mut cmd = Command::cargo_bin("ftp-client").unwrap();
        cmd.current_dir(self.work.path())
            .env("HOME", self.work.path())
            .args(["--timeout", "20"])
            .timeout(std::time::Duration::from_secs(60));
        if active {
            cmd.arg("--active");
        }
        match way {
            Way::OneShot => {
                cmd.args(["get", &self.server.url("missing.bin")]);
                if resume {
                    cmd.arg("-c");
                }
                if let Some(local) = local {
                    cmd.args(["-o", local]);
                }
            }
            Way::Shell => {
                let flag = if resume { "-c " } else { "" };
                let target = local.map(|l| format!(" {l}")).unwrap_or_default();
                cmd.arg(self.server.url(""))
                    .write_stdin(format!("get {flag}missing.bin{target}\n"));
            }
        }
        cmd.assert().code(exit::NOT_FOUND);
    }
}

#[rstest]
fn a_refused_get_creates_no_local_file(
    #[values(Way::OneShot, Way::Shell)] way: Way,
    #[values(false, true)] resume: bool,
    #[values(false, true)] active: bool,
) {
    let run = Run::new();
    run.get_missing(way, resume, active, None);
    let left: Vec<_> = std::fs::read_dir(run.work.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "a failed get left {left:?} behind");
}

#[rstest]
fn a_refused_get_leaves_an_existing_local_file_untouched(
    #[values(Way::OneShot, Way::Shell)] way: Way,
    #[values(false, true)] resume: bool,
    #[values(false, true)] active: bool,
) {
    let run = Run::new();
    let kept = run.work.path().join("kept.bin");
    std::fs::write(&kept, b"precious local bytes").unwrap();
    let before = std::fs::metadata(&kept).unwrap().modified().unwrap();
    run.get_missing(way, resume, active, Some("kept.bin"));
    assert_eq!(std::fs::read(&kept).unwrap(), b"precious local bytes");
    assert_eq!(
        std::fs::metadata(&kept).unwrap().modified().unwrap(),
        before,
        "the file was not even opened for writing"
    );
}
