//! The scripted server of one case: a listener on 127.0.0.1 port 0 whose sessions follow a [`Script`].
//! Commands are parsed with `ftp_proto::Command` (the codec the real server uses) and answered with
//! `ftp_proto::Reply`; everything the client does is written to the shared [`Evidence`]. Sessions are
//! tasks of a `JoinSet` owned by the accept loop, so aborting the server's task ends them all.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ftp_proto::{AuthMechanism, ProtectionLevel};
use ftp_proto::{Command, Reply, ReplyCode};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::retr::{self, Passive};
use super::script::{Greeting, Login, Rest, Script, Tls};
use super::tls::{ScriptedTls, Stream};

/// Control sessions one case accepts (a client may reconnect after a 421 or a failure; more is a loop).
const MAX_SESSIONS: usize = 8;
/// The longest command line read; a longer one is answered 500 in pieces, never buffered whole.
const MAX_LINE: u64 = 4096;

/// What the client did, as the scripted server saw it.
#[derive(Debug, Default, Clone)]
pub struct Evidence {
    /// `C: RETR file`, `S: 150 ...`, `data: ...`, in order (replies' long lines shortened).
    pub transcript: Vec<String>,
    /// The verbs received, upper-case, in order.
    pub verbs: Vec<String>,
    /// Data connections accepted (on the address the server named or the control peer).
    pub data_connections: usize,
    /// A connection arrived at the foreign address a 227 named (the trap).
    pub foreign_address_used: bool,
    /// Control connections accepted.
    pub sessions: usize,
    /// Data connections that ran over TLS (PROT P).
    pub tls_data_connections: usize,
    /// TLS data connections refused for not resuming the control connection's session.
    pub unresumed_data_connections: usize,
}

/// The evidence, shared by the sessions and read by the judge once the client has exited.
pub type SharedEvidence = Arc<Mutex<Evidence>>;

/// Adds a transcript line (a poisoned lock means a session panicked: the line is dropped, not the case).
pub fn note(evidence: &SharedEvidence, line: impl Into<String>) {
    if let Ok(mut evidence) = evidence.lock() {
        evidence.transcript.push(line.into());
    }
}

/// A bound scripted server, not yet serving.
pub struct ScriptedServer {
    listener: TcpListener,
    script: Script,
    tls: Option<ScriptedTls>,
    evidence: SharedEvidence,
}

impl ScriptedServer {
    /// Binds 127.0.0.1 port 0; `tls` is needed for a script with TLS (AUTH is refused without).
    pub async fn bind(script: Script, tls: Option<ScriptedTls>) -> std::io::Result<ScriptedServer> {
        Ok(ScriptedServer {
            listener: TcpListener::bind("127.0.0.1:0").await?,
            script,
            tls,
            evidence: SharedEvidence::default(),
        })
    }

    pub fn port(&self) -> std::io::Result<u16> {
        Ok(self.listener.local_addr()?.port())
    }

    /// Serves until the returned task is aborted; the evidence fills as the client acts.
    pub fn spawn(self) -> (JoinHandle<()>, SharedEvidence) {
        let evidence = self.evidence.clone();
        let task = tokio::spawn(async move {
            let mut sessions = JoinSet::new();
            for _ in 0..MAX_SESSIONS {
                let Ok((stream, peer)) = self.listener.accept().await else {
                    break;
                };
                if let Ok(mut e) = self.evidence.lock() {
                    e.sessions += 1;
                    e.transcript
                        .push(format!("control: connection from {peer}"));
                }
                let session =
                    Session::new(stream, self.script, self.tls.clone(), self.evidence.clone());
                sessions.spawn(session.run());
            }
            note(&self.evidence, "control: no more sessions accepted");
            // Keep the sessions running until the case aborts this task.
            while sessions.join_next().await.is_some() {}
        });
        (task, evidence)
    }
}

/// Whether the session goes on after a command.
pub enum Next {
    Continue,
    Close,
    /// AUTH TLS was accepted: the handshake comes next.
    StartTls,
}

/// One control connection.
pub struct Session {
    /// The control connection; `BufReader` passes writes through.
    stream: BufReader<Stream>,
    pub script: Script,
    pub tls: Option<ScriptedTls>,
    /// PROT P: data connections run over TLS.
    pub protect_data: bool,
    pub evidence: SharedEvidence,
    passive: Option<Passive>,
    restart_at: u64,
    pub content: Arc<Vec<u8>>,
}

impl Session {
    fn new(
        stream: TcpStream,
        script: Script,
        tls: Option<ScriptedTls>,
        evidence: SharedEvidence,
    ) -> Session {
        Session {
            stream: BufReader::new(Stream::Plain(stream)),
            script,
            tls: tls.filter(|_| script.tls != Tls::Off),
            protect_data: false,
            evidence,
            passive: None,
            restart_at: 0,
            content: Arc::new(super::script::content(script.size)),
        }
    }

    async fn run(mut self) {
        if self.greet().await.is_err() {
            return;
        }
        loop {
            let mut line = Vec::new();
            match (&mut self.stream)
                .take(MAX_LINE)
                .read_until(b'\n', &mut line)
                .await
            {
                Ok(0) | Err(_) => {
                    note(&self.evidence, "control: client closed the connection");
                    return;
                }
                Ok(_) => {}
            }
            while let [rest @ .., b'\r' | b'\n'] = line.as_slice() {
                line.truncate(rest.len());
            }
            match self.answer(&line).await {
                Ok(Next::Continue) => {}
                Ok(Next::StartTls) => {
                    if let Err(error) = self.start_tls().await {
                        note(
                            &self.evidence,
                            format!("control: TLS handshake failed: {error}"),
                        );
                        return;
                    }
                }
                Ok(Next::Close) | Err(_) => return,
            }
        }
    }

    /// Sends raw bytes, noting them line by line.
    pub async fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        for line in String::from_utf8_lossy(bytes).lines() {
            note(&self.evidence, format!("S: {}", shorten(line)));
        }
        self.stream.write_all(bytes).await?;
        self.stream.flush().await
    }

    /// AUTH TLS's handshake on the control connection (the 234 has gone out).
    async fn start_tls(&mut self) -> std::io::Result<()> {
        let config = self.tls.as_ref().map(|tls| tls.config.clone());
        let config = config.ok_or(std::io::ErrorKind::Unsupported)?;
        let plain = std::mem::replace(&mut self.stream, BufReader::new(Stream::Gone));
        // A client that sent more after AUTH before the handshake would lose it here; none may.
        let Stream::Plain(tcp) = plain.into_inner() else {
            return Err(std::io::ErrorKind::AlreadyExists.into());
        };
        let accepted = tokio::time::timeout(
            DATA_ACCEPT_LIMIT,
            tokio_rustls::TlsAcceptor::from(config).accept(tcp),
        )
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        self.stream = BufReader::new(Stream::Tls(Box::new(accepted)));
        note(&self.evidence, "control: TLS established");
        Ok(())
    }

    pub async fn send(&mut self, reply: Reply) -> std::io::Result<()> {
        self.send_raw(&reply.to_bytes()).await
    }

    async fn greet(&mut self) -> std::io::Result<()> {
        match self.script.greeting {
            Greeting::Plain => self.send(Reply::new(220, "Scripted server ready")).await,
            Greeting::OddMiddleLines => self.send_raw(&odd_middle_lines(220, false)).await,
            Greeting::UnpaddedCodeLine => self.send_raw(&odd_middle_lines(220, true)).await,
            Greeting::HugeLine(size) => {
                let mut bytes = b"220-Welcome\r\n220-".to_vec();
                bytes.extend(std::iter::repeat_n(b'x', size));
                bytes.extend_from_slice(b"\r\n220 Ready\r\n");
                self.send_raw(&bytes).await
            }
            Greeting::Unsolicited => {
                self.send_raw(b"220 Scripted server ready\r\n200 Unsolicited reply: no command asked for it\r\n")
                    .await
            }
            Greeting::ServiceUnavailable => {
                self.send(Reply::new(421, "Service not available, closing control connection"))
                    .await?;
                note(&self.evidence, "control: closed after 421");
                Err(std::io::ErrorKind::ConnectionAborted.into())
            }
        }
    }

    async fn answer(&mut self, line: &[u8]) -> std::io::Result<Next> {
        let command = match Command::parse(line) {
            Ok(command) => command,
            Err(error) => {
                note(
                    &self.evidence,
                    format!("C: {}", shorten(&String::from_utf8_lossy(line))),
                );
                self.send(Reply::new(error.code(), error.text())).await?;
                return Ok(Next::Continue);
            }
        };
        let verb = command.verb().as_str().to_ascii_uppercase();
        let shown = match &command {
            Command::Pass(_) => "PASS ****".to_string(),
            _ => shorten(&String::from_utf8_lossy(line)),
        };
        if let Ok(mut e) = self.evidence.lock() {
            e.verbs.push(verb);
            e.transcript.push(format!("C: {shown}"));
        }
        let size = self.content.len();
        let reply = match command {
            Command::User(_) => Reply::new(331, "Password required"),
            Command::Pass(_) => match self.script.login {
                Login::Plain => Reply::new(230, "Logged in"),
                Login::OddMiddleLines => {
                    self.send_raw(&odd_middle_lines(230, false)).await?;
                    return Ok(Next::Continue);
                }
            },
            Command::Syst => Reply::new(215, "UNIX Type: L8"),
            Command::Pwd => Reply::new(257, "\"/\" is the current directory"),
            Command::Cwd(_) | Command::Cdup => Reply::new(250, "Directory changed"),
            Command::Type(_) | Command::Mode | Command::Stru | Command::Opts(_) => {
                Reply::new(200, "OK")
            }
            Command::Noop => Reply::new(200, "NOOP ok"),
            Command::Feat => {
                let reply = Reply::multi(211, feature_lines(self.script));
                self.send_raw(&reply.to_bytes_bare()).await?;
                return Ok(Next::Continue);
            }
            Command::Size(_) => Reply::new(213, size.to_string()),
            Command::Mdtm(_) => Reply::new(213, "20260101000000"),
            Command::Rest(offset) => match self.script.rest {
                Rest::Accept => {
                    self.restart_at = offset;
                    Reply::new(350, format!("Restarting at {offset}"))
                }
                Rest::Refuse => Reply::new(502, "REST not implemented"),
            },
            Command::Epsv(_) | Command::Pasv => {
                let extended = matches!(command, Command::Epsv(_));
                let (passive, reply) = retr::open_passive(self.script, extended).await?;
                self.passive = passive;
                reply
            }
            Command::Retr(_) => {
                let offset = std::mem::take(&mut self.restart_at);
                let passive = self.passive.take();
                return retr::run(self, passive, offset).await;
            }
            Command::List(_) | Command::Nlst(_) | Command::Mlsd(_) => {
                let passive = self.passive.take();
                return retr::listing(self, passive, &command).await;
            }
            Command::Abor => Reply::new(226, "No transfer to abort"),
            Command::Auth(AuthMechanism::Tls | AuthMechanism::Ssl) if self.tls.is_some() => {
                self.send(Reply::new(234, "Proceed with negotiation"))
                    .await?;
                return Ok(Next::StartTls);
            }
            Command::Pbsz(_) if self.tls.is_some() => Reply::new(200, "PBSZ=0"),
            Command::Prot(level) if self.tls.is_some() => {
                self.protect_data = level == ProtectionLevel::Private;
                Reply::new(200, "Protection level set")
            }
            Command::Quit => {
                self.send(Reply::new(221, "Goodbye")).await?;
                return Ok(Next::Close);
            }
            Command::Stor(_) | Command::Appe(_) | Command::Stou | Command::Dele(_) => {
                Reply::new(550, "Read-only scripted server")
            }
            _ => Reply::new(ReplyCode::CommandNotImplemented, "Not implemented here"),
        };
        self.send(reply).await?;
        Ok(Next::Continue)
    }
}

/// A multi-line reply with odd middle lines. RFC 959 §4.2 lets them hold any text but `code<SP>`: here
/// another code with a hyphen, a padded ` 230 `, digits, the reply's own code with a hyphen. With
/// `unpadded`, one more line `123 xyz`, which §4.2 tells the server to pad ("If an intermediary line
/// begins with a 3-digit number, the Server must pad the front to avoid confusion") but which a client
/// following the user-process rule (only the same code and a space ends it) still reads past.
fn odd_middle_lines(code: u16, unpadded: bool) -> Vec<u8> {
    let mut text = format!(
        "{code}-First line\r\n123-another code, with a hyphen\r\n 230 padded\r\n12345 digits\r\n{code}-the same code, with a hyphen\r\n"
    );
    if unpadded {
        text.push_str("123 xyz: a middle line that looks like a reply of its own\r\n");
    }
    text.push_str(&format!("{code} End of the reply\r\n"));
    text.into_bytes()
}

fn feature_lines(script: Script) -> Vec<String> {
    let mut lines = vec!["Features:".to_string()];
    if script.epsv == super::script::Epsv::Offer {
        lines.push(" EPSV".into());
    }
    lines.extend([" PASV", " SIZE", " MDTM", " REST STREAM"].map(String::from));
    if script.rest == Rest::Refuse {
        lines.pop();
    }
    if script.tls != Tls::Off {
        lines.extend([" AUTH TLS", " PBSZ", " PROT"].map(String::from));
    }
    lines.push("End".into());
    lines
}

/// A transcript keeps the first 120 characters of a line and says how long it was.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(120) {
        Some((at, _)) => format!("{}… ({} bytes)", &line[..at], line.len()),
        None => line.to_string(),
    }
}

/// How long a data connection is waited for before 425.
pub const DATA_ACCEPT_LIMIT: Duration = Duration::from_secs(10);
