//! `ftp-client`: the command line. Parses arguments into a validated request once, then hands it to the
//! library (`ftp_client::cli::oneshot` or `ftp_client::cli::shell`). Exit codes are
//! `ftp_client::error::exit`.
//!
//! Errors stay the library's typed `Error` up to here rather than `anyhow::Error`: each one's exit code
//! (0-7, listed in `--help`) comes from its variant, and the shell prints it with its script line number,
//! so a type-erased error would only have to be downcast back.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Parser, Subcommand};
use ftp_client::cli::login::LoginSources;
use ftp_client::cli::notice::Notices;
use ftp_client::cli::oneshot::OneShot;
use ftp_client::cli::shell::{self, session::stderr_transcript, Session};
use ftp_client::error::exit;
use ftp_client::{DataMode, Error, Options, TlsMode, TlsOptions, Trust};

const AFTER_HELP: &str = "\
Examples:
  ftp-client ftp://ftp.example.org/pub          interactive shell in /pub (anonymous)
  ftp-client ftp://alice@host:2121/             shell as alice (password asked, or from ~/.netrc)
  echo 'ls' | ftp-client ftp://host/            the same commands as a script from stdin
  ftp-client get ftp://host/pub/file.iso -c     resume a download into ./file.iso
  ftp-client put report.pdf ftp://host/incoming/
  ftp-client ls ftp://host/pub
  ftp-client quote ftp://host/ SITE HELP        one raw command, its reply printed
  ftp-client get --segments 4 ftp://host/pub/big.iso   one file over 4 connections
  ftp-client mirror --parallel 4 ftp://host/pub ./pub   download a tree, 4 files at a time
  ftp-client mirror -R --only-newer --delete ./site ftp://host/www   upload changes, remove extras

FTPS (TLS):
  ftp-client --tls explicit ls ftp://host/pub   AUTH TLS, then PBSZ 0 and PROT P: all data under TLS
  ftp-client ls ftps://host/pub                 implicit FTPS: TLS from the first byte, port 990
  ftp-client --tls explicit --ca-file ca.pem get ftp://host/a.bin   trust a private CA
  ftp-client --tls explicit --insecure ls ftp://127.0.0.1:2121/     test server: certificate unchecked
  ftp-client --tls auto --tls-fallback ftp://host/   TLS if the server offers it, else plain FTP
Certificates are checked against Mozilla's roots (compiled in) unless --ca-file or --insecure.
Data connections resume the control connection's TLS session, as servers that require session
reuse (vsftpd's require_ssl_reuse, ProFTPD's mod_tls) demand. In the shell, `set tls MODE`,
`set ca-file PEM` and `set insecure on|off` change the next `open`.

Exit codes: 0 ok, 1 command refused by the server, 2 usage, 3 connection failure, timeout or TLS,
4 login denied, 5 remote file or directory not found, 6 transfer failed, 7 local I/O error.";

/// An FTP client: interactive shell, scripts on stdin, and one-shot commands.
#[derive(Parser, Debug)]
#[command(
    name = "ftp-client",
    version,
    after_help = AFTER_HELP,
    allow_external_subcommands = true,
    override_usage = "ftp-client [OPTIONS] [URL]\n       ftp-client [OPTIONS] <COMMAND>"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args, Debug)]
struct Global {
    /// Log in as USER (or USER:PASSWORD); the URL's user wins.
    #[arg(long, global = true, value_name = "USER[:PASSWORD]")]
    user: Option<String>,
    /// Read credentials from FILE instead of ~/.netrc.
    #[arg(long, global = true, value_name = "FILE")]
    netrc: Option<PathBuf>,
    /// Active mode: the server connects back (EPRT/PORT). Passive (EPSV/PASV) is the default.
    #[arg(long, global = true)]
    active: bool,
    /// Seconds to wait for a connection, a reply or data.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// Print the FTP dialogue on stderr (password masked).
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Transfer in ASCII mode (TYPE A) instead of binary.
    #[arg(long, global = true)]
    ascii: bool,
    /// FTPS: `explicit` sends AUTH TLS and fails if the server refuses; `auto` sends AUTH TLS and,
    /// if refused, fails unless --tls-fallback allows plain FTP; `implicit` starts TLS at once (as
    /// an ftps:// URL does), on port 990 unless the URL names one; `off` is plain FTP. An ftps://
    /// URL always means implicit.
    #[arg(long, global = true, value_name = "MODE", default_value = "off",
          value_parser = ["auto", "explicit", "implicit", "off"])]
    tls: String,
    /// With --tls auto: go on in plain FTP (password and data in the clear) when the server refuses
    /// AUTH TLS. Without it, a refusal is an error.
    #[arg(long, global = true)]
    tls_fallback: bool,
    /// Trust the CA certificate(s) in this PEM file instead of Mozilla's roots.
    #[arg(long, global = true, value_name = "PEM")]
    ca_file: Option<PathBuf>,
    /// Accept any server certificate (test servers only: the connection can then be read and
    /// changed by anyone in the path).
    #[arg(long, global = true, conflicts_with = "ca_file")]
    insecure: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Download a file.
    #[command(
        after_help = "Examples:\n  ftp-client get ftp://host/pub/a.bin\n  ftp-client get ftp://host/pub/a.bin -o /tmp/a.bin -c\n  ftp-client get ftp://host/notes.txt -o -"
    )]
    Get {
        /// The file to download: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
        /// Where to write it (default: the remote file's name; `-` for stdout; a device or FIFO such
        /// as /dev/null is written as a stream).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Continue a partial local file (REST); a full download if the server cannot resume. Regular
        /// files only.
        #[arg(short = 'c', long = "continue", conflicts_with = "segments")]
        resume: bool,
        /// Fetch the file over N connections at once, each its own byte range (REST), written into
        /// place. Regular files only.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
        segments: Option<u16>,
    },
    /// Upload a file (into the URL's directory when it is one).
    #[command(
        after_help = "Examples:\n  ftp-client put a.bin ftp://host/incoming/\n  ftp-client put a.bin ftp://host/incoming/renamed.bin"
    )]
    Put {
        /// The local file to upload.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Where to: a directory (ending in `/`, or existing) keeps the file's name, else the new name.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// List a directory.
    #[command(after_help = "Example:\n  ftp-client ls ftp://host/pub")]
    Ls {
        /// The directory to list: ftp://[user[:password]@]host[:port][/path].
        #[arg(value_name = "URL")]
        url: String,
        /// One normalised line per entry (type and mode, size, UTC time, name), read from MLSD when
        /// the server offers it, else from LIST, whatever the server's format.
        #[arg(short = 'l', long)]
        long: bool,
    },
    /// Copy a directory tree: server to here, or here to server with -R.
    #[command(after_help = "\
Examples:
  ftp-client mirror ftp://host/pub ./pub                      download ./pub
  ftp-client mirror --parallel 4 --only-newer ftp://host/pub ./pub   4 at once; only what changed
  ftp-client mirror -R ./site ftp://host/www --delete         upload, removing remote extras
  ftp-client mirror --dry-run --delete ftp://host/pub ./pub   print the plan, change nothing

Only-newer copies a file when the destination lacks it, its size differs, or the source is newer
(MLSD or MDTM times; downloaded files get the remote time). Broken transfers are retried with
backoff (421, 426, timeouts, lost connections); downloads resume with REST. Links and special files
are skipped. The exit code is 0 only if every file made it (6 otherwise).")]
    Mirror(ftp_client::cli::mirror::MirrorArgs),
    /// Create a directory.
    #[command(after_help = "Example:\n  ftp-client mkdir ftp://host/incoming/new")]
    Mkdir {
        /// The directory to create: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Remove an empty directory.
    #[command(after_help = "Example:\n  ftp-client rmdir ftp://host/incoming/new")]
    Rmdir {
        /// The empty directory to remove: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Delete a file.
    #[command(after_help = "Example:\n  ftp-client rm ftp://host/incoming/a.bin")]
    Rm {
        /// The file to delete: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Print a remote file's size in bytes (SIZE).
    #[command(after_help = "Example:\n  ftp-client size ftp://host/pub/a.iso")]
    Size {
        /// The file: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Print a remote file's modification time (MDTM), in UTC.
    #[command(after_help = "Example:\n  ftp-client mdtm ftp://host/pub/a.iso")]
    Mdtm {
        /// The file: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Set a remote file's permission bits (SITE CHMOD).
    #[command(after_help = "Example:\n  ftp-client chmod 644 ftp://host/incoming/a.txt")]
    Chmod {
        /// The mode, in octal (at most 777).
        #[arg(value_name = "MODE")]
        mode: String,
        /// The file: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Rename a remote file or directory (RNFR, RNTO).
    #[command(after_help = "Example:\n  ftp-client rename ftp://host/incoming/a.txt b.txt")]
    Rename {
        /// What to rename: ftp://[user[:password]@]host[:port]/path.
        #[arg(value_name = "URL")]
        url: String,
        /// The new name, as the server reads it (relative to the login directory, or absolute).
        #[arg(value_name = "NEW")]
        to: String,
    },
    /// Send one raw command after the login and print the server's reply, whatever its code.
    #[command(
        after_help = "Examples:\n  ftp-client quote ftp://host/ SITE HELP\n  ftp-client quote ftp://host/ FEAT"
    )]
    Quote {
        /// The server: ftp://[user[:password]@]host[:port][/path] (the path is entered first).
        #[arg(value_name = "URL")]
        url: String,
        /// The command line, as the server is to read it (words joined by one space).
        #[arg(value_name = "RAW", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
        raw: Vec<String>,
    },
    /// A URL instead of a command: open a shell on ftp://[user[:password]@]host[:port][/path]. Without
    /// one the shell starts unconnected (use `open`).
    #[command(external_subcommand)]
    Shell(Vec<String>),
}

fn main() {
    let cli = cli_usage::parse::<Cli>();
    std::process::exit(run(cli));
}

fn run(cli: Cli) -> i32 {
    let interactive = std::io::stdin().is_terminal();
    let global = &cli.global;
    let tls_mode = match global.tls.parse::<TlsMode>() {
        Ok(mode) => mode,
        Err(error) => return shell::report(&error, None),
    };
    let trust = match (&global.ca_file, global.insecure) {
        (_, true) => Trust::Insecure,
        (Some(path), false) => Trust::CaFile(path.clone()),
        (None, false) => Trust::PublicRoots,
    };
    let options = Options {
        timeout: Duration::from_secs(global.timeout.max(1)),
        mode: if global.active {
            DataMode::Active
        } else {
            DataMode::Passive
        },
        transfer_type: if global.ascii {
            ftp_client::TransferType::Ascii
        } else {
            ftp_client::TransferType::Binary
        },
        transcript: global.verbose.then(stderr_transcript),
        tls: TlsOptions {
            mode: tls_mode,
            trust,
            fallback: global.tls_fallback,
            ..TlsOptions::default()
        },
    };
    let sources = LoginSources {
        user: global.user.clone(),
        netrc: global.netrc.clone(),
        may_prompt: interactive,
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return shell::report(&Error::local("the async runtime", error), None),
    };
    let (parsed, shell_url) = match cli.command {
        Some(Command::Shell(words)) => match &words[..] {
            [url] => (Ok(None), Some(url.clone())),
            _ => (
                Err(Error::Usage(format!(
                    "expected one URL or a command, got {words:?}"
                ))),
                None,
            ),
        },
        Some(command) => (one_shot(command).map(Some), None),
        None => (Ok(None), None),
    };
    match parsed {
        Err(error) => shell::report(&error, None),
        Ok(Some(command)) => {
            let progress = std::io::stderr().is_terminal();
            // `get -o -` writes the file to stdout: nothing else may go there.
            let notices = match &command {
                OneShot::Get {
                    output: Some(path), ..
                } if path.as_os_str() == "-" => Notices::off(),
                _ => Notices::for_this_process(),
            };
            match runtime.block_on(ftp_client::cli::oneshot::run(
                command, &sources, options, progress, notices,
            )) {
                Ok(()) => exit::OK,
                Err(error) => shell::report(&error, None),
            }
        }
        Ok(None) => {
            let names = Arc::new(Mutex::new(Vec::new()));
            let cache = interactive.then(|| names.clone());
            let notices = Notices::for_this_process();
            let mut session = Session::new(sources, options, interactive, notices, cache);
            if let Some(url) = &shell_url {
                let opened =
                    ftp_client::url::parse(url).and_then(|url| runtime.block_on(session.open(url)));
                if let Err(error) = opened {
                    return shell::report(&error, None);
                }
            }
            if interactive {
                shell::run_interactive(&runtime, &mut session, names)
            } else {
                shell::run_script(&runtime, &mut session, std::io::stdin().lock())
            }
        }
    }
}

fn one_shot(command: Command) -> Result<OneShot, Error> {
    Ok(match command {
        Command::Get {
            url,
            output,
            segments: Some(segments),
            ..
        } if segments > 1 => OneShot::SegmentedGet {
            url: ftp_client::url::parse(&url)?,
            output,
            segments: usize::from(segments),
        },
        Command::Get {
            url,
            output,
            resume,
            ..
        } => OneShot::Get {
            url: ftp_client::url::parse(&url)?,
            output,
            resume,
        },
        Command::Put { file, url } => OneShot::Put {
            file,
            url: ftp_client::url::parse(&url)?,
        },
        Command::Ls { url, long: false } => OneShot::Ls(ftp_client::url::parse(&url)?),
        Command::Ls { url, long: true } => OneShot::LsLong(ftp_client::url::parse(&url)?),
        Command::Mirror(args) => OneShot::Mirror(args),
        Command::Mkdir { url } => OneShot::Mkdir(ftp_client::url::parse(&url)?),
        Command::Rmdir { url } => OneShot::Rmdir(ftp_client::url::parse(&url)?),
        Command::Rm { url } => OneShot::Rm(ftp_client::url::parse(&url)?),
        Command::Size { url } => OneShot::Size(ftp_client::url::parse(&url)?),
        Command::Mdtm { url } => OneShot::Mdtm(ftp_client::url::parse(&url)?),
        Command::Chmod { mode, url } => OneShot::Chmod {
            mode: u32::from_str_radix(&mode, 8)
                .ok()
                .filter(|mode| *mode <= 0o777)
                .ok_or_else(|| Error::Usage(format!("{mode:?} is not an octal mode (e.g. 644)")))?,
            url: ftp_client::url::parse(&url)?,
        },
        Command::Rename { url, to } => OneShot::Rename {
            url: ftp_client::url::parse(&url)?,
            to,
        },
        Command::Quote { url, raw } => OneShot::Quote {
            url: ftp_client::url::parse(&url)?,
            line: raw.join(" "),
        },
        Command::Shell(_) => return Err(Error::Usage("a URL opens the shell".into())),
    })
}
