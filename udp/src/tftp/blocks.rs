//! Files as sequences of blocks: [`BlockSource`] cuts a reader into blocks of the negotiated
//! size (netascii-encoding on the way), [`BlockSink`] writes received blocks (decoding).

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::netascii::{Decoder, Encoder};
use super::packet::Mode;

/// Reads a file block by block.
pub struct BlockSource<R> {
    reader: R,
    encoder: Option<Encoder>,
    pending: Vec<u8>,
    raw: Vec<u8>,
    eof: bool,
}

impl<R: AsyncRead + Unpin> BlockSource<R> {
    pub fn new(reader: R, mode: Mode) -> Self {
        let encoder = (mode == Mode::Netascii).then_some(Encoder);
        BlockSource {
            reader,
            encoder,
            pending: Vec::new(),
            raw: vec![0; 64 * 1024],
            eof: false,
        }
    }

    /// The next block: exactly `blksize` bytes, or fewer at the end (possibly zero, which is
    /// how TFTP marks the end of a file whose size is a multiple of the block size).
    pub async fn next_block(&mut self, blksize: usize) -> io::Result<Vec<u8>> {
        while self.pending.len() < blksize && !self.eof {
            let n = self.reader.read(&mut self.raw).await?;
            if n == 0 {
                self.eof = true;
            } else if let Some(enc) = &mut self.encoder {
                enc.encode(&self.raw[..n], &mut self.pending);
            } else {
                self.pending.extend_from_slice(&self.raw[..n]);
            }
        }
        let take = blksize.min(self.pending.len());
        let rest = self.pending.split_off(take);
        Ok(std::mem::replace(&mut self.pending, rest))
    }
}

/// Writes received blocks to a file.
pub struct BlockSink<W> {
    writer: W,
    decoder: Option<Decoder>,
    scratch: Vec<u8>,
}

impl<W: AsyncWrite + Unpin> BlockSink<W> {
    pub fn new(writer: W, mode: Mode) -> Self {
        let decoder = (mode == Mode::Netascii).then(Decoder::default);
        BlockSink {
            writer,
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

    pub fn into_inner(self) -> W {
        self.writer
    }
}
