//! One mirror worker: its own session, files taken one at a time off the shared queue, each tried
//! again after a transient failure ([`is_transient`]) with a doubling pause ([`backoff`]) and a new
//! session when the old one broke. A retried download continues the local partial file with REST; a
//! retried upload continues the server's partial copy with REST before STOR where the server keeps one
//! and takes REST (vsftpd, ProFTPD), and starts again where it refuses (ours keeps no partial upload).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::plan::Copy;
use super::tree::remote_join;
use super::{Direction, Event, MirrorSpec, Observer};
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

/// One worker's session and what it needs to copy files.
pub(super) struct Worker {
    pub(super) id: usize,
    pub(super) login: Login,
    pub(super) spec: MirrorSpec,
    pub(super) observer: Observer,
    pub(super) session: Option<Client>,
    /// The last attempt failed before it had a session: connecting or logging in.
    pub(super) cannot_log_in: bool,
    /// Workers still running, this one included.
    pub(super) live: Arc<AtomicUsize>,
}

/// What one worker did.
#[derive(Default)]
pub(super) struct WorkerReport {
    pub(super) copied: usize,
    pub(super) bytes: u64,
    pub(super) retries: usize,
    pub(super) failures: Vec<(String, String)>,
}

impl Worker {
    /// Takes files off `queue` until it is empty (or this worker cannot get a session).
    pub(super) async fn run(mut self, queue: Arc<Mutex<VecDeque<Copy>>>) -> WorkerReport {
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
        // Bytes the failed attempts at this file sent: a retried upload resumes only a server copy
        // no longer than that (see `Client::put_file_resuming`).
        let mut sent_before = 0;
        loop {
            let sent = Arc::new(AtomicU64::new(0));
            let outcome = self.copy_once(copy, attempt > 0, sent_before, &sent).await;
            sent_before += sent.load(Ordering::Relaxed);
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

    /// One attempt at one file; `again` resumes a download from the local partial file, an upload from
    /// the server's.
    async fn copy_once(
        &mut self,
        copy: &Copy,
        again: bool,
        sent_before: u64,
        sent: &Arc<AtomicU64>,
    ) -> Result<u64> {
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
        let (id, observer, sent) = (self.id, self.observer.clone(), sent.clone());
        let mut progress = move |p: crate::transfer::Progress| {
            sent.store(p.done, Ordering::Relaxed);
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
            Direction::Upload if again => {
                session
                    .put_file_resuming(&local, &remote, sent_before, &mut progress)
                    .await
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

/// `relative` (`/`-separated) under the local `root`.
pub(super) fn local_path(root: &Path, relative: &str) -> PathBuf {
    relative
        .split('/')
        .filter(|part| !part.is_empty())
        .fold(root.to_path_buf(), |path, part| path.join(part))
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
