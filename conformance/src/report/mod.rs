//! Reports of a run: [`text`] for people, [`json`] for tools (and the matrix), [`junit`] for CI systems,
//! [`html`] as one self-contained page. All four are built from the same [`Run`].

pub mod html;
pub mod json;
pub mod junit;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::case::CaseReport;
use crate::target::Profile;

/// Counts of a run; `failed` includes errors; non-strict outcomes (legal answers) count as passed and
/// are also counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub non_strict: usize,
    pub errors: usize,
}

/// One run of the suite against one server.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub server: String,
    pub target: String,
    pub profile: Profile,
    pub strict: bool,
    pub summary: Summary,
    pub duration_ms: u64,
    pub cases: Vec<CaseReport>,
}

impl Run {
    pub fn new(
        server: String,
        target: String,
        profile: Profile,
        strict: bool,
        cases: Vec<CaseReport>,
        duration_ms: u64,
    ) -> Run {
        let mut summary = Summary::default();
        for case in &cases {
            match &case.outcome {
                crate::case::Outcome::Skip { .. } => summary.skipped += 1,
                outcome if outcome.is_failure() => summary.failed += 1,
                _ => summary.passed += 1,
            }
            match &case.outcome {
                crate::case::Outcome::NonStrict { .. } => summary.non_strict += 1,
                crate::case::Outcome::Error { .. } => summary.errors += 1,
                _ => {}
            }
        }
        Run {
            server,
            target,
            profile,
            strict,
            summary,
            duration_ms,
            cases,
        }
    }

    /// True when anything failed.
    pub fn failed(&self) -> bool {
        self.summary.failed > 0
    }
}
