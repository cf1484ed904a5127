//! RFC 2428, FTP extensions for IPv6 and NATs: EPSV and EPRT, run when FEAT advertises them.

use ftp_proto::{Command, ListingArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::Control;
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions};

pub const CASES: &[Case] = &[
    crate::case!("rfc2428/3/epsv-229", Must, "EPSV's 229 port accepts and serves a listing", "RFC 2428 §3: \"The response to this command includes only the TCP port number of the listening connection\": 229 Entering Extended Passive Mode (|||port|)", epsv),
    crate::case!("rfc2428/2/eprt", Must, "EPRT |1|addr|port| is accepted and the server connects there", "RFC 2428 §2: \"The EPRT command allows for the specification of an extended address for the data connection\": EPRT<space><d><net-prt><d><net-addr><d><tcp-port><d>", eprt),
    crate::case!("rfc2428/2/eprt-unsupported-522", Should, "EPRT with an unknown network protocol gets 522", "RFC 2428 §2: \"The response code 522 indicates that the server does not support the requested network protocol.\" Example: \"Network protocol not supported, use (1,2)\"", eprt_522),
];

async fn epsv(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPSV")?;
    let mut control = cx.login("c1").await?;
    let addr = data::epsv(&mut control).await?;
    let options = ConnectOptions::of(&control, "c1-data");
    let mut stream = data::connect(addr, options).await?;
    let reply = control.cmd(&Command::Nlst(ListingArg::default())).await?;
    cx.check_reply("NLST", &reply, &[150, 125], &[])?;
    listing_completes(&cx, &mut control, &mut stream).await
}

async fn eprt(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPRT")?;
    let mut control = cx.login("c1").await?;
    let listener = data::listen(control.local.ip(), false)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Outcome::error(e.to_string()))?;
    let reply = control.cmd(&Command::Eprt(addr)).await?;
    cx.check_reply("EPRT", &reply, &[200], &[])?;
    let reply = control.cmd(&Command::Nlst(ListingArg::default())).await?;
    cx.check_reply("NLST", &reply, &[150, 125], &[])?;
    let mut stream = data::Prepared::Active(listener)
        .open(&control, false)
        .await?;
    listing_completes(&cx, &mut control, &mut stream).await
}

/// The NLST listing arrives in full on `stream`, then the transfer's 226 (or 250).
async fn listing_completes(
    cx: &Ctx,
    control: &mut Control,
    stream: &mut data::Data,
) -> Step<Outcome> {
    let (_, end) = stream.read_to_end(1 << 24, control.reply_timeout).await;
    if end != data::End::Eof {
        return Err(Outcome::fail(
            &["the listing, then end of file"],
            format!("{end:?}"),
        ));
    }
    let reply = control.reply().await?;
    cx.check_reply("NLST", &reply, &[226, 250], &[])?;
    Ok(Outcome::Pass)
}

async fn eprt_522(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPRT")?;
    let mut control = cx.login("c1").await?;
    // Protocol 9 does not exist, so no typed EPRT can carry it.
    let reply = control.raw_line("EPRT |9|127.0.0.1|5000|").await?;
    cx.check_reply("EPRT with protocol 9", &reply, &[522], &[500, 501])?;
    Ok(Outcome::Pass)
}
