//! RFC 2577, FTP security considerations: no bounce (PORT to a third host), no data-connection theft
//! (a PASV port serves only the control connection's host), and no way out of the root. On loopback the
//! suite plays the third host as 127.0.0.2 (Linux routes all of 127/8 to loopback).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use ftp_proto::{Command, ListingArg, PathArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions, End, Mode};
use crate::steps::{self, QUIET};

pub const CASES: &[Case] = &[
    crate::case!("rfc2577/3/port-bounce", Must, "PORT to a third host (127.0.0.2) is refused and nothing connects there", "RFC 2577 §3: \"the server [may] not open data connections to a third party ... servers [should] disallow PORT commands that specify an address other than the client's\" (FTP bounce attack)", port_bounce),
    crate::case!("rfc2577/3/pasv-foreign-source", Must, "a PASV data connection from another host (127.0.0.2) is refused; the client's own works", "RFC 2577 §5 (port stealing): \"the server [should] ... verify that the connection to the passive port comes from the same address as the control connection\"", pasv_foreign),
    crate::case!("rfc2577/4/cwd-stays-in-root", Must, "`CWD ../../..` never leaves the root", "RFC 2577 §4: a server restricting access \"to a subset of the file system\" must not be escaped; RFC 959 CDUP at the root stays there", cwd_root),
    crate::case!("rfc2577/4/retr-stays-in-root", Must, "`RETR ../../etc/passwd` and absolute paths never reach files outside the root", "RFC 2577 §4: access restrictions on files must hold for every pathname form", retr_root),
];

/// The target's control connection must be on 127.0.0.1 so that 127.0.0.2 is a different host.
fn require_loopback(cx: &Ctx) -> Step<()> {
    if cx.target.on_loopback() {
        Ok(())
    } else {
        Err(Outcome::skip(
            "needs a server on 127.0.0.0/8 to play a third host on 127.0.0.2",
        ))
    }
}

const THIRD_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

async fn port_bounce(cx: Ctx) -> Step<Outcome> {
    require_loopback(&cx)?;
    let mut control = cx.login("c1").await?;
    let bounce = data::listen(IpAddr::V4(THIRD_HOST), false)?;
    let addr: SocketAddrV4 = data::local_v4(&bounce)?;
    let reply = control.cmd(&Command::Port(addr)).await?;
    if reply.code == 200 {
        // Accepted: the transfer must still never reach the third host.
        let list = control.cmd(&Command::List(ListingArg::default())).await?;
        cx.weaker(
            vec!["PORT to a third host: 500/501/504 (refused)".into()],
            format!("PORT: {}; LIST: {}", show(&reply), show(&list)),
        );
    } else {
        cx.check_reply(
            "PORT to a third host",
            &reply,
            &[500, 501, 504, 425, 530, 550],
            &[],
        )?;
    }
    if let Ok(Ok((_, peer))) = tokio::time::timeout(QUIET, bounce.accept()).await {
        return Err(Outcome::fail(
            &["no connection to the third host"],
            format!("the server connected to {addr} from {peer}"),
        ));
    }
    cx.transcript.push(format!(
        "suite: nothing connected to {addr} within {QUIET:?}"
    ));
    Ok(Outcome::Pass)
}

async fn pasv_foreign(cx: Ctx) -> Step<Outcome> {
    require_loopback(&cx)?;
    let mut control = cx.login("c1").await?;
    let addr: SocketAddr = data::pasv(&mut control).await?;
    let thief = ConnectOptions {
        source: Some(IpAddr::V4(THIRD_HOST)),
        ..ConnectOptions::new("thief", cx.transcript.clone(), control.reply_timeout)
    };
    let thief = data::connect(addr, thief).await;
    control.send(&Command::Nlst(ListingArg::default())).await?;
    // The client's own connection comes right after the thief's (a server may send 150 only once it
    // has a connection it accepts), so the thief is first in the listen queue.
    let own = ConnectOptions::new("c1-data", cx.transcript.clone(), control.reply_timeout);
    let own = data::connect(addr, own).await;
    let first = control.reply().await?;
    if first.code == 425 {
        // Refusing the whole transfer is acceptable, as long as the thief got nothing.
        return judge_thief(thief).await;
    }
    if !first.is_preliminary() {
        return Err(Outcome::fail(&["NLST: 150 (or 425)"], show(&first)));
    }
    let done = control.reply().await?;
    judge_thief(thief).await?;
    match done.code {
        226 | 250 => {
            let mut own = own?;
            let (_, end) = own.read_to_end(1 << 24, control.reply_timeout).await;
            if end != End::Eof {
                return Err(Outcome::fail(
                    &["the listing over the client's own connection"],
                    format!("{end:?}"),
                ));
            }
        }
        425 | 426 => {}
        _ => {
            return Err(Outcome::fail(
                &["NLST: 226 over the client's own connection, or 425"],
                show(&done),
            ))
        }
    }
    Ok(Outcome::Pass)
}

/// The third host's connection must carry nothing: refused, reset or closed empty.
async fn judge_thief(thief: Step<data::Data>) -> Step<Outcome> {
    let Ok(mut thief) = thief else {
        return Ok(Outcome::Pass);
    };
    let (bytes, end) = thief.read_to_end(1 << 24, QUIET).await;
    if !bytes.is_empty() {
        return Err(Outcome::fail(
            &["nothing sent to a data connection from another host"],
            format!("127.0.0.2 received {} bytes", bytes.len()),
        ));
    }
    let _ = end;
    Ok(Outcome::Pass)
}

async fn cwd_root(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Cwd("/".into())).await?;
    cx.check_reply("CWD /", &reply, &[250], &[])?;
    let top = steps::names(&mut control, ".").await?;
    for escape in [
        "../../..",
        "..",
        "/../../../..",
        "../../../../../../../../..",
    ] {
        let reply = control.cmd(&Command::Cwd(PathArg::from(escape))).await?;
        cx.check_reply(&format!("CWD {escape}"), &reply, &[250, 550], &[])?;
        let here = steps::names(&mut control, ".").await?;
        if here != top {
            return Err(Outcome::fail(
                &["the root's listing after CWD ..: still at the top of the root"],
                format!("after CWD {escape}: {here:?} (root: {top:?})"),
            ));
        }
    }
    Ok(Outcome::Pass)
}

async fn retr_root(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    control.cmd(&Command::Type(TransferType::Image)).await?;
    let real = std::fs::read("/etc/passwd").unwrap_or_default();
    for path in [
        "../../etc/passwd",
        "/etc/passwd",
        "../../../../../../../../etc/passwd",
        "/../../etc/passwd",
    ] {
        let command = Command::Retr(path.into());
        match steps::begin(&mut control, Mode::Passive, &command, false).await? {
            Err(reply) => {
                cx.check_reply(&command.to_string(), &reply, &[550, 450, 553, 501], &[])?
            }
            Ok((mut data, _)) => {
                let (bytes, _) = data.read_to_end(1 << 24, control.reply_timeout).await;
                let _ = control.reply().await?;
                let leaked = (!real.is_empty() && bytes == real)
                    || String::from_utf8_lossy(&bytes).contains("root:x:0:0:");
                if leaked {
                    return Err(Outcome::fail(
                        &[&format!("{command}: 550")],
                        "the system's /etc/passwd was sent",
                    ));
                }
            }
        }
    }
    Ok(Outcome::Pass)
}
