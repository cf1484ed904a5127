//! RFC 959 §4.2, FTP replies: the greeting, and the grammar of every reply (checked by the connection on
//! every line it reads; these cases make the server send many kinds of replies, single and multi-line).

use ftp_proto::{Command, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::table;

pub const CASES: &[Case] = &[
    crate::case!(
        "rfc959/4.2/greeting-220",
        Must,
        "greets with 220 (or 120 then 220)",
        "RFC 959 §5.4: Connection Establishment: 120 -> 220; 220; 421",
        greeting
    ),
    crate::case!(
        "rfc959/4.2/reply-grammar",
        Must,
        "every reply is `xyz text` or a well-closed `xyz-` block, CRLF, with a code from §5.4",
        "RFC 959 §4.2: \"A reply is defined to contain the 3-digit code, followed by Space <SP>, followed by one line of text ..., and terminated by the Telnet end-of-line code.\" Multi-line: \"the first line will have, immediately after the reply code, a Hyphen ... the last line will begin with the same code, followed immediately by Space <SP>\"",
        grammar
    ),
];

async fn greeting(cx: Ctx) -> Step<Outcome> {
    let (mut control, first) = cx.connect("c1").await?;
    let greeting = if first.code == 120 {
        control.reply().await?
    } else {
        first
    };
    cx.check_reply("greeting", &greeting, &[220], &[])?;
    Ok(Outcome::Pass)
}

async fn grammar(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    for command in [
        Command::Syst,
        Command::Help(None),
        Command::Noop,
        Command::Pwd,
        Command::Type(TransferType::Image),
        Command::Feat,
        Command::Quit,
    ] {
        let reply = control.cmd(&command).await?;
        let verb = command.verb().as_str();
        if !table::permits(verb, reply.code) {
            let allowed = table::allowed(verb).unwrap_or_default();
            return Err(Outcome::Fail {
                expected: vec![format!("{command}: one of {allowed:?} (RFC 959 §5.4)")],
                actual: format!("{command}: {}", show(&reply)),
            });
        }
    }
    Ok(Outcome::Pass)
}
