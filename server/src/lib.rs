//! `ftp-server`: an FTP server for the anonymous guest and named accounts (RFC 959, with RFC 2428 and RFC
//! 3659 extensions, and FTPS as RFC 4217 describes it) on tokio.
//!
//! Layout, edge to core:
//! - [`accounts`]: named accounts: the users file, argon2id hashes, rights, bans on addresses that keep
//!   failing to log in, and the store a running server reloads on SIGHUP.
//! - [`config_file`]: `--config FILE`, the TOML form of the command line's options.
//! - [`xferlog`]: `--xferlog FILE`, one wu-ftpd/vsftpd-format line per transfer, written by one task.
//! - [`config`]: validated settings ([`Config`]), built by `main` from the command line or by tests.
//! - [`server`]: [`Server::bind`], [`Server::local_addr`], [`Server::run`]: accepting, connection limit,
//!   graceful shutdown.
//! - `session`: one client's session: login, the command loop, one handler per command.
//! - `control`: `ControlConnection`, the control socket's two halves: `read_command` (lines become
//!   typed commands with `ftp_proto::Command::parse`, the codec the client and the suite encode
//!   commands with), `write_reply` (one write per reply), and the byte counts for the 221 goodbye.
//! - `line`: control-connection lines with a length limit, woken by TCP urgent data too.
//! - [`tls`]: FTPS: the certificate (PEM files or self-signed), and a TLS configuration of its own for
//!   each session, so that data connections can be required to resume the control connection's session.
//!   The AUTH/PBSZ/PROT/CCC handlers are `session::security`; data TLS is in `data::transfer`.
//! - `jail`: [`jail::VirtualPath`], a client's path, confined lexically (no `..` above `/`).
//! - `storage`: every file operation, behind the `Storage` trait; `LocalStorage` resolves each path
//!   beneath the root's directory handle in the kernel (`openat2(RESOLVE_BENEATH)` via `cap-std`), so
//!   symlinks and renames cannot lead outside, even racing. Uploads are anonymous `O_TMPFILE`s until
//!   complete; listings are read in batches. The test-only fault injection wraps it. A jailed account's
//!   storage is a handle opened beneath its home (`Storage::beneath`), held by its session.
//! - `data`: the data side: `data::channel` (PORT/PASV plans, opening data connections),
//!   `data::transfer` (RETR/STOR/APPE/STOU/LIST/MLSD as tasks on handles the storage opened before the
//!   150, each ending in an `Outcome`), `data::listing` (`ls -l` lines, listing order), `data::facts`
//!   (MLSx facts, RFC 3659 §7), `data::zero_copy` (`sendfile(2)` for a binary RETR of a local file,
//!   `splice(2)` for a binary upload: the data path's only raw system calls).
//!
//! Wire formats (commands, replies and their codes, host-port encodings, 257 pathnames, TYPE A line ends)
//! come from the shared `ftp-proto` crate.

// In unit tests a panic is the failure report.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod config;
pub mod config_file;
mod control;
mod data;
pub mod jail;
mod line;
pub mod server;
mod session;
mod storage;
pub mod tls;
pub mod xferlog;

pub use config::{Config, FaultPlan, PortRange, ReadCut};
pub use server::{Server, StartError};
pub use tls::{CertificateSource, TlsConfig};
