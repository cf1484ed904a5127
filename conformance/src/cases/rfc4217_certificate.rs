//! The server's TLS certificate (RFC 4217 §15.1.1): a report of its subject, names and validity in the
//! transcript (information; it fails only when the certificate is not valid now), and whether it names
//! the host the URL names (checked by the handshake under `--ca-file`, by this case under `--insecure`).

use crate::case::{Case, Outcome, Step};
use crate::ctx::Ctx;

pub const CASES: &[Case] = &[
    crate::case!("rfc4217/cert/report", Must, "information: the server's certificate (names, validity); fails when it has expired", "RFC 4217 §15.1.1: \"If Server Certificates are not used, then many of the security benefits will not be realised.\" A certificate is valid only between its notBefore and notAfter times (RFC 5280 §4.1.2.5)", certificate_report),
    crate::case!("rfc4217/cert/names-match-host", Should, "the server's certificate names the host of the URL", "RFC 4217 §15.1.1: \"it is recommended that certificates used for server authentication of the TLS session contain the server identification information in a similar manner to those used for http servers (see [RFC-2818]).\" A client checks that the certificate names the server it asked for (RFC 6125 §6; with --ca-file the handshake checks it, this case also under --insecure)", names_match_host),
];

/// Skips on a plain target.
fn tls(cx: &Ctx) -> Step<()> {
    match cx.target.tls {
        Some(_) => Ok(()),
        None => Err(Outcome::skip(
            "plain target: give --tls explicit (or an ftps:// URL) to run the FTPS cases",
        )),
    }
}

async fn certificate_report(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let control = cx.login("c1").await?;
    let chain = control.stream().peer_certificates();
    let Some(leaf) = chain.first() else {
        return Err(Outcome::fail(&["a server certificate"], "none presented"));
    };
    let facts = crate::certificate::facts(leaf.as_ref())
        .map_err(|e| Outcome::fail(&["an X.509 certificate"], e))?;
    for line in facts.lines() {
        cx.transcript.push(format!("info: {line}"));
    }
    if !facts.valid_now {
        return Err(Outcome::fail(
            &["a certificate valid now (notBefore <= now <= notAfter)"],
            format!("valid {} to {}", facts.not_before, facts.not_after),
        ));
    }
    Ok(Outcome::Pass)
}

async fn names_match_host(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let control = cx.login("c1").await?;
    let Some(leaf) = control.stream().peer_certificates().into_iter().next() else {
        return Err(Outcome::fail(&["a server certificate"], "none presented"));
    };
    let facts = crate::certificate::facts(leaf.as_ref())
        .map_err(|e| Outcome::fail(&["an X.509 certificate"], e))?;
    let host = control.peer.ip().to_string();
    let named = cx.target.url_host();
    if facts
        .names
        .iter()
        .any(|n| n.eq_ignore_ascii_case(&named) || *n == host)
    {
        return Ok(Outcome::Pass);
    }
    Err(Outcome::fail(
        &[&format!("a subjectAltName {named} (or {host})")],
        format!("names: {}", facts.names.join(", ")),
    ))
}
