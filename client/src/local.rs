//! The local end of a transfer (a file, a device such as `/dev/null`, a FIFO or stdout), in buffers
//! of [`CHUNK`] bytes. A download into a regular file writes each buffer inline ([`InlineFile`]);
//! anything else is read or written by one blocking thread, the buffers handed over through a
//! bounded channel. Downloads and TYPE A uploads go this way; a TYPE I upload of a file is
//! `sendfile(2)` ([`crate::zerocopy`]).
//!
//! Why not `tokio::fs`: it runs every read and write as a separate job on the blocking pool and
//! copies the bytes through a buffer of its own. With the 64 KiB chunks the client used, a 1 GiB
//! download was 16,000 pool round trips (33,000 futex calls, `strace -c`) and cost more CPU than
//! curl on a 2-core machine where the server needs the other core.
//!
//! Why a regular file is written inline, as curl writes it and as the server reads its files: a
//! write into the page cache is a memory copy, bounded by one buffer, and a thread of its own made
//! three busy threads (the server's, the network side's, the writer's) on two cores. Measured on
//! this project's 2-core machine, 1 GiB from our server to a file, 5 rounds each: 333-622 MB/s with
//! the writer thread, 817-961 MB/s inline, curl 694-947 MB/s. A device, a FIFO or stdout may block
//! for as long as its reader likes, so those keep the thread.
//!
//! Why [`CHUNK`] is 64 KiB (lftp's size), not 1 MiB: the kernel took less time to put the same GiB
//! into the page cache in 64 KiB writes than in larger ones on this project's machine (Linux 6.18,
//! ext4). 1 GiB to a file, system time of five alternating rounds: 0.56-1.31 s with 64 KiB buffers,
//! 1.04-2.95 s with 128 KiB, curl (8 KiB writes) 0.85-1.38 s; with 1 MiB buffers and the writer
//! thread the download ran at 255-450 MB/s.

use std::io::{self, Read, Write};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The size of each buffer: large enough that the system calls per GiB (16,384 on each side) cost
/// little, small enough for the kernel's cheap path into the page cache (see the module's notes).
pub(crate) const CHUNK: usize = 64 * 1024;
/// Buffers waiting in the channel: one being filled, this many queued, one being written.
const QUEUED: usize = 2;

/// A buffer of [`CHUNK`] bytes and how many of them are data.
pub(crate) struct Chunk {
    pub(crate) bytes: Vec<u8>,
    pub(crate) len: usize,
}

/// What went wrong with a thread that ended without saying (it panicked or was cancelled).
fn lost(error: tokio::task::JoinError) -> io::Error {
    io::Error::other(format!("the local I/O thread stopped: {error}"))
}

/// A buffer the other side is done with, or a new one; at most `QUEUED + 2` are ever made.
fn recycled(empty: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Vec<u8> {
    full_size(empty.try_recv().unwrap_or_default())
}

/// `bytes`, grown to at least [`CHUNK`] bytes, to be filled again.
fn full_size(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() < CHUNK {
        bytes.resize(CHUNK, 0);
    }
    bytes
}

/// Where a download's bytes go, a buffer at a time.
pub(crate) trait Sink {
    /// Writes `chunk.bytes[..chunk.len]`; returns a buffer of at least [`CHUNK`] bytes to fill next.
    async fn write(&mut self, chunk: Chunk) -> io::Result<Vec<u8>>;
    /// Writes whatever is still queued and flushes.
    async fn close(self) -> io::Result<()>;
}

/// A writer thread: owns `out` until [`Sink::close`].
pub(crate) struct WriterThread {
    full: mpsc::Sender<Chunk>,
    empty: mpsc::UnboundedReceiver<Vec<u8>>,
    thread: JoinHandle<io::Result<()>>,
}

impl WriterThread {
    pub(crate) fn spawn<W: Write + Send + 'static>(mut out: W) -> WriterThread {
        let (full, mut queued) = mpsc::channel::<Chunk>(QUEUED);
        let (done, empty) = mpsc::unbounded_channel();
        let thread = tokio::task::spawn_blocking(move || {
            while let Some(chunk) = queued.blocking_recv() {
                out.write_all(&chunk.bytes[..chunk.len])?;
                // The receiving side is gone only when the transfer has ended: nothing to reuse.
                let _ = done.send(chunk.bytes);
            }
            out.flush()
        });
        WriterThread {
            full,
            empty,
            thread,
        }
    }

    /// The error that ended the thread (it stops at the first failed write).
    async fn failure(&mut self) -> io::Error {
        match (&mut self.thread).await {
            Ok(Err(error)) => error,
            Ok(Ok(())) => io::Error::other("the writer thread ended early"),
            Err(error) => lost(error),
        }
    }
}

impl Sink for WriterThread {
    async fn write(&mut self, chunk: Chunk) -> io::Result<Vec<u8>> {
        if self.full.send(chunk).await.is_err() {
            return Err(self.failure().await);
        }
        Ok(recycled(&mut self.empty))
    }

    async fn close(self) -> io::Result<()> {
        drop(self.full);
        self.thread.await.map_err(lost)?
    }
}

/// A regular file, written inline in the transfer's task (see the module's notes).
pub(crate) struct InlineFile(pub(crate) std::fs::File);

impl Sink for InlineFile {
    async fn write(&mut self, chunk: Chunk) -> io::Result<Vec<u8>> {
        self.0.write_all(&chunk.bytes[..chunk.len])?;
        Ok(full_size(chunk.bytes))
    }

    async fn close(mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Any `AsyncWrite` (a `Vec`, a socket, tokio's stdout) as a [`Sink`]: the library's
/// [`crate::Client::retrieve`] and the listings.
pub(crate) struct AsyncSink<'a, W>(pub(crate) &'a mut W);

impl<W: tokio::io::AsyncWrite + Unpin> Sink for AsyncSink<'_, W> {
    async fn write(&mut self, chunk: Chunk) -> io::Result<Vec<u8>> {
        tokio::io::AsyncWriteExt::write_all(self.0, &chunk.bytes[..chunk.len]).await?;
        Ok(full_size(chunk.bytes))
    }

    async fn close(self) -> io::Result<()> {
        tokio::io::AsyncWriteExt::flush(self.0).await
    }
}

/// Where an upload's bytes come from, a buffer at a time.
pub(crate) trait Source {
    /// The next buffer and how many bytes of it are data; `len` 0 at the end of the input.
    async fn next(&mut self) -> io::Result<Chunk>;
    /// Gives back a buffer that was sent, to be filled again.
    fn recycle(&mut self, bytes: Vec<u8>);
}

/// Any `AsyncRead` as a [`Source`]: the library's [`crate::Client::store`].
pub(crate) struct AsyncSource<'a, R> {
    input: &'a mut R,
    spare: Vec<u8>,
}

impl<'a, R> AsyncSource<'a, R> {
    pub(crate) fn new(input: &'a mut R) -> AsyncSource<'a, R> {
        AsyncSource {
            input,
            spare: Vec::new(),
        }
    }
}

impl<R: tokio::io::AsyncRead + Unpin> Source for AsyncSource<'_, R> {
    async fn next(&mut self) -> io::Result<Chunk> {
        let mut bytes = full_size(std::mem::take(&mut self.spare));
        let len = tokio::io::AsyncReadExt::read(self.input, &mut bytes).await?;
        Ok(Chunk { bytes, len })
    }

    fn recycle(&mut self, bytes: Vec<u8>) {
        self.spare = bytes;
    }
}

/// A reader thread: reads `input` to its end into full buffers, ahead of the network.
pub(crate) struct ReaderThread {
    full: mpsc::Receiver<io::Result<Chunk>>,
    empty: mpsc::UnboundedSender<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderThread {
    pub(crate) fn spawn<R: Read + Send + 'static>(mut input: R) -> ReaderThread {
        let (filled, full) = mpsc::channel(QUEUED);
        let (empty, mut returned) = mpsc::unbounded_channel();
        let thread = tokio::task::spawn_blocking(move || loop {
            let mut bytes = recycled(&mut returned);
            let read = fill(&mut input, &mut bytes);
            let end = !matches!(read, Ok(len) if len > 0);
            let sent = read.map(|len| Chunk { bytes, len });
            // A closed channel means the transfer was given up: stop reading.
            if filled.blocking_send(sent).is_err() || end {
                return;
            }
        });
        ReaderThread {
            full,
            empty,
            thread: Some(thread),
        }
    }
}

impl Source for ReaderThread {
    async fn next(&mut self) -> io::Result<Chunk> {
        match self.full.recv().await {
            Some(read) => read,
            None => match self.thread.take() {
                Some(thread) => match thread.await {
                    Ok(()) => Err(io::Error::other("the reader thread ended early")),
                    Err(error) => Err(lost(error)),
                },
                None => Err(io::Error::other("read past the end of the input")),
            },
        }
    }

    fn recycle(&mut self, bytes: Vec<u8>) {
        // The thread is gone only after the end of the input or an error: nothing to fill then.
        let _ = self.empty.send(bytes);
    }
}

/// Reads until `buffer` is full or the input ends; the bytes read.
fn fill(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < buffer.len() {
        match input.read(&mut buffer[len..]) {
            Ok(0) => break,
            Ok(count) => len += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(len)
}
