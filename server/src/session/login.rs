//! USER, PASS and QUIT, and the commands that only report or set session options (FEAT, HELP, OPTS, TYPE).

use std::io;

use ftp_proto::{Reply, ReplyCode, TransferType};

use super::{Answer, Flow, Login, Session};

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

/// FEAT; the FTPS lines (RFC 4217 §6) only when the server has a certificate to offer.
pub(super) fn feat(tls: bool) -> Reply {
    let features = [
        "Features:",
        " EPRT",
        " EPSV",
        " MDTM",
        " PASV",
        " REST STREAM",
        " SIZE",
        " UTF8",
        "End",
    ];
    let mut lines: Vec<String> = features.map(String::from).to_vec();
    if tls {
        lines.splice(1..1, [" AUTH TLS", " PBSZ", " PROT"].map(String::from));
    }
    Reply::multi(ReplyCode::SystemStatus, lines)
}

pub(super) fn help() -> Reply {
    let lines = vec![
        "The following commands are recognized.".to_string(),
        " ABOR ALLO CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD  MODE NLST NOOP OPTS"
            .to_string(),
        " PASS PASV PORT PWD  QUIT REST RETR RMD  RNFR RNTO SIZE STOR STRU SYST TYPE USER"
            .to_string(),
        "Help OK.".to_string(),
    ];
    Reply::multi(ReplyCode::HelpMessage, lines)
}

/// Names are sent as the file system has them; UTF-8 is what clients asking this expect (RFC 2640).
pub(super) fn opts(option: &str) -> Answer {
    if option.eq_ignore_ascii_case("UTF8 ON") || option.eq_ignore_ascii_case("UTF8") {
        Ok(Reply::new(ReplyCode::CommandOk, "Always in UTF8 mode."))
    } else {
        Err(Reply::new(
            ReplyCode::ParameterSyntaxError,
            "Option not understood.",
        ))
    }
}
