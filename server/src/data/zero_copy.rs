//! Zero-copy transfers: a RETR's bytes go from the page cache to the TCP socket with `sendfile(2)`, and
//! a STOR's from the socket into the file with `splice(2)` through a pipe, never through a buffer of
//! ours.
//!
//! Why a raw system call at all: copying through a user-space buffer costs two copies and two system
//! calls per chunk (plus a blocking-pool hop per `tokio::fs` read), which held a binary RETR to about
//! half of what `vsftpd` (which uses `sendfile`) reaches on the same machine. This is the one place the
//! server makes such calls; they go through `rustix`'s safe wrappers, so no `unsafe` is needed. For
//! STOR the copy through our buffer (plus a blocking-pool hop per write) cost 2-3× the CPU of `vsftpd`;
//! splicing cut the server's CPU per GiB to about half of it, and was kept because it measured so.
//!
//! The data socket stays non-blocking and owned by tokio: each call waits for the socket to be writable,
//! then lets the kernel move what fits (`try_io`, so a `EAGAIN` clears tokio's readiness and the next
//! wait is real). The file is read at an explicit offset, so the descriptor's own position is never
//! relied on. Reading the file itself may block on the disk, as it would in `vsftpd`: on a warm page
//! cache that is a memory copy inside the kernel, and a chunk is bounded by [`MAX_CHUNK`]. Likewise the
//! pipe-to-file half of a splice writes at most one pipe's worth (1 MiB) into the page cache inline.

use std::fs::File;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use rustix::pipe::{PipeFlags, SpliceFlags};

use tokio::io::Interest;
use tokio::net::TcpStream;

/// The most one call asks the kernel to send: large enough that the call overhead vanishes, small enough
/// that a fast reader cannot keep the task inside one call for long (ABOR and shutdown wait for it).
pub const MAX_CHUNK: usize = 8 * 1024 * 1024;

/// Why a zero-copy transfer failed: the two sides map to different replies (426, and 451 for a file
/// that cannot be read or 452/552 for one that cannot be written).
#[derive(Debug)]
pub enum TransferError {
    /// The data connection broke (reset, closed by the peer).
    Socket(io::Error),
    /// The file could not be read or written.
    File(io::Error),
}

/// Sends up to `count` bytes (at most [`MAX_CHUNK`]) of `file` from `*offset` to `stream`, waiting until
/// the socket can take some, and advances `*offset` by what was sent. `Ok(0)` means the file ended
/// before `*offset` (with `count > 0`).
pub async fn send_chunk(
    stream: &TcpStream,
    file: &File,
    offset: &mut u64,
    count: u64,
) -> Result<usize, TransferError> {
    let count = usize::try_from(count).unwrap_or(MAX_CHUNK).min(MAX_CHUNK);
    loop {
        stream.writable().await.map_err(TransferError::Socket)?;
        let sent = stream.try_io(Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, file, Some(&mut *offset), count).map_err(io::Error::from)
        });
        match sent {
            Ok(sent) => return Ok(sent),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if is_socket_error(&error) => return Err(TransferError::Socket(error)),
            Err(error) => return Err(TransferError::File(error)),
        }
    }
}

/// `sendfile` reports both sides' failures through one `errno`: these are the socket's.
fn is_socket_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::TimedOut
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
    )
}

/// A pipe for receiving with `splice(2)`: socket → pipe moves page references, pipe → file copies once
/// into the page cache, so an upload never passes through a buffer of ours either.
pub struct SplicePipe {
    read: OwnedFd,
    write: OwnedFd,
    size: usize,
}

/// What a pipe holds when it cannot be enlarged (the kernel's default).
const DEFAULT_PIPE_SIZE: usize = 64 * 1024;

/// What we ask a pipe to hold: 1 MiB is what an unprivileged process may set by default.
const PIPE_SIZE: usize = 1024 * 1024;

impl SplicePipe {
    pub fn new() -> io::Result<SplicePipe> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC)?;
        let size = rustix::pipe::fcntl_setpipe_size(&write, PIPE_SIZE).unwrap_or(DEFAULT_PIPE_SIZE);
        Ok(SplicePipe { read, write, size })
    }
}

/// Receives what the socket has (up to the pipe's size, waiting until there is something) and writes it
/// to `file` at `*offset`, advancing it. `Ok(0)` is the end of the upload (the peer closed).
pub async fn receive_chunk(
    stream: &TcpStream,
    pipe: &SplicePipe,
    file: BorrowedFd<'_>,
    offset: &mut u64,
) -> Result<usize, TransferError> {
    loop {
        stream.readable().await.map_err(TransferError::Socket)?;
        let received = stream.try_io(Interest::READABLE, || {
            rustix::pipe::splice(
                stream,
                None,
                &pipe.write,
                None,
                pipe.size,
                SpliceFlags::MOVE | SpliceFlags::NONBLOCK,
            )
            .map_err(io::Error::from)
        });
        let received = match received {
            Ok(received) => received,
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(error) => return Err(TransferError::Socket(error)),
        };
        // The pipe now holds exactly `received` bytes: move them all to the file (this may wait on the
        // disk, as a `write` would).
        let mut left = received;
        while left > 0 {
            match rustix::pipe::splice(
                &pipe.read,
                None,
                file,
                Some(&mut *offset),
                left,
                SpliceFlags::MOVE,
            ) {
                Ok(0) => {
                    let error = io::Error::new(io::ErrorKind::WriteZero, "the file took no bytes");
                    return Err(TransferError::File(error));
                }
                Ok(written) => left -= written,
                Err(rustix::io::Errno::INTR) => {}
                Err(error) => return Err(TransferError::File(error.into())),
            }
        }
        return Ok(received);
    }
}
