//! `ftp-bench soak`: many seeded sessions against a server through the fault proxy, then the checks that
//! nothing was lost: confirmed uploads byte-exact on disk, cut uploads never partial under their real
//! name, successful downloads byte-exact, the server alive, its RSS and descriptors back to baseline.
//!
//! - [`plan`]: what each session does, drawn from the seed.
//! - [`client`]: one session played through the proxy.
//! - [`ledger`]: the possible contents of every name, and the comparison with the disk.
//! - [`health`]: the server's process tree: RSS, open descriptors, settling.
//! - [`report`]: the counts and the summary table.

pub mod client;
pub mod health;
pub mod ledger;
pub mod plan;
pub mod report;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ftp_proto::Command;
use ftp_testkit::proxy::{Fault, FaultMix, FaultProxy, MixWeights, ProxyConfig};

use crate::error::BenchError;
use crate::session::Session;
use crate::target::Target;
use client::{run_session, SessionContext};
use health::Tolerance;
use ledger::{Content, Generated, Ledger};
use plan::{session_plan, SessionPlan};
use report::{Footprint, Tally};

/// A soak run, validated.
#[derive(Debug, Clone)]
pub struct SoakConfig {
    /// The real server.
    pub target: Target,
    /// The directory on disk that the URL's directory is (the soak reads back what it uploaded).
    pub root: PathBuf,
    /// Sessions to run at most.
    pub sessions: u64,
    /// No session starts after this much time.
    pub duration: Duration,
    pub seed: u64,
    pub concurrency: usize,
    pub server_pid: Option<u32>,
    /// Largest upload and download file.
    pub max_size: u64,
    /// How long the server may take to return to its baseline afterwards.
    pub settle: Duration,
    pub tolerance: Tolerance,
    /// Limit on every single network wait.
    pub timeout: Duration,
    /// Inject faults (off: a plain relay, to tell server problems from fault effects).
    pub faults: bool,
    pub label: String,
}

/// The result: the table, and whether anything went wrong.
#[derive(Debug)]
pub struct SoakOutcome {
    pub table: String,
    pub anomalies: usize,
}

/// Faults on control connections: every kind.
fn control_faults() -> FaultMix {
    FaultMix::Random {
        weights: MixWeights {
            one_byte: 80,
            delay: 60,
            stall: 30,
            half_close: 30,
            reset: 40,
            drop: 40,
        },
        // A login and a few commands: most control conversations are a few hundred bytes.
        max_at_byte: 600,
        max_stall: Duration::from_secs(3),
    }
}

/// Faults on data connections: no clean close (drop, half-close). In stream mode a FIN *is* the end of
/// the file (RFC 959 §3.4.1): a truncation by FIN is indistinguishable from a short file for any
/// server or client, so injecting it would only measure the protocol. RST is the cut that can be seen.
fn data_faults() -> FaultMix {
    FaultMix::Random {
        weights: MixWeights {
            one_byte: 60,
            delay: 20,
            stall: 30,
            half_close: 0,
            reset: 80,
            drop: 0,
        },
        max_at_byte: 256 * 1024,
        max_stall: Duration::from_secs(3),
    }
}

/// The download files: a few fixed sizes up to `max_size`.
fn download_sizes(max_size: u64) -> Vec<u64> {
    let mut sizes: Vec<u64> = [0, 1, 1000, 65_543, (1 << 20) + 3, 8 << 20, max_size]
        .into_iter()
        .filter(|size| *size <= max_size)
        .collect();
    sizes.dedup();
    sizes
}

/// Runs the soak.
pub async fn run(config: &SoakConfig) -> Result<SoakOutcome, BenchError> {
    let started = Instant::now();
    let dir = format!("soak-{}", config.seed);
    let disk_dir = config.root.join(&dir);
    let baseline = config.server_pid.and_then(health::sample);
    let downloads = prepare(config, &dir, &disk_dir).await?;

    let proxy_config = if config.faults {
        ProxyConfig {
            seed: config.seed,
            control: control_faults(),
            data: data_faults(),
        }
    } else {
        ProxyConfig {
            seed: config.seed,
            control: FaultMix::Always(Fault::None),
            data: FaultMix::Always(Fault::None),
        }
    };
    let proxy = FaultProxy::start(config.target.addr, proxy_config)
        .await
        .map_err(BenchError::io("starting the fault proxy"))?;
    let through_proxy = Target {
        addr: proxy.addr(),
        ..config.target.clone()
    };

    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let (ledgers, finished) = tokio::sync::mpsc::unbounded_channel();
    let checker = tokio::spawn(check_sessions(disk_dir.clone(), finished));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency.max(1) {
        let worker = Worker {
            config: config.clone(),
            target: through_proxy.clone(),
            dir: dir.clone(),
            downloads: downloads.clone(),
            next: Arc::clone(&next),
            done: Arc::clone(&done),
            ledgers: ledgers.clone(),
            started,
        };
        workers.spawn(worker.run());
    }
    let mut tally = Tally::default();
    let mut last_progress = Instant::now();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), workers.join_next()).await {
            Ok(Some(Ok(worker_tally))) => tally.merge(worker_tally),
            Ok(Some(Err(error))) => tally
                .anomalies
                .push(format!("soak worker failed | {error}")),
            Ok(None) => break,
            Err(_) => {}
        }
        if last_progress.elapsed() >= Duration::from_secs(30) {
            last_progress = Instant::now();
            eprintln!(
                "soak: {} sessions done after {:.0}s",
                done.load(Ordering::Relaxed),
                started.elapsed().as_secs_f64()
            );
        }
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;

    drop(ledgers);
    match checker.await {
        Ok(disk_tally) => tally.merge(disk_tally),
        Err(error) => tally
            .anomalies
            .push(format!("soak worker failed | the disk checker: {error}")),
    }
    check_no_strays(&disk_dir, &mut tally);
    check_alive(config, &mut tally).await;
    let mut footprint = Footprint::default();
    if let (Some(pid), Some(baseline)) = (config.server_pid, baseline) {
        footprint.rss_before = Some(baseline.rss_bytes);
        footprint.fds_before = Some(baseline.fds);
        let (after, anomalies) =
            health::settle(pid, baseline, config.tolerance, config.settle).await;
        footprint.rss_after = after.map(|s| s.rss_bytes);
        footprint.fds_after = after.map(|s| s.fds);
        tally.anomalies.extend(anomalies);
    }
    let table = report::table(
        &config.label,
        config.seed,
        minutes,
        &tally,
        proxy.counts(),
        &footprint,
    );
    Ok(SoakOutcome {
        table,
        anomalies: tally.anomalies.len(),
    })
}

/// Makes the soak directory (over FTP, so the server owns it) and the download files (on disk).
async fn prepare(
    config: &SoakConfig,
    dir: &str,
    disk_dir: &Path,
) -> Result<Vec<Content>, BenchError> {
    if disk_dir.exists() {
        std::fs::remove_dir_all(disk_dir).map_err(BenchError::io(format!(
            "removing the old {}",
            disk_dir.display()
        )))?;
    }
    let mut session = Session::login(&config.target, config.timeout, None).await?;
    for sub in [dir.to_string(), format!("{dir}/dl")] {
        session
            .expect(
                &Command::Mkd(config.target.path(&sub).as_str().into()),
                &[257],
            )
            .await?;
    }
    session.quit().await?;
    if !disk_dir.join("dl").is_dir() {
        return Err(BenchError::Protocol(format!(
            "MKD {dir}/dl succeeded but {} is not a directory: is --root the directory the URL names?",
            disk_dir.join("dl").display()
        )));
    }
    let mut contents = Vec::new();
    for (index, len) in download_sizes(config.max_size).into_iter().enumerate() {
        let generated = Generated {
            seed: config.seed,
            id: (1 << 40) + index as u64,
            len,
        };
        let path = disk_dir.join("dl").join(format!("{index}.bin"));
        let mut file = std::fs::File::create(&path)
            .map_err(BenchError::io(format!("creating {}", path.display())))?;
        let mut result = Ok(());
        generated.for_each_chunk(1 << 20, |bytes| {
            if result.is_ok() {
                result = file.write_all(bytes);
            }
        });
        result.map_err(BenchError::io(format!("writing {}", path.display())))?;
        contents.push(generated.content());
    }
    Ok(contents)
}

/// A session's files are checked this long after it ended: a transfer the client cut may take the
/// server a moment to wind up (the proxy's stalls last up to 3 s).
const CHECK_DELAY: Duration = Duration::from_secs(10);

/// Checks each finished session's ledger against the disk, [`CHECK_DELAY`] after it ended, then deletes
/// its files, so that a long soak keeps checking as it goes and never fills the disk.
async fn check_sessions(
    disk_dir: PathBuf,
    mut finished: tokio::sync::mpsc::UnboundedReceiver<(Instant, Ledger)>,
) -> Tally {
    let mut tally = Tally::default();
    while let Some((ended, ledger)) = finished.recv().await {
        tokio::time::sleep_until((ended + CHECK_DELAY).into()).await;
        let mut verified = 0;
        tally
            .anomalies
            .extend(ledger.check(&disk_dir, &mut verified));
        tally.disk_bytes_verified += verified;
        for name in ledger.names() {
            let _ = std::fs::remove_file(disk_dir.join(name));
        }
    }
    tally
}

/// Every session's files were deleted once checked: a file left in the soak directory is one no
/// session put there (a leftover temporary, or an upload the server completed long after its session).
fn check_no_strays(disk_dir: &Path, tally: &mut Tally) {
    let Ok(entries) = std::fs::read_dir(disk_dir) else {
        tally.anomalies.push(format!(
            "soak directory unreadable | cannot list {}",
            disk_dir.display()
        ));
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            tally.anomalies.push(format!(
                "stray file | {name}: a file no session left there (a leftover temporary or partial file)"
            ));
        }
    }
}

/// The server still answers a fresh session, directly (not through the proxy).
async fn check_alive(config: &SoakConfig, tally: &mut Tally) {
    let alive = async {
        let mut session = Session::login(&config.target, config.timeout, None).await?;
        session.expect(&Command::Noop, &[200]).await?;
        session.quit().await
    };
    if let Err(error) = alive.await {
        tally.anomalies.push(format!(
            "server not serving | a fresh session failed: {error}"
        ));
    }
    if let Some(pid) = config.server_pid {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            tally
                .anomalies
                .push(format!("server not serving | process {pid} is gone"));
        }
    }
}

/// One of `concurrency` loops that take session numbers until the count or the time runs out.
struct Worker {
    config: SoakConfig,
    target: Target,
    dir: String,
    downloads: Vec<Content>,
    next: Arc<AtomicU64>,
    done: Arc<AtomicU64>,
    ledgers: tokio::sync::mpsc::UnboundedSender<(Instant, Ledger)>,
    started: Instant,
}

impl Worker {
    async fn run(self) -> Tally {
        let mut tally = Tally::default();
        loop {
            let session = self.next.fetch_add(1, Ordering::Relaxed);
            if session >= self.config.sessions || self.started.elapsed() >= self.config.duration {
                return tally;
            }
            let plan = session_plan(
                self.config.seed,
                session,
                self.downloads.len(),
                self.config.max_size,
            );
            let context = SessionContext {
                target: &self.target,
                dir: &self.dir,
                seed: self.config.seed,
                session,
                downloads: &self.downloads,
                timeout: self.config.timeout,
            };
            let mut ledger = Ledger::default();
            tally.sessions_run += 1;
            if matches!(plan, SessionPlan::NeverReads { .. }) {
                tally.never_read_sessions += 1;
            }
            // Every wait inside has the timeout; this bounds a session as a whole all the same.
            let limit = self.config.timeout * 20;
            let result =
                tokio::time::timeout(limit, run_session(&context, &plan, &mut ledger, &mut tally))
                    .await;
            match result {
                Ok(Ok(())) => tally.sessions_completed += 1,
                Ok(Err(error)) => {
                    tally.sessions_cut += 1;
                    if tally.first_errors.len() < 5 {
                        tally
                            .first_errors
                            .push(format!("session {session}: {error}"));
                    }
                }
                Err(_) => {
                    tally.sessions_cut += 1;
                    tally.first_errors.push(format!(
                        "session {session}: over {}s in all",
                        limit.as_secs()
                    ));
                }
            }
            // Only fails once the checker is gone, which happens only after every worker ended.
            let _ = self.ledgers.send((Instant::now(), ledger));
            self.done.fetch_add(1, Ordering::Relaxed);
        }
    }
}
