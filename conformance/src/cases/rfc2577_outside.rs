//! RFC 2577 §9 (and §4) once more, command by command: an operator-made symlink in the root that points
//! outside it (`--outside-link`) must be refused by every command that names a path, not only by the
//! ones `rfc2577_security` checks (CWD, LIST, SIZE, RETR, RNFR, STOR). One case per command, so that a
//! report names the command that leaks.

use ftp_proto::{Command, ListingArg, PathArg, Reply, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps;

use super::rfc2577_security::outside_link;

pub const CASES: &[Case] = &[
    crate::case!("rfc2577/9/outside-link-nlst", Must, "with --outside-link: NLST of the link lists nothing from outside the root", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\" RFC 2577 §4: access restrictions must hold for every pathname", outside_nlst),
    crate::case!("rfc2577/9/outside-link-mlsd", Must, "with --outside-link: MLSD of the link lists nothing from outside the root", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\"", outside_mlsd),
    crate::case!("rfc2577/9/outside-link-mlst", Must, "with --outside-link and --outside-file: MLST of a file behind the link is refused", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\"", outside_mlst),
    crate::case!("rfc2577/9/outside-link-mdtm", Must, "with --outside-link and --outside-file: MDTM of a file behind the link is refused", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\"", outside_mdtm),
    crate::case!("rfc2577/9/outside-link-stat", Must, "with --outside-link and --outside-file: STAT of the link does not list the outside file", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\" (STAT with a path is a listing over the control connection, RFC 959 §4.1.3)", outside_stat),
    crate::case!("rfc2577/9/outside-link-appe", Must, "with --outside-link: APPE through the link is refused and creates nothing", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\"", outside_appe),
    crate::case!("rfc2577/9/outside-link-mkd", Must, "with --outside-link: MKD through the link is refused", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\"", outside_mkd),
    crate::case!("rfc2577/9/outside-link-rnto", Must, "with --outside-link: RNFR of a scratch file, RNTO into the link: refused", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\" A rename is a creation at its target", outside_rnto),
];

/// The link, the outside file's path through it (when given), and a logged-in session in TYPE I.
async fn setup(cx: &Ctx, need_file: bool) -> Step<(String, Option<String>, Control)> {
    let link = outside_link(cx)?;
    let file = cx
        .target
        .outside_file
        .as_ref()
        .map(|f| format!("{link}/{f}"));
    if need_file && file.is_none() {
        return Err(Outcome::skip(
            "needs --outside-file FILE, a file in the directory --outside-link points to",
        ));
    }
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    steps::require("TYPE I", &reply, &[200])?;
    Ok((link, file, control))
}

/// A 4xx/5xx; anything else fails with `what`.
pub(crate) fn refused(what: &str, reply: &Reply) -> Step<()> {
    if reply.is_negative() {
        return Ok(());
    }
    Err(Outcome::fail(
        &[&format!("{what}: refused (4xx/5xx)")],
        format!("{what}: {}", show(reply)),
    ))
}

/// A data command through the link: refused, or a transfer that brings nothing.
async fn listing_empty(cx: &Ctx, control: &mut Control, command: Command) -> Step<Outcome> {
    let _ = cx;
    match steps::begin(control, Mode::Passive, &command, false).await? {
        Err(reply) => refused(&command.to_string(), &reply)?,
        Ok((mut data, _)) => {
            let (bytes, _) = data.read_to_end(1 << 24, control.reply_timeout).await;
            let done = control.reply().await?;
            if !bytes.is_empty() {
                return Err(Outcome::fail(
                    &[&format!(
                        "{command}: refused, nothing listed from outside the root"
                    )],
                    format!(
                        "{} bytes listed ({}), then {}",
                        bytes.len(),
                        crate::conn::printable(&bytes[..bytes.len().min(80)]),
                        show(&done)
                    ),
                ));
            }
        }
    }
    Ok(Outcome::Pass)
}

async fn outside_nlst(cx: Ctx) -> Step<Outcome> {
    let (link, _, mut control) = setup(&cx, false).await?;
    let command = Command::Nlst(ListingArg::path(Some(link.as_str().into())));
    listing_empty(&cx, &mut control, command).await
}

async fn outside_mlsd(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let (link, _, mut control) = setup(&cx, false).await?;
    let command = Command::Mlsd(Some(PathArg::from(&link)));
    listing_empty(&cx, &mut control, command).await
}

async fn outside_mlst(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("MLST")?;
    let (_, file, mut control) = setup(&cx, true).await?;
    let file = file.unwrap_or_default();
    let reply = control
        .cmd(&Command::Mlst(Some(PathArg::from(&file))))
        .await?;
    refused(&format!("MLST {file}"), &reply)?;
    Ok(Outcome::Pass)
}

async fn outside_mdtm(cx: Ctx) -> Step<Outcome> {
    let (_, file, mut control) = setup(&cx, true).await?;
    let file = file.unwrap_or_default();
    let reply = control.cmd(&Command::Mdtm(PathArg::from(&file))).await?;
    refused(&format!("MDTM {file}"), &reply)?;
    Ok(Outcome::Pass)
}

async fn outside_stat(cx: Ctx) -> Step<Outcome> {
    let (link, _, mut control) = setup(&cx, true).await?;
    let name = cx.target.outside_file.clone().unwrap_or_default();
    let command = Command::Stat(Some(ListingArg::path(Some(link.as_str().into()))));
    let reply = control.cmd(&command).await?;
    if !reply.is_negative() && show(&reply).contains(&name) {
        return Err(Outcome::fail(
            &[&format!(
                "{command}: refused, or no name from outside the root"
            )],
            format!("{command}: {} (names {name})", show(&reply)),
        ));
    }
    Ok(Outcome::Pass)
}

async fn outside_appe(cx: Ctx) -> Step<Outcome> {
    let (link, _, mut control) = setup(&cx, false).await?;
    let probe = format!("{link}/ftp-conformance-{}-appe.txt", cx.tag);
    let appe = Command::Appe(PathArg::from(&probe));
    match steps::begin(&mut control, Mode::Passive, &appe, false).await? {
        Err(reply) => refused(&appe.to_string(), &reply)?,
        Ok((data, _)) => {
            data.write_and_close(b"ftp-conformance: must not be stored\r\n")
                .await?;
            let done = control.reply().await?;
            refused(&format!("{appe} (a file outside the root)"), &done)?;
        }
    }
    Ok(Outcome::Pass)
}

async fn outside_mkd(cx: Ctx) -> Step<Outcome> {
    let (link, _, mut control) = setup(&cx, false).await?;
    let dir = format!("{link}/ftp-conformance-{}-dir", cx.tag);
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    if reply.code == 257 {
        // Leave nothing behind outside the root.
        let _ = control.cmd(&Command::Rmd(PathArg::from(&dir))).await;
    }
    refused(&format!("MKD {dir}"), &reply)?;
    Ok(Outcome::Pass)
}

async fn outside_rnto(cx: Ctx) -> Step<Outcome> {
    let (link, _, mut control) = setup(&cx, false).await?;
    let source = cx.scratch_path("rnto-source.txt")?;
    steps::upload(&mut control, &source, b"moved?\r\n", Mode::Passive).await?;
    let rnfr = control.cmd(&Command::Rnfr(PathArg::from(&source))).await?;
    steps::require("RNFR of a scratch file", &rnfr, &[350])?;
    let target = format!("{link}/ftp-conformance-{}-moved.txt", cx.tag);
    let rnto = control.cmd(&Command::Rnto(PathArg::from(&target))).await?;
    if rnto.is_completion() {
        // Move it back, so that nothing stays outside the root.
        let _ = control.cmd(&Command::Rnfr(PathArg::from(&target))).await;
        let _ = control.cmd(&Command::Rnto(PathArg::from(&source))).await;
    }
    refused(&format!("RNTO {target}"), &rnto)?;
    Ok(Outcome::Pass)
}
