//! Client-conformance mode (`ftp-conformance client -- CMD ...`): the suite turns into scripted FTP
//! servers on loopback and judges an FTP *client*, as h2spec's `h2specd` judges HTTP/2 clients. For each
//! case a server follows that case's script on 127.0.0.1 port 0, the client command runs with the case's
//! URL, output path and timeout substituted, and the case judges what the client did on the wire and
//! what it left on disk, with its exit status.
//!
//! - [`script`]: a scripted server's behaviour, as data; [`server`]: the control sessions that follow
//!   it and record the [`server::Evidence`]; [`retr`]: passive listeners and RETR as scripted;
//!   [`tls`]: the FTPS cases' certificate authority, server configuration and plain-or-TLS stream.
//! - [`cli`]: the `client` subcommand's options and examples.
//! - [`command`]: the client command's template, placeholders and run under a time limit.
//! - [`judge`]: what a case sees ([`judge::Observed`]) and the verdicts cases share.
//! - [`cases`]: the cases, by RFC section; [`run`]: selection, running and the [`crate::report::Run`]
//!   that the server mode's text, JSON and JUnit reports render.

pub mod cases;
pub mod cli;
pub mod command;
pub mod judge;
pub mod retr;
pub mod run;
pub mod script;
pub mod server;
pub mod tls;

pub use run::{run, ClientOptions};
