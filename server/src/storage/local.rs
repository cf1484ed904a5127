//! [`LocalStorage`]: the [`Storage`] on a local directory, opened once as a `cap_std::fs::Dir`.
//!
//! Every path is made relative (`VirtualPath::relative`) and resolved beneath that handle by `cap-std`,
//! which uses `openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` where the kernel has it and resolves
//! component by component with `O_NOFOLLOW` where it does not. A symlink that stays inside the root is
//! followed; one that leads outside, or an absolute one (as under `chroot`, where `/` is the root), fails
//! with [`StorageError::Escapes`]. Operations on a directory entry (remove, rename, create) resolve the
//! parent to a handle and act on the last name inside it.
//!
//! The calls block, so each runs on tokio's blocking pool (but for opening a file to send, which is
//! cheaper inline: see `LocalStorage::inline`); a listing reads one batch per call, so no thread waits
//! on a slow client.

use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, MetadataExt, OpenOptions, OpenOptionsExt, PermissionsExt};
use rustix::fs::{AtFlags, OFlags};

use super::upload::{self, LocalUpload};
use super::{
    Entry, FileKind, FileReader, FileSource, Listing, Stat, Storage, StorageError, StorageFuture,
    Upload,
};
use crate::jail::VirtualPath;

/// Entries per listing batch: enough to make the blocking-pool hop cheap, small enough to keep memory
/// per listing flat.
const LISTING_BATCH: usize = 256;

/// A local directory tree as a [`Storage`].
#[derive(Debug, Clone)]
pub struct LocalStorage {
    root: Arc<Dir>,
}

impl LocalStorage {
    /// Opens `root`, which must be a directory. This is the one use of an ambient path: from here on,
    /// everything is relative to the handle.
    pub fn open(root: &Path) -> io::Result<LocalStorage> {
        let root = Dir::open_ambient_dir(root, ambient_authority())?;
        Ok(LocalStorage {
            root: Arc::new(root),
        })
    }

    /// STOR's upload (`append` false) or APPE's (`append` true) for `path`, in a handle on its directory.
    fn upload(&self, path: &VirtualPath, append: bool) -> StorageFuture<'static, Box<dyn Upload>> {
        let parent = path.parent().relative();
        let name = path.file_name().map(OsStr::to_os_string);
        self.run(move |root| {
            let name = name.ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
            let directory = root.open_dir(&parent)?;
            let existing = directory.symlink_metadata(&name);
            match existing {
                Ok(entry) if entry.is_dir() => {
                    return Err(io::Error::from(io::ErrorKind::IsADirectory).into())
                }
                // APPE keeps what is there, so it must be a plain file: appending through a symlink
                // would replace the link with a file.
                Ok(entry) if append && !entry.is_file() => return Err(StorageError::NotAPlainFile),
                Ok(_) if append => {
                    let old = open_regular_file(&directory, Path::new(&name))?;
                    return Ok(
                        Box::new(LocalUpload::appending(directory, name, old)?) as Box<dyn Upload>
                    );
                }
                // A symlink is replaced as itself, but only one that is usable from inside: refuse what
                // leads outside or nowhere rather than let a client replace it blindly.
                Ok(entry) if entry.file_type().is_symlink() => match directory.metadata(&name) {
                    Ok(target) if target.is_dir() => {
                        return Err(io::Error::from(io::ErrorKind::IsADirectory).into())
                    }
                    Ok(_) => {}
                    Err(_) => return Err(StorageError::Escapes),
                },
                Ok(_) => {}
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                // A name the file system cannot hold (too long, say) is refused now, not after the data.
                Err(error) => return Err(error.into()),
            }
            Ok(Box::new(LocalUpload::create(directory, name)?) as Box<dyn Upload>)
        })
    }

    /// Runs `job` on the root handle at once, on the calling task's thread, for the one call on the
    /// hot path of every download: opening the file RETR sends. The hop to the blocking pool and back
    /// (two thread wake-ups) cost more than the open itself: 1,000 RETRs of a 4 KiB file ran at about
    /// 3,000/s with it and 3,700/s without, pure-ftpd's 4,000/s on the same machine. On a warm cache
    /// an `openat2` and an `fstat` take microseconds; a cold disk can hold this worker for one seek,
    /// as it holds nginx's event loop, which opens files inline for the same reason.
    fn inline<T, F>(&self, job: F) -> StorageFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Dir) -> Result<T, StorageError>,
    {
        let result = job(&self.root);
        Box::pin(std::future::ready(result))
    }

    /// Runs `job` on the root handle on the blocking pool.
    fn run<T, F>(&self, job: F) -> StorageFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Dir) -> Result<T, StorageError> + Send + 'static,
    {
        let root = self.root.clone();
        Box::pin(blocking(move || job(&root)))
    }
}

/// Runs `job` on the blocking pool; a panicked job is an I/O error, not a panic of the caller.
async fn blocking<T, F>(job: F) -> Result<T, StorageError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StorageError> + Send + 'static,
{
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|error| StorageError::Io(io::Error::other(error)))?
}

impl Storage for LocalStorage {
    fn metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat> {
        let path = path.relative();
        self.run(move |root| Ok(Stat::from(&root.metadata(&path)?)))
    }

    fn symlink_metadata(&self, path: &VirtualPath) -> StorageFuture<'static, Stat> {
        let path = path.relative();
        self.run(move |root| Ok(Stat::from(&root.symlink_metadata(&path)?)))
    }

    fn open_file(&self, path: &VirtualPath, offset: u64) -> StorageFuture<'static, FileReader> {
        let path = path.relative();
        self.inline(move |root| {
            let file = open_regular_file(root, &path)?;
            let len = file.metadata()?.len();
            if offset > 0 && offset <= len {
                io::Seek::seek(&mut &file, io::SeekFrom::Start(offset))?;
            }
            Ok(FileReader {
                len,
                source: FileSource::Local(file),
            })
        })
    }

    fn open_listing(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Listing>> {
        let relative = path.relative();
        let name = path.file_name().map(|name| name.as_bytes().to_vec());
        self.run(move |root| {
            // `open_dir` would give an `O_PATH` handle, which cannot read entries: open it for reading.
            let mut options = OpenOptions::new();
            options
                .read(true)
                .custom_flags(OFlags::DIRECTORY.bits() as i32);
            let state = match root.open_with(&relative, &options) {
                Ok(directory) => {
                    let reader =
                        rustix::fs::Dir::new(directory.into_std()).map_err(io::Error::from)?;
                    ListingState::Directory(reader)
                }
                // LIST of one file shows that file, under the name the client gave.
                Err(error)
                    if error.raw_os_error() == Some(rustix::io::Errno::NOTDIR.raw_os_error()) =>
                {
                    let stat = Stat::from(&root.metadata(&relative)?);
                    ListingState::Single(Entry {
                        name: name.unwrap_or_default(),
                        stat,
                    })
                }
                Err(error) => return Err(error.into()),
            };
            Ok(Box::new(LocalListing { state: Some(state) }) as Box<dyn Listing>)
        })
    }

    fn create_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>> {
        self.upload(path, false)
    }

    fn append_upload(&self, path: &VirtualPath) -> StorageFuture<'static, Box<dyn Upload>> {
        self.upload(path, true)
    }

    fn unique_upload(
        &self,
        directory: &VirtualPath,
    ) -> StorageFuture<'static, (Box<dyn Upload>, Vec<u8>)> {
        let relative = directory.relative();
        self.run(move |root| {
            let directory = root.open_dir(&relative)?;
            // A random name is all but certain to be free; a few tries make "taken" a non-event.
            for _ in 0..8 {
                let name = upload::unique_name();
                match directory.symlink_metadata(&name) {
                    Err(error) if error.kind() == io::ErrorKind::NotFound => {
                        let bytes = name.as_bytes().to_vec();
                        let upload = LocalUpload::unique(directory, name)?;
                        return Ok((Box::new(upload) as Box<dyn Upload>, bytes));
                    }
                    Ok(_) => continue,
                    Err(error) => return Err(error.into()),
                }
            }
            Err(io::Error::from(io::ErrorKind::AlreadyExists).into())
        })
    }

    fn set_mode(&self, path: &VirtualPath, mode: u32) -> StorageFuture<'static, ()> {
        let path = path.relative();
        self.run(move |root| {
            Ok(root.set_permissions(&path, cap_std::fs::Permissions::from_mode(mode))?)
        })
    }

    fn create_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        let path = path.relative();
        self.run(move |root| Ok(root.create_dir(&path)?))
    }

    fn remove_dir(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        let path = path.relative();
        self.run(move |root| Ok(root.remove_dir(&path)?))
    }

    fn remove_file(&self, path: &VirtualPath) -> StorageFuture<'static, ()> {
        let path = path.relative();
        self.run(move |root| Ok(root.remove_file(&path)?))
    }

    fn rename(&self, from: &VirtualPath, to: &VirtualPath) -> StorageFuture<'static, ()> {
        let (from, to) = (from.relative(), to.relative());
        self.run(move |root| Ok(root.rename(&from, root, &to)?))
    }

    fn beneath(&self, path: &VirtualPath) -> StorageFuture<'static, Arc<dyn Storage>> {
        let path = path.relative();
        self.run(move |root| {
            let subtree = root.open_dir(&path)?;
            Ok(Arc::new(LocalStorage {
                root: Arc::new(subtree),
            }) as Arc<dyn Storage>)
        })
    }
}

/// Opens a regular file for reading. `O_NONBLOCK` makes opening a FIFO return at once (instead of waiting
/// for a writer), `O_NOCTTY` keeps a terminal from becoming ours; then `fstat` on the open file decides,
/// so what is read is what was checked. Sockets cannot be opened at all (`ENXIO`).
fn open_regular_file(root: &Dir, path: &Path) -> Result<std::fs::File, StorageError> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32);
    let file = match root.open_with(path, &options) {
        Ok(file) => file.into_std(),
        Err(error)
            if [rustix::io::Errno::NXIO, rustix::io::Errno::NODEV]
                .iter()
                .any(|errno| error.raw_os_error() == Some(errno.raw_os_error())) =>
        {
            return Err(StorageError::NotAPlainFile)
        }
        Err(error) => return Err(error.into()),
    };
    if !file.metadata()?.is_file() {
        return Err(StorageError::NotAPlainFile);
    }
    // Back to blocking reads for the transfer (for a regular file the flag changes nothing, but the
    // descriptor then says what it is used for).
    rustix::fs::fcntl_setfl(&file, OFlags::empty()).map_err(io::Error::from)?;
    Ok(file)
}

/// Where a listing stands.
enum ListingState {
    Directory(rustix::fs::Dir),
    Single(Entry),
}

/// A directory (or one file) being listed; the state moves to the blocking pool for each batch and back.
struct LocalListing {
    state: Option<ListingState>,
}

impl Listing for LocalListing {
    fn next_batch(&mut self) -> StorageFuture<'_, Option<Vec<Entry>>> {
        Box::pin(async move {
            let Some(state) = self.state.take() else {
                return Ok(None);
            };
            let reader = match state {
                ListingState::Single(entry) => return Ok(Some(vec![entry])),
                ListingState::Directory(reader) => reader,
            };
            let (reader, batch) = blocking(move || {
                let mut reader = reader;
                let batch = read_batch(&mut reader)?;
                Ok((reader, batch))
            })
            .await?;
            if batch.is_empty() {
                return Ok(None);
            }
            self.state = Some(ListingState::Directory(reader));
            Ok(Some(batch))
        })
    }
}

/// Reads up to [`LISTING_BATCH`] entries and their metadata (symlinks not followed, relative to the open
/// directory). An empty batch is the end; an entry that vanished between reading and `stat` is skipped.
fn read_batch(reader: &mut rustix::fs::Dir) -> Result<Vec<Entry>, StorageError> {
    let mut batch = Vec::with_capacity(LISTING_BATCH);
    while batch.len() < LISTING_BATCH {
        let Some(entry) = reader.read() else { break };
        let entry = entry.map_err(io::Error::from)?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let directory = reader.fd().map_err(io::Error::from)?;
        match rustix::fs::statat(directory, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => batch.push(Entry {
                name: name.to_vec(),
                stat: Stat::from(&stat),
            }),
            Err(rustix::io::Errno::NOENT) => {}
            Err(error) => return Err(io::Error::from(error).into()),
        }
    }
    Ok(batch)
}

impl From<&cap_std::fs::Metadata> for Stat {
    fn from(meta: &cap_std::fs::Metadata) -> Stat {
        let file_type = meta.file_type();
        let kind = if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_file() {
            FileKind::File
        } else if file_type.is_symlink() {
            FileKind::Symlink
        } else {
            FileKind::Other
        };
        Stat {
            kind,
            mode: meta.permissions().mode() & 0o7777,
            links: meta.nlink(),
            uid: meta.uid(),
            gid: meta.gid(),
            len: meta.len(),
            modified: meta
                .modified()
                .map(|time| time.into_std())
                .unwrap_or(UNIX_EPOCH),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

impl From<&rustix::fs::Stat> for Stat {
    fn from(stat: &rustix::fs::Stat) -> Stat {
        use rustix::fs::FileType;
        let kind = match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => FileKind::File,
            FileType::Directory => FileKind::Directory,
            FileType::Symlink => FileKind::Symlink,
            _ => FileKind::Other,
        };
        // The field widths differ between architectures; every value here fits the wider type.
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let (links, seconds, nanos, dev, ino) = (
            stat.st_nlink as u64,
            stat.st_mtime as i64,
            stat.st_mtime_nsec as u32,
            stat.st_dev as u64,
            stat.st_ino as u64,
        );
        let modified = if seconds >= 0 {
            UNIX_EPOCH + Duration::new(seconds.unsigned_abs(), nanos)
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        };
        Stat {
            kind,
            mode: stat.st_mode & 0o7777,
            links,
            uid: stat.st_uid,
            gid: stat.st_gid,
            len: u64::try_from(stat.st_size).unwrap_or(0),
            modified,
            dev,
            ino,
        }
    }
}
