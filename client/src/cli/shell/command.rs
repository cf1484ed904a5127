//! Shell commands: a line becomes a [`ShellCommand`] here, once, and nowhere else.
//!
//! Words are split on spaces; `"..."` and `'...'` quote names with spaces, `\` escapes one character.
//! Two lines are taken as typed instead: `!COMMAND` (for the local shell) and `quote RAW` (for the
//! server).

pub use crate::cli::shell::setting::Setting;
use crate::error::{Error, Result};

/// One shell command with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellCommand {
    /// `open URL`: connect and log in.
    Open(String),
    /// `close`: log out, staying in the shell.
    Close,
    /// `user NAME [PASSWORD]`: log in again on the open connection.
    User {
        name: String,
        password: Option<String>,
    },
    /// `ls`/`dir [PATH]`: the long listing.
    Ls(Option<String>),
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
    /// `append LOCAL [REMOTE]`: APPE.
    Append {
        local: String,
        remote: Option<String>,
    },
    /// `size PATH`: SIZE, in bytes.
    Size(String),
    /// `mdtm PATH`/`modtime`: MDTM.
    Mdtm(String),
    /// `chmod MODE PATH`: SITE CHMOD, the mode in octal.
    Chmod {
        mode: u32,
        path: String,
    },
    /// `quote RAW`/`literal`: the line as typed, to the server; its reply printed.
    Quote(String),
    /// `lcd [DIR]`: change the local directory (home without an argument).
    Lcd(Option<String>),
    /// `lls [PATH]`: list a local directory.
    Lls(Option<String>),
    /// `lpwd`: print the local directory.
    Lpwd,
    /// `!COMMAND`: run COMMAND in `sh`; `!` alone starts `$SHELL`.
    Local(String),
    /// `set [NAME VALUE]`: show the settings, or change one (the TLS ones apply to the next `open`).
    Set(Option<Setting>),
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
    ("close", "", "log out and disconnect, staying in the shell"),
    ("user", "NAME [PASSWORD]", "log in as another user"),
    ("ls", "[PATH]", "list a directory (long form); also `dir`"),
    ("dir", "[PATH]", "same as ls"),
    ("nlist", "[PATH]", "list names only"),
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
        "append",
        "LOCAL [REMOTE]",
        "append a local file to a remote one (APPE)",
    ),
    ("size", "PATH", "a remote file's size in bytes (SIZE)"),
    (
        "mdtm",
        "PATH",
        "a remote file's modification time (MDTM); also `modtime`",
    ),
    (
        "chmod",
        "MODE PATH",
        "set a remote file's permissions, MODE in octal (SITE CHMOD)",
    ),
    (
        "quote",
        "RAW",
        "send RAW to the server as typed and print the reply; also `literal`",
    ),
    (
        "lcd",
        "[DIR]",
        "change the local directory (home without DIR)",
    ),
    ("lls", "[PATH]", "list a local directory"),
    ("lpwd", "", "print the local directory"),
    (
        "!",
        "[COMMAND]",
        "run COMMAND in the local shell (`!` alone: a shell)",
    ),
    (
        "set",
        "[NAME VALUE]",
        "show settings, or set tls auto|explicit|implicit|off, tls-fallback on|off, \
         ca-file PEM|none, insecure on|off (used by the next open)",
    ),
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
    ("modtime", "mdtm"),
    ("literal", "quote"),
    ("disconnect", "close"),
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
        if let Some(command) = trimmed.strip_prefix('!') {
            return Ok(Some(ShellCommand::Local(command.trim().to_string())));
        }
        // `quote`'s argument is the rest of the line as typed: quotes and backslashes are the
        // server's to read.
        let (first, raw_rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        if canonical_name(first) == Some("quote") {
            let raw = raw_rest.trim();
            if raw.is_empty() {
                return Err(Error::Usage(format!("{first} RAW")));
            }
            return Ok(Some(ShellCommand::Quote(raw.to_string())));
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
            "close" => none(ShellCommand::Close)?,
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
            "ls" | "dir" => ShellCommand::Ls(optional("[PATH]")?),
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
            "append" => match args {
                [local] => ShellCommand::Append {
                    local: local.clone(),
                    remote: None,
                },
                [local, remote] => ShellCommand::Append {
                    local: local.clone(),
                    remote: Some(remote.clone()),
                },
                _ => return Err(usage("LOCAL [REMOTE]")),
            },
            "size" => ShellCommand::Size(one("PATH")?),
            "mdtm" => ShellCommand::Mdtm(one("PATH")?),
            "chmod" => match args {
                [mode, path] => ShellCommand::Chmod {
                    mode: u32::from_str_radix(mode, 8)
                        .ok()
                        .filter(|mode| *mode <= 0o777)
                        .ok_or_else(|| {
                            Error::Usage(format!("chmod: {mode:?} is not an octal mode (e.g. 644)"))
                        })?,
                    path: path.clone(),
                },
                _ => return Err(usage("MODE PATH")),
            },
            "lcd" => ShellCommand::Lcd(optional("[DIR]")?),
            "lls" => ShellCommand::Lls(optional("[PATH]")?),
            "lpwd" => none(ShellCommand::Lpwd)?,
            "set" => match args {
                [] => ShellCommand::Set(None),
                [name, value] => ShellCommand::Set(Some(Setting::parse(name, value)?)),
                _ => return Err(usage("[NAME VALUE]")),
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
#[path = "command_tests.rs"]
mod tests;
