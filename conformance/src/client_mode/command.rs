//! The client under test: a command template (the words after `--`, or a shell line for the resume and
//! TLS variants) whose placeholders are filled per case, run with its standard streams in files and
//! killed at a time limit. What it did is an [`Exit`] plus the tail of its stderr.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How the client is started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    /// A program and its arguments, each argument substituted on its own (no shell).
    Argv(Vec<String>),
    /// A line for `sh -c`, for clients whose options need quoting (`lftp -c "get ..."`).
    Shell(String),
}

impl Template {
    /// True when the template mentions `placeholder` (e.g. `{timeout}`).
    pub fn mentions(&self, placeholder: &str) -> bool {
        match self {
            Template::Argv(words) => words.iter().any(|w| w.contains(placeholder)),
            Template::Shell(line) => line.contains(placeholder),
        }
    }

    /// The template as one line, for reports.
    pub fn display(&self) -> String {
        match self {
            Template::Argv(words) => words.join(" "),
            Template::Shell(line) => format!("sh -c '{line}'"),
        }
    }
}

/// The values of one case's placeholders.
#[derive(Debug, Clone)]
pub struct Values {
    /// `ftp://user:pass@127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    /// A fresh path in the case's directory where the client should write the file.
    pub out: PathBuf,
    /// The case's own directory (also the client's working directory).
    pub dir: PathBuf,
    /// The client's timeout in whole seconds.
    pub timeout: u64,
    /// The CA certificate (PEM) of the scripted TLS server, when the case has one.
    pub ca: Option<PathBuf>,
}

fn substitute(text: &str, values: &Values) -> String {
    let ca = values
        .ca
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    text.replace("{url}", &values.url)
        .replace("{out}", &values.out.display().to_string())
        .replace("{dir}", &values.dir.display().to_string())
        .replace("{timeout}", &values.timeout.to_string())
        .replace("{ca}", &ca)
}

/// How the client's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status code.
    Code(i32),
    /// A signal ended it (a crash: SIGSEGV, SIGABRT...).
    Signal(i32),
    /// It was still running at the limit and was killed.
    Killed(Duration),
    /// It could not be started.
    NotStarted(String),
}

impl Exit {
    pub fn succeeded(&self) -> bool {
        *self == Exit::Code(0)
    }

    /// Ended by itself with a non-zero code: a reported failure, neither a crash nor a hang.
    pub fn reported_failure(&self) -> bool {
        matches!(self, Exit::Code(code) if *code != 0)
    }

    pub fn describe(&self) -> String {
        match self {
            Exit::Code(code) => format!("exit status {code}"),
            Exit::Signal(signal) => format!("killed by signal {signal} (a crash)"),
            Exit::Killed(after) => format!("still running after {after:?} (a hang): killed"),
            Exit::NotStarted(why) => format!("could not be started: {why}"),
        }
    }
}

/// What one run of the client left behind.
#[derive(Debug, Clone)]
pub struct ClientRun {
    pub exit: Exit,
    pub elapsed: Duration,
    /// The last lines of its standard error.
    pub stderr_tail: String,
}

/// The stderr bytes kept for the report.
const STDERR_TAIL: usize = 600;

/// Runs the client with the case's values, killing it at `limit`.
pub async fn run(template: &Template, values: &Values, limit: Duration) -> ClientRun {
    let started = Instant::now();
    let stdout_path = values.dir.join("client-stdout");
    let stderr_path = values.dir.join("client-stderr");
    let exit = match spawn(template, values, &stdout_path, &stderr_path) {
        Err(error) => Exit::NotStarted(error.to_string()),
        Ok(mut child) => {
            let group = child.id();
            let exit = match tokio::time::timeout(limit, child.wait()).await {
                Ok(Ok(status)) => exit_of(status),
                Ok(Err(error)) => Exit::NotStarted(error.to_string()),
                Err(_) => {
                    // kill_on_drop also covers an early return; here the kill is waited for.
                    let _ = child.kill().await;
                    Exit::Killed(limit)
                }
            };
            // `sh -c` (and a client's own helpers) may leave processes behind: the whole group goes.
            if let Some(group) = group {
                kill_group(group).await;
            }
            exit
        }
    };
    ClientRun {
        exit,
        elapsed: started.elapsed(),
        stderr_tail: tail(&stderr_path),
    }
}

fn spawn(
    template: &Template,
    values: &Values,
    stdout: &Path,
    stderr: &Path,
) -> std::io::Result<tokio::process::Child> {
    let mut command = match template {
        Template::Argv(words) => {
            let Some((program, args)) = words.split_first() else {
                return Err(std::io::Error::other("empty command"));
            };
            let mut command = tokio::process::Command::new(substitute(program, values));
            command.args(args.iter().map(|a| substitute(a, values)));
            command
        }
        Template::Shell(line) => {
            let mut command = tokio::process::Command::new("sh");
            command.arg("-c").arg(substitute(line, values));
            command
        }
    };
    command
        .current_dir(&values.dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout)?)
        .stderr(std::fs::File::create(stderr)?)
        // A client that ignores HOME settings must not read the user's ~/.netrc or lftp rc files.
        .env("HOME", &values.dir)
        // Its own process group, so that everything it starts can be ended with it.
        .process_group(0)
        .kill_on_drop(true);
    command.spawn()
}

/// SIGKILL to the process group `group` through kill(1), which keeps this crate free of unsafe code;
/// a group already gone is no error.
async fn kill_group(group: u32) {
    let _ = tokio::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
}

fn exit_of(status: ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::NotStarted("no exit status".into()),
    }
}

fn tail(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = bytes.len().saturating_sub(STDERR_TAIL);
    String::from_utf8_lossy(&bytes[start..]).trim().to_string()
}
