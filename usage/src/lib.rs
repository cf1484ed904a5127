//! `cli-usage`: how every binary of the workspace reports a bad command line. clap's own report takes
//! three or more lines (the error, a tip, the usage, a pointer to `--help`); scripts and people reading
//! a log want one. [`parse`] prints `NAME: <what is wrong> (try --help)` on stderr and exits with 2.
//! `--help` and `--version` print as clap prints them (exit 0), and so does the help clap shows when a
//! subcommand is missing.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

use clap::error::ErrorKind;
use clap::Parser;

/// The exit code of a usage error (clap's, and every binary's documented one).
pub const USAGE_EXIT: i32 = 2;

/// Parses the process arguments into `P`; on a usage error prints one line and exits with 2.
pub fn parse<P: Parser>() -> P {
    parse_from(std::env::args_os())
}

/// Like [`parse`], for arguments the program put together itself (the first is the program's name).
pub fn parse_from<P, I, T>(args: I) -> P
where
    P: Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match P::try_parse_from(args) {
        Ok(parsed) => parsed,
        Err(error) if prints_as_clap_does(error.kind()) => error.exit(),
        Err(error) => {
            eprintln!("{}: {} (try --help)", program_name(), one_line(&error));
            std::process::exit(USAGE_EXIT);
        }
    }
}

/// Help and version are answers, not errors: they keep clap's output.
fn prints_as_clap_does(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

/// The name the binary was run as (its file name), for the message's prefix.
fn program_name() -> String {
    std::env::args_os()
        .next()
        .as_deref()
        .and_then(|arg0| std::path::Path::new(arg0).file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "error".to_string())
}

/// clap's message in one line: the paragraph before the tips and the usage, its lines joined, without
/// the leading `error: `. `the following required arguments were not provided:\n  --port <PORT>` becomes
/// `the following required arguments were not provided: --port <PORT>`.
pub fn one_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let first_paragraph = rendered.split("\n\n").next().unwrap_or_default();
    let joined = first_paragraph
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    joined
        .strip_prefix("error: ")
        .map(str::to_string)
        .unwrap_or(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Parser, Debug)]
    #[command(name = "demo")]
    struct Demo {
        #[arg(long)]
        port: u16,
        #[arg(long)]
        root: String,
    }

    fn error_of(args: &[&str]) -> clap::Error {
        Demo::try_parse_from(std::iter::once("demo").chain(args.iter().copied())).unwrap_err()
    }

    #[test]
    fn missing_arguments_fit_on_one_line() {
        assert_eq!(
            one_line(&error_of(&[])),
            "the following required arguments were not provided: --port <PORT> --root <ROOT>"
        );
    }

    #[test]
    fn tips_and_usage_are_left_out() {
        let line = one_line(&error_of(&["--port", "1", "--root", "r", "--bogus"]));
        assert_eq!(line, "unexpected argument '--bogus' found");
        let line = one_line(&error_of(&["--port", "x", "--root", "r"]));
        assert!(
            line.starts_with("invalid value 'x' for '--port <PORT>'"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn help_and_version_are_not_errors() {
        assert!(prints_as_clap_does(ErrorKind::DisplayHelp));
        assert!(prints_as_clap_does(ErrorKind::DisplayVersion));
        assert!(!prints_as_clap_does(error_of(&[]).kind()));
    }
}
