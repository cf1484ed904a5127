//! Commands (RFC 959 §4.1, §5.3; RFC 2428; RFC 3659; RFC 2228/4217 for TLS) as typed values, for both ends of the wire: a
//! server turns each control line into a [`Command`] with [`Command::parse`], a client or the suite
//! sends one with [`Command::to_wire`].
//!
//! - [`parse`](Command::parse): `VERB[ SP argument]`; verbs are case-insensitive, arguments stay raw bytes
//!   (file names need not be UTF-8). Telnet bytes that clients put before ABOR are skipped. Every way a
//!   line can be wrong is a [`CommandError`] that names its reply code.
//! - [`to_wire`](Command::to_wire): the canonical line, `VERB arg\r\n`, so `parse(to_wire(c)) == c`.
//!   [`Display`](std::fmt::Display) shows the line without its CRLF and with PASS's password masked.

mod encode;
mod parse;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use crate::reply_code::ReplyCode;
use crate::verb::Verb;

/// A path argument as raw bytes. [`Command::parse`] only makes one that is not empty and has no NUL byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathArg(pub Vec<u8>);

impl From<&str> for PathArg {
    fn from(path: &str) -> PathArg {
        PathArg(path.as_bytes().to_vec())
    }
}

impl From<String> for PathArg {
    fn from(path: String) -> PathArg {
        PathArg(path.into_bytes())
    }
}

impl From<&String> for PathArg {
    fn from(path: &String) -> PathArg {
        PathArg::from(path.as_str())
    }
}

impl From<&[u8]> for PathArg {
    fn from(path: &[u8]) -> PathArg {
        PathArg(path.to_vec())
    }
}

/// PASS's argument. Its `Debug` shows `****`, so that logging a command never shows a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(pub String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

impl From<&str> for Password {
    fn from(password: &str) -> Password {
        Password(password.to_string())
    }
}

impl From<String> for Password {
    fn from(password: String) -> Password {
        Password(password)
    }
}

/// TYPE's argument (RFC 959 §3.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferType {
    /// `A` / `A N`: lines end in CRLF on the wire.
    Ascii,
    /// `I` / `L 8`: bytes as they are.
    Image,
}

/// EPSV's argument (RFC 2428 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpsvArg {
    /// Plain `EPSV` or `EPSV 1`/`EPSV 2`: open a listener.
    Open,
    /// `EPSV ALL`: from now on only EPSV sets up data connections.
    All,
}

/// AUTH's mechanism (RFC 2228 §3, RFC 4217 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMechanism {
    /// `TLS` (or `TLS-C`): TLS on the control connection.
    Tls,
    /// `SSL`: the older name clients still send; served as TLS.
    Ssl,
    /// Any other mechanism, upper-cased as sent (servers refuse it with 504).
    Other(String),
}

/// PROT's level (RFC 2228 §3): how data connections are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionLevel {
    /// `C`: clear, no protection.
    Clear,
    /// `S`: safe (integrity only); TLS has no such level (RFC 4217 §9).
    Safe,
    /// `E`: confidential only; TLS has no such level.
    Confidential,
    /// `P`: private, TLS on every data connection.
    Private,
}

impl ProtectionLevel {
    /// The level's letter on the wire.
    pub fn letter(self) -> char {
        match self {
            ProtectionLevel::Clear => 'C',
            ProtectionLevel::Safe => 'S',
            ProtectionLevel::Confidential => 'E',
            ProtectionLevel::Private => 'P',
        }
    }
}

/// LIST/NLST's argument: the `ls`-style option words clients often put first (`LIST -la dir`) and an
/// optional path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingArg {
    /// The option words as sent, joined by single spaces (`-la`, `-l -a`); empty for none.
    pub options: Vec<u8>,
    pub path: Option<PathArg>,
}

impl ListingArg {
    /// No options, just `path` (or the current directory).
    pub fn path(path: Option<PathArg>) -> ListingArg {
        ListingArg {
            options: Vec::new(),
            path,
        }
    }

    /// `-a` (or any option word with an `a`) was given: show names starting with a dot.
    pub fn all(&self) -> bool {
        self.options.contains(&b'a')
    }
}

/// A command, as a client sends it and a server carries it out. Aliases (`XPWD`, `XMKD`, ...) parse to
/// the command they stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    User(String),
    Pass(Password),
    Quit,
    Syst,
    Noop,
    Feat,
    /// HELP, or `HELP verb` for one command's syntax (RFC 959 §4.1.3).
    Help(Option<String>),
    Opts(String),
    /// REIN: back to the state of a new connection, logged out (RFC 959 §4.1.1).
    Rein,
    Type(TransferType),
    /// `MODE S`: stream, the only mode (others are refused with 504 when parsed).
    Mode,
    /// `STRU F`: file, the only structure (others are refused with 504 when parsed).
    Stru,
    /// ALLO; its argument is ignored.
    Allo,
    Port(SocketAddrV4),
    Eprt(SocketAddr),
    Pasv,
    Epsv(EpsvArg),
    Rest(u64),
    Retr(PathArg),
    Stor(PathArg),
    /// STOU: store under a name the server makes up. RFC 959 gives it no argument; a name some clients
    /// send as a hint is not kept.
    Stou,
    /// APPE: append to a file, creating it when missing (RFC 959 §4.1.3).
    Appe(PathArg),
    List(ListingArg),
    Nlst(ListingArg),
    Mkd(PathArg),
    Rmd(PathArg),
    Cwd(PathArg),
    Cdup,
    Pwd,
    Dele(PathArg),
    Rnfr(PathArg),
    Rnto(PathArg),
    Size(PathArg),
    Mdtm(PathArg),
    /// MLSD: a directory's entries as facts, over a data connection (RFC 3659 §7).
    Mlsd(Option<PathArg>),
    /// MLST: one object's facts, on the control connection (RFC 3659 §7).
    Mlst(Option<PathArg>),
    /// STAT: the session's status, or with an argument a listing on the control connection (RFC 959
    /// §4.1.3).
    Stat(Option<ListingArg>),
    Site(SiteCommand),
    Abor,
    Auth(AuthMechanism),
    /// PBSZ's buffer size; 0 for TLS (RFC 4217 §9).
    Pbsz(u64),
    Prot(ProtectionLevel),
    /// Clear the control channel (RFC 4217 §12.3).
    Ccc,
}

/// SITE's subcommands (RFC 959 §4.1.3 leaves them to the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteCommand {
    /// `SITE CHMOD mode path`: set a file's permission bits (`mode` in octal, at most `777`).
    Chmod { mode: u32, path: PathArg },
    /// `SITE HELP`: the SITE commands there are.
    Help,
}

/// Why a line is not a command that can be carried out, with the reply it earns. It displays as that
/// reply's line, `code text`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}", self.code(), self.text())]
pub enum CommandError {
    /// 500: an empty line.
    Empty,
    /// 500: a verb nobody here has heard of.
    Unknown(String),
    /// 502: a known verb that is not implemented.
    NotImplemented(Verb),
    /// 501: the verb needs an argument.
    MissingArgument(Verb),
    /// 501: the argument is malformed.
    BadArgument(Verb, String),
    /// 504: the argument is well-formed but not supported (e.g. `TYPE E`, `MODE B`).
    UnsupportedParameter(Verb),
    /// 522: EPRT or EPSV names a network protocol other than IPv4 or IPv6 (RFC 2428 §2, §3).
    UnsupportedNetworkProtocol(Verb),
}

impl CommandError {
    /// The reply code this error earns.
    pub fn code(&self) -> ReplyCode {
        match self {
            CommandError::Empty | CommandError::Unknown(_) => ReplyCode::SyntaxError,
            CommandError::NotImplemented(_) => ReplyCode::CommandNotImplemented,
            CommandError::MissingArgument(_) | CommandError::BadArgument(..) => {
                ReplyCode::ParameterSyntaxError
            }
            CommandError::UnsupportedParameter(_) => ReplyCode::ParameterNotImplemented,
            CommandError::UnsupportedNetworkProtocol(_) => ReplyCode::NetworkProtocolNotSupported,
        }
    }

    /// The reply text.
    pub fn text(&self) -> String {
        match self {
            CommandError::Empty => "Empty command line.".into(),
            CommandError::Unknown(verb) => format!("Unknown command {:?}.", truncate(verb, 32)),
            CommandError::NotImplemented(verb) => format!("{verb} not implemented."),
            CommandError::MissingArgument(verb) => format!("{verb} needs an argument."),
            CommandError::BadArgument(verb, why) => format!("Illegal {verb} command: {why}."),
            CommandError::UnsupportedParameter(verb) => {
                format!("{verb} not implemented for that parameter.")
            }
            CommandError::UnsupportedNetworkProtocol(_) => {
                "Network protocol not supported, use (1,2).".into()
            }
        }
    }

    /// The verb the refused line named, when it named a known one.
    pub fn verb(&self) -> Option<Verb> {
        match self {
            CommandError::NotImplemented(verb)
            | CommandError::MissingArgument(verb)
            | CommandError::BadArgument(verb, _)
            | CommandError::UnsupportedParameter(verb)
            | CommandError::UnsupportedNetworkProtocol(verb) => Some(*verb),
            CommandError::Empty | CommandError::Unknown(_) => None,
        }
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
