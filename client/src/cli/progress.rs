//! The transfer progress bar: size, rate and ETA with indicatif, on stderr, only when stderr is a
//! terminal, so that scripts and pipes see no control characters.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::transfer::Progress;

/// A bar for one transfer; a no-op when hidden.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar labelled `name`, shown only if `wanted` and stderr is a terminal.
    pub fn new(name: &str, wanted: bool) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        // The template is a constant; should it ever fail to parse, the default style is still a bar.
        let style = ProgressStyle::with_template(
            "{msg:20!} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(name.to_string());
        Bar { bar: Some(bar) }
    }

    /// Moves the bar to `progress`.
    pub fn update(&self, progress: Progress) {
        if let Some(bar) = &self.bar {
            if let Some(total) = progress.total {
                bar.set_length(total);
            }
            bar.set_position(progress.done);
        }
    }

    /// Removes the bar (the caller prints the outcome).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
