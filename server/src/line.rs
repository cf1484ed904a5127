//! Reads control-connection lines with a hard length limit.
//!
//! A line ends at LF (a preceding CR is dropped, bare LF is accepted). A line longer than [`MAX_LINE`] is
//! never buffered whole: once the limit is passed the rest is discarded up to its LF and the caller is told
//! [`Line::TooLong`]. Reading is cancel-safe, so the session can `select!` on it.
//!
//! The control socket is read through [`ControlSource`], which also wakes on TCP urgent data: clients send
//! ABOR after a Telnet Synch whose DM byte is urgent, and Linux may signal the bytes that follow it only
//! as "priority" readiness (EPOLLPRI) rather than a new "readable" edge. Waiting on readable alone then
//! leaves `ABOR` unread in the socket until something else arrives (seen: 4 in 10 aborts lost).

use std::future::Future;
use std::io;

use tokio::io::Interest;
use tokio::net::tcp::OwnedReadHalf;

/// Where control bytes come from.
pub trait ControlSource {
    /// Reads at least one byte (0 at end of stream). Cancel-safe.
    fn read_some<'a>(
        &'a mut self,
        buffer: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
}

impl ControlSource for OwnedReadHalf {
    async fn read_some(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        loop {
            let ready = self.ready(Interest::READABLE | Interest::PRIORITY).await?;
            let stream: &tokio::net::TcpStream = self.as_ref();
            match stream.try_read(buffer) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    // Woken for urgent data with nothing to read in line: forget that wake-up, or the
                    // next wait would return at once and spin.
                    if ready.is_priority() {
                        let _ = stream.try_io(Interest::PRIORITY, || {
                            Err::<(), _>(io::ErrorKind::WouldBlock.into())
                        });
                    }
                }
                result => return result,
            }
        }
    }
}

#[cfg(test)]
impl ControlSource for &[u8] {
    async fn read_some(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        tokio::io::AsyncReadExt::read(self, buffer).await
    }
}

/// Bytes that arrive in the given segments, one read each, as TCP may deliver them.
#[cfg(test)]
impl ControlSource for std::collections::VecDeque<Vec<u8>> {
    async fn read_some(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let Some(mut segment) = self.pop_front() else {
            return Ok(0);
        };
        let len = segment.len().min(buffer.len());
        buffer[..len].copy_from_slice(&segment[..len]);
        if len < segment.len() {
            self.push_front(segment.split_off(len));
        }
        Ok(len)
    }
}

/// The longest line accepted, LF included.
pub const MAX_LINE: usize = 4096;

/// What the next read produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A line without its line ending.
    Complete(Vec<u8>),
    /// A line over the limit, discarded.
    TooLong,
    /// The peer closed the connection (a partial last line is dropped).
    Closed,
}

/// Splits a byte stream into lines; counts every byte read, for the session statistics.
pub struct LineReader<R> {
    reader: R,
    buffer: Vec<u8>,
    discarding: bool,
    bytes_read: u64,
}

impl<R: ControlSource> LineReader<R> {
    pub fn new(reader: R) -> LineReader<R> {
        LineReader {
            reader,
            buffer: Vec::with_capacity(256),
            discarding: false,
            bytes_read: 0,
        }
    }

    /// The source, for replacing it when the connection is upgraded to TLS.
    pub fn source_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// Whether bytes past the last line returned are waiting in the buffer.
    pub fn has_buffered(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Total bytes read from the connection so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line. Cancel-safe: state changes only after a read completes.
    pub async fn next_line(&mut self) -> std::io::Result<Line> {
        loop {
            if let Some(end) = self.buffer.iter().position(|byte| *byte == b'\n') {
                let mut line: Vec<u8> = self.buffer.drain(..=end).collect();
                // The limit holds however TCP split the line: a read may complete a line that is
                // over the limit before the buffer alone reached it.
                if std::mem::take(&mut self.discarding) || line.len() > MAX_LINE {
                    return Ok(Line::TooLong);
                }
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Line::Complete(line));
            }
            if self.buffer.len() >= MAX_LINE {
                self.discarding = true;
                self.buffer.clear();
            }
            let mut chunk = [0u8; 1024];
            let read = self.reader.read_some(&mut chunk).await?;
            if read == 0 {
                return Ok(Line::Closed);
            }
            self.bytes_read += read as u64;
            self.buffer.extend_from_slice(&chunk[..read]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8]) -> Vec<Line> {
        let mut reader = LineReader::new(input);
        let mut out = Vec::new();
        for _ in 0..100 {
            let line = reader.next_line().await.unwrap();
            let closed = line == Line::Closed;
            out.push(line);
            if closed {
                break;
            }
        }
        out
    }

    #[tokio::test]
    async fn crlf_and_bare_lf() {
        assert_eq!(
            lines(b"NOOP\r\nSYST\nPWD").await,
            vec![
                Line::Complete(b"NOOP".to_vec()),
                Line::Complete(b"SYST".to_vec()),
                Line::Closed
            ]
        );
    }

    #[tokio::test]
    async fn long_line_is_discarded_and_the_next_one_read() {
        let mut input = vec![b'A'; 10_000];
        input.extend_from_slice(b"\r\nNOOP\r\n");
        assert_eq!(
            lines(&input).await,
            vec![
                Line::TooLong,
                Line::Complete(b"NOOP".to_vec()),
                Line::Closed
            ]
        );
    }

    #[tokio::test]
    async fn a_line_of_exactly_the_limit_is_accepted() {
        let mut input = vec![b'A'; MAX_LINE - 2];
        input.extend_from_slice(b"\r\n");
        assert_eq!(
            lines(&input).await[0],
            Line::Complete(vec![b'A'; MAX_LINE - 2])
        );
    }

    /// Regression: the limit was checked only while no LF was buffered, so a 5 KiB line whose LF came in
    /// a second segment (4,000 bytes, then 1,000) was accepted.
    #[tokio::test]
    async fn line_limit_is_hard_when_tcp_splits_the_line() {
        let mut second = vec![b'A'; 998];
        second.extend_from_slice(b"\r\nNOOP\r\n");
        let segments = std::collections::VecDeque::from([vec![b'A'; 4000], second]);
        let mut reader = LineReader::new(segments);
        assert_eq!(reader.next_line().await.unwrap(), Line::TooLong);
        assert_eq!(
            reader.next_line().await.unwrap(),
            Line::Complete(b"NOOP".to_vec())
        );
    }

    #[tokio::test]
    async fn a_line_one_over_the_limit_is_refused() {
        let mut input = vec![b'A'; MAX_LINE - 1];
        input.extend_from_slice(b"\r\n");
        assert_eq!(lines(&input).await[0], Line::TooLong);
    }
}
