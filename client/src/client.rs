//! [`Client`]: one logged-in FTP session and the commands users run on it.
//!
//! Each method sends its command(s), checks the reply code it needs and turns any other reply into an
//! [`Error`] naming the command and the reply. Transfers live in [`crate::transfer`].

use std::time::Duration;

use ftp_proto::{pathname, AuthMechanism, Command, Reply, ReplyCode, Verb};

use crate::control::{Control, Transcript};
use crate::data::{DataMode, Fallbacks};
use crate::error::{Error, Result};
use crate::tls::{TlsMode, TlsOptions, TlsSession};

/// How transfers are represented on the wire (RFC 959 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// TYPE I: bytes as they are. The default.
    Binary,
    /// TYPE A: text with CRLF line ends on the wire.
    Ascii,
}

/// Settings of a [`Client`], all changeable later.
#[derive(Clone)]
pub struct Options {
    /// Connect, reply and data timeout.
    pub timeout: Duration,
    pub mode: DataMode,
    pub transfer_type: TransferType,
    /// Where the dialogue goes (`-v`); `None` to keep quiet.
    pub transcript: Option<Transcript>,
    /// FTPS: when to use TLS and which certificates to trust.
    pub tls: TlsOptions,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            timeout: Duration::from_secs(30),
            mode: DataMode::Passive,
            transfer_type: TransferType::Binary,
            transcript: None,
            tls: TlsOptions::default(),
        }
    }
}

/// An FTP session.
pub struct Client {
    pub(crate) control: Control,
    pub(crate) options: Options,
    pub(crate) fallbacks: Fallbacks,
    /// The TYPE the server was last told, so that TYPE is sent only when it changes.
    pub(crate) sent_type: Option<TransferType>,
    /// The TLS client of the control connection, when it is under TLS; data connections use it too.
    pub(crate) tls: Option<TlsSession>,
    /// PBSZ 0 and PROT P were accepted: data connections are TLS.
    pub(crate) data_protected: bool,
    greeting: Reply,
}

impl Client {
    /// Connects and reads the greeting (waiting through a 120 "ready in a moment"), then takes the
    /// control connection under TLS as `options.tls` asks: at once (implicit), or with AUTH TLS.
    pub async fn connect(host: &str, port: u16, options: Options) -> Result<Client> {
        let mode = options.tls.mode;
        let session = match mode {
            TlsMode::Off => None,
            _ => Some(TlsSession::new(&options.tls, host)?),
        };
        let mut control = Control::connect(host, port, options.timeout).await?;
        control.set_transcript(options.transcript.clone());
        if let (TlsMode::Implicit, Some(session)) = (mode, &session) {
            control = control.start_tls(session).await?;
        }
        let mut greeting = control.reply().await?;
        if greeting.code == ReplyCode::ServiceReadySoon {
            greeting = control.reply().await?;
        }
        if greeting.code != ReplyCode::ServiceReady {
            return Err(Error::Refused {
                command: "the connection".into(),
                reply: greeting,
            });
        }
        let (control, tls) = match (mode, session) {
            (TlsMode::Explicit | TlsMode::Auto, Some(session)) => {
                auth_tls(control, session, mode, options.tls.fallback).await?
            }
            (_, session) => (control, session),
        };
        Ok(Client {
            control,
            options,
            fallbacks: Fallbacks::default(),
            sent_type: None,
            tls,
            data_protected: false,
            greeting,
        })
    }

    /// Whether the control connection is under TLS.
    pub fn is_tls(&self) -> bool {
        self.control.is_tls()
    }

    /// The 220 greeting.
    pub fn greeting(&self) -> &Reply {
        &self.greeting
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub fn set_mode(&mut self, mode: DataMode) {
        self.options.mode = mode;
    }

    pub fn set_transfer_type(&mut self, transfer_type: TransferType) {
        self.options.transfer_type = transfer_type;
    }

    pub fn set_transcript(&mut self, transcript: Option<Transcript>) {
        self.control.set_transcript(transcript.clone());
        self.options.transcript = transcript;
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        self.control.set_timeout(timeout);
        self.options.timeout = timeout;
    }

    /// The server's address.
    pub fn peer(&self) -> std::net::SocketAddr {
        self.control.peer()
    }

    /// Sends a command line as given (no check that it is a command) and returns its reply, whatever
    /// the code (421 aside).
    pub async fn raw(&mut self, command: &str) -> Result<Reply> {
        self.control.raw_command(command).await
    }

    /// USER, then PASS when asked (331). Any refusal is [`Error::LoginDenied`].
    pub async fn login(&mut self, user: &str, password: &str) -> Result<()> {
        let reply = self.control.command(&Command::User(user.into())).await?;
        let reply = match ReplyCode::from_code(reply.code) {
            Some(ReplyCode::UserLoggedIn) => return Ok(()),
            Some(ReplyCode::NeedPassword) => {
                self.control
                    .command(&Command::Pass(password.into()))
                    .await?
            }
            _ => return Err(Error::LoginDenied(reply)),
        };
        match ReplyCode::from_code(reply.code) {
            Some(ReplyCode::UserLoggedIn | ReplyCode::CommandSuperfluous) => Ok(()),
            _ => Err(Error::LoginDenied(reply)),
        }
    }

    /// Sends `command` and wants a reply with one of `codes`; 550 becomes [`Error::NotFound`] on `path`.
    pub(crate) async fn expect_on(
        &mut self,
        command: Command,
        codes: &[u16],
        path: Option<&str>,
    ) -> Result<Reply> {
        let reply = self.control.command(&command).await?;
        if codes.contains(&reply.code) {
            return Ok(reply);
        }
        Err(refusal(command.verb(), path, reply))
    }

    /// PWD: the current directory.
    pub async fn pwd(&mut self) -> Result<String> {
        let reply = self.expect_on(Command::Pwd, &[257], None).await?;
        quoted_path(reply.text_bytes()).ok_or_else(|| {
            Error::Protocol(format!(
                "no quoted path in the 257 reply {:?}",
                reply.text()
            ))
        })
    }

    /// CWD `path`.
    pub async fn cwd(&mut self, path: &str) -> Result<()> {
        self.expect_on(Command::Cwd(path.into()), &[200, 250], Some(path))
            .await
            .map(drop)
    }

    /// CDUP: to the parent directory.
    pub async fn cdup(&mut self) -> Result<()> {
        self.expect_on(Command::Cdup, &[200, 250], None)
            .await
            .map(drop)
    }

    /// MKD `path`; returns the created directory's name as the server gives it (or `path`).
    pub async fn mkdir(&mut self, path: &str) -> Result<String> {
        let reply = self
            .expect_on(Command::Mkd(path.into()), &[257, 250], None)
            .await?;
        Ok(quoted_path(reply.text_bytes()).unwrap_or_else(|| path.to_string()))
    }

    /// RMD `path`.
    pub async fn rmdir(&mut self, path: &str) -> Result<()> {
        self.expect_on(Command::Rmd(path.into()), &[250, 200], Some(path))
            .await
            .map(drop)
    }

    /// DELE `path`.
    pub async fn delete(&mut self, path: &str) -> Result<()> {
        self.expect_on(Command::Dele(path.into()), &[250, 200], Some(path))
            .await
            .map(drop)
    }

    /// RNFR `from`, RNTO `to`.
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<()> {
        self.expect_on(Command::Rnfr(from.into()), &[350], Some(from))
            .await?;
        self.expect_on(Command::Rnto(to.into()), &[250, 200], None)
            .await
            .map(drop)
    }

    /// SIZE `path` in bytes (RFC 3659 §4), in the current TYPE.
    pub async fn size(&mut self, path: &str) -> Result<u64> {
        let reply = self
            .expect_on(Command::Size(path.into()), &[213], Some(path))
            .await?;
        reply
            .text()
            .trim()
            .parse()
            .map_err(|_| Error::Protocol(format!("the 213 reply {:?} is not a size", reply.text())))
    }

    /// FEAT (RFC 2389): the features, one per line; empty when the server does not know FEAT.
    pub async fn feat(&mut self) -> Result<Vec<String>> {
        let reply = self.control.command(&Command::Feat).await?;
        if reply.code != ReplyCode::SystemStatus {
            return Ok(Vec::new());
        }
        let inner = reply.lines.len().saturating_sub(1);
        Ok(reply
            .lines
            .iter()
            .skip(1)
            .take(inner.saturating_sub(1))
            .map(|line| line.text().trim().to_string())
            .collect())
    }

    /// NOOP, to keep the session or check it is alive.
    pub async fn noop(&mut self) -> Result<()> {
        self.expect_on(Command::Noop, &[200], None).await.map(drop)
    }

    /// Sends TYPE if the server's current type differs from the wanted one.
    pub(crate) async fn ensure_type(&mut self, wanted: TransferType) -> Result<()> {
        if self.sent_type == Some(wanted) {
            return Ok(());
        }
        let wire_type = match wanted {
            TransferType::Binary => ftp_proto::TransferType::Image,
            TransferType::Ascii => ftp_proto::TransferType::Ascii,
        };
        self.expect_on(Command::Type(wire_type), &[200], None)
            .await?;
        self.sent_type = Some(wanted);
        Ok(())
    }

    /// QUIT and close. A server that hangs up without 221 is not an error: the session is over either way.
    pub async fn quit(mut self) -> Result<()> {
        self.control.send(&Command::Quit).await?;
        let result = match self.control.raw_reply().await {
            Ok(_) | Err(Error::ConnectionLost(_)) => Ok(()),
            Err(error) => Err(error),
        };
        self.control.shutdown().await;
        result
    }
}

/// AUTH TLS and the handshake. Under [`TlsMode::Auto`] with `fallback`, a refusal leaves the session
/// in plain FTP (said in the transcript); otherwise it is an error.
async fn auth_tls(
    mut control: Control,
    session: TlsSession,
    mode: TlsMode,
    fallback: bool,
) -> Result<(Control, Option<TlsSession>)> {
    let reply = control.command(&Command::Auth(AuthMechanism::Tls)).await?;
    if reply.code == 234 {
        let control = control.start_tls(&session).await?;
        return Ok((control, Some(session)));
    }
    if mode == TlsMode::Auto && fallback {
        control.note(&format!(
            "-- AUTH TLS refused ({}): going on WITHOUT TLS, as --tls-fallback allows",
            reply.code
        ));
        return Ok((control, None));
    }
    let advice = match mode {
        TlsMode::Auto => "; --tls-fallback allows plain FTP then (passwords and data in the clear)",
        _ => "; the server may offer implicit FTPS (ftps://) instead, or none",
    };
    Err(Error::Tls(format!(
        "the server refused AUTH TLS: {}{advice}",
        crate::error::quote(&reply)
    )))
}

/// The error for a refused command: 550 (and 450) on a named path is "not found".
pub(crate) fn refusal(verb: Verb, path: Option<&str>, reply: Reply) -> Error {
    match (reply.code, path) {
        (530 | 532, _) => Error::LoginDenied(reply),
        (550 | 450, Some(path)) => Error::NotFound {
            path: path.to_string(),
            reply,
        },
        _ => Error::Refused {
            command: verb.to_string(),
            reply,
        },
    }
}

/// The path in a 257 reply: `"name" ...` with `""` standing for one quote (RFC 959 Appendix II). Text
/// before the first quote is skipped, for servers that put some there.
pub fn quoted_path(text: impl AsRef<[u8]>) -> Option<String> {
    let text = text.as_ref();
    let start = text.iter().position(|byte| *byte == b'"')?;
    let name = pathname::unquote(&text[start..])?;
    Some(String::from_utf8_lossy(&name).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_paths_from_rfc959_appendix_ii() {
        assert_eq!(
            quoted_path("\"/usr/dm\" created.").as_deref(),
            Some("/usr/dm")
        );
        assert_eq!(
            quoted_path("\"/usr/dm/foo\"\"bar\" created").as_deref(),
            Some("/usr/dm/foo\"bar")
        );
        assert_eq!(quoted_path("no quotes"), None);
        assert_eq!(quoted_path("\"unterminated"), None);
    }

    #[test]
    fn refusals_map_by_code() {
        let not_found = refusal(Verb::Retr, Some("x"), Reply::new(550, "No such file."));
        assert!(matches!(not_found, Error::NotFound { .. }));
        let refused = refusal(Verb::Mkd, None, Reply::new(550, "File exists."));
        assert!(matches!(refused, Error::Refused { ref command, .. } if command == "MKD"));
    }
}
