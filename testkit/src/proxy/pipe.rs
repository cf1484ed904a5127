//! One direction of a proxied connection: forwards chunks to the writer and applies the connection's
//! [`Fault`] when its byte position is reached.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::fault::{Direction, Fault, FaultCounts, FaultKind};
use super::rng::SeededRng;

/// Why a direction stopped forwarding before its sender's EOF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// A half-close fault: FIN sent to this direction's receiver; the other direction goes on.
    HalfClosed,
    /// Close the whole connection, with RST (`reset`) or FIN.
    Kill { reset: bool },
}

/// Where a pipe counts its fault: once per connection, though both directions may apply it.
#[derive(Clone, Copy)]
pub(crate) struct FaultCounter<'a> {
    pub(crate) counts: &'a FaultCounts,
    pub(crate) fired: &'a AtomicBool,
}

/// The forwarding state of one direction.
pub(crate) struct FaultyPipe<'a> {
    fault: &'a Fault,
    direction: Direction,
    counter: FaultCounter<'a>,
    rng: SeededRng,
    sent: u64,
    fired: bool,
}

impl<'a> FaultyPipe<'a> {
    pub(crate) fn new(
        fault: &'a Fault,
        direction: Direction,
        counter: FaultCounter<'a>,
        rng: SeededRng,
    ) -> FaultyPipe<'a> {
        FaultyPipe {
            fault,
            direction,
            counter,
            rng,
            sent: 0,
            fired: false,
        }
    }

    fn fire(&mut self, kind: FaultKind) {
        if !self.fired {
            self.fired = true;
            if !self.counter.fired.swap(true, Ordering::Relaxed) {
                self.counter.counts.fired(kind);
            }
        }
    }

    /// Forwards `bytes` (an empty slice checks a fault positioned at byte 0). Returns the cut when the
    /// fault ends this direction or the connection.
    pub(crate) async fn send<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
        bytes: &[u8],
    ) -> io::Result<Option<Cut>> {
        match *self.fault {
            Fault::None => self.forward(writer, bytes).await.map(|()| None),
            Fault::OneByteSegments { bytes: limit } => {
                let mut rest = bytes;
                while self.sent < limit && !rest.is_empty() {
                    self.fire(FaultKind::OneByteSegments);
                    self.forward(writer, &rest[..1]).await?;
                    rest = &rest[1..];
                }
                self.forward(writer, rest).await.map(|()| None)
            }
            Fault::Delay { base, jitter } => {
                if !bytes.is_empty() {
                    self.fire(FaultKind::Delay);
                    let jitter_ms = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
                    let extra = Duration::from_millis(self.rng.below(jitter_ms.saturating_add(1)));
                    tokio::time::sleep(base + extra).await;
                }
                self.forward(writer, bytes).await.map(|()| None)
            }
            Fault::Stall {
                direction,
                at_byte,
                pause,
            } => match self.split_at_fault(direction, at_byte, bytes) {
                Some((head, tail)) => {
                    self.forward(writer, head).await?;
                    self.fire(FaultKind::Stall);
                    tokio::time::sleep(pause).await;
                    self.forward(writer, tail).await.map(|()| None)
                }
                None => self.forward(writer, bytes).await.map(|()| None),
            },
            Fault::HalfClose { direction, at_byte } => {
                self.cut_at(writer, direction, at_byte, bytes, FaultKind::HalfClose)
                    .await
            }
            Fault::Reset { direction, at_byte } => {
                self.cut_at(writer, direction, at_byte, bytes, FaultKind::Reset)
                    .await
            }
            Fault::Drop { direction, at_byte } => {
                self.cut_at(writer, direction, at_byte, bytes, FaultKind::Drop)
                    .await
            }
        }
    }

    /// Where a positioned fault falls in this chunk, if it fires now: the bytes before it and after it.
    fn split_at_fault<'b>(
        &self,
        direction: Direction,
        at_byte: u64,
        bytes: &'b [u8],
    ) -> Option<(&'b [u8], &'b [u8])> {
        if self.fired || direction != self.direction {
            return None;
        }
        let end = self.sent + bytes.len() as u64;
        if at_byte > end || (bytes.is_empty() && at_byte != self.sent) {
            return None;
        }
        let head = usize::try_from(at_byte - self.sent.min(at_byte)).unwrap_or(bytes.len());
        Some(bytes.split_at(head.min(bytes.len())))
    }

    async fn cut_at<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
        direction: Direction,
        at_byte: u64,
        bytes: &[u8],
        kind: FaultKind,
    ) -> io::Result<Option<Cut>> {
        let Some((head, _)) = self.split_at_fault(direction, at_byte, bytes) else {
            return self.forward(writer, bytes).await.map(|()| None);
        };
        self.forward(writer, head).await?;
        self.fire(kind);
        Ok(Some(match kind {
            FaultKind::HalfClose => {
                // The receiver sees EOF; a failed shutdown means it is gone already, which is also EOF.
                let _ = writer.shutdown().await;
                Cut::HalfClosed
            }
            FaultKind::Reset => Cut::Kill { reset: true },
            _ => Cut::Kill { reset: false },
        }))
    }

    async fn forward<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut W,
        bytes: &[u8],
    ) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        writer.write_all(bytes).await?;
        writer.flush().await?;
        self.sent += bytes.len() as u64;
        self.counter.counts.forwarded(bytes.len());
        Ok(())
    }
}
