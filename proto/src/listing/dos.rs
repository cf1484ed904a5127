//! The DOS/IIS LIST format: `MM-DD-YY  HH:MMAM  <DIR>  name` or `... SIZE name`, as Windows IIS (in
//! its default MS-DOS style) and some embedded servers send it. Four- and two-digit years, 12-hour
//! times with AM/PM and 24-hour times are all read.

use super::unix::split_fields;
use super::{kind_of_name, Entry, EntryKind, Modified};

/// One DOS-style line; `None` if the line is not one.
pub fn parse(line: &str) -> Option<Entry> {
    let (fields, rest) = split_fields(line, 3)?;
    let [date, time, size_or_dir] = [fields[0], fields[1], fields[2]];
    let (month, day, year) = parse_date(date)?;
    let (hour, minute) = parse_time(time)?;
    let name = rest;
    if name.is_empty() {
        return None;
    }
    let (kind, size) = if size_or_dir.eq_ignore_ascii_case("<DIR>") {
        (EntryKind::Dir, None)
    } else {
        // Sizes may carry thousands separators in some locales.
        let digits: String = size_or_dir.chars().filter(|c| *c != ',').collect();
        (EntryKind::File, Some(digits.parse::<u64>().ok()?))
    };
    let mut entry = Entry::new(name, kind_of_name(name, kind));
    entry.size = size;
    entry.modified = Some(Modified::Civil {
        year: Some(year),
        month,
        day,
        hour,
        minute,
    });
    Some(entry)
}

/// `MM-DD-YY` or `MM-DD-YYYY` (also with `/`); two-digit years below 70 are 20xx.
fn parse_date(text: &str) -> Option<(u8, u8, i32)> {
    let mut parts = text.split(['-', '/']);
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let year: i32 = year_text.parse().ok()?;
    let year = match year_text.len() {
        2 if year < 70 => 2000 + year,
        2 => 1900 + year,
        4 => year,
        _ => return None,
    };
    Some((month, day, year))
}

/// `HH:MM` with an optional `AM`/`PM` (12 AM is midnight, 12 PM noon).
fn parse_time(text: &str) -> Option<(u8, u8)> {
    let upper = text.to_ascii_uppercase();
    let (clock, meridiem) = match upper.strip_suffix("AM") {
        Some(clock) => (clock, Some(false)),
        None => match upper.strip_suffix("PM") {
            Some(clock) => (clock, Some(true)),
            None => (upper.as_str(), None),
        },
    };
    let (hour, minute) = clock.split_once(':')?;
    let hour: u8 = hour.parse().ok()?;
    let minute: u8 = minute.parse().ok()?;
    if minute > 59 {
        return None;
    }
    let hour = match meridiem {
        None if hour < 24 => hour,
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        _ => return None,
    };
    Some((hour, minute))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iis_lines() {
        let dir = parse("12-05-26  10:15AM       <DIR>          name with spaces").unwrap();
        assert_eq!(dir.name, "name with spaces");
        assert_eq!(dir.kind, EntryKind::Dir);
        assert_eq!(
            dir.modified,
            Some(Modified::Civil {
                year: Some(2026),
                month: 12,
                day: 5,
                hour: 10,
                minute: 15
            })
        );
        let file = parse("01-02-1999  12:00PM              1,234 a.txt").unwrap();
        assert_eq!((file.size, file.kind), (Some(1234), EntryKind::File));
        assert!(matches!(
            file.modified,
            Some(Modified::Civil {
                year: Some(1999),
                hour: 12,
                ..
            })
        ));
        let midnight = parse("01-02-99  12:30AM  5 m").unwrap();
        assert!(matches!(
            midnight.modified,
            Some(Modified::Civil {
                hour: 0,
                minute: 30,
                ..
            })
        ));
        for bad in [
            "",
            "13-01-26 10:15AM <DIR> x",
            "12-05-26 13:15PM 5 x",
            "12-05-26 10:15AM 5",
            "12-05-26 10:15AM abc x",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
