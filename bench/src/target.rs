//! The server under test, from an `ftp://[user[:password]@]host[:port][/dir]` URL: where to connect,
//! how to log in and which directory the scenarios work in. Only loopback addresses are accepted unless
//! the caller allows remote targets explicitly: a benchmark floods its target.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};

use ftp_proto::url::{FtpUrl, UrlError};

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
    /// Not an `ftp://` URL, as the shared parser reads one.
    #[error("{url:?}: {reason}; expected ftp://[user[:password]@]host[:port][/dir]")]
    BadUrl { url: String, reason: UrlError },
    /// The host name did not resolve.
    #[error("{0}: cannot resolve host")]
    Unresolved(String),
    /// A non-loopback address without `--allow-remote`.
    #[error("{0} is not a loopback address; benchmarks flood their target, pass --allow-remote to do this on purpose")]
    NotLoopback(SocketAddr),
}

/// The password of an anonymous login, or of a user the URL gives none for.
const BENCH_PASSWORD: &str = "bench@example.com";

impl Target {
    /// Parses `url` and resolves its host. `allow_remote` lifts the loopback-only rule.
    pub fn parse(url: &str, allow_remote: bool) -> Result<Target, TargetError> {
        let parsed = FtpUrl::parse(url).map_err(|reason| TargetError::BadUrl {
            url: url.to_string(),
            reason,
        })?;
        let addr = resolve(&parsed.host, parsed.port)?;
        if !allow_remote && !addr.ip().is_loopback() {
            return Err(TargetError::NotLoopback(addr));
        }
        // "/upload" -> paths under upload, relative to the login directory (RFC 1738 §3.2.2).
        let dir = parsed.path.trim_matches('/').to_string();
        Ok(Target {
            addr,
            user: parsed.user.unwrap_or_else(|| "anonymous".to_string()),
            password: parsed
                .password
                .unwrap_or_else(|| BENCH_PASSWORD.to_string()),
            dir: (!dir.is_empty()).then_some(dir),
        })
    }

    /// A scenario path as the server should see it: relative paths are put under the URL's directory
    /// (so no scenario spends a round trip on CWD), absolute ones are kept.
    pub fn path(&self, path: &str) -> String {
        match &self.dir {
            Some(dir) if !path.starts_with('/') => format!("{dir}/{path}"),
            _ => path.to_string(),
        }
    }
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
        for bad in [
            "http://x/",
            "ftp://:21/",
            "ftp://127.0.0.1:0/",
            "ftp://127.0.0.1:x/",
        ] {
            assert!(
                matches!(Target::parse(bad, false), Err(TargetError::BadUrl { .. })),
                "{bad}"
            );
        }
    }
}
