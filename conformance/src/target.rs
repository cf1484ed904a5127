//! The server under test: its URL and credentials, what FEAT advertises, and the scratch directory the
//! suite works in (MKD of a unique name before the cases, removed afterwards even after failures). A
//! target that refuses MKD is read-only: write cases skip with that reason and `--retr-file` names a file
//! for the read cases. [`Ctx`] is what one case gets: the target, its transcript and helpers.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ftp_proto::{Command, PathArg, Reply, TransferType};
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
}

/// A parsed `ftp://user:pass@host:port/dir` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub user: String,
    pub pass: String,
    pub host: String,
    pub port: u16,
    pub dir: String,
}

impl Url {
    /// Parses an FTP URL; no user means anonymous (RFC 1738 §3.2).
    pub fn parse(text: &str) -> Result<Url, String> {
        let rest = text
            .strip_prefix("ftp://")
            .ok_or_else(|| format!("{text:?}: expected ftp://[user[:pass]@]host[:port][/dir]"))?;
        let (authority, dir) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, pass) = match userinfo {
            None => (
                "anonymous".to_string(),
                "conformance@example.com".to_string(),
            ),
            Some(info) => match info.split_once(':') {
                Some((user, pass)) => (decode(user), decode(pass)),
                None => (decode(info), "conformance@example.com".to_string()),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("unclosed [ in host")?;
            (host.to_string(), after.strip_prefix(':').unwrap_or("21"))
        } else {
            match hostport.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), port),
                None => (hostport.to_string(), "21"),
            }
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("{port:?} is not a port"))?;
        if host.is_empty() {
            return Err(format!("{text:?}: no host"));
        }
        Ok(Url {
            user,
            pass,
            host,
            port,
            dir: decode(dir),
        })
    }
}

/// Percent-decoding for URL parts.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Size of the file stalled transfers read from: larger than any socket buffers between the two ends.
pub const BIG_FILE: usize = 16 * 1024 * 1024;

/// Everything cases share about the server under test.
#[derive(Debug)]
pub struct Target {
    pub addr: SocketAddr,
    pub url: Url,
    pub name: String,
    pub profile: Profile,
    pub strict: bool,
    pub case_timeout: Duration,
    pub reply_timeout: Duration,
    /// FEAT's feature lines, uppercase and trimmed; empty when FEAT is refused.
    pub features: Vec<String>,
    /// The scratch directory (FTP path relative to the URL's directory), or why the target is read-only.
    pub scratch: Result<String, String>,
    pub retr_file: Option<String>,
    pub fault_file: Option<(PathBuf, String)>,
    big: OnceCell<Result<String, String>>,
    sequence: AtomicU64,
}

impl Target {
    /// Connects, logs in, reads FEAT and makes the scratch directory. An error here means the suite
    /// cannot run at all (exit 2).
    pub async fn prepare(options: &Options) -> Result<Arc<Target>, String> {
        let url = Url::parse(&options.url)?;
        let addr = tokio::net::lookup_host((url.host.as_str(), url.port))
            .await
            .map_err(|e| format!("cannot resolve {}: {e}", url.host))?
            .next()
            .ok_or_else(|| format!("{} has no address", url.host))?;
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
            url,
            profile: options.profile,
            strict: options.strict,
            case_timeout: options.case_timeout,
            reply_timeout,
            features: Vec::new(),
            scratch: Err("not prepared".into()),
            retr_file: options.retr_file.clone(),
            fault_file,
            big: OnceCell::new(),
            sequence: AtomicU64::new(0),
        };
        let transcript = Transcript::default();
        let mut control = target
            .session("setup", transcript.clone())
            .await
            .map_err(|outcome| {
                format!(
                    "cannot start a session: {}",
                    describe(&outcome, &transcript)
                )
            })?;
        let feat = control
            .cmd(&Command::Feat)
            .await
            .map_err(|o| describe(&o, &transcript))?;
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
            .map_err(|o| describe(&o, &transcript))?;
        target.scratch = match mkd.code {
            257 => Ok(scratch),
            _ => Err(format!("read-only target (MKD refused: {})", show(&mkd))),
        };
        let _ = control.cmd(&Command::Quit).await;
        Ok(Arc::new(target))
    }

    /// Removes the scratch directory and everything in it; best effort, reports what was left behind.
    pub async fn cleanup(&self) -> Result<(), String> {
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
        result.map_err(|o| format!("could not remove {scratch}: {}", describe(&o, &transcript)))
    }

    /// A logged-in session in the URL's directory.
    pub async fn session(&self, label: &str, transcript: Transcript) -> Step<Control> {
        let mut control =
            Control::connect(self.addr, label, transcript, self.reply_timeout).await?;
        let greeting = control.reply().await?;
        if greeting.code != 220 {
            return Err(Outcome::error(format!("greeting was {}", show(&greeting))));
        }
        control.login(&self.url.user, &self.url.pass).await?;
        if self.url.dir != "/" && !self.url.dir.is_empty() {
            let cwd = control
                .cmd(&Command::Cwd(PathArg::from(&self.url.dir)))
                .await?;
            if cwd.code != 250 {
                return Err(Outcome::error(format!(
                    "CWD {}: {}",
                    self.url.dir,
                    show(&cwd)
                )));
            }
        }
        Ok(control)
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
}

/// An outcome and transcript as one line, for setup errors.
fn describe(outcome: &Outcome, transcript: &Transcript) -> String {
    let why = match outcome {
        Outcome::Fail { actual, .. } | Outcome::NonStrict { actual, .. } => actual.clone(),
        Outcome::Skip { reason } | Outcome::Error { reason } => reason.clone(),
        Outcome::Pass => "ok".into(),
    };
    let tail: Vec<String> = transcript.lines().into_iter().rev().take(4).rev().collect();
    format!("{why} [{}]", tail.join(" / "))
}

/// A weaker alternative that was accepted: what was expected, what came.
type Weaker = (Vec<String>, String);

/// What one case gets: the target, its own transcript, and a record of weaker alternatives seen.
#[derive(Clone)]
pub struct Ctx {
    pub target: Arc<Target>,
    pub transcript: Transcript,
    /// A short unique tag for the names this case creates.
    pub tag: String,
    weaker: Arc<Mutex<Option<Weaker>>>,
}

impl Ctx {
    pub fn new(target: Arc<Target>) -> Ctx {
        let tag = format!("c{}", target.sequence.fetch_add(1, Ordering::Relaxed));
        Ctx {
            target,
            transcript: Transcript::default(),
            tag,
            weaker: Arc::default(),
        }
    }

    /// A logged-in control connection.
    pub async fn login(&self, label: &str) -> Step<Control> {
        self.target.session(label, self.transcript.clone()).await
    }

    /// A connection that has read the greeting, not logged in.
    pub async fn connect(&self, label: &str) -> Step<(Control, Reply)> {
        let mut control = Control::connect(
            self.target.addr,
            label,
            self.transcript.clone(),
            self.target.reply_timeout,
        )
        .await?;
        let greeting = control.reply().await?;
        Ok((control, greeting))
    }

    /// A name in the scratch directory for this case; skips the case on a read-only target.
    pub fn scratch_path(&self, name: &str) -> Step<String> {
        match &self.target.scratch {
            Ok(dir) => Ok(format!("{dir}/{}-{name}", self.tag)),
            Err(reason) => Err(Outcome::skip(reason.clone())),
        }
    }

    /// Skips the case unless FEAT advertised `feature`.
    pub fn require_feature(&self, feature: &str) -> Step<()> {
        if self.target.has_feature(feature) {
            Ok(())
        } else {
            Err(Outcome::skip(format!("{feature} not advertised in FEAT")))
        }
    }

    /// A file to read and, when the suite wrote it, its contents: uploaded on a writable target, else `--retr-file`.
    pub async fn readable_file(&self, control: &mut Control) -> Step<(String, Option<Vec<u8>>)> {
        if self.target.scratch.is_ok() {
            let path = self.scratch_path("readable.txt")?;
            let contents = b"ftp-conformance test file\r\n".to_vec();
            // In TYPE A a server may rewrite line ends; the file must arrive as sent.
            let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
            steps::require("TYPE I", &reply, &[200])?;
            steps::upload(control, &path, &contents, crate::data::Mode::Passive).await?;
            return Ok((path, Some(contents)));
        }
        match &self.target.retr_file {
            Some(path) => Ok((path.clone(), None)),
            None => Err(Outcome::skip("read-only target and no --retr-file given")),
        }
    }

    /// A file of [`BIG_FILE`] bytes or more, for transfers that must stall: uploaded once per run.
    pub async fn big_file(&self) -> Step<String> {
        let target = self.target.clone();
        let result = target
            .big
            .get_or_init(|| async {
                let Ok(dir) = &target.scratch else {
                    return Err("needs a large file and the target is read-only".to_string());
                };
                let path = format!("{dir}/big.bin");
                let transcript = Transcript::default();
                let upload = async {
                    let mut control = target.session("big-upload", transcript.clone()).await?;
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
                upload.await.map(|()| path).map_err(|o| {
                    format!(
                        "uploading the large file failed: {}",
                        describe(&o, &transcript)
                    )
                })
            })
            .await;
        match result {
            Ok(path) => Ok(path.clone()),
            Err(reason) if target.scratch.is_err() => Err(Outcome::skip(reason.clone())),
            Err(reason) => Err(Outcome::error(reason.clone())),
        }
    }

    /// Accepts `reply` when its code is in `accepted`; a code in `weaker` is accepted but makes the
    /// verdict non-strict; anything else fails the case.
    pub fn expect(&self, what: &str, reply: &Reply, accepted: &[u16], weaker: &[u16]) -> Step<()> {
        let expected = || {
            accepted
                .iter()
                .map(|code| format!("{what}: {code}"))
                .collect::<Vec<_>>()
        };
        if accepted.contains(&reply.code) {
            return Ok(());
        }
        let actual = format!("{what}: {}", show(reply));
        if weaker.contains(&reply.code) {
            self.weaker(expected(), actual);
            return Ok(());
        }
        Err(Outcome::Fail {
            expected: expected(),
            actual,
        })
    }

    /// Records that a weaker alternative was accepted; the first one is reported.
    pub fn weaker(&self, expected: Vec<String>, actual: String) {
        if let Ok(mut slot) = self.weaker.lock() {
            slot.get_or_insert((expected, actual));
        }
    }

    /// A pass becomes non-strict when a weaker alternative was accepted on the way.
    pub fn finish(&self, outcome: Outcome) -> Outcome {
        let weaker = self.weaker.lock().ok().and_then(|slot| slot.clone());
        match (outcome, weaker) {
            (Outcome::Pass, Some((expected, actual))) => Outcome::NonStrict { expected, actual },
            (outcome, _) => outcome,
        }
    }
}
