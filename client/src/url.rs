//! `ftp://[user[:password]@]host[:port][/path]` URLs (RFC 1738 §3.2), with percent-decoding.
//!
//! As in curl, the path is relative to the login directory: `ftp://h/pub/a` names `pub/a`, and
//! `ftp://h//etc/a` names `/etc/a`.

use crate::error::{Error, Result};

/// The default FTP control port.
pub const DEFAULT_PORT: u16 = 21;

/// A parsed `ftp://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    pub user: Option<String>,
    pub password: Option<String>,
    /// Host name or address; an IPv6 address without its brackets.
    pub host: String,
    pub port: u16,
    /// The decoded path after the host's `/`; empty for the login directory.
    pub path: String,
}

impl FtpUrl {
    /// Parses an `ftp://` URL; a bare `host[:port][/path]` is taken as one too.
    pub fn parse(text: &str) -> Result<FtpUrl> {
        let bad = |why: &str| Error::Usage(format!("bad URL {text:?}: {why}"));
        let rest = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("ftp") => rest,
            Some((scheme, _)) => return Err(bad(&format!("scheme {scheme:?} is not ftp"))),
            None => text,
        };
        let (authority, path) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, ""),
        };
        // The last `@` ends the user info: an unencoded `@` in a password is common in hand-typed URLs.
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (Some(decode(user)?), Some(decode(password)?)),
                None => (Some(decode(info)?), None),
            },
            None => (None, None),
        };
        let (host, port) = split_host_port(hostport).ok_or_else(|| bad("bad host or port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let path = path.split(';').next().unwrap_or("");
        Ok(FtpUrl {
            user: user.filter(|u| !u.is_empty()),
            password,
            host,
            port,
            path: decode(path)?,
        })
    }

    /// The last path segment: a file's name.
    pub fn file_name(&self) -> Option<&str> {
        self.path.rsplit('/').next().filter(|name| !name.is_empty())
    }
}

fn split_host_port(text: &str) -> Option<(String, u16)> {
    if let Some(inner) = text.strip_prefix('[') {
        let (host, after) = inner.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().ok().filter(|p| *p != 0)?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return None,
        };
        return Some((host.to_string(), port));
    }
    match text.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok().filter(|p| *p != 0)?)),
        None => Some((text.to_string(), DEFAULT_PORT)),
    }
}

/// Percent-decodes `text` (`%41` → `A`); the result must be UTF-8.
pub fn decode(text: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| Error::Usage(format!("bad percent-escape in {text:?}")))?;
            out.push(hex);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    let decoded = String::from_utf8(out)
        .map_err(|_| Error::Usage(format!("{text:?} is not UTF-8 once decoded")))?;
    if decoded.contains(['\r', '\n']) {
        return Err(Error::Usage(format!("{text:?} decodes to a line break")));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("ftp://h", None, None, "h", 21, "")]
    #[case("ftp://h:2121/", None, None, "h", 2121, "")]
    #[case(
        "ftp://anonymous@127.0.0.1:99/up/a.txt",
        Some("anonymous"),
        None,
        "127.0.0.1",
        99,
        "up/a.txt"
    )]
    #[case("ftp://u%40x:p%3Aw@h/d%20e", Some("u@x"), Some("p:w"), "h", 21, "d e")]
    #[case("ftp://u:p@ss@h/f", Some("u"), Some("p@ss"), "h", 21, "f")]
    #[case("ftp://[::1]:2121//abs", None, None, "::1", 2121, "/abs")]
    #[case("FTP://h/f;type=i", None, None, "h", 21, "f")]
    #[case("h:21/x", None, None, "h", 21, "x")]
    fn parses(
        #[case] text: &str,
        #[case] user: Option<&str>,
        #[case] password: Option<&str>,
        #[case] host: &str,
        #[case] port: u16,
        #[case] path: &str,
    ) {
        let url = FtpUrl::parse(text).unwrap();
        assert_eq!(url.user.as_deref(), user);
        assert_eq!(url.password.as_deref(), password);
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            (host, port, path)
        );
    }

    #[rstest]
    #[case("http://h/")]
    #[case("ftp://")]
    #[case("ftp://h:0/")]
    #[case("ftp://h:99999/")]
    #[case("ftp://h:x/")]
    #[case("ftp://h/%zz")]
    #[case("ftp://h/a%0d%0aDELE%20b")]
    fn refuses(#[case] text: &str) {
        assert!(
            matches!(FtpUrl::parse(text), Err(Error::Usage(_))),
            "{text}"
        );
    }

    #[test]
    fn file_name_is_the_last_segment() {
        assert_eq!(
            FtpUrl::parse("ftp://h/a/b.bin").unwrap().file_name(),
            Some("b.bin")
        );
        assert_eq!(FtpUrl::parse("ftp://h/a/").unwrap().file_name(), None);
    }
}
