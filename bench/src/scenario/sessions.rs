//! `sessions`: `concurrency` workers each run whole sessions back to back — connect, 220, USER, PASS,
//! TYPE I, EPSV (or PASV), RETR of a small file, 226, QUIT, 221 — until the count or the time is used
//! up. A failed session is counted with its error and the worker goes on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_proto::Command;
use tokio::task::JoinSet;

use super::{Errors, Outcome, Settings, Until, SMALL_BUFFER};
use crate::error::BenchError;
use crate::progress::Progress;
use crate::result::Figure;
use crate::session::Session;
use crate::stats::{millis, Latency};

/// Hands out session slots until the count or the deadline is reached.
struct Budget {
    left: AtomicU64,
    deadline: Option<Instant>,
}

impl Budget {
    fn new(until: Until) -> Budget {
        match until {
            Until::Count(count) => Budget {
                left: AtomicU64::new(count),
                deadline: None,
            },
            Until::Elapsed(limit) => Budget {
                left: AtomicU64::new(u64::MAX),
                deadline: Some(Instant::now() + limit),
            },
        }
    }

    fn take(&self) -> bool {
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            return false;
        }
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

/// Runs the session cycle at `concurrency` until `until`.
pub async fn run(
    settings: &Settings,
    file: &str,
    concurrency: usize,
    until: Until,
    progress: &Progress,
) -> Result<Outcome, BenchError> {
    let path = Arc::new(settings.target.path(file));
    let budget = Arc::new(Budget::new(until));
    progress.count(
        "sessions",
        match until {
            Until::Count(count) => Some(count),
            Until::Elapsed(_) => None,
        },
    );
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (settings, path, budget, progress) = (
            settings.clone(),
            path.clone(),
            budget.clone(),
            progress.clone(),
        );
        workers.spawn(async move {
            let mut samples: Vec<Duration> = Vec::new();
            let mut errors = Errors::default();
            let mut buf = vec![0u8; SMALL_BUFFER];
            while budget.take() {
                let t0 = Instant::now();
                match one_session(&settings, &path, &mut buf).await {
                    Ok(()) => samples.push(t0.elapsed()),
                    Err(error) => errors.record(&error),
                }
                progress.inc(1);
            }
            (samples, errors)
        });
    }
    let mut samples = Vec::new();
    let mut errors = Errors::default();
    while let Some(joined) = workers.join_next().await {
        let (worker_samples, worker_errors) =
            joined.map_err(|e| BenchError::Protocol(format!("sessions: a worker failed: {e}")))?;
        samples.extend(worker_samples);
        errors.merge(worker_errors);
    }
    let elapsed = started.elapsed();
    let completed = samples.len() as u64;
    let latency = Latency::of(&mut samples);
    let ms =
        |pick: fn(&Latency) -> Duration| latency.as_ref().map_or(f64::NAN, |l| millis(pick(l)));
    Ok(Outcome {
        params: match until {
            Until::Count(count) => format!("{count} sessions, {concurrency} concurrent"),
            Until::Elapsed(limit) => {
                format!("{} s, {concurrency} concurrent", limit.as_secs_f64())
            }
        },
        figures: vec![
            Figure::higher(
                "rate",
                completed as f64 / elapsed.as_secs_f64(),
                "sessions/s",
            ),
            Figure::lower("p50", ms(|l| l.p50), "ms"),
            Figure::lower("p99", ms(|l| l.p99), "ms"),
            Figure::higher("completed", completed as f64, "sessions"),
        ],
        errors: errors.count,
        first_error: errors.first,
    })
}

async fn one_session(settings: &Settings, path: &str, buf: &mut [u8]) -> Result<(), BenchError> {
    let mut session =
        Session::login(&settings.target, settings.timeout, settings.tls.as_ref()).await?;
    session
        .download(&Command::Retr(path.into()), buf, None, false)
        .await?;
    session.quit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_by_count() {
        let budget = Budget::new(Until::Count(2));
        assert!(budget.take());
        assert!(budget.take());
        assert!(!budget.take());
    }

    #[test]
    fn budget_by_time() {
        let budget = Budget::new(Until::Elapsed(Duration::ZERO));
        assert!(!budget.take());
    }
}
