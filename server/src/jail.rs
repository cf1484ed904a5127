//! The jail: every path a session names is a [`VirtualPath`] (absolute, normalised, no `..`), and only a
//! [`Jail`] turns one into a real path, always below the root.
//!
//! Lexically a `VirtualPath` cannot leave the root: `..` at the top stays at the top. Symlinks are the other
//! way out, so every real path handed out is checked after the OS resolves links: the existing part of the
//! path must canonicalise to a place inside the canonical root, else the request is refused (550).
//! A link could still be swapped between the check and the use; the server does not follow links it creates,
//! and an anonymous user cannot create links, so that race needs local access to the root.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A path as the client sees it: absolute inside the jail, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VirtualPath {
    components: Vec<OsString>,
}

impl VirtualPath {
    /// The jail's root, `/`.
    pub fn root() -> VirtualPath {
        VirtualPath::default()
    }

    /// Resolves a client's path argument against this directory. `/` starts from the root, `.` and empty
    /// components are dropped, `..` removes one component and stays at `/` at the top. Every other byte is
    /// taken literally: `%2e%2e` is a file name, not `..`.
    pub fn join(&self, argument: &[u8]) -> VirtualPath {
        let mut components = if argument.first() == Some(&b'/') {
            Vec::new()
        } else {
            self.components.clone()
        };
        for part in argument.split(|byte| *byte == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    components.pop();
                }
                name => components.push(OsStr::from_bytes(name).to_os_string()),
            }
        }
        VirtualPath { components }
    }

    /// The parent directory; the root is its own parent.
    pub fn parent(&self) -> VirtualPath {
        let mut components = self.components.clone();
        components.pop();
        VirtualPath { components }
    }

    /// The last component, `None` for the root.
    pub fn file_name(&self) -> Option<&OsStr> {
        self.components.last().map(OsString::as_os_str)
    }

    /// True for `/`.
    pub fn is_root(&self) -> bool {
        self.components.is_empty()
    }

    /// The path as the client sees it, `/a/b`, with non-UTF-8 bytes shown lossily.
    pub fn display(&self) -> String {
        if self.components.is_empty() {
            return "/".to_string();
        }
        self.components
            .iter()
            .map(|part| format!("/{}", part.to_string_lossy()))
            .collect()
    }

    /// The path as raw bytes, for replies that must echo names byte for byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.components.is_empty() {
            return b"/".to_vec();
        }
        let mut bytes = Vec::new();
        for part in &self.components {
            bytes.push(b'/');
            bytes.extend_from_slice(part.as_bytes());
        }
        bytes
    }
}

/// Why a path was refused. The session's `From<JailError> for Reply` turns each into its reply.
#[derive(Debug, thiserror::Error)]
pub enum JailError {
    /// The path, once symlinks are followed, is outside the root.
    #[error("the path leads outside the root")]
    Escapes,
    /// The file system said no (missing, permission, ...).
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The root directory, canonicalised once at start-up.
#[derive(Debug, Clone)]
pub struct Jail {
    root: PathBuf,
}

impl Jail {
    /// Opens the jail at `root`, which must be an existing directory.
    pub fn new(root: &Path) -> io::Result<Jail> {
        let root = std::fs::canonicalize(root)?;
        if !root.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                "root is not a directory",
            ));
        }
        Ok(Jail { root })
    }

    /// The canonical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The real path of something that must exist, with every symlink on the way resolved inside the root.
    pub async fn existing(&self, path: &VirtualPath) -> Result<PathBuf, JailError> {
        let real = tokio::fs::canonicalize(self.lexical(path)).await?;
        self.check_inside(real)
    }

    /// The real path for something about to be created (or replaced): its parent must exist inside the
    /// root, and if the name is already a symlink, what it points to must be inside too.
    pub async fn creatable(&self, path: &VirtualPath) -> Result<PathBuf, JailError> {
        let name = path.file_name().ok_or(JailError::Escapes)?;
        let parent = self.existing(&path.parent()).await?;
        let real = parent.join(name);
        match tokio::fs::symlink_metadata(&real).await {
            Ok(meta) if meta.file_type().is_symlink() => match tokio::fs::canonicalize(&real).await
            {
                Ok(target) => self.check_inside(target),
                // A dangling link: refuse rather than create a file wherever it points.
                Err(_) => Err(JailError::Escapes),
            },
            _ => Ok(real),
        }
    }

    /// The real path of a directory entry itself, without following a final symlink (for DELE, RMD, RNFR:
    /// removing or renaming a link inside the root is allowed, the link's target is never touched).
    pub async fn entry(&self, path: &VirtualPath) -> Result<PathBuf, JailError> {
        let name = path.file_name().ok_or(JailError::Escapes)?;
        let parent = self.existing(&path.parent()).await?;
        let real = parent.join(name);
        tokio::fs::symlink_metadata(&real).await?;
        Ok(real)
    }

    fn lexical(&self, path: &VirtualPath) -> PathBuf {
        let mut real = self.root.clone();
        real.extend(path.components.iter());
        real
    }

    fn check_inside(&self, real: PathBuf) -> Result<PathBuf, JailError> {
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            Err(JailError::Escapes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(b"", "/")]
    #[case(b"/", "/")]
    #[case(b"..", "/")]
    #[case(b"../../..", "/")]
    #[case(b"/../etc/passwd", "/etc/passwd")]
    #[case(b"a//b/./c/..", "/a/b")]
    #[case(b"%2e%2e/x", "/%2e%2e/x")]
    #[case(b"a/../../b", "/b")]
    fn joins_from_root(#[case] argument: &[u8], #[case] expected: &str) {
        assert_eq!(VirtualPath::root().join(argument).display(), expected);
    }

    #[test]
    fn relative_and_absolute_from_a_subdirectory() {
        let cwd = VirtualPath::root().join(b"pub/docs");
        assert_eq!(cwd.join(b"../x").display(), "/pub/x");
        assert_eq!(cwd.join(b"/x").display(), "/x");
        assert_eq!(cwd.parent().display(), "/pub");
        assert_eq!(VirtualPath::root().parent(), VirtualPath::root());
    }

    #[test]
    fn non_utf8_bytes_survive() {
        let path = VirtualPath::root().join(b"caf\xe9");
        assert_eq!(path.to_bytes(), b"/caf\xe9");
    }

    #[test]
    fn jail_errors_are_std_errors_that_say_what_happened() {
        let escapes: &dyn std::error::Error = &JailError::Escapes;
        assert_eq!(escapes.to_string(), "the path leads outside the root");
        let missing = JailError::from(io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(
            missing.to_string(),
            io::Error::from(io::ErrorKind::NotFound).to_string()
        );
    }

    #[tokio::test]
    async fn symlinks_out_of_the_root_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/target", root.path().join("dangling")).unwrap();
        std::fs::create_dir(root.path().join("in")).unwrap();
        std::os::unix::fs::symlink(root.path().join("in"), root.path().join("alias")).unwrap();
        let jail = Jail::new(root.path()).unwrap();
        let path = |text: &str| VirtualPath::root().join(text.as_bytes());

        assert!(matches!(
            jail.existing(&path("out/secret")).await,
            Err(JailError::Escapes)
        ));
        assert!(matches!(
            jail.existing(&path("out")).await,
            Err(JailError::Escapes)
        ));
        assert!(matches!(
            jail.creatable(&path("out/new")).await,
            Err(JailError::Escapes)
        ));
        assert!(matches!(
            jail.creatable(&path("dangling")).await,
            Err(JailError::Escapes)
        ));
        assert!(jail.existing(&path("alias")).await.is_ok());
        assert!(jail.creatable(&path("alias/new")).await.is_ok());
        assert!(
            jail.entry(&path("out")).await.is_ok(),
            "the link itself may be removed"
        );
    }
}
