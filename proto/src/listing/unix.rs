//! `ls -l` lines, as UNIX servers send them for LIST:
//!
//! ```text
//! drwxr-xr-x    2 999      995          4096 Dec 05 11:47 sub dir          (vsftpd)
//! -rw-r--r--    1 999        ftp           123456 Dec  5 11:47 a b.bin    (pure-ftpd)
//! lrwxrwxrwx   1 ftp      ftp             9 Mar  7  2024 link -> target (ProFTPD, ours)
//! crw-rw-rw-   1 root     root       1,   3 Jan 10  2024 null            (a device)
//! ```
//! The owner and group columns vary in number and width, so the date is found instead: a month name,
//! a day, then `HH:MM` or a year, with the size (or a device's `major, minor`) just before. The name
//! is the rest of the line after one space, so names keep their inner and trailing spaces.

use super::time::month_number;
use super::{kind_of_name, Entry, EntryKind, Modified};

/// At most this many fields are looked at before the name: permissions, links, owner, group, size
/// and the date's three, with room for servers that add a column or split a device's numbers.
const MAX_FIELDS: usize = 12;

/// One `ls -l` line; `None` if the line is not one (`total 12`, blank, anything else).
pub fn parse(line: &str) -> Option<Entry> {
    let fields = field_spans(line, MAX_FIELDS);
    let field = |index: usize| fields.get(index).map(|&(start, end)| &line[start..end]);
    let perms = field(0)?;
    let kind = kind_of_type_char(perms.chars().next()?)?;
    let mode = mode_of(perms)?;
    let month_at = (2..fields.len().saturating_sub(2)).find(|&index| {
        field(index).and_then(month_number).is_some()
            && field(index + 1).and_then(parse_day).is_some()
            && field(index + 2).and_then(parse_time_or_year).is_some()
    })?;
    let month = field(month_at).and_then(month_number)?;
    let day = field(month_at + 1).and_then(parse_day)?;
    let (year, hour, minute) = field(month_at + 2).and_then(parse_time_or_year)?;
    let before_date = field(month_at - 1)?;
    // A device shows `major, minor` (or `major,minor`) where the size would be.
    let is_device = perms.starts_with(['c', 'b']);
    let size = match before_date.parse::<u64>() {
        Ok(_) if is_device => None,
        Ok(size) => Some(size),
        Err(_) if is_device && is_device_numbers(before_date) => None,
        Err(_) => return None,
    };
    let (_, time_end) = fields.get(month_at + 2).copied()?;
    let rest = &line[time_end..];
    let name = rest
        .strip_prefix([' ', '\t'])
        .unwrap_or(rest)
        .trim_end_matches(['\r', '\n']);
    if name.is_empty() {
        return None;
    }
    let (name, link_target) = match (kind, name.split_once(" -> ")) {
        (EntryKind::Link, Some((name, target))) => (name, Some(target.to_string())),
        _ => (name, None),
    };
    Some(Entry {
        name: name.to_string(),
        kind: kind_of_name(name, kind),
        size,
        modified: Some(Modified::Civil {
            year,
            month,
            day,
            hour,
            minute,
        }),
        mode: Some(mode),
        link_target,
    })
}

/// The byte spans of the first `limit` whitespace-separated fields of `line`.
fn field_spans(line: &str, limit: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (index, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(begun)) => {
                spans.push((begun, index));
                start = None;
                if spans.len() == limit {
                    return spans;
                }
            }
            (false, None) => start = Some(index),
            _ => {}
        }
    }
    if let Some(begun) = start {
        spans.push((begun, line.len()));
    }
    spans
}

/// The first `count` fields of `line` and the rest after them with its leading whitespace removed;
/// `None` if the line has fewer fields. (The DOS format's splitter too.)
pub(crate) fn split_fields(line: &str, count: usize) -> Option<(Vec<&str>, &str)> {
    let spans = field_spans(line, count);
    if spans.len() < count {
        return None;
    }
    let fields = spans
        .iter()
        .map(|&(start, end)| &line[start..end])
        .collect();
    let end = spans.last().map_or(0, |&(_, end)| end);
    Some((fields, line[end..].trim_start()))
}

/// The kind of `ls`'s first permission character.
fn kind_of_type_char(c: char) -> Option<EntryKind> {
    match c {
        '-' => Some(EntryKind::File),
        'd' => Some(EntryKind::Dir),
        'l' => Some(EntryKind::Link),
        'c' | 'b' | 'p' | 's' | 'D' => Some(EntryKind::Other),
        _ => None,
    }
}

/// The permission bits of `drwxr-sr-t` (and a trailing `+`, `@` or `.` for ACLs and attributes).
fn mode_of(perms: &str) -> Option<u32> {
    let bits: Vec<char> = perms.chars().skip(1).take(9).collect();
    if bits.len() != 9 || !matches!(perms.chars().count(), 10 | 11) {
        return None;
    }
    let mut mode = 0u32;
    for (index, c) in bits.iter().enumerate() {
        let shift = 8 - index as u32;
        let special = match index {
            2 => 0o4000,
            5 => 0o2000,
            8 => 0o1000,
            _ => 0,
        };
        match (index % 3, c) {
            (_, '-') => {}
            (0, 'r') | (1, 'w') | (2, 'x') => mode |= 1 << shift,
            (2, 's' | 't') => mode |= (1 << shift) | special,
            (2, 'S' | 'T') => mode |= special,
            _ => return None,
        }
    }
    Some(mode)
}

fn parse_day(text: &str) -> Option<u8> {
    let day: u8 = text.parse().ok()?;
    (1..=31).contains(&day).then_some(day)
}

/// `HH:MM` (this year, so no year) or a four-digit year (at midnight).
fn parse_time_or_year(text: &str) -> Option<(Option<i32>, u8, u8)> {
    if let Some((hour, minute)) = text.split_once(':') {
        let hour: u8 = hour.parse().ok()?;
        let minute: u8 = minute.parse().ok()?;
        return (hour < 24 && minute < 60).then_some((None, hour, minute));
    }
    let year: i32 = text.parse().ok()?;
    (text.len() == 4).then_some((Some(year), 0, 0))
}

/// `1,` (a device's major number, its minor in the next field) or `1,3`.
fn is_device_numbers(text: &str) -> bool {
    let digits = text.trim_end_matches(',');
    !digits.is_empty()
        && digits
            .split(',')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_kinds() {
        let entry = parse("drwxr-sr-t   2 a b 4096 Jan  1  2020 d").unwrap();
        assert_eq!(entry.mode, Some(0o3755));
        assert_eq!(entry.kind, EntryKind::Dir);
        let suid = parse("-rwSr--r--+ 1 a b 1 Jan 1 00:00 f").unwrap();
        assert_eq!(suid.mode, Some(0o4644));
        assert_eq!(parse("?rw-r--r-- 1 a b 1 Jan 1 00:00 f"), None);
    }

    #[test]
    fn devices_links_dots_and_spaces() {
        let null = parse("crw-rw-rw-   1 root     root       1,   3 Jan 10  2024 null").unwrap();
        assert_eq!(
            (null.kind, null.size, null.name.as_str()),
            (EntryKind::Other, None, "null")
        );
        let tight = parse("brw-rw----   1 root disk 8,0 Feb 29 12:00 sda").unwrap();
        assert_eq!(tight.name, "sda");
        let link = parse("lrwxrwxrwx 1 u g 9 Mar 7 2024 a -> b -> c").unwrap();
        assert_eq!(
            (link.name.as_str(), link.link_target.as_deref()),
            ("a", Some("b -> c"))
        );
        let not_link = parse("-rw-r--r-- 1 u g 9 Mar 7 2024 a -> b").unwrap();
        assert_eq!(not_link.name, "a -> b");
        let dot = parse("drwxr-xr-x 2 u g 6 Mar 7 2024 .").unwrap();
        assert!(dot.is_self_or_parent());
        let spaced = parse("-rw-r--r-- 1 u g 9 Mar 7 2024  lead and trail  ").unwrap();
        assert_eq!(spaced.name, " lead and trail  ");
        // No group column (some embedded servers), and an owner that looks like a month.
        let no_group = parse("-rw-r--r-- 1 jan 42 Mar 7 10:11 f").unwrap();
        assert_eq!((no_group.size, no_group.name.as_str()), (Some(42), "f"));
    }

    #[test]
    fn not_listing_lines() {
        for bad in [
            "",
            "total 12",
            "-rw-r--r-- 1 u g 9 Mar 7 2024",
            "-rw-r--r-- 1 u g x Mar 7 2024 f",
            "-rw-r--r-- 1 u g 9 Mar 32 2024 f",
            "-rw-r--r-- 1 u g 9 Mar 7 25:00 f",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
