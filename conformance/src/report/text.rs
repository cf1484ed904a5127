//! The console report, h2spec style: one line per case, then each failure with its requirement,
//! Expected, Actual and transcript, then one closing line `N passed, N failed, N skipped`.

use std::fmt::Write;

use super::Run;
use crate::case::Outcome;

/// The report as text.
pub fn render(run: &Run) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ftp-conformance: {} ({}), profile {:?}{}",
        run.server,
        run.target,
        run.profile,
        if run.strict { ", strict" } else { "" }
    );
    for case in &run.cases {
        let (mark, note) = match &case.outcome {
            Outcome::Pass => ("✔", String::new()),
            Outcome::NonStrict { .. } => ("~", " (non-strict)".to_string()),
            Outcome::Fail { .. } => ("×", String::new()),
            Outcome::Error { reason } => ("×", format!(" (error: {reason})")),
            Outcome::Unstable { .. } => ("×", " (unstable)".to_string()),
            Outcome::Skip { reason } => ("skip", format!(" ({reason})")),
        };
        let _ = writeln!(
            out,
            "  {mark} [{}] {} {}{note}",
            case.level.as_str(),
            case.id,
            case.title
        );
    }
    let failures: Vec<_> = run
        .cases
        .iter()
        .filter(|c| c.outcome.is_failure() || matches!(c.outcome, Outcome::NonStrict { .. }))
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nDetails:");
    }
    for case in failures {
        let _ = writeln!(
            out,
            "\n  {} {} {}: {}",
            if case.outcome.is_failure() { "×" } else { "~" },
            case.id,
            case.title,
            case.outcome.class()
        );
        let _ = writeln!(out, "    Requirement: {}", case.requirement);
        match &case.outcome {
            Outcome::Fail { expected, actual } | Outcome::NonStrict { expected, actual } => {
                let _ = writeln!(out, "    Expected:");
                for alternative in expected {
                    let _ = writeln!(out, "      {alternative}");
                }
                let _ = writeln!(out, "    Actual:\n      {actual}");
            }
            Outcome::Error { reason } => {
                let _ = writeln!(out, "    Error: {reason}");
            }
            Outcome::Unstable { actual } => {
                let _ = writeln!(out, "    Verdicts differ from run to run:\n      {actual}");
            }
            _ => {}
        }
        if !case.transcript.is_empty() {
            let _ = writeln!(out, "    Transcript:");
            for line in &case.transcript {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let s = &run.summary;
    let _ = writeln!(
        out,
        "\n{} passed, {} failed, {} skipped ({} non-strict, {} errors; {:.1} s)",
        s.passed,
        s.failed,
        s.skipped,
        s.non_strict,
        s.errors,
        run.duration_ms as f64 / 1000.0
    );
    out
}
