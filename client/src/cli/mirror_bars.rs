//! The mirror's progress bars with indicatif: one for all bytes and one per active transfer, on stderr,
//! only when stderr is a terminal. Fed by the mirror's [`Event`]s from any worker.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::mirror::{self, Event};

/// The bars: one for all bytes, one per worker while it transfers. Hidden unless on a terminal.
pub struct Bars {
    multi: Option<MultiProgress>,
    state: Arc<Mutex<BarState>>,
}

#[derive(Default)]
struct BarState {
    overall: Option<ProgressBar>,
    /// The overall bytes of finished files, plus each worker's current position.
    finished_bytes: u64,
    current: HashMap<usize, (ProgressBar, u64)>,
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants; should one fail to parse, the default style still draws a bar.
    ProgressStyle::with_template(template)
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

impl Bars {
    /// Bars drawn only if `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Bars {
        let multi = (wanted && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Bars {
            multi,
            state: Arc::default(),
        }
    }

    /// The observer that moves the bars.
    pub fn observer(&self) -> mirror::Observer {
        let multi = self.multi.clone();
        let state = self.state.clone();
        Arc::new(move |event| {
            let Some(multi) = &multi else { return };
            let Ok(mut state) = state.lock() else { return };
            state.apply(multi, event);
        })
    }

    /// Removes every bar (the caller prints the outcome).
    pub fn finish(&self) {
        if let Ok(mut state) = self.state.lock() {
            for (_, (bar, _)) in state.current.drain() {
                bar.finish_and_clear();
            }
            if let Some(overall) = state.overall.take() {
                overall.finish_and_clear();
            }
        }
    }
}

impl BarState {
    fn apply(&mut self, multi: &MultiProgress, event: Event) {
        match event {
            Event::Planned { bytes, .. } => {
                let bar = multi.add(ProgressBar::new(bytes));
                bar.set_style(style(
                    "{msg:20!} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
                ));
                bar.set_message("mirror (all)");
                self.overall = Some(bar);
            }
            Event::Started { worker, path, size } => {
                let bar = multi.add(ProgressBar::new(size));
                bar.set_style(style("{msg:20!} [{bar:30}] {bytes}/{total_bytes}"));
                bar.set_message(path);
                if let Some((old, _)) = self.current.insert(worker, (bar, 0)) {
                    old.finish_and_clear();
                }
            }
            Event::Progress { worker, done } => {
                if let Some((bar, position)) = self.current.get_mut(&worker) {
                    bar.set_position(done);
                    *position = done;
                }
                self.draw_overall();
            }
            Event::Finished { worker, .. } | Event::Failed { worker, .. } => {
                if let Some((bar, position)) = self.current.remove(&worker) {
                    self.finished_bytes += position;
                    bar.finish_and_clear();
                }
                self.draw_overall();
            }
            Event::Retrying {
                worker,
                path,
                attempt,
                ..
            } => {
                if let Some((bar, _)) = self.current.get(&worker) {
                    bar.set_message(format!("{path} (retry {attempt})"));
                }
            }
            Event::Deleted { .. } => {}
        }
    }

    fn draw_overall(&self) {
        if let Some(overall) = &self.overall {
            let current: u64 = self.current.values().map(|(_, position)| position).sum();
            overall.set_position(self.finished_bytes + current);
        }
    }
}
