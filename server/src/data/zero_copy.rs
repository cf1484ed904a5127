//! Zero-copy sending: a file's bytes go from the page cache to a TCP socket with `sendfile(2)`, never
//! through a buffer of ours.
//!
//! Why a raw system call at all: copying through a user-space buffer costs two copies and two system
//! calls per chunk (plus a blocking-pool hop per `tokio::fs` read), which held a binary RETR to about
//! half of what `vsftpd` (which uses `sendfile`) reaches on the same machine. This is the one place the
//! server makes such a call; it goes through `rustix`'s safe wrapper, so no `unsafe` is needed.
//!
//! The data socket stays non-blocking and owned by tokio: each call waits for the socket to be writable,
//! then lets the kernel move what fits (`try_io`, so a `EAGAIN` clears tokio's readiness and the next
//! wait is real). The file is read at an explicit offset, so the descriptor's own position is never
//! relied on. Reading the file itself may block on the disk, as it would in `vsftpd`: on a warm page
//! cache that is a memory copy inside the kernel, and a chunk is bounded by [`MAX_CHUNK`].

use std::fs::File;
use std::io;

use tokio::io::Interest;
use tokio::net::TcpStream;

/// The most one call asks the kernel to send: large enough that the call overhead vanishes, small enough
/// that a fast reader cannot keep the task inside one call for long (ABOR and shutdown wait for it).
pub const MAX_CHUNK: usize = 8 * 1024 * 1024;

/// Why a zero-copy send failed: the two sides map to different replies (426 and 451).
#[derive(Debug)]
pub enum SendError {
    /// The data connection broke (reset, closed by the peer).
    Socket(io::Error),
    /// The file could not be read.
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
) -> Result<usize, SendError> {
    let count = usize::try_from(count).unwrap_or(MAX_CHUNK).min(MAX_CHUNK);
    loop {
        stream.writable().await.map_err(SendError::Socket)?;
        let sent = stream.try_io(Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, file, Some(&mut *offset), count).map_err(io::Error::from)
        });
        match sent {
            Ok(sent) => return Ok(sent),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if is_socket_error(&error) => return Err(SendError::Socket(error)),
            Err(error) => return Err(SendError::File(error)),
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
