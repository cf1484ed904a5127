//! `mirror`: copy a directory tree between the server and the local disk, either way, over several
//! sessions at once, resuming and retrying broken transfers.
//!
//! - [`plan`]: the pure part: two trees in, the list of actions out (`--only-newer`, `--delete`).
//! - [`tree`]: reading each side into a tree (MLSD or LIST+MDTM remotely, the file system locally).
//! - [`run`]: carrying a plan out: N worker tasks ([`worker`]), each with its own logged-in session,
//!   pulling files from one queue; retries with backoff on 421, 426, timeouts and lost connections; downloads resume
//!   with REST; the remote time is set on each downloaded file so that a second `--only-newer` run
//!   copies nothing.
//!
//! Progress and outcomes are reported as [`Event`]s to an observer, so the library draws nothing.

pub mod plan;
pub mod run;
pub mod tree;
pub mod worker;

use std::path::PathBuf;
use std::sync::Arc;

pub use plan::{Plan, PlanOptions};
pub use run::mirror;

/// Which way the files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to local disk.
    Download,
    /// Local disk to server (`mirror -R`).
    Upload,
}

/// One mirror run, validated.
#[derive(Debug, Clone)]
pub struct MirrorSpec {
    pub direction: Direction,
    /// The remote directory (relative to the login directory unless it starts with `/`).
    pub remote: String,
    pub local: PathBuf,
    /// Transfers (and sessions) at once; at least 1.
    pub parallel: usize,
    pub options: PlanOptions,
    /// Only plan: change nothing.
    pub dry_run: bool,
    /// Attempts after the first for one file before it counts as failed.
    pub retries: u32,
}

/// What a running mirror reports. `worker` numbers the sessions from 0.
#[derive(Debug, Clone)]
pub enum Event {
    /// The plan is made: this many files and bytes to copy.
    Planned { files: usize, bytes: u64 },
    Started {
        worker: usize,
        path: String,
        size: u64,
    },
    /// Bytes of the current file done (counting a resumed-from offset).
    Progress { worker: usize, done: u64 },
    Finished {
        worker: usize,
        path: String,
        bytes: u64,
    },
    /// An attempt failed and the file will be tried again after a pause.
    Retrying {
        worker: usize,
        path: String,
        attempt: u32,
        reason: String,
    },
    /// The file failed for good.
    Failed {
        worker: usize,
        path: String,
        reason: String,
    },
    /// A destination path was removed (`--delete`).
    Deleted { path: String },
}

/// Receives [`Event`]s, from any worker.
pub type Observer = Arc<dyn Fn(Event) + Send + Sync>;

/// What a mirror did.
#[derive(Debug, Default)]
pub struct Report {
    pub plan: Plan,
    /// Files copied in full.
    pub copied: usize,
    /// Bytes moved on data connections (a resumed file counts only what was resent).
    pub bytes: u64,
    pub deleted: usize,
    /// Paths that did not make it, with why; conflicts included.
    pub failures: Vec<(String, String)>,
    /// Links and special files left out.
    pub skipped: Vec<String>,
    /// Attempts repeated after a transient failure.
    pub retries: usize,
}

impl Report {
    /// True when every planned action succeeded.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }
}
