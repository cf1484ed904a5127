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
    crate::case!("rfc959/5.4/425-port-closed", Must, "RETR after PORT to a closed port gets 425 (best after 150)", "RFC 959 §4.2.1: \"425 Can't open data connection.\"; §5.4 RETR: 125, 150 -> 425, 426, 451", port_closed),
    crate::case!("brief/425-port-closed-after-150", Brief, "RETR after PORT to a closed port: 150, then 425", "The brief: the server connects \"after sending the initial mark\"; \"If the TCP connection was not established, reject the RETR request with code 425.\"", port_closed_after_150),
    crate::case!("brief/port-one-shot", Brief, "PORT is one-shot: a second RETR without a new PORT gets 425", "The brief: \"PORT and PASV are one-shot: once a file has been transferred, a new PORT or PASV is needed\" (RFC 959 §3.2 lets a server reuse the address)", port_one_shot),
    crate::case!("brief/425-reuse-after-transfer", Brief, "PASV is one-shot: a second RETR without a new PASV gets 425", "The brief: \"PORT and PASV are one-shot: once a file has been transferred, a new PORT or PASV is needed\"; 425 when no connection can be made", reuse),
    crate::case!("rfc959/5.4/426-client-closes", Must, "the client closing the data connection mid-RETR gets a final reply (best 426)", "RFC 959 §4.2.1: \"426 Connection closed; transfer aborted.\"; §5.4 RETR: 125, 150 -> 226, 250, 425, 426, 451", client_closes),
    crate::case!("brief/426-client-closes", Brief, "the client closing the data connection mid-RETR gets 426", "The brief: \"If the TCP connection was established but broken by the client or by network failure, reject the RETR request with code 426.\"", client_closes_brief),
    crate::case!("rfc959/5.4/read-failure", Must, "a file cut short mid-read: the data connection closes and a final reply comes (best 451)", "RFC 959 §4.2.1: \"451 Requested action aborted: local error in processing.\"; §5.4 RETR: 125, 150 -> 226, 250, 425, 426, 451 (a file that shrinks may also read as a shorter file)", read_failure),
    crate::case!("brief/451-read-failure", Brief, "a file that fails mid-read gets 451 or 551 and a closed data connection", "The brief: \"If the server had trouble reading the file from disk, reject the RETR request with code 451 or 551. The server closes the data connection in each of these cases.\"", read_failure_brief),
];

/// A file to RETR, and a logged-in connection with TYPE I and no data connection prepared. The file is
/// uploaded in a session of its own: a server may keep a PASV listener open after the upload (RFC 959
/// allows it), and the case's session must not have had any PASV or PORT. Also the file's contents,
/// when the suite wrote it.
pub(crate) async fn setup(cx: &Ctx) -> Step<(crate::conn::Control, String, Option<Vec<u8>>)> {
    let (path, contents) = {
        let mut setup = cx.login("setup").await?;
        let file = cx.readable_file(&mut setup).await?;
        let _ = setup.cmd(&Command::Quit).await;
        file
    };
    Ok((login_binary(cx).await?, path, contents))
}

/// The case's own session, `c1`, logged in and in TYPE I.
pub(crate) async fn login_binary(cx: &Ctx) -> Step<crate::conn::Control> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    Ok(control)
}

/// What order of replies a RETR without a data connection must give.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// 425 at once is best; 150 then 425 or 503 are legal, weaker alternatives.
    Direct,
    /// 150 then 425 is best; 425 at once or 503 are legal, weaker alternatives (RFC profile).
    After150,
    /// The brief's rule: 150, then 425; anything else fails.
    After150Only,
}

/// Judges the replies to a RETR that cannot get a data connection against `order`.
async fn expect_425(
    cx: &Ctx,
    control: &mut crate::conn::Control,
    command: &Command,
    order: Order,
) -> Step<()> {
    let first = control.cmd(command).await?;
    // A legal answer other than the best one: weaker, except under the brief's rule.
    let other = |expected: String, actual: String| -> Step<()> {
        if order == Order::After150Only {
            return Err(Outcome::Fail {
                expected: vec![expected],
                actual,
            });
        }
        cx.weaker(vec![expected], actual);
        Ok(())
    };
    match (first.code, order) {
        (125 | 150, _) => {
            let second = control.reply().await?;
            cx.check_reply(
                &format!("{command}, after {}", first.code),
                &second,
                &[425],
                &[],
            )?;
            if order == Order::Direct {
                other(
                    format!("{command}: 425"),
                    format!("{command}: {} then {}", first.code, show(&second)),
                )?;
            }
            Ok(())
        }
        (425, Order::Direct) => Ok(()),
        (425, _) => other(
            format!("{command}: 150 then 425"),
            format!("{command}: {} without a preceding 150", show(&first)),
        ),
        (503, _) => other(
            format!("{command}: 425"),
            format!("{command}: {}", show(&first)),
        ),
        _ => Err(Outcome::fail(&[&format!("{command}: 425")], show(&first))),
    }
}

/// RETR of `path` without a usable data connection, judged by [`expect_425`]: the case's verdict.
async fn retr_gets_425(
    cx: &Ctx,
    control: &mut crate::conn::Control,
    path: String,
    order: Order,
) -> Step<Outcome> {
    expect_425(cx, control, &Command::Retr(path.into()), order).await?;
    Ok(Outcome::Pass)
}

async fn no_port_pasv(cx: Ctx) -> Step<Outcome> {
    let (mut control, path, _) = setup(&cx).await?;
    retr_gets_425(&cx, &mut control, path, Order::Direct).await
}

async fn port_closed(cx: Ctx) -> Step<Outcome> {
    port_closed_with(cx, Order::After150).await
}

async fn port_closed_after_150(cx: Ctx) -> Step<Outcome> {
    port_closed_with(cx, Order::After150Only).await
}

async fn port_closed_with(cx: Ctx, order: Order) -> Step<Outcome> {
    let (mut control, path, _) = setup(&cx).await?;
    // A port that was just in use and is now closed: connecting to it is refused.
    let addr = {
        let listener = data::listen(control.local.ip(), false)?;
        data::local_v4(&listener)?
    };
    let reply = control.cmd(&Command::Port(addr)).await?;
    cx.check_reply("PORT", &reply, &[200], &[])?;
    retr_gets_425(&cx, &mut control, path, order).await
}

async fn reuse(cx: Ctx) -> Step<Outcome> {
    let (mut control, path, _) = setup(&cx).await?;
    steps::download(&mut control, &path, Mode::Passive).await?;
    retr_gets_425(&cx, &mut control, path, Order::Direct).await
}

/// ProFTPD, for one, keeps the PORT address for the next transfer; the brief does not allow it.
async fn port_one_shot(cx: Ctx) -> Step<Outcome> {
    let (mut control, path, _) = setup(&cx).await?;
    // The listener stays open through the second RETR: a server that reuses the PORT address connects
    // again and sends the file (150 then 226), instead of failing to connect (150 then 425).
    let listener = data::port(&mut control, false).await?;
    let command = Command::Retr(path.as_str().into());
    let reply = control.cmd(&command).await?;
    cx.check_reply(&command.to_string(), &reply, &[150, 125], &[])?;
    let mut first = data::accept(&listener, &control).await?;
    let (_, end) = first.read_to_end(usize::MAX, control.reply_timeout).await;
    if end != End::Eof {
        return Err(Outcome::fail(
            &["the file, then end of file"],
            format!("{end:?}"),
        ));
    }
    let reply = control.reply().await?;
    cx.check_reply(&command.to_string(), &reply, &[226, 250], &[])?;
    expect_425(&cx, &mut control, &command, Order::Direct).await?;
    drop(listener);
    Ok(Outcome::Pass)
}

async fn client_closes(cx: Ctx) -> Step<Outcome> {
    client_closes_with(cx, &[451, 450]).await
}

async fn client_closes_brief(cx: Ctx) -> Step<Outcome> {
    client_closes_with(cx, &[]).await
}

/// The client resets the data connection mid-RETR: 426 is best, `weaker` codes are legal alternatives.
async fn client_closes_with(cx: Ctx, weaker: &[u16]) -> Step<Outcome> {
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
        weaker,
    )?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP afterwards", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

/// Size of the fault file: far more than socket buffers hold, so the server reads it after the cut.
const FAULT_SIZE: usize = 32 * 1024 * 1024;

/// What a RETR cut short by a failing read must end with.
#[derive(Clone, Copy)]
struct Ending {
    best: &'static [u16],
    weaker: &'static [u16],
}

async fn read_failure(cx: Ctx) -> Step<Outcome> {
    // RFC 959 names 451 for a local error; the other final replies of RETR are legal, and a file that
    // shrinks can read as a shorter one (226).
    let ending = Ending {
        best: &[451],
        weaker: &[551, 426, 450, 550, 226, 250],
    };
    read_failure_ending(cx, ending).await
}

async fn read_failure_brief(cx: Ctx) -> Step<Outcome> {
    let ending = Ending {
        best: &[451, 551],
        weaker: &[],
    };
    read_failure_ending(cx, ending).await
}

async fn read_failure_ending(cx: Ctx, ending: Ending) -> Step<Outcome> {
    let Some((local, remote)) = cx.target.fault_file.clone() else {
        return Err(Outcome::skip(
            "no --fault-file given (a local file in the server's root the suite may truncate)",
        ));
    };
    // One fault file, so the cases that use it take turns.
    let _turn = cx.target.fault_turn.lock().await;
    std::fs::write(&local, pattern(FAULT_SIZE))
        .map_err(|e| Outcome::error(format!("cannot write {}: {e}", local.display())))?;
    let result = read_failure_with(&cx, &local, &remote, ending).await;
    let _ = std::fs::remove_file(&local);
    result
}

async fn read_failure_with(
    cx: &Ctx,
    local: &std::path::Path,
    remote: &str,
    ending: Ending,
) -> Step<Outcome> {
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
    cx.check_reply(&command.to_string(), &reply, ending.best, ending.weaker)?;
    Ok(Outcome::Pass)
}
