//! Directory listings: `ls -l` lines for LIST, bare names for NLST, MDTM timestamps.
//!
//! LIST lines look like `/bin/ls -l` as most clients parse it (type and mode, link count, owner, group,
//! size, date, name). Dates within the last six months show the time, older ones the year. Owner and
//! group are numeric, as vsftpd shows them. Names starting with a dot are shown only with `-a`;
//! uploads in progress never.

use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Names of uploads in progress start with this; they are never listed.
pub const UPLOAD_PREFIX: &str = ".ftp-upload.";

/// One entry to list.
pub struct Entry {
    pub name: Vec<u8>,
    pub metadata: Metadata,
}

/// Reads a directory's entries (or a single file's), sorted by name, dotfiles only when `all`.
pub async fn read_entries(path: &Path, all: bool) -> std::io::Result<Vec<Entry>> {
    let metadata = tokio::fs::symlink_metadata(path).await?;
    if !metadata.is_dir() {
        let name = path
            .file_name()
            .map(|name| name.as_bytes().to_vec())
            .unwrap_or_default();
        return Ok(vec![Entry { name, metadata }]);
    }
    let mut entries = Vec::new();
    let mut directory = tokio::fs::read_dir(path).await?;
    while let Some(entry) = directory.next_entry().await? {
        let name = entry.file_name().as_bytes().to_vec();
        if (!all && name.first() == Some(&b'.')) || name.starts_with(UPLOAD_PREFIX.as_bytes()) {
            continue;
        }
        // An entry that vanished between readdir and stat is simply not listed.
        if let Ok(metadata) = entry.metadata().await {
            entries.push(Entry { name, metadata });
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// One `ls -l` line, CRLF-terminated.
pub fn long_line(entry: &Entry, now: SystemTime) -> Vec<u8> {
    let meta = &entry.metadata;
    let kind = if meta.is_dir() {
        'd'
    } else if meta.file_type().is_symlink() {
        'l'
    } else {
        '-'
    };
    let mode = meta.permissions().mode();
    let mut permissions = String::with_capacity(9);
    for (bit, letter) in [
        (0o400, 'r'),
        (0o200, 'w'),
        (0o100, 'x'),
        (0o40, 'r'),
        (0o20, 'w'),
        (0o10, 'x'),
    ]
    .into_iter()
    .chain([(0o4, 'r'), (0o2, 'w'), (0o1, 'x')])
    {
        permissions.push(if mode & bit != 0 { letter } else { '-' });
    }
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let mut line = format!(
        "{kind}{permissions} {:>3} {:<8} {:<8} {:>12} {} ",
        meta.nlink(),
        meta.uid(),
        meta.gid(),
        meta.len(),
        ls_date(modified, now)
    )
    .into_bytes();
    line.extend_from_slice(&entry.name);
    line.extend_from_slice(b"\r\n");
    line
}

/// A name line for NLST, CRLF-terminated.
pub fn name_line(entry: &Entry) -> Vec<u8> {
    let mut line = entry.name.clone();
    line.extend_from_slice(b"\r\n");
    line
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const SIX_MONTHS_SECS: u64 = 182 * 24 * 3600;

/// `Mon DD HH:MM` for recent times, `Mon DD  YYYY` otherwise (as `ls -l` does).
fn ls_date(time: SystemTime, now: SystemTime) -> String {
    let civil = Civil::from(time);
    let recent = now
        .duration_since(time)
        .map(|age| age.as_secs() < SIX_MONTHS_SECS)
        .unwrap_or(false);
    let month = MONTHS[(civil.month - 1) as usize];
    if recent {
        format!(
            "{month} {:>2} {:02}:{:02}",
            civil.day, civil.hour, civil.minute
        )
    } else {
        format!("{month} {:>2}  {:>4}", civil.day, civil.year)
    }
}

/// `YYYYMMDDHHMMSS` in UTC, as MDTM replies (RFC 3659 §2.3).
pub fn mdtm_timestamp(time: SystemTime) -> String {
    let c = Civil::from(time);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// A UTC calendar time.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl From<SystemTime> for Civil {
    /// Days-to-civil after Howard Hinnant's `civil_from_days`, valid for the proleptic Gregorian calendar.
    fn from(time: SystemTime) -> Civil {
        let secs = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => after.as_secs() as i64,
            Err(before) => -(before.duration().as_secs() as i64),
        };
        let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (day_secs / 3600) as u32,
            minute: (day_secs % 3600 / 60) as u32,
            second: (day_secs % 60) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn dates() {
        // 2017-10-13 12:34:56 UTC, the brief's start date.
        let time = at(1_507_898_096);
        assert_eq!(mdtm_timestamp(time), "20171013123456");
        assert_eq!(
            ls_date(time, time + Duration::from_secs(3600)),
            "Oct 13 12:34"
        );
        assert_eq!(ls_date(time, at(1_600_000_000)), "Oct 13  2017");
        assert_eq!(mdtm_timestamp(at(951_782_400)), "20000229000000");
        assert_eq!(mdtm_timestamp(UNIX_EPOCH), "19700101000000");
    }

    #[tokio::test]
    async fn long_lines_for_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("robots.txt"), b"x".repeat(26)).unwrap();
        std::fs::create_dir(dir.path().join("pub")).unwrap();
        std::fs::write(dir.path().join(".hidden"), b"").unwrap();
        let entries = read_entries(dir.path(), false).await.unwrap();
        let lines: Vec<String> = entries
            .iter()
            .map(|e| String::from_utf8(long_line(e, SystemTime::now())).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("d") && lines[0].ends_with(" pub\r\n"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("-rw")
                && lines[1].contains(" 26 ")
                && lines[1].ends_with(" robots.txt\r\n")
        );
        assert_eq!(read_entries(dir.path(), true).await.unwrap().len(), 3);
    }
}
