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
//! A small download goes out on tokio's non-blocking socket: a call lets the kernel move what fits,
//! and when nothing fits it waits for the socket to be writable and tries again (`try_io`, so a
//! `EAGAIN` clears tokio's readiness and the next wait is real). A large one, or whatever the
//! socket's buffer does not take at once, is sent from a thread of its own with the socket taken off
//! the reactor and blocking ([`send_rest_on_thread`]), while one of [`SENDING_THREADS`] is free. The
//! file is read at an explicit offset, so the descriptor's own position is never relied on. Reading
//! the file itself may block on the disk, as it would in `vsftpd`: on a warm page cache that is a
//! memory copy inside the kernel, and a chunk is bounded by [`MAX_CHUNK`]. Likewise the pipe-to-file
//! half of a splice writes at most one pipe's worth (1 MiB) into the page cache inline.

use std::fs::File;
use std::io;
use std::net::Shutdown;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    /// The socket took nothing for the whole stall limit.
    Stalled,
}

/// Sends up to `count` bytes (at most [`MAX_CHUNK`]) of `file` from `*offset` to `stream`, waiting
/// until the socket can take some if it takes none at once, and advances `*offset` by what was sent.
/// `Ok(0)` means the file ended before `*offset` (with `count > 0`).
pub async fn send_chunk(
    stream: &TcpStream,
    file: &File,
    offset: &mut u64,
    count: u64,
) -> Result<usize, TransferError> {
    let count = at_most_a_chunk(count);
    // Tried once before asking tokio: a socket accepted a moment ago is writable, but tokio learns so
    // only on the reactor's next turn, and waiting for that turn was a yield and a wake-up more for
    // every small RETR. A failure here leaves tokio's readiness as it was; the loop below clears it.
    match rustix::fs::sendfile(stream, file, Some(&mut *offset), count) {
        Ok(sent) => return Ok(sent),
        Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
        Err(error) => return Err(sendfile_failure(error.into())),
    }
    loop {
        stream.writable().await.map_err(TransferError::Socket)?;
        let sent = stream.try_io(Interest::WRITABLE, || {
            rustix::fs::sendfile(stream, file, Some(&mut *offset), count).map_err(io::Error::from)
        });
        match sent {
            Ok(sent) => return Ok(sent),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(sendfile_failure(error)),
        }
    }
}

/// `count`, or [`MAX_CHUNK`] if that is less.
fn at_most_a_chunk(count: u64) -> usize {
    usize::try_from(count).unwrap_or(MAX_CHUNK).min(MAX_CHUNK)
}

/// Whose fault a failed `sendfile` was: it reports both sides' failures through one `errno`.
fn sendfile_failure(error: io::Error) -> TransferError {
    let socket = matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::NotConnected
            | io::ErrorKind::TimedOut
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
    );
    if socket {
        TransferError::Socket(error)
    } else {
        TransferError::File(error)
    }
}

/// How many downloads may each have a thread of their own at once. A thread per download is what
/// `vsftpd` and `proftpd` have (a process per session), and with it a large RETR keeps pace with
/// theirs; past a few per core it buys nothing, and tokio's blocking pool (512 threads) must keep
/// room for the file-system calls of every other session. Downloads beyond this stay on the reactor.
pub static SENDING_THREADS: ThreadBudget = ThreadBudget::new(32);

/// A number of threads that transfers may claim, one each.
pub struct ThreadBudget {
    limit: usize,
    taken: AtomicUsize,
}

impl ThreadBudget {
    pub const fn new(limit: usize) -> ThreadBudget {
        ThreadBudget {
            limit,
            taken: AtomicUsize::new(0),
        }
    }

    /// One thread, or `None` when every one is taken.
    pub fn claim(&'static self) -> Option<ThreadClaim> {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                (taken < self.limit).then_some(taken + 1)
            })
            .ok()
            .map(|_| ThreadClaim(self))
    }

    #[cfg(test)]
    fn in_use(&self) -> usize {
        self.taken.load(Ordering::Acquire)
    }
}

/// A claim on one thread of a [`ThreadBudget`], given back when dropped.
pub struct ThreadClaim(&'static ThreadBudget);

impl Drop for ThreadClaim {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Shuts the socket down when the transfer's future is dropped (ABOR, the session's end), which wakes
/// the thread out of a `sendfile` blocked on a full socket (`EPIPE`), so it ends at once.
struct ShutDownOnDrop(Option<Arc<std::net::TcpStream>>);

impl Drop for ShutDownOnDrop {
    fn drop(&mut self) {
        if let Some(socket) = &self.0 {
            let _ = socket.shutdown(Shutdown::Both);
        }
    }
}

/// Sends the rest of `file`, from `offset` to `end`, on a thread of the blocking pool with the socket in
/// blocking mode, then closes the write side so that the client sees end-of-file; returns where the
/// file's bytes got to (short of `end` when the file ended early).
///
/// Why a thread: driven by readiness, every refill of the socket's buffer was a wake-up of the
/// reactor's thread and a poll of the task, and on a busy machine those hop between tokio's workers;
/// a thread asleep inside `sendfile` is woken by the kernel as the buffer drains, as `proftpd`'s is.
/// The stall limit becomes the socket's send timeout (`SO_SNDTIMEO`): a call that moves nothing
/// for that long fails with `EAGAIN`.
pub async fn send_rest_on_thread(
    claim: ThreadClaim,
    socket: TcpStream,
    file: File,
    offset: u64,
    end: u64,
    stall_limit: Duration,
    counter: Arc<AtomicU64>,
) -> (u64, Result<(), TransferError>) {
    let socket = match blocking(socket, stall_limit) {
        Ok(socket) => Arc::new(socket),
        Err(error) => return (offset, Err(TransferError::Socket(error))),
    };
    let mut guard = ShutDownOnDrop(Some(Arc::clone(&socket)));
    let thread = tokio::task::spawn_blocking(move || {
        let _claim = claim;
        let mut offset = offset;
        let sent = send_blocking(&socket, &file, &mut offset, end, &counter);
        (offset, sent)
    });
    let ended = match thread.await {
        Ok(ended) => ended,
        Err(error) => (offset, Err(TransferError::Socket(io::Error::other(error)))),
    };
    if ended.1.is_ok() {
        // Sent and shut down for writing (or the file ended early): nothing to cut short.
        guard.0 = None;
    }
    ended
}

/// The socket out of tokio's hands, blocking, with the stall limit as its send timeout, and corked.
///
/// Corked (`TCP_CORK`), as `proftpd` sends a file: the kernel then sends only full segments until the
/// socket is shut down, which pushes out the last one. Without it, each time the send buffer filled
/// and `sendfile` went to sleep, what was queued went out as a short segment: a 1 GiB RETR took about
/// 44,000 segments on loopback (data and ACKs, `OutSegs`) against 24,000 corked, the client woke
/// twice as often, and the transfer ran at about 0.8× `proftpd`'s speed; corked, 0.99-1.0× in
/// alternating A/B runs (Linux 6.18).
fn blocking(socket: TcpStream, stall_limit: Duration) -> io::Result<std::net::TcpStream> {
    let socket = socket.into_std()?;
    socket.set_nonblocking(false)?;
    // A zero timeout would mean none at all.
    socket.set_write_timeout(Some(stall_limit.max(Duration::from_millis(1))))?;
    socket2::SockRef::from(&socket).set_tcp_cork(true)?;
    Ok(socket)
}

fn send_blocking(
    socket: &std::net::TcpStream,
    file: &File,
    offset: &mut u64,
    end: u64,
    counter: &AtomicU64,
) -> Result<(), TransferError> {
    while *offset < end {
        let count = at_most_a_chunk(end - *offset);
        match rustix::fs::sendfile(socket, file, Some(&mut *offset), count) {
            Ok(0) => return Ok(()),
            Ok(sent) => {
                counter.fetch_add(sent as u64, Ordering::Relaxed);
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(rustix::io::Errno::AGAIN) => return Err(TransferError::Stalled),
            Err(error) => return Err(sendfile_failure(error.into())),
        }
    }
    socket
        .shutdown(Shutdown::Write)
        .map_err(TransferError::Socket)
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

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A sparse file of `len` bytes (zeros), and a connected pair: the server's side and the client's.
    async fn file_and_connection(len: u64) -> (tempfile::TempDir, File, TcpStream, TcpStream) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        let file = File::create(&path).unwrap();
        file.set_len(len).unwrap();
        let file = File::open(&path).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (dir, file, server, client)
    }

    /// Waits (at most 5 s) until nothing of `budget` is claimed.
    async fn until_all_given_back(budget: &ThreadBudget) {
        for _ in 0..500 {
            if budget.in_use() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{} thread(s) still claimed after 5 s", budget.in_use());
    }

    #[test]
    fn a_budget_gives_out_its_threads_and_no_more_and_takes_them_back() {
        static BUDGET: ThreadBudget = ThreadBudget::new(2);
        let first = BUDGET.claim().unwrap();
        let _second = BUDGET.claim().unwrap();
        assert!(BUDGET.claim().is_none());
        drop(first);
        assert!(BUDGET.claim().is_some());
    }

    #[tokio::test]
    async fn a_socket_handed_to_a_thread_blocks_times_out_at_the_stall_limit_and_is_corked() {
        let (_dir, _file, server, _client) = file_and_connection(0).await;
        let limit = Duration::from_secs(7);
        let socket = blocking(server, limit).unwrap();
        let socket = socket2::SockRef::from(&socket);
        assert!(!socket.nonblocking().unwrap());
        assert_eq!(socket.write_timeout().unwrap(), Some(limit));
        assert!(socket.tcp_cork().unwrap());
    }

    #[tokio::test]
    async fn a_whole_file_arrives_byte_for_byte_from_an_offset_and_then_end_of_file() {
        static BUDGET: ThreadBudget = ThreadBudget::new(1);
        let len = 20 * 1024 * 1024 + 3;
        let (_dir, file, server, mut client) = file_and_connection(len).await;
        let counter = Arc::new(AtomicU64::new(0));
        let send = send_rest_on_thread(
            BUDGET.claim().unwrap(),
            server,
            file,
            7,
            len,
            Duration::from_secs(10),
            Arc::clone(&counter),
        );
        let mut received = Vec::new();
        let (ended, read) = tokio::join!(send, client.read_to_end(&mut received));
        assert_eq!(ended.0, len);
        assert!(ended.1.is_ok());
        assert_eq!(read.unwrap() as u64, len - 7);
        assert!(received.iter().all(|&byte| byte == 0));
        assert_eq!(counter.load(Ordering::Relaxed), len - 7);
        until_all_given_back(&BUDGET).await;
    }

    /// A file that shrank after it was opened: the thread stops where it ends, and says so.
    #[tokio::test]
    async fn a_file_that_ends_early_stops_the_send_where_it_ends() {
        static BUDGET: ThreadBudget = ThreadBudget::new(1);
        let len = 4 * 1024 * 1024;
        let (_dir, file, server, mut client) = file_and_connection(len).await;
        let counter = Arc::new(AtomicU64::new(0));
        let hour = Duration::from_secs(3600);
        let claim = BUDGET.claim().unwrap();
        let send = send_rest_on_thread(claim, server, file, 0, 2 * len, hour, counter);
        let mut received = Vec::new();
        let (ended, read) = tokio::join!(send, client.read_to_end(&mut received));
        assert_eq!(ended.0, len);
        assert!(ended.1.is_ok(), "{:?}", ended.1);
        assert_eq!(
            read.unwrap() as u64,
            len,
            "the connection ends after the file's bytes"
        );
        until_all_given_back(&BUDGET).await;
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_given_up_after_the_stall_limit() {
        static BUDGET: ThreadBudget = ThreadBudget::new(1);
        let len = 256 * 1024 * 1024;
        let (_dir, file, server, _client) = file_and_connection(len).await;
        let counter = Arc::new(AtomicU64::new(0));
        let claim = BUDGET.claim().unwrap();
        let limit = Duration::from_millis(300);
        let send = send_rest_on_thread(claim, server, file, 0, len, limit, Arc::clone(&counter));
        let (reached, ended) = tokio::time::timeout(Duration::from_secs(10), send)
            .await
            .expect("the stall limit ends the send");
        assert!(matches!(ended, Err(TransferError::Stalled)), "{ended:?}");
        assert!(reached > 0 && reached < len);
        assert_eq!(counter.load(Ordering::Relaxed), reached);
        until_all_given_back(&BUDGET).await;
    }

    /// ABOR, or the session's end, drops the transfer while its thread is blocked on a full socket:
    /// the thread must end at once (not at the stall limit) and the client must see the connection end.
    #[tokio::test]
    async fn dropping_the_send_ends_its_thread_and_closes_the_connection() {
        static BUDGET: ThreadBudget = ThreadBudget::new(1);
        let len = 256 * 1024 * 1024;
        let (_dir, file, server, mut client) = file_and_connection(len).await;
        let counter = Arc::new(AtomicU64::new(0));
        let hour = Duration::from_secs(3600);
        let send =
            send_rest_on_thread(BUDGET.claim().unwrap(), server, file, 0, len, hour, counter);
        // Long enough for the socket to fill and the thread to block on it.
        let dropped = tokio::time::timeout(Duration::from_millis(300), send).await;
        assert!(
            dropped.is_err(),
            "the client reads nothing: the send cannot finish"
        );
        until_all_given_back(&BUDGET).await;
        let mut sink = vec![0u8; 1024 * 1024];
        let mut received = 0u64;
        let read_all = async {
            loop {
                match client.read(&mut sink).await {
                    Ok(0) | Err(_) => return,
                    Ok(read) => received += read as u64,
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read_all)
            .await
            .expect("the connection ends");
        assert!(received < len);
    }
}
