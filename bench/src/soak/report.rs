//! The soak's counts ([`Tally`]), merged from every session, and the summary table it prints.

use std::fmt::Write as _;

use ftp_testkit::proxy::{FaultCounts, FaultKind};

/// What the sessions did and proved.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub sessions_run: u64,
    pub sessions_completed: u64,
    /// Sessions ended early by an error (almost always an injected fault).
    pub sessions_cut: u64,
    pub never_read_sessions: u64,
    pub uploads_confirmed: u64,
    pub upload_bytes_confirmed: u64,
    pub uploads_refused: u64,
    pub aborted_uploads: u64,
    pub downloads_verified: u64,
    pub download_bytes_verified: u64,
    pub downloads_failed: u64,
    pub aborted_downloads: u64,
    pub quits_mid_transfer: u64,
    pub reconnects: u64,
    pub lists: u64,
    pub directories: u64,
    pub renames: u64,
    /// Bytes of files on disk that matched the ledger at the end.
    pub disk_bytes_verified: u64,
    /// Everything that must not happen; any entry fails the soak.
    pub anomalies: Vec<String>,
    /// The first few errors that cut sessions, for the curious.
    pub first_errors: Vec<String>,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.sessions_run += other.sessions_run;
        self.sessions_completed += other.sessions_completed;
        self.sessions_cut += other.sessions_cut;
        self.never_read_sessions += other.never_read_sessions;
        self.uploads_confirmed += other.uploads_confirmed;
        self.upload_bytes_confirmed += other.upload_bytes_confirmed;
        self.uploads_refused += other.uploads_refused;
        self.aborted_uploads += other.aborted_uploads;
        self.downloads_verified += other.downloads_verified;
        self.download_bytes_verified += other.download_bytes_verified;
        self.downloads_failed += other.downloads_failed;
        self.aborted_downloads += other.aborted_downloads;
        self.quits_mid_transfer += other.quits_mid_transfer;
        self.reconnects += other.reconnects;
        self.lists += other.lists;
        self.directories += other.directories;
        self.renames += other.renames;
        self.disk_bytes_verified += other.disk_bytes_verified;
        self.anomalies.extend(other.anomalies);
        for error in other.first_errors {
            if self.first_errors.len() < 5 {
                self.first_errors.push(error);
            }
        }
    }
}

/// The server's footprint before and after.
#[derive(Debug, Clone, Default)]
pub struct Footprint {
    pub rss_before: Option<u64>,
    pub rss_after: Option<u64>,
    pub fds_before: Option<u64>,
    pub fds_after: Option<u64>,
}

/// The summary table: one `what | value` row each.
pub fn table(
    label: &str,
    seed: u64,
    minutes: f64,
    tally: &Tally,
    control: &FaultCounts,
    footprint: &Footprint,
) -> String {
    let mut rows: Vec<(String, String)> = vec![
        ("server".into(), label.into()),
        ("seed (replay with --seed)".into(), seed.to_string()),
        ("minutes".into(), format!("{minutes:.1}")),
        ("sessions run".into(), tally.sessions_run.to_string()),
        ("  completed".into(), tally.sessions_completed.to_string()),
        (
            "  cut short by a fault".into(),
            tally.sessions_cut.to_string(),
        ),
        (
            "  never read replies".into(),
            tally.never_read_sessions.to_string(),
        ),
        (
            "  QUIT mid-transfer".into(),
            tally.quits_mid_transfer.to_string(),
        ),
        (
            "  dropped and reconnected".into(),
            tally.reconnects.to_string(),
        ),
        (
            "connections proxied".into(),
            control.connections().to_string(),
        ),
    ];
    for kind in FaultKind::ALL.iter().filter(|k| **k != FaultKind::None) {
        rows.push((format!("faults: {kind}"), control.count(*kind).to_string()));
    }
    rows.extend([
        (
            "uploads confirmed (226)".into(),
            format!(
                "{} ({})",
                tally.uploads_confirmed,
                bytes(tally.upload_bytes_confirmed)
            ),
        ),
        (
            "uploads aborted (ABOR)".into(),
            tally.aborted_uploads.to_string(),
        ),
        ("uploads refused".into(), tally.uploads_refused.to_string()),
        (
            "downloads verified (SHA-256)".into(),
            format!(
                "{} ({})",
                tally.downloads_verified,
                bytes(tally.download_bytes_verified)
            ),
        ),
        (
            "downloads aborted (ABOR)".into(),
            tally.aborted_downloads.to_string(),
        ),
        (
            "downloads failed (no 226)".into(),
            tally.downloads_failed.to_string(),
        ),
        (
            "LIST / MKD+RMD / RNFR+RNTO".into(),
            format!(
                "{} / {} / {}",
                tally.lists, tally.directories, tally.renames
            ),
        ),
        (
            "bytes verified on disk".into(),
            bytes(tally.disk_bytes_verified),
        ),
        (
            "server RSS before -> after".into(),
            format!(
                "{} -> {}",
                opt_bytes(footprint.rss_before),
                opt_bytes(footprint.rss_after)
            ),
        ),
        (
            "server open fds before -> after".into(),
            format!(
                "{} -> {}",
                opt(footprint.fds_before),
                opt(footprint.fds_after)
            ),
        ),
        ("anomalies".into(), tally.anomalies.len().to_string()),
    ]);
    let mut kinds: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for anomaly in &tally.anomalies {
        let kind = anomaly
            .split_once(" | ")
            .map_or(anomaly.as_str(), |(kind, _)| kind);
        *kinds.entry(kind).or_default() += 1;
    }
    for (kind, count) in kinds {
        rows.push((format!("  {kind}"), count.to_string()));
    }
    let width = rows.iter().map(|(what, _)| what.len()).max().unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(out, "| {:width$} | value", "soak");
    let _ = writeln!(out, "|-{:-<width$}-|------", "");
    for (what, value) in rows {
        let _ = writeln!(out, "| {what:width$} | {value}");
    }
    for anomaly in tally.anomalies.iter().take(20) {
        let _ = writeln!(out, "ANOMALY: {anomaly}");
    }
    if tally.anomalies.len() > 20 {
        let _ = writeln!(out, "... and {} more anomalies", tally.anomalies.len() - 20);
    }
    for error in &tally.first_errors {
        let _ = writeln!(out, "(a session cut short: {error})");
    }
    out
}

fn bytes(n: u64) -> String {
    format!("{:.1} MiB", n as f64 / (1024.0 * 1024.0))
}

fn opt_bytes(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), bytes)
}

fn opt(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}
