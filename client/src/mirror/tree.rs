//! Reading the two sides of a mirror into [`Tree`]s: the remote one through listings (MLSD, else LIST
//! plus MDTM for exact times), the local one through the file system. Symbolic links and special files
//! are left out on both sides (and counted), so a mirror never follows a link out of its tree.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use ftp_proto::listing::EntryKind;

use super::plan::{FileInfo, Node, Tree};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::listing::ListingStyle;

/// Directories deeper than this are not entered: a bound on the walk, far beyond real trees.
pub const MAX_DEPTH: usize = 64;

/// A side read into a tree, with what was left out.
#[derive(Debug, Default)]
pub struct Scanned {
    pub tree: Tree,
    /// False when the root itself does not exist (a fresh destination).
    pub exists: bool,
    /// Symbolic links, devices and the like that were not mirrored.
    pub skipped: Vec<String>,
}

/// `root` joined with a relative `path`, `/`-separated; an empty root is the login directory.
pub fn remote_join(root: &str, path: &str) -> String {
    match (root, path) {
        ("", path) => path.to_string(),
        (root, "") => root.to_string(),
        (root, path) if root.ends_with('/') => format!("{root}{path}"),
        (root, path) => format!("{root}/{path}"),
    }
}

/// Reads the remote tree under `root`. With `exact_times` and a LIST-only server, each file's time
/// comes from MDTM (one command per file) instead of LIST's minutes.
pub async fn scan_remote(
    client: &mut Client,
    root: &str,
    style: ListingStyle,
    exact_times: bool,
) -> Result<Scanned> {
    let mut scanned = Scanned::default();
    if !remote_dir_exists(client, root).await? {
        return Ok(scanned);
    }
    scanned.exists = true;
    let now = now_unix();
    // Directories still to list, with their depth; a stack, so the walk is depth-first.
    let mut pending = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = pending.pop() {
        let listed = remote_join(root, &dir);
        let path = (!listed.is_empty()).then_some(listed.as_str());
        for entry in client.entries_with(path, style).await? {
            if entry.name.contains('/') || entry.name.is_empty() {
                continue;
            }
            let relative = remote_join(&dir, &entry.name);
            match entry.kind {
                EntryKind::Dir if depth + 1 < MAX_DEPTH => {
                    scanned.tree.insert(relative.clone(), Node::Dir);
                    pending.push((relative, depth + 1));
                }
                EntryKind::File => {
                    let mut info = FileInfo {
                        size: entry.size.unwrap_or(0),
                        mtime: entry.modified.map(|m| m.unix_seconds(now)),
                        slack: match entry.modified {
                            Some(modified) if modified.is_exact() => 0,
                            Some(ftp_proto::listing::Modified::Civil { year: Some(_), .. }) => {
                                86_400
                            }
                            _ => 60,
                        },
                    };
                    if exact_times && style == ListingStyle::List {
                        if let Some(exact) =
                            client.remote_mtime(&remote_join(root, &relative)).await?
                        {
                            info.mtime = Some(exact);
                            info.slack = 0;
                        }
                    }
                    scanned.tree.insert(relative, Node::File(info));
                }
                _ => scanned.skipped.push(relative),
            }
        }
    }
    Ok(scanned)
}

/// Whether `root` is a directory on the server: CWD there and back (listing a missing directory
/// gives an empty 226 on some servers, so a listing cannot tell).
async fn remote_dir_exists(client: &mut Client, root: &str) -> Result<bool> {
    if root.is_empty() {
        return Ok(true);
    }
    let home = client.pwd().await?;
    match client.cwd(root).await {
        Ok(()) => {
            client.cwd(&home).await?;
            Ok(true)
        }
        Err(Error::NotFound { .. }) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Reads the local tree under `root` (on a blocking thread).
pub async fn scan_local(root: &Path) -> Result<Scanned> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || scan_local_blocking(&root))
        .await
        .unwrap_or_else(|error| Err(Error::local("the local tree", std::io::Error::other(error))))
}

fn scan_local_blocking(root: &Path) -> Result<Scanned> {
    let mut scanned = Scanned::default();
    match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => scanned.exists = true,
        Ok(_) => return Err(Error::local(root, std::io::Error::other("not a directory"))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(scanned),
        Err(error) => return Err(Error::local(root, error)),
    }
    let mut pending: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, relative_dir, depth)) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|error| Error::local(&dir, error))?;
        for entry in entries {
            let entry = entry.map_err(|error| Error::local(&dir, error))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                // A name that is not UTF-8 cannot be sent as an FTP path here.
                scanned.skipped.push(entry.path().display().to_string());
                continue;
            };
            let relative = remote_join(&relative_dir, &name);
            let meta = entry
                .metadata()
                .map_err(|error| Error::local(entry.path(), error))?;
            if meta.is_dir() && depth + 1 < MAX_DEPTH {
                scanned.tree.insert(relative.clone(), Node::Dir);
                pending.push((entry.path(), relative, depth + 1));
            } else if meta.is_file() {
                let mtime = meta
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                    .and_then(|since| i64::try_from(since.as_secs()).ok());
                scanned.tree.insert(
                    relative,
                    Node::File(FileInfo {
                        size: meta.len(),
                        mtime,
                        slack: 0,
                    }),
                );
            } else {
                scanned.skipped.push(relative);
            }
        }
    }
    Ok(scanned)
}

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
