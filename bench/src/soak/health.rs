//! The server's health at the end of a soak: still answering, and its RSS and open file descriptors back
//! to their baseline (summed over its process tree, so a fork-per-session server counts its children).

use std::time::{Duration, Instant};

use crate::procfs;

/// RSS and open descriptors of a process tree at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub rss_bytes: u64,
    pub fds: u64,
}

/// Reads `pid`'s tree; `None` if `pid` is gone.
pub fn sample(pid: u32) -> Option<Sample> {
    let memory = procfs::memory(pid)?;
    let fds = procfs::tree(pid)
        .iter()
        .filter_map(|p| std::fs::read_dir(format!("/proc/{p}/fd")).ok())
        .map(|entries| entries.count() as u64)
        .sum();
    Some(Sample {
        rss_bytes: memory.rss_bytes,
        fds,
    })
}

/// How far above the baseline the footprint may stay.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub rss_bytes: u64,
    pub fds: u64,
}

/// Polls until the tree is back within `tolerance` of `baseline` or `settle` has passed; returns the
/// last sample and the anomalies (none when it settled, or when `pid` cannot be read at all).
pub async fn settle(
    pid: u32,
    baseline: Sample,
    tolerance: Tolerance,
    settle: Duration,
) -> (Option<Sample>, Vec<String>) {
    let deadline = Instant::now() + settle;
    loop {
        let Some(now) = sample(pid) else {
            return (
                None,
                vec![format!("server not serving | process {pid} is gone")],
            );
        };
        let rss_ok = now.rss_bytes <= baseline.rss_bytes + tolerance.rss_bytes;
        let fds_ok = now.fds <= baseline.fds + tolerance.fds;
        if rss_ok && fds_ok {
            return (Some(now), Vec::new());
        }
        if Instant::now() >= deadline {
            let mut anomalies = Vec::new();
            if !rss_ok {
                anomalies.push(format!(
                    "RSS above baseline | server RSS {} bytes did not return to its baseline {} (+{} allowed) within {}s",
                    now.rss_bytes,
                    baseline.rss_bytes,
                    tolerance.rss_bytes,
                    settle.as_secs()
                ));
            }
            if !fds_ok {
                anomalies.push(format!(
                    "fds above baseline | server has {} open fds, baseline {} (+{} allowed), after {}s: descriptors leak",
                    now.fds,
                    baseline.fds,
                    tolerance.fds,
                    settle.as_secs()
                ));
            }
            return (Some(now), anomalies);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
