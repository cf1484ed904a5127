//! Test-only fault injection: the one way to provoke a full disk without a real one.
//!
//! A test sets [`crate::Config::faults`]; the server then wraps its real storage in a [`FaultyStorage`],
//! which passes every operation through and fails uploads as the [`FaultPlan`] says. Normal servers
//! never see this type.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::{FileReader, FileSource, Listing, Stat, Storage, StorageFuture, Upload};
use crate::jail::VirtualPath;

/// Storage faults a test can inject; empty (no fault) by default.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    /// Writes to uploaded files fail with this error once this many bytes have been written.
    pub fail_writes_after: Option<(u64, io::ErrorKind)>,
    /// Downloads break (a read error, so the server ends the transfer early) once this many bytes
    /// were read from the file, for as many downloads as the count says; later ones go through. For
    /// clients' retry and resume tests.
    pub cut_reads: Option<ReadCut>,
}

/// How [`FaultPlan::cut_reads`] breaks downloads.
#[derive(Debug, Clone)]
pub struct ReadCut {
    /// Bytes read before the break.
    pub after: u64,
    /// Downloads still to break; shared by every session, taken one per opened file.
    pub remaining: Arc<AtomicUsize>,
}

impl ReadCut {
    /// Breaks the next `times` downloads after `after` bytes.
    pub fn new(after: u64, times: usize) -> ReadCut {
        ReadCut {
            after,
            remaining: Arc::new(AtomicUsize::new(times)),
        }
    }

    /// Takes one break if any is left.
    fn take(&self) -> bool {
        self.remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

impl FaultPlan {
    /// True when no fault is planned.
    pub fn is_empty(&self) -> bool {
        self.fail_writes_after.is_none() && self.cut_reads.is_none()
    }
}

/// A storage that fails as planned and otherwise does what `inner` does.
#[derive(Debug)]
pub struct FaultyStorage {
    inner: Arc<dyn Storage>,
    plan: FaultPlan,
}

impl FaultyStorage {
    pub fn new(inner: impl Storage + 'static, plan: FaultPlan) -> FaultyStorage {
        FaultyStorage {
            inner: Arc::new(inner),
            plan,
        }
    }
}

impl Storage for FaultyStorage {
    fn metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat> {
        self.inner.metadata(path)
    }

    fn symlink_metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat> {
        self.inner.symlink_metadata(path)
    }

    /// Reads go through a buffer here, never the kernel's zero-copy path, so that a fault planned on
    /// reads would see every one.
    fn open_file(&self, path: &VirtualPath, offset: u64) -> StorageFuture<'static, FileReader> {
        let file = self.inner.open_file(path, offset);
        let cut = self.plan.cut_reads.clone();
        Box::pin(async move {
            let file = file.await?.buffered();
            match cut {
                Some(cut) if file.len.saturating_sub(offset) > cut.after && cut.take() => {
                    Ok(FileReader {
                        len: file.len,
                        source: FileSource::Stream(Box::new(CutReader {
                            inner: file.source.into_reader(),
                            left: cut.after,
                        })),
                    })
                }
                _ => Ok(file),
            }
        })
    }

    fn open_listing(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Listing>> {
        self.inner.open_listing(path)
    }

    fn create_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>> {
        with_faults(self.inner.create_upload(path), self.plan.clone())
    }

    fn append_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>> {
        with_faults(self.inner.append_upload(path), self.plan.clone())
    }

    fn unique_upload(
        &self,
        directory: &VirtualPath,
    ) -> StorageFuture<'static, (Box<dyn Upload>, Vec<u8>)> {
        let upload = self.inner.unique_upload(directory);
        let plan = self.plan.clone();
        Box::pin(async move {
            let (upload, name) = upload.await?;
            let upload = with_faults(Box::pin(async { Ok(upload) }), plan).await?;
            Ok((upload, name))
        })
    }

    fn set_mode(&self, path: &VirtualPath, mode: u32) -> StorageFuture<'static, ()> {
        self.inner.set_mode(path, mode)
    }

    fn create_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        self.inner.create_dir(path)
    }

    fn remove_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        self.inner.remove_dir(path)
    }

    fn remove_file(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        self.inner.remove_file(path)
    }

    fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> StorageFuture<'static, ()> {
        self.inner.rename(from, to)
    }

    /// The faults follow into the subtree, so a jailed account sees them too.
    fn beneath(&self, path: &VirtualPath) -> StorageFuture<'static, Arc<dyn Storage>> {
        let subtree = self.inner.beneath(path);
        let plan = self.plan.clone();
        Box::pin(async move {
            let inner = subtree.await?;
            Ok(Arc::new(FaultyStorage { inner, plan }) as Arc<dyn Storage>)
        })
    }
}

/// The upload `upload` makes, failing its writes as `plan` says.
fn with_faults(
    upload: StorageFuture<'static, Box<dyn Upload>>,
    plan: FaultPlan,
) -> StorageFuture<'static, Box<dyn Upload>> {
    Box::pin(async move {
        let inner = upload.await?;
        Ok(match plan.fail_writes_after {
            Some(fail_after) => Box::new(FaultyUpload {
                inner,
                written: 0,
                fail_after,
            }) as Box<dyn Upload>,
            None => inner,
        })
    })
}

/// An upload whose write fails, whole, once it would take the total past the limit.
struct FaultyUpload {
    inner: Box<dyn Upload>,
    written: u64,
    fail_after: (u64, io::ErrorKind),
}

impl Upload for FaultyUpload {
    fn commit(self: Box<Self>) -> StorageFuture<'static, ()> {
        self.inner.commit()
    }
}

impl AsyncWrite for FaultyUpload {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (limit, kind) = self.fail_after;
        if self.written + buf.len() as u64 > limit {
            return Poll::Ready(Err(io::Error::new(kind, "injected storage fault")));
        }
        let written = std::task::ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        self.written += written as u64;
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A file read that fails once `left` bytes have been read.
struct CutReader {
    inner: Box<dyn AsyncRead + Send + Unpin>,
    left: u64,
}

impl AsyncRead for CutReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            return Poll::Ready(Err(io::Error::other("injected read fault")));
        }
        let room = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.remaining());
        let mut limited = ReadBuf::new(buf.initialize_unfilled_to(room));
        std::task::ready!(Pin::new(&mut self.inner).poll_read(cx, &mut limited))?;
        let read = limited.filled().len();
        buf.advance(read);
        self.left -= read as u64;
        Poll::Ready(Ok(()))
    }
}
