//! `idle`: opens `count` logged-in sessions (at most `concurrency` logins in flight), measures the
//! server's memory over its whole process tree (see [`crate::procfs`]) before and with them open, then
//! QUITs them. Sessions the server refuses are counted as errors; the figure is for those that opened.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::{Errors, Outcome, Settings};
use crate::error::BenchError;
use crate::procfs;
use crate::progress::Progress;
use crate::result::Figure;
use crate::session::Session;

/// Time for a fork-per-session server's last children to finish starting before the measurement.
const SETTLE: Duration = Duration::from_millis(500);
const MIB: f64 = 1024.0 * 1024.0;

/// Opens `count` sessions, measures `server_pid`, closes them.
pub async fn run(
    settings: &Settings,
    count: u64,
    concurrency: usize,
    server_pid: Option<u32>,
    progress: &Progress,
) -> Result<Outcome, BenchError> {
    let gone = |pid: u32| BenchError::Protocol(format!("--server-pid {pid}: no such process"));
    let before = match server_pid {
        Some(pid) => Some(procfs::memory(pid).ok_or_else(|| gone(pid))?),
        None => None,
    };
    progress.count("idle: opening", Some(count));
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut logins = JoinSet::new();
    for _ in 0..count {
        let (settings, gate, progress) = (settings.clone(), gate.clone(), progress.clone());
        logins.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let session =
                Session::login(&settings.target, settings.timeout, settings.tls.as_ref()).await;
            progress.inc(1);
            session
        });
    }
    let mut open = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut errors = Errors::default();
    while let Some(joined) = logins.join_next().await {
        match joined {
            Ok(Ok(session)) => open.push(session),
            Ok(Err(error)) => errors.record(&error),
            Err(error) => errors.record(&BenchError::Protocol(format!("login task: {error}"))),
        }
    }
    let open_time = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let during = match server_pid {
        Some(pid) => Some(procfs::memory(pid).ok_or_else(|| gone(pid))?),
        None => None,
    };
    let opened = open.len() as u64;
    quit_all(open, concurrency).await;

    let mut figures = Vec::new();
    if let (Some(before), Some(during)) = (before, during) {
        // PSS where readable: fork-per-session servers share most pages, and RSS would count them once
        // per process.
        let (total, baseline, kind) = match (during.pss_bytes, before.pss_bytes) {
            (Some(during_pss), Some(before_pss)) => (during_pss, before_pss, "memory (PSS)"),
            _ => (during.rss_bytes, before.rss_bytes, "memory (RSS)"),
        };
        figures.push(Figure::lower(kind, total as f64 / MIB, "MiB"));
        figures.push(Figure::lower(
            "RSS sum",
            during.rss_bytes as f64 / MIB,
            "MiB",
        ));
        figures.push(Figure::lower("before", baseline as f64 / MIB, "MiB"));
        if opened > 0 {
            let per_session = total.saturating_sub(baseline) as f64 / 1024.0 / opened as f64;
            figures.push(Figure::lower("per session", per_session, "KiB"));
        }
        figures.push(Figure::lower("processes", during.processes as f64, ""));
    }
    figures.push(Figure::higher("open", opened as f64, "sessions"));
    figures.push(Figure::lower("time to open", open_time.as_secs_f64(), "s"));
    Ok(Outcome {
        params: format!("{count} sessions"),
        figures,
        errors: errors.count,
        first_error: errors.first,
    })
}

/// QUITs every session, `concurrency` at a time; errors here do not change the figure.
async fn quit_all(sessions: Vec<Session>, concurrency: usize) {
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut quits = JoinSet::new();
    for session in sessions {
        let gate = gate.clone();
        quits.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let _ = session.quit().await;
        });
    }
    while quits.join_next().await.is_some() {}
}
