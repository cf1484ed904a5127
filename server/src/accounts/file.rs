//! The users file (TOML): one table per account under `users`, read into [`Users`] and checked whole, and
//! rewritten by `ftp-server user add` / `user passwd`.
//!
//! ```toml
//! [users.alice]
//! password-hash = "$argon2id$v=19$m=19456,t=2,p=1$..."   # never a plain password
//! home = "/alice"            # a directory under the server root
//! jail = true                # the home is alice's `/` (default); false: she starts there, sees the root
//! rights = ["read", "write", "delete", "mkdir", "rename"]
//! max-sessions = 2           # optional: logged-in sessions at once
//! ```
//!
//! Unknown keys, a duplicate account, a bad right, a hash that is not argon2id or a relative home are
//! errors that name the account and the key: a file is taken whole or not at all.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::hash;
use super::rights::{Right, Rights};
use crate::jail::VirtualPath;

/// User names that always mean the anonymous guest, so no account may take them.
pub const ANONYMOUS_NAMES: [&str; 2] = ["anonymous", "ftp"];

/// One account, checked.
#[derive(Debug, Clone)]
pub struct Account {
    pub name: String,
    pub password_hash: String,
    /// Under the server root.
    pub home: VirtualPath,
    /// The home is the account's whole tree (its `/`); otherwise only where it starts.
    pub jail: bool,
    pub rights: Rights,
    /// Logged-in sessions this account may have at once; `None`: no limit of its own.
    pub max_sessions: Option<usize>,
}

/// Every account of a users file, by name.
#[derive(Debug, Clone, Default)]
pub struct Users {
    accounts: HashMap<String, Account>,
}

impl Users {
    pub fn get(&self, name: &str) -> Option<&Account> {
        self.accounts.get(name)
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// Reads and checks a users file; the error is one line naming what is wrong.
    pub fn load(path: &Path) -> Result<Users, String> {
        let text = std::fs::read_to_string(path).map_err(|error| error.to_string())?;
        Users::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Users, String> {
        let file = UsersFile::parse(text)?;
        let mut accounts = HashMap::new();
        for (name, entry) in file.users {
            let account = entry
                .check(&name)
                .map_err(|error| format!("user {name:?}: {error}"))?;
            accounts.insert(name, account);
        }
        Ok(Users { accounts })
    }
}

/// The file as written: what `user add` and `user passwd` edit.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersFile {
    #[serde(default)]
    pub users: BTreeMap<String, UserEntry>,
}

/// One `[users.NAME]` table as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UserEntry {
    pub password_hash: String,
    pub home: String,
    #[serde(default = "jailed_by_default")]
    pub jail: bool,
    pub rights: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_sessions: Option<u32>,
}

fn jailed_by_default() -> bool {
    true
}

impl UsersFile {
    /// Parses the TOML; errors are one line (`line N: what`), not toml's multi-line report.
    pub fn parse(text: &str) -> Result<UsersFile, String> {
        toml::from_str(text).map_err(|error: toml::de::Error| {
            let line = error
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
            let message = error.message().trim().replace('\n', " ");
            match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            }
        })
    }

    /// The file at `path`, or an empty one when there is none yet.
    pub fn read_or_new(path: &Path) -> Result<UsersFile, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => UsersFile::parse(&text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(UsersFile::default()),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Writes the file readable by its owner only, replacing the old one atomically (a temporary file in
    /// the same directory, renamed over it), so the server never reloads half a file.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        // Checked as the server would read it, so that the CLI never writes a file the server refuses.
        let text = toml::to_string(self).map_err(|error| error.to_string())?;
        Users::parse(&text)?;
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let file_name = path.file_name().unwrap_or_default().to_string_lossy();
        let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode_0600()
                .open(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(|error| error.to_string())
    }
}

/// `mode(0o600)` spelled so that the call chain above reads in one go.
trait OwnerOnly {
    fn mode_0600(&mut self) -> &mut Self;
}

impl OwnerOnly for std::fs::OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(self, 0o600)
    }
}

impl UserEntry {
    fn check(self, name: &str) -> Result<Account, String> {
        check_name(name)?;
        hash::check_format(&self.password_hash)
            .map_err(|error| format!("password-hash: {error}"))?;
        if !self.home.starts_with('/') {
            return Err(format!(
                "home {:?}: must be absolute, under the server root (like \"/{name}\")",
                self.home
            ));
        }
        let rights = self
            .rights
            .iter()
            .map(|right| Right::parse(right))
            .collect::<Result<Rights, String>>()
            .map_err(|error| format!("rights: {error}"))?;
        let max_sessions = match self.max_sessions {
            Some(0) => return Err("max-sessions: must be at least 1".to_string()),
            limit => limit.map(|limit| limit as usize),
        };
        Ok(Account {
            name: name.to_string(),
            password_hash: self.password_hash,
            home: VirtualPath::root().join(self.home.as_bytes()),
            jail: self.jail,
            rights,
            max_sessions,
        })
    }
}

/// A user name as FTP carries it: printable ASCII without spaces, not one of the anonymous names.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_graphic()) {
        return Err("a user name is 1 to 64 printable characters without spaces".to_string());
    }
    if ANONYMOUS_NAMES
        .iter()
        .any(|anonymous| anonymous.eq_ignore_ascii_case(name))
    {
        return Err(format!("{name:?} is the anonymous guest's name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::hash::{hash_password, Cost};

    fn entry(extra: &str) -> String {
        let hash = hash_password("pw", Cost::Cheap).unwrap();
        format!("[users.alice]\npassword-hash = \"{hash}\"\nhome = \"/alice\"\nrights = [\"read\", \"mkdir\"]\n{extra}")
    }

    #[test]
    fn a_good_file_is_read_whole() {
        let users = Users::parse(&entry("max-sessions = 2\n")).unwrap();
        let alice = users.get("alice").unwrap();
        assert_eq!(alice.home.display(), "/alice");
        assert!(alice.jail);
        assert_eq!(alice.rights.list(), vec![Right::Read, Right::Mkdir]);
        assert_eq!(alice.max_sessions, Some(2));
        assert!(users.get("bob").is_none());
        assert!(Users::parse("").unwrap().is_empty());
    }

    #[test]
    fn bad_files_are_one_line_errors_naming_what_is_wrong() {
        let cases = [
            (entry("colour = \"blue\"\n"), "colour"),
            (entry("").replace("\"mkdir\"", "\"admin\""), "admin"),
            (entry("").replace("/alice", "alice"), "home"),
            (entry("max-sessions = 0\n"), "max-sessions"),
            (entry("").replace("$argon2id", "$argon2i"), "password-hash"),
            (
                "[users.alice]\nhome = \"/a\"\nrights = []\n".to_string(),
                "password-hash",
            ),
            (format!("{}{}", entry(""), entry("")), "line"),
            (
                entry("").replace("users.alice", "users.anonymous"),
                "anonymous",
            ),
            ("[users\n".to_string(), "line 1"),
        ];
        for (text, expected) in cases {
            let error = Users::parse(&text).unwrap_err();
            assert!(
                error.contains(expected),
                "{error:?} should name {expected:?}"
            );
            assert!(!error.contains('\n'), "{error:?}");
        }
    }

    #[test]
    fn saving_keeps_every_field_and_the_file_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        let mut file = UsersFile::read_or_new(&path).unwrap();
        let parsed = UsersFile::parse(&entry("jail = false\n")).unwrap();
        file.users.extend(parsed.users);
        file.save(&path).unwrap();
        let users = Users::load(&path).unwrap();
        assert!(!users.get("alice").unwrap().jail);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
