//! The lexical half of the jail: every path a session names is a [`VirtualPath`] (absolute, normalised, no
//! `..`), so that no string a client sends can climb above `/`.
//!
//! Symlinks and renames are the other way out, and no check on a path string can close them: a link or a
//! directory swapped between the check and the use sends the use elsewhere. So the session never turns a
//! `VirtualPath` into a real path at all. Only the storage layer (`crate::storage`) uses one, as
//! [`VirtualPath::relative`], resolved by the kernel beneath the root directory's handle
//! (`openat2(RESOLVE_BENEATH)`), which refuses any resolution that leaves the root at the moment it
//! happens, whatever raced with it.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

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

    /// The path relative to the root, `.` for the root itself: the form the storage layer resolves
    /// beneath its root handle. It has no `..` and no empty or absolute component by construction.
    pub fn relative(&self) -> PathBuf {
        if self.components.is_empty() {
            return PathBuf::from(".");
        }
        self.components.iter().collect()
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
    fn relative_paths_for_the_storage_layer() {
        assert_eq!(VirtualPath::root().relative(), PathBuf::from("."));
        assert_eq!(
            VirtualPath::root().join(b"/a/../b/c").relative(),
            PathBuf::from("b/c")
        );
    }
}
