//! `--progress`: how far a run is, on stderr, so that a long run against a slow server is not three
//! silent minutes. On a terminal an indicatif bar (`vsftpd [=====>   ] 21/45 rfc959/4.1.3/abor...`);
//! otherwise (CI logs, pipes) one plain line per finished case: `vsftpd: 21/45 pass rfc959/...`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::case::CaseReport;
use crate::runner::Watch;

/// Progress of one server's run.
pub struct Progress {
    server: String,
    total: usize,
    done: usize,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Progress for the run against `server` (its name in reports), drawn as a bar when stderr is a
    /// terminal.
    pub fn new(server: impl Into<String>) -> Progress {
        Progress::with_bar(server, std::io::stderr().is_terminal())
    }

    fn with_bar(server: impl Into<String>, bar: bool) -> Progress {
        let server = server.into();
        let bar = bar.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            // The template is a constant; should it ever fail to parse, the default style is still a bar.
            let style = ProgressStyle::with_template("{prefix:12!} [{bar:30}] {pos}/{len} {msg}")
                .map(|style| style.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_prefix(server.clone());
            bar
        });
        Progress {
            server,
            total: 0,
            done: 0,
            bar,
        }
    }

    /// The plain line for the case just finished.
    fn line(&self, report: &CaseReport) -> String {
        format!(
            "{}: {}/{} {} {}",
            self.server,
            self.done,
            self.total,
            report.outcome.class(),
            report.id
        )
    }
}

impl Watch for Progress {
    fn started(&mut self, total: usize) {
        self.total = total;
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
        }
    }

    fn finished(&mut self, report: &CaseReport) {
        self.done += 1;
        match &self.bar {
            Some(bar) => {
                bar.set_message(report.id.clone());
                bar.set_position(self.done as u64);
            }
            None => eprintln!("{}", self.line(report)),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Level, Outcome};

    #[test]
    fn plain_lines_count_cases_done_of_total() {
        let mut progress = Progress::with_bar("vsftpd", false);
        progress.started(45);
        let report = CaseReport {
            id: "rfc959/4.1.1/quit-221".into(),
            title: String::new(),
            level: Level::Must,
            requirement: String::new(),
            outcome: Outcome::Pass,
            transcript: Vec::new(),
            duration: Default::default(),
        };
        progress.finished(&report);
        assert_eq!(
            progress.line(&report),
            "vsftpd: 1/45 pass rfc959/4.1.1/quit-221"
        );
    }
}
