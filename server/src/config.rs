//! Server settings, already validated: what `main` builds from the command line and tests build directly.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::storage::{FaultPlan, ReadCut};
use crate::tls::TlsConfig;

/// Everything a [`crate::Server`] needs to know. Paths and ranges here are already checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory every session is jailed to.
    pub root: PathBuf,
    /// Allow uploads, MKD, RMD, DELE and renames for the anonymous user.
    pub writable: bool,
    /// Whether `anonymous`/`ftp` may log in (vsftpd's `anonymous_enable`).
    pub anonymous: bool,
    /// The users file (TOML) of named accounts; `None`: no named account.
    pub users_file: Option<PathBuf>,
    /// After this many failed logins from one address within `ban_window`, that address gets 421 for
    /// `ban_time`; `None` never bans.
    pub ban_after: Option<u32>,
    pub ban_window: Duration,
    pub ban_time: Duration,
    /// Where one line per file transfer goes, in the xferlog format; `None`: no transfer log.
    pub xferlog: Option<PathBuf>,
    /// The name in the greeting, the welcome and the goodbye.
    pub server_name: String,
    /// Lines of the `230-` welcome shown after login (the closing `230` line is fixed by the brief).
    pub welcome: Vec<String>,
    /// Ports PASV/EPSV listeners are taken from; `None` lets the OS choose.
    pub pasv_ports: Option<PortRange>,
    /// Address announced in 227 replies instead of the control connection's local address (NAT).
    pub pasv_address: Option<IpAddr>,
    /// A session with no command for this long gets 421 and is closed; a data connection that moves no
    /// byte for this long is given up with 426.
    pub idle_timeout: Duration,
    /// How long to wait for a data connection to be made (either direction) before 425.
    pub data_timeout: Duration,
    /// Connections over this number get 421 at once.
    pub max_connections: usize,
    /// Connections from one address over this number get 421 at once (vsftpd's `max_per_ip`).
    pub max_per_ip: usize,
    /// How long a refused PASS waits before its reply, in its own session only (vsftpd's
    /// `delay_failed_login`): password guessing gets slow, other sessions do not.
    pub failed_login_delay: Duration,
    /// On shutdown, how long running transfers may go on; one still running then gets 426.
    pub shutdown_grace: Duration,
    /// FTPS (AUTH TLS, PROT P, the implicit-TLS port); `None` serves plain FTP only.
    pub tls: Option<TlsConfig>,
    /// Storage faults injected by tests (the storage layer wraps itself in them); empty in normal use.
    #[doc(hidden)]
    pub faults: FaultPlan,
}

impl Config {
    /// The ban settings, when bans are on.
    pub fn ban_policy(&self) -> Option<crate::accounts::bans::BanPolicy> {
        self.ban_after
            .map(|after| crate::accounts::bans::BanPolicy {
                after,
                window: self.ban_window,
                duration: self.ban_time,
            })
    }
}

/// An inclusive range of TCP ports, `low <= high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub low: u16,
    pub high: u16,
}

impl PortRange {
    /// Parses `LOW-HIGH` with `1 <= LOW <= HIGH`.
    pub fn parse(text: &str) -> Result<PortRange, String> {
        let (low, high) = text
            .split_once('-')
            .ok_or_else(|| format!("expected LOW-HIGH, got {text:?}"))?;
        let port = |s: &str| {
            s.trim()
                .parse::<u16>()
                .map_err(|_| format!("{s:?} is not a port number (1-65535)"))
        };
        let (low, high) = (port(low)?, port(high)?);
        if low == 0 || low > high {
            return Err(format!("range {low}-{high} is empty or starts at 0"));
        }
        Ok(PortRange { low, high })
    }

    /// Number of ports in the range.
    pub fn len(&self) -> u32 {
        u32::from(self.high - self.low) + 1
    }

    /// Always false: a range holds at least one port.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// The welcome of the brief's example session, with this server's name.
pub fn default_welcome(server_name: &str) -> Vec<String> {
    vec![
        String::new(),
        "Welcome to".into(),
        format!(" {server_name}"),
        String::new(),
        "This site is provided as a public service. Use in violation of any applicable laws".into(),
        "is strictly prohibited. We make no guarantees, explicit or implicit, about the".into(),
        "contents of this site. Use at your own risk.".into(),
        String::new(),
    ]
}

impl Config {
    /// Defaults for a read-only server on `root`, as the command line gives them.
    pub fn new(root: impl Into<PathBuf>) -> Config {
        let server_name = local_host_name();
        Config {
            root: root.into(),
            writable: false,
            anonymous: true,
            users_file: None,
            ban_after: None,
            ban_window: Duration::from_secs(600),
            ban_time: Duration::from_secs(3600),
            xferlog: None,
            welcome: default_welcome(&server_name),
            server_name,
            pasv_ports: None,
            pasv_address: None,
            idle_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(30),
            max_connections: 200,
            max_per_ip: 50,
            failed_login_delay: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(30),
            tls: None,
            faults: FaultPlan::default(),
        }
    }
}

/// This machine's host name, for the greeting; "localhost" when it cannot be read.
fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(
            PortRange::parse("5000-5010"),
            Ok(PortRange {
                low: 5000,
                high: 5010
            })
        );
        assert_eq!(PortRange::parse("7-7").map(|r| r.len()), Ok(1));
        for bad in ["", "5000", "10-5", "0-5", "a-b", "1-70000", "-"] {
            assert!(PortRange::parse(bad).is_err(), "{bad:?}");
        }
    }
}
