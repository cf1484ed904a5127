//! What the `ftp-client` binary adds on top of the library: where credentials come from, terminal
//! output, and the two ways of running commands. Compiled only with the `cli` feature (on by default),
//! so that a library user with `default-features = false` gets no rustyline, indicatif or rpassword.
//!
//! - [`login`]: who to log in as (URL, `--user`, netrc, anonymous) and the password prompt.
//! - [`oneshot`]: the `get`/`put`/`ls`/`mkdir`/`rmdir`/`rm`/`size`/`mdtm`/`chmod`/`rename`/`quote`
//!   subcommands.
//! - [`shell`]: the interactive shell (rustyline) and script mode.
//! - [`progress`]: the indicatif bar, only on a terminal; [`notice`]: success lines, only on a terminal.

pub mod login;
pub mod notice;
pub mod oneshot;
pub mod progress;
pub mod shell;
