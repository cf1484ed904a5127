//! The server under test: its URL and credentials, what FEAT advertises, and the scratch directory the
//! suite works in (MKD of a unique name before the cases, removed afterwards even after failures). A
//! target that refuses MKD is read-only: write cases skip with that reason and `--retr-file` names a file
//! for the read cases. The large file stalled transfers read is uploaded here, once per run.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ftp_proto::{Command, FtpUrl, PathArg, ProtectionLevel, Reply, TransferType, UrlError};
use tokio::sync::OnceCell;

use crate::case::{Outcome, Step};
use crate::conn::{show, Control, Transcript};
use crate::steps::{self, pattern};

/// Which set of requirements a run checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// RFC 959 and its companions only.
    Rfc,
    /// The RFCs plus the brief's exact texts and its ignore-during-transfer rule.
    Brief,
}

/// Where and how to test, as given on the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub url: String,
    /// How many times every case runs (`--repeat`); differing verdicts make a case `unstable`.
    pub repeat: usize,
    /// The server's name in reports and in known deviations (default: the URL's host and port).
    pub name: Option<String>,
    pub profile: Profile,
    pub strict: bool,
    /// Limit for one case.
    pub case_timeout: Duration,
    /// An existing file (FTP path, relative to the URL's directory) for the read cases.
    pub retr_file: Option<String>,
    /// A local file inside the server's root that the suite may write and truncate mid-transfer.
    pub fault_file: Option<PathBuf>,
    /// The FTP path of `fault_file` (default: its file name, in the URL's directory).
    pub fault_remote: Option<String>,
    /// The server's limit of connections from one address (`--max-per-ip`), for the 421 case.
    pub max_per_ip: Option<usize>,
    /// The server's limit of connections at once (`--max-clients`), for the server-full 421 case.
    pub max_clients: Option<usize>,
    /// A symlink in the root (FTP path, relative to the URL's directory) that points outside the root.
    pub outside_link: Option<String>,
    /// The name of a file in the directory `outside_link` points to.
    pub outside_file: Option<String>,
    /// FTPS: how TLS starts and what to trust (`ftps://`, `--tls`, `--ca-file`, `--insecure`).
    pub tls: Option<TlsOptions>,
}

/// The command line's FTPS settings; the server name to check comes from the URL.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    pub mode: crate::tls::TlsMode,
    pub ca_file: Option<PathBuf>,
    pub insecure: bool,
    /// The target refuses USER before AUTH TLS.
    pub required: bool,
}

/// Why the suite cannot run at all (exit 2), or could not clean up after itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The URL is not an `ftp://` URL.
    #[error("{url:?}: expected ftp://[user[:pass]@]host[:port][/dir]")]
    NotFtp { url: String },
    /// The URL names no host.
    #[error("{url:?}: no host")]
    NoHost { url: String },
    /// Another flaw of the URL: its port, an unclosed `[`, a percent-escape.
    #[error(transparent)]
    Url(UrlError),
    /// The TLS settings cannot be used.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsSetupError),
    /// The host name does not resolve.
    #[error("cannot resolve {host}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    /// The host name resolves to nothing.
    #[error("{host} has no address")]
    NoAddress { host: String },
    /// The setup session failed at connect, greeting, login or CWD: why, and the transcript's tail.
    #[error("cannot start a session: {0}")]
    Session(String),
    /// The setup session got a malformed reply (RFC 959 §4.2): a verdict on the server, not a reason to
    /// give up; the run reports it as `rfc959/4.2/reply-grammar`.
    #[error("malformed reply in setup: {summary}")]
    MalformedReply {
        summary: String,
        outcome: Outcome,
        transcript: Vec<String>,
    },
    /// FEAT or MKD got no reply in setup: why, and the transcript's tail.
    #[error("{0}")]
    Setup(String),
    /// The scratch directory could not be removed: why, and the transcript's tail.
    #[error("could not remove {dir}: {why}")]
    Cleanup { dir: String, why: String },
}

/// Who the suite logs in as and where it works: the URL's parts with the suite's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The URL's user, else `anonymous` (RFC 1738 §3.2).
    pub user: String,
    /// The URL's password, else an e-mail address as anonymous servers ask for.
    pub pass: String,
    /// The URL's directory as an absolute path: `/upload` for `ftp://h/upload`, `/` for none.
    pub dir: String,
}

impl Login {
    /// Parses `text`, worded as the suite's setup errors.
    pub fn from_url(text: &str) -> Result<(FtpUrl, Login), TargetError> {
        // `ftps://` (implicit FTPS) is an `ftp://` URL whose default port is 990.
        let implicit = implicit_tls_url(text);
        let parsed = match &implicit {
            Some(rest) => FtpUrl::parse(&format!("ftp://{rest}")).map(|mut url| {
                if !names_port(rest) {
                    url.port = IMPLICIT_TLS_PORT;
                }
                url
            }),
            None => FtpUrl::parse(text),
        };
        let url = parsed.map_err(|error| match error {
            UrlError::NoScheme | UrlError::Scheme(_) => TargetError::NotFtp { url: text.into() },
            UrlError::NoHost => TargetError::NoHost { url: text.into() },
            other => TargetError::Url(other),
        })?;
        let login = Login {
            user: url.user.clone().unwrap_or_else(|| "anonymous".into()),
            pass: url
                .password
                .clone()
                .unwrap_or_else(|| "conformance@example.com".into()),
            // The URL's path is relative to the login directory; the suite has always sent it as an
            // absolute path, so `ftp://h//x` gives `//x`, as before.
            dir: format!("/{}", url.path),
        };
        Ok((url, login))
    }
}

/// The port of implicit FTPS when an `ftps://` URL names none.
pub const IMPLICIT_TLS_PORT: u16 = 990;

/// What follows `ftps://` in `text` (the scheme in any case), or `None` for another scheme.
pub fn implicit_tls_url(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once("://")?;
    scheme.eq_ignore_ascii_case("ftps").then_some(rest)
}

/// True when the authority of `rest` (after `scheme://`) ends in `:port`.
fn names_port(rest: &str) -> bool {
    let authority = rest.split('/').next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let after_bracket = host_port.rsplit(']').next().unwrap_or("");
    after_bracket.contains(':')
}

/// Size of the file stalled transfers read from: larger than any socket buffers between the two ends.
/// A `--retr-file` used for them on a read-only target must be at least as large.
pub const BIG_FILE: usize = 16 * 1024 * 1024;

/// The file stalled transfers read: its path and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigFile {
    pub path: String,
    pub size: u64,
}

/// Why the suite has no scratch directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoScratch {
    /// MKD was refused (550, 553, 530, 532): a read-only target; write cases skip.
    ReadOnly(String),
    /// MKD got a reply that is neither 257 nor a refusal: write cases fail with it.
    Broken(String),
}

impl NoScratch {
    pub fn reason(&self) -> &str {
        match self {
            NoScratch::ReadOnly(reason) | NoScratch::Broken(reason) => reason,
        }
    }

    /// The outcome of a case that needs a scratch directory.
    pub fn outcome(&self) -> Outcome {
        match self {
            NoScratch::ReadOnly(reason) => Outcome::skip(reason.clone()),
            NoScratch::Broken(reason) => Outcome::fail(
                &["MKD: 257 \"<directory-name>\" (or a refusal: 550, 553, 530, 532)"],
                reason.clone(),
            ),
        }
    }
}

/// Everything cases share about the server under test.
#[derive(Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub login: Login,
    pub name: String,
    pub profile: Profile,
    pub strict: bool,
    pub case_timeout: Duration,
    pub reply_timeout: Duration,
    /// FEAT's feature lines, uppercase and trimmed; empty when FEAT is refused.
    pub features: Vec<String>,
    /// The scratch directory (FTP path relative to the URL's directory), or why there is none.
    pub scratch: Result<String, NoScratch>,
    pub retr_file: Option<String>,
    pub fault_file: Option<(PathBuf, String)>,
    pub max_per_ip: Option<usize>,
    pub max_clients: Option<usize>,
    pub outside_link: Option<String>,
    pub outside_file: Option<String>,
    /// FTPS: how every connection starts TLS; `None` for a plain target.
    pub tls: Option<crate::tls::TlsSetup>,
    /// The URL's host as written (without brackets).
    url_host: String,
    /// Held by the case using `fault_file`: there is one such file and several cases.
    pub fault_turn: tokio::sync::Mutex<()>,
    big: OnceCell<Result<BigFile, Outcome>>,
    sequence: AtomicU64,
}

impl Target {
    /// Connects, logs in, reads FEAT and makes the scratch directory. An error here means the suite
    /// cannot run at all (exit 2).
    pub async fn prepare(options: &Options) -> Result<Arc<Target>, TargetError> {
        let (url, login) = Login::from_url(&options.url)?;
        let addr = tokio::net::lookup_host((url.host.as_str(), url.port))
            .await
            .map_err(|source| TargetError::Resolve {
                host: url.host.clone(),
                source,
            })?
            .next()
            .ok_or_else(|| TargetError::NoAddress {
                host: url.host.clone(),
            })?;
        let reply_timeout =
            (options.case_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(15));
        let fault_file = options.fault_file.as_ref().map(|local| {
            let remote = options.fault_remote.clone().unwrap_or_else(|| {
                local
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            (local.clone(), remote)
        });
        let mut target = Target {
            addr,
            name: options
                .name
                .clone()
                .unwrap_or_else(|| format!("{}:{}", url.host, url.port)),
            login,
            profile: options.profile,
            strict: options.strict,
            case_timeout: options.case_timeout,
            reply_timeout,
            features: Vec::new(),
            scratch: Err(NoScratch::ReadOnly("not prepared".into())),
            retr_file: options.retr_file.clone(),
            fault_file,
            max_per_ip: options.max_per_ip,
            max_clients: options.max_clients,
            outside_link: options.outside_link.clone(),
            outside_file: options.outside_file.clone(),
            url_host: url.host.clone(),
            tls: match &options.tls {
                Some(tls) => Some(crate::tls::TlsSetup::new(
                    tls.mode,
                    &url.host,
                    tls.ca_file.as_deref(),
                    tls.insecure,
                    tls.required,
                )?),
                None => None,
            },
            fault_turn: tokio::sync::Mutex::new(()),
            big: OnceCell::new(),
            sequence: AtomicU64::new(0),
        };
        let transcript = Transcript::default();
        let setup = |outcome: Outcome| {
            malformed(&outcome, &transcript)
                .unwrap_or_else(|| TargetError::Setup(describe(&outcome, &transcript)))
        };
        let mut control = target
            .session("setup", transcript.clone())
            .await
            .map_err(|outcome| {
                malformed(&outcome, &transcript)
                    .unwrap_or_else(|| TargetError::Session(describe(&outcome, &transcript)))
            })?;
        let feat = control.cmd(&Command::Feat).await.map_err(setup)?;
        if feat.code == 211 {
            target.features = feat
                .lines
                .iter()
                .skip(1)
                .map(|l| l.text().trim().to_ascii_uppercase())
                .collect();
            target.features.pop();
        }
        let unique = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let scratch = format!("ftp-conformance-{}-{unique}", std::process::id());
        let mkd = control
            .cmd(&Command::Mkd(PathArg::from(&scratch)))
            .await
            .map_err(setup)?;
        target.scratch = match mkd.code {
            257 => Ok(scratch),
            550 | 553 | 530 | 532 => Err(NoScratch::ReadOnly(format!(
                "read-only target (MKD refused: {})",
                show(&mkd)
            ))),
            _ => Err(NoScratch::Broken(format!(
                "MKD {scratch}: {} (neither 257 nor a refusal)",
                show(&mkd)
            ))),
        };
        let _ = control.cmd(&Command::Quit).await;
        Ok(Arc::new(target))
    }

    /// Removes the scratch directory and everything in it; best effort, reports what was left behind.
    pub async fn cleanup(&self) -> Result<(), TargetError> {
        let Ok(scratch) = &self.scratch else {
            return Ok(());
        };
        let transcript = Transcript::default();
        let result = async {
            let mut control = self.session("cleanup", transcript.clone()).await?;
            steps::remove_tree(&mut control, scratch, 3).await?;
            let _ = control.cmd(&Command::Quit).await;
            Ok::<(), Outcome>(())
        }
        .await;
        result.map_err(|o| TargetError::Cleanup {
            dir: scratch.clone(),
            why: describe(&o, &transcript),
        })
    }

    /// A connection that has read the greeting and, on a TLS target, is under TLS (implicit: from the
    /// first byte; explicit: after `AUTH TLS`, which must get 234). Not logged in.
    pub async fn connect(
        &self,
        label: &str,
        transcript: Transcript,
        source: Option<IpAddr>,
    ) -> Step<(Control, Reply)> {
        let mut control =
            Control::connect_from(self.addr, source, label, transcript, self.reply_timeout).await?;
        let Some(tls) = &self.tls else {
            let greeting = control.reply().await?;
            return Ok((control, greeting));
        };
        if tls.mode == crate::tls::TlsMode::Implicit {
            control.start_tls(tls.session()).await?;
            // Implicit FTPS servers protect data from the start (PROT P without asking), so a case
            // that logs in by hand must make its data connections TLS too.
            control.set_data_protected(true);
        }
        let greeting = control.reply().await?;
        if tls.mode == crate::tls::TlsMode::Explicit && greeting.code == 220 {
            let auth = control.auth_tls(tls.session()).await?;
            if auth.code != 234 {
                return Err(Outcome::fail(
                    &["AUTH TLS: 234 (RFC 4217 §4)"],
                    format!("AUTH TLS: {}", show(&auth)),
                ));
            }
        }
        Ok((control, greeting))
    }

    /// A logged-in session in the URL's directory; on a TLS target with PBSZ 0 and PROT P sent, so
    /// that every data connection is TLS too (RFC 4217 §8, §9).
    pub async fn session(&self, label: &str, transcript: Transcript) -> Step<Control> {
        let (mut control, greeting) = self.connect(label, transcript, None).await?;
        if greeting.code != 220 {
            return Err(Outcome::error(format!("greeting was {}", show(&greeting))));
        }
        control.login(&self.login.user, &self.login.pass).await?;
        if self.tls.is_some() {
            for command in [Command::Pbsz(0), Command::Prot(ProtectionLevel::Private)] {
                let reply = control.cmd(&command).await?;
                if reply.code != 200 {
                    return Err(Outcome::error(format!("{command}: {}", show(&reply))));
                }
            }
            control.set_data_protected(true);
        }
        if self.login.dir != "/" && !self.login.dir.is_empty() {
            let cwd = control
                .cmd(&Command::Cwd(PathArg::from(&self.login.dir)))
                .await?;
            if cwd.code != 250 {
                return Err(Outcome::error(format!(
                    "CWD {}: {}",
                    self.login.dir,
                    show(&cwd)
                )));
            }
        }
        Ok(control)
    }

    /// The host as the URL names it (a name or an address), for certificate checks.
    pub fn url_host(&self) -> String {
        self.url_host.clone()
    }

    /// True when FEAT advertised `feature` (its first word).
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features
            .iter()
            .any(|line| line.split_whitespace().next() == Some(feature))
    }

    /// True when the server is on loopback, so that the suite can use 127.0.0.2 as a third host.
    pub fn on_loopback(&self) -> bool {
        matches!(self.addr.ip(), IpAddr::V4(ip) if ip.is_loopback())
    }

    /// A short tag, unique in this run, for the names one case creates.
    pub fn next_tag(&self) -> String {
        format!("c{}", self.sequence.fetch_add(1, Ordering::Relaxed))
    }

    /// The file stalled transfers read, found on first use: on a writable target a file of [`BIG_FILE`]
    /// bytes uploaded to the scratch directory; on a read-only one `--retr-file`, if SIZE shows it is
    /// at least that large. `Err` is the outcome of a case that needs it.
    pub async fn big_file(&self) -> &Result<BigFile, Outcome> {
        self.big
            .get_or_init(|| async {
                match &self.scratch {
                    Ok(dir) => self.upload_big_file(dir).await,
                    Err(NoScratch::Broken(_)) => Err(self.scratch_outcome()),
                    Err(NoScratch::ReadOnly(_)) => self.sized_retr_file().await,
                }
            })
            .await
    }

    /// The outcome of a case that needs the scratch directory there is not.
    pub fn scratch_outcome(&self) -> Outcome {
        match &self.scratch {
            Ok(_) => Outcome::error("the scratch directory exists"),
            Err(missing) => missing.outcome(),
        }
    }

    async fn upload_big_file(&self, dir: &str) -> Result<BigFile, Outcome> {
        let path = format!("{dir}/big.bin");
        let transcript = Transcript::default();
        let upload = async {
            let mut control = self.session("big-upload", transcript.clone()).await?;
            control.cmd(&Command::Type(TransferType::Image)).await?;
            steps::upload(
                &mut control,
                &path,
                &pattern(BIG_FILE),
                crate::data::Mode::Passive,
            )
            .await?;
            let _ = control.cmd(&Command::Quit).await;
            Ok::<(), Outcome>(())
        };
        match upload.await {
            Ok(()) => Ok(BigFile {
                path,
                size: BIG_FILE as u64,
            }),
            Err(outcome) => Err(Outcome::error(format!(
                "uploading the large file failed: {}",
                describe(&outcome, &transcript)
            ))),
        }
    }

    /// `--retr-file`, when SIZE shows it large enough to stall a transfer.
    async fn sized_retr_file(&self) -> Result<BigFile, Outcome> {
        let Some(path) = self.retr_file.clone() else {
            return Err(Outcome::skip(
                "needs a large file: the target is read-only and no --retr-file was given",
            ));
        };
        let transcript = Transcript::default();
        let size = async {
            let mut control = self.session("retr-file-size", transcript.clone()).await?;
            control.cmd(&Command::Type(TransferType::Image)).await?;
            let reply = control.cmd(&Command::Size(PathArg::from(&path))).await?;
            let _ = control.cmd(&Command::Quit).await;
            Ok::<_, Outcome>(reply)
        };
        let reply = size.await.map_err(|outcome| {
            Outcome::error(format!("SIZE {path}: {}", describe(&outcome, &transcript)))
        })?;
        let size = match (reply.code, reply.text().trim().parse::<u64>()) {
            (213, Ok(size)) => size,
            _ => {
                return Err(Outcome::skip(format!(
                    "cannot check the size of --retr-file {path} (SIZE: {}); the stalled-transfer cases need {BIG_FILE} bytes or more",
                    show(&reply)
                )))
            }
        };
        if size < BIG_FILE as u64 {
            return Err(Outcome::skip(format!(
                "--retr-file {path} is {size} bytes; the stalled-transfer cases need {BIG_FILE} bytes or more"
            )));
        }
        Ok(BigFile { path, size })
    }
}

/// A setup failure that is a malformed reply (the connection's grammar checks cite RFC 959 §4.2 or a
/// multi-line reply left open) as a verdict; `None` for any other failure.
fn malformed(outcome: &Outcome, transcript: &Transcript) -> Option<TargetError> {
    let Outcome::Fail { expected, .. } = outcome else {
        return None;
    };
    let grammar = expected
        .iter()
        .any(|e| e.contains("RFC 959 §4.2") || e.contains("multi-line reply"));
    grammar.then(|| TargetError::MalformedReply {
        summary: describe(outcome, transcript),
        outcome: outcome.clone(),
        transcript: transcript.lines(),
    })
}

/// An outcome and transcript as one line, for setup errors.
fn describe(outcome: &Outcome, transcript: &Transcript) -> String {
    let why = match outcome {
        Outcome::Fail { actual, .. }
        | Outcome::NonStrict { actual, .. }
        | Outcome::Unstable { actual } => actual.clone(),
        Outcome::Skip { reason } | Outcome::Error { reason } => reason.clone(),
        Outcome::Pass => "ok".into(),
    };
    let tail: Vec<String> = transcript.lines().into_iter().rev().take(4).rev().collect();
    format!("{why} [{}]", tail.join(" / "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn login_defaults_to_anonymous_in_the_login_directory() {
        let (_, login) = Login::from_url("ftp://127.0.0.1:2121").unwrap();
        assert_eq!(
            login,
            Login {
                user: "anonymous".into(),
                pass: "conformance@example.com".into(),
                dir: "/".into(),
            }
        );
        let (url, login) = Login::from_url("ftp://u%40x:p@[::1]:99/up%20load").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 99));
        assert_eq!((login.user, login.pass), ("u@x".into(), "p".into()));
        assert_eq!(login.dir, "/up load");
    }

    #[test]
    fn url_errors_keep_their_wording() {
        let message = |text: &str| Login::from_url(text).unwrap_err().to_string();
        assert_eq!(
            message("http://h/"),
            "\"http://h/\": expected ftp://[user[:pass]@]host[:port][/dir]"
        );
        assert_eq!(message("ftp:///x"), "\"ftp:///x\": no host");
        assert_eq!(message("ftp://[::1/"), "unclosed [ in host");
        assert_eq!(message("ftp://h:x/"), "\"x\" is not a port");
    }

    #[test]
    fn ftps_urls_default_to_port_990_unless_they_name_one() {
        let (url, login) = Login::from_url("ftps://u:p@127.0.0.1/up").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("127.0.0.1", 990));
        assert_eq!((login.user.as_str(), login.dir.as_str()), ("u", "/up"));
        let (url, _) = Login::from_url("FTPS://[::1]:2990").unwrap();
        assert_eq!((url.host.as_str(), url.port), ("::1", 2990));
        let (url, _) = Login::from_url("ftps://[::1]/").unwrap();
        assert_eq!(url.port, 990);
        assert!(implicit_tls_url("ftp://h/").is_none());
    }
}
