//! A tiny FTP downloader for the client-mode tests: correct by default, and with `--bug NAME` it has
//! exactly one of the bugs the client-conformance cases look for, so each case can be shown to fail a
//! client that has its bug (and to pass one that has not).
//!
//! Usage: `naive-ftp-client URL OUT [--timeout SECS] [--resume] [--tls CA_FILE] [--bug NAME]`; exit 0
//! downloaded, 3 connection or timeout, 4 login refused, 5 file unavailable, 6 transfer failed, 2 usage.
//! `--tls` uses explicit FTPS (AUTH TLS, PBSZ 0, PROT P), trusting the PEM CA file ([`tls`]).

mod tls;

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use ftp_proto::hostport::{decode_epsv_reply, decode_pasv_reply};
use ftp_proto::{FtpUrl, Reply, ReplyParser};
use tls::{Channel, Tls};

/// The bugs, one per family of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bug {
    None,
    /// Any line opening with three digits and no hyphen ends a multi-line reply.
    DigitsEndReply,
    /// A reply line over 4 KiB aborts the process (a crash, as a fixed C buffer would).
    AbortOnLongLine,
    /// A reply it did not expect aborts the process; replies already waiting are not drained.
    CrashOnUnexpectedReply,
    /// A 421 or a closed control connection is taken for a normal end: exit 0.
    GoodbyeIsSuccess,
    /// The final reply after the data is read but not checked.
    IgnoreFinalReply,
    /// A negative reply to RETR is ignored: exit 0 with an empty file.
    IgnoreRetrError,
    /// The data is read only until the final reply has come: one chunk, then stop.
    StopAtFinalReply,
    /// PASV only, connecting to the address the 227 names.
    PasvTrustAddress,
    /// EPSV only, no PASV fallback.
    EpsvOnly,
    /// PASV only, and the 227 must have `(h1,...,p2)` in parentheses.
    PasvNeedsParentheses,
    /// On resume, a refused REST is ignored and the whole file appended.
    AppendAfterRefusedRest,
    /// No read timeouts at all.
    NoTimeout,
    /// Each TLS data connection makes a full handshake: no session resumed.
    NoSessionReuse,
    /// A TLS data connection gets 300 ms to end after its last byte, the close_notify included.
    ImpatientTlsClose,
}

impl Bug {
    fn parse(name: &str) -> Option<Bug> {
        Some(match name {
            "digits-end-reply" => Bug::DigitsEndReply,
            "abort-on-long-line" => Bug::AbortOnLongLine,
            "crash-on-unexpected-reply" => Bug::CrashOnUnexpectedReply,
            "goodbye-is-success" => Bug::GoodbyeIsSuccess,
            "ignore-final-reply" => Bug::IgnoreFinalReply,
            "ignore-retr-error" => Bug::IgnoreRetrError,
            "stop-at-final-reply" => Bug::StopAtFinalReply,
            "pasv-trust-address" => Bug::PasvTrustAddress,
            "epsv-only" => Bug::EpsvOnly,
            "pasv-needs-parentheses" => Bug::PasvNeedsParentheses,
            "append-after-refused-rest" => Bug::AppendAfterRefusedRest,
            "no-timeout" => Bug::NoTimeout,
            "no-session-reuse" => Bug::NoSessionReuse,
            "impatient-tls-close" => Bug::ImpatientTlsClose,
            _ => return None,
        })
    }
}

/// Why the download stopped, as an exit code.
struct Failure(u8, String);

type Step<T> = Result<T, Failure>;

fn lost(what: impl std::fmt::Display) -> Failure {
    Failure(3, format!("connection: {what}"))
}

struct Control {
    reader: BufReader<Box<dyn Channel>>,
    /// The control socket itself, for AUTH TLS to wrap.
    raw: TcpStream,
    peer: IpAddr,
    bug: Bug,
}

impl Control {
    fn line(&mut self) -> Step<Vec<u8>> {
        let mut line = Vec::new();
        let read = (&mut self.reader)
            .take(1 << 20)
            .read_until(b'\n', &mut line)
            .map_err(lost)?;
        if read == 0 {
            if self.bug == Bug::GoodbyeIsSuccess {
                return Err(Failure(0, "the server said goodbye".into()));
            }
            return Err(lost("closed by the server"));
        }
        if self.bug == Bug::AbortOnLongLine && line.len() > 4096 {
            std::process::abort();
        }
        Ok(line)
    }

    fn reply(&mut self) -> Step<Reply> {
        let mut parser = ReplyParser::new();
        let mut first: Option<Reply> = None;
        loop {
            let line = self.line()?;
            if self.bug == Bug::DigitsEndReply {
                let digits = line.len() > 3 && line[..3].iter().all(u8::is_ascii_digit);
                if first.is_some() && digits && line[3] != b'-' {
                    let code = line[..3]
                        .iter()
                        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
                    return Ok(Reply::new(code.max(100), "taken for the end of the reply"));
                }
            }
            match parser.feed(&line) {
                Ok(Some(reply)) => return self.judged(reply),
                Ok(None) => first = first.or(Some(Reply::new(100, "a multi-line reply opened"))),
                Err(error) => return Err(Failure(6, error.to_string())),
            }
        }
    }

    fn judged(&self, reply: Reply) -> Step<Reply> {
        if reply.code == 421 {
            let code = if self.bug == Bug::GoodbyeIsSuccess {
                0
            } else {
                3
            };
            return Err(Failure(code, format!("service closing: {reply}")));
        }
        Ok(reply)
    }

    /// Sends a command and reads its reply; a correct client first drops replies already waiting.
    fn command(&mut self, line: &str, expected: &[u16]) -> Step<Reply> {
        if self.bug != Bug::CrashOnUnexpectedReply {
            while !self.reader.buffer().is_empty() {
                self.reply()?;
            }
        }
        let channel = self.reader.get_mut();
        channel
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(lost)?;
        channel.flush().map_err(lost)?;
        let reply = self.reply()?;
        if self.bug == Bug::CrashOnUnexpectedReply && !expected.contains(&reply.code) {
            std::process::abort();
        }
        Ok(reply)
    }
}

struct Args {
    url: FtpUrl,
    out: String,
    timeout: Option<Duration>,
    resume: bool,
    tls: Option<String>,
    bug: Bug,
}

fn parse_args() -> Option<Args> {
    let mut words = std::env::args().skip(1);
    let url = FtpUrl::parse(&words.next()?).ok()?;
    let out = words.next()?;
    let (mut timeout, mut resume, mut bug) = (Some(Duration::from_secs(10)), false, Bug::None);
    let mut tls = None;
    while let Some(word) = words.next() {
        match word.as_str() {
            "--timeout" => timeout = Some(Duration::from_secs(words.next()?.parse().ok()?)),
            "--resume" => resume = true,
            "--tls" => tls = Some(words.next()?),
            "--bug" => bug = Bug::parse(&words.next()?)?,
            _ => return None,
        }
    }
    if bug == Bug::NoTimeout {
        timeout = None;
    }
    Some(Args {
        url,
        out,
        timeout,
        resume,
        tls,
        bug,
    })
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else {
        eprintln!("usage: naive-ftp-client URL OUT [--timeout SECS] [--resume] [--tls CA_FILE] [--bug NAME]");
        return ExitCode::from(2);
    };
    match download(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, why)) => {
            eprintln!("naive-ftp-client: {why}");
            ExitCode::from(code)
        }
    }
}

fn download(args: &Args) -> Step<()> {
    let stream = TcpStream::connect((args.url.host.as_str(), args.url.port)).map_err(lost)?;
    stream.set_read_timeout(args.timeout).map_err(lost)?;
    let peer = stream.peer_addr().map_err(lost)?.ip();
    let raw = stream.try_clone().map_err(lost)?;
    let channel: Box<dyn Channel> = Box::new(stream);
    let mut control = Control {
        reader: BufReader::new(channel),
        raw,
        peer,
        bug: args.bug,
    };
    let greeting = control.reply()?;
    if greeting.code != 220 {
        return Err(Failure(3, format!("greeting: {greeting}")));
    }
    let tls = match &args.tls {
        Some(ca) => Some(start_tls(&mut control, ca)?),
        None => None,
    };
    let user = args.url.user.clone().unwrap_or_else(|| "anonymous".into());
    let reply = control.command(&format!("USER {user}"), &[331, 230])?;
    if reply.code == 331 {
        let password = args.url.password.clone().unwrap_or_default();
        let reply = control.command(&format!("PASS {password}"), &[230])?;
        if reply.code != 230 {
            return Err(Failure(4, format!("login: {reply}")));
        }
    }
    control.command("TYPE I", &[200])?;
    let data_addr = passive(&mut control)?;
    let mut offset = 0;
    if args.resume {
        let have = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
        if have > 0 {
            let reply = control.command(&format!("REST {have}"), &[350])?;
            if reply.code == 350 || args.bug == Bug::AppendAfterRefusedRest {
                offset = have;
            }
        }
    }
    let data = TcpStream::connect(data_addr).map_err(lost)?;
    let impatient = tls.is_some() && args.bug == Bug::ImpatientTlsClose;
    let data_timeout = if impatient {
        Some(Duration::from_millis(300))
    } else {
        args.timeout
    };
    data.set_read_timeout(data_timeout).map_err(lost)?;
    let path = args.url.path.as_str();
    let reply = control.command(&format!("RETR {path}"), &[125, 150])?;
    if !reply.is_preliminary() {
        if args.bug == Bug::IgnoreRetrError {
            std::fs::write(&args.out, b"").map_err(|e| Failure(7, e.to_string()))?;
            return Ok(());
        }
        return Err(Failure(5, format!("RETR: {reply}")));
    }
    let data: Box<dyn Channel> = match &tls {
        Some(tls) => tls
            .wrap(data, args.bug == Bug::NoSessionReuse)
            .map_err(|e| Failure(6, format!("data TLS: {e}")))?,
        None => Box::new(data),
    };
    receive(args, &mut control, data, offset)
}

/// AUTH TLS on the control connection, then PBSZ 0 and PROT P.
fn start_tls(control: &mut Control, ca: &str) -> Step<Tls> {
    let tls = Tls::new(ca).map_err(|e| Failure(2, format!("--tls {ca}: {e}")))?;
    let reply = control.command("AUTH TLS", &[234])?;
    if reply.code != 234 {
        return Err(Failure(6, format!("AUTH TLS: {reply}")));
    }
    let raw = control.raw.try_clone().map_err(lost)?;
    let channel = tls
        .wrap(raw, false)
        .map_err(|e| Failure(3, format!("control TLS: {e}")))?;
    control.reader = BufReader::new(channel);
    control.command("PBSZ 0", &[200])?;
    let reply = control.command("PROT P", &[200])?;
    if reply.code != 200 {
        return Err(Failure(6, format!("PROT P: {reply}")));
    }
    Ok(tls)
}

/// EPSV, then PASV; the data connection goes to the control connection's peer.
fn passive(control: &mut Control) -> Step<SocketAddr> {
    let bug = control.bug;
    if !matches!(bug, Bug::PasvTrustAddress | Bug::PasvNeedsParentheses) {
        let reply = control.command("EPSV", &[229])?;
        if reply.code == 229 {
            let port = decode_epsv_reply(&reply.text()).map_err(|e| Failure(6, e.to_string()))?;
            return Ok(SocketAddr::new(control.peer, port));
        }
        if bug == Bug::EpsvOnly {
            return Err(Failure(6, format!("EPSV: {reply}")));
        }
    }
    let reply = control.command("PASV", &[227])?;
    let text = reply.text();
    if bug == Bug::PasvNeedsParentheses && !text.contains('(') {
        return Err(Failure(6, format!("cannot read the 227: {text}")));
    }
    let named = decode_pasv_reply(&text).map_err(|e| Failure(6, e.to_string()))?;
    if bug == Bug::PasvTrustAddress {
        return Ok(SocketAddr::V4(named));
    }
    Ok(SocketAddr::new(control.peer, named.port()))
}

fn receive(
    args: &Args,
    control: &mut Control,
    mut data: Box<dyn Channel>,
    offset: u64,
) -> Step<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .write(true)
        .append(offset > 0)
        .truncate(offset == 0)
        .open(&args.out)
        .map_err(|e| Failure(7, e.to_string()))?;
    let mut buffer = vec![0u8; 64 * 1024];
    if args.bug == Bug::StopAtFinalReply {
        let reply = control.reply()?;
        let count = data.read(&mut buffer).map_err(lost)?;
        file.write_all(&buffer[..count])
            .map_err(|e| Failure(7, e.to_string()))?;
        return if reply.is_completion() {
            Ok(())
        } else {
            Err(Failure(6, reply.to_string()))
        };
    }
    loop {
        let count = data.read(&mut buffer).map_err(lost)?;
        if count == 0 {
            break;
        }
        file.write_all(&buffer[..count])
            .map_err(|e| Failure(7, e.to_string()))?;
    }
    drop(data);
    let reply = control.reply()?;
    if reply.is_completion() || args.bug == Bug::IgnoreFinalReply {
        let _ = control.command("QUIT", &[221]);
        return Ok(());
    }
    Err(Failure(6, format!("transfer: {reply}")))
}
