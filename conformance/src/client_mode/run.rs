//! Runs the client cases: selection (by glob, or MUST plus SHOULD under `--strict`), `--jobs` cases at
//! once, each with its own scripted server, temporary directory and client process, and the reports as
//! a [`Run`] that the server mode's report formats render.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::cases::{self, ClientCase, Needs};
use super::command::{self, Exit, Template, Values};
use super::judge::Observed;
use super::script::content;
use super::server::ScriptedServer;
use super::tls::{self, ScriptedTls};
use crate::case::{CaseReport, Level, Outcome};
use crate::report::Run;
use crate::runner::glob_matches;
use crate::target::Profile;

/// The credentials in every case's URL.
pub const USER: &str = "user";
pub const PASSWORD: &str = "pass";
/// The share of the served file a resume case leaves at `{out}` before the run.
const PARTIAL_DIVISOR: usize = 3;

/// A client-mode run, as the command line gives it.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The download command (`-- CMD ARGS...`).
    pub command: Template,
    /// The command that continues a partial `{out}` (the REST case skips without it).
    pub resume: Option<Template>,
    /// The FTPS command (explicit TLS, PROT P, trusting `{ca}`); the TLS cases skip without it.
    pub tls: Option<Template>,
    /// The client's name in reports and known deviations.
    pub name: String,
    /// Also run SHOULD-level cases.
    pub strict: bool,
    /// Case id globs; when given they choose regardless of level.
    pub globs: Vec<String>,
    /// The timeout handed to the client as `{timeout}`, in seconds.
    pub client_timeout: u64,
    /// How long one client run may take before it is killed as hung.
    pub case_limit: Duration,
    pub jobs: usize,
}

/// The cases `options` selects, in registry order.
pub fn selected(options: &ClientOptions) -> Vec<ClientCase> {
    cases::all()
        .into_iter()
        .filter(|case| {
            if !options.globs.is_empty() {
                return options.globs.iter().any(|g| glob_matches(g, case.id));
            }
            match case.level {
                Level::Must => true,
                Level::Should | Level::Brief => options.strict,
            }
        })
        .collect()
}

/// Runs the selected cases against the client.
pub async fn run(options: &ClientOptions) -> Run {
    let started = Instant::now();
    let cases = selected(options);
    // One certificate authority per run, made only when a TLS case will run.
    let wants_tls = options.tls.is_some() && cases.iter().any(|c| c.needs == Needs::Tls);
    let identity = if wants_tls { Some(tls::make()) } else { None };
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let shared = Arc::new(options.clone());
    let mut set = JoinSet::new();
    for (index, case) in cases.iter().copied().enumerate() {
        let permits = permits.clone();
        let options = shared.clone();
        let identity = identity.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, run_case(&options, case, identity).await)
        });
    }
    let mut reports: Vec<Option<CaseReport>> = vec![None; cases.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((index, report)) = joined {
            reports[index] = Some(report);
        }
    }
    let reports = reports
        .into_iter()
        .zip(&cases)
        .map(|(report, case)| {
            report.unwrap_or_else(|| {
                report_of(
                    case,
                    Outcome::error("the case panicked"),
                    Vec::new(),
                    Duration::ZERO,
                )
            })
        })
        .collect();
    Run::new(
        options.name.clone(),
        options.command.display(),
        Profile::Rfc,
        options.strict,
        reports,
        started.elapsed().as_millis() as u64,
    )
}

/// One case: its server, its directory, one client run, the verdict.
pub async fn run_case(
    options: &ClientOptions,
    case: ClientCase,
    identity: Option<Result<ScriptedTls, String>>,
) -> CaseReport {
    let started = Instant::now();
    let (outcome, transcript) = match prepare_and_run(options, case, identity).await {
        Ok(done) => done,
        Err(outcome) => (outcome, Vec::new()),
    };
    report_of(&case, outcome, transcript, started.elapsed())
}

async fn prepare_and_run(
    options: &ClientOptions,
    case: ClientCase,
    identity: Option<Result<ScriptedTls, String>>,
) -> Result<(Outcome, Vec<String>), Outcome> {
    let template = match case.needs {
        Needs::Download => &options.command,
        Needs::Timeout if options.command.mentions("{timeout}") => &options.command,
        Needs::Timeout => {
            return Err(Outcome::skip(
                "the command does not pass the client a timeout ({timeout})",
            ))
        }
        Needs::Resume => options
            .resume
            .as_ref()
            .ok_or_else(|| Outcome::skip("no --resume command given"))?,
        Needs::Tls => options
            .tls
            .as_ref()
            .ok_or_else(|| Outcome::skip("no --tls command given (one that trusts {ca})"))?,
    };
    let identity = match (case.needs, identity) {
        (Needs::Tls, Some(Ok(identity))) => Some(identity),
        (Needs::Tls, Some(Err(why))) => {
            return Err(Outcome::error(format!(
                "cannot make the TLS certificates: {why}"
            )))
        }
        _ => None,
    };
    let dir = tempfile::Builder::new()
        .prefix("ftp-conformance-client.")
        .tempdir()
        .map_err(|e| Outcome::error(format!("cannot make a temporary directory: {e}")))?;
    let served = content(case.script.size);
    let out = dir.path().join("download.bin");
    let partial = match case.needs {
        Needs::Resume => {
            let prefix = served[..served.len() / PARTIAL_DIVISOR].to_vec();
            std::fs::write(&out, &prefix)
                .map_err(|e| Outcome::error(format!("cannot write the partial file: {e}")))?;
            Some(prefix)
        }
        _ => None,
    };
    let ca = match &identity {
        Some(identity) => {
            let path = dir.path().join("ca.pem");
            std::fs::write(&path, &identity.ca_pem)
                .map_err(|e| Outcome::error(format!("cannot write the CA: {e}")))?;
            Some(path)
        }
        None => None,
    };
    let server = ScriptedServer::bind(case.script, identity)
        .await
        .map_err(|e| Outcome::error(format!("cannot bind the scripted server: {e}")))?;
    let port = server
        .port()
        .map_err(|e| Outcome::error(format!("no server address: {e}")))?;
    let values = Values {
        url: format!("ftp://{USER}:{PASSWORD}@127.0.0.1:{port}"),
        out: out.clone(),
        dir: dir.path().to_path_buf(),
        timeout: options.client_timeout,
        ca,
    };
    let limit = match case.needs {
        // Twice the client's own timeout, plus three seconds for it to start and exit on a busy machine.
        Needs::Timeout => {
            Duration::from_secs(options.client_timeout * 2 + 2).min(options.case_limit)
        }
        _ => options.case_limit,
    };
    let (server_task, evidence) = server.spawn();
    let client = command::run(template, &values, limit).await;
    server_task.abort();
    let evidence = evidence.lock().map(|e| e.clone()).unwrap_or_default();
    let mut transcript = vec![format!("client: {}", template.display())];
    transcript.extend(evidence.transcript.iter().cloned());
    transcript.push(format!(
        "client: {} after {:.1} s",
        client.exit.describe(),
        client.elapsed.as_secs_f64()
    ));
    transcript.extend(
        client
            .stderr_tail
            .lines()
            .map(|l| format!("client stderr: {l}")),
    );
    if let Exit::NotStarted(why) = &client.exit {
        return Ok((
            Outcome::error(format!("the client could not be started: {why}")),
            transcript,
        ));
    }
    let seen = Observed {
        client,
        output: std::fs::read(&out).ok(),
        content: served,
        partial,
        evidence,
    };
    Ok(((case.judge)(&seen), transcript))
}

fn report_of(
    case: &ClientCase,
    outcome: Outcome,
    transcript: Vec<String>,
    duration: Duration,
) -> CaseReport {
    let data = (case.id, case.title, case.level, case.requirement);
    CaseReport::new(data, outcome, transcript, duration)
}
