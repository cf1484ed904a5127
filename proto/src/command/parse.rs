//! Control-connection lines become [`Command`]s here and nowhere else (RFC 959 §5.3).

use crate::hostport::{self, HostPortError};
use crate::verb::Verb;

use super::{
    AuthMechanism, Command, CommandError, EpsvArg, ListingArg, Password, PathArg, ProtectionLevel,
    SiteCommand, TransferType,
};

impl Command {
    /// Parses one line, without its line ending.
    pub fn parse(line: &[u8]) -> Result<Command, CommandError> {
        let unescaped = unescape_iac(strip_telnet_prefix(line));
        let line = unescaped.as_slice();
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
            // The password is kept as sent (not trimmed): spaces may be part of it.
            Verb::Pass => Ok(Command::Pass(Password(
                argument
                    .map(|arg| String::from_utf8_lossy(arg).into_owned())
                    .unwrap_or_default(),
            ))),
            Verb::Quit => Ok(Command::Quit),
            Verb::Syst => Ok(Command::Syst),
            Verb::Noop => Ok(Command::Noop),
            Verb::Feat => Ok(Command::Feat),
            Verb::Help => Ok(Command::Help(text().filter(|topic| !topic.is_empty()))),
            Verb::Rein => no_argument(Command::Rein),
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
                    HostPortError::UnsupportedProtocol(_) => {
                        CommandError::UnsupportedNetworkProtocol(verb)
                    }
                    other => CommandError::BadArgument(verb, other.to_string()),
                }),
            Verb::Pasv => no_argument(Command::Pasv),
            Verb::Epsv => match text().as_deref().map(str::to_ascii_uppercase).as_deref() {
                None | Some("1") | Some("2") => Ok(Command::Epsv(EpsvArg::Open)),
                Some("ALL") => Ok(Command::Epsv(EpsvArg::All)),
                // RFC 2428 §3: a network protocol the server does not support earns 522, as for EPRT.
                Some(number) if number.bytes().all(|b| b.is_ascii_digit()) => {
                    Err(CommandError::UnsupportedNetworkProtocol(verb))
                }
                Some(other) => Err(CommandError::BadArgument(
                    verb,
                    format!("{other:?} is neither a network protocol nor ALL"),
                )),
            },
            Verb::Rest => {
                let offset = required_text()?;
                offset.parse::<u64>().map(Command::Rest).map_err(|_| {
                    CommandError::BadArgument(verb, format!("{offset:?} is not a byte offset"))
                })
            }
            Verb::Retr => path().map(Command::Retr),
            Verb::Stor => path().map(Command::Stor),
            Verb::Stou => Ok(Command::Stou),
            Verb::Appe => path().map(Command::Appe),
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
            Verb::Mlsd => optional_path(verb, argument).map(Command::Mlsd),
            Verb::Mlst => optional_path(verb, argument).map(Command::Mlst),
            Verb::Stat => match argument {
                None => Ok(Command::Stat(None)),
                Some(_) => listing_argument(verb, argument).map(|arg| Command::Stat(Some(arg))),
            },
            Verb::Site => site_command(argument.ok_or(CommandError::MissingArgument(verb))?)
                .map(Command::Site),
            Verb::Abor => Ok(Command::Abor),
            Verb::Auth => Ok(Command::Auth(parse_mechanism(&required_text()?))),
            Verb::Pbsz => {
                let size = required_text()?;
                size.parse::<u64>().map(Command::Pbsz).map_err(|_| {
                    CommandError::BadArgument(verb, format!("{size:?} is not a buffer size"))
                })
            }
            Verb::Prot => parse_protection(&required_text()?).map(Command::Prot),
            Verb::Ccc => no_argument(Command::Ccc),
            Verb::Acct | Verb::Smnt => Err(CommandError::NotImplemented(verb)),
        }
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

/// Telnet's Interpret As Command byte (RFC 854); a data byte 255 is sent as IAC IAC.
pub(super) const IAC: u8 = 0xFF;

/// The line with each IAC IAC turned back into the one data byte 255 it stands for (RFC 854: "If the
/// Data Byte 255 is sent, it must be doubled").
fn unescape_iac(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut bytes = line.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        if byte == IAC && bytes.peek() == Some(&IAC) {
            bytes.next();
        }
        out.push(byte);
    }
    out
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

fn optional_path(verb: Verb, argument: Option<&[u8]>) -> Result<Option<PathArg>, CommandError> {
    argument
        .map(|argument| path_argument(verb, Some(argument)))
        .transpose()
}

/// `CHMOD mode path` or `HELP`, the subcommand in any letter case.
fn site_command(argument: &[u8]) -> Result<SiteCommand, CommandError> {
    let (word, rest) = match argument.iter().position(|byte| *byte == b' ') {
        Some(space) => (&argument[..space], Some(&argument[space + 1..])),
        None => (argument, None),
    };
    let bad = |why: String| CommandError::BadArgument(Verb::Site, why);
    if word.eq_ignore_ascii_case(b"HELP") {
        return Ok(SiteCommand::Help);
    }
    if !word.eq_ignore_ascii_case(b"CHMOD") {
        let word = String::from_utf8_lossy(word);
        return Err(bad(format!("unknown SITE command {word:?}, see SITE HELP")));
    }
    let rest = rest.ok_or(CommandError::MissingArgument(Verb::Site))?;
    let (mode, path) = match rest.iter().position(|byte| *byte == b' ') {
        Some(space) => (&rest[..space], Some(&rest[space + 1..])),
        None => (rest, None),
    };
    // Permission bits only: set-user-ID, set-group-ID and sticky bits are not a client's to set.
    let mode = std::str::from_utf8(mode)
        .ok()
        .filter(|digits| (1..=4).contains(&digits.len()))
        .and_then(|digits| u32::from_str_radix(digits, 8).ok())
        .filter(|mode| *mode <= 0o777)
        .ok_or_else(|| bad("CHMOD takes an octal mode from 0 to 777".into()))?;
    let path = path_argument(Verb::Site, path.filter(|path| !path.is_empty()))?;
    Ok(SiteCommand::Chmod { mode, path })
}

/// LIST and NLST take an optional path, and clients often put `ls` options first (`LIST -la dir`).
fn listing_argument(verb: Verb, argument: Option<&[u8]>) -> Result<ListingArg, CommandError> {
    let mut rest = argument.unwrap_or_default();
    let mut options = Vec::new();
    while rest.first() == Some(&b'-') {
        let end = rest
            .iter()
            .position(|byte| *byte == b' ')
            .unwrap_or(rest.len());
        if !options.is_empty() {
            options.push(b' ');
        }
        options.extend_from_slice(&rest[..end]);
        rest = rest.get(end + 1..).unwrap_or_default();
    }
    let path = if rest.is_empty() {
        None
    } else {
        Some(path_argument(verb, Some(rest))?)
    };
    Ok(ListingArg { options, path })
}

fn parse_mechanism(argument: &str) -> AuthMechanism {
    let mechanism = argument.to_ascii_uppercase();
    match mechanism.as_str() {
        "TLS" | "TLS-C" => AuthMechanism::Tls,
        "SSL" => AuthMechanism::Ssl,
        _ => AuthMechanism::Other(mechanism),
    }
}

fn parse_protection(argument: &str) -> Result<ProtectionLevel, CommandError> {
    match argument.to_ascii_uppercase().as_str() {
        "C" => Ok(ProtectionLevel::Clear),
        "S" => Ok(ProtectionLevel::Safe),
        "E" => Ok(ProtectionLevel::Confidential),
        "P" => Ok(ProtectionLevel::Private),
        _ => Err(CommandError::UnsupportedParameter(Verb::Prot)),
    }
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
