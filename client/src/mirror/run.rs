//! Carrying out a mirror [`Plan`]: directories first, then the copies from one queue by `parallel`
//! worker tasks (each with its own session, opened by [`Login::open`]), then deletions.
//!
//! A failed copy is retried up to [`MirrorSpec::retries`] times when the failure may pass (a 421 or
//! other 4xx, a broken or short transfer, a timeout, a lost connection), after a pause that doubles
//! each time ([`backoff`]). A session that broke is replaced. A retried download continues the local
//! partial file with REST; a retried upload starts again (servers commonly refuse REST before STOR).
//! A worker that cannot get a session at all (a server's per-address limit, say) hands its file back
//! and stops, so the others finish the queue; only the last worker fails files for that.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;

use super::plan::{plan, Copy};
use super::tree::{remote_join, scan_local, scan_remote};
use super::{Direction, Event, MirrorSpec, Observer, Report};
use crate::client::Client;
use crate::connect::Login;
use crate::error::{Error, Result};

/// The pause before retry number `attempt` (1-based): 250 ms, doubling, at most 4 s.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(4))
}

/// Whether trying again may succeed.
pub fn is_transient(error: &Error) -> bool {
    match error {
        Error::ServiceClosing(_)
        | Error::ConnectionLost(_)
        | Error::Timeout(_)
        | Error::Connect { .. }
        | Error::Transfer { .. } => true,
        Error::Refused { reply, .. } | Error::NotFound { reply, .. } => reply.is_transient(),
        _ => false,
    }
}

/// Whether the session is unusable after `error`, so the next attempt needs a new one.
fn breaks_session(error: &Error) -> bool {
    matches!(
        error,
        Error::ServiceClosing(_)
            | Error::ConnectionLost(_)
            | Error::Timeout(_)
            | Error::Connect { .. }
    )
}

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

fn local_path(root: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .filter(|part| !part.is_empty())
        .fold(root.to_path_buf(), |path, part| path.join(part))
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

/// One worker's session and what it needs to copy files.
struct Worker {
    id: usize,
    login: Login,
    spec: MirrorSpec,
    observer: Observer,
    session: Option<Client>,
    /// The last attempt failed before it had a session: connecting or logging in.
    cannot_log_in: bool,
    /// Workers still running, this one included.
    live: Arc<AtomicUsize>,
}

/// What one worker did.
#[derive(Default)]
struct WorkerReport {
    copied: usize,
    bytes: u64,
    retries: usize,
    failures: Vec<(String, String)>,
}

impl Worker {
    async fn run(mut self, queue: Arc<Mutex<VecDeque<Copy>>>) -> WorkerReport {
        let mut done = WorkerReport::default();
        // Bounded: each turn takes one file off a queue that nothing refills.
        loop {
            let next = queue.lock().ok().and_then(|mut queue| queue.pop_front());
            let Some(copy) = next else { break };
            let outcome = self.copy_with_retries(&copy, &mut done).await;
            if outcome.is_err() && self.cannot_log_in && self.hand_back(&queue, &copy) {
                // The server turned this session away (421 "too many connections", say) and other
                // workers still run: they take the file, rather than this worker failing them all.
                break;
            }
            match outcome {
                Ok(bytes) => {
                    done.copied += 1;
                    done.bytes += bytes;
                    (self.observer)(Event::Finished {
                        worker: self.id,
                        path: copy.path.clone(),
                        bytes,
                    });
                }
                Err(error) => {
                    (self.observer)(Event::Failed {
                        worker: self.id,
                        path: copy.path.clone(),
                        reason: error.to_string(),
                    });
                    done.failures.push((copy.path.clone(), error.to_string()));
                }
            }
        }
        if let Some(session) = self.session.take() {
            let _ = session.quit().await;
        }
        done
    }

    /// Puts `copy` back for the other workers and leaves, unless this is the last worker.
    fn hand_back(&self, queue: &Mutex<VecDeque<Copy>>, copy: &Copy) -> bool {
        let others_run = self
            .live
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |live| {
                (live > 1).then(|| live - 1)
            })
            .is_ok();
        if others_run {
            if let Ok(mut queue) = queue.lock() {
                queue.push_front(copy.clone());
            }
        }
        others_run
    }

    async fn copy_with_retries(&mut self, copy: &Copy, done: &mut WorkerReport) -> Result<u64> {
        (self.observer)(Event::Started {
            worker: self.id,
            path: copy.path.clone(),
            size: copy.size,
        });
        let mut attempt = 0;
        loop {
            let outcome = self.copy_once(copy, attempt > 0).await;
            match outcome {
                Ok(bytes) => return Ok(bytes),
                Err(error) if is_transient(&error) && attempt < self.spec.retries => {
                    attempt += 1;
                    done.retries += 1;
                    if breaks_session(&error) {
                        self.session = None;
                    }
                    (self.observer)(Event::Retrying {
                        worker: self.id,
                        path: copy.path.clone(),
                        attempt,
                        reason: error.to_string(),
                    });
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(error) => {
                    if breaks_session(&error) {
                        self.session = None;
                    }
                    return Err(error);
                }
            }
        }
    }

    /// One attempt at one file; `again` resumes a download from the local partial file.
    async fn copy_once(&mut self, copy: &Copy, again: bool) -> Result<u64> {
        self.cannot_log_in = false;
        let session = match self.session.take() {
            Some(session) => self.session.insert(session),
            None => match self.login.open().await {
                Ok(session) => self.session.insert(session),
                Err(error) => {
                    self.cannot_log_in = true;
                    return Err(error);
                }
            },
        };
        let remote = remote_join(&self.spec.remote, &copy.path);
        let local = local_path(&self.spec.local, &copy.path);
        let (id, observer) = (self.id, self.observer.clone());
        let mut progress = move |p: crate::transfer::Progress| {
            observer(Event::Progress {
                worker: id,
                done: p.done,
            })
        };
        match self.spec.direction {
            Direction::Download => {
                let got = session
                    .get_file(&remote, &local, again, &mut progress)
                    .await?;
                if let Some(mtime) = copy.mtime {
                    set_local_mtime(&local, mtime)?;
                }
                Ok(got.received)
            }
            Direction::Upload => session.put_file(&local, &remote, &mut progress).await,
        }
    }
}

/// Gives the downloaded file the remote file's time, so that `--only-newer` sees it up to date.
fn set_local_mtime(local: &Path, mtime: i64) -> Result<()> {
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(mtime).unwrap_or(0));
    std::fs::File::options()
        .write(true)
        .open(local)
        .and_then(|file| file.set_modified(when))
        .map_err(|error| Error::local(local, error))
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

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_proto::Reply;

    #[test]
    fn backoff_doubles_and_stops_growing() {
        let pauses: Vec<u64> = (1..=7).map(|a| backoff(a).as_millis() as u64).collect();
        assert_eq!(pauses, [250, 500, 1000, 2000, 4000, 4000, 4000]);
    }

    #[test]
    fn which_failures_are_worth_another_try() {
        let refused = |code| Error::Refused {
            command: "RETR".into(),
            reply: Reply::new(code, "x"),
        };
        assert!(is_transient(&refused(421)));
        assert!(is_transient(&refused(426)));
        assert!(is_transient(&refused(450)));
        assert!(!is_transient(&refused(550)));
        assert!(!is_transient(&Error::Usage("x".into())));
        assert!(is_transient(&Error::Timeout("x".into())));
    }
}
