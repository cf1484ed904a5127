//! STAT and HELP: what the server says about itself on the control connection (RFC 959 §4.1.3).
//!
//! - STAT without an argument: the session's status, a multi-line 211.
//! - STAT with a path: "analogous to LIST except that data shall be transferred over the control
//!   connection": `ls -l` lines as a multi-line 212 for a directory, 213 for a file. A directory's lines
//!   go out batch by batch, each one indented by a space, so that no name can end the reply and a large
//!   directory is never held whole.
//! - STAT during a transfer: "If this command is given during a file transfer, the server replies with
//!   the status of the transfer": one 213 line with what moves and the bytes so far. It is the one
//!   command besides ABOR and QUIT that the brief's ignore-during-a-transfer rule lets through (see
//!   `Session::on_command`).
//! - HELP: the commands there are (214); `HELP verb`: that command's syntax (214), 501 for a word that
//!   is no command, 502 for one this server does not implement.

use std::io;
use std::time::SystemTime;

use ftp_proto::{ListingArg, Reply, ReplyCode, TransferType, Verb};

use super::{Answer, Flow, Login, Session};
use crate::accounts::Right;
use crate::data::channel::DataPlan;
use crate::data::listing;
use crate::storage::Entry;
use crate::xferlog::Access;

impl Session {
    pub(super) async fn stat(&mut self, argument: &Option<ListingArg>) -> io::Result<Flow> {
        match argument {
            None => {
                let status = self.status();
                self.send(status).await
            }
            Some(argument) => self.stat_path(argument).await,
        }
    }

    /// STAT while a transfer runs: how far it has got.
    pub(super) async fn stat_transfer(&mut self) -> io::Result<Flow> {
        let text = match &self.transfer {
            Some(running) => running.progress(),
            None => "No transfer in progress.".to_string(),
        };
        self.send(Reply::new(ReplyCode::FileStatus, text)).await
    }

    fn status(&self) -> Reply {
        let login = match (&self.login, &self.identity) {
            (Login::LoggedIn, Some(identity)) => match &identity.access {
                Access::Anonymous(_) => "Logged in anonymously.".to_string(),
                Access::Real(name) => format!("Logged in as {name}."),
            },
            _ => "Not logged in.".to_string(),
        };
        let kind = match self.transfer_type {
            TransferType::Ascii => "ASCII",
            TransferType::Image => "BINARY",
        };
        let data = match &self.plan {
            None => "No data connection set up.".to_string(),
            Some(DataPlan::Active(addr)) => format!("Active mode: will connect to {addr}."),
            Some(DataPlan::Passive(listener)) => match listener.local_addr() {
                Ok(addr) => format!("Passive mode: listening on {addr}."),
                Err(_) => "Passive mode.".to_string(),
            },
        };
        let s = &self.statistics;
        let lines = vec![
            format!("{} FTP server status:", self.shared.config.server_name),
            format!(" Connected from {}", self.control.addrs().peer),
            format!(" {login}"),
            format!(" TYPE: {kind}; STRUcture: File; transfer MODE: Stream"),
            format!(" {data}"),
            format!(
                " {} files ({} bytes) transferred in {} data connections.",
                s.files, s.file_bytes, s.transfers
            ),
            "End of status.".to_string(),
        ];
        Reply::multi(ReplyCode::SystemStatus, lines)
    }

    /// STAT path: the `ls -l` lines LIST would send, on the control connection. RFC 959 §5.4 gives STAT
    /// 450 rather than 550 for a file that is not there.
    async fn stat_path(&mut self, argument: &ListingArg) -> io::Result<Flow> {
        if let Err(refusal) = self.require(Right::Read) {
            return self.send(refusal).await;
        }
        let path = argument
            .path
            .as_ref()
            .map_or_else(|| self.cwd.clone(), |path| self.cwd.join(&path.0));
        let storage = &self.storage;
        let opened = match storage.metadata(&path).await {
            Ok(stat) => storage.open_listing(&path).await.map(|l| (stat, l)),
            Err(error) => Err(error),
        };
        let (stat, listing) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                let reply = Reply::from(error);
                return self
                    .send(Reply::new(ReplyCode::FileBusy, reply.text().into_owned()))
                    .await;
            }
        };
        let (code, what) = if stat.is_dir() {
            (ReplyCode::DirectoryStatus, "Status of")
        } else {
            (ReplyCode::FileStatus, "Status of file")
        };
        let code = u16::from(code);
        let mut wire = format!("{code}-{what} ").into_bytes();
        wire.extend(path.to_bytes().iter().map(|&b| line_byte(b)));
        wire.extend_from_slice(b":\r\n");
        let all = argument.all();
        let now = SystemTime::now();
        let mut listing = listing::sorted(listing);
        let mut read_failed = false;
        loop {
            match listing.next_batch().await {
                Ok(Some(batch)) => {
                    let shown = batch
                        .iter()
                        .filter(|entry| all || entry.name.first() != Some(&b'.'));
                    for entry in shown {
                        control_line(entry, now, &mut wire);
                    }
                    self.control.write_reply_part(&wire).await?;
                    wire.clear();
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "STAT listing failed");
                    read_failed = true;
                    break;
                }
            }
        }
        let end = if read_failed {
            "End of status (incomplete: the directory could not be read)."
        } else {
            "End of status."
        };
        wire.extend_from_slice(format!("{code} {end}\r\n").as_bytes());
        self.control.write_reply_part(&wire).await?;
        Ok(Flow::Continue)
    }
}

/// One `ls -l` line for the control connection: a space first, so that it cannot pass for the closing
/// line, and any CR or LF in the name sent as a space, so that it cannot end the line early.
fn control_line(entry: &Entry, now: SystemTime, out: &mut Vec<u8>) {
    let mut line = Vec::new();
    listing::long_line(entry, now, &mut line);
    let text = line.strip_suffix(b"\r\n").unwrap_or(&line);
    out.push(b' ');
    out.extend(text.iter().map(|&byte| line_byte(byte)));
    out.extend_from_slice(b"\r\n");
}

fn line_byte(byte: u8) -> u8 {
    match byte {
        b'\r' | b'\n' => b' ',
        other => other,
    }
}

/// HELP: every command, or one command's syntax.
pub(super) fn help(topic: Option<&str>) -> Answer {
    let Some(topic) = topic else {
        return Ok(help_list());
    };
    let word = topic.split_whitespace().next().unwrap_or_default();
    match Verb::parse(word) {
        Some(verb) => match syntax(verb) {
            Some(syntax) => Ok(Reply::new(
                ReplyCode::HelpMessage,
                format!("Syntax: {syntax}"),
            )),
            None => Err(Reply::new(
                ReplyCode::CommandNotImplemented,
                format!("{verb} not implemented."),
            )),
        },
        None => Err(Reply::new(
            ReplyCode::ParameterSyntaxError,
            format!("Unknown command {word:?}."),
        )),
    }
}

fn help_list() -> Reply {
    let mut verbs: Vec<&str> = Verb::ALL
        .iter()
        .filter(|verb| syntax(**verb).is_some() && !verb.as_str().starts_with('X'))
        .map(|verb| verb.as_str())
        .collect();
    verbs.sort_unstable();
    let mut lines = vec!["The following commands are recognized.".to_string()];
    for row in verbs.chunks(16) {
        let row: Vec<String> = row.iter().map(|verb| format!("{verb:<4}")).collect();
        lines.push(format!(" {}", row.join(" ").trim_end()));
    }
    lines.push("Help OK.".to_string());
    Reply::multi(ReplyCode::HelpMessage, lines)
}

/// Each implemented command's syntax, in RFC 959 §5.3.1's notation; `None` for what is not implemented.
fn syntax(verb: Verb) -> Option<&'static str> {
    Some(match verb {
        Verb::User => "USER <sp> username",
        Verb::Pass => "PASS <sp> password",
        Verb::Cwd | Verb::Xcwd => "CWD <sp> pathname",
        Verb::Cdup | Verb::Xcup => "CDUP",
        Verb::Rein => "REIN",
        Verb::Quit => "QUIT",
        Verb::Port => "PORT <sp> h1,h2,h3,h4,p1,p2",
        Verb::Pasv => "PASV",
        Verb::Eprt => "EPRT <sp> |af|address|port|",
        Verb::Epsv => "EPSV [<sp> 1 | 2 | ALL]",
        Verb::Type => "TYPE <sp> A | I | L 8",
        Verb::Stru => "STRU <sp> F",
        Verb::Mode => "MODE <sp> S",
        Verb::Retr => "RETR <sp> pathname",
        Verb::Stor => "STOR <sp> pathname",
        Verb::Stou => "STOU (the name is given in the 150 reply)",
        Verb::Appe => "APPE <sp> pathname",
        Verb::Allo => "ALLO <sp> decimal-integer (ignored)",
        Verb::Rest => "REST <sp> byte-offset",
        Verb::Rnfr => "RNFR <sp> pathname",
        Verb::Rnto => "RNTO <sp> pathname",
        Verb::Abor => "ABOR",
        Verb::Dele => "DELE <sp> pathname",
        Verb::Rmd | Verb::Xrmd => "RMD <sp> pathname",
        Verb::Mkd | Verb::Xmkd => "MKD <sp> pathname",
        Verb::Pwd | Verb::Xpwd => "PWD",
        Verb::List => "LIST [<sp> pathname]",
        Verb::Nlst => "NLST [<sp> pathname]",
        Verb::Site => "SITE <sp> CHMOD <sp> mode <sp> pathname | SITE <sp> HELP",
        Verb::Syst => "SYST",
        Verb::Stat => "STAT [<sp> pathname]",
        Verb::Help => "HELP [<sp> command]",
        Verb::Noop => "NOOP",
        Verb::Feat => "FEAT",
        Verb::Opts => "OPTS <sp> UTF8 ON | OPTS <sp> MLST [<sp> fact;...]",
        Verb::Size => "SIZE <sp> pathname",
        Verb::Mdtm => "MDTM <sp> pathname",
        Verb::Mlsd => "MLSD [<sp> pathname]",
        Verb::Mlst => "MLST [<sp> pathname]",
        Verb::Auth => "AUTH <sp> TLS | SSL (RFC 4217; 502 without a certificate)",
        Verb::Pbsz => "PBSZ <sp> 0",
        Verb::Prot => "PROT <sp> C | P",
        Verb::Ccc => "CCC (refused: the control connection stays encrypted)",
        Verb::Acct | Verb::Smnt => return None,
    })
}
