//! Control-connection lines become typed [`Command`]s here and nowhere else (RFC 959 §5.3).
//!
//! A line is `VERB[ SP argument]`; verbs are case-insensitive, the argument is kept as raw bytes (file names
//! need not be UTF-8). Telnet interrupt sequences that clients put before ABOR are stripped. Every way a line
//! can be wrong is a [`CommandError`] that names its reply code.

use std::net::{SocketAddr, SocketAddrV4};

use ftp_proto::{hostport, HostPortError, Verb};

/// A client's path argument, raw bytes, never empty and free of NUL bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathArg(pub Vec<u8>);

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

/// LIST/NLST's argument: `ls`-style options (only `-a` matters) and an optional path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingArg {
    pub path: Option<PathArg>,
    /// `-a` was given: show names starting with a dot.
    pub all: bool,
}

/// A command the server carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    User(String),
    Pass,
    Quit,
    Syst,
    Noop,
    Feat,
    Help,
    Opts(String),
    Type(TransferType),
    Mode,
    Stru,
    Allo,
    Port(SocketAddrV4),
    Eprt(SocketAddr),
    Pasv,
    Epsv(EpsvArg),
    Rest(u64),
    Retr(PathArg),
    Stor(PathArg),
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
    Abor,
}

/// Why a line is not a command the server can carry out, with the reply it earns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// 500: an empty line.
    Empty,
    /// 500: a verb this server has never heard of.
    Unknown(String),
    /// 502: a known verb this server does not implement.
    NotImplemented(Verb),
    /// 501: the verb needs an argument.
    MissingArgument(Verb),
    /// 501: the argument is malformed.
    BadArgument(Verb, String),
    /// 504: the argument is well-formed but not supported (e.g. `TYPE E`, `MODE B`).
    UnsupportedParameter(Verb),
    /// 522: EPRT names a network protocol other than IPv4 or IPv6 (RFC 2428 §2).
    UnsupportedNetworkProtocol,
}

impl CommandError {
    /// The reply code this error earns.
    pub fn code(&self) -> u16 {
        match self {
            CommandError::Empty | CommandError::Unknown(_) => 500,
            CommandError::NotImplemented(_) => 502,
            CommandError::MissingArgument(_) | CommandError::BadArgument(..) => 501,
            CommandError::UnsupportedParameter(_) => 504,
            CommandError::UnsupportedNetworkProtocol => 522,
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
            CommandError::UnsupportedNetworkProtocol => {
                "Network protocol not supported, use (1,2).".into()
            }
        }
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Parses one line, without its line ending.
pub fn parse(line: &[u8]) -> Result<Command, CommandError> {
    let line = strip_telnet_prefix(line);
    if line.iter().all(|byte| *byte == b' ') {
        return Err(CommandError::Empty);
    }
    let (verb_bytes, argument) = match line.iter().position(|byte| *byte == b' ') {
        Some(space) => (&line[..space], Some(&line[space + 1..])),
        None => (line, None),
    };
    let argument = argument.filter(|arg| !arg.is_empty());
    let verb_text = String::from_utf8_lossy(verb_bytes);
    let verb =
        Verb::parse(&verb_text).ok_or_else(|| CommandError::Unknown(verb_text.to_string()))?;
    let text = || argument.map(|arg| String::from_utf8_lossy(arg).trim().to_string());
    let required_text = || {
        text()
            .filter(|arg| !arg.is_empty())
            .ok_or(CommandError::MissingArgument(verb))
    };
    let path = || path_argument(verb, argument);
    let no_argument = |command: Command| match argument {
        None => Ok(command),
        Some(_) => Err(CommandError::BadArgument(verb, "takes no argument".into())),
    };

    match verb {
        Verb::User => required_text().map(Command::User),
        Verb::Pass => Ok(Command::Pass),
        Verb::Quit => Ok(Command::Quit),
        Verb::Syst => Ok(Command::Syst),
        Verb::Noop => Ok(Command::Noop),
        Verb::Feat => Ok(Command::Feat),
        Verb::Help => Ok(Command::Help),
        Verb::Opts => required_text().map(Command::Opts),
        Verb::Type => parse_type(&required_text()?).map(Command::Type),
        Verb::Mode => one_of(verb, &required_text()?, &["S"], Command::Mode),
        Verb::Stru => one_of(verb, &required_text()?, &["F"], Command::Stru),
        Verb::Allo => Ok(Command::Allo),
        Verb::Port => hostport::decode_port(&required_text()?)
            .map(Command::Port)
            .map_err(|error| CommandError::BadArgument(verb, error.to_string())),
        Verb::Eprt => hostport::decode_eprt(&required_text()?)
            .map(Command::Eprt)
            .map_err(|error| match error {
                HostPortError::UnsupportedProtocol(_) => CommandError::UnsupportedNetworkProtocol,
                other => CommandError::BadArgument(verb, other.to_string()),
            }),
        Verb::Pasv => no_argument(Command::Pasv),
        Verb::Epsv => match text().as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("1") | Some("2") => Ok(Command::Epsv(EpsvArg::Open)),
            Some("ALL") => Ok(Command::Epsv(EpsvArg::All)),
            Some(_) => Err(CommandError::UnsupportedParameter(verb)),
        },
        Verb::Rest => {
            let offset = required_text()?;
            offset.parse::<u64>().map(Command::Rest).map_err(|_| {
                CommandError::BadArgument(verb, format!("{offset:?} is not a byte offset"))
            })
        }
        Verb::Retr => path().map(Command::Retr),
        Verb::Stor => path().map(Command::Stor),
        Verb::List => listing_argument(verb, argument).map(Command::List),
        Verb::Nlst => listing_argument(verb, argument).map(Command::Nlst),
        Verb::Mkd | Verb::Xmkd => path().map(Command::Mkd),
        Verb::Rmd | Verb::Xrmd => path().map(Command::Rmd),
        Verb::Cwd | Verb::Xcwd => path().map(Command::Cwd),
        Verb::Cdup | Verb::Xcup => Ok(Command::Cdup),
        Verb::Pwd | Verb::Xpwd => Ok(Command::Pwd),
        Verb::Dele => path().map(Command::Dele),
        Verb::Rnfr => path().map(Command::Rnfr),
        Verb::Rnto => path().map(Command::Rnto),
        Verb::Size => path().map(Command::Size),
        Verb::Mdtm => path().map(Command::Mdtm),
        Verb::Abor => Ok(Command::Abor),
        Verb::Acct
        | Verb::Smnt
        | Verb::Rein
        | Verb::Stou
        | Verb::Appe
        | Verb::Site
        | Verb::Stat
        | Verb::Mlsd
        | Verb::Mlst => Err(CommandError::NotImplemented(verb)),
    }
}

/// Clients send Telnet IP and Synch (IAC IP IAC DM) before ABOR; the urgent byte may even be missing
/// from the stream. Every byte with the high bit set before the verb is such a control byte.
fn strip_telnet_prefix(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|byte| byte.is_ascii())
        .unwrap_or(line.len());
    &line[start..]
}

fn path_argument(verb: Verb, argument: Option<&[u8]>) -> Result<PathArg, CommandError> {
    let argument = argument.ok_or(CommandError::MissingArgument(verb))?;
    if argument.contains(&0) {
        return Err(CommandError::BadArgument(
            verb,
            "path contains a NUL byte".into(),
        ));
    }
    Ok(PathArg(argument.to_vec()))
}

/// LIST and NLST take an optional path, and clients often put `ls` options first (`LIST -la dir`).
fn listing_argument(verb: Verb, argument: Option<&[u8]>) -> Result<ListingArg, CommandError> {
    let mut rest = argument.unwrap_or_default();
    let mut all = false;
    while rest.first() == Some(&b'-') {
        let end = rest
            .iter()
            .position(|byte| *byte == b' ')
            .unwrap_or(rest.len());
        all |= rest[..end].contains(&b'a');
        rest = rest.get(end + 1..).unwrap_or_default();
    }
    let path = if rest.is_empty() {
        None
    } else {
        Some(path_argument(verb, Some(rest))?)
    };
    Ok(ListingArg { path, all })
}

fn parse_type(argument: &str) -> Result<TransferType, CommandError> {
    let words: Vec<String> = argument
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words[..] {
        ["A"] | ["A", "N"] => Ok(TransferType::Ascii),
        ["I"] | ["L", "8"] => Ok(TransferType::Image),
        _ => Err(CommandError::UnsupportedParameter(Verb::Type)),
    }
}

fn one_of(
    verb: Verb,
    argument: &str,
    supported: &[&str],
    command: Command,
) -> Result<Command, CommandError> {
    if supported
        .iter()
        .any(|value| value.eq_ignore_ascii_case(argument))
    {
        Ok(command)
    } else {
        Err(CommandError::UnsupportedParameter(verb))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(b"USER anonymous", Command::User("anonymous".into()))]
    #[case(b"user anonymous", Command::User("anonymous".into()))]
    #[case(b"PASS", Command::Pass)]
    #[case(b"SySt", Command::Syst)]
    #[case(b"TYPE I", Command::Type(TransferType::Image))]
    #[case(b"type a n", Command::Type(TransferType::Ascii))]
    #[case(b"TYPE L 8", Command::Type(TransferType::Image))]
    #[case(b"PORT 127,0,0,1,4,1", Command::Port("127.0.0.1:1025".parse().unwrap()))]
    #[case(b"EPRT |1|127.0.0.1|1025|", Command::Eprt("127.0.0.1:1025".parse().unwrap()))]
    #[case(b"EPSV ALL", Command::Epsv(EpsvArg::All))]
    #[case(b"RETR my file.txt", Command::Retr(PathArg(b"my file.txt".to_vec())))]
    #[case(b"RETR caf\xe9", Command::Retr(PathArg(b"caf\xe9".to_vec())))]
    #[case(b"LIST", Command::List(ListingArg { path: None, all: false }))]
    #[case(b"LIST -la", Command::List(ListingArg { path: None, all: true }))]
    #[case(b"NLST -l pub", Command::Nlst(ListingArg { path: Some(PathArg(b"pub".to_vec())), all: false }))]
    #[case(b"XPWD", Command::Pwd)]
    #[case(b"REST 100", Command::Rest(100))]
    #[case(b"\xff\xf4\xffABOR", Command::Abor)]
    fn parses(#[case] line: &[u8], #[case] expected: Command) {
        assert_eq!(parse(line), Ok(expected));
    }

    #[rstest]
    #[case(b"", 500)]
    #[case(b"   ", 500)]
    #[case(b"FROB", 500)]
    #[case(b"\xc3\x28", 500)]
    #[case(b"SITE CHMOD 777 x", 502)]
    #[case(b"USER", 501)]
    #[case(b"TYPE", 501)]
    #[case(b"TYPE X", 504)]
    #[case(b"TYPE E", 504)]
    #[case(b"MODE B", 504)]
    #[case(b"MODE", 501)]
    #[case(b"STRU R", 504)]
    #[case(b"PORT", 501)]
    #[case(b"PORT 1,2,3", 501)]
    #[case(b"PORT 300,0,0,1,4,1", 501)]
    #[case(b"PORT a,b,c,d,e,f", 501)]
    #[case(b"EPRT |9|127.0.0.1|5000|", 522)]
    #[case(b"EPRT |1|x|1|", 501)]
    #[case(b"EPSV 7", 504)]
    #[case(b"PASV now", 501)]
    #[case(b"RETR", 501)]
    #[case(b"RETR a\0b", 501)]
    #[case(b"REST -1", 501)]
    #[case(b"MKD", 501)]
    fn refuses(#[case] line: &[u8], #[case] code: u16) {
        let error = parse(line).expect_err("must be refused");
        assert_eq!(error.code(), code, "{error:?}");
        assert!(!error.text().is_empty());
    }
}
