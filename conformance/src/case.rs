//! The case model: a case is data (id by RFC section, title, quoted requirement, level) plus a run
//! function; running it yields an [`Outcome`] judged as Expected (acceptable alternatives) versus Actual.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::Serialize;

use crate::ctx::Ctx;

/// How binding a requirement is, and so when its case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// An absolute requirement: always run.
    Must,
    /// A recommendation: run only with `--strict`.
    Should,
    /// The brief's exact texts and its ignore-during-transfer rule: run only with `--profile brief`.
    Brief,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::Brief => "BRIEF",
        }
    }
}

/// A case's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The server did what the requirement asks.
    Pass,
    /// An accepted, RFC-legal but weaker alternative (e.g. 503 where 425 is meant). Never a failure, not
    /// even under `--strict`: strict prefers the best answer but must not call a legal one wrong.
    NonStrict {
        expected: Vec<String>,
        actual: String,
    },
    /// The requirement is broken: what was acceptable and what came.
    Fail {
        expected: Vec<String>,
        actual: String,
    },
    /// The case does not apply to this target, and why.
    Skip { reason: String },
    /// The suite could not run the case (e.g. could not log in), and why.
    Error { reason: String },
    /// With `--repeat`: the runs' verdicts differed; `actual` lists them in order.
    Unstable { actual: String },
}

impl Outcome {
    /// A failure with its acceptable alternatives.
    pub fn fail(expected: &[&str], actual: impl Into<String>) -> Outcome {
        Outcome::Fail {
            expected: expected.iter().map(|e| e.to_string()).collect(),
            actual: actual.into(),
        }
    }

    /// A weaker alternative was accepted.
    pub fn non_strict(expected: &[&str], actual: impl Into<String>) -> Outcome {
        Outcome::NonStrict {
            expected: expected.iter().map(|e| e.to_string()).collect(),
            actual: actual.into(),
        }
    }

    pub fn skip(reason: impl Into<String>) -> Outcome {
        Outcome::Skip {
            reason: reason.into(),
        }
    }

    pub fn error(reason: impl Into<String>) -> Outcome {
        Outcome::Error {
            reason: reason.into(),
        }
    }

    /// True for outcomes that make the run fail: failures and errors, never a legal (non-strict) answer.
    pub fn is_failure(&self) -> bool {
        // A verdict that changes from run to run cannot be trusted as a pass.
        matches!(
            self,
            Outcome::Fail { .. } | Outcome::Error { .. } | Outcome::Unstable { .. }
        )
    }

    /// The class and its one-line detail: `fail: 500 Unknown command.`
    pub fn summary(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::NonStrict { actual, .. }
            | Outcome::Fail { actual, .. }
            | Outcome::Unstable { actual } => format!("{}: {actual}", self.class()),
            Outcome::Skip { reason } | Outcome::Error { reason } => {
                format!("{}: {reason}", self.class())
            }
        }
    }

    /// A short name of the outcome class.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::NonStrict { .. } => "non-strict",
            Outcome::Fail { .. } => "fail",
            Outcome::Skip { .. } => "skip",
            Outcome::Error { .. } => "error",
            Outcome::Unstable { .. } => "unstable",
        }
    }
}

/// Inside a case, `?` ends the case early with the outcome carried by `Err` (a failure, skip or error).
pub type Step<T> = Result<T, Outcome>;

/// What a case's run function returns.
pub type CaseFuture = Pin<Box<dyn Future<Output = Step<Outcome>> + Send>>;

/// One conformance case.
#[derive(Clone, Copy)]
pub struct Case {
    /// `rfc959/4.1.3/abor-mid-transfer`: the document, its section, a slug.
    pub id: &'static str,
    pub title: &'static str,
    /// The requirement, quoted from the RFC or the brief.
    pub requirement: &'static str,
    pub level: Level,
    /// The case fills the server (every place it has): it runs after all other cases, alone, so that
    /// their connections are not refused meanwhile ([`Case::filling_the_server`]).
    pub fills_server: bool,
    pub run: fn(Ctx) -> CaseFuture,
}

impl Case {
    /// This case, marked as one that fills the server.
    pub const fn filling_the_server(self) -> Case {
        Case {
            fills_server: true,
            ..self
        }
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("id", &self.id)
            .field("level", &self.level)
            .finish()
    }
}

/// Declares a case from an `async fn(Ctx) -> Step<Outcome>`.
#[macro_export]
macro_rules! case {
    ($id:literal, $level:ident, $title:literal, $requirement:literal, $run:path) => {
        $crate::case::Case {
            id: $id,
            title: $title,
            requirement: $requirement,
            level: $crate::case::Level::$level,
            fills_server: false,
            run: |cx| -> $crate::case::CaseFuture { Box::pin($run(cx)) },
        }
    };
}

/// What running one case produced, with everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct CaseReport {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub requirement: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The wire transcript of every connection the case opened, in order.
    pub transcript: Vec<String>,
    #[serde(serialize_with = "millis")]
    pub duration: Duration,
}

impl CaseReport {
    /// The report of a case (server or client mode) from its data and what running it produced.
    pub fn new(
        (id, title, level, requirement): (&str, &str, Level, &str),
        outcome: Outcome,
        transcript: Vec<String>,
        duration: Duration,
    ) -> CaseReport {
        CaseReport {
            id: id.to_string(),
            title: title.to_string(),
            level,
            requirement: requirement.to_string(),
            outcome,
            transcript,
            duration,
        }
    }
}

fn millis<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(duration.as_millis() as u64)
}
