//! `~/.netrc` (as `ftp`, curl and lftp read it): `machine NAME login USER password PASS`, `default`, and
//! `macdef` bodies skipped up to their blank line.

use std::path::{Path, PathBuf};

/// Credentials for one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub login: Option<String>,
    pub password: Option<String>,
}

/// The default netrc file: `$HOME/.netrc`.
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| Path::new(&home).join(".netrc"))
}

/// Finds the entry for `host` in netrc `text` (falling back to `default`).
pub fn lookup(text: &str, host: &str) -> Option<Credentials> {
    let mut found: Option<Credentials> = None;
    let mut default: Option<Credentials> = None;
    // Which entry the following `login`/`password` tokens belong to.
    enum Target {
        Skip,
        Host,
        Default,
    }
    let mut target = Target::Skip;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let mut tokens = line.split_whitespace();
        while let Some(token) = tokens.next() {
            match token {
                "machine" => {
                    let name = tokens.next().unwrap_or("");
                    target = if name.eq_ignore_ascii_case(host) && found.is_none() {
                        found = Some(Credentials {
                            login: None,
                            password: None,
                        });
                        Target::Host
                    } else {
                        Target::Skip
                    };
                }
                "default" => {
                    default = Some(Credentials {
                        login: None,
                        password: None,
                    });
                    target = Target::Default;
                }
                "login" | "password" | "account" => {
                    let value = tokens.next().map(str::to_string);
                    let entry = match target {
                        Target::Host => found.as_mut(),
                        Target::Default => default.as_mut(),
                        Target::Skip => None,
                    };
                    if let Some(entry) = entry {
                        match token {
                            "login" => entry.login = value,
                            "password" => entry.password = value,
                            _ => {}
                        }
                    }
                }
                "macdef" => {
                    // The macro body runs to the next empty line.
                    for body in lines.by_ref() {
                        if body.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                token if token.starts_with('#') => break,
                _ => {}
            }
        }
    }
    found.or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\nmachine a.example login alice password s3cret\n\
        macdef init\ncd /pub\nmachine b.example login mallory password evil\n\n\
        machine b.example\n  login bob\n  password hunter2\ndefault login anonymous password me@\n";

    #[test]
    fn finds_the_host_entry_over_multiple_lines() {
        let bob = lookup(SAMPLE, "B.example").unwrap();
        assert_eq!(
            (bob.login.as_deref(), bob.password.as_deref()),
            (Some("bob"), Some("hunter2"))
        );
        let alice = lookup(SAMPLE, "a.example").unwrap();
        assert_eq!(alice.password.as_deref(), Some("s3cret"));
    }

    #[test]
    fn falls_back_to_default_and_none() {
        assert_eq!(
            lookup(SAMPLE, "other").unwrap().login.as_deref(),
            Some("anonymous")
        );
        assert_eq!(lookup("machine x login y", "z"), None);
    }
}
