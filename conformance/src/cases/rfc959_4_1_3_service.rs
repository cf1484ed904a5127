//! RFC 959 §4.1.3, FTP service commands: byte-exact RETR/STOR round trips, LIST/NLST, MKD/CWD/CDUP/PWD/
//! RMD/DELE, SYST, NOOP, ABOR idle and mid-transfer, commands during a transfer, and a second session
//! working while the first one's transfer is stalled.

use std::time::Duration;

use ftp_proto::{pathname, Command, ListingArg, PathArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::show;
use crate::ctx::Ctx;
use crate::data::{End, Mode};
use crate::steps::{self, pattern, replies_until, stalled_retr, QUIET};

pub const CASES: &[Case] = &[
    crate::case!("rfc959/4.1.3/syst-215", Must, "SYST gets 215", "RFC 959 §5.4: SYST: 215; 500, 501, 502, 421", syst),
    crate::case!("rfc959/4.1.3/noop-200", Must, "NOOP gets 200", "RFC 959 §4.1.3 NOOP: \"It specifies no action other than that the server send an OK reply.\" §5.4: NOOP: 200; 500 421", noop),
    crate::case!("rfc959/4.1.3/round-trip-0", Must, "an empty file survives STOR then RETR", "RFC 959 §4.1.3 STOR/RETR: \"transfer a copy of the file\"; §3.4 stream mode: EOF is the closing of the data connection", round_trip_0),
    crate::case!("rfc959/4.1.3/round-trip-1", Must, "a 1-byte file survives STOR then RETR (active mode)", "RFC 959 §4.1.3 STOR/RETR: \"transfer a copy of the file\"", round_trip_1),
    crate::case!("rfc959/4.1.3/round-trip-65537", Must, "65,537 bytes of binary data survive STOR then RETR", "RFC 959 §3.1.1.3 IMAGE type: \"The data are sent as contiguous bits\"; §4.1.3 STOR/RETR", round_trip_65537),
    crate::case!("rfc959/4.1.3/round-trip-8mib", Must, "8 MiB of binary data survive STOR (passive) then RETR (active)", "RFC 959 §3.1.1.3 IMAGE type; §4.1.3 STOR/RETR", round_trip_8mib),
    crate::case!("rfc959/4.1.3/list-nlst-uploaded", Must, "LIST and NLST show an uploaded name", "RFC 959 §4.1.3 LIST: \"a list of files in the specified directory\"; NLST: \"a directory listing ... a stream of names of files\"", list_nlst),
    crate::case!("rfc959/4.1.3/mkd-cwd-pwd-cdup", Must, "MKD (257 \"path\"), CWD, PWD (257 \"path\"), CDUP", "RFC 959 Appendix II: \"257 \"<directory-name>\" <commentary>\" for MKD and PWD; §5.4: CWD: 250; CDUP: 200", mkd_cwd_pwd),
    crate::case!("rfc959/4.1.3/rmd-non-empty", Must, "RMD of a non-empty directory is refused; of an empty one, done", "RFC 959 §4.1.3 RMD: \"causes the directory specified in the pathname to be removed\"; §5.4: RMD: 250; 500, 501, 502, 421, 530, 550", rmd),
    crate::case!("rfc959/4.1.3/dele", Must, "DELE removes a file; a missing file gets 550", "RFC 959 §4.1.3 DELE: \"causes the file specified in the pathname to be deleted at the server site\"; §5.4: DELE: 250; 450, 550", dele),
    crate::case!("rfc959/4.1.3/retr-missing-550", Must, "RETR of a missing file gets 550", "RFC 959 §4.2.1: \"550 Requested action not taken. File unavailable (e.g., file not found, no access).\"", retr_missing),
    crate::case!("rfc959/4.1.3/abor-idle", Must, "ABOR with no transfer gets 225 or 226", "RFC 959 §4.1.3 ABOR: \"In the first case, the server closes the data connection (if it is open) and responds with a 226 reply, indicating that the abort command was successfully processed.\" §5.4: ABOR: 225, 226", abor_idle),
    crate::case!("rfc959/4.1.3/abor-mid-transfer", Must, "ABOR (after Telnet IP and Synch) during a stalled RETR: 426, then 226, the data connection closed well short of the file", "RFC 959 §4.1.3 ABOR: \"In the second case, the server aborts the FTP service in progress and closes the data connection, returning a 426 reply to indicate that the service request terminated abnormally. The server then sends a 226 reply, indicating that the abort command was successfully processed.\"", abor_mid),
    crate::case!("rfc959/4.1.3/noop-during-transfer", Must, "a NOOP during a stalled RETR gets no reply before 226", "RFC 959 §4.2: replies are sequenced; the transfer's 226 closes RETR before any later command is answered (a deferred 200 after 226 is fine)", noop_during),
    crate::case!("rfc959/4.1.3/concurrent-session", Must, "a second client logs in, lists and transfers while the first one's RETR is stalled", "The brief: \"new client connections and file transfers must proceed normally\" while one client's RETR/STOR runs", concurrent),
];

async fn syst(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Syst).await?;
    cx.check_reply("SYST", &reply, &[215], &[])?;
    Ok(Outcome::Pass)
}

async fn noop(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

/// STOR then RETR of `size` bytes of binary data, compared byte for byte.
async fn round_trip(cx: Ctx, size: usize, up: Mode, down: Mode) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path(&format!("round-trip-{size}.bin"))?;
    let reply = control.cmd(&Command::Type(TransferType::Image)).await?;
    cx.check_reply("TYPE I", &reply, &[200], &[])?;
    let sent = pattern(size);
    steps::upload(&mut control, &path, &sent, up).await?;
    let back = steps::download(&mut control, &path, down).await?;
    if back != sent {
        let first = back
            .iter()
            .zip(&sent)
            .position(|(a, b)| a != b)
            .unwrap_or(back.len().min(sent.len()));
        return Err(Outcome::fail(
            &[&format!("the {size} bytes sent")],
            format!("{} bytes, first difference at offset {first}", back.len()),
        ));
    }
    Ok(Outcome::Pass)
}

async fn round_trip_0(cx: Ctx) -> Step<Outcome> {
    round_trip(cx, 0, Mode::Passive, Mode::Passive).await
}
async fn round_trip_1(cx: Ctx) -> Step<Outcome> {
    round_trip(cx, 1, Mode::Active, Mode::Active).await
}
async fn round_trip_65537(cx: Ctx) -> Step<Outcome> {
    round_trip(cx, 65_537, Mode::Passive, Mode::Passive).await
}
async fn round_trip_8mib(cx: Ctx) -> Step<Outcome> {
    round_trip(cx, 8 * 1024 * 1024, Mode::Passive, Mode::Active).await
}

async fn list_nlst(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("listed.txt")?;
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    let dir = path
        .rsplit_once('/')
        .map_or(".", |(dir, _)| dir)
        .to_string();
    steps::upload(&mut control, &path, b"listed\r\n", Mode::Passive).await?;
    let names = steps::names(&mut control, &dir).await?;
    if !names.contains(&name) {
        return Err(Outcome::fail(
            &[&format!("NLST {dir} includes {name}")],
            format!("NLST gave {names:?}"),
        ));
    }
    let list = steps::fetch(
        &mut control,
        &Command::List(ListingArg::path(Some(dir.as_str().into()))),
        Mode::Passive,
    )
    .await?;
    let list = String::from_utf8_lossy(&list);
    if !list.lines().any(|line| line.trim_end().ends_with(&name)) {
        return Err(Outcome::fail(
            &[&format!("a LIST {dir} line ending in {name}")],
            format!("LIST gave {:?}", list.chars().take(300).collect::<String>()),
        ));
    }
    Ok(Outcome::Pass)
}

/// The quoted path of a 257 reply (`"` doubled inside), or a failure.
fn quoted_path(what: &str, reply: &ftp_proto::Reply) -> Step<String> {
    match pathname::unquote(reply.text_bytes()) {
        Some(name) => Ok(String::from_utf8_lossy(&name).into_owned()),
        None => Err(Outcome::fail(
            &[&format!("{what}: 257 \"<directory-name>\" <commentary>")],
            show(reply),
        )),
    }
}

async fn mkd_cwd_pwd(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("dir")?;
    let name = dir.rsplit('/').next().unwrap_or(&dir).to_string();
    let reply = control.cmd(&Command::Pwd).await?;
    cx.check_reply("PWD", &reply, &[257], &[])?;
    let start = quoted_path("PWD", &reply)?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let made = quoted_path("MKD", &reply)?;
    if !made.ends_with(&name) {
        return Err(Outcome::fail(
            &[&format!("MKD: 257 \"...{name}\"")],
            show(&reply),
        ));
    }
    let reply = control.cmd(&Command::Cwd(PathArg::from(&dir))).await?;
    cx.check_reply("CWD", &reply, &[250], &[])?;
    let reply = control.cmd(&Command::Pwd).await?;
    cx.check_reply("PWD", &reply, &[257], &[])?;
    let inside = quoted_path("PWD", &reply)?;
    if !inside.trim_end_matches('/').ends_with(&format!("/{name}")) {
        return Err(Outcome::fail(
            &[&format!("PWD: 257 \".../{name}\"")],
            show(&reply),
        ));
    }
    let reply = control.cmd(&Command::Cdup).await?;
    cx.check_reply("CDUP", &reply, &[200, 250], &[])?;
    let reply = control.cmd(&Command::Cdup).await?;
    cx.check_reply("CDUP", &reply, &[200, 250], &[])?;
    let reply = control.cmd(&Command::Pwd).await?;
    let back = quoted_path("PWD", &reply)?;
    if back.trim_end_matches('/') != start.trim_end_matches('/') {
        return Err(Outcome::fail(
            &[&format!("PWD after two CDUPs: 257 \"{start}\"")],
            show(&reply),
        ));
    }
    Ok(Outcome::Pass)
}

async fn rmd(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let dir = cx.scratch_path("full")?;
    let reply = control.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    cx.check_reply("MKD", &reply, &[257], &[])?;
    let file = format!("{dir}/inside.txt");
    steps::upload(&mut control, &file, b"x", Mode::Passive).await?;
    let reply = control.cmd(&Command::Rmd(PathArg::from(&dir))).await?;
    cx.check_reply(
        "RMD of a non-empty directory",
        &reply,
        &[550],
        &[450, 553, 501],
    )?;
    let reply = control.cmd(&Command::Dele(PathArg::from(&file))).await?;
    cx.check_reply("DELE", &reply, &[250], &[])?;
    let reply = control.cmd(&Command::Rmd(PathArg::from(&dir))).await?;
    cx.check_reply("RMD of the emptied directory", &reply, &[250], &[])?;
    Ok(Outcome::Pass)
}

async fn dele(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let path = cx.scratch_path("deleted.txt")?;
    steps::upload(&mut control, &path, b"delete me", Mode::Passive).await?;
    let reply = control.cmd(&Command::Dele(PathArg::from(&path))).await?;
    cx.check_reply("DELE", &reply, &[250], &[])?;
    let reply = control.cmd(&Command::Dele(PathArg::from(&path))).await?;
    cx.check_reply("DELE of the deleted file", &reply, &[550], &[450])?;
    Ok(Outcome::Pass)
}

async fn retr_missing(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    // A data connection prepared as a client would (PASV, or EPSV over IPv6), so that only RETR is judged.
    let _prepared = crate::data::prepare(&mut control, Mode::Passive, false).await?;
    let reply = control
        .cmd(&Command::Retr("ftp-conformance-no-such-file.bin".into()))
        .await?;
    cx.check_reply("RETR of a missing file", &reply, &[550], &[450])?;
    Ok(Outcome::Pass)
}

async fn abor_idle(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Abor).await?;
    cx.check_reply("ABOR", &reply, &[225, 226], &[])?;
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP after ABOR", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

/// How long a reply to ABOR is waited for while the transfer is stalled: ages on loopback.
const ABOR_WAIT: Duration = Duration::from_secs(5);

async fn abor_mid(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (mut data, size) = stalled_retr(&cx, &mut control).await?;
    let Some(first) = control.abort_within(ABOR_WAIT).await? else {
        // A server that reads the control connection only between writes answers once the data has
        // drained; say so, the same way every run, rather than only "no reply".
        let _ = data.read_to_end(usize::MAX, control.reply_timeout).await;
        let late = control.reply_within(control.reply_timeout).await?;
        return Err(Outcome::fail(
            &["ABOR: 426 then 226, while the transfer is stalled"],
            match late {
                Some(reply) => format!("answered only after the data drained: {}", show(&reply)),
                None => format!("no reply within {ABOR_WAIT:?}, nor after the data drained"),
            },
        ));
    };
    // Replies alone do not show an abort: the transfer must stop short of the file's end. The data
    // connection is read to its end (and closed) before the 226, as a client does: a server that
    // closes lingering (ProFTPD) sends 226 only once the client has closed its side.
    match first.code {
        426 | 425 | 451 => {
            steps::ends_short(&control, &mut data, size, "ABOR").await?;
            let second = control.reply().await?;
            cx.check_reply("ABOR, after the 426", &second, &[226, 225], &[])?;
        }
        226 => {
            cx.weaker(
                vec!["ABOR: 426 then 226".into()],
                format!("ABOR: {} (no 426)", show(&first)),
            );
            steps::ends_short(&control, &mut data, size, "ABOR").await?;
        }
        _ => return Err(Outcome::fail(&["ABOR: 426 then 226"], show(&first))),
    }
    let reply = control.cmd(&Command::Noop).await?;
    cx.check_reply("NOOP after the abort", &reply, &[200], &[])?;
    Ok(Outcome::Pass)
}

/// The RFC profile's rule: nothing before 226; a deferred 200 afterwards is fine.
async fn noop_during(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (mut data, _) = stalled_retr(&cx, &mut control).await?;
    control.send(&Command::Noop).await?;
    if let Some(early) = control.reply_within(QUIET).await? {
        return Err(Outcome::fail(
            &["no reply while the transfer runs"],
            format!("{} before the transfer ended", show(&early)),
        ));
    }
    let (_, end) = data.read_to_end(usize::MAX, control.reply_timeout).await;
    if end != End::Eof {
        return Err(Outcome::fail(
            &["the whole file, then end of file"],
            format!("{end:?}"),
        ));
    }
    let done = control.reply().await?;
    cx.check_reply("RETR", &done, &[226, 250], &[])?;
    control.send(&Command::Syst).await?;
    let (_, skipped) = replies_until(&mut control, &[215], 3).await?;
    if skipped.iter().any(|r| r.code != 200) {
        let seen: Vec<String> = skipped.iter().map(show).collect();
        return Err(Outcome::fail(
            &["at most a deferred 200 before SYST's 215"],
            seen.join(" ; "),
        ));
    }
    Ok(Outcome::Pass)
}

async fn concurrent(cx: Ctx) -> Step<Outcome> {
    let mut first = cx.login("c1").await?;
    let (_stalled, _) = stalled_retr(&cx, &mut first).await?;
    let mut second = cx.login("c2").await?;
    steps::fetch(
        &mut second,
        &Command::Nlst(ListingArg::default()),
        Mode::Passive,
    )
    .await?;
    let (path, contents) = cx.readable_file(&mut second).await?;
    let bytes = steps::download(&mut second, &path, Mode::Passive).await?;
    if contents.is_some_and(|c| c != bytes) {
        return Err(Outcome::fail(
            &["the second client's download intact"],
            format!("{} different bytes", bytes.len()),
        ));
    }
    let reply = second.cmd(&Command::Quit).await?;
    cx.check_reply("QUIT (second client)", &reply, &[221], &[])?;
    // The stalled transfer ends with the first client's connections when the case returns.
    drop(first);
    Ok(Outcome::Pass)
}
