//! RFC 959 §5.4, connection establishment when the server is full: with the operator's `--max-clients N`
//! (the server's limit of connections at once), filling the server must end in a 421 greeting, and a
//! place freed must be taken again. Other cases may hold connections at the same time, so the 421 may
//! come before the N+1st connection of this case; it must come by then. While the server is full, other
//! cases' new connections get 421 too: the runner keeps this case for last and runs it alone.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::time::Instant;

use ftp_proto::Command;

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;

pub const CASES: &[Case] = &[crate::case!(
    "rfc959/5.4/server-full-421",
    Must,
    "with --max-clients N: connections beyond N get a 421 greeting (by the N+1st); after one closes, a new one gets 220",
    "RFC 959 §5.4, Connection Establishment: \"120 220 220 421\"; §4.2.1: \"421 Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down\"",
    server_full
)
.filling_the_server()];

/// The source of connection `n`: on loopback a different address each time (127.0.0.10 to .209), so
/// that a per-address limit does not answer in place of the server-wide one.
fn source(cx: &Ctx, n: usize) -> Option<IpAddr> {
    cx.target
        .on_loopback()
        .then(|| IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + (n % 200) as u8)))
}

/// Connects as connection `n` and reads the greeting (an error when none comes before the close).
async fn connect(cx: &Ctx, n: usize) -> Step<(Control, Step<ftp_proto::Reply>)> {
    let mut control = Control::connect_from(
        cx.target.addr,
        source(cx, n),
        &format!("c{n}"),
        cx.transcript.clone(),
        cx.target.reply_timeout,
    )
    .await?;
    let greeting = control.reply().await;
    Ok((control, greeting))
}

async fn server_full(cx: Ctx) -> Step<Outcome> {
    let Some(limit) = cx.target.max_clients else {
        return Err(Outcome::skip(
            "needs --max-clients N, the server's limit of connections at once",
        ));
    };
    let mut held = Vec::with_capacity(limit);
    let mut refused = None;
    for n in 1..=limit + 1 {
        let (control, greeting) = connect(&cx, n).await?;
        match greeting {
            Ok(reply) if reply.code == 220 => held.push(control),
            Ok(reply) if reply.code == 421 => {
                refused = Some(n);
                break;
            }
            Ok(reply) => {
                return Err(Outcome::fail(
                    &["220, or 421 once the server is full"],
                    format!("connection {n}: {}", show(&reply)),
                ))
            }
            Err(_) => {
                return Err(Outcome::fail(
                    &["220, or 421 once the server is full"],
                    format!("connection {n}: closed without a 421"),
                ))
            }
        }
    }
    let Some(refused) = refused else {
        return Err(Outcome::fail(
            &[&format!("a 421 greeting by connection {}", limit + 1)],
            format!("all {} connections were greeted with 220", limit + 1),
        ));
    };
    cx.transcript
        .push(format!("the server was full at connection {refused}"));
    // One leaves; its place is free again once the server has seen it go.
    if let Some(mut leaving) = held.pop() {
        let _ = leaving.cmd(&Command::Quit).await;
        let _ = leaving.closed_within(cx.target.reply_timeout).await;
    }
    let verdict = taken_again(&cx, refused).await;
    drop(held);
    until_accepting(&cx, source(&cx, 0)).await;
    verdict
}

/// Connection `n` again until it is greeted with 220, within the reply timeout.
async fn taken_again(cx: &Ctx, n: usize) -> Step<Outcome> {
    let deadline = Instant::now() + cx.target.reply_timeout;
    loop {
        let (_again, greeting) = connect(cx, n).await?;
        match greeting {
            Ok(reply) if reply.code == 220 => return Ok(Outcome::Pass),
            Ok(reply) if reply.code == 421 && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(reply) => {
                return Err(Outcome::fail(
                    &["220 for a new connection once one has left"],
                    show(&reply),
                ))
            }
            Err(outcome) => return Err(outcome),
        }
    }
}

/// Waits (within the reply timeout) until a new connection from `from` is greeted with 220 again, and
/// quits it: a case that filled the server (or one address's share of it) leaves it as found, so that
/// the next connection of the suite (the scratch directory's cleanup, the next round) is not refused
/// because the server still counts connections the case has dropped.
pub(crate) async fn until_accepting(cx: &Ctx, from: Option<IpAddr>) {
    let deadline = Instant::now() + cx.target.reply_timeout;
    while Instant::now() < deadline {
        let connected = Control::connect_from(
            cx.target.addr,
            from,
            "after",
            cx.transcript.clone(),
            cx.target.reply_timeout,
        )
        .await;
        if let Ok(mut control) = connected {
            if let Ok(reply) = control.reply().await {
                if reply.code == 220 {
                    let _ = control.cmd(&Command::Quit).await;
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
