//! Moving around and changing the tree: CWD/CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM.

use std::io;

use ftp_proto::{pathname, PathArg, Reply, ReplyCode};

use super::{Answer, Session, NAME_NOT_ALLOWED, NOT_A_PLAIN_FILE, PERMISSION_DENIED};
use crate::data::listing;
use crate::jail::{JailError, VirtualPath};

impl Session {
    pub(super) async fn cwd(&mut self, argument: &[u8]) -> Answer {
        let target = self.cwd.join(argument);
        let real = match self.shared.jail.existing(&target).await {
            Ok(real) => real,
            Err(JailError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                return Err(Reply::new(
                    ReplyCode::FileUnavailable,
                    "Failed to change directory: no such directory.",
                ));
            }
            Err(error) => return Err(error.into()),
        };
        if !tokio::fs::metadata(&real)
            .await
            .is_ok_and(|meta| meta.is_dir())
        {
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
        let target = self.writable_path(argument)?;
        let real = self.shared.jail.creatable(&target).await?;
        tokio::fs::create_dir(&real).await.map_err(JailError::Io)?;
        let text = [&pathname::quote(&target.to_bytes())[..], b" created."].concat();
        Ok(Reply::new(ReplyCode::PathCreated, text))
    }

    pub(super) async fn rmd(&mut self, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument)?;
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
        let real = self.shared.jail.entry(&target).await?;
        tokio::fs::remove_dir(&real).await.map_err(JailError::Io)?;
        Ok(Reply::new(
            ReplyCode::FileActionOk,
            "Remove directory operation successful.",
        ))
    }

    pub(super) async fn dele(&mut self, argument: &PathArg) -> Answer {
        let target = self.writable_path(argument)?;
        let real = self.shared.jail.entry(&target).await?;
        if tokio::fs::symlink_metadata(&real)
            .await
            .is_ok_and(|meta| meta.is_dir())
        {
            return Err(JailError::Io(io::ErrorKind::IsADirectory.into()).into());
        }
        tokio::fs::remove_file(&real).await.map_err(JailError::Io)?;
        Ok(Reply::new(
            ReplyCode::FileActionOk,
            "Delete operation successful.",
        ))
    }

    pub(super) async fn rnfr(&mut self, argument: &PathArg) -> Answer {
        let source = self.writable_path(argument)?;
        self.rename_from = Some(self.shared.jail.entry(&source).await?);
        Ok(Reply::new(ReplyCode::FileActionPending, "Ready for RNTO."))
    }

    pub(super) async fn rnto(&mut self, argument: &PathArg) -> Answer {
        let Some(source) = self.rename_from.take() else {
            return Err(Reply::new(ReplyCode::BadSequence, "RNFR required first."));
        };
        let target = self.writable_path(argument)?;
        let real = self.shared.jail.creatable(&target).await?;
        tokio::fs::rename(&source, &real)
            .await
            .map_err(JailError::Io)?;
        Ok(Reply::new(ReplyCode::FileActionOk, "Rename successful."))
    }

    pub(super) async fn size(&self, argument: &PathArg) -> Answer {
        let meta = self.plain_file_metadata(argument).await?;
        Ok(Reply::new(ReplyCode::FileStatus, meta.len().to_string()))
    }

    pub(super) async fn mdtm(&self, argument: &PathArg) -> Answer {
        let meta = self.plain_file_metadata(argument).await?;
        let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        Ok(Reply::new(
            ReplyCode::FileStatus,
            listing::mdtm_timestamp(modified),
        ))
    }

    async fn plain_file_metadata(&self, argument: &PathArg) -> Result<std::fs::Metadata, Reply> {
        let real = self
            .shared
            .jail
            .existing(&self.cwd.join(&argument.0))
            .await?;
        let meta = tokio::fs::metadata(&real).await.map_err(JailError::Io)?;
        if !meta.is_file() {
            return Err(Reply::new(ReplyCode::FileUnavailable, NOT_A_PLAIN_FILE));
        }
        Ok(meta)
    }

    /// The target of a command that changes the tree: read-only servers refuse with 550, and the root
    /// itself cannot be created, removed or renamed.
    pub(super) fn writable_path(&self, argument: &PathArg) -> Result<VirtualPath, Reply> {
        if !self.writable() {
            return Err(Reply::new(ReplyCode::FileUnavailable, PERMISSION_DENIED));
        }
        let target = self.cwd.join(&argument.0);
        if target.is_root() {
            return Err(Reply::new(ReplyCode::FileNameNotAllowed, NAME_NOT_ALLOWED));
        }
        Ok(target)
    }
}
