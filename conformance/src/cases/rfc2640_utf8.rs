//! RFC 2640, internationalization: `OPTS UTF8 ON`, and non-ASCII (UTF-8) names through MKD, CWD, PWD,
//! STOR, NLST, LIST, MLSD, RNFR/RNTO and RETR. A server that does not advertise UTF8 may refuse such
//! names (the case then skips); once it accepts one, the name must come back unchanged.

use ftp_proto::{pathname, Command, ListingArg, PathArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps;

use super::shared::{get_image, parse_entry, require_listed, same_bytes, split};

pub const CASES: &[Case] = &[
    crate::case!("rfc2640/3/opts-utf8-on", Must, "OPTS UTF8 ON on a server that advertises UTF8: 200 (501/504 legal, non-strict)", "RFC 2640 defines the FEAT feature `UTF8` but no OPTS for it; the widely used `OPTS UTF8 ON` comes from draft-ietf-ftpext-utf-8-option, hence 501/504 are legal (non-strict). RFC 2389 §4: \"An \"opts-good\" response (200 reply) MUST be sent when the command-name specified in the OPTS command is recognized, and the command-options, if any, are recognized, and appropriate\"", opts_utf8_on),
    crate::case!("rfc2640/3/utf8-stor-nlst-retr", Must, "a UTF-8 file name round-trips: STOR, NLST shows the same bytes, RETR byte-exact", "RFC 2640 §3 (pathnames): pathnames are sent as UTF-8, and a server that supports this lists the feature `UTF8` in FEAT; RFC 959 §5.3.2: a pathname is a string of characters, the server sends back what it stored", utf8_stor_nlst),
    crate::case!("rfc2640/3/utf8-mkd-cwd-pwd", Must, "a UTF-8 directory name round-trips through MKD's and PWD's 257 replies and CWD", "RFC 2640 §3 (pathnames): pathnames are sent as UTF-8, and a server that supports this lists the feature `UTF8` in FEAT; RFC 959 §5.3.2: a pathname is a string of characters, the server sends back what it stored; the 257 replies of MKD and PWD quote the pathname (RFC 959 Appendix II)", utf8_mkd_cwd),
    crate::case!("rfc2640/3/utf8-list", Must, "LIST of a directory shows a UTF-8 file name unchanged", "RFC 2640 §3 (pathnames): pathnames are sent as UTF-8, and a server that supports this lists the feature `UTF8` in FEAT; RFC 959 §5.3.2: a pathname is a string of characters, the server sends back what it stored", utf8_list),
    crate::case!("rfc2640/3/utf8-mlsd", Must, "MLSD shows a UTF-8 file name unchanged (when MLST is advertised)", "RFC 3659 §2.2: pathnames in MLST/MLSD are UTF-8 (the RFC 2640 convention); RFC 2640 §3 (pathnames): pathnames are sent as UTF-8, and a server that supports this lists the feature `UTF8` in FEAT; RFC 959 §5.3.2: a pathname is a string of characters, the server sends back what it stored", utf8_mlsd),
    crate::case!("rfc2640/3/utf8-rename", Must, "RNFR/RNTO to a UTF-8 name: the new name is listed and holds the contents", "RFC 2640 §3 (pathnames): pathnames are sent as UTF-8, and a server that supports this lists the feature `UTF8` in FEAT; RFC 959 §5.3.2: a pathname is a string of characters, the server sends back what it stored", utf8_rename),
];

/// A name with Latin, Cyrillic and CJK characters.
const NAME: &str = "ünïcødé-файл-名前";

fn advertises_utf8(cx: &Ctx) -> bool {
    cx.target.has_feature("UTF8")
}

/// STOR of `path` in TYPE I; a refusal skips when the server does not advertise UTF8.
async fn store(cx: &Ctx, control: &mut Control, path: &str, bytes: &[u8]) -> Step<()> {
    let reply = control
        .cmd(&Command::Type(ftp_proto::TransferType::Image))
        .await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    let command = Command::Stor(PathArg::from(path));
    match steps::begin(control, Mode::Passive, &command, false).await? {
        Ok((data, _)) => {
            data.write_and_close(bytes).await?;
            let done = control.reply().await?;
            cx.check_reply("STOR (UTF-8 name)", &done, &[226, 250], &[])
        }
        Err(reply) if reply.is_negative() && !advertises_utf8(cx) => Err(Outcome::skip(format!(
            "UTF8 not advertised and the UTF-8 name was refused: {}",
            show(&reply)
        ))),
        Err(reply) => Err(Outcome::fail(
            &["STOR (UTF-8 name): 150 or 125"],
            show(&reply),
        )),
    }
}

async fn opts_utf8_on(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("UTF8")?;
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Opts("UTF8 ON".into())).await?;
    cx.check_reply("OPTS UTF8 ON", &reply, &[200], &[501, 504, 500])?;
    Ok(Outcome::Pass)
}

async fn utf8_stor_nlst(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path(&format!("{NAME}.txt"))?;
    store(&cx, &mut control, &path, NAME.as_bytes()).await?;
    require_listed(&mut control, &path).await?;
    let back = get_image(&cx, &mut control, &path).await?;
    same_bytes("RETR of the UTF-8 name", NAME.as_bytes(), &back)?;
    Ok(Outcome::Pass)
}

async fn utf8_mkd_cwd(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path(NAME)?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    if reply.is_negative() && !advertises_utf8(&cx) {
        return Err(Outcome::skip(format!(
            "UTF8 not advertised and MKD refused: {}",
            show(&reply)
        )));
    }
    cx.check_reply("MKD (UTF-8 name)", &reply, &[257], &[])?;
    let name = split(&dir).1;
    let quoted = |reply: &ftp_proto::Reply| {
        pathname::unquote(reply.text_bytes())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    if !quoted(&reply).is_some_and(|made| made.ends_with(&name)) {
        return Err(Outcome::fail(
            &[&format!("MKD: 257 \"...{name}\"")],
            show(&reply),
        ));
    }
    let reply = control.cmd(&Command::Cwd(PathArg::from(&dir))).await?;
    cx.check_reply("CWD (UTF-8 name)", &reply, &[250], &[])?;
    let reply = control.cmd(&Command::Pwd).await?;
    cx.check_reply("PWD", &reply, &[257], &[])?;
    if !quoted(&reply).is_some_and(|pwd| pwd.trim_end_matches('/').ends_with(&name)) {
        return Err(Outcome::fail(
            &[&format!("PWD: 257 \".../{name}\"")],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

async fn utf8_list(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path(&format!("{NAME}-list.txt"))?;
    store(&cx, &mut control, &path, b"listed").await?;
    let (dir, name) = split(&path);
    let listing = ListingArg::path(Some(PathArg::from(&dir)));
    let bytes = steps::fetch(&mut control, &Command::List(listing), Mode::Passive).await?;
    let text = String::from_utf8_lossy(&bytes);
    if !text.lines().any(|line| line.trim_end().ends_with(&name)) {
        return Err(Outcome::fail(
            &[&format!("a LIST line ending in {name}")],
            format!("LIST gave {:?}", text.chars().take(300).collect::<String>()),
        ));
    }
    Ok(Outcome::Pass)
}

async fn utf8_mlsd(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path(&format!("{NAME}-mlsd.txt"))?;
    store(&cx, &mut control, &path, b"machine listed").await?;
    let (dir, name) = split(&path);
    let bytes = steps::fetch(
        &mut control,
        &Command::Mlsd(Some(PathArg::from(&dir))),
        Mode::Passive,
    )
    .await?;
    let text = String::from_utf8_lossy(&bytes);
    if !text
        .lines()
        .filter_map(|line| parse_entry(line.trim_end_matches('\r')))
        .any(|entry| entry.name.rsplit('/').next() == Some(name.as_str()))
    {
        return Err(Outcome::fail(
            &[&format!("an MLSD entry named {name}")],
            format!("MLSD gave {:?}", text.chars().take(400).collect::<String>()),
        ));
    }
    Ok(Outcome::Pass)
}

async fn utf8_rename(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let from = cx.scratch_path("ascii-before-rename.txt")?;
    let to = cx.scratch_path(&format!("{NAME}-renamed.txt"))?;
    store(&cx, &mut control, &from, b"renamed to UTF-8").await?;
    let reply = control.cmd(&Command::Rnfr(PathArg::from(&from))).await?;
    cx.check_reply("RNFR", &reply, &[350], &[])?;
    let reply = control.cmd(&Command::Rnto(PathArg::from(&to))).await?;
    if reply.is_negative() && !advertises_utf8(&cx) {
        return Err(Outcome::skip(format!(
            "UTF8 not advertised and RNTO refused: {}",
            show(&reply)
        )));
    }
    cx.check_reply("RNTO (UTF-8 name)", &reply, &[250], &[])?;
    require_listed(&mut control, &to).await?;
    let back = get_image(&cx, &mut control, &to).await?;
    same_bytes("RETR of the renamed file", b"renamed to UTF-8", &back)?;
    Ok(Outcome::Pass)
}
