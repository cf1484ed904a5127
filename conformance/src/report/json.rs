//! The JSON report: the whole [`Run`], transcripts included; `ftp-conformance matrix` reads it back.

use super::Run;

/// The run as pretty JSON.
pub fn render(run: &Run) -> String {
    serde_json::to_string_pretty(run).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
