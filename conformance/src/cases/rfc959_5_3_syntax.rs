//! RFC 959 §5.3, commands: verbs in any case, line ends, unknown verbs, empty and over-long lines. A
//! malformed line may be refused or the session closed cleanly, but never may the server hang.

use ftp_proto::Command;

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;

use crate::steps::{replies_until, QUIET};

pub const CASES: &[Case] = &[
    crate::case!("rfc959/5.3/lowercase-verbs", Must, "verbs in lower case work, login included", "RFC 959 §5.3.1: \"The command codes are four or fewer alphabetic characters. Upper and lower case alphabetic characters are to be treated identically.\"", lowercase),
    crate::case!("rfc959/5.3/bare-lf", Must, "a command ended by a bare LF does not hang the session", "RFC 959 §5.3: commands end with <CRLF>; a line ended otherwise is the client's error, which the server answers (or ignores, or reads on to the next CRLF) and goes on", bare_lf),
    crate::case!("rfc959/5.3/unknown-command-500", Must, "an unknown verb gets 500", "RFC 959 §4.2.1: \"500 Syntax error, command unrecognized.\"", unknown),
    crate::case!("rfc959/5.3/empty-line", Must, "an empty line is refused or ignored and the session goes on", "RFC 959 §5.3: <command> ::= <verb> [<SP> <argument>] <CRLF>; §4.2.1: \"500 Syntax error, command unrecognized. This may include errors such as command line too long.\"", empty),
    crate::case!("rfc959/5.3/long-line", Must, "a 10,000-byte line is refused or the session closed cleanly, never a hang", "RFC 959 §4.2.1: \"500 Syntax error, command unrecognized. This may include errors such as command line too long.\"", long_line),
    crate::case!("rfc959/5.3/missing-argument-501", Must, "TYPE without its argument gets 501", "RFC 959 §4.2.1: \"501 Syntax error in parameters or arguments.\"", missing_argument),
];

async fn lowercase(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    let login = &cx.target.login;
    // Lower-case verbs are what this case is about, so these lines go out raw.
    let reply = control.raw_line(&format!("user {}", login.user)).await?;
    cx.check_reply("user", &reply, &[331, 230], &[])?;
    if reply.code == 331 {
        let reply = control.raw_line(&format!("pass {}", login.pass)).await?;
        cx.check_reply("pass", &reply, &[230, 202], &[])?;
    }
    for (command, code) in [("syst", 215), ("noop", 200), ("type i", 200), ("Noop", 200)] {
        let reply = control.raw_line(command).await?;
        cx.check_reply(command, &reply, &[code], &[])?;
    }
    Ok(Outcome::Pass)
}

/// `NOOP<LF>SYST<CRLF>` is one line to a server that ends lines at CRLF only (one reply, or none, is
/// legal), two to one that also takes a bare LF. Either way a fresh CRLF command must then be answered.
async fn bare_lf(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    control.send_raw(b"NOOP\n").await?;
    let early = control.reply_within(QUIET).await?;
    control.send(&Command::Syst).await?;
    let mut answers: Vec<_> = early.into_iter().collect();
    while let Some(reply) = control.reply_within(QUIET).await? {
        answers.push(reply);
        if answers.len() > 3 {
            break;
        }
    }
    if let Some(reply) = answers
        .iter()
        .find(|r| !matches!(r.code, 200 | 215 | 500..=502))
    {
        return Err(Outcome::fail(
            &["NOOP<LF> then SYST: 200/500/501/502 or 215 replies, or none"],
            show(reply),
        ));
    }
    // Every earlier reply has been read (none came for QUIET), so this 200 is the fresh NOOP's.
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP afterwards (CRLF)", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

async fn unknown(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("XYZZY plugh").await?;
    cx.check_reply("XYZZY", &reply, &[500], &[502])?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP afterwards", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

async fn empty(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    control.send_raw(b"\r\n").await?;
    control.send(&Command::Noop).await?;
    let (_, skipped) = replies_until(&mut control, &[200], 3).await?;
    if let Some(reply) = skipped.iter().find(|r| !matches!(r.code, 500..=502)) {
        return Err(Outcome::fail(&["empty line: 500 or no reply"], show(reply)));
    }
    Ok(Outcome::Pass)
}

async fn long_line(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let mut line = vec![b'A'; 10_000];
    line.extend_from_slice(b"\r\n");
    control.send_raw(&line).await?;
    // Some servers answer each chunk of the line; a clean close is acceptable too.
    if control.send(&Command::Noop).await.is_err() {
        return Ok(Outcome::Pass);
    }
    for _ in 0..8 {
        match control.reply().await {
            Ok(reply) if reply.code == 200 => return Ok(Outcome::Pass),
            Ok(reply) if matches!(reply.code, 500 | 501 | 421) => continue,
            Ok(reply) => {
                return Err(Outcome::fail(
                    &["500/501 for the long line, then 200 for NOOP"],
                    show(&reply),
                ))
            }
            Err(Outcome::Fail { actual, .. })
                if actual.contains("closed the control connection")
                    || actual.contains("control connection error") =>
            {
                return Ok(Outcome::Pass)
            }
            Err(other) => return Err(other),
        }
    }
    Err(Outcome::fail(
        &["NOOP answered after the long line"],
        "more than 8 refusals and no 200",
    ))
}

async fn missing_argument(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("TYPE").await?;
    cx.check_reply("TYPE without argument", &reply, &[501], &[500, 504])?;
    Ok(Outcome::Pass)
}
