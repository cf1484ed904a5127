//! Banning addresses that keep failing to log in (`--ban-after N`): after N failed logins from one
//! address within the window, that address gets 421 for the ban time, at connect and at its next PASS.
//!
//! The window slides: each failure counts for `window` after it happened. Addresses are compared in
//! their canonical form (IPv4-mapped IPv6 is the IPv4 address). The table forgets an address once its
//! failures and ban are over, and is swept when it grows, so that many addresses cannot fill memory.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use std::time::Instant;

/// Past this many addresses, every stale entry is dropped before a new one is added.
const SWEEP_ABOVE: usize = 10_000;

/// The settings: after `after` failures within `window`, a ban of `duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BanPolicy {
    pub after: u32,
    pub window: Duration,
    pub duration: Duration,
}

/// Failed logins and bans by address.
#[derive(Debug)]
pub struct Bans {
    policy: Option<BanPolicy>,
    table: Mutex<HashMap<IpAddr, Record>>,
}

#[derive(Debug, Default)]
struct Record {
    failures: VecDeque<Instant>,
    banned_until: Option<Instant>,
}

impl Record {
    /// Forgets failures older than the window and a ban that is over; true when nothing is left.
    fn expire(&mut self, policy: &BanPolicy, now: Instant) -> bool {
        while self
            .failures
            .front()
            .is_some_and(|failure| now.duration_since(*failure) >= policy.window)
        {
            self.failures.pop_front();
        }
        if self.banned_until.is_some_and(|until| until <= now) {
            self.banned_until = None;
        }
        self.failures.is_empty() && self.banned_until.is_none()
    }
}

impl Bans {
    /// `None`: nobody is ever banned.
    pub fn new(policy: Option<BanPolicy>) -> Bans {
        Bans {
            policy: policy.filter(|policy| policy.after > 0),
            table: Mutex::new(HashMap::new()),
        }
    }

    /// True while `ip` is banned.
    pub fn is_banned(&self, ip: IpAddr) -> bool {
        self.is_banned_at(ip, Instant::now())
    }

    /// Counts a failed login from `ip`; true when this failure gets it banned (or it already was).
    pub fn record_failure(&self, ip: IpAddr) -> bool {
        self.record_failure_at(ip, Instant::now())
    }

    fn is_banned_at(&self, ip: IpAddr, now: Instant) -> bool {
        let Some(policy) = self.policy else {
            return false;
        };
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(record) = table.get_mut(&ip.to_canonical()) else {
            return false;
        };
        if record.expire(&policy, now) {
            table.remove(&ip.to_canonical());
            return false;
        }
        record.banned_until.is_some()
    }

    fn record_failure_at(&self, ip: IpAddr, now: Instant) -> bool {
        let Some(policy) = self.policy else {
            return false;
        };
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        if table.len() > SWEEP_ABOVE {
            table.retain(|_, record| !record.expire(&policy, now));
        }
        let record = table.entry(ip.to_canonical()).or_default();
        record.expire(&policy, now);
        record.failures.push_back(now);
        if record.failures.len() >= policy.after as usize {
            record.failures.clear();
            record.banned_until = Some(now + policy.duration);
            tracing::warn!(%ip, failures = policy.after, ban = ?policy.duration, "address banned after failed logins");
        }
        record.banned_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: BanPolicy = BanPolicy {
        after: 3,
        window: Duration::from_secs(60),
        duration: Duration::from_secs(600),
    };

    #[test]
    fn n_failures_in_the_window_ban_for_the_ban_time() {
        let bans = Bans::new(Some(POLICY));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        let at = |secs| start + Duration::from_secs(secs);
        assert!(!bans.record_failure_at(ip, at(0)));
        // Failures further apart than the window never add up.
        assert!(!bans.record_failure_at(ip, at(61)));
        assert!(!bans.record_failure_at(mapped, at(61)));
        assert!(!bans.is_banned_at(ip, at(61)));
        assert!(
            bans.record_failure_at(ip, at(62)),
            "the third within the window"
        );
        assert!(bans.is_banned_at(mapped, at(62)) && !bans.is_banned_at(other, at(62)));
        assert!(bans.is_banned_at(ip, at(661)));
        assert!(!bans.is_banned_at(ip, at(662)));
        assert!(bans.table.lock().unwrap().is_empty(), "forgotten");
    }

    #[test]
    fn without_a_policy_nobody_is_banned() {
        let bans = Bans::new(None);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..100 {
            assert!(!bans.record_failure(ip));
        }
        assert!(!bans.is_banned(ip));
    }
}
