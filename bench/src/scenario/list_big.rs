//! `list-big`: LIST of a large directory, `count` times in one session. Wall time runs from EPSV/PASV
//! to 226; the server's CPU time (user + system over its process tree) is read before and after each
//! LIST, while the session — and a fork-per-session server's session process — is still alive.

use std::time::{Duration, Instant};

use ftp_proto::{Command, ListingArg};

use super::{Outcome, Settings, SMALL_BUFFER};
use crate::error::BenchError;
use crate::procfs;
use crate::progress::Progress;
use crate::result::Figure;
use crate::session::Session;
use crate::stats::{millis, percentile};

/// LISTs `dir` `count` times.
pub async fn run(
    settings: &Settings,
    dir: &str,
    count: u64,
    server_pid: Option<u32>,
    progress: &Progress,
) -> Result<Outcome, BenchError> {
    let path = settings.target.path(dir);
    let mut session =
        Session::login(&settings.target, settings.timeout, settings.tls.as_ref()).await?;
    let mut buf = vec![0u8; SMALL_BUFFER];
    let gone = |pid: u32| BenchError::Protocol(format!("--server-pid {pid}: no such process"));
    let mut walls: Vec<Duration> = Vec::new();
    let mut cpu_seconds = Vec::new();
    let (mut bytes, mut lines) = (0, 0);
    progress.count("list-big", Some(count));
    for _ in 0..count {
        let cpu_before = match server_pid {
            Some(pid) => Some(procfs::cpu_time(pid).ok_or_else(|| gone(pid))?),
            None => None,
        };
        let t0 = Instant::now();
        (bytes, lines) = session
            .download(
                &Command::List(ListingArg::path(Some(path.as_str().into()))),
                &mut buf,
                None,
                true,
            )
            .await?;
        walls.push(t0.elapsed());
        if let (Some(pid), Some(before)) = (server_pid, cpu_before) {
            let after = procfs::cpu_time(pid).ok_or_else(|| gone(pid))?;
            cpu_seconds.push((after.seconds - before.seconds).max(0.0));
        }
        progress.inc(1);
    }
    session.quit().await?;
    walls.sort_unstable();
    let wall = percentile(&walls, 50.0).map_or(f64::NAN, millis);
    let mut figures = Vec::new();
    if !cpu_seconds.is_empty() {
        cpu_seconds.sort_by(f64::total_cmp);
        let median = cpu_seconds[(cpu_seconds.len() - 1) / 2];
        figures.push(Figure::lower("server CPU", median * 1000.0, "ms"));
    }
    figures.push(Figure::lower("wall", wall, "ms"));
    figures.push(Figure::higher("listing", bytes as f64, "bytes"));
    figures.push(Figure::higher("lines", lines as f64, ""));
    Ok(Outcome {
        params: format!("{dir}, {count}× (median)"),
        figures,
        ..Outcome::default()
    })
}
