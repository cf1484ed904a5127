//! RETR, STOR, LIST, NLST and ABOR, and what the session says when a transfer ends.
//!
//! The order of replies follows the brief: problems found before any data moves (550 missing file, 425
//! no PORT/PASV) are answered at once; otherwise 150 goes out, the transfer task makes the data
//! connection (so in active mode the server connects only after 150) and its [`Outcome`] becomes
//! 226, 425, 426, 451, 452 or 552. The plan is consumed by the transfer: PORT and PASV are one-shot.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ftp_proto::{ListingArg, PathArg, Reply, ReplyCode, TransferType};
use tokio::io::AsyncSeekExt;
use tokio::task::JoinHandle;

use super::{
    fs_failure, new_counter, Flow, Session, LOCAL_ERROR, NOT_A_PLAIN_FILE, TRANSFER_ABORTED,
};
use crate::data::transfer::{self, DataLink, Outcome, Upload};
use crate::jail::JailError;

pub use crate::data::transfer::ListingStyle;

/// A transfer task and what the session needs to report on it.
pub struct RunningTransfer {
    what: String,
    is_file: bool,
    started: Instant,
    counter: Arc<AtomicU64>,
    handle: JoinHandle<Outcome>,
}

impl RunningTransfer {
    /// Stops the task, which drops (closes) its data connection; returns the bytes it had moved.
    pub async fn abort(mut self) -> u64 {
        self.handle.abort();
        let _ = (&mut self.handle).await;
        self.counter.load(Ordering::Relaxed)
    }
}

impl Drop for RunningTransfer {
    /// A session that ends for any reason takes its data connection with it.
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Waits for the running transfer to end; never resolves when there is none (for `select!`).
pub async fn finished(transfer: &mut Option<RunningTransfer>) -> Outcome {
    match transfer {
        Some(running) => match (&mut running.handle).await {
            Ok(outcome) => outcome,
            Err(join_error) => Outcome::ReadFailed(io::Error::other(join_error.to_string())),
        },
        None => std::future::pending().await,
    }
}

impl Session {
    pub(super) async fn retr(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let offset = std::mem::take(&mut self.restart_offset);
        let path = self.cwd.join(&argument.0);
        let opened = match self.shared.jail.existing(&path).await {
            Ok(real) => open_plain_file(&real).await,
            Err(error) => Err(fs_failure(&error)),
        };
        let (mut file, size) = match opened {
            Ok(opened) => opened,
            Err(reply) => return self.send(reply).await,
        };
        if offset > size {
            return self
                .send(Reply::new(
                    ReplyCode::InvalidRestParameter,
                    format!("Restart offset {offset} is past the end ({size})."),
                ))
                .await;
        }
        if offset > 0 {
            if let Err(error) = file.seek(io::SeekFrom::Start(offset)).await {
                return self.send(fs_failure(&JailError::Io(error))).await;
            }
        }
        let Some(link) = self.take_data_link() else {
            return self.no_data_connection().await;
        };
        let name = String::from_utf8_lossy(&argument.0).into_owned();
        let length = size - offset;
        let mode = self.mode_name();
        self.send(Reply::new(
            ReplyCode::FileStatusOk,
            format!("Opening {mode} mode data connection for {name} ({length} bytes)."),
        ))
        .await?;
        let ascii = self.transfer_type == TransferType::Ascii;
        self.start(path.display(), true, link, |link| {
            transfer::send_file(link, file, length, ascii)
        });
        Ok(Flow::Continue)
    }

    pub(super) async fn stor(&mut self, argument: &PathArg) -> io::Result<Flow> {
        if std::mem::take(&mut self.restart_offset) > 0 {
            return self
                .send(Reply::new(
                    ReplyCode::InvalidRestParameter,
                    "Restarted uploads are not supported; send the whole file.",
                ))
                .await;
        }
        let Some(path) = self.writable_path(argument).await? else {
            return Ok(Flow::Continue);
        };
        let target = match self.shared.jail.creatable(&path).await {
            Ok(real)
                if tokio::fs::metadata(&real)
                    .await
                    .is_ok_and(|meta| meta.is_dir()) =>
            {
                return self
                    .send(Reply::new(
                        ReplyCode::FileNameNotAllowed,
                        "File name not allowed: it is a directory.",
                    ))
                    .await;
            }
            Ok(real) => real,
            Err(JailError::Io(error)) if error.kind() == io::ErrorKind::NotFound => {
                return self
                    .send(Reply::new(
                        ReplyCode::FileNameNotAllowed,
                        "File name not allowed: no such directory.",
                    ))
                    .await;
            }
            Err(error) => return self.send(fs_failure(&error)).await,
        };
        if self.plan.is_none() {
            return self.no_data_connection().await;
        }
        let upload = match Upload::create(target, self.next_sequence()).await {
            Ok(upload) => upload,
            Err(error) => return self.send(fs_failure(&JailError::Io(error))).await,
        };
        let Some(link) = self.take_data_link() else {
            return self.no_data_connection().await;
        };
        let name = String::from_utf8_lossy(&argument.0).into_owned();
        let mode = self.mode_name();
        self.send(Reply::new(
            ReplyCode::FileStatusOk,
            format!("Opening {mode} mode data connection for {name}."),
        ))
        .await?;
        let ascii = self.transfer_type == TransferType::Ascii;
        let faults = self.shared.config.faults.clone();
        self.start(path.display(), true, link, |link| {
            transfer::receive_file(link, upload, ascii, faults)
        });
        Ok(Flow::Continue)
    }

    pub(super) async fn list(
        &mut self,
        argument: &ListingArg,
        style: ListingStyle,
    ) -> io::Result<Flow> {
        let path = argument
            .path
            .as_ref()
            .map_or_else(|| self.cwd.clone(), |path| self.cwd.join(&path.0));
        let real = match self.shared.jail.existing(&path).await {
            Ok(real) => real,
            Err(error) => return self.send(fs_failure(&error)).await,
        };
        let Some(link) = self.take_data_link() else {
            return self.no_data_connection().await;
        };
        self.send(Reply::new(
            ReplyCode::FileStatusOk,
            "Opening ASCII mode data connection for file list.",
        ))
        .await?;
        let all = argument.all();
        self.start(path.display(), false, link, |link| {
            transfer::send_listing(link, real, style, all)
        });
        Ok(Flow::Continue)
    }

    /// ABOR: with a transfer running, close its data connection and send 426 then 226 (RFC 959 §4.1.3);
    /// otherwise close any prepared data connection and send 225.
    pub(super) async fn abor(&mut self) -> io::Result<Flow> {
        let Some(running) = self.transfer.take() else {
            self.plan = None;
            return self
                .send(Reply::new(
                    ReplyCode::DataConnectionOpen,
                    "No transfer to abort.",
                ))
                .await;
        };
        let what = running.what.clone();
        let bytes = running.abort().await;
        self.statistics.data_bytes += bytes;
        self.statistics.transfers += 1;
        tracing::info!(peer = %self.control.addrs().peer, path = %what, bytes, "transfer aborted by client");
        self.send(Reply::new(ReplyCode::ConnectionClosed, TRANSFER_ABORTED))
            .await?;
        self.send(Reply::new(
            ReplyCode::ClosingDataConnection,
            "Abort successful.",
        ))
        .await
    }

    /// Reports the end of the running transfer.
    pub(super) async fn end_transfer(&mut self, outcome: Outcome) -> io::Result<Flow> {
        let Some(running) = self.transfer.take() else {
            return Ok(Flow::Continue);
        };
        let bytes = running.counter.load(Ordering::Relaxed);
        let elapsed = running.started.elapsed();
        let rate = format!(
            "{:.2} MB/s",
            bytes as f64 / elapsed.as_secs_f64().max(1e-6) / 1e6
        );
        let peer = self.control.addrs().peer;
        if !matches!(outcome, Outcome::NoConnection(_)) {
            self.statistics.data_bytes += bytes;
            self.statistics.transfers += 1;
        }
        let reply = match &outcome {
            Outcome::Complete => {
                if running.is_file {
                    self.statistics.file_bytes += bytes;
                    self.statistics.files += 1;
                }
                tracing::info!(%peer, path = %running.what, bytes, ?elapsed, %rate, "transfer complete");
                return self
                    .send(Reply::new(
                        ReplyCode::ClosingDataConnection,
                        "Transfer complete.",
                    ))
                    .await;
            }
            Outcome::NoConnection(_) => Reply::new(
                ReplyCode::CantOpenDataConnection,
                "Can't open data connection.",
            ),
            Outcome::ConnectionBroken(_) => {
                Reply::new(ReplyCode::ConnectionClosed, TRANSFER_ABORTED)
            }
            Outcome::ReadFailed(_) => Reply::new(ReplyCode::LocalError, LOCAL_ERROR),
            Outcome::WriteFailed(error) => {
                match fs_failure(&JailError::Io(io::Error::from(error.kind()))) {
                    reply
                        if reply.code == ReplyCode::InsufficientStorage
                            || reply.code == ReplyCode::ExceededStorageAllocation =>
                    {
                        reply
                    }
                    _ => Reply::new(ReplyCode::LocalError, LOCAL_ERROR),
                }
            }
        };
        let error = outcome.error().map(ToString::to_string).unwrap_or_default();
        tracing::warn!(%peer, path = %running.what, bytes, ?elapsed, %error, code = reply.code, "transfer failed");
        self.send(reply).await
    }

    /// Takes the one-shot plan made by PORT/PASV, ready for a transfer task.
    fn take_data_link(&mut self) -> Option<DataLink> {
        let plan = self.plan.take()?;
        Some(DataLink {
            plan,
            control: self.control.addrs(),
            timeout: self.shared.config.data_timeout,
            stall_limit: self.shared.config.idle_timeout,
            counter: new_counter(),
        })
    }

    async fn no_data_connection(&mut self) -> io::Result<Flow> {
        self.send(Reply::new(
            ReplyCode::CantOpenDataConnection,
            "Use PORT or PASV first.",
        ))
        .await
    }

    fn mode_name(&self) -> &'static str {
        match self.transfer_type {
            TransferType::Ascii => "ASCII",
            TransferType::Image => "BINARY",
        }
    }

    fn start<F, Fut>(&mut self, what: String, is_file: bool, link: DataLink, task: F)
    where
        F: FnOnce(DataLink) -> Fut,
        Fut: std::future::Future<Output = Outcome> + Send + 'static,
    {
        let counter = link.counter.clone();
        let handle = tokio::spawn(task(link));
        self.transfer = Some(RunningTransfer {
            what,
            is_file,
            started: Instant::now(),
            counter,
            handle,
        });
    }
}

/// Opens a regular file for reading; a directory or other special file is refused with 550.
async fn open_plain_file(real: &std::path::Path) -> Result<(tokio::fs::File, u64), Reply> {
    let file = tokio::fs::File::open(real)
        .await
        .map_err(|error| fs_failure(&JailError::Io(error)))?;
    let meta = file
        .metadata()
        .await
        .map_err(|error| fs_failure(&JailError::Io(error)))?;
    if !meta.is_file() {
        return Err(Reply::new(ReplyCode::FileUnavailable, NOT_A_PLAIN_FILE));
    }
    Ok((file, meta.len()))
}
