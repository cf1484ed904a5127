//! The data side of RETR, STOR and LIST/NLST, run as a task beside the session so that the session can
//! still hear ABOR and QUIT (and ignore everything else) while bytes flow.
//!
//! Each task opens the data connection itself (after the session has sent 150), moves the bytes through a
//! fixed 64 KiB buffer, so memory per transfer is flat whatever the file size, and reports an [`Outcome`];
//! the session turns that into 226/425/426/451/452/552. Bytes moved are counted live in a shared counter,
//! so an aborted transfer still shows in the session's traffic figures.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ftp_proto::ascii::{CrlfToLf, LfToCrlf};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::channel::{self, DataPlan};
use super::listing;
use crate::config::FaultPlan;
use crate::control::ControlAddrs;

const BUFFER_SIZE: usize = 64 * 1024;

/// How a transfer ended.
#[derive(Debug)]
pub enum Outcome {
    /// Everything was handed to the TCP stack and the data connection closed: 226.
    Complete,
    /// The data connection could not be made: 425.
    NoConnection(io::Error),
    /// The data connection broke mid-transfer: 426.
    ConnectionBroken(io::Error),
    /// Reading the file (or directory) failed mid-transfer: 451.
    ReadFailed(io::Error),
    /// Writing the upload failed: 452 (disk full), 552 (too large) or 451.
    WriteFailed(io::Error),
}

impl Outcome {
    /// The underlying error, for the log; `None` for a complete transfer.
    pub fn error(&self) -> Option<&io::Error> {
        match self {
            Outcome::Complete => None,
            Outcome::NoConnection(error)
            | Outcome::ConnectionBroken(error)
            | Outcome::ReadFailed(error)
            | Outcome::WriteFailed(error) => Some(error),
        }
    }
}

/// Where a task's data connection comes from and where it counts its bytes.
pub struct DataLink {
    pub plan: DataPlan,
    pub control: ControlAddrs,
    /// How long making the connection may take.
    pub timeout: Duration,
    /// How long the connection may go without moving a byte before the transfer is given up (426),
    /// so that a peer that stops reading or sending cannot hold its session forever.
    pub stall_limit: Duration,
    pub counter: Arc<AtomicU64>,
}

impl DataLink {
    async fn open(self) -> Result<(DataStream, Arc<AtomicU64>), Outcome> {
        match channel::open(self.plan, self.control, self.timeout).await {
            Ok(stream) => Ok((
                DataStream {
                    stream,
                    stall_limit: self.stall_limit,
                },
                self.counter,
            )),
            Err(error) => Err(Outcome::NoConnection(error)),
        }
    }
}

/// A data connection whose every read and write must make progress within the stall limit.
struct DataStream {
    stream: TcpStream,
    stall_limit: Duration,
}

impl DataStream {
    async fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let limit = self.stall_limit;
        tokio::time::timeout(limit, self.stream.read(buffer))
            .await
            .unwrap_or_else(|_| Err(stalled(limit)))
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        // Write in pieces so that the limit applies to progress, not to the whole buffer.
        for piece in bytes.chunks(BUFFER_SIZE) {
            let limit = self.stall_limit;
            tokio::time::timeout(limit, self.stream.write_all(piece))
                .await
                .unwrap_or_else(|_| Err(stalled(limit)))?;
        }
        Ok(())
    }

    /// Closes our side so the client sees end-of-file; only then is the transfer complete.
    async fn finish(mut self) -> Outcome {
        let limit = self.stall_limit;
        match tokio::time::timeout(limit, self.stream.shutdown())
            .await
            .unwrap_or_else(|_| Err(stalled(limit)))
        {
            Ok(()) => Outcome::Complete,
            Err(error) => Outcome::ConnectionBroken(error),
        }
    }
}

fn stalled(limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no progress on the data connection for {limit:?}"),
    )
}

/// RETR: sends `length` bytes of `file`. A file that ends early (it shrank under the transfer) is a read
/// failure, and the data connection is closed without the 226 a complete file earns.
pub async fn send_file(link: DataLink, file: File, length: u64, ascii: bool) -> Outcome {
    let (mut stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let mut source = file.take(length);
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut to_crlf = LfToCrlf::default();
    let mut converted = Vec::new();
    let mut sent_from_file = 0u64;
    loop {
        let read = match source.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) => return Outcome::ReadFailed(error),
        };
        sent_from_file += read as u64;
        let chunk = if ascii {
            converted.clear();
            to_crlf.convert(&buffer[..read], &mut converted);
            &converted[..]
        } else {
            &buffer[..read]
        };
        if let Err(error) = stream.write_all(chunk).await {
            return Outcome::ConnectionBroken(error);
        }
        counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
    if sent_from_file < length {
        let why = format!("file ended after {sent_from_file} of {length} bytes");
        return Outcome::ReadFailed(io::Error::new(io::ErrorKind::UnexpectedEof, why));
    }
    stream.finish().await
}

/// STOR: receives into the upload's temporary file until the client closes, then moves it into place.
pub async fn receive_file(
    link: DataLink,
    mut upload: Upload,
    ascii: bool,
    faults: FaultPlan,
) -> Outcome {
    let (mut stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let Some(file) = upload.file.as_mut() else {
        return Outcome::WriteFailed(io::Error::other("upload file already closed"));
    };
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut from_crlf = CrlfToLf::default();
    let mut converted = Vec::new();
    let mut written = 0u64;
    loop {
        let read = match stream.read(&mut buffer).await {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) => return Outcome::ConnectionBroken(error),
        };
        counter.fetch_add(read as u64, Ordering::Relaxed);
        // A CR that ends the upload stays pending and is dropped, as it always has been here.
        let chunk = if ascii {
            converted.clear();
            from_crlf.convert(&buffer[..read], &mut converted);
            &converted[..]
        } else {
            &buffer[..read]
        };
        if let Some((limit, kind)) = faults.fail_writes_after {
            if written + chunk.len() as u64 > limit {
                return Outcome::WriteFailed(io::Error::new(kind, "injected storage fault"));
            }
        }
        if let Err(error) = file.write_all(chunk).await {
            return Outcome::WriteFailed(error);
        }
        written += chunk.len() as u64;
    }
    if let Err(error) = file.flush().await {
        return Outcome::WriteFailed(error);
    }
    match upload.commit().await {
        Ok(()) => Outcome::Complete,
        Err(error) => Outcome::WriteFailed(error),
    }
}

/// What LIST and NLST send.
#[derive(Debug, Clone, Copy)]
pub enum ListingStyle {
    Long,
    NamesOnly,
}

/// LIST/NLST: sends the listing of `path` (a directory's entries or one file).
pub async fn send_listing(
    link: DataLink,
    path: PathBuf,
    style: ListingStyle,
    all: bool,
) -> Outcome {
    let (mut stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let entries = match listing::read_entries(&path, all).await {
        Ok(entries) => entries,
        Err(error) => return Outcome::ReadFailed(error),
    };
    let now = SystemTime::now();
    let mut text = Vec::with_capacity(entries.len() * 64);
    for entry in &entries {
        match style {
            ListingStyle::Long => text.extend(listing::long_line(entry, now)),
            ListingStyle::NamesOnly => text.extend(listing::name_line(entry)),
        }
    }
    if let Err(error) = stream.write_all(&text).await {
        return Outcome::ConnectionBroken(error);
    }
    counter.fetch_add(text.len() as u64, Ordering::Relaxed);
    stream.finish().await
}

/// An upload written aside: a hidden temporary file in the target's directory, renamed over the target
/// only when every byte has arrived, so an aborted or broken upload never destroys an existing file.
pub struct Upload {
    file: Option<File>,
    temporary: PathBuf,
    target: PathBuf,
}

impl Upload {
    /// Creates the temporary file beside `target`.
    pub async fn create(target: PathBuf, unique: u64) -> io::Result<Upload> {
        let directory = target.parent().unwrap_or(Path::new("/")).to_path_buf();
        let mut name = OsString::from(listing::UPLOAD_PREFIX);
        name.push(format!("{}.{unique}.", std::process::id()));
        name.push(target.file_name().unwrap_or_default());
        let temporary = directory.join(name);
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)
            .await?;
        Ok(Upload {
            file: Some(file),
            temporary,
            target,
        })
    }

    async fn commit(mut self) -> io::Result<()> {
        self.file.take();
        tokio::fs::rename(&self.temporary, &self.target).await
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // Still holding the file means the upload did not commit: remove the partial copy. This is one
        // unlink, small enough to do inline even on an async worker.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_upload_dropped_before_commit_leaves_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("keep.txt");
        std::fs::write(&target, b"old").unwrap();
        drop(Upload::create(target.clone(), 1).await.unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
