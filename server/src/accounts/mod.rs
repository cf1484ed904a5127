//! Named accounts: the users file ([`file`]), password hashes ([`hash`]), rights ([`rights`]), the ban
//! on addresses that keep failing to log in ([`bans`]), and [`AccountStore`], the accounts a running
//! server checks logins against, reloaded on SIGHUP.
//!
//! A reload reads and checks the whole file first and swaps it in only when it is good: a broken file
//! leaves the accounts as they were (and `reload` says why). Sessions already logged in keep the rights
//! they logged in with.

pub mod bans;
pub mod file;
pub mod hash;
pub mod rights;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use tokio::sync::Semaphore;

pub use file::{Account, Users};
pub use rights::{Right, Rights};

/// The accounts of a running server: the users file's contents, and how many sessions each account has.
#[derive(Debug)]
pub struct AccountStore {
    path: Option<PathBuf>,
    users: RwLock<Arc<Users>>,
    sessions: Arc<Mutex<HashMap<String, usize>>>,
    /// Password checks running at once: each takes a hash's memory (19 MiB by default) on the blocking
    /// pool, so many connections guessing at once wait here instead of taking all of it.
    pub checks: Semaphore,
}

/// Password checks that may run at once.
const CONCURRENT_CHECKS: usize = 4;

impl Default for AccountStore {
    fn default() -> AccountStore {
        AccountStore {
            path: None,
            users: RwLock::default(),
            sessions: Arc::default(),
            checks: Semaphore::new(CONCURRENT_CHECKS),
        }
    }
}

impl AccountStore {
    /// Loads `path`, or holds no account without one.
    pub fn open(path: Option<&Path>) -> Result<AccountStore, String> {
        let users = match path {
            Some(path) => Users::load(path)?,
            None => Users::default(),
        };
        Ok(AccountStore {
            path: path.map(Path::to_path_buf),
            users: RwLock::new(Arc::new(users)),
            ..AccountStore::default()
        })
    }

    /// Reads the users file again; on any error the old accounts stay. Returns how many accounts there
    /// are now.
    pub fn reload(&self) -> Result<usize, String> {
        let Some(path) = &self.path else {
            return Ok(0);
        };
        let users = Users::load(path)?;
        let count = users.len();
        // A panic while holding the lock leaves a whole `Arc` behind: still usable.
        *self.users.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(users);
        Ok(count)
    }

    /// The account named `name`, as the file says now.
    pub fn get(&self, name: &str) -> Option<Account> {
        let users = self.users.read().unwrap_or_else(PoisonError::into_inner);
        users.get(name).cloned()
    }

    /// A place for one more logged-in session of `account`, or `None` when it has its `max-sessions`.
    pub fn try_start_session(&self, account: &Account) -> Option<SessionSlot> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let count = sessions.entry(account.name.clone()).or_insert(0);
        if account.max_sessions.is_some_and(|limit| *count >= limit) {
            return None;
        }
        *count += 1;
        Some(SessionSlot {
            sessions: self.sessions.clone(),
            name: account.name.clone(),
        })
    }
}

/// One logged-in session of an account, given back when the session ends.
#[derive(Debug)]
pub struct SessionSlot {
    sessions: Arc<Mutex<HashMap<String, usize>>>,
    name: String,
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = sessions.get_mut(&self.name) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                sessions.remove(&self.name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users_text(name: &str, extra: &str) -> String {
        let hash = hash::hash_password("pw", hash::Cost::Cheap).unwrap();
        format!("[users.{name}]\npassword-hash = \"{hash}\"\nhome = \"/\"\nrights = []\n{extra}")
    }

    #[test]
    fn a_reload_swaps_in_a_good_file_and_keeps_the_old_one_on_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users.toml");
        std::fs::write(&path, users_text("alice", "")).unwrap();
        let store = AccountStore::open(Some(&path)).unwrap();
        assert!(store.get("alice").is_some());
        std::fs::write(&path, users_text("bob", "")).unwrap();
        assert_eq!(store.reload(), Ok(1));
        assert!(store.get("alice").is_none() && store.get("bob").is_some());
        std::fs::write(&path, "[users.carol]\nbroken = 1\n").unwrap();
        assert!(store.reload().is_err());
        assert!(store.get("bob").is_some(), "the old accounts stay");
    }

    #[test]
    fn max_sessions_counts_logged_in_sessions() {
        let users = Users::parse(&users_text("alice", "max-sessions = 1\n")).unwrap();
        let alice = users.get("alice").unwrap();
        let store = AccountStore::default();
        let first = store.try_start_session(alice).unwrap();
        assert!(store.try_start_session(alice).is_none());
        drop(first);
        assert!(store.try_start_session(alice).is_some());
    }
}
