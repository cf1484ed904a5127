//! The storage layer: every file operation a session makes goes through [`Storage`], and nothing above
//! this module holds a real path (model: libunftp's `StorageBackend`, kept to what the handlers use).
//!
//! A session names files with [`VirtualPath`]s, which are confined lexically (no `..` above `/`). This
//! layer is the other half of the jail: [`local::LocalStorage`] opens the root directory once at start-up
//! and resolves every path *beneath that handle* in the kernel (`openat2` with `RESOLVE_BENEATH |
//! RESOLVE_NO_MAGICLINKS`, through `cap-std`), so a symlink or a rename can never lead an operation
//! outside, however it races with the check. What an operation acts on is the handle it opened, never a
//! path looked up again later:
//!
//! - RETR opens its file ([`Storage::open_file`]) and LIST/NLST their directory
//!   ([`Storage::open_listing`]) before the 150 reply; the transfer reads from that handle.
//! - STOR creates its upload ([`Storage::create_upload`]) in a handle on the target's directory and links
//!   it into that same directory when complete; APPE ([`Storage::append_upload`]) starts it as a copy of
//!   the old file, STOU ([`Storage::unique_upload`]) under a new name that its commit never replaces.
//! - DELE, RMD, MKD and RNTO resolve the parent directory and act on one name inside it (`unlinkat`,
//!   `mkdirat`, `renameat`), so a final symlink is the entry itself and is never followed.
//!
//! Modules:
//! - [`local`]: the one real implementation, on a local directory.
//! - [`upload`]: uploads written aside (an anonymous `O_TMPFILE`), put in place only when complete.
//! - [`faults`]: [`FaultPlan`] and [`faults::FaultyStorage`], the test-only fault injection, wrapped around
//!   the real storage when the configuration asks for it.
//!
//! Every operation that blocks runs on tokio's blocking pool (as `tokio::fs` does); nothing here blocks
//! on anything but the disk: special files are opened non-blocking and refused.

pub mod faults;
mod local;
mod upload;

use std::fmt;
use std::future::Future;
use std::io;
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::Config;
use crate::jail::VirtualPath;

pub use faults::{FaultPlan, ReadCut};
pub use local::LocalStorage;

/// What a storage operation returns: a future that owns everything it needs.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// Every file operation the FTP handlers need. Paths are the client's, already confined lexically; an
/// implementation must keep every operation inside its root whatever the file system does meanwhile.
pub trait Storage: Send + Sync + fmt::Debug {
    /// What `path` is, symlinks followed (CWD, SIZE, MDTM).
    fn metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat>;

    /// What the entry `path` is, a final symlink not followed (RNFR: the entry must exist).
    fn symlink_metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat>;

    /// Opens a regular file for reading, positioned at `offset` when that is not past its end (RETR).
    /// Anything but a regular file (a directory, FIFO, socket or device) is
    /// [`StorageError::NotAPlainFile`], found without blocking.
    fn open_file(&self, path: &VirtualPath, offset: u64) -> StorageFuture<'static, FileReader>;

    /// Opens a directory for listing, or one file to be listed alone (LIST, NLST).
    fn open_listing(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Listing>>;

    /// Starts an upload that will replace or create `path` (STOR). Nothing is visible under any name until
    /// [`Upload::commit`]; a directory at `path` is `IsADirectory`, a missing parent `NotFound`.
    fn create_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>>;

    /// Starts an upload that will be `path`'s old contents followed by what is written (APPE); a missing
    /// `path` starts empty, as for STOR. The old contents are copied aside first, so the file changes only
    /// on [`Upload::commit`], all at once (its permission bits are kept). Anything but a regular file at
    /// `path` is [`StorageError::NotAPlainFile`] (a symlink too: committing would replace the link).
    fn append_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>>;

    /// Starts an upload under a new name in `directory`, made up here and free when checked (STOU);
    /// returns the upload and that name. Its commit never replaces anything: should the name be taken
    /// meanwhile, the commit fails with `AlreadyExists`.
    fn unique_upload(
        &self,
        directory: &VirtualPath,
    ) -> StorageFuture<'static, (Box<dyn Upload>, Vec<u8>)>;

    /// SITE CHMOD: sets the permission bits of `path` (a symlink inside the root is followed).
    fn set_mode(&self, path: &VirtualPath, mode: u32) -> StorageFuture<'static, ()>;

    /// MKD.
    fn create_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()>;

    /// RMD: an empty directory; a symlink is not followed.
    fn remove_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()>;

    /// DELE: anything but a directory; a symlink itself is removed, never its target.
    fn remove_file(&self, path: &VirtualPath) -> StorageFuture<'static, ()>;

    /// RNFR/RNTO: both names resolved now, a final symlink renamed as itself.
    fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> StorageFuture<'static, ()>;

    /// A storage whose root is the directory `path` (resolved beneath this root, like every path): an
    /// account jailed to its home works on one, and can reach nothing outside it.
    fn beneath(&self, path: &VirtualPath) -> StorageFuture<'static, Arc<dyn Storage>>;
}

/// The storage a server with `config` uses: its root, with the configured faults when there are any.
pub fn open(config: &Config) -> io::Result<Arc<dyn Storage>> {
    let local = LocalStorage::open(&config.root)?;
    Ok(if config.faults.is_empty() {
        Arc::new(local)
    } else {
        Arc::new(faults::FaultyStorage::new(local, config.faults.clone()))
    })
}

/// Why a storage operation failed. The session maps each to its reply in one place.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The path, once symlinks are followed, leads outside the root.
    #[error("the path leads outside the root")]
    Escapes,
    /// RETR of a directory, FIFO, socket or device.
    #[error("not a plain file")]
    NotAPlainFile,
    /// The file system said no (missing, permission, name too long, disk full, ...).
    #[error(transparent)]
    Io(io::Error),
}

impl From<io::Error> for StorageError {
    /// Escapes are told apart from other failures (for the log; both refuse with 550): `cap-std` turns the
    /// kernel's `EXDEV` from `openat2(RESOLVE_BENEATH)`, and its own checks, into a `PermissionDenied`
    /// without an OS error and with its own message. A raw `EXDEV` is a rename across mounts, not this.
    fn from(error: io::Error) -> StorageError {
        let escaped = error.kind() == io::ErrorKind::PermissionDenied
            && error.raw_os_error().is_none()
            && error.to_string().contains("outside of the filesystem");
        if escaped {
            StorageError::Escapes
        } else {
            StorageError::Io(error)
        }
    }
}

impl From<StorageError> for io::Error {
    fn from(error: StorageError) -> io::Error {
        match error {
            StorageError::Io(error) => error,
            StorageError::Escapes => io::Error::new(io::ErrorKind::PermissionDenied, error),
            StorageError::NotAPlainFile => io::Error::other(error),
        }
    }
}

/// What kind of thing an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    /// A FIFO, socket or device.
    Other,
}

/// What LIST, SIZE, MDTM and CWD need to know about a file.
#[derive(Debug, Clone)]
pub struct Stat {
    pub kind: FileKind,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub links: u64,
    pub uid: u32,
    pub gid: u32,
    pub len: u64,
    pub modified: SystemTime,
    /// The device and inode numbers: together they name the object whatever its path (MLSx `unique`).
    pub dev: u64,
    pub ino: u64,
}

impl Stat {
    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Directory
    }

    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }
}

/// One entry of a listing: its name as raw bytes, and what it is (a symlink not followed).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub stat: Stat,
}

/// An open file for RETR.
pub struct FileReader {
    /// The whole file's length (the offset asked for is only applied when it is not past the end).
    pub len: u64,
    pub source: FileSource,
}

/// Where a RETR's bytes come from.
pub enum FileSource {
    /// A regular file on a local file system, positioned at the offset asked for: a binary transfer may
    /// hand its descriptor to the kernel (`sendfile`) instead of reading it through a buffer.
    Local(std::fs::File),
    /// Bytes that must be read through a buffer: a storage that is not a local file, or one (like the
    /// fault injection) that must see every read.
    Stream(Box<dyn AsyncRead + Send + Unpin>),
}

impl FileSource {
    /// The bytes as a stream, whatever the source: for transfers that convert them (TYPE A).
    pub fn into_reader(self) -> Box<dyn AsyncRead + Send + Unpin> {
        match self {
            FileSource::Local(file) => Box::new(tokio::fs::File::from_std(file)),
            FileSource::Stream(reader) => reader,
        }
    }
}

impl FileReader {
    /// The same file, to be read through a buffer only (no descriptor handed out).
    pub fn buffered(self) -> FileReader {
        FileReader {
            len: self.len,
            source: FileSource::Stream(self.source.into_reader()),
        }
    }
}

/// An open directory (or one file) being listed, read in batches so that memory stays flat.
pub trait Listing: Send {
    /// The next entries in the order the file system gives them (`.` and `..` left out); `None` at the
    /// end. A batch is small (a few hundred entries) whatever the directory's size.
    fn next_batch(&mut self) -> StorageFuture<'_, Option<Vec<Entry>>>;
}

/// An upload in progress: written aside, and put in place by [`Upload::commit`] only. Dropping it
/// without a commit leaves nothing behind, and the file it was to replace untouched.
pub trait Upload: AsyncWrite + Send + Unpin {
    /// Puts the complete upload in place under the name it was created for, replacing any file there.
    fn commit(self: Box<Self>) -> StorageFuture<'static, ()>;

    /// The descriptor of the local file being written, for a transfer that writes into it by offset
    /// with the kernel (`splice`) instead of through [`AsyncWrite`]; `None` (the default) keeps every
    /// byte on the `AsyncWrite` path. A caller that uses it writes from the file's current position (0,
    /// or the end of the old contents for APPE) and only that way.
    fn local_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn path(text: &str) -> VirtualPath {
        VirtualPath::root().join(text.as_bytes())
    }

    #[tokio::test]
    async fn uploads_appear_only_when_committed() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("keep"), b"old").unwrap();
        let storage = LocalStorage::open(root.path()).unwrap();
        let mut upload = storage.create_upload(&path("new")).await.unwrap();
        upload.write_all(b"hello").await.unwrap();
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
        upload.commit().await.unwrap();
        assert_eq!(std::fs::read(root.path().join("new")).unwrap(), b"hello");
        // Replacing is atomic, and an upload dropped before its commit changes nothing.
        let mut upload = storage.create_upload(&path("keep")).await.unwrap();
        upload.write_all(b"half").await.unwrap();
        drop(upload);
        assert_eq!(std::fs::read(root.path().join("keep")).unwrap(), b"old");
        let mut upload = storage.create_upload(&path("keep")).await.unwrap();
        upload.write_all(b"new").await.unwrap();
        upload.commit().await.unwrap();
        assert_eq!(std::fs::read(root.path().join("keep")).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 2);
    }

    #[tokio::test]
    async fn a_unique_upload_never_replaces_a_file_that_took_its_name() {
        let root = tempfile::tempdir().unwrap();
        let storage = LocalStorage::open(root.path()).unwrap();
        let (mut upload, name) = storage.unique_upload(&path("/")).await.unwrap();
        let name = String::from_utf8(name).unwrap();
        assert!(name.starts_with("stou-"), "{name}");
        upload.write_all(b"mine").await.unwrap();
        // Someone creates the announced name before the upload completes.
        std::fs::write(root.path().join(&name), b"theirs").unwrap();
        let error = io::Error::from(upload.commit().await.unwrap_err());
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(root.path().join(&name)).unwrap(), b"theirs");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[tokio::test]
    async fn an_append_upload_starts_with_the_old_contents() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("log"), b"old,").unwrap();
        let storage = LocalStorage::open(root.path()).unwrap();
        let mut upload = storage.append_upload(&path("log")).await.unwrap();
        upload.write_all(b"new").await.unwrap();
        assert_eq!(std::fs::read(root.path().join("log")).unwrap(), b"old,");
        upload.commit().await.unwrap();
        assert_eq!(std::fs::read(root.path().join("log")).unwrap(), b"old,new");
    }

    #[tokio::test]
    async fn links_out_of_the_root_are_refused_and_links_inside_followed() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).unwrap();
        std::fs::create_dir(root.path().join("in")).unwrap();
        std::os::unix::fs::symlink("in", root.path().join("alias")).unwrap();
        // Absolute links are refused even when they point inside, as under chroot.
        std::os::unix::fs::symlink(root.path().join("in"), root.path().join("absolute")).unwrap();
        let storage = LocalStorage::open(root.path()).unwrap();
        let escapes =
            |result: Result<Stat, StorageError>| matches!(result, Err(StorageError::Escapes));
        assert!(escapes(storage.metadata(&path("out/secret")).await));
        assert!(escapes(storage.metadata(&path("out")).await));
        assert!(escapes(storage.metadata(&path("absolute")).await));
        assert!(matches!(
            storage.open_file(&path("out/secret"), 0).await,
            Err(StorageError::Escapes)
        ));
        assert!(matches!(
            storage.create_upload(&path("out/new")).await,
            Err(StorageError::Escapes)
        ));
        assert!(matches!(
            storage.create_dir(&path("out/new")).await,
            Err(StorageError::Escapes)
        ));
        assert!(storage.metadata(&path("alias")).await.unwrap().is_dir());
        assert!(storage.create_dir(&path("alias/new")).await.is_ok());
        assert!(root.path().join("in/new").is_dir());
        // The link itself may be looked at and removed; its target is untouched.
        let link = storage.symlink_metadata(&path("out")).await.unwrap();
        assert_eq!(link.kind, FileKind::Symlink);
        storage.remove_file(&path("out")).await.unwrap();
        assert!(outside.path().join("secret").exists());
        assert!(!outside.path().join("new").exists());
    }

    #[test]
    fn escapes_are_told_apart_from_other_errors() {
        let cap_std_escape = io::Error::new(
            io::ErrorKind::PermissionDenied,
            "a path led outside of the filesystem",
        );
        assert!(matches!(
            StorageError::from(cap_std_escape),
            StorageError::Escapes
        ));
        let across_mounts = io::Error::from_raw_os_error(rustix::io::Errno::XDEV.raw_os_error());
        assert!(matches!(
            StorageError::from(across_mounts),
            StorageError::Io(_)
        ));
        let denied = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(matches!(StorageError::from(denied), StorageError::Io(_)));
    }
}
