//! Carrying out a mirror [`Plan`](super::Plan): directories first, then the copies from one queue by
//! `parallel` workers ([`super::worker`], each with its own session opened by [`Login::open`]), then
//! deletions.

use std::collections::VecDeque;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use tokio::task::JoinSet;

use super::plan::{plan, Copy};
use super::tree::{remote_join, scan_local, scan_remote};
use super::worker::{local_path, Worker};
use super::{Direction, Event, MirrorSpec, Observer, Report};
use crate::client::Client;
use crate::connect::Login;
use crate::error::{Error, Result};

/// Mirrors as `spec` says, on sessions opened with `login`. Fails only when the trees cannot be read
/// or the plan cannot start; per-file failures are in the report.
pub async fn mirror(login: &Login, spec: &MirrorSpec, observer: Observer) -> Result<Report> {
    let mut main = login.open().await?;
    let style = main.listing_style().await?;
    let (source, destination) = match spec.direction {
        Direction::Download => (
            scan_remote(&mut main, &spec.remote, style, true).await?,
            scan_local(&spec.local).await?,
        ),
        Direction::Upload => (
            scan_local(&spec.local).await?,
            scan_remote(&mut main, &spec.remote, style, spec.options.only_newer).await?,
        ),
    };
    if !source.exists {
        let _ = main.quit().await;
        return Err(Error::Usage(format!(
            "the source directory {} does not exist",
            match spec.direction {
                Direction::Download => spec.remote.clone(),
                Direction::Upload => spec.local.display().to_string(),
            }
        )));
    }
    let mut report = Report {
        plan: plan(&source.tree, &destination.tree, spec.options),
        skipped: source.skipped,
        ..Report::default()
    };
    for conflict in &report.plan.conflicts {
        report.failures.push((
            conflict.clone(),
            "a file on one side, a directory on the other".into(),
        ));
    }
    observer(Event::Planned {
        files: report.plan.copies.len(),
        bytes: report.plan.bytes(),
    });
    if spec.dry_run {
        let _ = main.quit().await;
        return Ok(report);
    }
    let dirs = report.plan.make_dirs.clone();
    make_dirs(&mut main, spec, destination.exists, &dirs, &mut report).await;
    let copies = report.plan.copies.clone();
    copy_all(login, spec, copies, &observer, &mut report).await;
    if !report.plan.delete_files.is_empty() || !report.plan.remove_dirs.is_empty() {
        // The main session idled through the copies; a server may have dropped it.
        if main.noop().await.is_err() {
            main = login.open().await?;
        }
        delete_extras(&mut main, spec, &observer, &mut report).await;
    }
    let _ = main.quit().await;
    Ok(report)
}

/// Creates the destination root (when missing) and the planned directories, parents first.
async fn make_dirs(
    main: &mut Client,
    spec: &MirrorSpec,
    root_exists: bool,
    dirs: &[String],
    report: &mut Report,
) {
    let mut to_make: Vec<String> = Vec::new();
    if !root_exists {
        to_make.push(String::new());
    }
    to_make.extend(dirs.iter().cloned());
    for dir in to_make {
        let outcome = match spec.direction {
            Direction::Download => std::fs::create_dir_all(local_path(&spec.local, &dir))
                .map_err(|error| Error::local(local_path(&spec.local, &dir), error)),
            Direction::Upload if dir.is_empty() => make_remote_path(main, &spec.remote).await,
            Direction::Upload => main.mkdir(&remote_join(&spec.remote, &dir)).await.map(drop),
        };
        if let Err(error) = outcome {
            report.failures.push((dir, error.to_string()));
        }
    }
}

/// MKD of each missing component of `path` (`a`, `a/b`, ...); existing ones answer 550, ignored.
async fn make_remote_path(main: &mut Client, path: &str) -> Result<()> {
    let mut made = String::from(if path.starts_with('/') { "/" } else { "" });
    let mut last = Ok(());
    for part in path.split('/').filter(|part| !part.is_empty()) {
        made = remote_join(&made, part);
        last = main.mkdir(&made).await.map(drop);
    }
    last.or_else(|error| match error {
        Error::Refused { .. } => Ok(()),
        error => Err(error),
    })
}

/// The copies, by `spec.parallel` workers sharing one queue. The workers are tasks of a `LocalSet`
/// on this thread: a transfer's progress callback is a `&mut dyn FnMut`, not `Send`, and the
/// concurrency wanted is of network waits, not of CPUs (file writes have their own threads).
async fn copy_all(
    login: &Login,
    spec: &MirrorSpec,
    copies: Vec<Copy>,
    observer: &Observer,
    report: &mut Report,
) {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(copy_all_here(login, spec, copies, observer, report))
        .await;
}

async fn copy_all_here(
    login: &Login,
    spec: &MirrorSpec,
    copies: Vec<Copy>,
    observer: &Observer,
    report: &mut Report,
) {
    let workers = spec.parallel.max(1).min(copies.len());
    let queue = Arc::new(Mutex::new(VecDeque::from(copies)));
    let live = Arc::new(AtomicUsize::new(workers));
    let mut tasks = JoinSet::new();
    for worker in 0..workers {
        let worker_state = Worker {
            id: worker,
            login: login.clone(),
            spec: spec.clone(),
            observer: observer.clone(),
            session: None,
            cannot_log_in: false,
            live: live.clone(),
        };
        tasks.spawn_local(worker_state.run(queue.clone()));
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(done) => {
                report.copied += done.copied;
                report.bytes += done.bytes;
                report.retries += done.retries;
                report.failures.extend(done.failures);
            }
            Err(error) => report
                .failures
                .push(("(a worker)".into(), format!("stopped: {error}"))),
        }
    }
}

/// `--delete`: the destination's extra files, then its extra directories (deepest first).
async fn delete_extras(
    main: &mut Client,
    spec: &MirrorSpec,
    observer: &Observer,
    report: &mut Report,
) {
    let files = report.plan.delete_files.clone();
    let dirs = report.plan.remove_dirs.clone();
    for (path, is_dir) in files
        .iter()
        .map(|f| (f, false))
        .chain(dirs.iter().map(|d| (d, true)))
    {
        let outcome = match spec.direction {
            Direction::Download => {
                let local = local_path(&spec.local, path);
                let removed = if is_dir {
                    std::fs::remove_dir(&local)
                } else {
                    std::fs::remove_file(&local)
                };
                removed.map_err(|error| Error::local(&local, error))
            }
            Direction::Upload => {
                let remote = remote_join(&spec.remote, path);
                if is_dir {
                    main.rmdir(&remote).await
                } else {
                    main.delete(&remote).await
                }
            }
        };
        match outcome {
            Ok(()) => {
                report.deleted += 1;
                observer(Event::Deleted { path: path.clone() });
            }
            Err(error) => report.failures.push((path.clone(), error.to_string())),
        }
    }
}
