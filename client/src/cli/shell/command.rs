//! Shell commands: a line becomes a [`ShellCommand`] here, once, and nowhere else.
//!
//! Words are split on spaces; `"..."` and `'...'` quote names with spaces, `\` escapes one character.

use crate::cli::mirror::MirrorArgs;
use crate::error::{Error, Result};

/// One shell command with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellCommand {
    /// `open URL`: connect and log in.
    Open(String),
    /// `user NAME [PASSWORD]`: log in again on the open connection.
    User {
        name: String,
        password: Option<String>,
    },
    /// `ls`/`dir [PATH]`: the long listing.
    Ls(Option<String>),
    /// `ls -l [PATH]`: the parsed listing, one normalised line per entry.
    LsLong(Option<String>),
    /// `mirror [-R] [OPTIONS] SOURCE DEST`: a tree either way.
    Mirror(MirrorArgs),
    /// `pget [-n N] REMOTE [LOCAL]`: one file over N sessions (`get --segments N`).
    Pget {
        remote: String,
        local: Option<String>,
        segments: usize,
    },
    /// `nlist [PATH]`: names only.
    Nlist(Option<String>),
    Cd(String),
    Cdup,
    Pwd,
    Mkdir(String),
    Rmdir(String),
    /// `get [-c] REMOTE [LOCAL]`.
    Get {
        remote: String,
        local: Option<String>,
        resume: bool,
    },
    /// `put LOCAL [REMOTE]`.
    Put {
        local: String,
        remote: Option<String>,
    },
    /// `mget PATTERN...`: remote names matching shell globs.
    Mget(Vec<String>),
    /// `mput PATTERN...`: local files matching shell globs.
    Mput(Vec<String>),
    Rm(String),
    Rename {
        from: String,
        to: String,
    },
    Binary,
    Ascii,
    Passive,
    Active,
    /// `verbose [on|off]`: toggles without an argument.
    Verbose(Option<bool>),
    Status,
    Help(Option<String>),
    Quit,
}

/// Name, arguments and a line of help for each command, in the order `help` lists them.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    (
        "open",
        "URL",
        "connect to ftp://[user[:password]@]host[:port][/path] and log in",
    ),
    ("user", "NAME [PASSWORD]", "log in as another user"),
    ("ls", "[PATH]", "list a directory (long form); also `dir`"),
    ("dir", "[PATH]", "same as ls"),
    ("nlist", "[PATH]", "list names only"),
    (
        "mirror",
        "[OPTIONS] SOURCE DEST",
        "copy a tree here (or up with -R); --parallel N, --only-newer, --delete, --dry-run, --retries N",
    ),
    (
        "pget",
        "REMOTE [LOCAL]",
        "download one file over several connections; -n N of them (default 4)",
    ),
    ("cd", "PATH", "change the remote directory"),
    ("cdup", "", "go to the parent directory"),
    ("pwd", "", "print the remote directory"),
    ("mkdir", "PATH", "create a remote directory"),
    ("rmdir", "PATH", "remove an empty remote directory"),
    (
        "get",
        "[-c] REMOTE [LOCAL]",
        "download; -c resumes a partial local file",
    ),
    ("put", "LOCAL [REMOTE]", "upload"),
    ("mget", "PATTERN...", "download remote files matching globs"),
    ("mput", "PATTERN...", "upload local files matching globs"),
    ("rm", "PATH", "delete a remote file; also `delete`"),
    ("rename", "FROM TO", "rename a remote file"),
    (
        "binary",
        "",
        "transfer bytes as they are (TYPE I, the default)",
    ),
    ("ascii", "", "transfer text with CRLF line ends (TYPE A)"),
    (
        "passive",
        "",
        "the client opens data connections (EPSV/PASV, the default)",
    ),
    (
        "active",
        "",
        "the server opens data connections (EPRT/PORT)",
    ),
    ("verbose", "[on|off]", "show the FTP dialogue"),
    ("status", "", "show the connection and settings"),
    ("help", "[COMMAND]", "this list, or one command's help"),
    ("quit", "", "log out and leave; also `exit`, `bye`"),
];

/// Other names a command answers to, each with the table entry whose help it shares.
pub const ALIASES: &[(&str, &str)] = &[
    ("nls", "nlist"),
    ("recv", "get"),
    ("send", "put"),
    ("delete", "rm"),
    ("bin", "binary"),
    ("?", "help"),
    ("exit", "quit"),
    ("bye", "quit"),
];

/// The [`COMMANDS`] entry a typed name stands for (any letter case, aliases resolved). The parser dispatches
/// on this name only, so no command can be accepted without a line of help.
fn canonical_name(typed: &str) -> Option<&'static str> {
    let typed = typed.to_ascii_lowercase();
    let alias = ALIASES
        .iter()
        .find(|(alias, _)| *alias == typed)
        .map(|(_, name)| *name);
    let name = alias.unwrap_or(&typed);
    COMMANDS
        .iter()
        .find(|(entry, _, _)| *entry == name)
        .map(|(entry, _, _)| *entry)
}

/// Splits a line into words, honouring quotes and backslashes.
pub fn split_words(line: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut current: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                current.get_or_insert_with(String::new);
            }
            (_, '\\') => {
                let escaped = chars
                    .next()
                    .ok_or_else(|| Error::Usage("a line cannot end with \\".into()))?;
                current.get_or_insert_with(String::new).push(escaped);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(word) = current.take() {
                    words.push(word);
                }
            }
            (_, c) => current.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return Err(Error::Usage("unclosed quote".into()));
    }
    words.extend(current);
    Ok(words)
}

impl ShellCommand {
    /// Parses a line; `Ok(None)` for a blank line or a `#` comment.
    pub fn parse(line: &str) -> Result<Option<ShellCommand>> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(None);
        }
        let words = split_words(trimmed)?;
        let Some((name, args)) = words.split_first() else {
            return Ok(None);
        };
        let usage = |shape: &str| Error::Usage(format!("{name} {shape}"));
        let one = |shape: &str| match args {
            [only] => Ok(only.clone()),
            _ => Err(usage(shape)),
        };
        let optional = |shape: &str| match args {
            [] => Ok(None),
            [only] => Ok(Some(only.clone())),
            _ => Err(usage(shape)),
        };
        let none = |command: ShellCommand| match args {
            [] => Ok(command),
            _ => Err(Error::Usage(format!("{name} takes no arguments"))),
        };
        let unknown = || Error::Usage(format!("unknown command {name:?} (try `help`)"));
        let canonical = canonical_name(name).ok_or_else(unknown)?;
        let command = match canonical {
            "open" => ShellCommand::Open(one("URL")?),
            "user" => match args {
                [user] => ShellCommand::User {
                    name: user.clone(),
                    password: None,
                },
                [user, password] => ShellCommand::User {
                    name: user.clone(),
                    password: Some(password.clone()),
                },
                _ => return Err(usage("NAME [PASSWORD]")),
            },
            "ls" | "dir" if args.first().is_some_and(|arg| arg == "-l") => match &args[1..] {
                [] => ShellCommand::LsLong(None),
                [path] => ShellCommand::LsLong(Some(path.clone())),
                _ => return Err(usage("-l [PATH]")),
            },
            "ls" | "dir" => ShellCommand::Ls(optional("[PATH]")?),
            "mirror" => ShellCommand::Mirror(MirrorArgs::parse(args)?),
            "pget" => {
                let (segments, rest) = match args {
                    [flag, count, rest @ ..] if flag == "-n" => {
                        let count = count
                            .parse::<usize>()
                            .ok()
                            .filter(|count| (1..=64).contains(count))
                            .ok_or_else(|| usage("[-n 1..64] REMOTE [LOCAL]"))?;
                        (count, rest)
                    }
                    rest => (4, rest),
                };
                match rest {
                    [remote] => ShellCommand::Pget {
                        remote: remote.clone(),
                        local: None,
                        segments,
                    },
                    [remote, local] => ShellCommand::Pget {
                        remote: remote.clone(),
                        local: Some(local.clone()),
                        segments,
                    },
                    _ => return Err(usage("[-n N] REMOTE [LOCAL]")),
                }
            }
            "nlist" => ShellCommand::Nlist(optional("[PATH]")?),
            "cd" => ShellCommand::Cd(one("PATH")?),
            "cdup" => none(ShellCommand::Cdup)?,
            "pwd" => none(ShellCommand::Pwd)?,
            "mkdir" => ShellCommand::Mkdir(one("PATH")?),
            "rmdir" => ShellCommand::Rmdir(one("PATH")?),
            "get" => {
                let resume = args.first().is_some_and(|a| a == "-c");
                match &args[usize::from(resume)..] {
                    [remote] => ShellCommand::Get {
                        remote: remote.clone(),
                        local: None,
                        resume,
                    },
                    [remote, local] => ShellCommand::Get {
                        remote: remote.clone(),
                        local: Some(local.clone()),
                        resume,
                    },
                    _ => return Err(usage("[-c] REMOTE [LOCAL]")),
                }
            }
            "put" => match args {
                [local] => ShellCommand::Put {
                    local: local.clone(),
                    remote: None,
                },
                [local, remote] => ShellCommand::Put {
                    local: local.clone(),
                    remote: Some(remote.clone()),
                },
                _ => return Err(usage("LOCAL [REMOTE]")),
            },
            "mget" if !args.is_empty() => ShellCommand::Mget(args.to_vec()),
            "mput" if !args.is_empty() => ShellCommand::Mput(args.to_vec()),
            "mget" | "mput" => return Err(usage("PATTERN...")),
            "rm" => ShellCommand::Rm(one("PATH")?),
            "rename" => match args {
                [from, to] => ShellCommand::Rename {
                    from: from.clone(),
                    to: to.clone(),
                },
                _ => return Err(usage("FROM TO")),
            },
            "binary" => none(ShellCommand::Binary)?,
            "ascii" => none(ShellCommand::Ascii)?,
            "passive" => none(ShellCommand::Passive)?,
            "active" => none(ShellCommand::Active)?,
            "verbose" => match args {
                [] => ShellCommand::Verbose(None),
                [on] if on == "on" => ShellCommand::Verbose(Some(true)),
                [off] if off == "off" => ShellCommand::Verbose(Some(false)),
                _ => return Err(usage("[on|off]")),
            },
            "status" => none(ShellCommand::Status)?,
            "help" => ShellCommand::Help(optional("[COMMAND]")?),
            "quit" => none(ShellCommand::Quit)?,
            // A table entry this match does not handle; `every_help_entry_parses` catches it.
            _ => return Err(unknown()),
        };
        Ok(Some(command))
    }
}

/// The help text: every command, or one.
pub fn help(topic: Option<&str>) -> Result<String> {
    let line = |(name, args, what): &(&str, &str, &str)| {
        format!("  {:<30} {what}", format!("{name} {args}"))
    };
    match topic {
        None => Ok(COMMANDS.iter().map(line).collect::<Vec<_>>().join("\n")),
        Some(topic) => COMMANDS
            .iter()
            .find(|(name, _, _)| *name == topic)
            .map(line)
            .ok_or_else(|| Error::Usage(format!("no command {topic:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            split_words(r#"put "my file.txt" 'a b' c\ d"#).unwrap(),
            ["put", "my file.txt", "a b", "c d"]
        );
        assert_eq!(split_words(r#"put """#).unwrap(), ["put", ""]);
        assert!(split_words("put \"open").is_err());
    }

    #[test]
    fn parses_each_command_once() {
        let parse = |line: &str| ShellCommand::parse(line).unwrap().unwrap();
        assert_eq!(
            parse("get -c a b"),
            ShellCommand::Get {
                remote: "a".into(),
                local: Some("b".into()),
                resume: true
            }
        );
        assert_eq!(parse("DIR"), ShellCommand::Ls(None));
        assert_eq!(
            parse("mput *.txt *.bin"),
            ShellCommand::Mput(vec!["*.txt".into(), "*.bin".into()])
        );
        assert_eq!(parse("verbose off"), ShellCommand::Verbose(Some(false)));
        assert_eq!(ShellCommand::parse("  # note").unwrap(), None);
        for bad in [
            "cd",
            "cd a b",
            "pwd x",
            "get",
            "rename a",
            "frobnicate",
            "mget",
        ] {
            assert!(ShellCommand::parse(bad).is_err(), "{bad}");
        }
    }

    /// Each help line's own usage parses (with sample arguments), so the table names no command the parser
    /// lacks; the parser dispatches on table names only, so it accepts no command the table lacks.
    #[test]
    fn every_help_entry_parses() {
        for (name, args, _) in COMMANDS {
            let samples: Vec<&str> = args
                .split_whitespace()
                .filter(|word| !word.starts_with('['))
                .map(|_| "x")
                .collect();
            let line = format!("{name} {}", samples.join(" "));
            let parsed = ShellCommand::parse(&line);
            assert!(matches!(parsed, Ok(Some(_))), "{line:?}: {parsed:?}");
            assert!(help(Some(name)).is_ok(), "{name}");
        }
        for (alias, name) in ALIASES {
            assert_eq!(canonical_name(alias), Some(*name), "{alias}");
        }
        assert!(help(Some("nope")).is_err());
        assert!(ShellCommand::parse("nope").is_err());
    }
}
