//! RFC 959 §4.1.2, transfer parameter commands: TYPE, MODE, STRU, PORT and PASV (syntax, ranges, a second
//! PASV, active mode).

use ftp_proto::{Command, ListingArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions, Mode};
use crate::steps;

pub const CASES: &[Case] = &[
    crate::case!("rfc959/4.1.2/type", Must, "TYPE A and I are accepted, an unknown type is refused", "RFC 959 §5.1 minimum implementation: TYPE - ASCII Non-print; §5.4 TYPE: 200; 500, 501, 504, 421, 530", type_cmd),
    crate::case!("rfc959/4.1.2/mode", Must, "MODE S is accepted, an unknown mode is refused", "RFC 959 §5.1 minimum implementation: MODE - Stream; §5.4 MODE: 200; 500, 501, 504, 421, 530", mode),
    crate::case!("rfc959/4.1.2/stru", Must, "STRU F is accepted, an unknown structure is refused", "RFC 959 §5.1 minimum implementation: STRUCTURE - File, Record; §5.4 STRU: 200; 500, 501, 504, 421, 530", stru),
    crate::case!("rfc959/4.1.2/port-syntax-501", Must, "malformed and out-of-range PORT arguments get 501", "RFC 959 §4.1.2 PORT: \"the argument is the concatenation of a 32-bit internet host address and a 16-bit TCP port address. This address information is broken into 8-bit fields and the value of each field is transmitted as a decimal number\"; §4.2.1: \"501 Syntax error in parameters or arguments.\"", port_syntax),
    crate::case!("rfc959/4.1.2/pasv-227", Must, "PASV's 227 address decodes to a listener that accepts and serves a listing", "RFC 959 §4.1.2 PASV: \"requests the server-DTP to listen on a data port ... and to wait for a connection\"; §4.2.1: \"227 Entering Passive Mode (h1,h2,h3,h4,p1,p2).\"", pasv_227),
    crate::case!("rfc959/4.1.2/pasv-twice", Must, "after a second PASV, the second address works", "RFC 959 §4.1.2 PASV: the reply names \"the host and port address this server is listening on\" (the latest PASV wins)", pasv_twice),
    crate::case!("rfc959/4.1.2/port-active", Must, "after PORT the server connects to the client's listener and sends the file", "RFC 959 §2.3: \"The user-DTP or its designate should \"listen\" on the specified data port, and the server initiate the data connection and data transfer in accordance with the specified parameters.\" §4.1.2 PORT", port_active),
];

async fn type_cmd(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    for command in [
        Command::Type(TransferType::Ascii),
        Command::Type(TransferType::Image),
    ] {
        let reply = control.cmd(&command).await?;
        cx.check_reply(&command.to_string(), &reply, &[200], &[])?;
    }
    // Spellings no typed command produces: the two-word form and a lower-case verb.
    for line in ["TYPE A N", "type i"] {
        let reply = control.raw_line(line).await?;
        cx.check_reply(line, &reply, &[200], &[])?;
    }
    let reply = control.raw_line("TYPE X").await?;
    cx.check_reply("TYPE X", &reply, &[504, 501], &[500])?;
    Ok(Outcome::Pass)
}

async fn mode(cx: Ctx) -> Step<Outcome> {
    only_one_form(cx, &Command::Mode, "MODE X").await
}

async fn stru(cx: Ctx) -> Step<Outcome> {
    only_one_form(cx, &Command::Stru, "STRU X").await
}

/// MODE and STRU: the one form every server must take (RFC 959 §5.1: stream mode, file structure) gets
/// 200, and an unknown one a refusal of the parameter.
async fn only_one_form(cx: Ctx, required: &Command, unknown: &str) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(required).await?;
    cx.check_reply(&required.to_string(), &reply, &[200], &[])?;
    let reply = control.raw_line(unknown).await?;
    cx.check_reply(unknown, &reply, &[504, 501], &[500])?;
    Ok(Outcome::Pass)
}

async fn port_syntax(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let [a, b, c, d] = match control.local.ip() {
        std::net::IpAddr::V4(ip) => ip.octets(),
        std::net::IpAddr::V6(_) => {
            return Err(Outcome::skip("PORT needs an IPv4 control connection"))
        }
    };
    let bad = [
        "PORT 1,2,3".to_string(),
        format!("PORT {a},{b},{c},{d},300,1"),
        format!("PORT {a},{b},{c},{d},4,256"),
        "PORT 999,0,0,1,4,1".to_string(),
        "PORT a,b,c,d,e,f".to_string(),
        format!("PORT {a},{b},{c},{d},-1,4"),
    ];
    for command in &bad {
        let reply = control.raw_line(command).await?;
        cx.check_reply(command, &reply, &[501], &[500])?;
    }
    Ok(Outcome::Pass)
}

async fn pasv_227(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    steps::fetch(
        &mut control,
        &Command::Nlst(ListingArg::default()),
        Mode::Passive,
    )
    .await?;
    Ok(Outcome::Pass)
}

async fn pasv_twice(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let _first = data::pasv(&mut control).await?;
    steps::fetch(
        &mut control,
        &Command::Nlst(ListingArg::default()),
        Mode::Passive,
    )
    .await?;
    Ok(Outcome::Pass)
}

async fn port_active(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (path, contents) = cx.readable_file(&mut control).await?;
    control.cmd(&Command::Type(TransferType::Image)).await?;
    let bytes = steps::download(&mut control, &path, Mode::Active).await?;
    if let Some(contents) = contents {
        if bytes != contents {
            return Err(Outcome::fail(
                &[&format!("{} bytes as uploaded", contents.len())],
                format!("{} different bytes", bytes.len()),
            ));
        }
    }
    Ok(Outcome::Pass)
}

/// Used by the brief's variant: after a second PASV, the first listener must be closed.
pub async fn first_pasv_closed(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let first = data::pasv(&mut control).await?;
    let second = data::pasv(&mut control).await?;
    if first == second {
        // The server reuses the port: the old listener cannot be told apart from the new one.
        return Ok(Outcome::Pass);
    }
    let label = "c1-old-data";
    let options = ConnectOptions::new(label, cx.transcript.clone(), control.reply_timeout);
    match data::connect(first, options).await {
        Err(_) => {}
        Ok(_) => {
            return Err(Outcome::fail(
                &["the first PASV port is closed (connection refused)"],
                format!("{first} still accepted a connection after the second PASV ({second})"),
            ));
        }
    }
    steps::fetch(
        &mut control,
        &Command::Nlst(ListingArg::default()),
        Mode::Passive,
    )
    .await?;
    Ok(Outcome::Pass)
}
