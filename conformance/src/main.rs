//! `ftp-conformance` command line: parses the arguments, runs the suite (or builds the matrix) and maps
//! the result to an exit code: 0 all passed, 1 something failed, 2 usage or connection error (every
//! `Err` that reaches `main`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use ftp_conformance::client_mode::cli::ClientArgs;
use ftp_conformance::target::{Options, Profile, TlsOptions as TargetTls};
use ftp_conformance::tls::TlsMode;
use ftp_conformance::{cases, client_mode, deviations, matrix, progress, report, runner};

const EXAMPLES: &str = "\
Examples:
  Everything against a local server (anonymous login, scratch directory under /upload):
    ftp-conformance ftp://127.0.0.1:2121/upload
  With SHOULD-level cases, the brief's exact texts, and JUnit for CI:
    ftp-conformance ftp://127.0.0.1:2121/ --strict --profile brief --format junit --output report.xml
  One case, or a group, by id glob:
    ftp-conformance ftp://user:secret@ftp.example.com/ --case 'rfc959/4.1.3/abor-*'
  A read-only server, reading an existing file:
    ftp-conformance ftp://127.0.0.1:2121/ --retr-file pub/README
  With the server's per-address limit, and a link in its root to /srv/outside (holding secret.txt):
    ftp-conformance ftp://127.0.0.1:2121/ --max-per-ip 20 --outside-link out --outside-file secret.txt
  With the server's limit of connections at once (the server-full 421 case, run alone):
    ftp-conformance ftp://127.0.0.1:2121/ --max-clients 50 --case rfc959/5.4/server-full-421
  Explicit FTPS (AUTH TLS, then PBSZ 0 and PROT P), trusting the server's CA:
    ftp-conformance ftp://127.0.0.1:2121/ --tls explicit --ca-file ca.pem
  Implicit FTPS on port 990 of a self-signed server that refuses USER before AUTH:
    ftp-conformance ftps://127.0.0.1/ --insecure --tls-required
  An IPv6 target (EPSV/EPRT are then the only data commands):
    ftp-conformance 'ftp://[::1]:2121/'
  An HTML report (summary, cases by RFC section, transcripts):
    ftp-conformance ftp://127.0.0.1:2121/ --format html --output report.html
  All cases and their levels:
    ftp-conformance --list
  The matrix of several JSON reports, as Markdown and as an HTML page:
    ftp-conformance matrix vsftpd.json proftpd.json --deviations conformance/known-deviations.toml --html matrix.html
  Judge an FTP client instead (scripted servers on loopback; see `ftp-conformance client --help`):
    ftp-conformance client -- curl -s {url}/file -o {out}";

/// Validates an FTP server against RFC 959 (with RFC 2577, 2428, 3659) and the brief, case by case.
#[derive(Parser, Debug)]
#[command(name = "ftp-conformance", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The server: ftp://[user[:pass]@]host[:port][/dir] (anonymous without a user).
    url: Option<String>,
    /// List the cases (id, level, title) and exit.
    #[arg(long)]
    list: bool,
    /// Run only cases whose id matches this glob (repeatable; chooses regardless of level).
    #[arg(long = "case", value_name = "GLOB")]
    cases: Vec<String>,
    /// Also run SHOULD-level cases (a recommendation not followed fails). Legal but weaker answers are
    /// reported as non-strict, never as failures.
    #[arg(long)]
    strict: bool,
    /// `brief` adds the brief's exact texts and its ignore-during-transfer rule.
    #[arg(long, value_enum, default_value = "rfc")]
    profile: Profile,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Limit for one case, in seconds (replies are waited for a quarter of it, 1-15 s).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Cases run at once, each on its own connections.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=64))]
    jobs: u64,
    /// An existing file (path relative to the URL's directory) for the read cases on a read-only server.
    #[arg(long, value_name = "PATH")]
    retr_file: Option<String>,
    /// A local file inside the server's root the suite may write and truncate mid-RETR (the 451 case).
    #[arg(long, value_name = "PATH")]
    fault_file: Option<PathBuf>,
    /// The FTP path of --fault-file (default: its file name in the URL's directory).
    #[arg(long, value_name = "PATH", requires = "fault_file")]
    fault_remote: Option<String>,
    /// The server's limit of connections from one address: the N+1st must get 421 (without it, that
    /// case skips). On loopback the case connects from 127.0.0.3, apart from the other cases.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    max_per_ip: Option<u64>,
    /// The server's limit of connections at once (all addresses): with it, filling the server must
    /// end in 421 (without it, that case skips). The case fills the server, so other cases running at
    /// the same time would get 421: run it alone (`--case rfc959/5.4/server-full-421`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    max_clients: Option<u64>,
    /// A symlink in the server's root (path relative to the URL's directory) that points to a directory
    /// outside it: RETR, LIST, CWD, SIZE, RNFR and STOR through it must be refused (without it, those
    /// cases skip).
    #[arg(long, value_name = "NAME")]
    outside_link: Option<String>,
    /// A file in the directory --outside-link points to: what RETR, SIZE and RNFR through the link try
    /// to reach, and what the rename race tries to move in (the race skips without it; on a vulnerable
    /// server the file may end up moved into the scratch directory and removed with it).
    #[arg(long, value_name = "FILE", requires = "outside_link")]
    outside_file: Option<String>,
    /// The server's name in reports and known deviations (default: host:port).
    #[arg(long)]
    name: Option<String>,
    /// Run every case N times; a case whose verdicts differ is reported `unstable` (a failure).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    repeat: u64,
    /// Show progress on stderr: a bar on a terminal, else a line per finished case.
    #[arg(long)]
    progress: bool,
    /// FTPS: `explicit` sends AUTH TLS after the greeting, then PBSZ 0 and PROT P after login, so every
    /// case runs over TLS; `implicit` starts TLS at once (what an ftps:// URL means).
    #[arg(long, value_enum, value_name = "MODE")]
    tls: Option<TlsMode>,
    /// FTPS: trust the CA certificates in this PEM file (the server's name is checked against the URL's host).
    #[arg(long, value_name = "PEM", conflicts_with = "insecure")]
    ca_file: Option<PathBuf>,
    /// FTPS: accept any server certificate (self-signed test servers); signatures are still checked.
    #[arg(long)]
    insecure: bool,
    /// FTPS: the server refuses USER before AUTH TLS; the rfc4217 case for that then runs.
    #[arg(long)]
    tls_required: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build the case x server matrix (Markdown) from JSON reports; exit 1 on failures not listed as
    /// known deviations.
    Matrix {
        /// JSON reports written with --format json.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// The known deviations.
        #[arg(long, default_value = "conformance/known-deviations.toml")]
        deviations: PathBuf,
        /// Write the matrix to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write the matrix as one self-contained HTML page to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Judge an FTP client: scripted servers on loopback, one per case, and the client command run
    /// against each (`-- CMD ARGS...` with {url}, {out}, {dir}, {timeout} substituted).
    #[command(after_help = client_mode::cli::EXAMPLES)]
    Client {
        #[command(flatten)]
        args: ClientArgs,
        /// Report format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Write the report to FILE instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Junit,
    /// One self-contained HTML page: summary, cases by RFC section, transcripts.
    Html,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli_usage::parse::<Cli>();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            // The alternate form appends each cause after a colon: `cannot write out.xml: Permission denied`.
            eprintln!("ftp-conformance: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs what the command line asks for; the exit code says whether the server (or the matrix) passed.
async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(Command::Matrix {
        reports,
        deviations,
        output,
        html,
    }) = cli.command
    {
        return build_matrix(&reports, &deviations, output.as_ref(), html.as_ref());
    }
    if let Some(Command::Client {
        args,
        format,
        output,
    }) = cli.command
    {
        return run_client_mode(&args, format, output.as_ref()).await;
    }
    if cli.list {
        list(cli.format)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(url) = cli.url else {
        bail!("a URL is needed (ftp://host:port/dir); see --help");
    };
    let mut watch: Box<dyn runner::Watch> = if cli.progress {
        let server = cli.name.clone().unwrap_or_else(|| url.clone());
        Box::new(progress::Progress::new(server))
    } else {
        Box::new(runner::Silent)
    };
    let options = Options {
        url: url.clone(),
        name: cli.name,
        profile: cli.profile,
        strict: cli.strict,
        case_timeout: Duration::from_secs(cli.timeout),
        retr_file: cli.retr_file,
        fault_file: cli.fault_file,
        fault_remote: cli.fault_remote,
        max_per_ip: cli.max_per_ip.map(|n| n as usize),
        max_clients: cli.max_clients.map(|n| n as usize),
        outside_link: cli.outside_link,
        outside_file: cli.outside_file,
        repeat: cli.repeat as usize,
        tls: tls_options(&url, cli.tls, cli.ca_file, cli.insecure, cli.tls_required)?,
    };
    let run = runner::run_suite(&options, cli.cases, cli.jobs as usize, watch.as_mut()).await;
    // The bar is cleared before the report (or the error) is printed.
    drop(watch);
    let run = run?;
    let text = match cli.format {
        Format::Text => report::text::render(&run),
        Format::Json => report::json::render(&run),
        Format::Junit => report::junit::render(&run),
        Format::Html => report::html::render(&run),
    };
    emit(&text, cli.output.as_ref())?;
    Ok(if run.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `ftp-conformance client`: the client cases against the given command; exit 1 when one failed.
async fn run_client_mode(
    args: &ClientArgs,
    format: Format,
    output: Option<&PathBuf>,
) -> anyhow::Result<ExitCode> {
    if args.list {
        print!("{}", client_mode::cli::list());
        return Ok(ExitCode::SUCCESS);
    }
    let options = args.options().map_err(anyhow::Error::msg)?;
    let run = client_mode::run(&options).await;
    // The same renderers as server mode.
    let text = match format {
        Format::Text => report::text::render(&run),
        Format::Json => report::json::render(&run),
        Format::Junit => report::junit::render(&run),
        Format::Html => report::html::render(&run),
    };
    emit(&text, output)?;
    Ok(if run.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The FTPS settings: an `ftps://` URL means implicit TLS; `--tls` chooses for an `ftp://` one.
fn tls_options(
    url: &str,
    mode: Option<TlsMode>,
    ca_file: Option<PathBuf>,
    insecure: bool,
    required: bool,
) -> anyhow::Result<Option<TargetTls>> {
    let mode = match (ftp_conformance::target::implicit_tls_url(url), mode) {
        (Some(_), None | Some(TlsMode::Implicit)) => TlsMode::Implicit,
        (Some(_), Some(TlsMode::Explicit)) => {
            bail!("an ftps:// URL is implicit FTPS; use ftp:// with --tls explicit")
        }
        (None, Some(mode)) => mode,
        (None, None) => {
            if ca_file.is_some() || insecure || required {
                bail!("--ca-file, --insecure and --tls-required need --tls or an ftps:// URL");
            }
            return Ok(None);
        }
    };
    Ok(Some(TargetTls {
        mode,
        ca_file,
        insecure,
        required,
    }))
}

/// `--list`: every case as a table (text), or as JSON objects with id, level, title and requirement.
fn list(format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            let cases: Vec<serde_json::Value> = cases::all()
                .iter()
                .map(|case| {
                    serde_json::json!({
                        "id": case.id,
                        "level": case.level,
                        "title": case.title,
                        "requirement": case.requirement,
                    })
                })
                .collect();
            emit(
                &format!("{}\n", serde_json::to_string_pretty(&cases)?),
                None,
            )
        }
        Format::Text | Format::Junit | Format::Html => {
            let lines: String = cases::all()
                .iter()
                .map(|case| {
                    format!(
                        "{:<48} {:<6} {}\n",
                        case.id,
                        case.level.as_str(),
                        case.title
                    )
                })
                .collect();
            emit(&lines, None)
        }
    }
}

/// Writes to the file, or to standard output.
fn emit(text: &str, output: Option<&PathBuf>) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            // A reader that stops early (`| head`) is not an error of ours: stop writing, quietly.
            match std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes()) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(error).context("cannot write to standard output")
                }
                _ => Ok(()),
            }
        }
    }
}

fn build_matrix(
    reports: &[PathBuf],
    deviations_file: &PathBuf,
    output: Option<&PathBuf>,
    html: Option<&PathBuf>,
) -> anyhow::Result<ExitCode> {
    let known = std::fs::read_to_string(deviations_file)
        .map_err(anyhow::Error::from)
        .and_then(|t| Ok(deviations::parse(&t)?))
        .with_context(|| deviations_file.display().to_string())?;
    let mut columns = Vec::new();
    for path in reports {
        let column = std::fs::read_to_string(path)
            .map_err(anyhow::Error::from)
            .and_then(|t| Ok(matrix::column(&t)?))
            .with_context(|| path.display().to_string())?;
        columns.push(column);
    }
    let mut levels: std::collections::BTreeMap<String, (String, String)> = cases::all()
        .iter()
        .map(|c| {
            (
                c.id.to_string(),
                (c.level.as_str().to_string(), c.title.to_string()),
            )
        })
        .collect();
    // Reports of client mode (`ftp-conformance client --format json`) go into the same matrix.
    levels.extend(client_mode::cases::all().iter().map(|c| {
        (
            c.id.to_string(),
            (c.level.as_str().to_string(), c.title.to_string()),
        )
    }));
    let (markdown, unlisted) = matrix::render(&columns, &known, &levels);
    emit(&markdown, output)?;
    if let Some(path) = html {
        let page = ftp_conformance::matrix_html::render(&columns, &known, &levels);
        std::fs::write(path, page).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if unlisted.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for line in &unlisted {
            eprintln!("ftp-conformance: unlisted failure: {line}");
        }
        Ok(ExitCode::from(1))
    }
}
