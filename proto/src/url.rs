//! `ftp://[user[:password]@]host[:port][/path]` URLs (RFC 1738 §3.2), with percent-decoding: what the
//! client opens and the suite tests, parsed the same way by both. `ftps://` is the same URL for
//! implicit FTPS (TLS from the first byte, port 990 by default); explicit FTPS (AUTH TLS) has no
//! scheme of its own and is an `ftp://` URL with the client told to use TLS.
//!
//! As in curl, the path is relative to the login directory: `ftp://h/pub/a` names `pub/a`, and
//! `ftp://h//etc/a` names `/etc/a`. A `;type=` suffix (RFC 1738 §3.2.2) ends the path and is ignored.

use std::fmt;
use std::str::FromStr;

/// The default FTP control port.
pub const DEFAULT_PORT: u16 = 21;

/// The default port of implicit FTPS (`ftps://`, IANA's `ftps`).
pub const FTPS_DEFAULT_PORT: u16 = 990;

/// How the control connection starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// `ftp://`: plain TCP (TLS may follow through AUTH TLS).
    #[default]
    Ftp,
    /// `ftps://`: implicit FTPS, the TLS handshake before the greeting.
    Ftps,
}

impl Scheme {
    /// The port a URL of this scheme means when it names none.
    pub fn default_port(self) -> u16 {
        match self {
            Scheme::Ftp => DEFAULT_PORT,
            Scheme::Ftps => FTPS_DEFAULT_PORT,
        }
    }

    /// `ftp` or `ftps`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Ftp => "ftp",
            Scheme::Ftps => "ftps",
        }
    }
}

/// A parsed `ftp://` URL, every part percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    /// `ftp` or `ftps` (implicit FTPS).
    pub scheme: Scheme,
    /// The user; `None` when the URL names none (an empty user is none).
    pub user: Option<String>,
    pub password: Option<String>,
    /// Host name or address; an IPv6 address without its brackets.
    pub host: String,
    /// The URL's port, or its scheme's default when it names none.
    pub port: u16,
    /// The URL names its port (`ftp://h:21/` does, `ftp://h/` does not): a client told to use
    /// implicit FTPS on an `ftp://` URL keeps a named port and moves only the default to 990.
    pub port_given: bool,
    /// The decoded path after the host's `/`; empty for the login directory.
    pub path: String,
}

/// Why a text is not an `ftp://` URL. The decoding errors name the part that failed, the others do not
/// repeat the URL: callers word the whole message, each in its own voice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// The text does not start with `scheme://`.
    #[error("no ftp:// scheme")]
    NoScheme,
    /// A scheme other than `ftp` or `ftps`.
    #[error("scheme {0:?} is not ftp or ftps")]
    Scheme(String),
    /// `[` opens an IPv6 address that is never closed.
    #[error("unclosed [ in host")]
    UnclosedBracket,
    /// The port is not a number from 1 to 65535.
    #[error("{0:?} is not a port")]
    Port(String),
    /// Nothing between `//` and the port or path.
    #[error("no host")]
    NoHost,
    /// A `%` not followed by two hex digits, in this part.
    #[error("bad percent-escape in {0:?}")]
    Escape(String),
    /// This part does not decode to UTF-8.
    #[error("{0:?} is not UTF-8 once decoded")]
    NotUtf8(String),
    /// This part decodes to a CR or LF, which would end the command it is sent in.
    #[error("{0:?} decodes to a line break")]
    LineBreak(String),
}

impl FtpUrl {
    /// Parses an `ftp://` or `ftps://` URL (the scheme in any case).
    pub fn parse(text: &str) -> Result<FtpUrl, UrlError> {
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("ftp") => (Scheme::Ftp, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("ftps") => (Scheme::Ftps, rest),
            Some((scheme, _)) => return Err(UrlError::Scheme(scheme.to_string())),
            None => return Err(UrlError::NoScheme),
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
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        let path = path.split(';').next().unwrap_or("");
        Ok(FtpUrl {
            scheme,
            user: user.filter(|u| !u.is_empty()),
            password,
            host,
            port: port.unwrap_or(scheme.default_port()),
            port_given: port.is_some(),
            path: decode(path)?,
        })
    }

    /// The last path segment: a file's name.
    pub fn file_name(&self) -> Option<&str> {
        self.path.rsplit('/').next().filter(|name| !name.is_empty())
    }
}

impl FromStr for FtpUrl {
    type Err = UrlError;

    fn from_str(text: &str) -> Result<FtpUrl, UrlError> {
        FtpUrl::parse(text)
    }
}

/// The URL with every part percent-encoded again, so that it parses back to the same value. The port is
/// left out when it is the scheme's default. The password is part of it: do not log it.
impl fmt::Display for FtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme.as_str())?;
        if self.user.is_some() || self.password.is_some() {
            f.write_str(&encode(self.user.as_deref().unwrap_or(""), false))?;
            if let Some(password) = &self.password {
                write!(f, ":{}", encode(password, false))?;
            }
            f.write_str("@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if self.port_given || self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        if !self.path.is_empty() {
            write!(f, "/{}", encode(&self.path, true))?;
        }
        Ok(())
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` (`None` when no port is named); port 0 is refused, as
/// no server listens there.
fn split_host_port(text: &str) -> Result<(String, Option<u16>), UrlError> {
    let (host, port) = if let Some(inner) = text.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or(UrlError::UnclosedBracket)?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(UrlError::Port(after.to_string())),
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(port) => Some(
            port.parse()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| UrlError::Port(port.to_string()))?,
        ),
        None => None,
    };
    Ok((host.to_string(), port))
}

/// Percent-decodes one part of a URL (`%41` → `A`); the result must be UTF-8 without line breaks.
pub fn decode(text: &str) -> Result<String, UrlError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let byte = bytes
                .get(index + 1..index + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| UrlError::Escape(text.to_string()))?;
            out.push(byte);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    let decoded = String::from_utf8(out).map_err(|_| UrlError::NotUtf8(text.to_string()))?;
    if decoded.contains(['\r', '\n']) {
        return Err(UrlError::LineBreak(text.to_string()));
    }
    Ok(decoded)
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `/` in a path), so that no
/// `:`, `@`, `;` or `%` inside a part is read as a separator.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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
    #[case("ftp://[::1]/", None, None, "::1", 21, "")]
    #[case("FTP://h/f;type=i", None, None, "h", 21, "f")]
    #[case("ftp://@h/", None, None, "h", 21, "")]
    #[case("ftp://:pw@h/", None, Some("pw"), "h", 21, "")]
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
    #[case("h:21/x", UrlError::NoScheme)]
    #[case("http://h/", UrlError::Scheme("http".into()))]
    #[case("ftp://", UrlError::NoHost)]
    #[case("ftp://:21/", UrlError::NoHost)]
    #[case("ftp://[::1/", UrlError::UnclosedBracket)]
    #[case("ftp://[::1]x/", UrlError::Port("x".into()))]
    #[case("ftp://h:0/", UrlError::Port("0".into()))]
    #[case("ftp://h:99999/", UrlError::Port("99999".into()))]
    #[case("ftp://h:x/", UrlError::Port("x".into()))]
    #[case("ftp://h/%zz", UrlError::Escape("%zz".into()))]
    #[case("ftp://u%ff@h/", UrlError::NotUtf8("u%ff".into()))]
    #[case("ftp://h/a%0d%0aDELE%20b", UrlError::LineBreak("a%0d%0aDELE%20b".into()))]
    fn refuses(#[case] text: &str, #[case] error: UrlError) {
        assert_eq!(FtpUrl::parse(text), Err(error), "{text}");
    }

    #[test]
    fn file_name_is_the_last_segment() {
        assert_eq!(
            FtpUrl::parse("ftp://h/a/b.bin").unwrap().file_name(),
            Some("b.bin")
        );
        assert_eq!(FtpUrl::parse("ftp://h/a/").unwrap().file_name(), None);
    }

    #[test]
    fn ftps_is_implicit_tls_on_port_990() {
        let url = FtpUrl::parse("FTPS://h/pub").unwrap();
        assert_eq!(
            (url.scheme, url.port, url.path.as_str()),
            (Scheme::Ftps, 990, "pub")
        );
        assert_eq!(FtpUrl::parse("ftps://h:21/").unwrap().port, 21);
        assert!(FtpUrl::parse("ftp://h:21/").unwrap().port_given);
        assert!(!FtpUrl::parse("ftp://h/").unwrap().port_given);
        assert_eq!(FtpUrl::parse("ftp://h/").unwrap().scheme, Scheme::Ftp);
        assert_eq!(
            FtpUrl::parse("sftp://h/"),
            Err(UrlError::Scheme("sftp".into()))
        );
    }

    #[rstest]
    #[case("ftp://h")]
    #[case("ftps://h")]
    #[case("ftps://h:21/x")]
    #[case("ftp://h:990/x")]
    #[case("ftp://h:21/x")]
    #[case("ftp://u:p%40ss@h:2121/a%20b/c")]
    #[case("ftp://[::1]:2121//abs")]
    fn displays_what_it_parsed(#[case] text: &str) {
        assert_eq!(FtpUrl::parse(text).unwrap().to_string(), text);
    }

    /// A part of a URL: any text without line breaks (those are refused by design).
    fn part() -> impl Strategy<Value = String> {
        any::<String>().prop_map(|s| s.replace(['\r', '\n'], ""))
    }

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z0-9][a-z0-9.-]{0,20}",
            any::<[u16; 8]>().prop_map(|v6| std::net::Ipv6Addr::from(v6).to_string()),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in any::<String>(), tail in "[:@/\\[\\]%0-9a-f;]{0,20}") {
            let _ = FtpUrl::parse(&text);
            let _ = FtpUrl::parse(&format!("ftp://{tail}"));
        }

        #[test]
        fn display_round_trips(
            user in proptest::option::of(part().prop_filter("a user is not empty", |u| !u.is_empty())),
            password in proptest::option::of(part()),
            host in host(),
            port in 1u16..,
            named in any::<bool>(),
            path in part(),
            implicit_tls in any::<bool>(),
        ) {
            let scheme = if implicit_tls { Scheme::Ftps } else { Scheme::Ftp };
            // A port other than the default can only come from the URL naming it.
            let port_given = named || port != scheme.default_port();
            let url = FtpUrl { scheme, user, password, host, port, port_given, path };
            prop_assert_eq!(FtpUrl::parse(&url.to_string()), Ok(url));
        }
    }
}
