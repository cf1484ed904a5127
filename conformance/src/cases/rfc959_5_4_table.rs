//! RFC 959 §5.4, the command-reply table, for the rows no other file exercises: ACCT, SMNT, REIN, ALLO,
//! REST, STOU, APPE, RNFR/RNTO, STAT, SITE and HELP. Each case provokes the command for real and judges
//! the code against its row ([`judge_row`]): the best answer passes, another code of the row is legal
//! but non-strict, a code outside the row fails. File and path errors live in `rfc959_5_4_errors`.

use std::time::Duration;

use ftp_proto::{Command, ListingArg, PathArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps::{self, stalled_retr};

use super::shared::{get_image, judge_row, put_image, same_bytes, split};

pub const CASES: &[Case] = &[
    crate::case!("rfc959/5.4/acct", Must, "ACCT after login: a code of its row (202 superfluous, 230, or 502 where ACCT is not implemented)", "RFC 959 §5.4: \"ACCT 230 202 530 500, 501, 503, 421\"; §5.1: ACCT is not part of the minimum implementation, so 502 \"Command not implemented\" (§4.2.1) is legal", acct),
    crate::case!("rfc959/5.4/smnt", Must, "SMNT of a directory: a code of its row", "RFC 959 §5.4: \"SMNT 202, 250 500, 501, 502, 421, 530, 550\"", smnt),
    crate::case!("rfc959/5.4/rein", Must, "REIN: 220 and the session is logged out (a new USER/PASS works), or 502", "RFC 959 §4.1.1 REIN: \"This command terminates a USER, flushing all I/O and account information, except to allow any transfer in progress to be completed. All parameters are reset to the default settings and the control connection is left open.\" §5.4: \"REIN 120 220 220 421 500, 502\"", rein),
    crate::case!("rfc959/5.4/allo", Must, "ALLO 1024: 200 or 202 (superfluous)", "RFC 959 §5.4: \"ALLO 200 202 500, 501, 504, 421, 530\"; §4.1.3 ALLO: \"This command may be required by some servers\"", allo),
    crate::case!("rfc959/5.4/allo-record", Must, "ALLO 1024 R 128 (with the record size): 200 or 202", "RFC 959 §5.3.1: \"ALLO <SP> <decimal-integer> [<SP> R <SP> <decimal-integer>] <CRLF>\"; §5.4: \"ALLO 200 202 500, 501, 504, 421, 530\"", allo_record),
    crate::case!("rfc959/5.4/rest-350", Must, "REST 100: 350 (the marker is kept for the next transfer)", "RFC 959 §5.4: \"REST 500, 501, 502, 421, 530 350\"; §4.1.3 REST: \"the server ... skips over the file to the specified data checkpoint\"", rest_350),
    crate::case!("rfc959/5.4/stou", Must, "STOU: 125/150, the upload, then 226/250; the file is stored under a new name", "RFC 959 §4.1.3 STOU: \"This command behaves like STOR except that the resultant file is to be created in the current directory under a name unique to that directory.\" §5.4: \"STOU 125, 150 (110) 226, 250 425, 426, 451, 551, 552 532, 450, 452, 553 500, 501, 421, 530\"", stou),
    crate::case!("rfc1123/4.1.2.9/stou-file-name", Must, "STOU's 125/150 reply names the file: `150 FILE: name`, and RETR of that name gives the upload", "RFC 1123 §4.1.2.9: \"a Server-FTP MUST return the actual file name in the \\\"125 Transfer Starting\\\" or the \\\"150 Opening Data Connection\\\" message that precedes the transfer ... 125 FILE: pppp 150 FILE: pppp\"", stou_file_name),
    crate::case!("rfc959/5.4/appe", Must, "APPE to an existing file appends: STOR abc, APPE def, RETR gives abcdef", "RFC 959 §4.1.3 APPE: \"if the file specified in the pathname exists at the server site, then the data shall be appended to that file\"; §5.4: APPE as STOR", appe),
    crate::case!("rfc959/5.4/appe-creates", Must, "APPE to a missing file creates it", "RFC 959 §4.1.3 APPE: \"otherwise the file specified in the pathname shall be created at the server site\"", appe_creates),
    crate::case!("rfc959/5.4/rnfr-rnto", Must, "RNFR (350) then RNTO (250) renames: the old name is gone, the new one has the contents", "RFC 959 §5.4: \"RNFR 450, 550 500, 501, 502, 421, 530 350\"; \"RNTO 250 532, 553 500, 501, 502, 503, 421, 530\"", rnfr_rnto),
    crate::case!("rfc959/5.4/rnto-without-rnfr-503", Must, "RNTO with no RNFR before it: 503", "RFC 959 §4.1.3 RNTO: \"This command specifies the new pathname of the file specified in the immediately preceding \\\"rename from\\\" command\"; §4.2.1: \"503 Bad sequence of commands\"; §5.4 RNTO row includes 503", rnto_without_rnfr),
    crate::case!("rfc959/5.4/rnfr-missing-550", Must, "RNFR of a missing file: 550", "RFC 959 §5.4: \"RNFR 450, 550 ...\"; §4.2.1: \"550 Requested action not taken. File unavailable (e.g., file not found, no access)\"", rnfr_missing),
    crate::case!("rfc959/5.4/rnfr-interrupted", Must, "RNFR, then NOOP, then RNTO: best 503 (RNTO must immediately follow RNFR), any RNTO row code is legal", "RFC 959 §4.1.3 RNFR: \"This command must be immediately followed by a \\\"rename to\\\" command\"", rnfr_interrupted),
    crate::case!("rfc959/5.4/stat-idle", Must, "STAT with no transfer and no argument: 211 (system status)", "RFC 959 §4.1.3 STAT: \"If no argument is given, the server should return general status information about the server FTP process\"; §5.4: \"STAT 211, 212, 213 450 500, 501, 502, 421, 530\"", stat_idle),
    crate::case!("rfc959/5.4/stat-path", Must, "STAT of a file: 211/212/213 on the control connection, naming the file", "RFC 959 §4.1.3 STAT: \"If the argument is a pathname, the command is analogous to the \\\"list\\\" command except that data shall be transferred over the control connection\"", stat_path),
    crate::case!("rfc959/5.4/stat-during-transfer", Must, "STAT (after Telnet IP and Synch) during a stalled RETR: a 211/212/213 status reply while the transfer runs", "RFC 959 §4.1.3 STAT: \"The command may be sent during a file transfer (along with the Telnet IP and Synch signals--see the Section on FTP Commands) in which case the server will respond with the status of the operation in progress\"", stat_during),
    crate::case!("rfc959/5.4/site-help", Must, "SITE HELP: 214 or 200 (or 500/501/502 where SITE has nothing)", "RFC 959 §5.4: \"SITE 200 202 500, 501, 530\"; §4.2.1: \"214 Help message. On how to use the server or the meaning of a particular non-standard command\"", site_help),
    crate::case!("rfc959/5.4/site-unknown", Must, "an unknown SITE subcommand: 500, 501, 502, 504 or 202", "RFC 959 §5.4: \"SITE 200 202 500, 501, 530\"; §4.1.3 SITE: \"The nature of these services and the specification of their syntax can be stated in a reply to the HELP SITE command\"", site_unknown),
    crate::case!("rfc959/5.4/help", Must, "HELP: 211 or 214", "RFC 959 §5.4: \"HELP 211, 214 500, 501, 502, 421\"", help),
    crate::case!("rfc959/5.4/help-command", Must, "HELP RETR: 211 or 214 about RETR", "RFC 959 §4.1.3 HELP: \"The command may take an argument (e.g., any command name) and return more specific information as a response\"; §5.4: \"HELP 211, 214 500, 501, 502, 421\"", help_command),
];

async fn acct(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("ACCT conformance").await?;
    judge_row(&cx, "ACCT", &reply, &[202, 230, 502, 503], &[])?;
    Ok(Outcome::Pass)
}

async fn smnt(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control
        .raw_line(&format!("SMNT {}", cx.target.login.dir))
        .await?;
    judge_row(&cx, "SMNT", &reply, &[202, 250, 502, 550], &[])?;
    Ok(Outcome::Pass)
}

async fn rein(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let mut reply = control.cmd(&Command::Rein).await?;
    if reply.code == 120 {
        reply = control.reply().await?;
    }
    judge_row(&cx, "REIN", &reply, &[220, 502], &[])?;
    if reply.code != 220 {
        return Ok(Outcome::Pass);
    }
    let pwd = control.cmd(&Command::Pwd).await?;
    if pwd.code / 100 == 2 {
        return Err(Outcome::fail(
            &["PWD after REIN: 530 (logged out)"],
            format!("PWD after REIN: {}", show(&pwd)),
        ));
    }
    let login = &cx.target.login;
    control.login(&login.user, &login.pass).await?;
    let pwd = control.cmd(&Command::Pwd).await?;
    cx.check_reply("PWD after a new login", &pwd, &[257], &[])?;
    Ok(Outcome::Pass)
}

async fn allo(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("ALLO 1024").await?;
    judge_row(&cx, "ALLO", &reply, &[200, 202], &[])?;
    Ok(Outcome::Pass)
}

async fn allo_record(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("ALLO 1024 R 128").await?;
    judge_row(&cx, "ALLO", &reply, &[200, 202], &[])?;
    Ok(Outcome::Pass)
}

async fn rest_350(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    // In TYPE A a server may refuse to restart (ProFTPD: 501); the marker is meant for image transfers.
    let reply = control
        .cmd(&Command::Type(ftp_proto::TransferType::Image))
        .await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    let reply = control.cmd(&Command::Rest(100)).await?;
    judge_row(&cx, "REST", &reply, &[350], &[])?;
    Ok(Outcome::Pass)
}

/// STOU in the case's scratch directory: the preliminary reply and the final one.
async fn stou_upload(cx: &Ctx, contents: &[u8]) -> Step<(crate::conn::Control, String, String)> {
    let mut control = cx.login("c1").await?;
    // A directory of the case's own: STOU names its file in the current directory, and a server
    // whose unique names are not unique under concurrency (two STOUs at once in one directory, from
    // this case's other rounds or the other STOU case) would otherwise fail this case for it.
    let dir = cx.scratch_path("stou")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD a directory for the STOU", &reply, &[257], &[])?;
    let reply = control.cmd(&Command::Cwd(PathArg::from(&dir))).await?;
    cx.check_reply("CWD to it", &reply, &[250], &[])?;
    let reply = control
        .cmd(&Command::Type(ftp_proto::TransferType::Image))
        .await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    match steps::begin(&mut control, Mode::Passive, &Command::Stou, false).await? {
        Ok((data, first)) => {
            data.write_and_close(contents).await?;
            let done = control.reply().await?;
            judge_row(cx, "STOU", &done, &[226, 250], &[])?;
            Ok((control, first.full_text(), done.full_text()))
        }
        Err(reply) if matches!(reply.code, 500 | 502) => Err(Outcome::skip(format!(
            "STOU is not implemented ({}); RFC 959 §5.1 does not require it",
            show(&reply)
        ))),
        Err(reply) => Err(Outcome::fail(&["STOU: 125 or 150"], show(&reply))),
    }
}

/// The name in `FILE: name` (RFC 1123 §4.1.2.9).
fn stou_name(text: &str) -> Option<String> {
    let at = text.find("FILE: ")?;
    let name = text[at + 6..].split_whitespace().next()?;
    Some(name.trim_end_matches(['.', ',', ')']).to_string())
}

async fn stou(cx: Ctx) -> Step<Outcome> {
    let contents = b"stored under a unique name\r\n".to_vec();
    let (mut control, first, done) = stou_upload(&cx, &contents).await?;
    // The name, when a reply gives it, must hold the upload; RFC 959 itself gives no format for it.
    if let Some(name) = stou_name(&first).or_else(|| stou_name(&done)) {
        let back = get_image(&cx, &mut control, &name).await?;
        same_bytes(&format!("RETR {name}"), &contents, &back)?;
    }
    Ok(Outcome::Pass)
}

async fn stou_file_name(cx: Ctx) -> Step<Outcome> {
    let contents = b"named by the server\r\n".to_vec();
    let (mut control, first, _) = stou_upload(&cx, &contents).await?;
    let Some(name) = stou_name(&first) else {
        return Err(Outcome::fail(
            &["STOU: 150 FILE: <name> (or 125 FILE: <name>)"],
            first,
        ));
    };
    let back = get_image(&cx, &mut control, &name).await?;
    same_bytes(&format!("RETR {name}"), &contents, &back)?;
    Ok(Outcome::Pass)
}

/// APPE `bytes` to `path`: 125/150, the bytes, then 226/250.
async fn append(
    cx: &Ctx,
    control: &mut crate::conn::Control,
    path: &str,
    bytes: &[u8],
) -> Step<()> {
    let command = Command::Appe(PathArg::from(path));
    match steps::begin(control, Mode::Passive, &command, false).await? {
        Ok((data, _)) => {
            data.write_and_close(bytes).await?;
            let done = control.reply().await?;
            judge_row(cx, "APPE", &done, &[226, 250], &[])
        }
        Err(reply) => Err(Outcome::fail(&["APPE: 125 or 150"], show(&reply))),
    }
}

async fn appe(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("appended.bin")?;
    put_image(&cx, &mut control, &path, b"abc").await?;
    append(&cx, &mut control, &path, b"def").await?;
    let back = get_image(&cx, &mut control, &path).await?;
    same_bytes("RETR after STOR abc and APPE def", b"abcdef", &back)?;
    Ok(Outcome::Pass)
}

async fn appe_creates(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("appe-new.bin")?;
    let reply = control
        .cmd(&Command::Type(ftp_proto::TransferType::Image))
        .await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    append(&cx, &mut control, &path, b"created by APPE").await?;
    let back = get_image(&cx, &mut control, &path).await?;
    same_bytes("RETR after APPE to a new name", b"created by APPE", &back)?;
    Ok(Outcome::Pass)
}

async fn rnfr_rnto(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let from = cx.scratch_path("rename-from.txt")?;
    let to = cx.scratch_path("rename-to.txt")?;
    put_image(&cx, &mut control, &from, b"renamed").await?;
    let reply = control.cmd(&Command::Rnfr(PathArg::from(&from))).await?;
    judge_row(&cx, "RNFR", &reply, &[350], &[])?;
    if reply.code != 350 {
        return Err(Outcome::fail(&["RNFR: 350"], show(&reply)));
    }
    let reply = control.cmd(&Command::Rnto(PathArg::from(&to))).await?;
    judge_row(&cx, "RNTO", &reply, &[250], &[])?;
    let (dir, _) = split(&from);
    let names = steps::names(&mut control, &dir).await?;
    let (old, new) = (split(&from).1, split(&to).1);
    if names.contains(&old) || !names.contains(&new) {
        return Err(Outcome::fail(
            &[&format!("NLST shows {new} and not {old}")],
            format!("NLST gave {names:?}"),
        ));
    }
    let back = get_image(&cx, &mut control, &to).await?;
    same_bytes("RETR of the new name", b"renamed", &back)?;
    Ok(Outcome::Pass)
}

async fn rnto_without_rnfr(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let to = cx.scratch_path("never-renamed.txt")?;
    let reply = control.cmd(&Command::Rnto(PathArg::from(&to))).await?;
    if reply.code == 250 {
        return Err(Outcome::fail(&["RNTO without RNFR: 503"], show(&reply)));
    }
    judge_row(&cx, "RNTO", &reply, &[503], &[])?;
    Ok(Outcome::Pass)
}

async fn rnfr_missing(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let from = cx.scratch_path("no-such-file.txt")?;
    let reply = control.cmd(&Command::Rnfr(PathArg::from(&from))).await?;
    judge_row(&cx, "RNFR", &reply, &[550], &[])?;
    if reply.code == 350 {
        return Err(Outcome::fail(
            &["RNFR of a missing file: 550"],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

async fn rnfr_interrupted(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let from = cx.scratch_path("interrupted.txt")?;
    put_image(&cx, &mut control, &from, b"x").await?;
    let reply = control.cmd(&Command::Rnfr(PathArg::from(&from))).await?;
    cx.check_reply("RNFR", &reply, &[350], &[])?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP", &reply, &[200], &[])?;
    let reply = control
        .cmd(&Command::Rnto(PathArg::from(
            &cx.scratch_path("interrupted-to.txt")?,
        )))
        .await?;
    judge_row(&cx, "RNTO", &reply, &[503], &[])?;
    Ok(Outcome::Pass)
}

async fn stat_idle(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Stat(None)).await?;
    judge_row(&cx, "STAT", &reply, &[211], &[])?;
    Ok(Outcome::Pass)
}

async fn stat_path(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("stat-me.txt")?;
    put_image(&cx, &mut control, &path, b"status").await?;
    let arg = ListingArg::path(Some(PathArg::from(&path)));
    let reply = control.cmd(&Command::Stat(Some(arg))).await?;
    judge_row(&cx, "STAT", &reply, &[211, 212, 213], &[])?;
    let name = split(&path).1;
    if matches!(reply.code, 211..=213) && !reply.full_text().contains(&name) {
        return Err(Outcome::fail(
            &[&format!("STAT {path}: a status naming {name}")],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

/// How long the status reply is waited for while the transfer is stalled.
const STAT_WAIT: Duration = Duration::from_secs(5);

async fn stat_during(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (mut data, _) = stalled_retr(&cx, &mut control).await?;
    let first = control
        .urgent_within(&Command::Stat(None), STAT_WAIT)
        .await?;
    let Some(first) = first else {
        let _ = data.read_to_end(usize::MAX, control.reply_timeout).await;
        let late = control.reply_within(control.reply_timeout).await?;
        return Err(Outcome::fail(
            &["STAT: 211/212/213 while the transfer runs"],
            match late {
                Some(reply) => format!("answered only after the data drained: {}", show(&reply)),
                None => format!("no reply within {STAT_WAIT:?}, nor after the data drained"),
            },
        ));
    };
    if !matches!(first.code, 211..=213) {
        return Err(Outcome::fail(
            &["STAT: 211/212/213 while the transfer runs"],
            show(&first),
        ));
    }
    // The transfer goes on after the status: it ends normally once the client reads again.
    let (_, end) = data.read_to_end(usize::MAX, control.reply_timeout).await;
    if end != crate::data::End::Eof {
        return Err(Outcome::fail(
            &["the transfer to go on after STAT"],
            format!("{end:?}"),
        ));
    }
    let done = control.reply().await?;
    cx.check_reply("RETR after STAT", &done, &[226, 250], &[])?;
    Ok(Outcome::Pass)
}

async fn site_help(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("SITE HELP").await?;
    judge_row(&cx, "SITE", &reply, &[200, 211, 214], &[502])?;
    Ok(Outcome::Pass)
}

async fn site_unknown(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("SITE CONFORMANCENOSUCH").await?;
    judge_row(&cx, "SITE", &reply, &[500, 501, 502, 504, 202], &[])?;
    Ok(Outcome::Pass)
}

async fn help(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Help(None)).await?;
    judge_row(&cx, "HELP", &reply, &[211, 214], &[])?;
    Ok(Outcome::Pass)
}

async fn help_command(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Help(Some("RETR".into()))).await?;
    judge_row(&cx, "HELP", &reply, &[211, 214], &[504])?;
    Ok(Outcome::Pass)
}
