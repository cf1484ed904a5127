//! SITE (RFC 959 §4.1.3: "services specific to [this] system"): `SITE CHMOD mode path` for sessions that
//! may write, and `SITE HELP`.

use ftp_proto::{PathArg, Reply, ReplyCode, SiteCommand};

use super::{Answer, Session};
use crate::accounts::Right;

impl Session {
    pub(super) async fn site(&mut self, command: &SiteCommand) -> Answer {
        match command {
            SiteCommand::Chmod { mode, path } => self.site_chmod(*mode, path).await,
            SiteCommand::Help => Ok(self.site_help()),
        }
    }

    /// Changes a file's permission bits; refused (550) where the session may not write, like every
    /// command that changes the tree.
    async fn site_chmod(&mut self, mode: u32, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument, Right::Write)?;
        self.storage.set_mode(&target, mode).await?;
        Ok(Reply::new(ReplyCode::CommandOk, "SITE CHMOD command ok."))
    }

    /// The SITE commands this session may use.
    fn site_help(&self) -> Reply {
        let commands = if self.rights().has(Right::Write) {
            " CHMOD HELP"
        } else {
            " HELP"
        };
        let lines = vec![
            "The following SITE commands are recognized.".to_string(),
            commands.to_string(),
            "Help OK.".to_string(),
        ];
        Reply::multi(ReplyCode::HelpMessage, lines)
    }
}
