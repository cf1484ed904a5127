//! RFC 959 §5.4 rows for file and path errors (listing, CWD, MKD, RMD, RETR, STOR and DELE on the wrong
//! kind of object), the REST sequencing rule, and the experimental X-verbs of RFC 1123 §4.1.3.1.

use ftp_proto::{pathname, Command, ListingArg, PathArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{End, Mode};
use crate::steps::{self, pattern};

use super::shared::{judge_row, put_image, same_bytes, split};

pub const CASES: &[Case] = &[
    crate::case!("rfc959/5.4/nlst-missing", Must, "NLST of a missing path: 450 (or an empty listing)", "RFC 959 §5.4: \"NLST 125, 150 226, 250 425, 426, 451 450 500, 501, 502, 421, 530\"; §4.2.1: \"450 Requested file action not taken. File unavailable (e.g., file busy)\", \"550 ... (e.g., file not found, no access)\"", nlst_missing),
    crate::case!("rfc959/5.4/list-missing", Must, "LIST of a missing path: 450 (or an empty listing)", "RFC 959 §5.4: \"LIST 125, 150 226, 250 425, 426, 451 450 500, 501, 502, 421, 530\"", list_missing),
    crate::case!("rfc959/5.4/cwd-file-550", Must, "CWD to a file: 550", "RFC 959 §5.4: \"CWD 250 500, 501, 502, 421, 530, 550\"", cwd_file),
    crate::case!("rfc959/5.4/mkd-exists-550", Must, "MKD of an existing directory: 550", "RFC 959 §5.4: \"MKD 257 500, 501, 502, 421, 530, 550\" (Appendix II shows 521 \"directory already exists\" as an example)", mkd_exists),
    crate::case!("rfc959/5.4/rmd-missing-550", Must, "RMD of a missing directory: 550", "RFC 959 §5.4: \"RMD 250 500, 501, 502, 421, 530, 550\"", rmd_missing),
    crate::case!("rfc959/5.4/retr-directory-550", Must, "RETR of a directory: 550, no transfer", "RFC 959 §5.4: \"RETR 125, 150 ... 450, 550 500, 501, 421, 530\"; §4.2.1: \"550 Requested action not taken. File unavailable\"", retr_directory),
    crate::case!("rfc959/5.4/stor-missing-dir", Must, "STOR into a missing directory: 553 or 550, no transfer", "RFC 959 §5.4: \"STOR 125, 150 ... 532, 450, 452, 553 500, 501, 421, 530\"; §4.2.1: \"553 Requested action not taken. File name not allowed\"", stor_missing_dir),
    crate::case!("rfc959/5.4/dele-directory", Must, "DELE of a directory: refused with 550, the directory stays", "RFC 959 §4.1.3 DELE: \"causes the file specified in the pathname to be deleted\"; §5.4: \"DELE 250 450, 550 500, 501, 502, 421, 530\"", dele_directory),
    crate::case!("rfc959/5.4/rest-then-noop", Must, "REST, then NOOP, then RETR: NOOP gets 200 and RETR gives either the whole file or its tail from the marker, byte-exact", "RFC 959 §4.1.3 REST: \"This command shall be immediately followed by the appropriate FTP service command which shall cause file transfer to resume\"", rest_then_noop),
    crate::case!("rfc1123/4.1.3.1/xpwd", Should, "XPWD answers as PWD: 257 with the same directory", "RFC 1123 §4.1.3.1 (non-standard command verbs): the experimental XMKD, XRMD, XPWD, XCUP and XCWD of RFC 775 are still sent by some clients; a server should take them as MKD, RMD, PWD, CDUP and CWD (SHOULD)", xpwd),
    crate::case!("rfc1123/4.1.3.1/xmkd-xcwd-xcup-xrmd", Should, "XMKD, XCWD, XCUP and XRMD work as MKD, CWD, CDUP and RMD", "RFC 1123 §4.1.3.1 (non-standard command verbs): a server should take XMKD, XRMD, XPWD, XCUP and XCWD as MKD, RMD, PWD, CDUP and CWD (SHOULD)", x_verbs),
    crate::case!("rfc959/appendix-2/mkd-quote-doubled", Should, "MKD of a name with a double quote: 257 with the quote doubled inside the quoted name", "RFC 959 Appendix II: the 257 reply gives the directory name in double quotes; embedded double-quotes should be escaped by double-quotes (the \"quote-doubling\" convention)", mkd_quote),
];

/// LIST or NLST of a missing path: 450 best, 550 legal (§4.2.1), or a listing that is empty.
async fn listing_missing(cx: &Ctx, command: Command, verb: &str) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    match steps::begin(&mut control, Mode::Passive, &command, false).await? {
        Ok((mut data, _)) => {
            let (bytes, end) = data.read_to_end(1 << 20, control.reply_timeout).await;
            let done = control.reply().await?;
            judge_row(cx, verb, &done, &[226, 250, 450], &[550])?;
            if end == End::Eof && done.is_completion() && !bytes.is_empty() {
                return Err(Outcome::fail(
                    &[&format!(
                        "{verb} of a missing path: 450 or an empty listing"
                    )],
                    format!("{} bytes listed", bytes.len()),
                ));
            }
        }
        Err(reply) => judge_row(cx, verb, &reply, &[450], &[550])?,
    }
    Ok(Outcome::Pass)
}

async fn nlst_missing(cx: Ctx) -> Step<Outcome> {
    let path = cx.scratch_path("no-such-dir")?;
    let arg = ListingArg::path(Some(PathArg::from(&path)));
    listing_missing(&cx, Command::Nlst(arg), "NLST").await
}

async fn list_missing(cx: Ctx) -> Step<Outcome> {
    let path = cx.scratch_path("no-such-dir")?;
    let arg = ListingArg::path(Some(PathArg::from(&path)));
    listing_missing(&cx, Command::List(arg), "LIST").await
}

async fn cwd_file(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("not-a-dir.txt")?;
    put_image(&cx, &mut control, &path, b"file").await?;
    let reply = control.cmd(&Command::Cwd(PathArg::from(&path))).await?;
    if reply.code == 250 {
        return Err(Outcome::fail(&["CWD to a file: 550"], show(&reply)));
    }
    judge_row(&cx, "CWD", &reply, &[550], &[])?;
    Ok(Outcome::Pass)
}

async fn mkd_exists(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("twice")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    if reply.code == 257 {
        return Err(Outcome::fail(
            &["MKD of an existing directory: 550"],
            show(&reply),
        ));
    }
    judge_row(&cx, "MKD", &reply, &[550], &[521])?;
    Ok(Outcome::Pass)
}

async fn rmd_missing(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("never-made")?;
    let reply = control.cmd(&Command::Rmd(PathArg::from(&dir))).await?;
    judge_row(&cx, "RMD", &reply, &[550], &[450])?;
    if reply.code == 250 {
        return Err(Outcome::fail(
            &["RMD of a missing directory: 550"],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

/// Sends a transfer command that must be refused; a transfer that starts fails the case.
async fn refused_transfer(
    cx: &Ctx,
    control: &mut Control,
    command: &Command,
    verb: &str,
    best: &[u16],
    also: &[u16],
) -> Step<()> {
    match steps::begin(control, Mode::Passive, command, false).await? {
        Ok((_, first)) => Err(Outcome::fail(
            &steps::expected(verb, best)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            format!("{verb}: {} (a transfer started)", show(&first)),
        )),
        Err(reply) => judge_row(cx, verb, &reply, best, also),
    }
}

async fn retr_directory(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("a-directory")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    refused_transfer(
        &cx,
        &mut control,
        &Command::Retr(PathArg::from(&dir)),
        "RETR",
        &[550],
        &[],
    )
    .await?;
    Ok(Outcome::Pass)
}

async fn stor_missing_dir(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = format!("{}/file.txt", cx.scratch_path("no-such-dir")?);
    let command = Command::Stor(PathArg::from(&path));
    refused_transfer(&cx, &mut control, &command, "STOR", &[553, 550], &[]).await?;
    Ok(Outcome::Pass)
}

async fn dele_directory(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("not-a-file")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let reply = control.cmd(&Command::Dele(PathArg::from(&dir))).await?;
    if reply.code == 250 {
        return Err(Outcome::fail(&["DELE of a directory: 550"], show(&reply)));
    }
    judge_row(&cx, "DELE", &reply, &[550], &[])?;
    let reply = control.cmd(&Command::Cwd(PathArg::from(&dir))).await?;
    cx.check_reply("CWD into the directory DELE refused", &reply, &[250], &[])?;
    Ok(Outcome::Pass)
}

async fn rest_then_noop(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("rest-noop.bin")?;
    let contents = pattern(1000);
    put_image(&cx, &mut control, &path, &contents).await?;
    let reply = control.cmd(&Command::Rest(100)).await?;
    judge_row(&cx, "REST", &reply, &[350], &[])?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP after REST", &reply, &[200], &[])?;
    let back = steps::download(&mut control, &path, Mode::Passive).await?;
    if back != contents && back != contents[100..] {
        same_bytes(
            "RETR after REST 100 and NOOP (the whole file)",
            &contents,
            &back,
        )?;
    }
    Ok(Outcome::Pass)
}

/// The quoted directory of a 257 reply, or a failure.
fn quoted(what: &str, reply: &ftp_proto::Reply) -> Step<String> {
    match pathname::unquote(reply.text_bytes()) {
        Some(name) if reply.code == 257 => Ok(String::from_utf8_lossy(&name).into_owned()),
        _ => Err(Outcome::fail(
            &[&format!("{what}: 257 \"<directory>\"")],
            show(reply),
        )),
    }
}

async fn xpwd(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let pwd = quoted("PWD", &control.cmd(&Command::Pwd).await?)?;
    let xpwd = quoted("XPWD", &control.raw_line("XPWD").await?)?;
    if pwd != xpwd {
        return Err(Outcome::fail(
            &[&format!("XPWD: 257 \"{pwd}\"")],
            format!("XPWD: 257 \"{xpwd}\""),
        ));
    }
    Ok(Outcome::Pass)
}

async fn x_verbs(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("x-verbs")?;
    let start = quoted("PWD", &control.cmd(&Command::Pwd).await?)?;
    let reply = control.raw_line(&format!("XMKD {dir}")).await?;
    cx.check_reply("XMKD", &reply, &[257], &[])?;
    let reply = control.raw_line(&format!("XCWD {dir}")).await?;
    cx.check_reply("XCWD", &reply, &[250], &[])?;
    let inside = quoted("PWD", &control.cmd(&Command::Pwd).await?)?;
    if !inside.trim_end_matches('/').ends_with(&split(&dir).1) {
        return Err(Outcome::fail(
            &[&format!("PWD after XCWD: 257 \"...{dir}\"")],
            inside,
        ));
    }
    let depth = dir.split('/').filter(|part| !part.is_empty()).count();
    for _ in 0..depth {
        let reply = control.raw_line("XCUP").await?;
        cx.check_reply("XCUP", &reply, &[200, 250], &[])?;
    }
    let back = quoted("PWD", &control.cmd(&Command::Pwd).await?)?;
    if back.trim_end_matches('/') != start.trim_end_matches('/') {
        return Err(Outcome::fail(
            &[&format!("PWD after XCUP: 257 \"{start}\"")],
            back,
        ));
    }
    let reply = control.raw_line(&format!("XRMD {dir}")).await?;
    cx.check_reply("XRMD", &reply, &[250], &[])?;
    Ok(Outcome::Pass)
}

async fn mkd_quote(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("q\"uote")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    if matches!(reply.code, 550 | 553 | 501) {
        return Err(Outcome::skip(format!(
            "the server refuses names with a quote: {}",
            show(&reply)
        )));
    }
    let made = quoted("MKD", &reply)?;
    if !made.ends_with(&split(&dir).1) {
        return Err(Outcome::fail(
            &[&format!(
                "MKD: 257 \"...{}\" (the quote doubled)",
                split(&dir).1.replace('"', "\"\"")
            )],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}
