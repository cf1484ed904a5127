//! The server under test, from an `ftp://[user[:password]@]host[:port][/dir]` URL: where to connect,
//! how to log in and which directory the scenarios work in. Only loopback addresses are accepted unless
//! the caller allows remote targets explicitly: a benchmark floods its target.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

/// A parsed and resolved benchmark target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Control connection address.
    pub addr: SocketAddr,
    /// Login name (`anonymous` when the URL names none).
    pub user: String,
    /// Password (an e-mail-like string for anonymous logins).
    pub password: String,
    /// Directory to CWD into after login (`None` for the login directory); relative scenario paths
    /// resolve against it.
    pub dir: Option<String>,
}

/// Why a URL cannot be a target.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    /// Not an `ftp://` URL.
    #[error("{0:?}: expected ftp://[user[:password]@]host[:port][/dir]")]
    NotFtpUrl(String),
    /// The host part is empty or malformed.
    #[error("{0:?}: bad host")]
    BadHost(String),
    /// The port is not a number in 1..=65535.
    #[error("{0:?}: bad port")]
    BadPort(String),
    /// The host name did not resolve.
    #[error("{0}: cannot resolve host")]
    Unresolved(String),
    /// A non-loopback address without `--allow-remote`.
    #[error("{0} is not a loopback address; benchmarks flood their target, pass --allow-remote to do this on purpose")]
    NotLoopback(SocketAddr),
}

impl Target {
    /// Parses `url` and resolves its host. `allow_remote` lifts the loopback-only rule.
    pub fn parse(url: &str, allow_remote: bool) -> Result<Target, TargetError> {
        let rest = url
            .strip_prefix("ftp://")
            .ok_or_else(|| TargetError::NotFtpUrl(url.to_string()))?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (decode(user), decode(password)),
                None => (decode(info), "bench@example.com".to_string()),
            },
            None => ("anonymous".to_string(), "bench@example.com".to_string()),
        };
        let (host, port) = split_host_port(hostport, url)?;
        let addr = resolve(&host, port)?;
        if !allow_remote && !addr.ip().is_loopback() {
            return Err(TargetError::NotLoopback(addr));
        }
        // "/upload" -> CWD upload relative to the login directory, as RFC 1738 §3.2.2 reads an FTP URL.
        let dir = decode(path.trim_matches('/'));
        Ok(Target {
            addr,
            user,
            password,
            dir: (!dir.is_empty()).then_some(dir),
        })
    }
}

impl Target {
    /// A scenario path as the server should see it: relative paths are put under the URL's directory
    /// (so no scenario spends a round trip on CWD), absolute ones are kept.
    pub fn path(&self, path: &str) -> String {
        match &self.dir {
            Some(dir) if !path.starts_with('/') => format!("{dir}/{path}"),
            _ => path.to_string(),
        }
    }
}

fn split_host_port(hostport: &str, url: &str) -> Result<(String, u16), TargetError> {
    let bad_host = || TargetError::BadHost(url.to_string());
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(bad_host)?;
        (host, after.strip_prefix(':'))
    } else {
        match hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err(bad_host());
    }
    let port = match port {
        None => 21,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| TargetError::BadPort(url.to_string()))?,
    };
    Ok((host.to_string(), port))
}

fn resolve(host: &str, port: u16) -> Result<SocketAddr, TargetError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| TargetError::Unresolved(host.to_string()))
}

/// `%XX` decoding; a malformed escape is kept as written.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymous_by_default_with_the_url_dir() {
        let target = Target::parse("ftp://127.0.0.1:2121/upload", false).unwrap();
        assert_eq!(target.addr, "127.0.0.1:2121".parse().unwrap());
        assert_eq!(target.user, "anonymous");
        assert_eq!(target.dir.as_deref(), Some("upload"));
        let root = Target::parse("ftp://anonymous@127.0.0.1:2121/", false).unwrap();
        assert_eq!(root.dir, None);
        assert_eq!(
            Target::parse("ftp://localhost", false).unwrap().addr.port(),
            21
        );
    }

    #[test]
    fn paths_go_under_the_url_dir() {
        let target = Target::parse("ftp://127.0.0.1:21/upload", false).unwrap();
        assert_eq!(target.path("bench/big.bin"), "upload/bench/big.bin");
        assert_eq!(target.path("/etc/x"), "/etc/x");
        let root = Target::parse("ftp://127.0.0.1:21/", false).unwrap();
        assert_eq!(root.path("bench/big.bin"), "bench/big.bin");
    }

    #[test]
    fn credentials_and_ipv6() {
        let target = Target::parse("ftp://bob:p%40ss@[::1]:21/a%20b", false).unwrap();
        assert_eq!(target.user, "bob");
        assert_eq!(target.password, "p@ss");
        assert_eq!(target.addr, "[::1]:21".parse().unwrap());
        assert_eq!(target.dir.as_deref(), Some("a b"));
    }

    #[test]
    fn refuses_remote_unless_allowed() {
        assert!(matches!(
            Target::parse("ftp://192.0.2.1:21/", false),
            Err(TargetError::NotLoopback(_))
        ));
        assert!(Target::parse("ftp://192.0.2.1:21/", true).is_ok());
    }

    #[test]
    fn malformed_urls() {
        assert!(matches!(
            Target::parse("http://x/", false),
            Err(TargetError::NotFtpUrl(_))
        ));
        assert!(matches!(
            Target::parse("ftp://:21/", false),
            Err(TargetError::BadHost(_))
        ));
        assert!(matches!(
            Target::parse("ftp://127.0.0.1:0/", false),
            Err(TargetError::BadPort(_))
        ));
        assert!(matches!(
            Target::parse("ftp://127.0.0.1:x/", false),
            Err(TargetError::BadPort(_))
        ));
    }
}
