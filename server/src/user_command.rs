//! `ftp-server user add|passwd`: the binary's subcommand that maintains the users file (`--users`)
//! instead of serving. The file is read, changed and written back whole, and checked as the server
//! would read it; passwords are asked without echo on a terminal, or read as one line from stdin.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context};
use clap::Subcommand;
use ftp_server::accounts::file::{check_name, UserEntry, UsersFile};
use ftp_server::accounts::hash::{self, Cost};
use ftp_server::accounts::Right;

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add an account. The password is asked twice without echo, or read as one line from stdin when
    /// stdin is not a terminal.
    Add {
        /// The login name.
        name: String,
        /// Its home, a directory under the server root (like `/alice`).
        #[arg(long)]
        home: String,
        /// Comma-separated: read, write, delete, mkdir, rename (or `all`; `none` for no right).
        #[arg(long, value_delimiter = ',', required = true)]
        rights: Vec<String>,
        /// Start in the home but see the whole root (default: the home is the account's `/`).
        #[arg(long)]
        no_jail: bool,
        /// Logged-in sessions this account may have at once.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_sessions: Option<u32>,
    },
    /// Change an account's password (asked, or read from stdin as for `add`).
    Passwd {
        /// The login name.
        name: String,
    },
}

/// `user add` and `user passwd`: the users file is read, changed and written back whole (comments are
/// not kept), checked as the server would read it.
pub fn edit_users(path: &Path, action: UserAction) -> anyhow::Result<()> {
    let context = || format!("users file {}", path.display());
    let mut file = UsersFile::read_or_new(path)
        .map_err(anyhow::Error::msg)
        .with_context(context)?;
    match action {
        UserAction::Add {
            name,
            home,
            rights,
            no_jail,
            max_sessions,
        } => {
            check_name(&name).map_err(anyhow::Error::msg)?;
            if file.users.contains_key(&name) {
                bail!("user {name} exists already (`user passwd {name}` changes its password)");
            }
            let rights = rights_from_words(&rights)?;
            let password_hash = hash::hash_password(&read_new_password()?, Cost::Default)
                .map_err(anyhow::Error::msg)?;
            let entry = UserEntry {
                password_hash,
                home,
                jail: !no_jail,
                rights,
                max_sessions,
            };
            file.users.insert(name.clone(), entry);
            file.save(path)
                .map_err(anyhow::Error::msg)
                .with_context(context)?;
            println!("added user {name} to {}", path.display());
        }
        UserAction::Passwd { name } => {
            let Some(entry) = file.users.get_mut(&name) else {
                bail!("no user {name} in {}", path.display());
            };
            entry.password_hash = hash::hash_password(&read_new_password()?, Cost::Default)
                .map_err(anyhow::Error::msg)?;
            file.save(path)
                .map_err(anyhow::Error::msg)
                .with_context(context)?;
            println!("changed the password of {name} in {}", path.display());
        }
    }
    Ok(())
}

/// `--rights` words, checked: the five rights, `all`, or `none`.
fn rights_from_words(words: &[String]) -> anyhow::Result<Vec<String>> {
    let mut rights = Vec::new();
    for word in words.iter().map(|word| word.trim()) {
        match word {
            "all" => rights.extend(Right::ALL),
            "none" => {}
            word => rights.push(Right::parse(word).map_err(anyhow::Error::msg)?),
        }
    }
    Ok(Right::ALL
        .into_iter()
        .filter(|right| rights.contains(right))
        .map(|right| right.name().to_string())
        .collect())
}

/// The new password: asked twice without echo on a terminal, else the first line of stdin.
fn read_new_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").context("cannot read the password")?;
        let again = rpassword::prompt_password("Again: ").context("cannot read the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.is_empty() {
        bail!("the password is empty");
    }
    Ok(password)
}
