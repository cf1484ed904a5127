//! What a case is judged on ([`Observed`]: the client's exit, the file it wrote, the server's evidence)
//! and the verdicts several cases share: the file arrived exactly, or the failure was reported.

use super::command::{ClientRun, Exit};
use super::server::Evidence;
use crate::case::Outcome;

/// Everything a case's judge sees once the client has exited.
#[derive(Debug)]
pub struct Observed {
    pub client: ClientRun,
    /// The bytes at `{out}` after the run; `None` when there is no file.
    pub output: Option<Vec<u8>>,
    /// The served file.
    pub content: Vec<u8>,
    /// What `{out}` held before the run (the resume case's partial file).
    pub partial: Option<Vec<u8>>,
    pub evidence: Evidence,
}

impl Observed {
    /// One line on the file at `{out}`: missing, empty, exact, or how it differs.
    pub fn describe_output(&self) -> String {
        match &self.output {
            None => "no output file".into(),
            Some(bytes) if bytes.is_empty() => "an empty output file".into(),
            Some(bytes) if *bytes == self.content => {
                format!("the output file is exact ({} bytes)", bytes.len())
            }
            Some(bytes) => {
                let same = bytes
                    .iter()
                    .zip(&self.content)
                    .take_while(|(a, b)| a == b)
                    .count();
                format!(
                    "the output file has {} of {} bytes, the first {same} right",
                    bytes.len(),
                    self.content.len()
                )
            }
        }
    }

    /// `exit status 0; the output file is exact (262144 bytes)`.
    pub fn actual(&self) -> String {
        let mut text = format!(
            "{}; {}",
            self.client.exit.describe(),
            self.describe_output()
        );
        if !self.client.stderr_tail.is_empty() {
            let last = self.client.stderr_tail.lines().last().unwrap_or_default();
            text.push_str(&format!("; stderr: {last}"));
        }
        text
    }

    /// RETR commands the client sent, over all its sessions.
    pub fn retrs(&self) -> usize {
        self.evidence.verbs.iter().filter(|v| *v == "RETR").count()
    }

    pub fn output_exact(&self) -> bool {
        self.output.as_deref() == Some(self.content.as_slice())
    }
}

/// Exit 0 and the exact file.
pub fn downloaded_exactly(seen: &Observed) -> Outcome {
    if seen.client.exit.succeeded() && seen.output_exact() {
        Outcome::Pass
    } else {
        Outcome::fail(&["exit status 0 and the exact file"], seen.actual())
    }
}

/// A failure the client reported by itself (non-zero exit, no crash, no hang), whatever it left on
/// disk short of the whole file; or a recovery: it retried (the fault hits the first RETR only) and
/// reported success with the exact file.
pub fn reported_failure(seen: &Observed) -> Outcome {
    let retried = seen.retrs() >= 2;
    match &seen.client.exit {
        exit if exit.reported_failure() && !seen.output_exact() => Outcome::Pass,
        exit if exit.succeeded() && seen.output_exact() && retried => Outcome::Pass,
        _ => Outcome::fail(
            &[
                "a non-zero exit status (the transfer failed), not a crash, hang or success",
                "a retried RETR and exit status 0 with the exact file",
            ],
            seen.actual(),
        ),
    }
}

/// A failure reported with no file or an empty one: nothing that looks like a download.
pub fn reported_failure_without_file(seen: &Observed) -> Outcome {
    let no_file = seen.output.as_ref().is_none_or(|bytes| bytes.is_empty());
    if seen.client.exit.reported_failure() && no_file {
        Outcome::Pass
    } else {
        Outcome::fail(
            &["a non-zero exit status and no output file (or an empty one)"],
            seen.actual(),
        )
    }
}

/// For servers that break the protocol: the exact file is a pass, a cleanly reported error is legal
/// but weaker, and a crash, a hang or a wrong file reported as success fails.
pub fn survived(seen: &Observed) -> Outcome {
    let expected = [
        "exit status 0 and the exact file",
        "a non-zero exit status (a reported error, non-strict)",
    ];
    match &seen.client.exit {
        Exit::Code(0) if seen.output_exact() => Outcome::Pass,
        exit if exit.reported_failure() => Outcome::non_strict(&expected, seen.actual()),
        _ => Outcome::fail(&expected, seen.actual()),
    }
}
