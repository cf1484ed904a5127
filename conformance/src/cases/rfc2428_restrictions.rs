//! RFC 2428 beyond the basic EPSV/EPRT exchange (`rfc2428_extended`): `EPSV ALL` locking out the other
//! data commands, the 522 reply's list of supported protocols, EPRT syntax errors, and EPRT as a bounce
//! to another host (RFC 2428 §2 with RFC 2577 §3).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use ftp_proto::{Command, EpsvArg, ListingArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data;

pub const CASES: &[Case] = &[
    crate::case!("rfc2428/4/epsv-all", Must, "after EPSV ALL, PORT, PASV and EPRT are refused and EPSV still works", "RFC 2428 §4: \"Upon receipt of an EPSV ALL command, the server MUST reject all data connection setup commands other than EPSV (i.e., EPRT, PORT, PASV, et al.).\"", epsv_all),
    crate::case!("rfc2428/2/eprt-522-lists-protocols", Should, "the 522 to EPRT with an unknown protocol names the supported ones, e.g. (1,2)", "RFC 2428 §2: \"The response code 522 indicates that the server does not support the requested network protocol. ... The text portion of the response MUST indicate which network protocols the server does support.\" e.g. \"Network protocol not supported, use (1,2)\"", eprt_522_list),
    crate::case!("rfc2428/3/epsv-unknown-protocol-522", Should, "EPSV with an unknown network protocol gets 522", "RFC 2428 §3: \"If the requested protocol is supported by the server, it SHOULD use the protocol. If not, the server MUST return the 522 error messages as outlined in section 2.\"", epsv_unknown),
    crate::case!("rfc2428/2/eprt-syntax-501", Must, "EPRT with a malformed argument gets 501", "RFC 959 §4.2: \"501 Syntax error in parameters or arguments.\" (RFC 2428 §2 gives EPRT's grammar: <d><net-prt><d><net-addr><d><tcp-port><d>)", eprt_syntax),
    crate::case!("rfc2428/2/eprt-bounce", Must, "EPRT to a third host (127.0.0.2) is refused and nothing connects there", "RFC 2428 §2: EPRT names the data connection's address like PORT; RFC 2577 §2: \"The attack involves sending an FTP \"PORT\" command to an FTP server containing the network address and the port number of the machine and service being attacked.\" (FTP bounce)", eprt_bounce),
];

async fn epsv_all(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPSV")?;
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Epsv(EpsvArg::All)).await?;
    // RFC 2428 names no code for EPSV ALL; any 2xx accepts it, 200 is the usual one.
    if !reply.is_completion() {
        return Err(Outcome::fail(&["EPSV ALL: 200 (2xx)"], show(&reply)));
    }
    cx.check_reply("EPSV ALL", &reply, &[200], &[reply.code])?;
    let own = control.local;
    let listener = data::listen(own.ip(), false)?;
    let listen_at = listener
        .local_addr()
        .map_err(|e| Outcome::error(e.to_string()))?;
    let mut refused_all = vec![Command::Pasv, Command::Eprt(listen_at)];
    if let SocketAddr::V4(v4) = listen_at {
        refused_all.push(Command::Port(v4));
    }
    for command in refused_all {
        let reply = control.cmd(&command).await?;
        if !reply.is_negative() {
            return Err(Outcome::fail(
                &[&format!("{command} after EPSV ALL: refused (4xx/5xx)")],
                format!("{command}: {}", show(&reply)),
            ));
        }
    }
    // EPSV itself must still set up a data connection.
    let addr = data::epsv(&mut control).await?;
    let options = data::ConnectOptions::of(&control, "c1-data");
    let mut stream = data::connect(addr, options).await?;
    let reply = control.cmd(&Command::Nlst(ListingArg::default())).await?;
    cx.check_reply("NLST after EPSV ALL", &reply, &[125, 150], &[])?;
    let (_, end) = stream.read_to_end(1 << 24, control.reply_timeout).await;
    let done = control.reply().await?;
    cx.check_reply("NLST after EPSV ALL", &done, &[226, 250], &[])?;
    if end != data::End::Eof {
        return Err(Outcome::fail(
            &["the listing, then end of file"],
            format!("{end:?}"),
        ));
    }
    Ok(Outcome::Pass)
}

async fn eprt_522_list(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPRT")?;
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("EPRT |9|127.0.0.1|5000|").await?;
    cx.check_reply("EPRT with protocol 9", &reply, &[522], &[])?;
    let text = reply.text();
    let listed = ["(1,2)", "(2,1)", "(1)", "(2)"]
        .iter()
        .any(|list| text.contains(list));
    if !listed {
        return Err(Outcome::fail(
            &["522 ... (1,2) (the supported protocols in parentheses)"],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

async fn epsv_unknown(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPSV")?;
    let mut control = cx.login("c1").await?;
    let reply = control.raw_line("EPSV 9").await?;
    cx.check_reply("EPSV 9", &reply, &[522], &[501])?;
    Ok(Outcome::Pass)
}

async fn eprt_syntax(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPRT")?;
    let mut control = cx.login("c1").await?;
    for line in [
        "EPRT |1|999.0.0.1|5000|",
        "EPRT |1|127.0.0.1|notaport|",
        "EPRT |1|127.0.0.1||",
    ] {
        let reply = control.raw_line(line).await?;
        cx.check_reply(line, &reply, &[501], &[500])?;
    }
    Ok(Outcome::Pass)
}

async fn eprt_bounce(cx: Ctx) -> Step<Outcome> {
    cx.require_feature("EPRT")?;
    if !cx.target.on_loopback() {
        return Err(Outcome::skip(
            "needs a server on 127.0.0.0/8 to play a third host on 127.0.0.2",
        ));
    }
    let mut control = cx.login("c1").await?;
    let third = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let bounce = data::listen(third, false)?;
    let addr: SocketAddrV4 = data::local_v4(&bounce)?;
    let reply = control.cmd(&Command::Eprt(SocketAddr::V4(addr))).await?;
    super::rfc2577_security::judge_bounce(&cx, &mut control, "EPRT", &reply, &bounce).await
}
