//! `small-files`: one logged-in session fetches the same small file `count` times. Each sample runs
//! from EPSV/PASV to the 226, which is where a Nagle/delayed-ACK stall between 150 and 226 shows.

use std::time::Instant;

use ftp_proto::Command;

use super::{Outcome, Settings, SMALL_BUFFER};
use crate::error::BenchError;
use crate::progress::Progress;
use crate::result::Figure;
use crate::session::Session;
use crate::stats::{millis, Latency};

/// Runs `count` RETRs of `file` in one session.
pub async fn run(
    settings: &Settings,
    file: &str,
    count: u64,
    progress: &Progress,
) -> Result<Outcome, BenchError> {
    let path = settings.target.path(file);
    let mut session =
        Session::login(&settings.target, settings.timeout, settings.tls.as_ref()).await?;
    let mut buf = vec![0u8; SMALL_BUFFER];
    let mut samples = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    progress.count("small-files", Some(count));
    let started = Instant::now();
    for _ in 0..count {
        let t0 = Instant::now();
        session
            .download(&Command::Retr(path.as_str().into()), &mut buf, None, false)
            .await?;
        samples.push(t0.elapsed());
        progress.inc(1);
    }
    let elapsed = started.elapsed();
    session.quit().await?;
    let latency = Latency::of(&mut samples)
        .ok_or_else(|| BenchError::Protocol("small-files: --count must be at least 1".into()))?;
    Ok(Outcome {
        params: format!("{count} transfers"),
        figures: vec![
            Figure::lower("p50", millis(latency.p50), "ms"),
            Figure::lower("p99", millis(latency.p99), "ms"),
            Figure::higher("rate", count as f64 / elapsed.as_secs_f64(), "files/s"),
        ],
        ..Outcome::default()
    })
}
