//! Confinement of requested paths to the served root.
//!
//! A [`Root`] turns a file name from a request into a [`JailedPath`], which by construction
//! lies inside the root: `..` is refused outright, a leading `/` means the root (as tftp-hpa
//! with `-s`), and the canonical path (symlinks resolved) must still start with the canonical
//! root, so a symlink cannot lead out either.

use std::io;
use std::path::{Component, Path, PathBuf};

use super::packet::ErrorCode;

/// The directory being served.
#[derive(Debug, Clone)]
pub struct Root {
    canonical: PathBuf,
}

/// A path inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JailedPath(PathBuf);

impl JailedPath {
    pub fn as_path(&self) -> &Path {
        &self.0
    }
}

/// Why a name was refused; each variant says which ERROR it becomes.
#[derive(Debug, thiserror::Error)]
pub enum JailError {
    /// ERROR 2: the name tries to leave the root or names something that is not a file.
    #[error("access violation: {0}")]
    Outside(&'static str),
    /// ERROR 1 (or another code from the I/O error).
    #[error(transparent)]
    Io(io::Error),
}

impl JailError {
    pub fn wire(&self) -> (ErrorCode, String) {
        let code = match self {
            JailError::Outside(_) => ErrorCode::AccessViolation,
            JailError::Io(e) => super::transfer::error_code_for(e),
        };
        (code, self.to_string())
    }
}

impl Root {
    pub fn new(dir: &Path) -> io::Result<Root> {
        let canonical = dir.canonicalize()?;
        if !canonical.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Ok(Root { canonical })
    }

    pub fn path(&self) -> &Path {
        &self.canonical
    }

    /// The lexical part: clean relative components only.
    fn join(&self, name: &str) -> Result<PathBuf, JailError> {
        let mut out = self.canonical.clone();
        let mut depth = 0;
        for c in Path::new(name.trim_start_matches('/')).components() {
            match c {
                Component::Normal(part) => {
                    out.push(part);
                    depth += 1;
                }
                Component::CurDir => {}
                Component::ParentDir => return Err(JailError::Outside("\"..\" is not allowed")),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(JailError::Outside("absolute path"))
                }
            }
        }
        if depth == 0 {
            return Err(JailError::Outside("names the root directory"));
        }
        Ok(out)
    }

    fn check_inside(&self, canonical: PathBuf) -> Result<PathBuf, JailError> {
        if canonical.starts_with(&self.canonical) {
            Ok(canonical)
        } else {
            Err(JailError::Outside(
                "path leads outside the served directory",
            ))
        }
    }

    /// An existing regular file to read.
    pub fn for_read(&self, name: &str) -> Result<JailedPath, JailError> {
        let joined = self.join(name)?;
        let canonical = self.check_inside(joined.canonicalize().map_err(JailError::Io)?)?;
        let meta = std::fs::metadata(&canonical).map_err(JailError::Io)?;
        if !meta.is_file() {
            return Err(JailError::Outside("not a regular file"));
        }
        Ok(JailedPath(canonical))
    }

    /// A file to create or replace, in an existing directory inside the root.
    pub fn for_write(&self, name: &str) -> Result<JailedPath, JailError> {
        let joined = self.join(name)?;
        let (Some(parent), Some(file)) = (joined.parent(), joined.file_name()) else {
            return Err(JailError::Outside("no file name"));
        };
        let parent = self.check_inside(parent.canonicalize().map_err(JailError::Io)?)?;
        let target = parent.join(file);
        match std::fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(JailError::Outside("will not write through a symlink"))
            }
            Ok(meta) if !meta.is_file() => return Err(JailError::Outside("not a regular file")),
            _ => {}
        }
        Ok(JailedPath(target))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_and_allows_inside() {
        let outer = tempfile::tempdir().unwrap();
        let root_dir = outer.path().join("root");
        std::fs::create_dir_all(root_dir.join("sub")).unwrap();
        std::fs::write(root_dir.join("sub/a.txt"), b"a").unwrap();
        std::fs::write(outer.path().join("secret"), b"s").unwrap();
        std::os::unix::fs::symlink(outer.path().join("secret"), root_dir.join("link")).unwrap();
        let root = Root::new(&root_dir).unwrap();

        assert!(root.for_read("sub/a.txt").is_ok());
        assert!(root.for_read("/sub/./a.txt").is_ok());
        for bad in ["../secret", "sub/../../secret", "link", "sub", "/", ""] {
            assert!(
                matches!(root.for_read(bad), Err(JailError::Outside(_))),
                "{bad}"
            );
        }
        assert!(matches!(root.for_read("missing"), Err(JailError::Io(_))));
        assert!(root.for_write("sub/new.bin").is_ok());
        assert!(matches!(root.for_write("link"), Err(JailError::Outside(_))));
        assert!(matches!(root.for_write("../x"), Err(JailError::Outside(_))));
        assert!(matches!(root.for_write("nodir/x"), Err(JailError::Io(_))));
    }
}
