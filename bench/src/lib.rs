//! `ftp-bench`: a benchmark driver for FTP servers on loopback, and the report writer for
//! `docs/benchmarks.md`. The driver runs on a multi-threaded tokio runtime with many concurrent
//! sessions and 1 MiB buffers, and never touches transferred bytes, so that the server is what gets
//! measured.
//!
//! Layout:
//! - [`target`]: the `ftp://` URL of the server under test (loopback only unless allowed).
//! - [`session`]: one control connection: login, EPSV/PASV data connections, downloads and uploads.
//! - [`tls`]: explicit FTPS for `--tls explicit`: the rustls client settings and plain-or-TLS streams.
//! - [`error`]: what can fail, one line each, and the timeout wrapper every network wait goes through.
//! - [`scenario`]: `retr-big`, `stor-big`, `small-files`, `sessions`, `idle`, `list-big`.
//! - [`soak`]: `ftp-bench soak`: seeded sessions through the fault proxy, then checks that nothing was lost.
//! - [`procfs`]: a server's memory and CPU time summed over its process tree.
//! - [`steal`]: the share of CPU time the hypervisor took during a run.
//! - [`stats`]: latency percentiles (nearest rank).
//! - [`size`]: `4KiB`/`1GiB` byte counts.
//! - [`result`]: the figures of a run (the `--json` format, read back by the report).
//! - [`output`]: the human table and the JSON line.
//! - [`progress`]: a progress bar only when stderr is a terminal.
//! - [`report`]: `ftp-bench report`: markdown, ratios and SVG charts.

// In unit tests a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
pub mod output;
pub mod procfs;
pub mod progress;
pub mod report;
pub mod result;
pub mod scenario;
pub mod session;
pub mod size;
pub mod soak;
pub mod stats;
pub mod steal;
pub mod target;
pub mod tls;

pub use error::BenchError;
pub use result::{Better, Figure, RunResult};
pub use scenario::{run, Scenario, Settings, Until};
pub use target::Target;
pub use tls::Tls;
