//! Moving around and changing the tree: CWD/CDUP, PWD, MKD, RMD, DELE, RNFR/RNTO, SIZE, MDTM.

use std::io;

use ftp_proto::{pathname, PathArg, Reply, ReplyCode};

use super::{fs_failure, Flow, Session, NAME_NOT_ALLOWED, NOT_A_PLAIN_FILE, PERMISSION_DENIED};
use crate::data::listing;
use crate::jail::{JailError, VirtualPath};

impl Session {
    pub(super) async fn cwd(&mut self, argument: &[u8]) -> io::Result<Flow> {
        let target = self.cwd.join(argument);
        match self.shared.jail.existing(&target).await {
            Ok(real)
                if tokio::fs::metadata(&real)
                    .await
                    .is_ok_and(|meta| meta.is_dir()) =>
            {
                self.cwd = target;
                self.send(Reply::new(
                    ReplyCode::FileActionOk,
                    "Directory successfully changed.",
                ))
                .await
            }
            Ok(_) => {
                self.send(Reply::new(
                    ReplyCode::FileUnavailable,
                    "Failed to change directory: not a directory.",
                ))
                .await
            }
            Err(JailError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                self.send(Reply::new(
                    ReplyCode::FileUnavailable,
                    "Failed to change directory: no such directory.",
                ))
                .await
            }
            Err(error) => self.send(fs_failure(&error)).await,
        }
    }

    pub(super) async fn pwd(&mut self) -> io::Result<Flow> {
        let text = [
            &pathname::quote(&self.cwd.to_bytes())[..],
            b" is the current directory.",
        ]
        .concat();
        self.send(Reply::new(ReplyCode::PathCreated, text)).await
    }

    pub(super) async fn mkd(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let Some(target) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        let created = match self.shared.jail.creatable(&target).await {
            Ok(real) => tokio::fs::create_dir(&real).await.map_err(JailError::Io),
            Err(error) => Err(error),
        };
        match created {
            Ok(()) => {
                let text = [&pathname::quote(&target.to_bytes())[..], b" created."].concat();
                self.send(Reply::new(ReplyCode::PathCreated, text)).await
            }
            Err(error) => self.send(fs_failure(&error)).await,
        }
    }

    pub(super) async fn rmd(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let Some(target) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        if target == self.cwd
            || self
                .cwd
                .display()
                .starts_with(&format!("{}/", target.display()))
        {
            return self
                .send(Reply::new(
                    ReplyCode::FileUnavailable,
                    "Can't remove the current directory.",
                ))
                .await;
        }
        let removed = match self.shared.jail.entry(&target).await {
            Ok(real) => tokio::fs::remove_dir(&real).await.map_err(JailError::Io),
            Err(error) => Err(error),
        };
        self.answer(
            removed,
            Reply::new(
                ReplyCode::FileActionOk,
                "Remove directory operation successful.",
            ),
        )
        .await
    }

    pub(super) async fn dele(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let Some(target) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        let deleted = match self.shared.jail.entry(&target).await {
            Ok(real)
                if tokio::fs::symlink_metadata(&real)
                    .await
                    .is_ok_and(|meta| meta.is_dir()) =>
            {
                Err(JailError::Io(io::ErrorKind::IsADirectory.into()))
            }
            Ok(real) => tokio::fs::remove_file(&real).await.map_err(JailError::Io),
            Err(error) => Err(error),
        };
        self.answer(
            deleted,
            Reply::new(ReplyCode::FileActionOk, "Delete operation successful."),
        )
        .await
    }

    pub(super) async fn rnfr(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let Some(source) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        match self.shared.jail.entry(&source).await {
            Ok(real) => {
                self.rename_from = Some(real);
                self.send(Reply::new(ReplyCode::FileActionPending, "Ready for RNTO."))
                    .await
            }
            Err(error) => self.send(fs_failure(&error)).await,
        }
    }

    pub(super) async fn rnto(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let Some(source) = self.rename_from.take() else {
            return self
                .send(Reply::new(ReplyCode::BadSequence, "RNFR required first."))
                .await;
        };
        let Some(target) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        let renamed = match self.shared.jail.creatable(&target).await {
            Ok(real) => tokio::fs::rename(&source, &real)
                .await
                .map_err(JailError::Io),
            Err(error) => Err(error),
        };
        self.answer(
            renamed,
            Reply::new(ReplyCode::FileActionOk, "Rename successful."),
        )
        .await
    }

    pub(super) async fn size(&mut self, argument: &PathArg) -> io::Result<Flow> {
        match self.plain_file_metadata(argument).await {
            Ok(meta) => {
                self.send(Reply::new(ReplyCode::FileStatus, meta.len().to_string()))
                    .await
            }
            Err(reply) => self.send(reply).await,
        }
    }

    pub(super) async fn mdtm(&mut self, argument: &PathArg) -> io::Result<Flow> {
        match self.plain_file_metadata(argument).await {
            Ok(meta) => {
                let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                self.send(Reply::new(
                    ReplyCode::FileStatus,
                    listing::mdtm_timestamp(modified),
                ))
                .await
            }
            Err(reply) => self.send(reply).await,
        }
    }

    async fn plain_file_metadata(&self, argument: &PathArg) -> Result<std::fs::Metadata, Reply> {
        let real = self
            .shared
            .jail
            .existing(&self.cwd.join(&argument.0))
            .await
            .map_err(|e| fs_failure(&e))?;
        let meta = tokio::fs::metadata(&real)
            .await
            .map_err(|e| fs_failure(&JailError::Io(e)))?;
        if !meta.is_file() {
            return Err(Reply::new(ReplyCode::FileUnavailable, NOT_A_PLAIN_FILE));
        }
        Ok(meta)
    }

    /// The target of a command that changes the tree, or `None` once a refusal has been sent:
    /// read-only servers refuse with 550, and the root itself cannot be created, removed or renamed.
    pub(super) async fn writable_path(
        &mut self,
        argument: &PathArg,
    ) -> io::Result<Option<VirtualPath>> {
        if !self.writable() {
            self.send(Reply::new(ReplyCode::FileUnavailable, PERMISSION_DENIED))
                .await?;
            return Ok(None);
        }
        let target = self.cwd.join(&argument.0);
        if target.is_root() {
            self.send(Reply::new(ReplyCode::FileNameNotAllowed, NAME_NOT_ALLOWED))
                .await?;
            return Ok(None);
        }
        Ok(Some(target))
    }
}
