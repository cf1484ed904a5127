//! Transfers: RETR, STOR, LIST and NLST as streams with a progress callback, REST for resume.
//!
//! The order on the wire: TYPE (when it changes), SIZE (for RETR, to know the total), REST (when resuming),
//! EPSV/PASV or EPRT/PORT, then the transfer command. The final reply is read only after the data
//! connection has closed. A transfer counts as done only when that reply is 2yz *and*, when the size was
//! known, every byte arrived: a server that closes the data connection early and still says 226 gets a
//! transfer error, not a silently short file.
//!
//! Under PROT P every data connection is TLS, resuming the control connection's session. An upload
//! ends with close_notify, so that the server can tell a complete file from a cut one; a download
//! must end with the server's close_notify: a TLS data connection that just stops is a truncated
//! transfer, whatever the final reply says.

use std::path::Path;
use std::time::{Duration, Instant};

use ftp_proto::ascii::{CrlfToLf, LfToCrlf};
use ftp_proto::{Command, ListingArg, PathArg, ReplyCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::{refusal, Client, TransferType};
use crate::data;
use crate::error::{Error, Result};
use crate::local::{AsyncSink, AsyncSource, Chunk, Sink, Source, CHUNK};
use crate::stream::Stream;
use crate::zerocopy;

/// A download's bytes wait at most this long in the buffer before reaching the sink (and the
/// progress bar).
const HAND_OVER_EVERY: Duration = Duration::from_millis(200);

/// Where a transfer stands, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the file done so far, counting a resumed-from offset.
    pub done: u64,
    /// The whole file's size, when known.
    pub total: Option<u64>,
}

/// An open data connection for one transfer. Read or write through it, then [`Transfer::finish`].
pub struct Transfer<'a> {
    client: &'a mut Client,
    stream: Stream,
    what: String,
    /// Where in the file the data starts (REST accepted), else 0.
    offset: u64,
    total: Option<u64>,
    moved: u64,
    /// TYPE A file transfer: line ends are CRLF on the wire and local ones (LF) on disk, and the
    /// wire byte count differs from SIZE, so the short-transfer check is off.
    ascii: bool,
    /// RETR, LIST or NLST: the server sends. (STOR and APPE: the client does.)
    downloading: bool,
}

impl Transfer<'_> {
    /// The offset the server agreed to start at: 0 when REST was refused or not asked for.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The whole file's size when the server told it (SIZE).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Bytes moved on the data connection so far in this transfer.
    pub fn moved(&self) -> u64 {
        self.moved
    }

    /// True for a TYPE A file transfer (line ends converted).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// Whether the data connection's TLS handshake resumed the control connection's session;
    /// `None` for a plain data connection.
    pub fn tls_resumed(&self) -> Option<bool> {
        self.stream.resumed()
    }

    fn progress(&self) -> Progress {
        Progress {
            done: self.offset + self.moved,
            total: self.total,
        }
    }

    fn broken(&self, why: String) -> Error {
        Error::Transfer {
            what: self.what.clone(),
            reason: why,
        }
    }

    /// Reads the next chunk; 0 at the end of the data.
    pub async fn read(&mut self, buffer: &mut [u8]) -> Result<usize> {
        let timeout = self.client.control.timeout();
        match tokio::time::timeout(timeout, self.stream.read(buffer)).await {
            Ok(Ok(count)) => {
                self.moved += count as u64;
                Ok(count)
            }
            Ok(Err(error))
                if self.stream.is_tls() && error.kind() == std::io::ErrorKind::UnexpectedEof =>
            {
                Err(self.broken(
                    "the server closed the TLS data connection without close_notify: the data \
                     may be cut short"
                        .into(),
                ))
            }
            Ok(Err(error)) => Err(self.broken(format!("data connection broke: {error}"))),
            Err(_) => Err(Error::Timeout(format!("waiting for data of {}", self.what))),
        }
    }

    /// Writes a whole chunk. The timeout is on each write that the socket accepts, not on the
    /// whole chunk: a slow link that keeps moving is not a stall.
    pub async fn write_all(&mut self, mut bytes: &[u8]) -> Result<()> {
        let timeout = self.client.control.timeout();
        while !bytes.is_empty() {
            match tokio::time::timeout(timeout, self.stream.write(bytes)).await {
                Ok(Ok(0)) => {
                    return Err(self.broken("data connection broke: it accepts no more data".into()))
                }
                Ok(Ok(count)) => {
                    self.moved += count as u64;
                    bytes = &bytes[count..];
                }
                Ok(Err(error)) => {
                    return Err(self.broken(format!("data connection broke: {error}")))
                }
                Err(_) => return Err(Error::Timeout(format!("sending data of {}", self.what))),
            }
        }
        Ok(())
    }

    /// Sends the next bytes of `file` with `sendfile(2)` (see [`crate::zerocopy`]); 0 at its end.
    /// `local` names the file in errors.
    /// Plain data connections only ([`Transfer::can_send_file`]).
    pub(crate) async fn send_file(&mut self, file: &std::fs::File, local: &Path) -> Result<usize> {
        let timeout = self.client.control.timeout();
        let Stream::Plain(tcp) = &self.stream else {
            return Err(self.broken("sendfile(2) cannot write into TLS".into()));
        };
        match tokio::time::timeout(timeout, zerocopy::send_file(tcp, file)).await {
            Ok(Ok(count)) => {
                self.moved += count as u64;
                Ok(count)
            }
            Ok(Err(error)) if zerocopy::is_network_error(&error) => {
                Err(self.broken(format!("data connection broke: {error}")))
            }
            Ok(Err(error)) => Err(Error::local(local, error)),
            Err(_) => Err(Error::Timeout(format!("sending data of {}", self.what))),
        }
    }

    /// Whether [`Transfer::send_file`] works here: the kernel can only copy into a plain socket.
    pub(crate) fn can_send_file(&self) -> bool {
        !self.stream.is_tls()
    }

    /// Closes the data connection and reads the final reply; checks the byte count against the size.
    pub async fn finish(mut self) -> Result<u64> {
        let timeout = self.client.control.timeout();
        // Under TLS: close_notify, then the TCP shutdown. After a download it answers the server's.
        let closed = tokio::time::timeout(timeout, self.stream.shutdown()).await;
        if self.stream.is_tls() && !self.downloading {
            if !matches!(closed, Ok(Ok(()))) {
                let error = self.broken("the upload's TLS close_notify could not be sent".into());
                return Err(self.abandon(error).await);
            }
            crate::stream::drain(&mut self.stream, timeout).await;
        }
        drop(self.stream);
        let reply = self.client.control.reply().await?;
        if !reply.is_completion() {
            return Err(Error::Transfer {
                what: self.what,
                reason: crate::error::quote(&reply),
            });
        }
        if let Some(total) = self.total {
            let done = self.offset + self.moved;
            if done != total {
                return Err(Error::Transfer {
                    what: self.what,
                    reason: format!(
                        "only {done} of {total} bytes arrived, though the server replied {}",
                        reply.code
                    ),
                });
            }
        }
        Ok(self.moved)
    }

    /// On a failure mid-stream, still read the server's final word so the session stays in step; the
    /// first error is the one reported.
    pub(crate) async fn abandon(self, error: Error) -> Error {
        drop(self.stream);
        // A stalled server is not waited for a second time: the timeout already fired, and a user
        // who set --timeout N expects the failure within about N, not after another N for a reply.
        if matches!(error, Error::Timeout(_)) {
            return error;
        }
        match (self.client.control.reply().await, error) {
            (Ok(reply), Error::Transfer { what, reason }) if reply.is_negative() => {
                Error::Transfer {
                    what,
                    reason: format!("{reason}; {}", crate::error::quote(&reply)),
                }
            }
            (_, error) => error,
        }
    }
}

impl Client {
    /// Opens a transfer: `command` (RETR, STOR, LIST, NLST), resuming at `offset` if > 0.
    pub async fn open_transfer(&mut self, command: Command, offset: u64) -> Result<Transfer<'_>> {
        let (is_file, path) = match &command {
            Command::Retr(path) | Command::Stor(path) | Command::Appe(path) => (true, Some(path)),
            Command::List(listing) | Command::Nlst(listing) => (false, listing.path.as_ref()),
            Command::Mlsd(path) => (false, path.as_ref()),
            other => {
                return Err(Error::Usage(format!(
                    "{} does not use a data connection",
                    other.verb()
                )))
            }
        };
        let path = path.map(|path| String::from_utf8_lossy(&path.0).into_owned());
        let path = path.as_deref();
        let downloading = !matches!(command, Command::Stor(_) | Command::Appe(_));
        // First, before this transfer's TYPE and REST: the top-up is a listing of its own, which
        // sends TYPE A and would take a REST already sent (an upload after it went in TYPE A, its
        // line ends changed by the server, and a resumed one lost its offset).
        if !downloading {
            self.top_up_tls_tickets().await;
        }
        let wanted = if is_file {
            self.options.transfer_type
        } else {
            TransferType::Ascii
        };
        self.ensure_type(wanted).await?;
        let ascii = is_file && wanted == TransferType::Ascii;
        let total = match (&command, path) {
            (Command::Retr(_), Some(path)) if !ascii => self.size(path).await.ok(),
            _ => None,
        };
        let mut start = 0;
        if offset > 0 {
            let reply = self.control.command(&Command::Rest(offset)).await?;
            if reply.code == ReplyCode::FileActionPending {
                start = offset;
            } else {
                self.control.note(&format!(
                    "-- REST refused ({}): transferring from the start",
                    reply.code
                ));
            }
        }
        self.ensure_protected().await?;
        let mode = self.options.mode;
        let pending = data::prepare(&mut self.control, mode, &mut self.fallbacks).await?;
        let reply = self.control.command(&command).await?;
        if !reply.is_preliminary() {
            // A refused STOR names a path that need not exist: not a "not found".
            let named = path.filter(|_| !matches!(command, Command::Stor(_) | Command::Appe(_)));
            return Err(refusal(command.verb(), named, reply));
        }
        let timeout = self.control.timeout();
        let tcp = pending.establish(timeout).await?;
        let stream = self.protect_data_connection(tcp).await?;
        let what = path.unwrap_or(".").to_string();
        Ok(Transfer {
            client: self,
            stream,
            what,
            offset: start,
            total,
            moved: 0,
            ascii,
            downloading,
        })
    }

    /// RETR `path` into `sink`, calling `progress` after each chunk. Returns the bytes received.
    pub async fn retrieve<W: AsyncWrite + Unpin>(
        &mut self,
        path: &str,
        sink: &mut W,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        let transfer = self.open_transfer(Command::Retr(path.into()), 0).await?;
        pump_down(transfer, AsyncSink(sink), "the output", progress).await
    }

    /// STOR `source` as `path`; `total` is only for progress. Returns the bytes sent.
    pub async fn store<R: AsyncRead + Unpin>(
        &mut self,
        path: &str,
        source: &mut R,
        total: Option<u64>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<u64> {
        let transfer = self.open_transfer(Command::Stor(path.into()), 0).await?;
        pump_up(transfer, AsyncSource::new(source), total, progress).await
    }

    /// LIST `path` (or the current directory): the server's listing text.
    pub async fn list(&mut self, path: Option<&str>) -> Result<String> {
        let bytes = self.listing(Command::List(listing_arg(path))).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// NLST `path` (or the current directory): the names, one per entry.
    pub async fn nlst(&mut self, path: Option<&str>) -> Result<Vec<String>> {
        let bytes = self.listing(Command::Nlst(listing_arg(path))).await?;
        let text = String::from_utf8_lossy(&bytes);
        Ok(text
            .lines()
            .map(|line| line.trim_end_matches('\r').to_string())
            .filter(|line| !line.is_empty())
            .collect())
    }

    async fn listing(&mut self, command: Command) -> Result<Vec<u8>> {
        let transfer = self.open_transfer(command, 0).await?;
        let mut out = Vec::new();
        pump_down(transfer, AsyncSink(&mut out), "the listing", |_| {}).await?;
        Ok(out)
    }
}

/// Sends an upload from `source`, then finishes it.
pub(crate) async fn pump_up(
    mut transfer: Transfer<'_>,
    mut source: impl Source,
    total: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<u64> {
    transfer.total = None;
    let mut wire = Vec::new();
    let mut to_crlf = LfToCrlf::default();
    loop {
        let chunk = match source.next().await {
            Ok(chunk) => chunk,
            Err(error) => {
                let error = Error::local("the input", error);
                return Err(transfer.abandon(error).await);
            }
        };
        if chunk.len == 0 {
            break;
        }
        let bytes = if transfer.ascii {
            wire.clear();
            to_crlf.convert(&chunk.bytes[..chunk.len], &mut wire);
            &wire[..]
        } else {
            &chunk.bytes[..chunk.len]
        };
        if let Err(error) = transfer.write_all(bytes).await {
            return Err(transfer.abandon(error).await);
        }
        source.recycle(chunk.bytes);
        progress(Progress {
            done: transfer.moved,
            total,
        });
    }
    transfer.finish().await
}

/// Copies a download to `sink`, then finishes it. Reads fill one buffer of [`CHUNK`] bytes, handed
/// to the sink when full, at the end, or [`HAND_OVER_EVERY`] after its oldest byte arrived, so that
/// a slow or pausing transfer still shows progress and reaches a pipe as it comes.
pub(crate) async fn pump_down(
    mut transfer: Transfer<'_>,
    mut sink: impl Sink,
    sink_name: &str,
    // Generic, not `&mut dyn FnMut`: a listing's no-op callback keeps the future `Send` (pget's and
    // mirror's sessions run on spawned tasks, and listing is part of opening a TLS upload).
    mut progress: impl FnMut(Progress),
) -> Result<u64> {
    let mut buffer = vec![0u8; CHUNK];
    let mut filled = 0;
    // TYPE A: the buffer's bytes converted to local line ends, the chunk that is handed over.
    let mut local = Vec::new();
    let mut from_crlf = CrlfToLf::default();
    // When the oldest byte in the buffer arrived.
    let mut oldest = Instant::now();
    loop {
        // With bytes waiting, wait for more only until they are due: a pause in the data must not
        // hold back what already arrived. (Dropping a pending read loses nothing; the stall timeout
        // starts again after the hand-over.)
        let reading = transfer.read(&mut buffer[filled..]);
        let read = if filled > 0 {
            let due = HAND_OVER_EVERY.saturating_sub(oldest.elapsed());
            tokio::time::timeout(due, reading).await
        } else {
            Ok(reading.await)
        };
        let (count, due) = match read {
            Ok(Ok(count)) => (count, false),
            Ok(Err(error)) => {
                // Keep what arrived (for `get -c`); the transfer's error is the one reported.
                let _ = sink.close().await;
                return Err(transfer.abandon(error).await);
            }
            Err(_) => (0, true),
        };
        if filled == 0 {
            oldest = Instant::now();
        }
        filled += count;
        let end = count == 0 && !due;
        if filled > 0 && (end || due || filled == CHUNK || oldest.elapsed() >= HAND_OVER_EVERY) {
            let chunk = if transfer.ascii {
                local.clear();
                from_crlf.convert(&buffer[..filled], &mut local);
                Chunk {
                    len: local.len(),
                    bytes: std::mem::take(&mut local),
                }
            } else {
                Chunk {
                    len: filled,
                    bytes: std::mem::take(&mut buffer),
                }
            };
            match sink.write(chunk).await {
                Ok(next) if transfer.ascii => local = next,
                Ok(next) => buffer = next,
                Err(error) => return Err(transfer.abandon(Error::local(sink_name, error)).await),
            }
            filled = 0;
            progress(transfer.progress());
        }
        if end {
            break;
        }
    }
    let last = from_crlf.finish();
    if !last.is_empty() {
        let chunk = Chunk {
            bytes: last.to_vec(),
            len: last.len(),
        };
        if let Err(error) = sink.write(chunk).await {
            return Err(transfer.abandon(Error::local(sink_name, error)).await);
        }
    }
    if let Err(error) = sink.close().await {
        return Err(transfer.abandon(Error::local(sink_name, error)).await);
    }
    transfer.finish().await
}

/// LIST/NLST's argument: the path as the user gave it (options such as `-la` included, as typed).
fn listing_arg(path: Option<&str>) -> ListingArg {
    ListingArg::path(path.map(PathArg::from))
}
