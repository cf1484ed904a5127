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
//!
//! Under PROT P the data connection is TLS ([`DataTls`]): the server runs the handshake as the TLS server
//! whichever side connected, and refuses the connection (425) unless it resumed the control
//! connection's session (see `crate::tls`), unless that check is relaxed. TLS data goes through the
//! buffers (the kernel cannot encrypt for us), and its end is the TLS close: a download ends with our
//! close_notify, an upload is complete only when the client's close_notify arrives (a bare TCP close
//! could be a truncation attack, so it is a broken transfer, 426), and is answered with ours.

use std::io;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ftp_proto::ascii::{CrlfToLf, LfToCrlf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::channel::{self, DataPlan};
use super::facts::Facts;
use super::listing;
use super::zero_copy::{self, TransferError};
use crate::control::ControlAddrs;
use crate::storage::{Entry, FileReader, FileSource, Listing, Upload};
use crate::tls::SessionTls;

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
    /// The TLS data connection did not resume the control connection's session: 425, and a log line.
    NotResumed,
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
            Outcome::Complete | Outcome::NotResumed => None,
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
    /// Set under PROT P: the data connection is TLS.
    pub tls: Option<DataTls>,
}

/// How a PROT P data connection is secured.
pub struct DataTls {
    /// The session's own TLS configurations, the control connection's and the one for uploads.
    pub session: SessionTls,
    /// Refuse a handshake that does not resume one of the session's TLS sessions.
    pub require_resumption: bool,
}

/// Which way a transfer's bytes go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// RETR, LIST, NLST.
    ToClient,
    /// STOR.
    FromClient,
}

impl DataLink {
    async fn open(self, direction: Direction) -> Result<(DataStream, Arc<AtomicU64>), Outcome> {
        let stream = channel::open(self.plan, self.control, self.timeout)
            .await
            .map_err(Outcome::NoConnection)?;
        let socket = match self.tls {
            None => DataSocket::Plain(stream),
            Some(tls) => {
                let secured = secure(stream, tls, direction, self.timeout).await?;
                DataSocket::Tls(Box::new(secured))
            }
        };
        Ok((
            DataStream {
                socket,
                stall_limit: self.stall_limit,
            },
            self.counter,
        ))
    }
}

/// The TLS handshake on a new data connection, and the resumption check.
async fn secure(
    stream: TcpStream,
    tls: DataTls,
    direction: Direction,
    timeout: Duration,
) -> Result<TlsStream<TcpStream>, Outcome> {
    let config = match direction {
        Direction::ToClient => tls.session.control,
        Direction::FromClient => tls.session.upload,
    };
    let handshake = TlsAcceptor::from(config).accept(stream);
    let stream = match tokio::time::timeout(timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return Err(Outcome::NoConnection(error)),
        Err(_) => {
            let why = "no TLS handshake on the data connection in time";
            return Err(Outcome::NoConnection(io::Error::new(
                io::ErrorKind::TimedOut,
                why,
            )));
        }
    };
    let kind = stream.get_ref().1.handshake_kind();
    if tls.require_resumption && kind != Some(rustls::HandshakeKind::Resumed) {
        tracing::warn!(
            ?kind,
            "refused a TLS data connection that did not resume the control connection's session"
        );
        return Err(Outcome::NotResumed);
    }
    Ok(stream)
}

/// A data connection: the socket itself, or TLS over it.
type DataSocket = ftp_tls::stream::ServerStream;

/// How long, after our close_notify, the client may take to close its side. Until then the socket stays
/// open and what arrives is read, so that the client's own close_notify is not answered with a reset.
const TLS_CLOSE_WAIT: Duration = Duration::from_secs(5);

/// A data connection whose every read and write must make progress within the stall limit.
struct DataStream {
    socket: DataSocket,
    stall_limit: Duration,
}

impl DataStream {
    async fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let limit = self.stall_limit;
        tokio::time::timeout(limit, self.socket.read(buffer))
            .await
            .unwrap_or_else(|_| Err(stalled(limit)))
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        // Write in pieces so that the limit applies to progress, not to the whole buffer.
        for piece in bytes.chunks(BUFFER_SIZE) {
            let limit = self.stall_limit;
            tokio::time::timeout(limit, self.socket.write_all(piece))
                .await
                .unwrap_or_else(|_| Err(stalled(limit)))?;
        }
        Ok(())
    }

    /// Closes our side so the client sees end-of-file (under TLS, close_notify first); only then is the
    /// transfer complete.
    async fn finish(mut self) -> Outcome {
        let limit = self.stall_limit;
        if let Err(error) = tokio::time::timeout(limit, self.socket.shutdown())
            .await
            .unwrap_or_else(|_| Err(stalled(limit)))
        {
            return Outcome::ConnectionBroken(error);
        }
        if let DataSocket::Tls(socket) = self.socket {
            // Everything, close_notify included, is sent: the transfer is complete. Clients that wait
            // for the 226 before closing must not wait for us, so the socket lingers on its own.
            tokio::spawn(linger_until_closed(socket));
        }
        Outcome::Complete
    }

    /// After an upload's end (the client's close_notify): answers with ours. The bytes are all in by now,
    /// so a client that closed without waiting for it does not fail the upload.
    async fn close_after_upload(mut self) {
        if matches!(self.socket, DataSocket::Tls(_)) {
            let _ = tokio::time::timeout(TLS_CLOSE_WAIT, self.socket.shutdown()).await;
        }
    }
}

/// Reads (and drops) whatever the client still sends until it closes, for a bounded time. Clients
/// answer our close_notify with theirs, or just close; either ends the wait.
async fn linger_until_closed(mut socket: Box<TlsStream<TcpStream>>) {
    let mut sink = [0u8; 512];
    let _ = tokio::time::timeout(TLS_CLOSE_WAIT, async {
        while let Ok(read) = socket.read(&mut sink).await {
            if read == 0 {
                break;
            }
        }
    })
    .await;
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
    let (stream, counter) = match link.open(Direction::ToClient).await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    match (file.source, stream) {
        (
            FileSource::Local(file),
            DataStream {
                socket: DataSocket::Plain(socket),
                stall_limit,
            },
        ) if !ascii => send_zero_copy(socket, stall_limit, counter, file, length).await,
        (source, stream) => {
            send_buffered(stream, &counter, source.into_reader(), length, ascii).await
        }
    }
}

/// Downloads larger than this go to a thread without a first try on the reactor: measured with 1 GiB
/// RETRs, starting on the reactor and moving over once the socket is full cost 2-5%.
const ON_A_THREAD_FROM_THE_START: u64 = 1024 * 1024;

/// A binary RETR of a local file: `sendfile` from where the storage positioned the file, each call
/// held to the stall limit like any other write. A large file, or what the socket does not take at
/// once, is sent from a thread of its own while one is free ([`zero_copy::send_rest_on_thread`]); a
/// small file never leaves the session's task.
async fn send_zero_copy(
    socket: TcpStream,
    stall_limit: Duration,
    counter: Arc<AtomicU64>,
    file: std::fs::File,
    length: u64,
) -> Outcome {
    let mut offset = match io::Seek::stream_position(&mut &file) {
        Ok(offset) => offset,
        Err(error) => return Outcome::ReadFailed(error),
    };
    let (start, end) = (offset, offset + length);
    let limit = stall_limit;
    let file_ended = |offset: u64| {
        let sent = length - (end - offset);
        let why = format!("file ended after {sent} of {length} bytes");
        Outcome::ReadFailed(io::Error::new(io::ErrorKind::UnexpectedEof, why))
    };
    while offset < end {
        // A large file, or one the socket's buffer did not take at once, is sent from a thread.
        if length > ON_A_THREAD_FROM_THE_START || offset > start {
            if let Some(claim) = zero_copy::SENDING_THREADS.claim() {
                let (reached, sent) = zero_copy::send_rest_on_thread(
                    claim, socket, file, offset, end, limit, counter,
                )
                .await;
                return match sent {
                    Ok(()) if reached < end => file_ended(reached),
                    Ok(()) => Outcome::Complete,
                    Err(error) => transfer_failed(error, limit),
                };
            }
        }
        let left = end - offset;
        let chunk = zero_copy::send_chunk(&socket, &file, &mut offset, left);
        let sent = match tokio::time::timeout(limit, chunk).await {
            Ok(Ok(0)) => return file_ended(offset),
            Ok(Ok(sent)) => sent,
            Ok(Err(error)) => return transfer_failed(error, limit),
            Err(_) => return Outcome::ConnectionBroken(stalled(limit)),
        };
        counter.fetch_add(sent as u64, Ordering::Relaxed);
    }
    let stream = DataStream {
        socket: DataSocket::Plain(socket),
        stall_limit,
    };
    stream.finish().await
}

/// How a failed download is answered: 426 when the connection failed, 451 when the file did.
fn transfer_failed(error: TransferError, limit: Duration) -> Outcome {
    match error {
        TransferError::Socket(error) => Outcome::ConnectionBroken(error),
        TransferError::Stalled => Outcome::ConnectionBroken(stalled(limit)),
        TransferError::File(error) => Outcome::ReadFailed(error),
    }
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
    let (stream, counter) = match link.open(Direction::FromClient).await {
        Ok(opened) => opened,
        Err(outcome) => return outcome,
    };
    let local = if ascii { None } else { upload.local_fd() };
    let received = match (local, stream) {
        (
            Some(file),
            DataStream {
                socket: DataSocket::Plain(socket),
                stall_limit,
            },
        ) => receive_zero_copy(socket, stall_limit, &counter, file).await,
        (_, mut stream) => {
            let received = receive_buffered(&mut stream, &counter, &mut *upload, ascii).await;
            if received.is_none() {
                stream.close_after_upload().await;
            }
            received
        }
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
    socket: TcpStream,
    limit: Duration,
    counter: &AtomicU64,
    file: BorrowedFd<'_>,
) -> Option<Outcome> {
    let pipe = match zero_copy::SplicePipe::new() {
        Ok(pipe) => pipe,
        Err(error) => return Some(Outcome::WriteFailed(error)),
    };
    // Where the upload's own bytes end: 0 for a new file, the old contents' end for APPE.
    let mut offset = match rustix::fs::tell(file) {
        Ok(offset) => offset,
        Err(error) => return Some(Outcome::WriteFailed(error.into())),
    };
    loop {
        let chunk = zero_copy::receive_chunk(&socket, &pipe, file, &mut offset);
        match tokio::time::timeout(limit, chunk).await {
            Ok(Ok(0)) => return None,
            Ok(Ok(received)) => {
                counter.fetch_add(received as u64, Ordering::Relaxed);
            }
            Ok(Err(TransferError::Socket(error))) => return Some(Outcome::ConnectionBroken(error)),
            Ok(Err(TransferError::File(error))) => return Some(Outcome::WriteFailed(error)),
            Ok(Err(TransferError::Stalled)) | Err(_) => {
                return Some(Outcome::ConnectionBroken(stalled(limit)))
            }
        }
    }
}

/// Receives through a buffer into the upload's `AsyncWrite`; `None` when every byte is written.
async fn receive_buffered(
    stream: &mut DataStream,
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
    let (mut stream, counter) = match link.open(Direction::ToClient).await {
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
