//! Whole-file transfers between local paths and the server: `get` (with `-c` resume), `put` and
//! `append`.
//!
//! The local file is opened only once the server has accepted RETR (its 150 and the data connection):
//! a refused `get` (550, 530, 425...) creates no file and leaves an existing one as it was, resume or
//! not. A download that fails after that leaves what arrived in place, so that `get -c` can finish it
//! later; it is never reported as success.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::local::{InlineFile, ReaderThread, WriterThread};
use crate::transfer::{pump_down, pump_up, Progress};

/// What a download did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Downloaded {
    /// Where the transfer started: the local size when resuming with REST, else 0.
    pub offset: u64,
    /// Bytes received in this transfer.
    pub received: u64,
}

/// Refuses `get -c` into something that is not a regular file (`/dev/null`, a FIFO): it has no
/// size to resume from and cannot be cut or sought. A path that does not exist yet is fine.
pub fn check_resumable(local: &Path) -> Result<()> {
    match std::fs::metadata(local) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => Err(Error::Usage(format!(
            "cannot resume (-c) into {}: it is not a regular file",
            local.display()
        ))),
        _ => Ok(()),
    }
}

/// Opens the download's target without truncating it, then, if it is a regular file, cuts it to
/// `offset` and seeks there. Anything else (a character device such as `/dev/null`, a FIFO) is
/// written as a stream: it cannot be cut or sought, and was refused for resume before. Returns the
/// file and whether it is a regular one.
fn open_target(local: &Path, offset: u64) -> io::Result<(File, bool)> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(local)?;
    let meta = file.metadata()?;
    if meta.is_file() {
        // Cut only what is there to cut: on ext4, truncating even an empty file makes its close
        // write back every page written since (`auto_da_alloc`), which cost a 1 GiB download a
        // third of its time where curl (whose O_TRUNC of a new file does nothing) paid none.
        if meta.len() != offset {
            file.set_len(offset)?;
        }
        file.seek(SeekFrom::Start(offset))?;
    } else if offset > 0 {
        return Err(io::Error::other(
            "cannot resume into something that is not a regular file",
        ));
    }
    Ok((file, meta.is_file()))
}

/// Runs blocking `work` on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| Err(io::Error::other(error)))
}

impl Client {
    /// Downloads `remote` to `local`. With `resume`, continues from the local file's size with REST;
    /// a server that refuses REST gets a full download over the file instead. `local` may also be a
    /// character device or a FIFO (`/dev/null`), written as a stream; those cannot be resumed.
    pub async fn get_file(
        &mut self,
        remote: &str,
        local: &Path,
        resume: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Downloaded> {
        if resume {
            check_resumable(local)?;
        }
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
        let path = PathBuf::from(local);
        let (file, regular) = match blocking(move || open_target(&path, offset)).await {
            Ok(opened) => opened,
            Err(error) => return Err(transfer.abandon(Error::local(local, error)).await),
        };
        let name = local.display().to_string();
        let received = if regular {
            pump_down(transfer, InlineFile(file), &name, progress).await?
        } else {
            pump_down(transfer, WriterThread::spawn(file), &name, progress).await?
        };
        Ok(Downloaded { offset, received })
    }

    /// Downloads `remote` into `out` (stdout, a pipe), written by a thread of its own: a stream, no
    /// resume. Returns the bytes received.
    pub async fn get_stream<W: Write + Send + 'static>(
        &mut self,
        remote: &str,
        out: W,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        let transfer = self
            .open_transfer(ftp_proto::Command::Retr(remote.into()), 0)
            .await?;
        pump_down(transfer, WriterThread::spawn(out), "the output", progress).await
    }

    /// Uploads `local` as `remote`. Returns the bytes sent.
    pub async fn put_file(
        &mut self,
        local: &Path,
        remote: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        self.upload_file(local, ftp_proto::Command::Stor(remote.into()), progress)
            .await
    }

    /// Uploads `local` as `remote`, resuming a partial upload of ours: when the server's copy (SIZE)
    /// is shorter than `local` and no longer than `sent_before` (what earlier attempts sent, so that it
    /// can only be their prefix, not an older different file), asks `REST <its size>` and sends only the
    /// rest (RFC 3659 §5, REST STREAM before STOR). A server that refuses REST, or the STOR after it
    /// (ours answers 554), gets the whole file. Returns the bytes sent.
    pub async fn put_file_resuming(
        &mut self,
        local: &Path,
        remote: &str,
        sent_before: u64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        // In TYPE A the server's byte count is not an offset into the local file: send it all.
        let binary = self.options.transfer_type == crate::client::TransferType::Binary;
        let local_len = blocking_len(local).await?;
        let mut offset = 0;
        if binary {
            // SIZE counts in the current TYPE: ask in TYPE I, the one the upload uses.
            self.ensure_type(crate::client::TransferType::Binary)
                .await?;
            if let Ok(remote_len) = self.size(remote).await {
                if remote_len > 0 && remote_len < local_len && remote_len <= sent_before {
                    offset = remote_len;
                }
            }
        }
        let stor = || ftp_proto::Command::Stor(remote.into());
        match self.upload_file_from(local, stor(), offset, progress).await {
            Err(Error::Refused { .. }) if offset > 0 => {
                self.upload_file_from(local, stor(), 0, progress).await
            }
            other => other,
        }
    }

    /// Appends `local` to `remote` (APPE; the server creates `remote` if it is missing). Returns
    /// the bytes sent.
    pub async fn append_file(
        &mut self,
        local: &Path,
        remote: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        self.upload_file(local, ftp_proto::Command::Appe(remote.into()), progress)
            .await
    }

    /// STOR or APPE of a whole local file.
    async fn upload_file(
        &mut self,
        local: &Path,
        command: ftp_proto::Command,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        self.upload_file_from(local, command, 0, progress).await
    }

    /// STOR or APPE of `local` from `offset` on, when the server takes `REST offset`; from the start
    /// when it refuses.
    async fn upload_file_from(
        &mut self,
        local: &Path,
        command: ftp_proto::Command,
        offset: u64,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        let path = PathBuf::from(local);
        let opened = blocking(move || {
            let file = File::open(&path)?;
            let meta = file.metadata()?;
            if !meta.is_file() {
                return Err(io::Error::other("not a regular file"));
            }
            Ok((file, meta.len()))
        })
        .await;
        let (mut file, len) = opened.map_err(|error| Error::local(local, error))?;
        let stored = match &command {
            ftp_proto::Command::Stor(path) => Some(String::from_utf8_lossy(&path.0).into_owned()),
            _ => None,
        };
        let mut transfer = self.open_transfer(command, offset).await?;
        // Both paths below read from the file's position: start where the server's copy ends.
        let start = transfer.offset();
        if start > 0 {
            if let Err(error) = file.seek(SeekFrom::Start(start)) {
                return Err(transfer.abandon(Error::local(local, error)).await);
            }
        }
        let binary = !transfer.is_ascii();
        // TYPE A converts line ends; TLS encrypts in user space: both read the file through a buffer.
        let sent = if !binary || !transfer.can_send_file() {
            let source = ReaderThread::spawn(file);
            pump_up(transfer, source, Some(len), progress).await?
        } else {
            // TYPE I: the kernel moves the file to the socket (see `zerocopy`).
            loop {
                match transfer.send_file(&file, local).await {
                    Ok(0) => break,
                    Ok(_) => progress(Progress {
                        done: transfer.moved(),
                        total: Some(len),
                    }),
                    Err(error) => return Err(transfer.abandon(error).await),
                }
            }
            transfer.finish().await?
        };
        match stored {
            // In TYPE A the server's size counts its own line ends: nothing to compare.
            Some(remote) if binary => self.check_stored_size(&remote, len).await?,
            _ => {}
        }
        Ok(sent)
    }

    /// After a STOR in TYPE I that the server confirmed: its copy of `remote` must be `len` bytes
    /// long. A 226 only says the server is done; a cut or changed upload can still get one. A server
    /// without SIZE (or that refuses it here) is taken at its word.
    async fn check_stored_size(&mut self, remote: &str, len: u64) -> Result<()> {
        match self.size(remote).await {
            Ok(size) if size != len => Err(Error::Transfer {
                what: remote.to_string(),
                reason: format!(
                    "the server confirmed the upload, but its copy has {size} bytes, not {len}"
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// The length of the local file `path`, read off the blocking pool.
async fn blocking_len(path: &Path) -> Result<u64> {
    let owned = PathBuf::from(path);
    blocking(move || std::fs::metadata(&owned).map(|meta| meta.len()))
        .await
        .map_err(|error| Error::local(path, error))
}
