//! RFC 959 §5.4 (the RETR row) and the brief's error codes for data connections: 425 when no data
//! connection can be had (no PORT/PASV, PORT to a closed port, a PASV used up by an earlier transfer),
//! 426 when the client breaks the data connection, 451/551 when reading the file fails mid-transfer.
//! Without PORT/PASV, RFC 959 §3.2 has the server use the default data port, so "425 without PORT/PASV"
//! and one-shot PASV are the brief's rules (level BRIEF), not RFC ones.

use ftp_proto::{Command, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::{self, End, Mode};
use crate::steps::{self, pattern, stalled_retr, STALL_AFTER};

pub const CASES: &[Case] = &[
    crate::case!("brief/425-no-port-pasv", Brief, "RETR without PORT or PASV gets 425", "The brief: \"If the TCP connection was not established, reject the RETR request with code 425.\"; RFC 959 §4.2.1: \"425 Can't open data connection.\"", no_port_pasv),
    crate::case!("rfc959/5.4/425-port-closed", Must, "RETR after PORT to a closed port: 150, then 425", "The brief: the server connects \"after sending the initial mark\"; \"If the TCP connection was not established, reject the RETR request with code 425.\"", port_closed),
    crate::case!("brief/425-reuse-after-transfer", Brief, "PASV is one-shot: a second RETR without a new PASV gets 425", "The brief: \"PORT and PASV are one-shot: once a file has been transferred, a new PORT or PASV is needed\"; 425 when no connection can be made", reuse),
    crate::case!("rfc959/5.4/426-client-closes", Must, "the client closing the data connection mid-RETR gets 426", "The brief: \"If the TCP connection was established but broken by the client or by network failure, reject the RETR request with code 426.\"; RFC 959 §4.2.1: \"426 Connection closed; transfer aborted.\"", client_closes),
    crate::case!("rfc959/5.4/451-read-failure", Must, "a file that fails mid-read gets 451 or 551 and a closed data connection", "The brief: \"If the server had trouble reading the file from disk, reject the RETR request with code 451 or 551. The server closes the data connection in each of these cases.\"", read_failure),
];

/// A file to RETR, and a logged-in connection with TYPE I and no data connection prepared.
async fn setup(cx: &Ctx) -> Step<(crate::conn::Control, String)> {
    let mut control = cx.login("c1").await?;
    let (path, _) = cx.readable_file(&mut control).await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    Ok((control, path))
}

/// Judges the replies to a RETR that cannot get a data connection: 425 (strict: after 150 when
/// `after_150`), with 503 or the other order as weaker alternatives.
async fn expect_425(
    cx: &Ctx,
    control: &mut crate::conn::Control,
    command: &Command,
    after_150: bool,
) -> Step<()> {
    let first = control.cmd(command).await?;
    match (first.code, after_150) {
        (125 | 150, _) => {
            let second = control.reply().await?;
            cx.check_reply(
                &format!("{command}, after {}", first.code),
                &second,
                &[425],
                &[],
            )?;
            if !after_150 {
                cx.weaker(
                    vec![format!("{command}: 425")],
                    format!("{command}: {} then {}", first.code, show(&second)),
                );
            }
            Ok(())
        }
        (425, true) => {
            cx.weaker(
                vec![format!("{command}: 150 then 425")],
                format!("{command}: {} without a preceding 150", show(&first)),
            );
            Ok(())
        }
        (425, false) => Ok(()),
        (503, _) => {
            cx.weaker(
                vec![format!("{command}: 425")],
                format!("{command}: {}", show(&first)),
            );
            Ok(())
        }
        _ => Err(Outcome::fail(&[&format!("{command}: 425")], show(&first))),
    }
}

async fn no_port_pasv(cx: Ctx) -> Step<Outcome> {
    let (mut control, path) = setup(&cx).await?;
    expect_425(&cx, &mut control, &Command::Retr(path.into()), false).await?;
    Ok(Outcome::Pass)
}

async fn port_closed(cx: Ctx) -> Step<Outcome> {
    let (mut control, path) = setup(&cx).await?;
    // A port that was just in use and is now closed: connecting to it is refused.
    let addr = {
        let listener = data::listen(control.local.ip(), false)?;
        data::local_v4(&listener)?
    };
    let reply = control.cmd(&Command::Port(addr)).await?;
    cx.check_reply("PORT", &reply, &[200], &[])?;
    expect_425(&cx, &mut control, &Command::Retr(path.into()), true).await?;
    Ok(Outcome::Pass)
}

async fn reuse(cx: Ctx) -> Step<Outcome> {
    let (mut control, path) = setup(&cx).await?;
    steps::download(&mut control, &path, Mode::Passive).await?;
    expect_425(&cx, &mut control, &Command::Retr(path.into()), false).await?;
    Ok(Outcome::Pass)
}

async fn client_closes(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (data, _) = stalled_retr(&cx, &mut control).await?;
    data.drop_hard();
    // Some servers send further 1xx notes once the data connection is up; the verdict is the next non-1xx.
    let (reply, _) =
        steps::replies_until(&mut control, &[426, 451, 450, 226, 250, 425, 550, 551], 4).await?;
    cx.check_reply(
        "RETR after the client closed the data connection",
        &reply,
        &[426],
        &[451, 450],
    )?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP afterwards", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

/// Size of the fault file: far more than socket buffers hold, so the server reads it after the cut.
const FAULT_SIZE: usize = 32 * 1024 * 1024;

async fn read_failure(cx: Ctx) -> Step<Outcome> {
    let Some((local, remote)) = cx.target.fault_file.clone() else {
        return Err(Outcome::skip(
            "no --fault-file given (a local file in the server's root the suite may truncate)",
        ));
    };
    std::fs::write(&local, pattern(FAULT_SIZE))
        .map_err(|e| Outcome::error(format!("cannot write {}: {e}", local.display())))?;
    let result = read_failure_with(&cx, &local, &remote).await;
    let _ = std::fs::remove_file(&local);
    result
}

async fn read_failure_with(cx: &Ctx, local: &std::path::Path, remote: &str) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    let command = Command::Retr(remote.into());
    let (mut data, _) = match steps::begin(&mut control, Mode::Passive, &command, true).await? {
        Ok(opened) => opened,
        Err(reply) => return Err(Outcome::fail(&[&format!("{command}: 150")], show(&reply))),
    };
    data.read_some(STALL_AFTER, control.reply_timeout).await?;
    // The file shrinks under the server while its writes are blocked: the next read finds the end early.
    let truncated = std::fs::OpenOptions::new()
        .write(true)
        .open(local)
        .and_then(|file| file.set_len(0));
    truncated.map_err(|e| Outcome::error(format!("cannot truncate {}: {e}", local.display())))?;
    cx.transcript
        .push(format!("suite: truncated {} to 0 bytes", local.display()));
    let (bytes, end) = data
        .read_to_end(FAULT_SIZE * 2, control.reply_timeout)
        .await;
    if end == End::Timeout {
        return Err(Outcome::fail(
            &["the data connection closed by the server"],
            format!("still open after {} bytes", bytes.len()),
        ));
    }
    if bytes.len() + STALL_AFTER >= FAULT_SIZE {
        return Err(Outcome::error(
            "the whole file arrived before the truncation took effect",
        ));
    }
    let reply = control.reply().await?;
    cx.check_reply(&command.to_string(), &reply, &[451, 551], &[426])?;
    Ok(Outcome::Pass)
}
