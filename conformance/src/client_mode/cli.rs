//! The `client` subcommand's options (clap), parsed once into [`ClientOptions`]; the report format and
//! output file are the server mode's, handled in `main.rs`.

use std::time::Duration;

use super::command::Template;
use super::run::ClientOptions;

/// Examples shown by `ftp-conformance client --help`.
pub const EXAMPLES: &str = "\
Placeholders in the command: {url} ftp://user:pass@127.0.0.1:PORT (append the path, e.g. {url}/file),
{out} the file to write, {dir} the case's directory (the working directory), {timeout} --client-timeout,
{ca} the scripted servers' CA certificate (PEM; the TLS cases, with --tls).

Examples:
  curl (the REST case with -C -, the timeout case with --max-time):
    ftp-conformance client --strict --resume 'curl -s -C - {url}/file -o {out}' -- curl -s -m {timeout} {url}/file -o {out}
  This project's client:
    ftp-conformance client --strict --resume 'ftp-client get -c {url}/file -o {out}' -- ftp-client get --timeout {timeout} {url}/file -o {out}
  curl with the TLS cases:
    ftp-conformance client --strict --tls 'curl -s --ssl-reqd --cacert {ca} {url}/file -o {out}' -- curl -s {url}/file -o {out}
  lftp (a line for sh -c goes after --shell):
    ftp-conformance client --strict --shell 'lftp -c \"set net:timeout {timeout}; set net:max-retries 1; get {url}/file -o {out}\"'
  One case, JSON report:
    ftp-conformance client --case 'client/rfc959/4.2/*' --format json -- curl -s {url}/file -o {out}
  The cases:
    ftp-conformance client --list";

/// Judge an FTP client: each case is a scripted server on loopback that the client command downloads
/// from; the verdict comes from its wire behaviour, the file it wrote and its exit status.
#[derive(clap::Args, Debug)]
pub struct ClientArgs {
    /// The client command, after `--`: program and arguments, placeholders substituted per case.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// The client command as one line for `sh -c` instead of words after `--`.
    #[arg(long, value_name = "LINE", conflicts_with = "command")]
    pub shell: Option<String>,
    /// A line for `sh -c` that continues the partial file at {out} (REST); without it the REST case skips.
    #[arg(long, value_name = "LINE")]
    pub resume: Option<String>,
    /// A line for `sh -c` that downloads over explicit FTPS (AUTH TLS, PROT P) trusting the CA at {ca};
    /// without it the TLS cases skip (a client that cannot be given a CA cannot run them).
    #[arg(long, value_name = "LINE")]
    pub tls: Option<String>,
    /// The client's name in reports and known deviations (default: the program's name).
    #[arg(long)]
    pub name: Option<String>,
    /// Also run SHOULD-level cases.
    #[arg(long)]
    pub strict: bool,
    /// Run only cases whose id matches this glob (repeatable; chooses regardless of level).
    #[arg(long = "case", value_name = "GLOB")]
    pub cases: Vec<String>,
    /// The timeout given to the client as {timeout}; the slow-server case waits twice it.
    #[arg(long, value_name = "SECS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub client_timeout: u64,
    /// Limit for one client run; a client still running then is killed and judged hung.
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Cases run at once, each with its own server and client process.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub jobs: u64,
    /// List the cases (id, level, title) and exit.
    #[arg(long)]
    pub list: bool,
}

impl ClientArgs {
    /// The validated options; `Err` says what is missing.
    pub fn options(&self) -> Result<ClientOptions, String> {
        let command = match (&self.shell, self.command.is_empty()) {
            (Some(line), _) => Template::Shell(line.clone()),
            (None, false) => Template::Argv(self.command.clone()),
            (None, true) => {
                return Err(
                    "a client command is needed: `-- CMD ARGS...` or --shell LINE (see --help)"
                        .into(),
                )
            }
        };
        let name = self.name.clone().unwrap_or_else(|| program_name(&command));
        Ok(ClientOptions {
            command,
            resume: self.resume.clone().map(Template::Shell),
            tls: self.tls.clone().map(Template::Shell),
            name,
            strict: self.strict,
            globs: self.cases.clone(),
            client_timeout: self.client_timeout,
            case_limit: Duration::from_secs(self.timeout),
            jobs: self.jobs as usize,
        })
    }
}

/// `curl` for `curl -s ...` and `/usr/bin/curl`; the first word of a shell line.
fn program_name(command: &Template) -> String {
    let first = match command {
        Template::Argv(words) => words.first().cloned().unwrap_or_default(),
        Template::Shell(line) => line
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    first.rsplit('/').next().unwrap_or_default().to_string()
}

/// `--list`: one line per case.
pub fn list() -> String {
    super::cases::all()
        .iter()
        .map(|case| {
            format!(
                "{:<50} {:<6} {}\n",
                case.id,
                case.level.as_str(),
                case.title
            )
        })
        .collect()
}
