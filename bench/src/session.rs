//! One FTP control connection as a benchmark drives it: connect, log in (under explicit FTPS when asked:
//! AUTH TLS, then PBSZ 0 and PROT P), open a passive data connection (EPSV, falling back to PASV once for
//! good; TLS on it under PROT P), and move whole files with large buffers. Replies are read with
//! `ftp_proto`'s parser; every network wait has the target's time limit.

use std::net::SocketAddr;
use std::time::Duration;

use ftp_client::tls::{Origin, TlsSession};
use ftp_proto::{
    hostport, AuthMechanism, Command, EpsvArg, ProtectionLevel, Reply, ReplyParser, TransferType,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::{within, BenchError};
use crate::progress::Progress;
use crate::target::Target;
use crate::tls::{self, Stream, Tls};

/// Replies longer than this are a broken server, not a benchmark figure.
const MAX_REPLY_LINE: u64 = 64 * 1024;

/// A logged-in (or greeted) control connection.
pub struct Session {
    control: BufReader<Stream>,
    /// This session's TLS client, with its own session cache, once AUTH TLS succeeded.
    tls: Option<TlsSession>,
    peer: SocketAddr,
    timeout: Duration,
    use_epsv: bool,
    line: Vec<u8>,
    /// How the last data connection was protected (`TLSv1_3 TLS13_AES_256_GCM_SHA384, resumed`).
    data_tls: Option<String>,
}

impl Session {
    /// Connects and reads the 220 greeting; with `tls`, then takes the connection under TLS (AUTH TLS).
    pub async fn connect(
        target: &Target,
        timeout: Duration,
        tls: Option<&Tls>,
    ) -> Result<Session, BenchError> {
        let addr = target.addr;
        let stream = tcp_connect(addr, timeout, "connect").await?;
        let mut session = Session {
            control: BufReader::with_capacity(8 * 1024, Stream::Plain(stream)),
            tls: None,
            peer: addr,
            timeout,
            use_epsv: true,
            line: Vec::with_capacity(256),
            data_tls: None,
        };
        loop {
            let greeting = session.reply("greeting").await?;
            match greeting.code {
                220 => break,
                // 120: "ready in nnn minutes", then 220 follows.
                120 => continue,
                _ => {
                    return Err(BenchError::Refused {
                        command: "connect".into(),
                        reply: greeting,
                    })
                }
            }
        }
        match tls {
            Some(tls) => session.start_tls(tls).await,
            None => Ok(session),
        }
    }

    /// AUTH TLS and the handshake on the control connection (RFC 4217 §4).
    async fn start_tls(mut self, tls: &Tls) -> Result<Session, BenchError> {
        self.expect(&Command::Auth(AuthMechanism::Tls), &[234])
            .await?;
        // The server waits for the handshake after 234: anything already buffered is a broken server.
        if !self.control.buffer().is_empty() {
            return Err(BenchError::Protocol(
                "AUTH TLS: the server sent more after 234".into(),
            ));
        }
        let Stream::Plain(tcp) = self.control.into_inner() else {
            return Err(BenchError::Protocol("AUTH TLS: already under TLS".into()));
        };
        let session = tls.session(self.peer)?;
        let stream =
            tls::handshake(&session, Origin::Control, tcp, self.timeout, "control").await?;
        Ok(Session {
            control: BufReader::with_capacity(8 * 1024, stream),
            tls: Some(session),
            ..self
        })
    }

    /// Connects, logs in with the target's credentials and selects binary mode; with `tls`, under
    /// explicit FTPS with every data connection under TLS (PBSZ 0, PROT P).
    pub async fn login(
        target: &Target,
        timeout: Duration,
        tls: Option<&Tls>,
    ) -> Result<Session, BenchError> {
        let mut session = Session::connect(target, timeout, tls).await?;
        let user_command = Command::User(target.user.clone());
        let user = session.command(&user_command).await?;
        match user.code {
            230 => {}
            331 | 332 => {
                session
                    .expect(&Command::Pass(target.password.as_str().into()), &[230, 202])
                    .await?;
            }
            _ => {
                return Err(BenchError::Refused {
                    command: user_command.to_string(),
                    reply: user,
                })
            }
        }
        if session.tls.is_some() {
            session.expect(&Command::Pbsz(0), &[200]).await?;
            session
                .expect(&Command::Prot(ProtectionLevel::Private), &[200])
                .await?;
        }
        session
            .expect(&Command::Type(TransferType::Image), &[200])
            .await?;
        Ok(session)
    }

    /// Sends one command and returns the server's (final or preliminary) reply.
    pub async fn command(&mut self, command: &Command) -> Result<Reply, BenchError> {
        let line = command.to_wire();
        // Display masks a password.
        let shown = command.to_string();
        let stream = self.control.get_mut();
        within(self.timeout, || format!("send {shown}"), async {
            stream
                .write_all(&line)
                .await
                .map_err(BenchError::io(format!("send {shown}")))
        })
        .await?;
        self.reply(&shown).await
    }

    /// Sends a command and insists on one of `codes`.
    pub async fn expect(&mut self, command: &Command, codes: &[u16]) -> Result<Reply, BenchError> {
        let reply = self.command(command).await?;
        if codes.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(BenchError::Refused {
                command: command.to_string(),
                reply,
            })
        }
    }

    /// Reads the next complete reply; `after` names the step for errors.
    pub async fn reply(&mut self, after: &str) -> Result<Reply, BenchError> {
        let mut parser = ReplyParser::new();
        loop {
            self.line.clear();
            let read = within(self.timeout, || format!("reply to {after}"), async {
                (&mut self.control)
                    .take(MAX_REPLY_LINE)
                    .read_until(b'\n', &mut self.line)
                    .await
                    .map_err(BenchError::io(format!("reply to {after}")))
            })
            .await?;
            if read == 0 {
                return Err(BenchError::Protocol(format!(
                    "reply to {after}: server closed the connection"
                )));
            }
            match parser.feed(&self.line[..]) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(error) => {
                    return Err(BenchError::Protocol(format!("reply to {after}: {error}")))
                }
            }
        }
    }

    /// Asks for a passive data connection and makes it. EPSV first; after one refusal this session
    /// uses PASV. The address in a 227 is replaced by the control peer's, as curl does.
    pub async fn open_data(&mut self) -> Result<Stream, BenchError> {
        let port = if self.use_epsv {
            let reply = self.command(&Command::Epsv(EpsvArg::Open)).await?;
            if reply.code == 229 {
                Some(
                    hostport::decode_epsv_reply(&reply.text())
                        .map_err(|e| BenchError::Protocol(format!("EPSV: 229 {e}")))?,
                )
            } else if (500..600).contains(&reply.code) {
                self.use_epsv = false;
                None
            } else {
                return Err(BenchError::Refused {
                    command: "EPSV".into(),
                    reply,
                });
            }
        } else {
            None
        };
        let port = match port {
            Some(port) => port,
            None => {
                let reply = self.expect(&Command::Pasv, &[227]).await?;
                hostport::decode_pasv_reply(&reply.text())
                    .map_err(|e| BenchError::Protocol(format!("PASV: 227 {e}")))?
                    .port()
            }
        };
        let addr = SocketAddr::new(self.peer.ip(), port);
        let stream = tcp_connect(addr, self.timeout, "data connection to").await?;
        Ok(Stream::Plain(stream))
    }

    /// Under PROT P, the TLS handshake of a data connection, once the server has answered the transfer
    /// command with 150 (a server may accept the TCP connection before, but handshakes after it).
    async fn protect(&self, data: Stream) -> Result<Stream, BenchError> {
        match (&self.tls, data) {
            (Some(session), Stream::Plain(tcp)) => {
                tls::handshake(session, Origin::Data, tcp, self.timeout, "data connection").await
            }
            (_, data) => Ok(data),
        }
    }

    /// Runs a download-type command (RETR, LIST, NLST) into `buf`, discarding the bytes, and returns how
    /// many arrived and how many of them were line feeds when `count_lines` is set.
    pub async fn download(
        &mut self,
        command: &Command,
        buf: &mut [u8],
        progress: Option<&Progress>,
        count_lines: bool,
    ) -> Result<(u64, u64), BenchError> {
        let data = self.open_data().await?;
        let shown = command.to_string();
        self.expect_preliminary(command).await?;
        let mut data = self.protect(data).await?;
        self.data_tls = data.description();
        let (mut bytes, mut lines) = (0u64, 0u64);
        loop {
            let n = within(self.timeout, || format!("{shown}: data"), async {
                data.read(buf)
                    .await
                    .map_err(BenchError::io(format!("{shown}: data")))
            })
            .await?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            if count_lines {
                lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
            }
            if let Some(progress) = progress {
                progress.inc(n as u64);
            }
        }
        tls::finish_download(data, self.timeout).await;
        self.expect_completion(&shown).await?;
        Ok((bytes, lines))
    }

    /// STORs `size` bytes taken round-robin from `pattern` (which must not be empty).
    pub async fn upload(
        &mut self,
        path: &str,
        size: u64,
        pattern: &[u8],
        progress: Option<&Progress>,
    ) -> Result<(), BenchError> {
        if pattern.is_empty() {
            return Err(BenchError::Protocol("upload: empty pattern buffer".into()));
        }
        let data = self.open_data().await?;
        self.expect_preliminary(&Command::Stor(path.into())).await?;
        let mut data = self.protect(data).await?;
        self.data_tls = data.description();
        let mut left = size;
        while left > 0 {
            let chunk = &pattern[..pattern
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX))];
            within(self.timeout, || format!("STOR {path}: data"), async {
                data.write_all(chunk)
                    .await
                    .map_err(BenchError::io(format!("STOR {path}: data")))
            })
            .await?;
            left -= chunk.len() as u64;
            if let Some(progress) = progress {
                progress.inc(chunk.len() as u64);
            }
        }
        tls::finish_upload(data, self.timeout, &format!("STOR {path}")).await?;
        self.expect_completion(&format!("STOR {path}")).await?;
        Ok(())
    }

    /// How the last data connection was protected: TLS version, cipher suite, whether it resumed the
    /// control connection's session; `None` in plain FTP.
    pub fn data_tls(&self) -> Option<&str> {
        self.data_tls.as_deref()
    }

    /// Sends QUIT and waits for 221 (any reply, or the server closing, ends the session).
    pub async fn quit(mut self) -> Result<(), BenchError> {
        match self.command(&Command::Quit).await {
            Ok(reply) if reply.code == 221 => Ok(()),
            Ok(reply) => Err(BenchError::Refused {
                command: "QUIT".into(),
                reply,
            }),
            Err(error) => Err(error),
        }
    }

    async fn expect_preliminary(&mut self, command: &Command) -> Result<(), BenchError> {
        let reply = self.command(command).await?;
        if reply.is_preliminary() {
            Ok(())
        } else {
            Err(BenchError::Refused {
                command: command.to_string(),
                reply,
            })
        }
    }

    async fn expect_completion(&mut self, shown: &str) -> Result<(), BenchError> {
        let reply = self.reply(shown).await?;
        if reply.is_completion() {
            Ok(())
        } else {
            Err(BenchError::Refused {
                command: shown.to_string(),
                reply,
            })
        }
    }
}

/// A TCP connection to `addr` within `timeout`, with TCP_NODELAY: the driver never waits on Nagle, so
/// whatever stalls is the server's. `what` names the step for errors.
async fn tcp_connect(
    addr: SocketAddr,
    timeout: Duration,
    what: &str,
) -> Result<TcpStream, BenchError> {
    let context = format!("{what} {addr}");
    let stream = within(timeout, || context.clone(), async {
        TcpStream::connect(addr)
            .await
            .map_err(BenchError::io(context.clone()))
    })
    .await?;
    stream
        .set_nodelay(true)
        .map_err(BenchError::io("TCP_NODELAY"))?;
    Ok(stream)
}
