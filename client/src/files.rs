//! Whole-file transfers between local paths and the server: `get` (with `-c` resume) and `put`.
//!
//! The local file is opened only once the server has accepted RETR (its 150 and the data connection):
//! a refused `get` (550, 530, 425...) creates no file and leaves an existing one as it was, resume or
//! not. A download that fails after that leaves what arrived in place, so that `get -c` can finish it
//! later; it is never reported as success.

use std::io::SeekFrom;
use std::path::Path;

use tokio::fs::{File, OpenOptions};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::transfer::{pump_down, Progress};

/// What a download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// Where the transfer started: the local size when resuming with REST, else 0.
    pub offset: u64,
    /// Bytes received in this transfer.
    pub received: u64,
}

impl Client {
    /// Downloads `remote` to `local`. With `resume`, continues from the local file's size with REST;
    /// a server that refuses REST gets a full download over the file instead.
    pub async fn get_file(
        &mut self,
        remote: &str,
        local: &Path,
        resume: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Downloaded> {
        let existing = match tokio::fs::metadata(local).await {
            Ok(meta) if resume && meta.is_file() => meta.len(),
            _ => 0,
        };
        if existing > 0 {
            if let Ok(size) = self.size(remote).await {
                if size == existing {
                    return Ok(Downloaded {
                        offset: existing,
                        received: 0,
                    });
                }
            }
        }
        let transfer = self
            .open_transfer(ftp_proto::Command::Retr(remote.into()), existing)
            .await?;
        // Only now, after the 150, is the local file touched: opened without truncation, then cut to
        // where the data starts (the resume offset, or 0 when REST was refused or not asked for).
        let offset = transfer.offset();
        let opened = async {
            let mut file = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(local)
                .await?;
            file.set_len(offset).await?;
            file.seek(SeekFrom::Start(offset)).await?;
            Ok::<_, std::io::Error>(file)
        };
        let mut file = match opened.await {
            Ok(file) => file,
            Err(error) => return Err(transfer.abandon(Error::local(local, error)).await),
        };
        let name = local.display().to_string();
        let received = pump_down(transfer, &mut file, &name, progress).await?;
        file.shutdown()
            .await
            .map_err(|error| Error::local(local, error))?;
        Ok(Downloaded { offset, received })
    }

    /// Uploads `local` as `remote`. Returns the bytes sent.
    pub async fn put_file(
        &mut self,
        local: &Path,
        remote: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        let mut file = File::open(local)
            .await
            .map_err(|error| Error::local(local, error))?;
        let meta = file
            .metadata()
            .await
            .map_err(|error| Error::local(local, error))?;
        if !meta.is_file() {
            return Err(Error::local(
                local,
                std::io::Error::other("not a regular file"),
            ));
        }
        self.store(remote, &mut file, Some(meta.len()), progress)
            .await
    }
}
