//! The data side of RETR, STOR/APPE/STOU and LIST/NLST/MLSD, run as a task beside the session so that the session can
//! still hear ABOR and QUIT (and ignore everything else) while bytes flow.
//!
//! Each task opens the data connection itself (after the session has sent 150) and works on what the
//! storage layer opened before that 150 (a file, a directory, an upload), never on a path. A binary RETR
//! of a local file is sent by the kernel ([`zero_copy`]); other bytes move through a fixed-size buffer,
//! and a listing in batches, so memory per transfer is flat whatever the file or directory size. Each
//! task reports an [`Outcome`];
//! the session turns that into 226/425/426/451/452/552. Bytes moved are counted live in a shared counter,
//! so an aborted transfer still shows in the session's traffic figures.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ftp_proto::ascii::{CrlfToLf, LfToCrlf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::channel::{self, DataPlan};
use super::facts::Facts;
use super::listing;
use super::zero_copy::{self, TransferError};
use crate::control::ControlAddrs;
use crate::storage::{Entry, FileReader, FileSource, Listing, Upload};

const BUFFER_SIZE: usize = 64 * 1024;

/// What STOR gathers from the socket before one write to the upload.
const UPLOAD_BUFFER_SIZE: usize = 1024 * 1024;

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
///
/// A binary transfer of a local file goes through the kernel ([`zero_copy`]); everything else (TYPE A,
/// which converts line ends, and storages that hand out no descriptor) is read through a buffer.
pub async fn send_file(link: DataLink, file: FileReader, length: u64, ascii: bool) -> Outcome {
    let (stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    match file.source {
        FileSource::Local(file) if !ascii => send_zero_copy(stream, &counter, file, length).await,
        source => send_buffered(stream, &counter, source.into_reader(), length, ascii).await,
    }
}

/// A binary RETR of a local file: `sendfile` from where the storage positioned the file, each call
/// held to the stall limit like any other write.
async fn send_zero_copy(
    stream: DataStream,
    counter: &AtomicU64,
    file: std::fs::File,
    length: u64,
) -> Outcome {
    let mut offset = match io::Seek::stream_position(&mut &file) {
        Ok(offset) => offset,
        Err(error) => return Outcome::ReadFailed(error),
    };
    let end = offset + length;
    let limit = stream.stall_limit;
    while offset < end {
        let left = end - offset;
        let chunk = zero_copy::send_chunk(&stream.stream, &file, &mut offset, left);
        let sent = match tokio::time::timeout(limit, chunk).await {
            Ok(Ok(0)) => {
                let sent = length - (end - offset);
                let why = format!("file ended after {sent} of {length} bytes");
                return Outcome::ReadFailed(io::Error::new(io::ErrorKind::UnexpectedEof, why));
            }
            Ok(Ok(sent)) => sent,
            Ok(Err(TransferError::Socket(error))) => return Outcome::ConnectionBroken(error),
            Ok(Err(TransferError::File(error))) => return Outcome::ReadFailed(error),
            Err(_) => return Outcome::ConnectionBroken(stalled(limit)),
        };
        counter.fetch_add(sent as u64, Ordering::Relaxed);
    }
    stream.finish().await
}

/// RETR through a 64 KiB buffer, converting line ends for TYPE A.
async fn send_buffered(
    mut stream: DataStream,
    counter: &AtomicU64,
    reader: Box<dyn AsyncRead + Send + Unpin>,
    length: u64,
    ascii: bool,
) -> Outcome {
    let mut source = reader.take(length);
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

/// STOR: receives into the upload until the client closes, then puts it in place. An upload that fails
/// is dropped, which leaves nothing behind and the old file as it was.
///
/// A binary upload to a local file is spliced into it by the kernel ([`zero_copy`]); TYPE A (which
/// converts line ends) and uploads that hand out no descriptor go through a buffer.
pub async fn receive_file(link: DataLink, mut upload: Box<dyn Upload>, ascii: bool) -> Outcome {
    let (stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let local = if ascii { None } else { upload.local_fd() };
    let received = match local {
        Some(file) => receive_zero_copy(stream, &counter, file).await,
        None => receive_buffered(stream, &counter, &mut *upload, ascii).await,
    };
    if let Some(failure) = received {
        return failure;
    }
    match upload.commit().await {
        Ok(()) => Outcome::Complete,
        Err(error) => Outcome::WriteFailed(error.into()),
    }
}

/// Splices the whole upload into its file from its current position; `None` when every byte is written.
async fn receive_zero_copy(
    stream: DataStream,
    counter: &AtomicU64,
    file: BorrowedFd<'_>,
) -> Option<Outcome> {
    let pipe = match zero_copy::SplicePipe::new() {
        Ok(pipe) => pipe,
        Err(error) => return Some(Outcome::WriteFailed(error)),
    };
    let limit = stream.stall_limit;
    // Where the upload's own bytes end: 0 for a new file, the old contents' end for APPE.
    let mut offset = match rustix::fs::tell(file) {
        Ok(offset) => offset,
        Err(error) => return Some(Outcome::WriteFailed(error.into())),
    };
    loop {
        let chunk = zero_copy::receive_chunk(&stream.stream, &pipe, file, &mut offset);
        match tokio::time::timeout(limit, chunk).await {
            Ok(Ok(0)) => return None,
            Ok(Ok(received)) => {
                counter.fetch_add(received as u64, Ordering::Relaxed);
            }
            Ok(Err(TransferError::Socket(error))) => return Some(Outcome::ConnectionBroken(error)),
            Ok(Err(TransferError::File(error))) => return Some(Outcome::WriteFailed(error)),
            Err(_) => return Some(Outcome::ConnectionBroken(stalled(limit))),
        }
    }
}

/// Receives through a buffer into the upload's `AsyncWrite`; `None` when every byte is written.
async fn receive_buffered(
    mut stream: DataStream,
    counter: &AtomicU64,
    upload: &mut dyn Upload,
    ascii: bool,
) -> Option<Outcome> {
    let mut buffer = vec![0u8; UPLOAD_BUFFER_SIZE];
    let mut from_crlf = CrlfToLf::default();
    let mut converted = Vec::new();
    let mut ended = false;
    while !ended {
        // Fill the buffer before writing, so that the disk sees one large write (one trip to the
        // blocking pool) per buffer rather than one per socket read.
        let mut read = 0;
        while read < buffer.len() {
            match stream.read(&mut buffer[read..]).await {
                Ok(0) => {
                    ended = true;
                    break;
                }
                Ok(got) => {
                    read += got;
                    counter.fetch_add(got as u64, Ordering::Relaxed);
                }
                Err(error) => return Some(Outcome::ConnectionBroken(error)),
            }
        }
        // A CR that ends the upload stays pending and is dropped, as it always has been here.
        let chunk = if ascii {
            converted.clear();
            from_crlf.convert(&buffer[..read], &mut converted);
            &converted[..]
        } else {
            &buffer[..read]
        };
        if let Err(error) = upload.write_all(chunk).await {
            return Some(Outcome::WriteFailed(error));
        }
    }
    upload.flush().await.err().map(Outcome::WriteFailed)
}

/// What LIST, NLST and MLSD send.
#[derive(Debug, Clone, Copy)]
pub enum ListingStyle {
    Long,
    NamesOnly,
    /// MLSD's `fact=value; name` lines.
    Machine(Facts),
}

/// LIST/NLST/MLSD: sends the listing the storage opened (a directory's entries, or one file), formatting
/// each batch as it is read, sorted by name when the directory is small ([`listing::sorted`]). Dotfiles
/// are left out unless `all`.
pub async fn send_listing(
    link: DataLink,
    listing: Box<dyn Listing>,
    style: ListingStyle,
    all: bool,
) -> Outcome {
    let (mut stream, counter) = match link.open().await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let mut lines = Lines {
        style,
        now: SystemTime::now(),
        text: Vec::new(),
    };
    let shown = |entry: &Entry| all || entry.name.first() != Some(&b'.');
    let mut listing = listing::sorted(listing);
    loop {
        let batch = match listing.next_batch().await {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(error) => return Outcome::ReadFailed(error.into()),
        };
        let batch: Vec<Entry> = batch.into_iter().filter(shown).collect();
        if let Err(error) = lines.send(&batch, &mut stream, &counter).await {
            return Outcome::ConnectionBroken(error);
        }
    }
    stream.finish().await
}

/// Formats entries into lines, a batch at a time, in one reused buffer.
struct Lines {
    style: ListingStyle,
    now: SystemTime,
    text: Vec<u8>,
}

impl Lines {
    async fn send(
        &mut self,
        entries: &[Entry],
        stream: &mut DataStream,
        counter: &AtomicU64,
    ) -> io::Result<()> {
        self.text.clear();
        for entry in entries {
            match self.style {
                ListingStyle::Long => listing::long_line(entry, self.now, &mut self.text),
                ListingStyle::NamesOnly => listing::name_line(entry, &mut self.text),
                ListingStyle::Machine(facts) => facts.mlsd_line(entry, &mut self.text),
            }
        }
        stream.write_all(&self.text).await?;
        counter.fetch_add(self.text.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}
