//! RFC 3659, extensions to FTP: SIZE, run when FEAT advertises it.

use ftp_proto::{Command, PathArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps::{self, pattern};

pub const CASES: &[Case] = &[crate::case!(
    "rfc3659/4/size",
    Must,
    "SIZE in TYPE I gives the exact byte count; a missing file gets 550",
    "RFC 3659 §4.1: \"The server-PI will respond to the SIZE command with a 213 reply giving the transfer size of the file whose pathname was supplied\"; §4.2: \"Where the command is correctly parsed but the size is not available, perhaps because the pathname identifies no existing entity ... then a 550 reply should be sent.\"",
    size
)];

async fn size(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("SIZE")?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("sized.bin")?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    steps::upload(&mut control, &path, &pattern(65_537), Mode::Passive).await?;
    let reply = control.cmd(&Command::Size(PathArg::from(&path))).await?;
    cx.check_reply("SIZE", &reply, &[213], &[])?;
    if reply.text().trim() != "65537" {
        return Err(Outcome::fail(&["SIZE: 213 65537"], show(&reply)));
    }
    let reply = control
        .cmd(&Command::Size("ftp-conformance-no-such-file".into()))
        .await?;
    cx.check_reply("SIZE of a missing file", &reply, &[550], &[])?;
    Ok(Outcome::Pass)
}
