//! RFC 3659 §3-§5: MDTM's time-val (UTC, `YYYYMMDDHHMMSS[.sss]`), SIZE in TYPE A (the octets a TYPE A
//! transfer would send, or a refusal), and REST STREAM resuming RETR and STOR byte-exact.

use std::time::{SystemTime, UNIX_EPOCH};

use ftp_proto::{Command, PathArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps::{self, pattern};

use super::shared::{get_image, judge_row, put_image, same_bytes};

pub const CASES: &[Case] = &[
    crate::case!("rfc3659/3/mdtm-format", Must, "MDTM of a file just uploaded: `213 YYYYMMDDHHMMSS[.sss]`, in UTC (within a day of now)", "RFC 3659 §3.1: \"mdtm-response = \\\"213\\\" SP time-val CRLF\"; §2.3: \"time-val = 14DIGIT [ \\\".\\\" 1*DIGIT ]\"; \"Time values are always represented in UTC (GMT)\"", mdtm_format),
    crate::case!("rfc3659/3/mdtm-missing-550", Must, "MDTM of a missing file: 550", "RFC 3659 §3.2: \"The server-PI will respond to the MDTM command with a 213 reply ... or a 550 reply if the file does not exist, the modification time is unavailable, or some other error has occurred\"", mdtm_missing),
    crate::case!("rfc3659/4/size-type-a", Must, "SIZE in TYPE A: the octets a TYPE A RETR sends (CRLF counted), or 550", "RFC 3659 §4: \"This is the exact number of octets (8 bit bytes) that would be transmitted over the data connection should that file be transmitted. This value will change depending on the current STRUcture, MODE, and TYPE\"; §4.2: \"Where the command is correctly parsed but the size is not available, perhaps because the pathname identifies no existing entity or because the entity named cannot be transferred in the current MODE and TYPE (or at all), then a 550 reply should be sent\"", size_type_a),
    crate::case!("rfc3659/5/rest-retr", Must, "REST STREAM n then RETR (TYPE I): 350, then exactly the bytes from offset n", "RFC 3659 §5: in STREAM mode the REST marker is the count of octets already transferred; REST gets 350 and the next RETR sends the file from that octet on", rest_retr),
    crate::case!("rfc3659/5/rest-stor", Must, "STOR a first part, REST STREAM n, STOR the rest: the file is whole, byte-exact", "RFC 3659 §5.5: the user-PI sends REST with the restart marker, then STOR of the same pathname, and the server writes the data from the marker on; RFC 1123 §4.1.3.4: \"A 554 reply may result from a FTP service command that follows a REST command. The reply indicates that the existing file at the Server-FTP cannot be repositioned as specified in the REST.\" (legal, non-strict)", rest_stor),
];

/// Seconds since 1970 of a UTC civil date (Howard Hinnant's days_from_civil).
fn epoch_seconds(year: i64, month: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + hour * 3600 + minute * 60 + second
}

/// Parses `time-val` (RFC 3659 §2.3) to seconds since 1970, UTC; `None` when malformed.
pub fn parse_time_val(text: &str) -> Option<i64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let field = |range: std::ops::Range<usize>| whole[range].parse::<i64>().ok();
    let (year, month, day) = (field(0..4)?, field(4..6)?, field(6..8)?);
    let (hour, minute, second) = (field(8..10)?, field(10..12)?, field(12..14)?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    valid.then(|| epoch_seconds(year, month, day, hour, minute, second))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Fails unless `value` is a time-val within a day of now.
pub fn recent_time_val(what: &str, value: &str) -> Step<()> {
    match parse_time_val(value) {
        Some(at) if (at - now()).abs() <= 86_400 => Ok(()),
        Some(_) => Err(Outcome::fail(
            &[&format!(
                "{what}: the upload time in UTC (within a day of now)"
            )],
            value.to_string(),
        )),
        None => Err(Outcome::fail(
            &[&format!("{what}: YYYYMMDDHHMMSS[.sss]")],
            value.to_string(),
        )),
    }
}

async fn mdtm_format(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MDTM")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("dated.bin")?;
    put_image(&cx, &mut control, &path, b"dated").await?;
    let reply = control.cmd(&Command::Mdtm(PathArg::from(&path))).await?;
    cx.check_reply("MDTM", &reply, &[213], &[])?;
    recent_time_val("MDTM", reply.text().trim())?;
    Ok(Outcome::Pass)
}

async fn mdtm_missing(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MDTM")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("no-such-file.bin")?;
    let reply = control.cmd(&Command::Mdtm(PathArg::from(&path))).await?;
    cx.check_reply("MDTM of a missing file", &reply, &[550], &[])?;
    Ok(Outcome::Pass)
}

async fn size_type_a(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("SIZE")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("sized.txt")?;
    put_image(&cx, &mut control, &path, b"one\ntwo\nthree\n").await?;
    let reply = control.cmd(&Command::Type(TransferType::Ascii)).await?;
    cx.check_reply("TYPE A", &reply, &[200], &[])?;
    let sent = steps::download(&mut control, &path, Mode::Passive).await?;
    let reply = control.cmd(&Command::Size(PathArg::from(&path))).await?;
    if reply.code == 550 {
        return Ok(Outcome::Pass);
    }
    cx.check_reply("SIZE in TYPE A", &reply, &[213], &[501, 504])?;
    if reply.code == 213 && reply.text().trim() != sent.len().to_string() {
        return Err(Outcome::fail(
            &[&format!(
                "SIZE in TYPE A: 213 {} (the octets RETR sent in TYPE A), or 550",
                sent.len()
            )],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

async fn rest_retr(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("REST")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("resumed.bin")?;
    let contents = pattern(10_000);
    put_image(&cx, &mut control, &path, &contents).await?;
    let reply = control.cmd(&Command::Rest(4000)).await?;
    judge_row(&cx, "REST", &reply, &[350], &[])?;
    let back = steps::download(&mut control, &path, Mode::Passive).await?;
    same_bytes("RETR after REST 4000", &contents[4000..], &back)?;
    Ok(Outcome::Pass)
}

async fn rest_stor(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("REST")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("resumed-up.bin")?;
    let contents = pattern(10_000);
    put_image(&cx, &mut control, &path, &contents[..4000]).await?;
    let reply = control.cmd(&Command::Rest(4000)).await?;
    judge_row(&cx, "REST", &reply, &[350], &[])?;
    let command = Command::Stor(PathArg::from(&path));
    match steps::begin(&mut control, Mode::Passive, &command, false).await? {
        Ok((data, _)) => {
            data.write_and_close(&contents[4000..]).await?;
            let done = control.reply().await?;
            cx.check_reply("STOR after REST 4000", &done, &[226, 250], &[])?;
        }
        // RFC 1123 §4.1.3.4: "A 554 reply may result ... if the existing file at the Server-FTP cannot be
        // repositioned as specified in the REST": a legal refusal, weaker than resuming.
        Err(reply) if reply.code == 554 => {
            cx.weaker(
                vec!["STOR after REST 4000: 150, the upload resumed".into()],
                format!("STOR after REST 4000: {}", show(&reply)),
            );
            return Ok(Outcome::Pass);
        }
        Err(reply) => {
            return Err(Outcome::fail(
                &["STOR after REST 4000: 150 or 125"],
                show(&reply),
            ))
        }
    }
    let back = get_image(&cx, &mut control, &path).await?;
    same_bytes(
        "RETR after STOR of 4000 bytes, REST 4000 and STOR of the rest",
        &contents,
        &back,
    )?;
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_vals() {
        assert_eq!(parse_time_val("19700101000000"), Some(0));
        assert_eq!(parse_time_val("20000301000000.5"), Some(951_868_800));
        assert_eq!(parse_time_val("2000-03-01 00:00"), None);
        assert_eq!(parse_time_val("20001301000000"), None);
        assert_eq!(parse_time_val("20000301000000."), None);
    }
}
