//! RFC 2228's command order on an FTPS server (RFC 4217 §4, §9): PBSZ and PROT mean something only after
//! a security exchange (AUTH TLS), so before it they are refused (explicit FTPS targets, on a fresh
//! connection that has only read the greeting). Also PROT P with an active data connection, where the
//! server connects and the suite still plays the TLS client.

use ftp_proto::{Command, ProtectionLevel, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::Control;
use crate::ctx::Ctx;
use crate::data::Mode;
use crate::steps;
use crate::tls::TlsMode;

pub const CASES: &[Case] = &[
    crate::case!("rfc4217/9/pbsz-before-auth-503", Must, "PBSZ before AUTH TLS is refused, best with 503", "RFC 2228 §3 (PBSZ): \"The PBSZ command must be preceded by a successful security data exchange.\" and \"If the server has not completed a security data exchange with the client, it should respond with a 503 reply code.\" (530 before login is also a refusal)", pbsz_before_auth),
    crate::case!("rfc4217/9/prot-before-auth-503", Must, "PROT P before AUTH TLS is refused, best with 503", "RFC 4217 §9: \"Specifically, the PROT command MUST be preceded by a PBSZ command, and a PBSZ command MUST be preceded by a successful security data exchange (the TLS negotiation in this case).\" RFC 2228 §3 (PROT): \"The PROT command will be rejected and the server should reply 503 if no previous PBSZ command was issued.\" (530 before login is also a refusal)", prot_before_auth),
    crate::case!("rfc4217/7/prot-p-active-round-trip", Must, "after PROT P a file goes up and comes back byte for byte over active (PORT/EPRT) data connections", "RFC 4217 §7: \"For i) and ii), the FTP client MUST be the TLS client and the FTP server MUST be the TLS server. That is to say, it does not matter which side initiates the connection with a connect() call or which side reacts to the connection via the accept() call; the FTP client, as defined in [RFC-959], is always the TLS client, as defined in [RFC-2246].\"", prot_p_active),
];

async fn prot_p_active(cx: Ctx) -> Step<Outcome> {
    if cx.target.tls.is_none() {
        return Err(Outcome::skip(
            "plain target: give --tls explicit (or an ftps:// URL) to run the FTPS cases",
        ));
    }
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("tls-active.bin")?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    steps::require("TYPE I", &reply, &[200])?;
    let contents = steps::pattern(100 * 1024 + 7);
    steps::upload(&mut control, &path, &contents, Mode::Active).await?;
    let back = steps::download(&mut control, &path, Mode::Active).await?;
    if back != contents {
        return Err(Outcome::fail(
            &[&format!("the {} bytes uploaded", contents.len())],
            format!("{} bytes, differing", back.len()),
        ));
    }
    Ok(Outcome::Pass)
}

/// A plain connection to an explicit FTPS target, greeting read.
async fn before_auth(cx: &Ctx) -> Step<Control> {
    let Some(tls) = &cx.target.tls else {
        return Err(Outcome::skip(
            "plain target: give --tls explicit (or an ftps:// URL) to run the FTPS cases",
        ));
    };
    if tls.mode != TlsMode::Explicit {
        return Err(Outcome::skip("implicit FTPS: there is no before-AUTH"));
    }
    let target = &cx.target;
    let mut control = Control::connect(
        target.addr,
        "c1",
        cx.transcript.clone(),
        target.reply_timeout,
    )
    .await?;
    let greeting = control.reply().await?;
    steps::require("greeting", &greeting, &[220])?;
    Ok(control)
}

async fn pbsz_before_auth(cx: Ctx) -> Step<Outcome> {
    let mut control = before_auth(&cx).await?;
    let reply = control.cmd(&Command::Pbsz(0)).await?;
    cx.check_reply("PBSZ 0 before AUTH", &reply, &[503], &[530, 534, 500, 502])?;
    Ok(Outcome::Pass)
}

async fn prot_before_auth(cx: Ctx) -> Step<Outcome> {
    let mut control = before_auth(&cx).await?;
    let reply = control
        .cmd(&Command::Prot(ProtectionLevel::Private))
        .await?;
    cx.check_reply("PROT P before AUTH", &reply, &[503], &[530, 534, 500, 502])?;
    Ok(Outcome::Pass)
}
