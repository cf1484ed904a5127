//! RFC 4217, securing FTP with TLS (and the RFC 2228 commands it uses: AUTH, PBSZ, PROT, CCC): the
//! AUTH TLS handshake, PBSZ before PROT, protected and clear data connections, session resumption on
//! data connections, close_notify, refusing USER before AUTH on a server that requires TLS, refusing
//! plaintext after the handshake (the certificate: `rfc4217_certificate`). They run only when the
//! suite is told the target speaks TLS (`--tls` or an `ftps://` URL); the AUTH cases need explicit FTPS.

use ftp_proto::{AuthMechanism, Command, ListingArg, ProtectionLevel, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions, End, Mode};
use crate::steps::{self, QUIET};
use crate::tls::{TlsMode, TlsSetup};

pub const CASES: &[Case] = &[
    crate::case!("rfc4217/4/auth-tls-234", Must, "AUTH TLS gets 234 and a TLS handshake follows", "RFC 4217 §4.2: \"In either case, '234' is the server response to an 'AUTH TLS' command that it will honour.\" RFC 2228 §3 (AUTH): \"If the server is willing to accept the named security mechanism, and does not require any security data, it must respond with reply code 234.\"", auth_tls_234),
    crate::case!("rfc4217/4/auth-unknown-504", Must, "AUTH with an unknown mechanism is refused, best with 504", "RFC 2228 §3 (AUTH): \"If the server does not understand the named security mechanism, it should respond with reply code 504.\" (the case also accepts 500, 501, 502 and 534, refusals AUTH may give)", auth_unknown),
    crate::case!("rfc4217/4/plaintext-after-handshake", Must, "a plaintext command sent after the TLS handshake is never answered in plaintext", "RFC 2228 §3 (CCC): \"If unprotected commands are allowed on any connection, then an attacker could insert a command on the control stream, and the server would have no way to know that it was invalid. In order to prevent such attacks, once a security data exchange completes successfully, if the security mechanism supports integrity, then integrity ... must be used, until the CCC command is issued\"", plaintext_after_handshake),
    crate::case!("rfc4217/4/user-before-auth-refused", Must, "with --tls-required: USER before AUTH TLS gets 530 or 534", "RFC 4217 §4.2: \"the same effect can be achieved by refusing to accept certain FTP commands until the session is secured to a level that is acceptable to the server.\" §10.1: \"Deny certain commands before TLS is negotiated (e.g., USER, PASS, or ACCT).\" RFC 2228 §5.1: \"534 Request denied for policy reasons.\" RFC 959 §4.2.1: \"530 Not logged in.\"", user_before_auth),
    crate::case!("rfc4217/6/feat-lists-tls", Must, "FEAT lists AUTH, PBSZ and PROT (and AUTH names TLS, a should)", "RFC 4217 §6: \"If a server supports the FEAT command, then it MUST advertise supported AUTH, PBSZ, and PROT commands in the reply, as described in section 3.2 of [RFC-2389]. Additionally, the AUTH command should have a reply that identifies 'TLS' as one of the possible parameters to AUTH.\"", feat_lists_tls),
    crate::case!("rfc4217/9/pbsz-0-200", Must, "PBSZ 0 after AUTH TLS gets 200", "RFC 4217 §9: \"Thus, the PBSZ command MUST still be issued, but must have a parameter of '0' to indicate that no buffering is taking place and the data connection should not be encapsulated.\" RFC 2228 §3 (PBSZ): \"Otherwise, the server must reply with a 200 reply code.\"", pbsz_zero),
    crate::case!("rfc4217/9/prot-before-pbsz-503", Should, "PROT P before PBSZ gets 503", "RFC 2228 §3 (PROT): \"The PROT command will be rejected and the server should reply 503 if no previous PBSZ command was issued.\" RFC 4217 §9: \"Specifically, the PROT command MUST be preceded by a PBSZ command\"", prot_before_pbsz),
    crate::case!("rfc4217/9/prot-p-data-is-tls", Must, "after PROT P a listing comes over a TLS data connection", "RFC 4217 §9: \"If the data connection security level is 'Private', then a TLS negotiation must take place on the data connection to the satisfaction of the Client and Server prior to any data being transmitted over the connection.\"", prot_p_tls),
    crate::case!("rfc4217/9/prot-p-round-trip", Must, "after PROT P a file uploaded over TLS comes back byte for byte", "RFC 4217 §9: \"If the data connection security level is 'Private', then a TLS negotiation must take place on the data connection ... prior to any data being transmitted over the connection.\" RFC 959 §3.1.1.3 (TYPE I): \"The data are sent as contiguous bits which, for transfer, are packed into the 8-bit transfer bytes. The receiving site must store the data as contiguous bits.\"", prot_p_round_trip),
    crate::case!("rfc4217/9/prot-c-data-is-clear", Must, "after PROT C the data connection is clear TCP under a TLS control connection", "RFC 4217 §9: \"With 'Clear' protection level, the data connection is made without TLS.\"", prot_c_clear),
    crate::case!("rfc4217/9/prot-s-e-536", Should, "PROT S and PROT E are refused, best with 536", "RFC 4217 §9: \"As TLS negotiation encompasses (and exceeds) the Safe / Confidential / Private distinction, only Private (use TLS) and Clear (don't use TLS) are used.\" RFC 2228 §3 (PROT): \"If the current security mechanism does not support the specified protection level, the server should respond with reply code 536.\" (504 and 534 are also PROT refusals)", prot_s_e),
    crate::case!("rfc4217/10.2/data-resumes-session", Should, "a PROT P data connection can resume the control connection's TLS session", "RFC 4217 §10.2: \"It is reasonable for the server to insist that the data connection uses a TLS cached session. This might be a cache of a previous data connection or of a cleared control connection.\" (the case checks that a data connection offering the control connection's session resumes it)", data_resumes),
    crate::case!("rfc4217/10.2/fresh-session-refused", Must, "information: whether a data connection with a fresh TLS session (no resumption) is refused", "RFC 4217 §10.2: \"It is reasonable for the server to insist that the data connection uses a TLS cached session. ... If this is the reason for the refusal to allow the data transfer, then the '522' reply should indicate this.\" Refusing a fresh session passes; accepting it is legal, reported non-strict", fresh_session),
    crate::case!("rfc4217/10.2/close-notify", Should, "a PROT P download ends with a TLS close_notify", "RFC 2246 §7.2.1 (TLS 1.0, on which RFC 4217 relies): \"The client and the server must share knowledge that the connection is ending in order to avoid a truncation attack.\" and \"Each party is required to send a close_notify alert before closing the write side of the connection.\"", close_notify),
    crate::case!("rfc4217/5/ccc-reply", Must, "CCC gets 200 or a refusal (500, 502, 504, 533, 534)", "RFC 4217 §5: \"If the server does not accept CCC commands (or does not understand them), then a 500 reply should be sent. Otherwise, if the control connection is not protected with TLS, then a 533 reply should be sent. Otherwise, if the server does not wish to allow the control connection to be cleared at this time, then a 534 reply should be sent. Otherwise, the server is accepting the CCC command and should do the following: ... Send a 200 reply.\" (502 and 504 are also accepted as refusals)", ccc_reply),
];

/// The target's TLS settings, or a skip on a plain target.
fn tls(cx: &Ctx) -> Step<TlsSetup> {
    cx.target.tls.clone().ok_or_else(|| {
        Outcome::skip("plain target: give --tls explicit (or an ftps:// URL) to run the FTPS cases")
    })
}

/// Explicit FTPS only (the AUTH cases); a plain connection that has read its greeting.
async fn explicit_plain(cx: &Ctx, label: &str) -> Step<(TlsSetup, Control)> {
    let tls = tls(cx)?;
    if tls.mode != TlsMode::Explicit {
        return Err(Outcome::skip(
            "implicit FTPS: TLS starts before the greeting, AUTH is not used",
        ));
    }
    let target = &cx.target;
    let mut control = Control::connect(
        target.addr,
        label,
        cx.transcript.clone(),
        target.reply_timeout,
    )
    .await?;
    let greeting = control.reply().await?;
    steps::require("greeting", &greeting, &[220])?;
    Ok((tls, control))
}

async fn auth_tls_234(cx: Ctx) -> Step<Outcome> {
    let (tls, mut control) = explicit_plain(&cx, "c1").await?;
    let reply = control.auth_tls(tls.session()).await?;
    cx.check_reply("AUTH TLS", &reply, &[234], &[])?;
    // The handshake happened in auth_tls; the session must go on under TLS: USER gets a well-formed
    // reply (its code is judged by the login cases; some servers answer 530 to NOOP before login).
    control
        .cmd(&Command::User(cx.target.login.user.clone()))
        .await?;
    Ok(Outcome::Pass)
}

async fn auth_unknown(cx: Ctx) -> Step<Outcome> {
    let (_, mut control) = explicit_plain(&cx, "c1").await?;
    let command = Command::Auth(AuthMechanism::Other("XYZZY".into()));
    let reply = control.cmd(&command).await?;
    cx.check_reply("AUTH XYZZY", &reply, &[504], &[500, 501, 502, 534])?;
    Ok(Outcome::Pass)
}

async fn plaintext_after_handshake(cx: Ctx) -> Step<Outcome> {
    let (tls, mut control) = explicit_plain(&cx, "c1").await?;
    let reply = control.auth_tls(tls.session()).await?;
    steps::require("AUTH TLS", &reply, &[234])?;
    let Some(tcp) = control.stream().tcp() else {
        return Err(Outcome::error("no socket under the TLS stream"));
    };
    // Plain bytes on the socket under TLS: the server's TLS layer sees a malformed record.
    cx.transcript.push("c1> (plaintext, under TLS) NOOP\\r\\n");
    let written = tcp
        .try_write(b"NOOP\r\n")
        .map_err(|e| Outcome::error(format!("cannot write the plaintext line: {e}")))?;
    if written != 6 {
        return Err(Outcome::error("the plaintext line was not written whole"));
    }
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + QUIET;
    let mut buffer = [0u8; 4096];
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout_at(deadline, tcp.readable()).await {
            Err(_) => break,
            Ok(Err(_)) => break,
            Ok(Ok(())) => match tcp.try_read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => seen.extend_from_slice(&buffer[..read]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(_) => break,
            },
        }
    }
    cx.transcript.push(format!(
        "c1< (raw, under TLS) {} bytes: {}",
        seen.len(),
        crate::conn::printable(&seen)
    ));
    if seen.windows(4).any(|w| w == b"200 ") || seen.starts_with(b"2") || seen.starts_with(b"5") {
        return Err(Outcome::fail(
            &["no plaintext reply: a TLS alert, a closed connection or silence"],
            format!("a plaintext reply: {}", crate::conn::printable(&seen)),
        ));
    }
    Ok(Outcome::Pass)
}

async fn user_before_auth(cx: Ctx) -> Step<Outcome> {
    let (tls, mut control) = explicit_plain(&cx, "c1").await?;
    if !tls.required {
        return Err(Outcome::skip(
            "the target does not require TLS (no --tls-required)",
        ));
    }
    let reply = control
        .cmd(&Command::User(cx.target.login.user.clone()))
        .await?;
    if reply.code == 331 {
        // Refusing at PASS keeps the session out, but the password has crossed in clear: weaker.
        let pass = control
            .cmd(&Command::Pass(cx.target.login.pass.clone().into()))
            .await?;
        cx.check_reply("PASS before AUTH", &pass, &[530, 534], &[])?;
        cx.weaker(
            steps::expected("USER before AUTH", &[530, 534]),
            format!("USER: {}; PASS: {}", show(&reply), show(&pass)),
        );
        return Ok(Outcome::Pass);
    }
    // 421 closes the connection: a refusal, but not the one RFC 4217 names.
    cx.check_reply("USER before AUTH", &reply, &[530, 534], &[421])?;
    Ok(Outcome::Pass)
}

async fn feat_lists_tls(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let features = &cx.target.features;
    let listed = |command: &str| {
        features.iter().any(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|first| first.eq_ignore_ascii_case(command))
        })
    };
    let missing: Vec<&str> = ["AUTH", "PBSZ", "PROT"]
        .into_iter()
        .filter(|command| !listed(command))
        .collect();
    if !missing.is_empty() {
        return Err(Outcome::fail(
            &["FEAT lines AUTH, PBSZ and PROT"],
            format!(
                "missing: {}; FEAT: {}",
                missing.join(", "),
                features.join(" | ")
            ),
        ));
    }
    // §6's second sentence is a "should": AUTH's line names TLS among its parameters.
    let names_tls = features.iter().any(|line| {
        let mut words = line.split(|c: char| c.is_whitespace() || c == ';' || c == ',');
        words
            .next()
            .is_some_and(|first| first.eq_ignore_ascii_case("AUTH"))
            && words.any(|word| word.eq_ignore_ascii_case("TLS"))
    });
    if names_tls {
        Ok(Outcome::Pass)
    } else {
        Ok(Outcome::non_strict(
            &["an AUTH line naming TLS"],
            format!("FEAT: {}", features.join(" | ")),
        ))
    }
}

/// A logged-in TLS control connection with no PBSZ or PROT sent yet.
async fn tls_login_unprotected(cx: &Ctx, label: &str) -> Step<Control> {
    tls(cx)?;
    let (mut control, greeting) = cx.connect(label).await?;
    steps::require("greeting", &greeting, &[220])?;
    control
        .login(&cx.target.login.user, &cx.target.login.pass)
        .await?;
    Ok(control)
}

async fn pbsz_zero(cx: Ctx) -> Step<Outcome> {
    let mut control = tls_login_unprotected(&cx, "c1").await?;
    let reply = control.cmd(&Command::Pbsz(0)).await?;
    cx.check_reply("PBSZ 0", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

async fn prot_before_pbsz(cx: Ctx) -> Step<Outcome> {
    if tls(&cx)?.mode == TlsMode::Implicit {
        // Implicit FTPS predates RFC 4217 and is not in it: its sessions start with data protected
        // (servers such as ours count PBSZ as done), so the RFC 2228 sequence applies to AUTH only.
        return Err(Outcome::skip(
            "implicit FTPS: data is protected from the start; the PBSZ-PROT sequence belongs to AUTH TLS",
        ));
    }
    let mut control = tls_login_unprotected(&cx, "c1").await?;
    let reply = control
        .cmd(&Command::Prot(ProtectionLevel::Private))
        .await?;
    cx.check_reply("PROT P without PBSZ", &reply, &[503], &[])?;
    Ok(Outcome::Pass)
}

async fn prot_p_tls(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let command = Command::Nlst(ListingArg::default());
    let (mut data, _) = started(&cx, &mut control, &command).await?;
    let (_, end) = data.read_to_end(1 << 24, control.reply_timeout).await;
    if !data.stream().is_tls() || end != End::Eof {
        return Err(Outcome::fail(
            &["a TLS data connection, then end of file"],
            format!("TLS: {}, end: {end:?}", data.stream().is_tls()),
        ));
    }
    let done = control.reply().await?;
    cx.check_reply("NLST", &done, &[226, 250], &[])?;
    Ok(Outcome::Pass)
}

/// Starts `command` over a passive data connection (PROT as the session has it); fails on a non-1xx.
async fn started(
    cx: &Ctx,
    control: &mut Control,
    command: &Command,
) -> Step<(data::Data, ftp_proto::Reply)> {
    match steps::begin(control, Mode::Passive, command, false).await? {
        Ok(started) => Ok(started),
        Err(reply) => {
            cx.check_reply(&command.to_string(), &reply, &[125, 150], &[])?;
            Err(Outcome::error("unreachable"))
        }
    }
}

async fn prot_p_round_trip(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("tls-round-trip.bin")?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    steps::require("TYPE I", &reply, &[200])?;
    let contents = steps::pattern(300 * 1024);
    steps::upload(&mut control, &path, &contents, Mode::Passive).await?;
    let back = steps::download(&mut control, &path, Mode::Passive).await?;
    if back != contents {
        return Err(Outcome::fail(
            &[&format!("the {} bytes uploaded", contents.len())],
            format!("{} bytes, differing", back.len()),
        ));
    }
    Ok(Outcome::Pass)
}

async fn prot_c_clear(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let (path, contents) = cx.readable_file(&mut control).await?;
    let reply = control.cmd(&Command::Prot(ProtectionLevel::Clear)).await?;
    if [534, 536, 504].contains(&reply.code) {
        return Err(Outcome::skip(format!(
            "the server's policy refuses PROT C: {}",
            show(&reply)
        )));
    }
    cx.check_reply("PROT C", &reply, &[200], &[])?;
    control.set_data_protected(false);
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    steps::require("TYPE I", &reply, &[200])?;
    let command = Command::Retr(path.as_str().into());
    let (mut data, _) = match steps::begin(&mut control, Mode::Passive, &command, false).await? {
        Ok(started) => started,
        // RFC 4217 §10.2 lets a server's policy refuse clear data connections (521; vsftpd says 522).
        Err(reply) if [521, 522, 534].contains(&reply.code) => {
            return Err(Outcome::skip(format!(
                "the server's policy refuses clear data connections: {}",
                show(&reply)
            )))
        }
        Err(reply) => {
            cx.check_reply(&command.to_string(), &reply, &[125, 150], &[])?;
            return Err(Outcome::error("unreachable"));
        }
    };
    let (back, end) = data.read_to_end(1 << 26, control.reply_timeout).await;
    let done = control.reply().await?;
    cx.check_reply(&command.to_string(), &done, &[226, 250], &[])?;
    if end != End::Eof {
        return Err(Outcome::fail(
            &["the file, then end of file"],
            format!("{end:?}"),
        ));
    }
    // A TLS record (handshake 0x16, alert 0x15, data 0x17, version 3.x) where clear bytes were due.
    let looks_tls = back.len() >= 3 && (0x14..=0x17).contains(&back[0]) && back[1] == 3;
    match contents {
        Some(contents) if back != contents => Err(Outcome::fail(
            &["the file in clear, byte for byte"],
            format!("{} bytes, differing (TLS records: {looks_tls})", back.len()),
        )),
        None if looks_tls => Err(Outcome::fail(
            &["the file in clear"],
            "bytes that look like TLS records",
        )),
        _ => Ok(Outcome::Pass),
    }
}

async fn prot_s_e(cx: Ctx) -> Step<Outcome> {
    let mut control = tls_login_unprotected(&cx, "c1").await?;
    let reply = control.cmd(&Command::Pbsz(0)).await?;
    steps::require("PBSZ 0", &reply, &[200])?;
    for level in [ProtectionLevel::Safe, ProtectionLevel::Confidential] {
        let command = Command::Prot(level);
        let reply = control.cmd(&command).await?;
        cx.check_reply(&command.to_string(), &reply, &[536], &[504, 534, 500, 501])?;
    }
    Ok(Outcome::Pass)
}

async fn data_resumes(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let command = Command::Nlst(ListingArg::default());
    let (mut data, _) = started(&cx, &mut control, &command).await?;
    let (_, end) = data.read_to_end(1 << 24, control.reply_timeout).await;
    let resumed = data.stream().resumed();
    let done = control.reply().await?;
    cx.check_reply("NLST", &done, &[226, 250], &[])?;
    match (end, resumed) {
        (End::Eof, Some(true)) => Ok(Outcome::Pass),
        (end, resumed) => Err(Outcome::fail(
            &["a data handshake that resumed the control connection's session"],
            format!("resumed: {resumed:?}, end: {end:?}"),
        )),
    }
}

async fn fresh_session(cx: Ctx) -> Step<Outcome> {
    let tls = tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let addr = match data::prepare(&mut control, Mode::Passive, false).await? {
        data::Prepared::Passive(addr) => addr,
        data::Prepared::Active(_) => return Err(Outcome::error("passive mode expected")),
    };
    // A TLS client with an empty session store: its handshake cannot resume anything.
    let options = ConnectOptions {
        tls: Some(tls.session()),
        ..ConnectOptions::new(
            "c1-fresh-data",
            cx.transcript.clone(),
            control.reply_timeout,
        )
    };
    let mut stream = data::connect(addr, options).await?;
    let reply = control.cmd(&Command::Nlst(ListingArg::default())).await?;
    if !reply.is_preliminary() {
        cx.check_reply(
            "NLST over a fresh TLS session",
            &reply,
            &[425, 426, 522, 534],
            &[],
        )?;
        return Ok(Outcome::Pass);
    }
    let (_, end) = stream.read_to_end(1 << 24, control.reply_timeout).await;
    let done = control.reply().await?;
    if end == End::Eof && [226, 250].contains(&done.code) {
        return Ok(Outcome::non_strict(
            &["a data connection that does not resume the control session is refused"],
            format!("accepted (full handshake), NLST: {}", show(&done)),
        ));
    }
    cx.check_reply(
        "NLST over a fresh TLS session",
        &done,
        &[425, 426, 522, 534, 451],
        &[],
    )?;
    Ok(Outcome::Pass)
}

async fn close_notify(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let (path, _) = cx.readable_file(&mut control).await?;
    let command = Command::Retr(path.as_str().into());
    let (mut data, _) = started(&cx, &mut control, &command).await?;
    let (_, end) = data.read_to_end(1 << 26, control.reply_timeout).await;
    let done = control.reply().await?;
    cx.check_reply("RETR", &done, &[226, 250], &[])?;
    match (end, data.close_notify()) {
        (End::Eof, Some(true)) => Ok(Outcome::Pass),
        (end, notify) => Err(Outcome::fail(
            &["the download's TLS stream ends with close_notify"],
            format!("end: {end:?}, close_notify: {notify:?}"),
        )),
    }
}

async fn ccc_reply(cx: Ctx) -> Step<Outcome> {
    tls(&cx)?;
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Ccc).await?;
    // After a 200 the control connection would go on in clear; the case ends here either way.
    cx.check_reply("CCC", &reply, &[200, 533, 534, 500, 502, 504], &[])?;
    Ok(Outcome::Pass)
}
