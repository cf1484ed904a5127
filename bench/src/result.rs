//! What one scenario run against one server produced: named figures with units and a direction, the
//! error count and the first error. This is the `--json` output, and what `ftp-bench report` reads back
//! (scripts may write it too, e.g. for the client and TFTP timings).

use serde::{Deserialize, Serialize};

/// Whether a larger value of a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Throughput, rates.
    Higher,
    /// Latency, memory, CPU time.
    Lower,
}

/// One measured value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What it is, e.g. `throughput`, `p99`.
    pub name: String,
    /// The value in `unit`.
    pub value: f64,
    /// e.g. `MB/s`, `ms`, `MiB`.
    pub unit: String,
    /// Direction of merit.
    pub better: Better,
}

impl Figure {
    /// A figure where more is better.
    pub fn higher(name: &str, value: f64, unit: &str) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit: unit.into(),
            better: Better::Higher,
        }
    }

    /// A figure where less is better.
    pub fn lower(name: &str, value: f64, unit: &str) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit: unit.into(),
            better: Better::Lower,
        }
    }
}

/// The outcome of one scenario against one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The scenario's name (`retr-big`, ... or a script's own, e.g. `client-get`).
    pub scenario: String,
    /// Which server (or client) this is, e.g. `ours`, `vsftpd`.
    pub server: String,
    /// True for this project's tool: the report divides its figure by the best other one.
    #[serde(default)]
    pub ours: bool,
    /// The sizes used, in words (`1 GiB`, `1000 sessions at 50 concurrent`).
    pub params: String,
    /// The figures; the first is the headline that the report compares and charts.
    pub figures: Vec<Figure>,
    /// Sessions or transfers that failed.
    #[serde(default)]
    pub errors: u64,
    /// The first failure, in one line.
    #[serde(default)]
    pub first_error: Option<String>,
    /// Wall time of the whole run, in seconds.
    #[serde(default)]
    pub elapsed_s: f64,
    /// The round of a comparison in which the servers take turns (`--round`): the report sets the
    /// results of one round side by side, since they were measured within seconds of each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<u32>,
    /// The share of the machine's CPU time the hypervisor took while this ran, in percent
    /// ([`crate::steal`]); `None` where it cannot be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_percent: Option<f64>,
}

impl RunResult {
    /// The headline figure.
    pub fn headline(&self) -> Option<&Figure> {
        self.figures.first()
    }
}
