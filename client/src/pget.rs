//! `get --segments N`: one file over N sessions at once, each fetching its own byte range with REST
//! and writing it into place in a pre-sized local file (positioned writes, no assembly step).
//!
//! The ranges split SIZE evenly. Every segment but the last stops reading at its range's end and
//! drops its data connection (the server's 426 or 226 is read and ignored; that session ends). The
//! last reads to the end, so its transfer is checked as any download is (final 2yz reply, every byte).
//! Each segment checks it got exactly its range, and a server that refuses REST fails the download
//! instead of writing a wrong file. Always TYPE I, whatever the session's type.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ftp_proto::Command;
use tokio::task::JoinSet;

use crate::client::TransferType;
use crate::connect::Login;
use crate::error::{Error, Result};
use crate::local::CHUNK;

/// The byte ranges `[start, end)` of `segments` near-equal parts of `size` (fewer for small files: no
/// empty range, at least one).
pub fn ranges(size: u64, segments: usize) -> Vec<(u64, u64)> {
    let count = (segments.max(1) as u64).min(size.max(1));
    let part = size / count;
    (0..count)
        .map(|index| {
            let start = index * part;
            let end = if index + 1 == count {
                size
            } else {
                start + part
            };
            (start, end)
        })
        .collect()
}

/// Downloads `remote` into `local` over `segments` sessions; `progress` gets the bytes done so far
/// (all segments together) and the total. Returns the file's size.
pub async fn get_segmented(
    login: &Login,
    remote: &str,
    local: &Path,
    segments: usize,
    progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
) -> Result<u64> {
    let mut first = login.open().await?;
    // Binary only: ranges are byte offsets of the file as stored, and some servers (ProFTPD) refuse
    // SIZE in ASCII mode.
    first.ensure_type(TransferType::Binary).await?;
    let size = first.size(remote).await?;
    let _ = first.quit().await;
    let path = local.to_path_buf();
    let file = tokio::task::spawn_blocking(move || -> std::io::Result<File> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)?;
        file.set_len(size)?;
        Ok(file)
    })
    .await
    .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    .map_err(|error| Error::local(local, error))?;
    let file = Arc::new(file);
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    let all = ranges(size, segments);
    let last = all.len() - 1;
    for (index, (start, end)) in all.into_iter().enumerate() {
        let segment = Segment {
            login: login.clone(),
            remote: remote.to_string(),
            local: local.to_path_buf(),
            file: file.clone(),
            start,
            end,
            is_last: index == last,
            done: done.clone(),
            progress: progress.clone(),
            total: size,
        };
        tasks.spawn(segment.fetch());
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        let outcome = joined.unwrap_or_else(|error| {
            Err(Error::Transfer {
                what: remote.to_string(),
                reason: format!("a segment stopped: {error}"),
            })
        });
        if let Err(error) = outcome {
            // The first failure is the one reported; the others stop on their own.
            first_error.get_or_insert(error);
            tasks.abort_all();
        }
    }
    match first_error {
        Some(error) => Err(error),
        None => Ok(size),
    }
}

/// One range of the file and where it goes.
struct Segment {
    login: Login,
    remote: String,
    local: PathBuf,
    file: Arc<File>,
    start: u64,
    end: u64,
    is_last: bool,
    done: Arc<AtomicU64>,
    progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
    total: u64,
}

impl Segment {
    async fn fetch(self) -> Result<()> {
        let mut client = self.login.open().await?;
        client.set_transfer_type(TransferType::Binary);
        let mut transfer = client
            .open_transfer(Command::Retr(self.remote.as_str().into()), self.start)
            .await?;
        if transfer.offset() != self.start {
            let error = Error::Transfer {
                what: self.remote.clone(),
                reason: format!(
                    "the server refused REST {}: cannot fetch in segments",
                    self.start
                ),
            };
            return Err(transfer.abandon(error).await);
        }
        let mut position = self.start;
        let mut buffer = vec![0u8; CHUNK];
        // Bounded: every turn moves `position` forward or ends.
        while position < self.end {
            let count = match transfer.read(&mut buffer).await {
                Ok(0) => break,
                Ok(count) => count,
                Err(error) => return Err(transfer.abandon(error).await),
            };
            let wanted = usize::try_from(self.end - position)
                .unwrap_or(usize::MAX)
                .min(count);
            // Inline, as a single download writes a regular file (see `crate::local`).
            if let Err(error) = self.file.write_all_at(&buffer[..wanted], position) {
                return Err(transfer.abandon(Error::local(&self.local, error)).await);
            }
            position += wanted as u64;
            let so_far = self.done.fetch_add(wanted as u64, Ordering::Relaxed) + wanted as u64;
            (self.progress)(so_far, self.total);
        }
        if position != self.end {
            let error = Error::Transfer {
                what: self.remote.clone(),
                reason: format!("segment {}..{} ended at {position}", self.start, self.end),
            };
            return Err(transfer.abandon(error).await);
        }
        if self.is_last {
            transfer.finish().await?;
            let _ = client.quit().await;
        } else {
            // Our range is in: stop the rest of the file. The server's reply to that is not ours to
            // judge, and the session ends here.
            let _ = transfer
                .abandon(Error::Usage("segment complete".into()))
                .await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_file_exactly() {
        assert_eq!(ranges(10, 3), [(0, 3), (3, 6), (6, 10)]);
        assert_eq!(ranges(2, 4), [(0, 1), (1, 2)]);
        assert_eq!(ranges(0, 4), [(0, 0)]);
        for (size, segments) in [(1u64 << 30, 4), (7, 7), (1_000_003, 16)] {
            let parts = ranges(size, segments);
            assert_eq!(parts.first().map(|p| p.0), Some(0));
            assert_eq!(parts.last().map(|p| p.1), Some(size));
            assert!(parts.windows(2).all(|w| w[0].1 == w[1].0));
        }
    }
}
