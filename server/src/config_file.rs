//! `--config FILE`: the command line's options as a TOML file, one operator file like `vsftpd.conf`.
//!
//! Every key is the long name of a command-line option (`pasv-ports = "50000-50100"`; `pasv_ports` is
//! accepted too), so that a new option is a new key with nothing more to write: the keys are read off
//! the clap definition itself. The file's options become arguments placed *before* the real ones, and
//! the command line is parsed with later occurrences overriding earlier ones: flags override the file,
//! and every value goes through the same parser and checks as on the command line.
//!
//! Values: a string or a number is the option's value; `true`/`false` switch a flag that takes no value
//! (`write = true`; `false` leaves it off) or are the value of one that does (`anonymous = false`); a
//! number repeats a counted flag (`verbose = 2`). An unknown key, a table, an array or a date is an error
//! naming the key. Relative paths are taken from the current directory, as on the command line.

use std::ffi::OsString;
use std::path::Path;

use clap::{Arg, ArgAction, Command};

/// Options a file cannot hold: the file itself, and the ones that only print.
const NOT_IN_FILE: [&str; 3] = ["config", "help", "version"];

/// The keys a file may hold: the long names of `command`'s own options.
pub fn keys(command: &Command) -> Vec<&str> {
    command
        .get_arguments()
        .filter_map(Arg::get_long)
        .filter(|long| !NOT_IN_FILE.contains(long))
        .collect()
}

/// Reads the file at `path` as arguments for `command`; the error is one line.
pub fn arguments(path: &Path, command: &Command) -> Result<Vec<OsString>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
    arguments_from_str(&text, command)
}

/// The file's text as arguments for `command` (`--key=value`, `--flag`), by key (each key is there
/// once, so the order changes nothing).
pub fn arguments_from_str(text: &str, command: &Command) -> Result<Vec<OsString>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|error: toml::de::Error| {
        let message = error.message().trim().replace('\n', " ");
        match error.span() {
            Some(span) => {
                let line = text[..span.start.min(text.len())].lines().count().max(1);
                format!("line {line}: {message}")
            }
            None => message,
        }
    })?;
    let mut arguments = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        let arg = command
            .get_arguments()
            .find(|arg| arg.get_long() == Some(long.as_str()))
            .filter(|_| !NOT_IN_FILE.contains(&long.as_str()))
            .ok_or_else(|| format!("unknown key `{key}`"))?;
        arguments.extend(
            option_arguments(&long, arg, value).map_err(|error| format!("key `{key}`: {error}"))?,
        );
    }
    Ok(arguments)
}

/// One key's arguments.
fn option_arguments(long: &str, arg: &Arg, value: &toml::Value) -> Result<Vec<OsString>, String> {
    use toml::Value;
    let flag = OsString::from(format!("--{long}"));
    match (arg.get_action(), value) {
        (ArgAction::SetTrue, Value::Boolean(on)) => Ok(if *on { vec![flag] } else { vec![] }),
        (ArgAction::SetTrue, _) => Err("expected true or false".to_string()),
        (ArgAction::Count, Value::Integer(times)) if (0..=16).contains(times) => {
            Ok(vec![flag; *times as usize])
        }
        (ArgAction::Count, _) => Err("expected a count from 0 to 16".to_string()),
        (action, value) if action.takes_values() => {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Integer(number) => number.to_string(),
                Value::Float(number) => number.to_string(),
                Value::Boolean(on) => on.to_string(),
                _ => return Err("expected a string, a number or true/false".to_string()),
            };
            Ok(vec![OsString::from(format!("--{long}={text}"))])
        }
        _ => Err("this option cannot be set from a file".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command() -> Command {
        Command::new("demo")
            .arg(Arg::new("port").long("port"))
            .arg(Arg::new("pasv-ports").long("pasv-ports"))
            .arg(Arg::new("write").long("write").action(ArgAction::SetTrue))
            .arg(
                Arg::new("read-only")
                    .long("read-only")
                    .action(ArgAction::SetTrue),
            )
            .arg(Arg::new("verbose").long("verbose").action(ArgAction::Count))
            .arg(Arg::new("config").long("config"))
    }

    fn args(text: &str) -> Result<Vec<String>, String> {
        arguments_from_str(text, &command()).map(|args| {
            args.into_iter()
                .map(|arg| arg.into_string().unwrap())
                .collect()
        })
    }

    #[test]
    fn keys_become_arguments() {
        let text = "port = 2121\npasv_ports = \"5000-5010\"\nwrite = true\nread-only = false\nverbose = 2\n";
        assert_eq!(
            args(text).unwrap(),
            [
                "--pasv-ports=5000-5010",
                "--port=2121",
                "--verbose",
                "--verbose",
                "--write"
            ]
        );
        assert_eq!(args("").unwrap(), Vec::<String>::new());
        assert_eq!(
            keys(&command()),
            ["port", "pasv-ports", "write", "read-only", "verbose"]
        );
    }

    #[test]
    fn bad_keys_and_values_are_one_line_errors_naming_the_key() {
        for (text, expected) in [
            ("colour = 1", "unknown key `colour`"),
            ("config = \"x\"", "unknown key `config`"),
            ("write = \"yes\"", "key `write`"),
            ("port = [1, 2]", "key `port`"),
            ("[port]\nx = 1", "key `port`"),
            ("verbose = 99", "key `verbose`"),
            ("port = ", "line 1"),
        ] {
            let error = args(text).unwrap_err();
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(!error.contains('\n'), "{error:?}");
        }
    }
}
