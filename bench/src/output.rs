//! How a run is shown: a small table for people, or the [`RunResult`] as one JSON line for machines.

use std::fmt::Write as _;

use crate::result::{Better, RunResult};

/// A number with as many decimals as its size deserves: `1234`, `56.7`, `8.91`, `0.123`.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_string();
    }
    let magnitude = value.abs();
    if magnitude >= 100.0 || magnitude == 0.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// Steal from which the table warns: on the project's VM, rounds with under 1% were the rule, and
/// rounds from 10% on ran 1.5-2.1× slower.
const NOTABLE_STEAL_PERCENT: f64 = 1.0;

/// The human table for one run.
pub fn table(result: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} against {}{} ({}, {:.1} s)",
        result.scenario,
        result.server,
        if result.ours { " (ours)" } else { "" },
        result.params,
        result.elapsed_s
    );
    let width = result
        .figures
        .iter()
        .map(|f| f.name.len())
        .max()
        .unwrap_or(0)
        .max("errors".len());
    for figure in &result.figures {
        let direction = match figure.better {
            Better::Higher => "higher is better",
            Better::Lower => "lower is better",
        };
        let value = format!("{} {}", number(figure.value), figure.unit);
        let _ = writeln!(
            out,
            "  {:<width$}  {:>16}   ({direction})",
            figure.name,
            value.trim_end()
        );
    }
    let _ = writeln!(out, "  {:<width$}  {:>16}", "errors", result.errors);
    if let Some(first) = &result.first_error {
        let _ = writeln!(out, "  first error: {first}");
    }
    if let Some(stolen) = result
        .steal_percent
        .filter(|stolen| *stolen >= NOTABLE_STEAL_PERCENT)
    {
        let _ = writeln!(
            out,
            "  note: the hypervisor took {}% of this machine's CPU time during the run; its figures may be low",
            number(stolen)
        );
    }
    out
}

/// One JSON line.
pub fn json(result: &RunResult) -> Result<String, serde_json::Error> {
    serde_json::to_string(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Figure;

    #[test]
    fn numbers_keep_three_significant_digits_or_so() {
        assert_eq!(number(1234.5), "1234");
        assert_eq!(number(56.78), "56.8");
        assert_eq!(number(8.914), "8.91");
        assert_eq!(number(0.1234), "0.123");
        assert_eq!(number(50.0), "50");
        assert_eq!(number(f64::NAN), "-");
    }

    #[test]
    fn table_lists_figures_and_errors() {
        let result = RunResult {
            scenario: "sessions".into(),
            server: "ours".into(),
            ours: true,
            params: "10 sessions, 2 concurrent".into(),
            figures: vec![Figure::higher("rate", 123.4, "sessions/s")],
            errors: 1,
            first_error: Some("connect: refused".into()),
            elapsed_s: 0.5,
            round: None,
            steal_percent: Some(12.5),
        };
        let text = table(&result);
        assert!(text.contains("sessions against ours (ours)"), "{text}");
        assert!(text.contains("123 sessions/s"), "{text}");
        assert!(text.contains("first error: connect: refused"), "{text}");
        assert!(text.contains("hypervisor took 12.5% of"), "{text}");
        let back: RunResult = serde_json::from_str(&json(&result).unwrap()).unwrap();
        assert_eq!(back, result);
    }
}
