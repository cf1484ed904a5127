//! USER, PASS, REIN and QUIT, and the commands that only report or set session options (FEAT, OPTS,
//! TYPE).

use std::io;

use ftp_proto::{Reply, ReplyCode, TransferType};

use super::{Answer, Flow, Login, Session};
use crate::data::facts::FactSet;
use crate::jail::VirtualPath;

/// User names that log in as the anonymous guest.
const ANONYMOUS_USERS: [&str; 2] = ["anonymous", "ftp"];

/// Whether `name` logs in as the anonymous guest.
pub(super) fn is_anonymous(name: &str) -> bool {
    ANONYMOUS_USERS
        .iter()
        .any(|anonymous| anonymous.eq_ignore_ascii_case(name))
}

impl Session {
    pub(super) fn user(&mut self, name: &str) -> Answer {
        if self.login == Login::LoggedIn {
            return Err(Reply::new(
                ReplyCode::NotLoggedIn,
                "Can't change to another user.",
            ));
        }
        if is_anonymous(name) {
            self.login = Login::AwaitingPassword;
            return Ok(Reply::new(
                ReplyCode::NeedPassword,
                "Guest login ok, send your complete e-mail address as password.",
            ));
        }
        self.login = Login::AwaitingUser;
        Err(Reply::new(
            ReplyCode::NotLoggedIn,
            "This FTP server is anonymous only.",
        ))
    }

    /// Any password is accepted for the guest: by custom it is an e-mail address, which is not checked.
    /// Every refusal (PASS without an accepted USER: the only failed login of an anonymous-only server)
    /// is answered after `failed_login_delay`, like vsftpd's `delay_failed_login`, so that guessing
    /// passwords is slow (RFC 2577 §5). The wait is this session's own sleep: others are not slowed.
    pub(super) async fn pass(&mut self) -> Answer {
        let answer = self.check_pass();
        if answer.is_err() {
            tokio::time::sleep(self.shared.config.failed_login_delay).await;
        }
        answer
    }

    fn check_pass(&mut self) -> Answer {
        match self.login {
            Login::LoggedIn => Ok(Reply::new(ReplyCode::UserLoggedIn, "Already logged in.")),
            Login::AwaitingUser => {
                Err(Reply::new(ReplyCode::BadSequence, "Login with USER first."))
            }
            Login::AwaitingPassword => {
                self.login = Login::LoggedIn;
                let mut lines = self.shared.config.welcome.clone();
                lines.push("Guest login ok, access restrictions apply.".to_string());
                tracing::info!(peer = %self.control.addrs().peer, "anonymous login");
                Ok(Reply::multi(ReplyCode::UserLoggedIn, lines))
            }
        }
    }

    /// REIN (RFC 959 §4.1.1): "terminates a USER, flushing all I/O and account information ... All
    /// parameters are reset to the default settings and the control connection is left open": logged
    /// out, back at the root, TYPE I, no data connection, no REST offset or RNFR, all MLSx facts. The
    /// session's traffic figures stay, for the 221. ("except to allow any transfer in progress to be
    /// completed": a REIN during a transfer is ignored like every command but ABOR, QUIT and STAT.)
    pub(super) fn rein(&mut self) -> Reply {
        self.login = Login::AwaitingUser;
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
            let bytes = running.abort().await;
            self.statistics.data_bytes += bytes;
            self.statistics.transfers += 1;
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
