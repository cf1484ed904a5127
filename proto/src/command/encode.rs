//! [`Command`]s become the lines a client sends: the canonical upper-case verb, one space, the argument.

use std::fmt;

use crate::hostport;
use crate::verb::Verb;

use super::parse::IAC;
use super::{AuthMechanism, Command, EpsvArg, ListingArg, SiteCommand, TransferType};

impl Command {
    /// The verb this command is sent with (aliases such as `XPWD` are sent by their RFC 959 name).
    pub fn verb(&self) -> Verb {
        match self {
            Command::User(_) => Verb::User,
            Command::Pass(_) => Verb::Pass,
            Command::Quit => Verb::Quit,
            Command::Syst => Verb::Syst,
            Command::Noop => Verb::Noop,
            Command::Feat => Verb::Feat,
            Command::Help(_) => Verb::Help,
            Command::Rein => Verb::Rein,
            Command::Opts(_) => Verb::Opts,
            Command::Type(_) => Verb::Type,
            Command::Mode => Verb::Mode,
            Command::Stru => Verb::Stru,
            Command::Allo => Verb::Allo,
            Command::Port(_) => Verb::Port,
            Command::Eprt(_) => Verb::Eprt,
            Command::Pasv => Verb::Pasv,
            Command::Epsv(_) => Verb::Epsv,
            Command::Rest(_) => Verb::Rest,
            Command::Retr(_) => Verb::Retr,
            Command::Stor(_) => Verb::Stor,
            Command::Stou => Verb::Stou,
            Command::Appe(_) => Verb::Appe,
            Command::List(_) => Verb::List,
            Command::Nlst(_) => Verb::Nlst,
            Command::Mkd(_) => Verb::Mkd,
            Command::Rmd(_) => Verb::Rmd,
            Command::Cwd(_) => Verb::Cwd,
            Command::Cdup => Verb::Cdup,
            Command::Pwd => Verb::Pwd,
            Command::Dele(_) => Verb::Dele,
            Command::Rnfr(_) => Verb::Rnfr,
            Command::Rnto(_) => Verb::Rnto,
            Command::Size(_) => Verb::Size,
            Command::Mdtm(_) => Verb::Mdtm,
            Command::Mlsd(_) => Verb::Mlsd,
            Command::Mlst(_) => Verb::Mlst,
            Command::Stat(_) => Verb::Stat,
            Command::Site(_) => Verb::Site,
            Command::Abor => Verb::Abor,
            Command::Auth(_) => Verb::Auth,
            Command::Pbsz(_) => Verb::Pbsz,
            Command::Prot(_) => Verb::Prot,
            Command::Ccc => Verb::Ccc,
        }
    }

    /// The argument as sent, `None` for a command sent as its verb alone.
    pub fn argument(&self) -> Option<Vec<u8>> {
        let text = |text: &str| Some(text.as_bytes().to_vec());
        match self {
            Command::User(text_arg) | Command::Opts(text_arg) => text(text_arg),
            Command::Help(topic) => topic.as_deref().and_then(text),
            Command::Pass(password) => text(&password.0),
            Command::Type(TransferType::Ascii) => text("A"),
            Command::Type(TransferType::Image) => text("I"),
            Command::Mode => text("S"),
            Command::Stru => text("F"),
            // RFC 959 §4.1.3 gives ALLO a decimal argument; the value is ignored by servers that take it.
            Command::Allo => text("0"),
            Command::Port(address) => text(&hostport::encode_port(*address)),
            Command::Eprt(address) => text(&hostport::encode_eprt(*address)),
            Command::Epsv(EpsvArg::Open) => None,
            Command::Epsv(EpsvArg::All) => text("ALL"),
            Command::Rest(offset) => text(&offset.to_string()),
            Command::Retr(path)
            | Command::Stor(path)
            | Command::Mkd(path)
            | Command::Rmd(path)
            | Command::Cwd(path)
            | Command::Dele(path)
            | Command::Rnfr(path)
            | Command::Rnto(path)
            | Command::Size(path)
            | Command::Mdtm(path)
            | Command::Appe(path) => Some(path.0.clone()),
            Command::Mlsd(path) | Command::Mlst(path) => path.as_ref().map(|path| path.0.clone()),
            Command::Stat(listing) => listing.as_ref().and_then(listing_argument),
            Command::Site(SiteCommand::Help) => text("HELP"),
            Command::Site(SiteCommand::Chmod { mode, path }) => {
                Some([format!("CHMOD {mode:o} ").as_bytes(), &path.0].concat())
            }
            Command::List(listing) | Command::Nlst(listing) => listing_argument(listing),
            Command::Auth(AuthMechanism::Tls) => text("TLS"),
            Command::Auth(AuthMechanism::Ssl) => text("SSL"),
            Command::Auth(AuthMechanism::Other(mechanism)) => text(mechanism),
            Command::Pbsz(size) => text(&size.to_string()),
            Command::Prot(level) => text(&level.letter().to_string()),
            Command::Quit
            | Command::Syst
            | Command::Noop
            | Command::Feat
            | Command::Rein
            | Command::Stou
            | Command::Pasv
            | Command::Cdup
            | Command::Pwd
            | Command::Abor
            | Command::Ccc => None,
        }
    }

    /// The line without its CRLF: `VERB` or `VERB SP argument`. The control connection is a Telnet
    /// connection (RFC 959 §2.2), so a byte 255 of the argument goes out doubled (IAC IAC, RFC 854).
    pub fn line(&self) -> Vec<u8> {
        let mut line = self.verb().as_str().as_bytes().to_vec();
        if let Some(argument) = self.argument() {
            line.push(b' ');
            for byte in argument {
                if byte == IAC {
                    line.push(IAC);
                }
                line.push(byte);
            }
        }
        line
    }

    /// The line as sent on the wire, CRLF included.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut wire = self.line();
        wire.extend_from_slice(b"\r\n");
        wire
    }
}

fn listing_argument(listing: &ListingArg) -> Option<Vec<u8>> {
    let mut argument = listing.options.clone();
    if let Some(path) = &listing.path {
        if !argument.is_empty() {
            argument.push(b' ');
        }
        argument.extend_from_slice(&path.0);
    }
    (!argument.is_empty() || listing.path.is_some()).then_some(argument)
}

/// The line without CRLF, lossily as text, with PASS's password shown as `****` (for logs and
/// transcripts).
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Pass(_) => f.write_str("PASS ****"),
            command => f.write_str(&String::from_utf8_lossy(&command.line())),
        }
    }
}
