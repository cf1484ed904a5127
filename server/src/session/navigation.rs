//! Moving around and changing the tree: CWD/CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM.

use std::io;

use ftp_proto::{pathname, PathArg, Reply, ReplyCode, TransferType};

use super::{Answer, Session, NAME_NOT_ALLOWED, NOT_A_PLAIN_FILE};
use crate::accounts::Right;
use crate::data::listing;
use crate::jail::VirtualPath;
use crate::storage::{Stat, StorageError};

impl Session {
    pub(super) async fn cwd(&mut self, argument: &[u8]) -> Answer {
        let target = self.cwd.join(argument);
        let stat = match self.storage.metadata(&target).await {
            Ok(stat) => stat,
            Err(StorageError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                return Err(Reply::new(
                    ReplyCode::FileUnavailable,
                    "Failed to change directory: no such directory.",
                ));
            }
            Err(error) => return Err(error.into()),
        };
        if !stat.is_dir() {
            return Err(Reply::new(
                ReplyCode::FileUnavailable,
                "Failed to change directory: not a directory.",
            ));
        }
        self.cwd = target;
        Ok(Reply::new(
            ReplyCode::FileActionOk,
            "Directory successfully changed.",
        ))
    }

    pub(super) fn pwd(&self) -> Reply {
        let text = [
            &pathname::quote(&self.cwd.to_bytes())[..],
            b" is the current directory.",
        ]
        .concat();
        Reply::new(ReplyCode::PathCreated, text)
    }

    pub(super) async fn mkd(&mut self, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument, Right::Mkdir)?;
        self.storage.create_dir(&target).await?;
        let text = [&pathname::quote(&target.to_bytes())[..], b" created."].concat();
        Ok(Reply::new(ReplyCode::PathCreated, text))
    }

    pub(super) async fn rmd(&mut self, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument, Right::Delete)?;
        if target == self.cwd
            || self
                .cwd
                .display()
                .starts_with(&format!("{}/", target.display()))
        {
            return Err(Reply::new(
                ReplyCode::FileUnavailable,
                "Can't remove the current directory.",
            ));
        }
        self.storage.remove_dir(&target).await?;
        Ok(Reply::new(
            ReplyCode::FileActionOk,
            "Remove directory operation successful.",
        ))
    }

    pub(super) async fn dele(&mut self, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument, Right::Delete)?;
        self.storage.remove_file(&target).await?;
        Ok(Reply::new(
            ReplyCode::FileActionOk,
            "Delete operation successful.",
        ))
    }

    pub(super) async fn rnfr(&mut self, argument: &PathArg) -> Answer {
        let source = self.writable_path(argument, Right::Rename)?;
        self.storage.symlink_metadata(&source).await?;
        self.rename_from = Some(source);
        Ok(Reply::new(ReplyCode::FileActionPending, "Ready for RNTO."))
    }

    pub(super) async fn rnto(&mut self, argument: &PathArg) -> Answer {
        let Some(source) = self.rename_from.take() else {
            return Err(Reply::new(ReplyCode::BadSequence, "RNFR required first."));
        };
        let target = self.writable_path(argument, Right::Rename)?;
        self.storage.rename(&source, &target).await?;
        Ok(Reply::new(ReplyCode::FileActionOk, "Rename successful."))
    }

    /// SIZE gives "the number of octets which would be transmitted over the data connection" in the
    /// current TYPE (RFC 3659 §4). In TYPE A that is only known after converting the whole file, so it is
    /// refused with 550, as §4.2 allows for an entity that "cannot be transferred in the current MODE and
    /// TYPE"; the file's length is the answer in TYPE I.
    pub(super) async fn size(&self, argument: &PathArg) -> Answer {
        let stat = self.plain_file_metadata(argument).await?;
        if self.transfer_type == TransferType::Ascii {
            return Err(Reply::new(
                ReplyCode::FileUnavailable,
                "SIZE is not available in ASCII mode (TYPE A); use TYPE I.",
            ));
        }
        Ok(Reply::new(ReplyCode::FileStatus, stat.len.to_string()))
    }

    pub(super) async fn mdtm(&self, argument: &PathArg) -> Answer {
        let stat = self.plain_file_metadata(argument).await?;
        Ok(Reply::new(
            ReplyCode::FileStatus,
            listing::mdtm_timestamp(stat.modified),
        ))
    }

    async fn plain_file_metadata(&self, argument: &PathArg) -> Result<Stat, Reply> {
        self.require(Right::Read)?;
        let stat = self.storage.metadata(&self.cwd.join(&argument.0)).await?;
        if !stat.is_file() {
            return Err(Reply::new(ReplyCode::FileUnavailable, NOT_A_PLAIN_FILE));
        }
        Ok(stat)
    }

    /// The target of a command that changes the tree: a user without `right` is refused with 550, and
    /// the root itself cannot be created, removed or renamed.
    pub(super) fn writable_path(
        &self,
        argument: &PathArg,
        right: Right,
    ) -> Result<VirtualPath, Reply> {
        self.require(right)?;
        let target = self.cwd.join(&argument.0);
        if target.is_root() {
            return Err(Reply::new(ReplyCode::FileNameNotAllowed, NAME_NOT_ALLOWED));
        }
        Ok(target)
    }
}
