//! Files as sequences of blocks: [`BlockSource`] cuts a reader into blocks of the negotiated
//! size (netascii-encoding on the way), [`BlockSink`] writes received blocks (decoding).
//!
//! Both sides buffer in chunks of [`CHUNK`] bytes, so a lock-step transfer with 512-byte blocks
//! touches the file (a `spawn_blocking` round trip with `tokio::fs`) once per 128 blocks rather
//! than once per block, and no block costs more than copying its own bytes.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufWriter};

use super::netascii::{Decoder, Encoder};
use super::packet::Mode;

/// Bytes read from or written to the file at a time.
pub const CHUNK: usize = 64 * 1024;

/// Reads a file block by block.
pub struct BlockSource<R> {
    reader: R,
    encoder: Option<Encoder>,
    /// Wire bytes not handed out yet are `pending[start..]`.
    pending: Vec<u8>,
    start: usize,
    /// Netascii only: file bytes before encoding.
    raw: Vec<u8>,
    eof: bool,
}

impl<R: AsyncRead + Unpin> BlockSource<R> {
    pub fn new(reader: R, mode: Mode) -> Self {
        let encoder = (mode == Mode::Netascii).then_some(Encoder);
        BlockSource {
            raw: if encoder.is_some() {
                vec![0; CHUNK]
            } else {
                Vec::new()
            },
            reader,
            encoder,
            pending: Vec::with_capacity(CHUNK),
            start: 0,
            eof: false,
        }
    }

    /// Append the next block to `out` and return its length: exactly `blksize` bytes, or
    /// fewer at the end (possibly zero, which is how TFTP marks the end of a file whose size is
    /// a multiple of the block size).
    pub async fn next_block_into(
        &mut self,
        blksize: usize,
        out: &mut Vec<u8>,
    ) -> io::Result<usize> {
        while self.pending.len() - self.start < blksize && !self.eof {
            // Keep only the unsent tail (less than one block), then refill behind it.
            self.pending.drain(..self.start);
            self.start = 0;
            let n = match &mut self.encoder {
                Some(enc) => {
                    let n = self.reader.read(&mut self.raw).await?;
                    enc.encode(&self.raw[..n], &mut self.pending);
                    n
                }
                None => {
                    // Octet: read straight into the block buffer, no second copy.
                    let len = self.pending.len();
                    self.pending.resize(len + CHUNK.max(blksize), 0);
                    match self.reader.read(&mut self.pending[len..]).await {
                        Ok(n) => {
                            self.pending.truncate(len + n);
                            n
                        }
                        Err(e) => {
                            self.pending.truncate(len);
                            return Err(e);
                        }
                    }
                }
            };
            self.eof = n == 0;
        }
        let take = blksize.min(self.pending.len() - self.start);
        out.extend_from_slice(&self.pending[self.start..self.start + take]);
        self.start += take;
        Ok(take)
    }
}

/// Writes received blocks to a file, through a [`CHUNK`]-sized buffer: call
/// [`finish`](Self::finish) to get everything to the writer.
pub struct BlockSink<W> {
    writer: BufWriter<W>,
    decoder: Option<Decoder>,
    scratch: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> BlockSink<W> {
    pub fn new(writer: W, mode: Mode) -> Self {
        let decoder = (mode == Mode::Netascii).then(Decoder::default);
        BlockSink {
            writer: BufWriter::with_capacity(CHUNK, writer),
            decoder,
            scratch: Vec::new(),
        }
    }

    pub async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.decoder {
            Some(dec) => {
                self.scratch.clear();
                dec.decode(data, &mut self.scratch);
                self.writer.write_all(&self.scratch).await
            }
            None => self.writer.write_all(data).await,
        }
    }

    /// Flush everything, including a dangling netascii CR.
    pub async fn finish(&mut self) -> io::Result<()> {
        if let Some(dec) = &mut self.decoder {
            self.scratch.clear();
            dec.finish(&mut self.scratch);
            self.writer.write_all(&self.scratch).await?;
        }
        self.writer.flush().await
    }

    /// The writer; anything not yet [`finish`](Self::finish)ed is dropped.
    pub fn into_inner(self) -> W {
        self.writer.into_inner()
    }
}
