//! Uploads written aside, so that an aborted or failed STOR, APPE or STOU never replaces, truncates or
//! leaves anything. An APPE's upload starts as a copy of the old file, so the appended file too appears
//! whole or not at all; a STOU's is linked without replacing anything.
//!
//! The bytes go to an anonymous file made with `O_TMPFILE` in the target's directory, through the
//! directory handle opened when the upload started: no client can name it, list it or collide with it,
//! and it vanishes with its descriptor if the upload fails, the server dies, or the directory is moved
//! meanwhile. When every byte has arrived it gets its name with `linkat` (through `/proc/self/fd`, the
//! unprivileged way), into that same directory handle: straight under the target's name when it is
//! free, else under a random name first and then `renameat` over the old file, atomically.
//!
//! Where `O_TMPFILE` or `/proc` is missing, the file is created under a random 128-bit dotfile name
//! instead, renamed into place on commit and unlinked through the handle otherwise. Either way the
//! temporary name is short and random, so a 255-byte target name works.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use cap_std::fs::Dir;
use rustix::fs::{AtFlags, Mode, OFlags, RenameFlags};
use rustix::io::Errno;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::{StorageError, StorageFuture, Upload};

/// An upload on a local file system.
pub struct LocalUpload {
    file: Option<tokio::fs::File>,
    place: Placement,
}

/// Where the upload goes, and the temporary name it has if it has one.
struct Placement {
    directory: Dir,
    name: OsString,
    /// `None` for an anonymous `O_TMPFILE`; else the random name to rename from (or remove).
    temporary: Option<OsString>,
    /// Whether the commit replaces a file that has `name` (STOR, APPE) or fails instead (STOU).
    replace: bool,
}

impl LocalUpload {
    /// Creates the upload's file in `directory`, to become `name` there on commit (STOR).
    pub fn create(directory: Dir, name: OsString) -> io::Result<LocalUpload> {
        LocalUpload::aside(directory, name, true, None)
    }

    /// An upload that starts as a copy of `old` (its bytes and permission bits), to replace `name` on
    /// commit (APPE). The copy is the kernel's (`copy_file_range`, a reflink where the file system can).
    pub fn appending(
        directory: Dir,
        name: OsString,
        old: std::fs::File,
    ) -> io::Result<LocalUpload> {
        LocalUpload::aside(directory, name, true, Some(old))
    }

    /// An upload whose commit gives it `name` only if nothing has it by then (STOU).
    pub fn unique(directory: Dir, name: OsString) -> io::Result<LocalUpload> {
        LocalUpload::aside(directory, name, false, None)
    }

    fn aside(
        directory: Dir,
        name: OsString,
        replace: bool,
        old: Option<std::fs::File>,
    ) -> io::Result<LocalUpload> {
        let (mut file, temporary) = match anonymous_file(&directory)? {
            Some(file) => (file, None),
            None => {
                let temporary = random_name();
                let file = rustix::fs::openat(
                    &directory,
                    temporary.as_os_str(),
                    OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::WRONLY
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o666),
                )?;
                (std::fs::File::from(file), Some(temporary))
            }
        };
        // From here on, dropping the placement removes a temporary name if the copy fails.
        let place = Placement {
            directory,
            name,
            temporary,
            replace,
        };
        if let Some(mut old) = old {
            io::copy(&mut old, &mut file)?;
            file.set_permissions(old.metadata()?.permissions())?;
        }
        Ok(LocalUpload {
            file: Some(tokio::fs::File::from_std(file)),
            place,
        })
    }
}

/// An `O_TMPFILE` in `directory`, or `None` where the file system or a missing `/proc` rules it out.
fn anonymous_file(directory: &Dir) -> io::Result<Option<std::fs::File>> {
    if rustix_linux_procfs::proc_self_fd().is_err() {
        return Ok(None);
    }
    let flags = OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC;
    match rustix::fs::openat(directory, ".", flags, Mode::from_raw_mode(0o666)) {
        Ok(file) => Ok(Some(std::fs::File::from(file))),
        // Not supported by this kernel or file system.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::NOENT | Errno::INVAL) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// `.upload-` and 32 random hex digits: unguessable, and short whatever the target's name.
fn random_name() -> OsString {
    OsString::from(format!(".upload-{}", random_hex::<16>()))
}

/// STOU's names: `stou-` and 16 random hex digits, short and unlikely ever to be taken.
pub fn unique_name() -> OsString {
    OsString::from(format!("stou-{}", random_hex::<8>()))
}

/// `N` random bytes in hex.
fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    // getrandom only fails before the kernel's pool is seeded at boot; the time and pid still make the
    // name unique, which is all the fallback needs (it is created with O_EXCL, or linked without
    // replacing).
    if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos())
            .unwrap_or_default();
        let seed = (nanos ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
        for (byte, from) in bytes.iter_mut().zip(seed.iter().cycle()) {
            *byte = *from;
        }
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Placement {
    /// Gives the complete file its name.
    fn put(mut self, file: &std::fs::File) -> io::Result<()> {
        let directory = &self.directory;
        let Some(temporary) = self.temporary.clone() else {
            let procfs = rustix_linux_procfs::proc_self_fd()?;
            let fd = rustix::path::DecInt::from_fd(file.as_fd());
            let link = |name: &OsStr| {
                rustix::fs::linkat(
                    procfs,
                    fd.as_c_str(),
                    directory,
                    name,
                    AtFlags::SYMLINK_FOLLOW,
                )
            };
            return match link(&self.name) {
                // linkat never replaces: for STOU, a taken name is the failure it should be.
                Err(Errno::EXIST) if self.replace => {
                    let temporary = random_name();
                    link(&temporary)?;
                    // From here on, dropping `self` removes the temporary name if the rename fails.
                    self.temporary = Some(temporary.clone());
                    self.rename(&temporary)
                }
                other => Ok(other?),
            };
        };
        self.rename(&temporary)
    }

    fn rename(&mut self, temporary: &OsStr) -> io::Result<()> {
        let flags = if self.replace {
            RenameFlags::empty()
        } else {
            RenameFlags::NOREPLACE
        };
        rustix::fs::renameat_with(
            &self.directory,
            temporary,
            &self.directory,
            &self.name,
            flags,
        )?;
        self.temporary = None;
        Ok(())
    }
}

impl Drop for Placement {
    fn drop(&mut self) {
        // A temporary name still here means the upload was not put in place: remove it. One unlink
        // through the directory handle, small enough to do inline even on an async worker.
        if let Some(temporary) = self.temporary.take() {
            let _ = rustix::fs::unlinkat(&self.directory, temporary.as_os_str(), AtFlags::empty());
        }
    }
}

impl Upload for LocalUpload {
    fn commit(self: Box<Self>) -> StorageFuture<'static, ()> {
        Box::pin(async move {
            let LocalUpload { file, place } = *self;
            let Some(mut file) = file else {
                return Err(StorageError::Io(closed()));
            };
            file.flush().await?;
            let file = file.into_std().await;
            tokio::task::spawn_blocking(move || place.put(&file))
                .await
                .map_err(io::Error::other)??;
            Ok(())
        })
    }

    fn local_fd(&self) -> Option<BorrowedFd<'_>> {
        self.file.as_ref().map(AsFd::as_fd)
    }
}

impl AsyncWrite for LocalUpload {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.file.as_mut() {
            Some(file) => Pin::new(file).poll_write(cx, buf),
            None => Poll::Ready(Err(closed())),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.file.as_mut() {
            Some(file) => Pin::new(file).poll_flush(cx),
            None => Poll::Ready(Err(closed())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.file.as_mut() {
            Some(file) => Pin::new(file).poll_shutdown(cx),
            None => Poll::Ready(Err(closed())),
        }
    }
}

fn closed() -> io::Error {
    io::Error::other("upload already closed")
}
