//! RETR, STOR, APPE, STOU, LIST, NLST and ABOR, and what the session says when a transfer ends.
//!
//! The order of replies follows the brief: problems found before any data moves (550 missing file, 425
//! no PORT/PASV) are answered at once; otherwise 150 goes out, the transfer (a future the session
//! polls) makes the data connection (so in active mode the server connects only after 150) and its
//! [`Outcome`] becomes 226, 425, 426, 451, 452 or 552 through one mapping, `From<&Outcome> for Reply`. The checks before 150
//! are `prepare_*` helpers that return the refusal as `Err(Reply)`, which the handler sends. They also
//! open what the transfer uses (the file, the directory, the upload) through the storage layer, so that
//! nothing is looked up again by name once the check is done. The plan is consumed by the transfer:
//! PORT and PASV are one-shot.

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use ftp_proto::{ListingArg, PathArg, Reply, ReplyCode, TransferType};
use std::future::Future;
use std::pin::Pin;

use super::{new_counter, write_failure, Flow, Session, LOCAL_ERROR, TRANSFER_ABORTED};
use crate::accounts::Right;
use crate::data::transfer::{self, DataLink, Outcome};
use crate::jail::VirtualPath;
use crate::storage::{FileReader, Listing, StorageError, Upload};
use crate::xferlog::{Direction, TransferRecord};

pub use crate::data::transfer::ListingStyle;

/// A running transfer and what the session needs to report on it.
///
/// The transfer is a future the session's own task polls (in its `select!` loop), not a task of its
/// own: spawning one, and waking the session from it through a `JoinHandle`, cost two cross-thread
/// wake-ups per transfer, a measurable share of a small file's RETR. Dropping the future (ABOR, the
/// session's end) closes its data connection at once.
pub struct RunningTransfer {
    what: String,
    is_file: bool,
    /// For the transfer log: a file transfer's path and direction (listings are not logged).
    logged: Option<(VirtualPath, Direction)>,
    started: Instant,
    counter: Arc<AtomicU64>,
    /// In a `Mutex` only so that the session stays `Sync` (handlers hold `&Session` across awaits); it
    /// is never locked, only reached through `get_mut`, which costs nothing.
    transfer: Mutex<Pin<Box<dyn Future<Output = Outcome> + Send>>>,
}

impl RunningTransfer {
    /// What STAT says during the transfer: what moves and how far it has got.
    pub fn progress(&self) -> String {
        format!(
            "Transferring {}: {} bytes in {:.1} s.",
            self.what,
            self.counter.load(Ordering::Relaxed),
            self.started.elapsed().as_secs_f64()
        )
    }

    /// Stops the transfer, which drops (closes) its data connection; returns the bytes it had moved.
    pub fn abort(self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }
}

/// Waits for the running transfer to end; never resolves when there is none (for `select!`).
pub async fn finished(transfer: &mut Option<RunningTransfer>) -> Outcome {
    match transfer {
        Some(running) => {
            let transfer = running
                .transfer
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner);
            transfer.as_mut().await
        }
        None => std::future::pending().await,
    }
}

impl Session {
    pub(super) async fn retr(&mut self, argument: &PathArg) -> io::Result<Flow> {
        let offset = std::mem::take(&mut self.restart_offset);
        let path = self.cwd.join(&argument.0);
        let (file, length, link) = match self.prepare_retr(&path, offset).await {
            Ok(prepared) => prepared,
            Err(refusal) => return self.send(refusal).await,
        };
        self.send(self.opening_reply(argument, Some(length)))
            .await?;
        let ascii = self.transfer_type == TransferType::Ascii;
        self.start(path, Some(Direction::Outgoing), link, |link| {
            transfer::send_file(link, file, length, ascii)
        });
        Ok(Flow::Continue)
    }

    /// The 150 before a transfer: the mode, the name and, for a download, the bytes to come.
    fn opening_reply(&self, argument: &PathArg, length: Option<u64>) -> Reply {
        let name = String::from_utf8_lossy(&argument.0);
        let mode = self.mode_name();
        let text = match length {
            Some(length) => {
                format!("Opening {mode} mode data connection for {name} ({length} bytes).")
            }
            None => format!("Opening {mode} mode data connection for {name}."),
        };
        Reply::new(ReplyCode::FileStatusOk, text)
    }

    /// What RETR checks before its 150: the file, open (a regular file only) and positioned at
    /// `offset`, the bytes left to send, and the data connection's plan.
    async fn prepare_retr(
        &mut self,
        path: &VirtualPath,
        offset: u64,
    ) -> Result<(FileReader, u64, DataLink), Reply> {
        self.require(Right::Read)?;
        let file = self.storage.open_file(path, offset).await?;
        let size = file.len;
        if offset > size {
            return Err(Reply::new(
                ReplyCode::InvalidRestParameter,
                format!("Restart offset {offset} is past the end ({size})."),
            ));
        }
        let link = self.take_data_link()?;
        Ok((file, size - offset, link))
    }

    pub(super) async fn stor(&mut self, argument: &PathArg) -> io::Result<Flow> {
        self.receive(argument, UploadKind::Replace).await
    }

    /// APPE: as STOR, but the file ends up as its old contents followed by the upload (RFC 959 §4.1.3:
    /// "if the file at the pathname does not already exist, a file shall be created"). The old contents
    /// are copied aside first, so the appended file appears whole or not at all: a failed or aborted
    /// APPE leaves the file as it was. The price: an APPE copies the file (in the kernel), and a write
    /// to the file by anyone else during the APPE is lost when it completes, as with STOR.
    pub(super) async fn appe(&mut self, argument: &PathArg) -> io::Result<Flow> {
        self.receive(argument, UploadKind::Append).await
    }

    async fn receive(&mut self, argument: &PathArg, kind: UploadKind) -> io::Result<Flow> {
        let (path, upload, link) = match self.prepare_stor(argument, kind).await {
            Ok(prepared) => prepared,
            Err(refusal) => return self.send(refusal).await,
        };
        self.send(self.opening_reply(argument, None)).await?;
        self.start_upload(path, upload, link);
        Ok(Flow::Continue)
    }

    fn start_upload(&mut self, path: VirtualPath, upload: Box<dyn Upload>, link: DataLink) {
        let ascii = self.transfer_type == TransferType::Ascii;
        self.start(path, Some(Direction::Incoming), link, |link| {
            transfer::receive_file(link, upload, ascii)
        });
    }

    /// What STOR and APPE check before their 150: no restart offset, a writable name that is not a
    /// directory in an existing one, a plan for the data connection; then the upload, open in the
    /// target's directory.
    async fn prepare_stor(
        &mut self,
        argument: &PathArg,
        kind: UploadKind,
    ) -> Result<(VirtualPath, Box<dyn Upload>, DataLink), Reply> {
        no_restart(&mut self.restart_offset)?;
        let path = self.writable_path(argument, Right::Write)?;
        // The plan is taken only once the upload exists, so a refused name leaves it for the next
        // command; without a plan the new upload is dropped, which leaves nothing behind.
        let storage = &self.storage;
        let upload = match kind {
            UploadKind::Replace => storage.create_upload(&path).await,
            UploadKind::Append => storage.append_upload(&path).await,
        }
        .map_err(stor_refusal)?;
        let link = self.take_data_link()?;
        Ok((path, upload, link))
    }

    /// STOU: STOR under a name the storage makes up in the current directory, announced in the 150 as
    /// RFC 1123 §4.1.2.9 asks: "150 FILE: pppp". The name is free when chosen and the complete upload is
    /// linked to it without replacing anything, so STOU never overwrites a file.
    pub(super) async fn stou(&mut self) -> io::Result<Flow> {
        let (path, upload, link) = match self.prepare_stou().await {
            Ok(prepared) => prepared,
            Err(refusal) => return self.send(refusal).await,
        };
        let name = path
            .file_name()
            .map(|name| name.as_bytes())
            .unwrap_or_default();
        self.send(Reply::new(
            ReplyCode::FileStatusOk,
            [&b"FILE: "[..], name].concat(),
        ))
        .await?;
        self.start_upload(path, upload, link);
        Ok(Flow::Continue)
    }

    async fn prepare_stou(&mut self) -> Result<(VirtualPath, Box<dyn Upload>, DataLink), Reply> {
        no_restart(&mut self.restart_offset)?;
        self.require(Right::Write)?;
        let (upload, name) = self
            .storage
            .unique_upload(&self.cwd)
            .await
            .map_err(stor_refusal)?;
        let link = self.take_data_link()?;
        Ok((self.cwd.join(&name), upload, link))
    }

    pub(super) async fn list(
        &mut self,
        argument: &ListingArg,
        style: ListingStyle,
    ) -> io::Result<Flow> {
        // A REST offset applies to the next transfer command only (RFC 3659 §5.3), and a listing is one:
        // it uses the offset up, or a later RETR would start part-way (issue 8).
        self.restart_offset = 0;
        let path = argument
            .path
            .as_ref()
            .map_or_else(|| self.cwd.clone(), |path| self.cwd.join(&path.0));
        let (listing, link) = match self.prepare_list(&path).await {
            Ok(prepared) => prepared,
            Err(refusal) => return self.send(refusal).await,
        };
        let opening = "Opening ASCII mode data connection for file list.";
        self.start_listing(opening, &path, listing, link, style, argument.all())
            .await
    }

    /// Sends a listing's 150 and starts sending it (LIST, NLST, MLSD).
    pub(super) async fn start_listing(
        &mut self,
        opening: &str,
        path: &VirtualPath,
        listing: Box<dyn Listing>,
        link: DataLink,
        style: ListingStyle,
        all: bool,
    ) -> io::Result<Flow> {
        self.send(Reply::new(ReplyCode::FileStatusOk, opening))
            .await?;
        self.start(path.clone(), None, link, |link| {
            transfer::send_listing(link, listing, style, all)
        });
        Ok(Flow::Continue)
    }

    /// What LIST/NLST check before their 150: the directory (or file), opened, and the data
    /// connection's plan.
    async fn prepare_list(
        &mut self,
        path: &VirtualPath,
    ) -> Result<(Box<dyn Listing>, DataLink), Reply> {
        self.require(Right::Read)?;
        let listing = self.storage.open_listing(path).await?;
        let link = self.take_data_link()?;
        Ok((listing, link))
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
        let bytes = self.stop_transfer(running).await;
        tracing::info!(peer = %self.control.addrs().peer, path = %what, bytes, "transfer aborted by client");
        self.send(Reply::new(ReplyCode::ConnectionClosed, TRANSFER_ABORTED))
            .await?;
        self.send(Reply::new(
            ReplyCode::ClosingDataConnection,
            "Abort successful.",
        ))
        .await
    }

    /// Shutdown's grace period is over: a transfer still running is stopped (its task dropped, so an
    /// upload's temporary file is removed and the target left as it was) and answered 426; then 421.
    pub(super) async fn cut_transfer_for_shutdown(&mut self) -> io::Result<Flow> {
        if let Some(running) = self.transfer.take() {
            let what = running.what.clone();
            let bytes = self.stop_transfer(running).await;
            tracing::warn!(peer = %self.control.addrs().peer, path = %what, bytes, "transfer cut: shutdown grace period over");
            self.send(Reply::new(
                ReplyCode::ConnectionClosed,
                "Transfer aborted: server shutting down.",
            ))
            .await?;
        }
        self.send_shutdown_notice().await
    }

    /// Stops a running transfer before its end (ABOR, QUIT, shutdown): counted, and logged as
    /// incomplete. Returns the bytes it had moved.
    pub(super) async fn stop_transfer(&mut self, running: RunningTransfer) -> u64 {
        let (logged, started) = (running.logged.clone(), running.started);
        let bytes = running.abort();
        self.statistics.data_bytes += bytes;
        self.statistics.transfers += 1;
        self.log_transfer(logged, started, bytes, false);
        bytes
    }

    /// One line in the transfer log, if there is one and this was a file transfer.
    fn log_transfer(
        &self,
        logged: Option<(VirtualPath, Direction)>,
        started: Instant,
        bytes: u64,
        complete: bool,
    ) {
        let (Some(xferlog), Some((path, direction)), Some(identity)) =
            (&self.shared.xferlog, logged, &self.identity)
        else {
            return;
        };
        let relative = path.relative();
        let path = identity
            .root_in_server
            .join(relative.as_os_str().as_encoded_bytes());
        xferlog.record(&TransferRecord {
            finished: SystemTime::now(),
            elapsed: started.elapsed(),
            remote: self.control.addrs().peer_ip(),
            bytes,
            path: path.display(),
            ascii: self.transfer_type == TransferType::Ascii,
            direction,
            access: identity.access.clone(),
            complete,
        });
    }

    /// Reports the end of the running transfer.
    pub(super) async fn end_transfer(&mut self, outcome: Outcome) -> io::Result<Flow> {
        let Some(running) = self.transfer.take() else {
            return Ok(Flow::Continue);
        };
        let bytes = running.counter.load(Ordering::Relaxed);
        let elapsed = running.started.elapsed();
        let peer = self.control.addrs().peer;
        if !matches!(outcome, Outcome::NoConnection(_) | Outcome::NotResumed) {
            self.statistics.data_bytes += bytes;
            self.statistics.transfers += 1;
            let complete = outcome.error().is_none();
            self.log_transfer(running.logged.clone(), running.started, bytes, complete);
        }
        let reply = Reply::from(&outcome);
        match outcome.error() {
            None if matches!(outcome, Outcome::NotResumed) => {
                tracing::warn!(%peer, path = %running.what, "transfer refused: TLS session not resumed");
            }
            None => {
                if running.is_file {
                    self.statistics.file_bytes += bytes;
                    self.statistics.files += 1;
                }
                // Formatted only when the line is logged.
                let rate = format_args!(
                    "{:.2} MB/s",
                    bytes as f64 / elapsed.as_secs_f64().max(1e-6) / 1e6
                );
                tracing::info!(%peer, path = %running.what, bytes, ?elapsed, %rate, "transfer complete");
            }
            Some(error) => {
                tracing::warn!(%peer, path = %running.what, bytes, ?elapsed, %error, code = reply.code, "transfer failed");
            }
        }
        self.send(reply).await
    }

    /// Takes the one-shot plan made by PORT/PASV, ready for a transfer; 425 without one.
    pub(super) fn take_data_link(&mut self) -> Result<DataLink, Reply> {
        let plan = self.plan.take().ok_or_else(no_data_connection)?;
        Ok(DataLink {
            plan,
            control: self.control.addrs(),
            timeout: self.shared.config.data_timeout,
            stall_limit: self.shared.config.idle_timeout,
            counter: new_counter(),
            tls: self.data_tls(),
        })
    }

    fn mode_name(&self) -> &'static str {
        match self.transfer_type {
            TransferType::Ascii => "ASCII",
            TransferType::Image => "BINARY",
        }
    }

    pub(super) fn start<F, Fut>(
        &mut self,
        path: VirtualPath,
        file: Option<Direction>,
        link: DataLink,
        task: F,
    ) where
        F: FnOnce(DataLink) -> Fut,
        Fut: std::future::Future<Output = Outcome> + Send + 'static,
    {
        let counter = link.counter.clone();
        let transfer = Mutex::new(Box::pin(task(link)) as Pin<Box<dyn Future<Output = _> + Send>>);
        self.transfer = Some(RunningTransfer {
            what: path.display(),
            is_file: file.is_some(),
            logged: file.map(|direction| (path, direction)),
            started: Instant::now(),
            counter,
            transfer,
        });
    }
}

/// The one mapping from how a transfer ended to the reply that reports it.
impl From<&Outcome> for Reply {
    fn from(outcome: &Outcome) -> Reply {
        match outcome {
            Outcome::Complete => Reply::new(ReplyCode::ClosingDataConnection, "Transfer complete."),
            Outcome::NoConnection(_) => Reply::new(
                ReplyCode::CantOpenDataConnection,
                "Can't open data connection.",
            ),
            Outcome::NotResumed => Reply::new(
                ReplyCode::CantOpenDataConnection,
                "Can't open data connection: it must resume the control connection's TLS session.",
            ),
            Outcome::ConnectionBroken(_) => {
                Reply::new(ReplyCode::ConnectionClosed, TRANSFER_ABORTED)
            }
            Outcome::ReadFailed(_) => Reply::new(ReplyCode::LocalError, LOCAL_ERROR),
            Outcome::WriteFailed(error) => write_failure(error.kind()),
        }
    }
}

/// Which upload STOR or APPE makes.
#[derive(Debug, Clone, Copy)]
enum UploadKind {
    Replace,
    Append,
}

/// Uploads start at their beginning: a REST offset before one is refused (and used up).
fn no_restart(restart_offset: &mut u64) -> Result<(), Reply> {
    if std::mem::take(restart_offset) > 0 {
        return Err(Reply::new(
            ReplyCode::InvalidRestParameter,
            "Restarted uploads are not supported; send the whole file.",
        ));
    }
    Ok(())
}

/// 425 for a transfer command without a PORT/PASV before it.
fn no_data_connection() -> Reply {
    Reply::new(ReplyCode::CantOpenDataConnection, "Use PORT or PASV first.")
}

/// Why STOR cannot start: 553 for a name that cannot be a file (a directory, a missing directory),
/// else the usual mapping.
fn stor_refusal(error: StorageError) -> Reply {
    match &error {
        StorageError::Io(io_error) if io_error.kind() == io::ErrorKind::IsADirectory => Reply::new(
            ReplyCode::FileNameNotAllowed,
            "File name not allowed: it is a directory.",
        ),
        StorageError::Io(io_error) if io_error.kind() == io::ErrorKind::NotFound => Reply::new(
            ReplyCode::FileNameNotAllowed,
            "File name not allowed: no such directory.",
        ),
        _ => error.into(),
    }
}
