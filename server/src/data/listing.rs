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

/// Appends one `ls -l` line, CRLF-terminated (as `" {:>3} {:<8} {:<8} {:>12} {date} {name}"` after the
/// mode). Written digit by digit, not with `write!`: in a `perf` profile of a 100,000-entry LIST, the
/// formatting machinery and a `String` per date took about a sixth of the server's CPU time.
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
    out.push(b' ');
    push_decimal(out, stat.links, Align::Right(3));
    out.push(b' ');
    push_decimal(out, u64::from(stat.uid), Align::Left(8));
    out.push(b' ');
    push_decimal(out, u64::from(stat.gid), Align::Left(8));
    out.push(b' ');
    push_decimal(out, stat.len, Align::Right(12));
    out.push(b' ');
    push_ls_date(out, stat.modified, now);
    out.push(b' ');
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

/// Appends `Mon DD HH:MM` for recent times, `Mon DD  YYYY` otherwise (as `ls -l` does).
fn push_ls_date(out: &mut Vec<u8>, time: SystemTime, now: SystemTime) {
    let civil = Civil::from(time);
    let recent = now
        .duration_since(time)
        .map(|age| age.as_secs() < SIX_MONTHS_SECS)
        .unwrap_or(false);
    out.extend_from_slice(MONTHS[(civil.month - 1) as usize].as_bytes());
    out.push(b' ');
    push_decimal(out, u64::from(civil.day), Align::Right(2));
    if recent {
        out.push(b' ');
        push_decimal(out, u64::from(civil.hour), Align::Zeros(2));
        out.push(b':');
        push_decimal(out, u64::from(civil.minute), Align::Zeros(2));
    } else {
        out.extend_from_slice(b"  ");
        match u64::try_from(civil.year) {
            Ok(year) => push_decimal(out, year, Align::Right(4)),
            // Before the year 0: no file system gives such a time, but the format can show it.
            Err(_) => {
                let _ = write!(out, "{:>4}", civil.year);
            }
        }
    }
}

/// How [`push_decimal`] fills a field of a minimum width.
#[derive(Clone, Copy)]
enum Align {
    /// `{:>N}`: spaces before.
    Right(usize),
    /// `{:<N}`: spaces after.
    Left(usize),
    /// `{:0N}`: zeros before.
    Zeros(usize),
}

/// Appends `value` in decimal, padded to the field's width (never cut: a wider number overflows it).
fn push_decimal(out: &mut Vec<u8>, value: u64, align: Align) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = &digits[start..];
    let pad = |width: usize| width.saturating_sub(digits.len());
    match align {
        Align::Right(width) => out.resize(out.len() + pad(width), b' '),
        Align::Zeros(width) => out.resize(out.len() + pad(width), b'0'),
        Align::Left(_) => {}
    }
    out.extend_from_slice(digits);
    if let Align::Left(width) = align {
        out.resize(out.len() + pad(width), b' ');
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

    fn ls_date(time: SystemTime, now: SystemTime) -> String {
        let mut out = Vec::new();
        push_ls_date(&mut out, time, now);
        String::from_utf8(out).unwrap()
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
        assert_eq!(ls_date(at(3 * 60), at(1_600_000_000)), "Jan  1  1970");
        assert_eq!(ls_date(at(3 * 60), at(3 * 60)), "Jan  1 00:03");
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

    proptest::proptest! {
        /// Each field as `format!` pads it, for any value and width.
        #[test]
        fn decimals_are_padded_as_format_pads_them(value: u64, width in 0usize..25) {
            for (align, expected) in [
                (Align::Right(width), format!("{value:>width$}")),
                (Align::Left(width), format!("{value:<width$}")),
                (Align::Zeros(width), format!("{value:0width$}")),
            ] {
                let mut out = b"x".to_vec();
                push_decimal(&mut out, value, align);
                proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), format!("x{expected}"));
            }
        }

        /// A whole line as the `write!` it replaced wrote it, for any counts, sizes and times.
        #[test]
        fn long_lines_match_the_format_string(
            links: u64, uid: u32, gid: u32, len: u64, modified in 0u64..40_000_000_000, age in 0u64..400_000_000,
        ) {
            let mut file = entry("name", FileKind::File, 0o640, len);
            file.stat.links = links;
            file.stat.uid = uid;
            file.stat.gid = gid;
            file.stat.modified = at(modified);
            let now = at(modified + age);
            let mut line = Vec::new();
            long_line(&file, now, &mut line);
            let date = {
                let c = Civil::from(file.stat.modified);
                let month = MONTHS[(c.month - 1) as usize];
                if age < SIX_MONTHS_SECS {
                    format!("{month} {:>2} {:02}:{:02}", c.day, c.hour, c.minute)
                } else {
                    format!("{month} {:>2}  {:>4}", c.day, c.year)
                }
            };
            let expected = format!("-rw-r----- {links:>3} {uid:<8} {gid:<8} {len:>12} {date} name\r\n");
            proptest::prop_assert_eq!(String::from_utf8(line).unwrap(), expected);
        }
    }
}
