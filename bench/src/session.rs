//! One FTP control connection as a benchmark drives it: connect, log in, open a passive data connection
//! (EPSV, falling back to PASV once for good), and move whole files with large buffers. Replies are read
//! with `ftp_proto`'s parser; every network wait has the target's time limit.

use std::net::SocketAddr;
use std::time::Duration;

use ftp_proto::{hostport, Command, EpsvArg, Reply, ReplyParser, TransferType};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::error::{within, BenchError};
use crate::progress::Progress;
use crate::target::Target;

/// Replies longer than this are a broken server, not a benchmark figure.
const MAX_REPLY_LINE: u64 = 64 * 1024;

/// A logged-in (or greeted) control connection.
pub struct Session {
    control: BufReader<TcpStream>,
    peer: SocketAddr,
    timeout: Duration,
    use_epsv: bool,
    line: Vec<u8>,
}

impl Session {
    /// Connects and reads the 220 greeting.
    pub async fn connect(target: &Target, timeout: Duration) -> Result<Session, BenchError> {
        let addr = target.addr;
        let stream = within(timeout, || format!("connect {addr}"), async {
            TcpStream::connect(addr)
                .await
                .map_err(BenchError::io(format!("connect {addr}")))
        })
        .await?;
        // The driver never waits on Nagle; whatever stalls is the server's.
        stream
            .set_nodelay(true)
            .map_err(BenchError::io("TCP_NODELAY"))?;
        let mut session = Session {
            control: BufReader::with_capacity(8 * 1024, stream),
            peer: addr,
            timeout,
            use_epsv: true,
            line: Vec::with_capacity(256),
        };
        loop {
            let greeting = session.reply("greeting").await?;
            match greeting.code {
                220 => return Ok(session),
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
    }

    /// Connects, logs in with the target's credentials and selects binary mode.
    pub async fn login(target: &Target, timeout: Duration) -> Result<Session, BenchError> {
        let mut session = Session::connect(target, timeout).await?;
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
    pub async fn open_data(&mut self) -> Result<TcpStream, BenchError> {
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
        let stream = within(
            self.timeout,
            || format!("data connection to {addr}"),
            async {
                TcpStream::connect(addr)
                    .await
                    .map_err(BenchError::io(format!("data connection to {addr}")))
            },
        )
        .await?;
        stream
            .set_nodelay(true)
            .map_err(BenchError::io("TCP_NODELAY"))?;
        Ok(stream)
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
        let mut data = self.open_data().await?;
        let shown = command.to_string();
        self.expect_preliminary(command).await?;
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
        drop(data);
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
        let mut data = self.open_data().await?;
        self.expect_preliminary(&Command::Stor(path.into())).await?;
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
        within(self.timeout, || format!("STOR {path}: close"), async {
            data.shutdown()
                .await
                .map_err(BenchError::io(format!("STOR {path}: close")))
        })
        .await?;
        drop(data);
        self.expect_completion(&format!("STOR {path}")).await?;
        Ok(())
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
