//! The shell: interactive on a terminal (rustyline: line editing, history, completion of commands and
//! remote names), a script when stdin is not a terminal, which stops at the first failing command.
//!
//! - [`command`]: lines become [`ShellCommand`]s; the help text.
//! - [`session`]: what each command does; [`setting`]: what `set` changes; [`local`]: the
//!   commands on the local side (`lcd`, `lls`, `lpwd`, `!`).
//! - this file: the two input loops and the completer.

pub mod command;
pub mod local;
pub mod session;
pub mod setting;

use std::io::BufRead;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use tokio::runtime::Runtime;

pub use command::ShellCommand;
pub use session::{Flow, NameCache, Session};

use crate::error::{exit, Error};

/// Runs commands from `input` as a script: each line is echoed on failure with its number, and the
/// first failure ends the script with that error's exit code.
pub fn run_script(runtime: &Runtime, session: &mut Session, input: impl BufRead) -> i32 {
    for (index, line) in input.lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(error) => return report(&Error::local("standard input", error), Some(number)),
        };
        let outcome = ShellCommand::parse(&line).and_then(|command| match command {
            Some(command) => runtime.block_on(session.execute(command)),
            None => Ok(Flow::Continue),
        });
        match outcome {
            Ok(Flow::Continue) => {}
            Ok(Flow::Quit) => return exit::OK,
            Err(error) => {
                let code = report(&error, Some(number));
                let _ = runtime.block_on(session.close());
                return code;
            }
        }
    }
    match runtime.block_on(session.close()) {
        Ok(()) => exit::OK,
        Err(error) => report(&error, None),
    }
}

/// Prints an error on stderr and returns its exit code.
pub fn report(error: &Error, line: Option<usize>) -> i32 {
    match line {
        Some(line) => eprintln!("ftp-client: line {line}: {error}"),
        None => eprintln!("ftp-client: {error}"),
    }
    error.exit_code()
}

/// The interactive shell; returns the exit code (0 unless the final QUIT failed).
pub fn run_interactive(runtime: &Runtime, session: &mut Session, names: NameCache) -> i32 {
    let mut editor = match Editor::<ShellHelper, rustyline::history::DefaultHistory>::new() {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!(
                "ftp-client: cannot start line editing ({error}); reading commands as a script"
            );
            return run_script(runtime, session, std::io::stdin().lock());
        }
    };
    editor.set_helper(Some(ShellHelper {
        names,
        files: FilenameCompleter::new(),
    }));
    let history = std::env::var_os("HOME")
        .map(|home| std::path::Path::new(&home).join(".ftp-client_history"));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    loop {
        let line = match editor.readline("ftp> ") {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => break,
        };
        let _ = editor.add_history_entry(line.as_str());
        let outcome = ShellCommand::parse(&line).and_then(|command| match command {
            Some(command) => runtime.block_on(session.execute(command)),
            None => Ok(Flow::Continue),
        });
        match outcome {
            Ok(Flow::Quit) => break,
            Ok(Flow::Continue) => {}
            Err(error) => {
                report(&error, None);
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    match runtime.block_on(session.close()) {
        Ok(()) => exit::OK,
        Err(error) => report(&error, None),
    }
}

/// Completes command names in the first word, local files for `put`/`mput`, remote names elsewhere.
struct ShellHelper {
    names: NameCache,
    files: FilenameCompleter,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(char::is_whitespace).map_or(0, |at| at + 1);
        let word = &before[start..];
        let pair = |name: &str| Pair {
            display: name.to_string(),
            replacement: name.to_string(),
        };
        if start == 0 {
            let found = command::COMMANDS
                .iter()
                .map(|(name, _, _)| *name)
                .filter(|name| name.starts_with(word));
            return Ok((0, found.map(pair).collect()));
        }
        let first = before.split_whitespace().next().unwrap_or("");
        if matches!(first, "put" | "send" | "mput") {
            return self.files.complete(line, pos, ctx);
        }
        let names = self
            .names
            .lock()
            .map(|names| names.clone())
            .unwrap_or_default();
        Ok((
            start,
            names
                .iter()
                .filter(|name| name.starts_with(word))
                .map(|name| pair(name))
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}
