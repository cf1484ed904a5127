//! `ftp-client`: an FTP client on tokio (RFC 959, RFC 2428 EPSV/EPRT, RFC 3659 SIZE/REST), with no FTP
//! library underneath: commands ([`ftp_proto::Command`]), replies, host-port encodings, 257 pathnames and
//! TYPE A line ends come from the shared `ftp-proto` codec, the one the server parses with.
//!
//! Layout, wire to user:
//! - [`control`]: the control connection: typed commands out (and the user's raw lines, for
//!   [`Client::raw`]), whole replies in, timeouts, the `-v` transcript (PASS masked), 421 as
//!   [`Error::ServiceClosing`].
//! - [`tls`]: FTPS: the TLS settings ([`TlsOptions`]) and one session's TLS client, shared by the
//!   control connection and its data connections so that these resume its TLS session;
//!   [`stream`]: a connection that is plain TCP or TLS; `data_tls`: PBSZ/PROT and TLS on each data
//!   connection.
//! - [`data`]: data connections: EPSV → PASV fallback, EPRT → PORT with a local listener, the 227 address
//!   replaced by the control peer's.
//! - [`client`]: [`Client`]: login and the directory and file commands; [`metadata`]: MDTM and
//!   SITE CHMOD.
//! - [`transfer`]: RETR/STOR/LIST/NLST as streams with a progress callback and REST offsets;
//!   [`files`]: whole local files (or devices, FIFOs, stdout as streams), `get -c` resume.
//! - `local`: the local end of a file transfer, on a blocking thread of its own fed through a
//!   bounded channel of 1 MiB buffers (not `tokio::fs`, which pays a pool round trip per chunk);
//!   `zerocopy`: `sendfile(2)` for TYPE I uploads of whole files, the one non-std system call.
//! - [`listing`]: typed directory entries (MLSD when FEAT names MLST, else LIST through
//!   [`ftp_proto::listing`]), MDTM, and the normalised `ls -l` line.
//! - [`connect`]: [`connect::Login`], to open more sessions to the same server;
//!   [`mirror`]: tree copies both ways over N sessions; [`pget`]: one file over N sessions.
//! - [`error`]: the [`Error`] enum and its one mapping to exit codes.
//! - [`url`]: `ftp://` and `ftps://` URLs; [`netrc`]: reading `~/.netrc` entries.
//! - `cli` (the default `cli` feature): what only the binary needs: the login sources and password
//!   prompt, the one-shot subcommands, the shell, the progress bar and success lines. Without the
//!   feature, as a library, the crate pulls in no rustyline, indicatif, rpassword or clap.
//!
//! `main.rs` is the command line and nothing else.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "cli")]
pub mod cli;
pub mod client;
pub mod connect;
pub mod control;
pub mod data;
mod data_tls;
pub mod error;
pub mod files;
pub mod listing;
mod local;
pub mod metadata;
pub mod mirror;
pub mod netrc;
pub mod pget;
pub mod stream;
pub mod tls;
pub mod transfer;
pub mod url;
mod zerocopy;

pub use client::{Client, Options, TransferType};
pub use data::DataMode;
pub use error::{Error, Result};
pub use tls::{TlsMode, TlsOptions, Trust};
pub use transfer::{Progress, Transfer};
pub use url::FtpUrl;
