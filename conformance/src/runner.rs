//! Runs cases: selection (by glob, or by level and profile), `--jobs` cases at once, each on its own
//! connections and under its own time limit so that a hanging server never hangs the suite. A [`Watch`]
//! hears of each finished case as it finishes (the `--progress` display).

use std::sync::Arc;
use std::time::Instant;

use glob::{MatchOptions, Pattern};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::case::{Case, CaseReport, Level, Outcome};
use crate::ctx::Ctx;
use crate::target::{Profile, Target, TargetError};

/// Which cases a run includes.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Globs over case ids; when given they choose regardless of level ("run this one case").
    pub globs: Vec<String>,
    pub strict: bool,
    pub profile: Profile,
}

impl Selection {
    /// True when `case` is part of the run.
    pub fn includes(&self, case: &Case) -> bool {
        if !self.globs.is_empty() {
            return self.globs.iter().any(|g| glob_matches(g, case.id));
        }
        match case.level {
            Level::Must => true,
            Level::Should => self.strict,
            Level::Brief => self.profile == Profile::Brief,
        }
    }

    /// The selected cases, in registry order.
    pub fn pick(&self, cases: &[Case]) -> Vec<Case> {
        cases
            .iter()
            .filter(|case| self.includes(case))
            .copied()
            .collect()
    }
}

/// How case-id and server-name globs match (`--case`, known deviations): `*` runs across `/`, so that
/// `rfc959/*` selects a whole RFC, and `?` is any one character.
const GLOB_OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: false,
    require_literal_leading_dot: false,
};

/// True when `text` matches the shell-style glob `pattern` (`*`, `?`, `[...]`).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    // To the glob crate `**` is a recursive wildcard, valid only as a whole path component; here `*`
    // already crosses `/`, so a run of stars means one star.
    let mut stars_collapsed = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if !(c == '*' && stars_collapsed.ends_with('*')) {
            stars_collapsed.push(c);
        }
    }
    // A pattern the crate refuses (an unclosed `[`) keeps its brackets as plain characters.
    let compiled = Pattern::new(&stars_collapsed).or_else(|_| {
        let literal_brackets: String = stars_collapsed
            .chars()
            .map(|c| match c {
                '[' => "[[]".to_string(),
                ']' => "[]]".to_string(),
                c => c.to_string(),
            })
            .collect();
        Pattern::new(&literal_brackets)
    });
    compiled.is_ok_and(|glob| glob.matches_with(text, GLOB_OPTIONS))
}

/// Told how a run goes while it runs; both methods do nothing by default.
pub trait Watch {
    /// The run is about to start `total` cases.
    fn started(&mut self, _total: usize) {}
    /// One case finished (in completion order, not registry order).
    fn finished(&mut self, _report: &CaseReport) {}
}

/// A [`Watch`] that says nothing.
pub struct Silent;

impl Watch for Silent {}

/// Runs `cases` against `target`, `jobs` at a time, except those that fill the server: they run after
/// all others, one at a time, so that no other case's connection meets a full server. Reports come
/// back in the order of `cases`.
pub async fn run(
    target: Arc<Target>,
    cases: Vec<Case>,
    jobs: usize,
    watch: &mut dyn Watch,
) -> Vec<CaseReport> {
    watch.started(cases.len());
    let (crowd, alone): (Vec<usize>, Vec<usize>) =
        (0..cases.len()).partition(|&index| !cases[index].fills_server);
    let mut reports: Vec<Option<CaseReport>> = vec![None; cases.len()];
    for (batch, jobs) in [(crowd, jobs), (alone, 1)] {
        let picked = batch.iter().map(|&index| cases[index]).collect();
        let done = run_batch(target.clone(), picked, jobs, watch).await;
        for (index, report) in batch.into_iter().zip(done) {
            reports[index] = Some(report);
        }
    }
    reports.into_iter().flatten().collect()
}

/// Runs `cases`, `jobs` at a time; reports come back in the order of `cases`.
async fn run_batch(
    target: Arc<Target>,
    cases: Vec<Case>,
    jobs: usize,
    watch: &mut dyn Watch,
) -> Vec<CaseReport> {
    let permits = Arc::new(Semaphore::new(jobs.max(1)));
    let mut set = JoinSet::new();
    for (index, case) in cases.iter().copied().enumerate() {
        let target = target.clone();
        let permits = permits.clone();
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, run_one(target, case).await)
        });
    }
    let mut reports: Vec<Option<CaseReport>> = vec![None; cases.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((index, report)) = joined {
            watch.finished(&report);
            reports[index] = Some(report);
        }
    }
    // A case task that panicked left no report: it is an error of the suite, shown as such.
    reports
        .into_iter()
        .zip(cases)
        .map(|(report, case)| {
            report.unwrap_or_else(|| {
                report_of(
                    &case,
                    Outcome::error("the case panicked"),
                    Vec::new(),
                    Default::default(),
                )
            })
        })
        .collect()
}

/// `--repeat`: `rounds` reports of one case become one; when their classes differ it is `unstable`,
/// with every run's verdict in order and the transcript of the first run that did not pass.
pub fn merge_rounds(rounds: Vec<CaseReport>) -> Option<CaseReport> {
    let first = rounds.first()?.clone();
    if rounds
        .iter()
        .all(|r| r.outcome.class() == first.outcome.class())
    {
        return Some(first);
    }
    let verdicts: Vec<String> = rounds
        .iter()
        .enumerate()
        .map(|(i, r)| format!("run {}: {}", i + 1, r.outcome.summary()))
        .collect();
    let telling = rounds
        .iter()
        .find(|r| r.outcome != Outcome::Pass)
        .unwrap_or(&first);
    Some(CaseReport {
        outcome: Outcome::Unstable {
            actual: verdicts.join(" / "),
        },
        transcript: telling.transcript.clone(),
        duration: rounds.iter().map(|r| r.duration).sum(),
        ..first
    })
}

/// Runs one case within the target's time limit.
pub async fn run_one(target: Arc<Target>, case: Case) -> CaseReport {
    let cx = Ctx::new(target.clone());
    let started = Instant::now();
    let limit = target.case_timeout;
    let outcome = match tokio::time::timeout(limit, (case.run)(cx.clone())).await {
        Ok(Ok(outcome)) | Ok(Err(outcome)) => cx.finish(outcome),
        Err(_) => Outcome::fail(
            &["the case to complete"],
            format!("no progress: the case was stopped after {limit:?}"),
        ),
    };
    report_of(&case, outcome, cx.transcript.lines(), started.elapsed())
}

fn report_of(
    case: &Case,
    outcome: Outcome,
    transcript: Vec<String>,
    duration: std::time::Duration,
) -> CaseReport {
    let data = (case.id, case.title, case.level, case.requirement);
    CaseReport::new(data, outcome, transcript, duration)
}

/// Prepares the target, runs the selected cases and removes the scratch directory (also after
/// failures). `Err` means the suite could not start: no connection, no login.
pub async fn run_suite(
    options: &crate::target::Options,
    globs: Vec<String>,
    jobs: usize,
    watch: &mut dyn Watch,
) -> Result<crate::report::Run, TargetError> {
    let started = Instant::now();
    let selection = Selection {
        globs,
        strict: options.strict,
        profile: options.profile,
    };
    let cases = selection.pick(&crate::cases::all());
    let target = match Target::prepare(options).await {
        Ok(target) => target,
        Err(TargetError::MalformedReply {
            outcome,
            transcript,
            ..
        }) => {
            let reports = setup_verdict(&cases, outcome, transcript);
            return Ok(crate::report::Run::new(
                options.name.clone().unwrap_or_else(|| options.url.clone()),
                options.url.clone(),
                options.profile,
                options.strict,
                reports,
                started.elapsed().as_millis() as u64,
            ));
        }
        Err(other) => return Err(other),
    };
    // Every case `repeat` times, round after round, then one report per case.
    let repeat = options.repeat.max(1);
    let rounds: Vec<Case> = (0..repeat).flat_map(|_| cases.iter().copied()).collect();
    let mut all = run(target.clone(), rounds, jobs, watch).await;
    let mut per_case: Vec<Vec<CaseReport>> = vec![Vec::new(); cases.len()];
    for (index, report) in all.drain(..).enumerate() {
        per_case[index % cases.len()].push(report);
    }
    let reports = per_case.into_iter().filter_map(merge_rounds).collect();
    if let Err(leftover) = target.cleanup().await {
        eprintln!("ftp-conformance: warning: {leftover}");
    }
    Ok(crate::report::Run::new(
        target.name.clone(),
        options.url.clone(),
        options.profile,
        options.strict,
        reports,
        started.elapsed().as_millis() as u64,
    ))
}

/// The id of the case a malformed reply in setup is reported under.
const GRAMMAR_CASE: &str = "rfc959/4.2/reply-grammar";

/// The reports of a run whose setup session got a malformed reply: the grammar case fails with it (run
/// or not, it is the verdict), every other selected case is an error, for it could not run.
fn setup_verdict(cases: &[Case], outcome: Outcome, transcript: Vec<String>) -> Vec<CaseReport> {
    let all = crate::cases::all();
    let grammar = all.iter().find(|case| case.id == GRAMMAR_CASE);
    let mut reports: Vec<CaseReport> = grammar
        .map(|case| report_of(case, outcome, transcript, Default::default()))
        .into_iter()
        .collect();
    for case in cases.iter().filter(|case| case.id != GRAMMAR_CASE) {
        reports.push(report_of(
            case,
            Outcome::error(format!(
                "not run: the setup session got a malformed reply (see {GRAMMAR_CASE})"
            )),
            Vec::new(),
            Default::default(),
        ));
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::glob_matches as matches;

    #[test]
    fn globs() {
        assert!(matches("rfc959/*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("*abor*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("rfc959/4.1.?/abor-idle", "rfc959/4.1.3/abor-idle"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(!matches("rfc2577/*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("*", ""));
        assert!(!matches("a*b", "acd"));
    }

    #[test]
    fn stars_and_brackets_the_glob_crate_refuses_still_match() {
        assert!(matches("rfc959**", "rfc959/4.1.3/abor-idle"));
        assert!(matches("rfc959/4.1.[13]/*", "rfc959/4.1.3/abor-idle"));
        assert!(matches("a[b", "a[b"));
        assert!(!matches("a[b", "ab"));
    }
}
