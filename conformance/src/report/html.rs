//! The HTML report: one self-contained file (inline CSS, no script; `<details>` opens each transcript)
//! with the summary, the cases grouped by document and section (`rfc959 §4.1.3`), a coloured verdict
//! each, and every transcript HTML-escaped. [`escape`] and [`section`] are shared with the HTML matrix.

use std::fmt::Write;

use super::Run;
use crate::case::{CaseReport, Outcome};

/// The style both HTML pages use: a verdict class per outcome.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\
.pass{background:#d7f5d7}.non-strict{background:#eef7c8}.fail{background:#f8c8c8}.error{background:#f3b0d0}\
.unstable{background:#f9d9a0}.skip{background:#eee;color:#666}.known{background:#f3e3c3}\
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;font-size:85%}details{margin:.2em 0 .6em 1em}\
h2{border-bottom:1px solid #ccc;margin-top:1.5em}.summary td{font-weight:bold}";

/// Text made safe for HTML element content and (double-quoted) attribute values: the XML escaping of
/// the JUnit report, control characters shown as `\x..`.
pub fn escape(text: &str) -> String {
    super::junit::escape(text)
}

/// The group a case id belongs to: `rfc959/4.1.3/abor` -> `rfc959 §4.1.3`; `brief/x` -> `brief`.
pub fn section(id: &str) -> String {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        [document, section, _, ..] => format!("{document} §{section}"),
        [document, ..] => document.to_string(),
        [] => String::new(),
    }
}

/// The whole page.
pub fn render(run: &Run) -> String {
    let mut out = String::new();
    let title = format!("ftp-conformance: {}", run.server);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let s = &run.summary;
    let _ = writeln!(
        out,
        "<p>Target <code>{}</code>, profile {:?}{}, {:.1} s.</p>",
        escape(&run.target),
        run.profile,
        if run.strict { ", strict" } else { "" },
        run.duration_ms as f64 / 1000.0
    );
    let _ = writeln!(
        out,
        "<table class=\"summary\"><tr><th>passed</th><th>non-strict</th><th>failed</th><th>errors</th><th>skipped</th><th>cases</th></tr>\
         <tr><td class=\"pass\">{}</td><td class=\"non-strict\">{}</td><td class=\"fail\">{}</td><td class=\"error\">{}</td><td class=\"skip\">{}</td><td>{}</td></tr></table>",
        s.passed, s.non_strict, s.failed, s.errors, s.skipped, run.cases.len()
    );
    let mut current = None;
    for case in &run.cases {
        let group = section(&case.id);
        if current.as_ref() != Some(&group) {
            if current.is_some() {
                out.push_str("</table>\n");
            }
            let _ = writeln!(
                out,
                "<h2 id=\"{0}\">{0}</h2>\n<table><tr><th>Case</th><th>Level</th><th>Verdict</th><th>Title</th></tr>",
                escape(&group)
            );
            current = Some(group);
        }
        case_row(&mut out, case);
    }
    if current.is_some() {
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// One case: its row, then a row holding the requirement, Expected/Actual and the transcript.
fn case_row(out: &mut String, case: &CaseReport) {
    let class = case.outcome.class();
    let _ = writeln!(
        out,
        "<tr class=\"case\"><td><code>{}</code></td><td>{}</td><td class=\"{class}\">{class}</td><td>{}</td></tr>",
        escape(&case.id),
        case.level.as_str(),
        escape(&case.title)
    );
    let _ = write!(
        out,
        "<tr><td colspan=\"4\"><details><summary>requirement, verdict and transcript ({} ms)</summary><p>{}</p>",
        case.duration.as_millis(),
        escape(&case.requirement)
    );
    match &case.outcome {
        Outcome::Fail { expected, actual } | Outcome::NonStrict { expected, actual } => {
            let _ = write!(
                out,
                "<p>Expected: {}</p><p>Actual: {}</p>",
                escape(&expected.join(" | ")),
                escape(actual)
            );
        }
        Outcome::Skip { reason } | Outcome::Error { reason } => {
            let _ = write!(out, "<p>Why: {}</p>", escape(reason));
        }
        Outcome::Unstable { actual } => {
            let _ = write!(out, "<p>Runs: {}</p>", escape(actual));
        }
        Outcome::Pass => {}
    }
    let _ = writeln!(
        out,
        "<pre>{}</pre></details></td></tr>",
        escape(&case.transcript.join("\n"))
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::Level;
    use crate::target::Profile;
    use std::time::Duration;

    fn report(id: &str, outcome: Outcome, transcript: &[&str]) -> CaseReport {
        CaseReport {
            id: id.into(),
            title: format!("title of {id}"),
            level: Level::Must,
            requirement: "RFC 959: \"<quoted>\"".into(),
            outcome,
            transcript: transcript.iter().map(|l| l.to_string()).collect(),
            duration: Duration::from_millis(3),
        }
    }

    fn run() -> Run {
        Run::new(
            "srv<1>".into(),
            "ftp://127.0.0.1:21/".into(),
            Profile::Rfc,
            false,
            vec![
                report(
                    "rfc959/4.1.3/a",
                    Outcome::Pass,
                    &["c1< 200 <ok> & \"fine\""],
                ),
                report(
                    "rfc959/4.1.3/b",
                    Outcome::fail(&["226"], "<script>x</script>"),
                    &[],
                ),
                report("rfc959/5.3/c", Outcome::skip("no"), &[]),
                report("brief/d", Outcome::non_strict(&["425"], "503"), &[]),
            ],
            10,
        )
    }

    #[test]
    fn transcripts_requirements_and_verdicts_are_escaped() {
        let html = render(&run());
        assert!(html.contains("c1&lt; 200 &lt;ok&gt; &amp; &quot;fine&quot;"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("ftp-conformance: srv&lt;1&gt;"));
        assert!(html.contains("&quot;&lt;quoted&gt;&quot;"));
    }

    #[test]
    fn cases_are_grouped_by_section_in_order() {
        let html = render(&run());
        let headings: Vec<&str> = html
            .match_indices("<h2 id=")
            .map(|(at, _)| &html[at..at + html[at..].find("</h2>").unwrap()])
            .collect();
        assert_eq!(headings.len(), 3, "{headings:?}");
        assert!(headings[0].ends_with(">rfc959 §4.1.3"));
        assert!(headings[1].ends_with(">rfc959 §5.3"));
        assert!(headings[2].ends_with(">brief"));
        assert_eq!(html.matches("<table>").count(), 3);
        assert_eq!(
            html.matches("</table>").count(),
            4,
            "three groups and the summary"
        );
    }

    #[test]
    fn counts_and_verdict_classes_match_the_run() {
        let html = render(&run());
        assert_eq!(html.matches("<tr class=\"case\">").count(), 4);
        assert_eq!(html.matches("<details>").count(), 4);
        assert_eq!(html.matches("<td class=\"fail\">fail</td>").count(), 1);
        assert_eq!(
            html.matches("<td class=\"non-strict\">non-strict</td>")
                .count(),
            1
        );
        assert!(
            html.contains("<td class=\"pass\">2</td>"),
            "passed: pass + non-strict"
        );
        assert!(html.contains("<td class=\"fail\">1</td>"));
        assert!(html.contains("<td class=\"skip\">1</td>"));
    }

    #[test]
    fn sections_of_ids() {
        assert_eq!(section("rfc4217/10.2/close-notify"), "rfc4217 §10.2");
        assert_eq!(section("brief/example-session"), "brief");
        assert_eq!(escape("a\"b\u{1}"), "a&quot;b\\x01");
    }
}
