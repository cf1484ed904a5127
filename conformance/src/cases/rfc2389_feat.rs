//! RFC 2389, feature negotiation: the FEAT reply's grammar (before and after login), FEAT listing every
//! extension the server answers, and OPTS for a command that has no options.

use ftp_proto::{Command, PathArg};

use crate::case::{Case, Outcome, Step};
use crate::conn::{printable, show, Control};
use crate::ctx::Ctx;

use super::shared::put_image;

pub const CASES: &[Case] = &[
    crate::case!("rfc2389/3.2/feat-grammar", Must, "FEAT: `211-` line, each feature line starting with one space, closed by `211 End`", "RFC 2389 §3.2: \"feature-listing = \\\"211-\\\" *TCHAR CRLF 1*( SP feature CRLF ) \\\"211 End\\\" CRLF\"; \"Note that each feature line in the feature-listing begins with a single space. That space is not optional\"", feat_grammar),
    crate::case!("rfc2389/3.2/feat-before-login", Must, "FEAT before USER: a well-formed 211 (530 is legal, non-strict)", "RFC 2389 §3.2: the feat-response grammar; §3: FEAT lets a client learn the features before it uses them (it has no argument and changes no state); RFC 959 §4.2.1: \"530 Not logged in\"", feat_before_login),
    crate::case!("rfc2389/3.2/feat-lists-extensions", Must, "every extension the server answers (SIZE, MDTM, MLST, REST STREAM, EPSV) is listed in FEAT", "RFC 2389 §3.2: \"FTP implementations which support FEAT MUST include in the response to the FEAT command all properly documented FTP extensions beyond those commands and mechanisms described in RFC959\"", feat_lists),
    crate::case!("rfc2389/4/opts-unknown-501", Must, "OPTS for a command with no options: 501 (500/504 legal, non-strict)", "RFC 2389 §4: \"opts-bad = \\\"451\\\" SP response-message CRLF / \\\"501\\\" SP response-message CRLF\"; \"A 501 reply is appropriate for any permanent error\"; \"Where no OPTS behavior is defined for a particular command there are no options available for that command\"", opts_unknown),
];

/// Sends FEAT and judges its framing on the raw lines; skips when FEAT is not implemented.
async fn feat_framing(cx: &Ctx, control: &mut Control, what: &str) -> Step<()> {
    control.send(&Command::Feat).await?;
    let (reply, lines) = control.reply_with_lines().await?;
    if matches!(reply.code, 500 | 502) {
        return Err(Outcome::skip(format!(
            "FEAT is not implemented: {}",
            show(&reply)
        )));
    }
    if reply.code == 530 && what == "FEAT before login" {
        cx.weaker(
            vec![format!("{what}: 211")],
            format!("{what}: {}", show(&reply)),
        );
        return Ok(());
    }
    cx.check_reply(what, &reply, &[211], &[])?;
    if lines.len() == 1 {
        return Ok(()); // `no-features = "211" SP *TCHAR CRLF`
    }
    let Some((last, middle)) = lines[1..].split_last() else {
        return Ok(());
    };
    for line in middle {
        let feature = line.strip_suffix(b"\r\n").unwrap_or(line);
        let well_formed = feature.len() > 1 && feature[0] == b' ' && feature[1] != b' ';
        if !well_formed {
            return Err(Outcome::fail(
                &[&format!("{what}: each feature line is SP feature")],
                format!("the line {:?}", printable(line)),
            ));
        }
    }
    let close = last.strip_suffix(b"\r\n").unwrap_or(last);
    if !close.to_ascii_uppercase().starts_with(b"211 END") {
        cx.weaker(
            vec![format!("{what}: closed by `211 End`")],
            format!("closed by {:?}", printable(close)),
        );
    }
    Ok(())
}

async fn feat_grammar(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    feat_framing(&cx, &mut control, "FEAT").await?;
    Ok(Outcome::Pass)
}

async fn feat_before_login(cx: Ctx) -> Step<Outcome> {
    let (mut control, _) = cx.connect("c1").await?;
    feat_framing(&cx, &mut control, "FEAT before login").await?;
    Ok(Outcome::Pass)
}

async fn feat_lists(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let feat = control.cmd(&Command::Feat).await?;
    if feat.code != 211 {
        return Err(Outcome::skip(format!(
            "FEAT is not implemented: {}",
            show(&feat)
        )));
    }
    let advertised = |name: &str| {
        feat.lines
            .iter()
            .skip(1)
            .any(|line| line.text().trim().to_ascii_uppercase().starts_with(name))
    };
    let path = cx.scratch_path("featured.bin")?;
    put_image(&cx, &mut control, &path, b"0123456789").await?;
    let target = PathArg::from(&path);
    let probes: [(&str, Command, u16); 5] = [
        ("SIZE", Command::Size(target.clone()), 213),
        ("MDTM", Command::Mdtm(target.clone()), 213),
        ("MLST", Command::Mlst(Some(target)), 250),
        ("REST STREAM", Command::Rest(0), 350),
        ("EPSV", Command::Epsv(ftp_proto::EpsvArg::Open), 229),
    ];
    let mut unlisted = Vec::new();
    for (feature, command, works) in probes {
        let reply = control.cmd(&command).await?;
        if reply.code == works && !advertised(feature) {
            unlisted.push(format!("{command}: {}", show(&reply)));
        }
        if feature == "REST STREAM" && reply.code == 350 {
            // Clear the marker so it cannot affect anything later in the session.
            let _ = control.cmd(&Command::Rest(0)).await?;
        }
    }
    if !unlisted.is_empty() {
        return Err(Outcome::fail(
            &["FEAT lists every extension that works"],
            format!("answered but not in FEAT: {}", unlisted.join(" ; ")),
        ));
    }
    Ok(Outcome::Pass)
}

async fn opts_unknown(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Opts("NOOP ON".into())).await?;
    if reply.code == 502 {
        return Err(Outcome::skip(format!(
            "OPTS is not implemented: {}",
            show(&reply)
        )));
    }
    cx.check_reply("OPTS NOOP ON", &reply, &[501], &[500, 504])?;
    Ok(Outcome::Pass)
}
