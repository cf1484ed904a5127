//! Calendar dates to Unix seconds and back (proleptic Gregorian, UTC), and the `YYYYMMDDHHMMSS[.sss]`
//! time-val of MDTM and MLSx `modify` (RFC 3659 §2.3). No time zone database: FTP times are UTC.

/// Seconds since 1970-01-01T00:00:00Z for a UTC calendar time (H. Hinnant's `days_from_civil`).
/// Fields out of range are taken as they come (month 13 is next January), never a panic.
pub fn unix_from_civil(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> i64 {
    let month = i64::from(month.clamp(1, 12));
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
}

/// The UTC calendar time of Unix `seconds`: (year, month, day, hour, minute, second).
pub fn civil_from_unix(seconds: i64) -> (i32, u8, u8, u8, u8, u8) {
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
    (
        year,
        month,
        day,
        (in_day / 3600) as u8,
        (in_day % 3600 / 60) as u8,
        (in_day % 60) as u8,
    )
}

/// A time-val `YYYYMMDDHHMMSS` with an optional `.fraction` (dropped) as Unix seconds; `None` unless
/// every field is digits and in range.
pub fn parse_time_val(text: &str) -> Option<i64> {
    let text = text.trim();
    let whole = text.split_once('.').map_or(text, |(whole, _)| whole);
    if whole.len() != 14 || !whole.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| whole.get(range)?.parse::<u16>().ok();
    let year = i32::from(field(0..4)?);
    let month = u8::try_from(field(4..6)?).ok()?;
    let day = u8::try_from(field(6..8)?).ok()?;
    let hour = u8::try_from(field(8..10)?).ok()?;
    let minute = u8::try_from(field(10..12)?).ok()?;
    // 60 for a leap second.
    let second = u8::try_from(field(12..14)?).ok()?;
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    valid.then(|| unix_from_civil(year, month, day, hour, minute, second))
}

/// Unix `seconds` as a time-val `YYYYMMDDHHMMSS` (for MFMT and tests).
pub fn format_time_val(seconds: i64) -> String {
    let (year, month, day, hour, minute, second) = civil_from_unix(seconds);
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}")
}

/// The month number of an English three-letter abbreviation, any letter case.
pub fn month_number(name: &str) -> Option<u8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let position = MONTHS
        .iter()
        .position(|month| month.eq_ignore_ascii_case(name))?;
    u8::try_from(position + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(unix_from_civil(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_from_civil(2000, 3, 1, 0, 0, 0), 951_868_800);
        assert_eq!(unix_from_civil(2017, 10, 13, 12, 34, 56), 1_507_898_096);
        assert_eq!(civil_from_unix(1_507_898_096), (2017, 10, 13, 12, 34, 56));
        assert_eq!(civil_from_unix(-1), (1969, 12, 31, 23, 59, 59));
    }

    #[test]
    fn time_vals() {
        assert_eq!(parse_time_val("20171013123456"), Some(1_507_898_096));
        assert_eq!(parse_time_val("20171013123456.789"), Some(1_507_898_096));
        assert_eq!(format_time_val(1_507_898_096), "20171013123456");
        for bad in [
            "",
            "2017101312345",
            "2017101312345x",
            "20171313123456",
            "20171013243456",
        ] {
            assert_eq!(parse_time_val(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn civil_round_trips(seconds in -10_000_000_000i64..100_000_000_000) {
            let (y, mo, d, h, mi, s) = civil_from_unix(seconds);
            proptest::prop_assert_eq!(unix_from_civil(y, mo, d, h, mi, s), seconds);
            proptest::prop_assert_eq!(parse_time_val(&format_time_val(seconds)), Some(seconds));
        }
    }
}
