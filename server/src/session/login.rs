//! USER, PASS (the guest and named accounts), REIN and QUIT, and the commands that only report or set
//! session options (FEAT, OPTS, TYPE).

use std::io;

use std::sync::Arc;

use ftp_proto::{Password, Reply, ReplyCode, TransferType};

use super::{Answer, Flow, Identity, Login, Session};
use crate::accounts::file::ANONYMOUS_NAMES;
use crate::accounts::{hash, Account, Rights};
use crate::data::facts::FactSet;
use crate::jail::VirtualPath;
use crate::server::BANNED;
use crate::storage::{Storage, StorageError};
use crate::xferlog::Access;

/// A refused PASS: its reply, and whether it was a wrong name or password (counted for bans).
struct Refusal {
    reply: Reply,
    bad_credentials: bool,
}

impl Refusal {
    fn bad_credentials() -> Refusal {
        Refusal {
            reply: Reply::new(ReplyCode::NotLoggedIn, "Login incorrect."),
            bad_credentials: true,
        }
    }

    fn other(reply: Reply) -> Refusal {
        Refusal {
            reply,
            bad_credentials: false,
        }
    }
}

/// `anonymous` and `ftp`, in any case, log in as the guest (when anonymous logins are on).
pub(super) fn is_anonymous(name: &str) -> bool {
    ANONYMOUS_NAMES
        .iter()
        .any(|anonymous| anonymous.eq_ignore_ascii_case(name))
}

impl Session {
    /// Every name gets 331, known or not, so that USER tells nothing about which accounts exist; the
    /// check is PASS's.
    pub(super) fn user(&mut self, name: &str) -> Answer {
        if self.login == Login::LoggedIn {
            return Err(Reply::new(
                ReplyCode::NotLoggedIn,
                "Can't change to another user.",
            ));
        }
        self.login = Login::AwaitingPassword(name.to_string());
        if self.shared.config.anonymous && is_anonymous(name) {
            return Ok(Reply::new(
                ReplyCode::NeedPassword,
                "Guest login ok, send your complete e-mail address as password.",
            ));
        }
        Ok(Reply::new(
            ReplyCode::NeedPassword,
            "Please specify the password.",
        ))
    }

    /// Any password is accepted for the guest (by custom an e-mail address, not checked); a named
    /// account's is checked against its argon2id hash. Every refusal is answered after
    /// `failed_login_delay`, like vsftpd's `delay_failed_login`, so that guessing passwords is slow (RFC
    /// 2577 §5); the wait is this session's own sleep: others are not slowed. A wrong password or name
    /// counts towards `--ban-after`: the failure that bans the address, and any PASS from an address
    /// already banned, get 421 and the connection is closed.
    pub(super) async fn pass(&mut self, password: &Password) -> io::Result<Flow> {
        let peer = self.control.addrs().peer_ip();
        if self.shared.bans.is_banned(peer) {
            return self.close_banned().await;
        }
        let refusal = match self.check_pass(&password.0).await {
            Ok(reply) => return self.send(reply).await,
            Err(refusal) => refusal,
        };
        let banned = refusal.bad_credentials && self.shared.bans.record_failure(peer);
        tokio::time::sleep(self.shared.config.failed_login_delay).await;
        if banned {
            return self.close_banned().await;
        }
        self.send(refusal.reply).await
    }

    async fn close_banned(&mut self) -> io::Result<Flow> {
        self.send(Reply::new(ReplyCode::ServiceNotAvailable, BANNED))
            .await?;
        let _ = self.control.shutdown().await;
        Ok(Flow::Close)
    }

    async fn check_pass(&mut self, password: &str) -> Result<Reply, Refusal> {
        let name = match &self.login {
            Login::LoggedIn => {
                return Ok(Reply::new(ReplyCode::UserLoggedIn, "Already logged in."))
            }
            Login::AwaitingUser => {
                return Err(Refusal::other(Reply::new(
                    ReplyCode::BadSequence,
                    "Login with USER first.",
                )))
            }
            Login::AwaitingPassword(name) => name.clone(),
        };
        // A refused PASS needs a new USER, as after any other answer to it.
        self.login = Login::AwaitingUser;
        let peer = self.control.addrs().peer;
        if self.shared.config.anonymous && is_anonymous(&name) {
            // Whatever a session held before (REIN after a jailed account's login), the guest starts
            // on the whole root, at `/`.
            self.storage = self.shared.root_storage.clone();
            self.cwd = VirtualPath::root();
            self.identity = Some(Identity {
                access: Access::Anonymous(password.to_string()),
                rights: Rights::anonymous(self.shared.config.writable),
                root_in_server: VirtualPath::root(),
                _slot: None,
            });
            self.login = Login::LoggedIn;
            tracing::info!(%peer, "anonymous login");
            return Ok(self.welcome("Guest login ok, access restrictions apply."));
        }
        let Some(account) = self.check_password(&name, password).await else {
            tracing::info!(%peer, user = ?name, "failed login");
            return Err(Refusal::bad_credentials());
        };
        let Some(slot) = self.shared.accounts.try_start_session(&account) else {
            tracing::info!(%peer, user = %name, "refused: the account's max-sessions reached");
            return Err(Refusal::other(Reply::new(
                ReplyCode::NotLoggedIn,
                "Too many sessions for this account.",
            )));
        };
        let (storage, cwd, root_in_server) = self.open_home(&account).await.map_err(|error| {
            tracing::error!(%peer, user = %name, home = %account.home.display(), %error, "cannot open the home directory");
            Refusal::other(Reply::new(
                ReplyCode::NotLoggedIn,
                "Home directory not available.",
            ))
        })?;
        self.storage = storage;
        self.cwd = cwd;
        self.identity = Some(Identity {
            access: Access::Real(name.clone()),
            rights: account.rights,
            root_in_server,
            _slot: Some(slot),
        });
        self.login = Login::LoggedIn;
        tracing::info!(%peer, user = %name, "login");
        Ok(self.welcome(&format!("User {name} logged in.")))
    }

    /// The account named `name` when `password` is its password. The hash is checked on the blocking
    /// pool (it takes milliseconds on purpose); an unknown name costs as much as a known one.
    async fn check_password(&self, name: &str, password: &str) -> Option<Account> {
        let account = self.shared.accounts.get(name);
        let hash = account
            .as_ref()
            .map(|account| account.password_hash.clone());
        let password = password.to_string();
        // The semaphore is never closed; were it, the check would go on without it.
        let _permit = self.shared.accounts.checks.acquire().await.ok();
        let matches = tokio::task::spawn_blocking(move || match hash {
            Some(hash) => hash::verify(&password, &hash),
            None => hash::verify_unknown_user(&password),
        })
        .await
        .unwrap_or(false);
        account.filter(|_| matches)
    }

    /// The storage, first working directory and place under the root of `account`'s session: a jailed
    /// account gets a storage whose root is its home (opened beneath the server root, so the kernel
    /// keeps it inside), any other the whole root, starting in its home.
    async fn open_home(
        &self,
        account: &Account,
    ) -> Result<(Arc<dyn Storage>, VirtualPath, VirtualPath), StorageError> {
        let root = &self.shared.root_storage;
        if account.jail {
            let storage = root.beneath(&account.home).await?;
            return Ok((storage, VirtualPath::root(), account.home.clone()));
        }
        if !root.metadata(&account.home).await?.is_dir() {
            return Err(StorageError::Io(io::ErrorKind::NotADirectory.into()));
        }
        Ok((root.clone(), account.home.clone(), VirtualPath::root()))
    }

    /// The 230: the welcome lines, then `last`.
    fn welcome(&self, last: &str) -> Reply {
        let mut lines = self.shared.config.welcome.clone();
        lines.push(last.to_string());
        Reply::multi(ReplyCode::UserLoggedIn, lines)
    }

    /// REIN (RFC 959 §4.1.1): "terminates a USER, flushing all I/O and account information ... All
    /// parameters are reset to the default settings and the control connection is left open": logged
    /// out, back at the root, TYPE I, no data connection, no REST offset or RNFR, all MLSx facts. The
    /// session's traffic figures stay, for the 221. ("except to allow any transfer in progress to be
    /// completed": a REIN during a transfer is ignored like every command but ABOR, QUIT and STAT.)
    pub(super) fn rein(&mut self) -> Reply {
        self.login = Login::AwaitingUser;
        // The account goes, with its rights, its session slot and its jail: until the next login the
        // session holds nothing of it.
        self.identity = None;
        self.storage = self.shared.root_storage.clone();
        self.cwd = VirtualPath::root();
        self.transfer_type = TransferType::Image;
        self.plan = None;
        self.epsv_all = false;
        self.restart_offset = 0;
        self.rename_from = None;
        self.selected_facts = FactSet::default();
        Reply::new(ReplyCode::ServiceReady, "Service ready for new user.")
    }

    /// Ends the session: any running transfer is aborted and its data connection closed first.
    pub(super) async fn quit(&mut self) -> io::Result<Flow> {
        if let Some(running) = self.transfer.take() {
            self.stop_transfer(running).await;
        }
        self.plan = None;
        let s = &self.statistics;
        let traffic = self.control.bytes_read() + self.control.bytes_written() + s.data_bytes;
        let lines = vec![
            format!(
                "You have transferred {} bytes in {} files.",
                s.file_bytes, s.files
            ),
            format!(
                "Total traffic for this session was {traffic} bytes in {} transfers.",
                s.transfers
            ),
            format!(
                "Thank you for using the FTP service on {}.",
                self.shared.config.server_name
            ),
            "Goodbye.".to_string(),
        ];
        self.send(Reply::multi(ReplyCode::ClosingControlConnection, lines))
            .await?;
        let _ = self.control.shutdown().await;
        Ok(Flow::Close)
    }

    pub(super) fn set_type(&mut self, kind: TransferType) -> Reply {
        self.transfer_type = kind;
        let letter = match kind {
            TransferType::Ascii => "A",
            TransferType::Image => "I",
        };
        Reply::new(ReplyCode::CommandOk, format!("Type set to {letter}."))
    }
}

/// FEAT (RFC 2389): the extensions, with the MLSx facts offered and, marked `*`, those `selected`
/// (RFC 3659 §7.8); the FTPS lines (RFC 4217 §6) only when the server has a certificate to offer.
pub(super) fn feat(selected: FactSet, tls: bool) -> Reply {
    let features = [
        "Features:".to_string(),
        " EPRT".to_string(),
        " EPSV".to_string(),
        " MDTM".to_string(),
        format!(" MLST {}", selected.feat_list()),
        " PASV".to_string(),
        " REST STREAM".to_string(),
        " SIZE".to_string(),
        " UTF8".to_string(),
        "End".to_string(),
    ];
    let mut lines = features.to_vec();
    if tls {
        lines.splice(1..1, [" AUTH TLS", " PBSZ", " PROT"].map(String::from));
    }
    Reply::multi(ReplyCode::SystemStatus, lines)
}

impl Session {
    /// OPTS: `UTF8 ON`, always in force (names are sent as the file system has them; UTF-8 is what
    /// clients asking this expect, RFC 2640), and `MLST fact;...` (RFC 3659 §7.9).
    pub(super) fn opts(&mut self, option: &str) -> Answer {
        let (name, rest) = option.split_once(' ').unwrap_or((option, ""));
        if name.eq_ignore_ascii_case("MLST") {
            return Ok(self.opts_mlst(rest.trim()));
        }
        if option.eq_ignore_ascii_case("UTF8 ON") || option.eq_ignore_ascii_case("UTF8") {
            Ok(Reply::new(ReplyCode::CommandOk, "Always in UTF8 mode."))
        } else {
            Err(Reply::new(
                ReplyCode::ParameterSyntaxError,
                "Option not understood.",
            ))
        }
    }
}
