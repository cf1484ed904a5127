//! One client's session: its state, its loop, and the dispatch of commands to handlers.
//!
//! The loop is a `select!` over the next command from the [`ControlConnection`], the running transfer, the idle timer and shutdown.
//! While a transfer runs, only ABOR, QUIT and STAT are acted on; every other line is read and ignored, as
//! the brief asks. STAT is the one exemption beyond the brief's two: RFC 959 §4.1.3 makes it the way to
//! ask how a transfer is going ("If this command is given during a file transfer, the server replies with
//! the status of the transfer"), and answering it cannot disturb the transfer. Handlers live by topic in the submodules, one function per command. A handler that answers
//! with one reply returns it, or its refusal as `Err(Reply)` (every helper refuses the same way, so `?`
//! carries a refusal up); failures from the file system become replies in one place, the
//! `From<StorageError> for Reply` below. Handlers reach files only through `Session::storage`
//! (the logged-in user's: the whole root, or a jailed account's home); rights are checked with
//! `Session::require`.
//!
//! - [`login`]: USER, PASS (anonymous and named accounts, bans), REIN, QUIT and the commands that only
//!   set or report session state.
//! - [`navigation`]: CWD, CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM.
//! - [`data_setup`]: PORT, EPRT, PASV, EPSV, REST.
//! - [`transfers`]: RETR, STOR, APPE, STOU, LIST, NLST, ABOR and the end of a transfer.
//! - [`mlsx`]: MLSD, MLST and `OPTS MLST` (RFC 3659 §7).
//! - [`status`]: STAT (idle, with a path, during a transfer) and HELP.
//! - [`site`]: SITE CHMOD and SITE HELP.
//! - [`security`]: AUTH TLS/SSL, PBSZ, PROT, CCC (FTPS, RFC 4217) and the TLS rules for USER.

mod data_setup;
mod login;
mod mlsx;
mod navigation;
mod security;
mod site;
mod status;
mod transfers;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ftp_proto::{Command, Reply, ReplyCode, TransferType};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::accounts::bans::Bans;
use crate::accounts::{AccountStore, Right, Rights, SessionSlot};
use crate::config::Config;
use crate::control::{ControlConnection, Received};
use crate::data::channel::DataPlan;
use crate::data::facts::FactSet;
use crate::jail::VirtualPath;
use crate::server::Shutdown;
use crate::storage::{Storage, StorageError};
use crate::tls::TlsContext;
use crate::xferlog::{Access, XferLog};
use login::feat;
use security::Security;
use transfers::RunningTransfer;

/// What every session shares: the settings, the storage of the whole root (confined by the kernel), the
/// accounts, the bans and the transfer log.
#[derive(Debug)]
pub struct Shared {
    pub config: Config,
    /// The whole root. A session works on its own [`Session::storage`], which is this or, for an
    /// account jailed to its home, a storage beneath it.
    pub root_storage: Arc<dyn Storage>,
    pub accounts: Arc<AccountStore>,
    pub bans: Bans,
    pub xferlog: Option<XferLog>,
    /// Numbers passive-port start points uniquely across sessions.
    pub sequence: AtomicU64,
    /// The certificate and TLS policy, when the server offers FTPS.
    pub tls: Option<TlsContext>,
}

/// Which listener a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The FTP port: plaintext until AUTH TLS.
    Explicit,
    /// The implicit-FTPS port: TLS from the first byte.
    ImplicitTls,
}

/// Whether the loop goes on after a command.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Close,
}

/// Where the login dialogue stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Login {
    AwaitingUser,
    /// USER was given this name (known or not: every USER gets 331).
    AwaitingPassword(String),
    LoggedIn,
}

/// Who is logged in, and what they may do.
#[derive(Debug)]
struct Identity {
    /// For the transfer log (anonymous: the e-mail given as password).
    access: Access,
    rights: Rights,
    /// Where this session's `/` is under the server root (the home of a jailed account), so that the
    /// transfer log names files as they are under the root.
    root_in_server: VirtualPath,
    /// Held while logged in, for the account's `max-sessions`.
    _slot: Option<SessionSlot>,
}

/// The figures of the 221 goodbye; the control connection counts its own bytes.
#[derive(Debug, Default)]
struct Statistics {
    /// Bytes of completed file transfers (RETR and STOR).
    file_bytes: u64,
    /// Completed file transfers.
    files: u64,
    /// Bytes over data connections of every kind, including listings and aborted transfers.
    data_bytes: u64,
    /// Data connections made.
    transfers: u64,
}

/// A connected client.
pub struct Session {
    shared: Arc<Shared>,
    /// The files this session works on: the root until login, then the account's.
    storage: Arc<dyn Storage>,
    control: ControlConnection,
    login: Login,
    /// `None` until login.
    identity: Option<Identity>,
    cwd: VirtualPath,
    transfer_type: TransferType,
    plan: Option<DataPlan>,
    epsv_all: bool,
    restart_offset: u64,
    /// The name RNFR was given; RNTO resolves it again, so nothing checked earlier is trusted.
    rename_from: Option<VirtualPath>,
    transfer: Option<RunningTransfer>,
    statistics: Statistics,
    security: Security,
    /// The facts MLSD and MLST show (`OPTS MLST`).
    selected_facts: FactSet,
}

impl Session {
    /// Serves one client until it quits, idles out, or the server shuts down.
    pub async fn serve(
        shared: Arc<Shared>,
        stream: TcpStream,
        entry: Entry,
        mut shutdown: watch::Receiver<Shutdown>,
    ) {
        // A reply the client leaves unread for as long as a session may idle ends the session.
        let write_timeout = shared.config.idle_timeout;
        let Ok(mut control) = ControlConnection::new(stream, write_timeout) else {
            return;
        };
        let peer = control.addrs().peer;
        let security = match entry {
            Entry::Explicit => Security::default(),
            Entry::ImplicitTls => match implicit_tls(&shared, &mut control).await {
                Ok(security) => security,
                Err(error) => {
                    tracing::warn!(%peer, %error, "implicit TLS handshake failed");
                    return;
                }
            },
        };
        let mut session = Session {
            storage: shared.root_storage.clone(),
            shared,
            control,
            login: Login::AwaitingUser,
            identity: None,
            cwd: VirtualPath::root(),
            transfer_type: TransferType::Image,
            plan: None,
            epsv_all: false,
            restart_offset: 0,
            rename_from: None,
            transfer: None,
            statistics: Statistics::default(),
            security,
            selected_facts: FactSet::default(),
        };
        tracing::info!(%peer, "session opened");
        let greeting = format!("{} FTP server ready.", session.shared.config.server_name);
        if session
            .send(Reply::new(ReplyCode::ServiceReady, greeting))
            .await
            .is_ok()
        {
            session.run(&mut shutdown).await;
        }
        let s = &session.statistics;
        tracing::info!(%peer, files = s.files, file_bytes = s.file_bytes, transfers = s.transfers, "session closed");
    }

    async fn run(&mut self, shutdown: &mut watch::Receiver<Shutdown>) {
        let idle_timeout = self.shared.config.idle_timeout;
        let mut idle_deadline = Instant::now() + idle_timeout;
        let mut draining = *shutdown.borrow() != Shutdown::Running;
        let mut grace_over = false;
        if draining {
            let _ = self
                .send(Reply::new(ReplyCode::ServiceNotAvailable, SHUTTING_DOWN))
                .await;
            return;
        }
        loop {
            let step = tokio::select! {
                received = self.control.read_command() => {
                    idle_deadline = Instant::now() + idle_timeout;
                    match received {
                        Ok(Received::Command(command)) => self.on_command(command).await,
                        // The brief: while RETR/STOR runs, everything but ABOR and QUIT is ignored.
                        Ok(Received::Invalid(_) | Received::TooLong) if self.transfer.is_some() => Ok(Flow::Continue),
                        Ok(Received::Invalid(error)) => self.send(Reply::new(error.code(), error.text())).await,
                        Ok(Received::TooLong) => self.send(Reply::new(ReplyCode::SyntaxError, "Command line too long.")).await,
                        Ok(Received::Closed) | Err(_) => Ok(Flow::Close),
                    }
                }
                outcome = transfers::finished(&mut self.transfer) => {
                    idle_deadline = Instant::now() + idle_timeout;
                    match self.end_transfer(outcome).await {
                        Ok(Flow::Continue) if draining => self.send_shutdown_notice().await,
                        other => other,
                    }
                }
                () = tokio::time::sleep_until(idle_deadline), if self.transfer.is_none() => {
                    let _ = self.send(Reply::new(ReplyCode::ServiceNotAvailable, "Timeout: closing control connection.")).await;
                    Ok(Flow::Close)
                }
                changed = shutdown.changed(), if !grace_over => {
                    // The sender gone means the server is gone: as good as the end of the grace period.
                    let phase = match changed {
                        Ok(()) => *shutdown.borrow_and_update(),
                        Err(_) => Shutdown::GraceOver,
                    };
                    match phase {
                        Shutdown::Running => Ok(Flow::Continue),
                        Shutdown::Draining => {
                            draining = true;
                            if self.transfer.is_some() { Ok(Flow::Continue) } else { self.send_shutdown_notice().await }
                        }
                        Shutdown::GraceOver => {
                            (draining, grace_over) = (true, true);
                            self.cut_transfer_for_shutdown().await
                        }
                    }
                }
            };
            if !matches!(step, Ok(Flow::Continue)) {
                break;
            }
        }
    }

    async fn send_shutdown_notice(&mut self) -> io::Result<Flow> {
        self.send(Reply::new(ReplyCode::ServiceNotAvailable, SHUTTING_DOWN))
            .await?;
        Ok(Flow::Close)
    }

    /// Handles one command.
    async fn on_command(&mut self, command: Command) -> io::Result<Flow> {
        if self.transfer.is_some() {
            return match command {
                Command::Abor => self.abor().await,
                Command::Quit => self.quit().await,
                // RFC 959 §4.1.3 STAT: "If this command is given during a file transfer, the server
                // replies with the status of the transfer" (see the module doc).
                Command::Stat(_) => self.stat_transfer().await,
                // The brief: while RETR/STOR runs, everything else from this client is ignored.
                _ => {
                    tracing::debug!(peer = %self.control.addrs().peer, "ignored during a transfer");
                    Ok(Flow::Continue)
                }
            };
        }
        if self.login != Login::LoggedIn && !allowed_before_login(&command) {
            return self
                .send(Reply::new(
                    ReplyCode::NotLoggedIn,
                    "Please login with USER and PASS.",
                ))
                .await;
        }
        if !matches!(command, Command::Rnto(_)) {
            self.rename_from = None;
        }
        self.dispatch(command).await
    }

    /// Runs one command. A handler that answers with one reply returns it, or its refusal as `Err`, and
    /// it is sent here; RETR, STOR, APPE, STOU, LIST/NLST/MLSD, STAT, ABOR and QUIT send their own
    /// replies, because each sends more than one or does more after its reply; FEAT and MLST are sent
    /// in the bare multi-line form.
    async fn dispatch(&mut self, command: Command) -> io::Result<Flow> {
        let answer = match command {
            Command::Quit => return self.quit().await,
            Command::Abor => return self.abor().await,
            Command::Retr(path) => return self.retr(&path).await,
            Command::Stor(path) => return self.stor(&path).await,
            Command::Appe(path) => return self.appe(&path).await,
            Command::Stou => return self.stou().await,
            Command::Mlsd(path) => return self.mlsd(&path).await,
            Command::Mlst(path) => return self.mlst(&path).await,
            Command::Feat => {
                return self
                    .send_bare(feat(self.selected_facts, self.shared.tls.is_some()))
                    .await
            }
            Command::Stat(argument) => return self.stat(&argument).await,
            Command::List(argument) => {
                return self.list(&argument, transfers::ListingStyle::Long).await
            }
            Command::Nlst(argument) => {
                return self
                    .list(&argument, transfers::ListingStyle::NamesOnly)
                    .await
            }
            Command::User(name) => match self.plaintext_login_refusal(login::is_anonymous(&name)) {
                Some(refusal) => Err(refusal),
                None => self.user(&name),
            },
            Command::Pass(password) => return self.pass(&password).await,
            Command::Syst => Ok(Reply::new(ReplyCode::SystemType, "UNIX Type: L8")),
            Command::Noop => Ok(Reply::new(ReplyCode::CommandOk, "NOOP ok.")),
            Command::Help(topic) => status::help(topic.as_deref()),
            Command::Opts(option) => self.opts(&option),
            Command::Rein => Ok(self.rein()),
            Command::Type(kind) => Ok(self.set_type(kind)),
            Command::Mode => Ok(Reply::new(ReplyCode::CommandOk, "Mode set to S.")),
            Command::Stru => Ok(Reply::new(ReplyCode::CommandOk, "Structure set to F.")),
            Command::Allo => Ok(Reply::new(
                ReplyCode::CommandSuperfluous,
                "ALLO command ignored.",
            )),
            Command::Port(addr) => self.port(addr.into(), "PORT"),
            Command::Eprt(addr) => self.port(addr, "EPRT"),
            Command::Pasv => self.pasv().await,
            Command::Epsv(argument) => self.epsv(argument).await,
            Command::Rest(offset) => Ok(self.rest(offset)),
            Command::Mkd(path) => self.mkd(&path).await,
            Command::Rmd(path) => self.rmd(&path).await,
            Command::Cwd(path) => self.cwd(&path.0).await,
            Command::Cdup => self.cwd(b"..").await,
            Command::Pwd => Ok(self.pwd()),
            Command::Dele(path) => self.dele(&path).await,
            Command::Rnfr(path) => self.rnfr(&path).await,
            Command::Rnto(path) => self.rnto(&path).await,
            Command::Size(path) => self.size(&path).await,
            Command::Mdtm(path) => self.mdtm(&path).await,
            Command::Auth(mechanism) => return self.auth(&mechanism).await,
            Command::Pbsz(_) => self.pbsz(),
            Command::Prot(level) => self.prot(level),
            Command::Ccc => self.ccc(),
            Command::Site(site) => self.site(&site).await,
        };
        match answer {
            Ok(reply) | Err(reply) => self.send(reply).await,
        }
    }

    /// Sends a reply (its text may hold non-UTF-8 names); an error means the control connection is gone.
    async fn send(&mut self, reply: Reply) -> io::Result<Flow> {
        self.control.write_reply(&reply).await?;
        Ok(Flow::Continue)
    }

    /// Sends a reply whose middle lines that start with a space go out without the code, as FEAT's and
    /// MLST's grammars require (RFC 2389 §3.2, RFC 3659 §7.2; see `Reply::to_bytes_bare`).
    async fn send_bare(&mut self, reply: Reply) -> io::Result<Flow> {
        self.control
            .write_reply_part(&reply.to_bytes_bare())
            .await?;
        Ok(Flow::Continue)
    }

    /// The next unique number for this server (passive port offsets).
    fn next_sequence(&self) -> u64 {
        self.shared.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// The logged-in user's rights; none before login.
    fn rights(&self) -> Rights {
        self.identity
            .as_ref()
            .map_or(Rights::NONE, |identity| identity.rights)
    }

    /// Refuses with 550 unless the logged-in user holds `right`.
    fn require(&self, right: Right) -> Result<(), Reply> {
        if self.rights().has(right) {
            Ok(())
        } else {
            Err(Reply::new(ReplyCode::FileUnavailable, PERMISSION_DENIED))
        }
    }
}

/// RFC 959 lets these through before login; everything else gets 530.
fn allowed_before_login(command: &Command) -> bool {
    matches!(
        command,
        Command::User(_)
            | Command::Pass(_)
            | Command::Quit
            | Command::Noop
            | Command::Feat
            | Command::Help(_)
            | Command::Rein
            | Command::Syst
            | Command::Opts(_)
            | Command::Auth(_)
            | Command::Pbsz(_)
            | Command::Prot(_)
            | Command::Ccc
    )
}

/// A connection on the implicit-TLS port: the handshake before the greeting, with this session's own
/// TLS configuration.
async fn implicit_tls(shared: &Shared, control: &mut ControlConnection) -> io::Result<Security> {
    let tls = shared
        .tls
        .as_ref()
        .ok_or_else(|| io::Error::other("implicit TLS without a TLS configuration"))?;
    let config = tls.session_config().map_err(io::Error::other)?;
    control.start_tls(config.control.clone()).await?;
    Ok(Security::implicit(config))
}

/// Reply texts sent from more than one place.
const SHUTTING_DOWN: &str = "Service not available, server shutting down.";
const PERMISSION_DENIED: &str = "Permission denied.";
const NAME_NOT_ALLOWED: &str = "File name not allowed.";
const LOCAL_ERROR: &str = "Requested action aborted: local error in processing.";
const TRANSFER_ABORTED: &str = "Connection closed; transfer aborted.";
const NOT_A_PLAIN_FILE: &str = "Not a plain file.";

/// What a handler that answers with one reply returns: that reply, or the refusal.
type Answer = Result<Reply, Reply>;

/// The one mapping from file-system failures to replies.
impl From<StorageError> for Reply {
    fn from(error: StorageError) -> Reply {
        use io::ErrorKind::*;
        let error = match error {
            StorageError::Escapes => {
                return Reply::new(ReplyCode::FileUnavailable, PERMISSION_DENIED)
            }
            StorageError::NotAPlainFile => {
                return Reply::new(ReplyCode::FileUnavailable, NOT_A_PLAIN_FILE)
            }
            StorageError::Io(error) => error,
        };
        match error.kind() {
            NotFound => Reply::new(ReplyCode::FileUnavailable, "No such file or directory."),
            PermissionDenied => Reply::new(ReplyCode::FileUnavailable, PERMISSION_DENIED),
            AlreadyExists => Reply::new(ReplyCode::FileUnavailable, "File exists."),
            DirectoryNotEmpty => Reply::new(ReplyCode::FileUnavailable, "Directory not empty."),
            NotADirectory => Reply::new(ReplyCode::FileUnavailable, "Not a directory."),
            IsADirectory => Reply::new(ReplyCode::FileUnavailable, "Is a directory."),
            InvalidFilename | InvalidInput => {
                Reply::new(ReplyCode::FileNameNotAllowed, NAME_NOT_ALLOWED)
            }
            kind => write_failure(kind),
        }
    }
}

/// A failed write: 452 when the disk is full, 552 when a size limit is hit (the two a client can act
/// on), else 451.
fn write_failure(kind: io::ErrorKind) -> Reply {
    use io::ErrorKind::*;
    match kind {
        StorageFull => Reply::new(
            ReplyCode::InsufficientStorage,
            "Insufficient storage space.",
        ),
        FileTooLarge | QuotaExceeded => Reply::new(
            ReplyCode::ExceededStorageAllocation,
            "Exceeded storage allocation.",
        ),
        _ => Reply::new(ReplyCode::LocalError, LOCAL_ERROR),
    }
}

/// The counter a new transfer adds its bytes to.
fn new_counter() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}
