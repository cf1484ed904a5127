//! Directory listings: `ls -l` lines for LIST, bare names for NLST, MDTM timestamps.
//!
//! LIST lines look like `/bin/ls -l` as most clients parse it (type and mode, link count, owner, group,
//! size, date, name). Dates within the last six months show the time, older ones the year. Owner and
//! group are numeric, as vsftpd shows them. The order is [`sorted`]'s: by name for a directory of up
//! to [`SORTED_UP_TO`] entries, else as the file system gives them. Which entries are listed is the
//! caller's business; lines are appended to a caller's buffer, so a listing formats a batch at a time
//! without a buffer per line.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::storage::{Entry, FileKind, Listing, StorageFuture};

/// Directories with up to this many entries are listed sorted by name; larger ones are streamed in the
/// order the file system returns them, so that a listing holds at most this many entries in memory.
pub const SORTED_UP_TO: usize = 1000;

/// `listing`, its first batch gathered to [`SORTED_UP_TO`] entries and sorted by name when that is the
/// whole directory; the rest of a larger one streams through batch by batch (LIST, NLST, MLSD, STAT).
pub fn sorted(listing: Box<dyn Listing>) -> Box<dyn Listing> {
    Box::new(Sorted {
        inner: listing,
        started: false,
        ended: false,
    })
}

struct Sorted {
    inner: Box<dyn Listing>,
    started: bool,
    ended: bool,
}

impl Listing for Sorted {
    fn next_batch(&mut self) -> StorageFuture<'_, Option<Vec<Entry>>> {
        Box::pin(async move {
            if self.ended {
                return Ok(None);
            }
            if self.started {
                let batch = self.inner.next_batch().await?;
                self.ended = batch.is_none();
                return Ok(batch);
            }
            self.started = true;
            let mut first = Vec::new();
            while first.len() <= SORTED_UP_TO {
                match self.inner.next_batch().await? {
                    Some(batch) => first.extend(batch),
                    None => {
                        self.ended = true;
                        first.sort_unstable_by(|a, b| a.name.cmp(&b.name));
                        break;
                    }
                }
            }
            Ok(Some(first))
        })
    }
}

/// Appends one `ls -l` line, CRLF-terminated.
pub fn long_line(entry: &Entry, now: SystemTime, out: &mut Vec<u8>) {
    let stat = &entry.stat;
    let kind = match stat.kind {
        FileKind::Directory => b'd',
        FileKind::Symlink => b'l',
        FileKind::File | FileKind::Other => b'-',
    };
    let mut mode = *b"----------";
    mode[0] = kind;
    for (index, (bit, letter)) in [
        (0o400, b'r'),
        (0o200, b'w'),
        (0o100, b'x'),
        (0o40, b'r'),
        (0o20, b'w'),
        (0o10, b'x'),
        (0o4, b'r'),
        (0o2, b'w'),
        (0o1, b'x'),
    ]
    .into_iter()
    .enumerate()
    {
        if stat.mode & bit != 0 {
            mode[index + 1] = letter;
        }
    }
    out.extend_from_slice(&mode);
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        " {:>3} {:<8} {:<8} {:>12} {} ",
        stat.links,
        stat.uid,
        stat.gid,
        stat.len,
        ls_date(stat.modified, now)
    );
    out.extend_from_slice(&entry.name);
    out.extend_from_slice(b"\r\n");
}

/// Appends a name line for NLST, CRLF-terminated.
pub fn name_line(entry: &Entry, out: &mut Vec<u8>) {
    out.extend_from_slice(&entry.name);
    out.extend_from_slice(b"\r\n");
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

/// `YYYYMMDDHHMMSS[.sss]` in UTC, as MDTM and the MLSx `modify` fact give it (RFC 3659 §2.3:
/// `time-val = 14DIGIT [ "." 1*DIGIT ]`). Milliseconds are shown when the file system gave a fraction:
/// "implementations MUST NOT add precision to time-vals where that precision does not exist in the
/// underlying value being transmitted", so a whole second stays 14 digits.
pub fn mdtm_timestamp(time: SystemTime) -> String {
    let c = Civil::from(time);
    let millis = time
        .duration_since(UNIX_EPOCH)
        .map(|after| after.subsec_millis())
        .unwrap_or(0);
    let fraction = if millis > 0 {
        format!(".{millis:03}")
    } else {
        String::new()
    };
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{fraction}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `Www Mmm dd hh:mm:ss yyyy` in UTC, as `ctime(3)` writes it (without its newline): the transfer log's
/// first field.
pub fn ctime(time: SystemTime) -> String {
    let c = Civil::from(time);
    let days = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() / 86_400,
        Err(_) => 0,
    };
    // 1 January 1970 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let month = MONTHS[(c.month - 1) as usize];
    format!(
        "{weekday} {month} {:>2} {:02}:{:02}:{:02} {}",
        c.day, c.hour, c.minute, c.second, c.year
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
        assert_eq!(
            mdtm_timestamp(time + Duration::from_micros(7_900)),
            "20171013123456.007"
        );
    }

    fn entry(name: &str, kind: FileKind, mode: u32, len: u64) -> Entry {
        Entry {
            name: name.as_bytes().to_vec(),
            stat: crate::storage::Stat {
                kind,
                mode,
                links: 2,
                uid: 1000,
                gid: 100,
                len,
                modified: at(1_507_898_096),
                dev: 2049,
                ino: 1234,
            },
        }
    }

    #[test]
    fn long_lines_for_files_directories_and_links() {
        let now = at(1_507_898_096 + 3600);
        let line = |entry: &Entry| {
            let mut out = Vec::new();
            long_line(entry, now, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            line(&entry("robots.txt", FileKind::File, 0o644, 26)),
            "-rw-r--r--   2 1000     100                26 Oct 13 12:34 robots.txt\r\n"
        );
        assert_eq!(
            line(&entry("pub", FileKind::Directory, 0o755, 4096)),
            "drwxr-xr-x   2 1000     100              4096 Oct 13 12:34 pub\r\n"
        );
        assert!(line(&entry("l", FileKind::Symlink, 0o777, 3)).starts_with("lrwxrwxrwx "));
        let mut names = Vec::new();
        name_line(&entry("a", FileKind::File, 0, 0), &mut names);
        assert_eq!(names, b"a\r\n");
    }
}
