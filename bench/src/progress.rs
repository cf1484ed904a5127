//! The progress bar: drawn on stderr only when stderr is a terminal, so that logs and `--json` output
//! stay clean. Scenarios call [`Progress::inc`] once per buffer or session, never per byte.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar that may be hidden. Cheap to clone (all clones drive one bar).
#[derive(Clone, Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar on stderr if stderr is a terminal, else a hidden one.
    pub fn for_terminal() -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(200));
            Progress { bar }
        } else {
            Progress::hidden()
        }
    }

    /// A bar that draws nothing (tests, pipes).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Shows bytes out of `total`.
    pub fn bytes(&self, label: &str, total: u64) {
        self.restart(
            label,
            Some(total),
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
        );
    }

    /// Shows a count out of `total`, or a running count with no total.
    pub fn count(&self, label: &str, total: Option<u64>) {
        let template = if total.is_some() {
            "{msg} [{bar:30}] {pos}/{len} {per_sec} {eta}"
        } else {
            "{msg} {spinner} {pos} {per_sec} {elapsed}"
        };
        self.restart(label, total, template);
    }

    fn restart(&self, label: &str, total: Option<u64>, template: &str) {
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_length(total.unwrap_or(0));
        if total.is_none() {
            self.bar.unset_length();
        }
        self.bar.set_position(0);
        self.bar.set_message(label.to_string());
        self.bar.reset_elapsed();
    }

    /// Advances by `n` (bytes or sessions).
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
