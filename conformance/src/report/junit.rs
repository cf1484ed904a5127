//! The JUnit XML report: one `testsuite`, one `testcase` per case; failures carry Expected/Actual and the
//! transcript, skips their reason.

use std::fmt::Write;

use super::Run;
use crate::case::Outcome;

/// The report as JUnit XML.
pub fn render(run: &Run) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let s = &run.summary;
    let _ = writeln!(
        out,
        "<testsuites><testsuite name=\"ftp-conformance {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
        escape(&run.server),
        run.cases.len(),
        s.failed - s.errors.min(s.failed),
        s.errors,
        s.skipped,
        run.duration_ms as f64 / 1000.0
    );
    for case in &run.cases {
        let _ = write!(
            out,
            "  <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">",
            escape(
                case.id
                    .rsplit_once('/')
                    .map_or(case.id.as_str(), |(group, _)| group)
            ),
            escape(&format!("{} {}", case.id, case.title)),
            case.duration.as_secs_f64()
        );
        let body = || {
            let mut text = format!("Requirement: {}\n", case.requirement);
            if let Outcome::Fail { expected, actual } | Outcome::NonStrict { expected, actual } =
                &case.outcome
            {
                text.push_str(&format!(
                    "Expected: {}\nActual: {actual}\n",
                    expected.join(" | ")
                ));
            }
            text.push_str(&case.transcript.join("\n"));
            escape(&text)
        };
        match &case.outcome {
            Outcome::Pass => {}
            // A legal answer, if not the best one: shown, never a failure.
            Outcome::NonStrict { actual, .. } => {
                let _ = write!(
                    out,
                    "<system-out>non-strict: {}</system-out>",
                    escape(actual)
                );
            }
            Outcome::Fail { actual, .. } => {
                let _ = write!(
                    out,
                    "<failure message=\"{}\">{}</failure>",
                    escape(actual),
                    body()
                );
            }
            Outcome::Error { reason } => {
                let _ = write!(
                    out,
                    "<error message=\"{}\">{}</error>",
                    escape(reason),
                    body()
                );
            }
            Outcome::Skip { reason } => {
                let _ = write!(out, "<skipped message=\"{}\"/>", escape(reason));
            }
            Outcome::Unstable { actual } => {
                let _ = write!(
                    out,
                    "<failure message=\"unstable: {}\">{}</failure>",
                    escape(actual),
                    body()
                );
            }
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite></testsuites>\n");
    out
}

/// XML escaping (also used for HTML); control characters other than tab and newline are not allowed in
/// XML 1.0 at all.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\t' => out.push(c),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
