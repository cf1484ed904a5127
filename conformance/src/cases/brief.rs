//! The brief: its example session with the exact reply texts and 221 statistics that add up, and its
//! stricter rules: every command but ABOR/QUIT ignored (never answered) during a transfer, QUIT ending
//! a transfer at once, a second PASV closing the first listener.

use ftp_proto::{hostport, Command, PathArg, Reply, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{self, End, Mode};
use crate::steps::{self, replies_until, stalled_retr, QUIET};

pub const CASES: &[Case] = &[
    crate::case!("brief/example-session", Brief, "the example session: exact texts, and the 221 statistics add up", "The brief's EXAMPLE: 220 <host> FTP server ready. / 331 Guest login ok, send your complete e-mail address as password. / 230-... 230 Guest login ok, access restrictions apply. / 215 UNIX Type: L8 / 200 Type set to I. / 200 PORT command successful. / 150 Opening BINARY mode data connection for robots.txt (26 bytes). / 226 Transfer complete. / 227 Entering Passive Mode (h1,h2,h3,h4,p1,p2) / 221-You have transferred 52 bytes in 2 files. 221-Total traffic for this session was N bytes in 2 transfers. 221-Thank you for using the FTP service on <host>. 221 Goodbye.", example),
    crate::case!("brief/noop-ignored-during-transfer", Brief, "a NOOP sent during a stalled RETR is never answered", "The brief: \"While RETR or STOR runs, every command from that client must be ignored (ABOR and QUIT excepted).\"", noop_ignored),
    crate::case!("brief/quit-mid-transfer", Brief, "QUIT during a stalled RETR gets 221 at once and the data connection is closed", "The brief: \"On QUIT, log the client out and close every data connection it opened.\"", quit_mid),
    crate::case!("brief/pasv-twice-closes-first", Brief, "a second PASV closes the first listener", "The brief: \"If PASV arrives while an earlier PASV is listening, close the earlier port and its connection, then listen anew.\"", super::rfc959_4_1_2_transfer_params::first_pasv_closed),
];

/// The file of the example: robots.txt's 26 bytes.
const ROBOTS: &[u8] = b"User-agent: *\nDisallow: /\n";

fn exact(what: &str, reply: &Reply, code: u16, text: &str) -> Step<()> {
    if reply.code == code && reply.text() == text {
        return Ok(());
    }
    Err(Outcome::fail(
        &[&format!("{what}: {code} {text}")],
        show(reply),
    ))
}

async fn example(cx: Ctx) -> Step<Outcome> {
    let user = cx.target.login.user.to_ascii_lowercase();
    if user != "anonymous" {
        return Err(Outcome::skip("the example session logs in as anonymous"));
    }
    let path = {
        let mut setup = cx.login("setup").await?;
        setup.cmd(&Command::Type(TransferType::Image)).await?;
        let path = cx.scratch_path("robots.txt")?;
        steps::upload(&mut setup, &path, ROBOTS, Mode::Passive).await?;
        let _ = setup.cmd(&Command::Quit).await;
        path
    };
    let (mut control, greeting) = cx.connect("c1").await?;
    let text = greeting.text();
    let name = text
        .strip_suffix(" FTP server ready.")
        .filter(|n| !n.is_empty() && !n.contains(' '));
    let Some(name) = name.map(str::to_string) else {
        return Err(Outcome::fail(
            &["220 <host> FTP server ready."],
            show(&greeting),
        ));
    };
    exact(
        "USER anonymous",
        &control.cmd(&Command::User("anonymous".into())).await?,
        331,
        "Guest login ok, send your complete e-mail address as password.",
    )?;
    let welcome = control
        .cmd(&Command::Pass(cx.target.login.pass.as_str().into()))
        .await?;
    exact(
        "PASS",
        &welcome,
        230,
        "Guest login ok, access restrictions apply.",
    )?;
    if welcome.lines.len() < 2 {
        return Err(Outcome::fail(&["a multi-line 230 welcome (230- ... 230 Guest login ok, access restrictions apply.)"], show(&welcome)));
    }
    exact(
        "SYST",
        &control.cmd(&Command::Syst).await?,
        215,
        "UNIX Type: L8",
    )?;
    exact(
        "TYPE I",
        &control.cmd(&Command::Type(TransferType::Image)).await?,
        200,
        "Type set to I.",
    )?;
    let dir = &cx.target.login.dir;
    if dir != "/" && !dir.is_empty() {
        let reply = control.cmd(&Command::Cwd(PathArg::from(dir))).await?;
        cx.check_reply("CWD", &reply, &[250], &[])?;
    }
    let listener = data::listen(control.local.ip(), false)?;
    let addr = data::local_v4(&listener)?;
    exact(
        "PORT",
        &control.cmd(&Command::Port(addr)).await?,
        200,
        "PORT command successful.",
    )?;
    let opening = format!(
        "Opening BINARY mode data connection for {path} ({} bytes).",
        ROBOTS.len()
    );
    exact(
        "RETR",
        &control.cmd(&Command::Retr(PathArg::from(&path))).await?,
        150,
        &opening,
    )?;
    retr_body(&mut control, data::Prepared::Active(listener)).await?;
    let pasv = control.cmd(&Command::Pasv).await?;
    let addr = hostport::decode_pasv_reply(&pasv.text()).map_err(|e| {
        Outcome::fail(
            &["227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)"],
            format!("{}: {e}", show(&pasv)),
        )
    })?;
    exact("PASV", &pasv, 227, &hostport::pasv_reply_text(addr))?;
    exact(
        "RETR",
        &control.cmd(&Command::Retr(PathArg::from(&path))).await?,
        150,
        &opening,
    )?;
    retr_body(
        &mut control,
        data::Prepared::Passive(std::net::SocketAddr::V4(addr)),
    )
    .await?;
    let received_before = control.received;
    let goodbye = control.cmd(&Command::Quit).await?;
    let files = 2 * ROBOTS.len() as u64;
    let traffic = control.sent + received_before + files;
    let expected = [
        format!("You have transferred {files} bytes in 2 files."),
        format!("Total traffic for this session was {traffic} bytes in 2 transfers."),
        format!("Thank you for using the FTP service on {name}."),
        "Goodbye.".to_string(),
    ];
    if goodbye.code != 221 || goodbye.lines != expected {
        return Err(Outcome::Fail {
            expected: vec![format!("221 {}", expected.join(" | "))],
            actual: show(&goodbye),
        });
    }
    Ok(Outcome::Pass)
}

/// The file's bytes over the data connection, then `226 Transfer complete.`
async fn retr_body(control: &mut Control, prepared: data::Prepared) -> Step<()> {
    let mut stream = prepared.open(control, false).await?;
    let (bytes, end) = stream.read_to_end(1 << 20, control.reply_timeout).await;
    if bytes != ROBOTS || end != End::Eof {
        return Err(Outcome::fail(
            &["robots.txt's 26 bytes, then end of file"],
            format!("{} bytes, {end:?}", bytes.len()),
        ));
    }
    exact("RETR", &control.reply().await?, 226, "Transfer complete.")
}

async fn noop_ignored(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (mut data, _) = stalled_retr(&cx, &mut control).await?;
    control.send(&Command::Noop).await?;
    if let Some(early) = control.reply_within(QUIET).await? {
        return Err(Outcome::fail(
            &["no reply to NOOP while the transfer runs"],
            show(&early),
        ));
    }
    let (_, end) = data.read_to_end(usize::MAX, control.reply_timeout).await;
    if end != End::Eof {
        return Err(Outcome::fail(
            &["the whole file, then end of file"],
            format!("{end:?}"),
        ));
    }
    exact("RETR", &control.reply().await?, 226, "Transfer complete.")?;
    control.send(&Command::Syst).await?;
    let (_, skipped) = replies_until(&mut control, &[215], 3).await?;
    if let Some(late) = skipped.first() {
        return Err(Outcome::fail(
            &["the ignored NOOP never answered: SYST's 215 next"],
            format!("{} before SYST's 215", show(late)),
        ));
    }
    Ok(Outcome::Pass)
}

async fn quit_mid(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let (mut data, size) = stalled_retr(&cx, &mut control).await?;
    control.send(&Command::Quit).await?;
    let (_, skipped) = replies_until(&mut control, &[221], 3).await?;
    if let Some(other) = skipped.iter().find(|r| !matches!(r.code, 426 | 226)) {
        return Err(Outcome::fail(
            &["QUIT: 221 (at most a 426 before it)"],
            show(other),
        ));
    }
    // "At once": the transfer stops, it does not run to its end behind the 221.
    steps::ends_short(&control, &mut data, size, "QUIT's 221").await?;
    let (closed, after) = control.bytes_until_closed(control.reply_timeout).await;
    if !after.is_empty() {
        return Err(Outcome::fail(
            &["nothing after 221, then the control connection closed"],
            format!("after 221: {}", crate::conn::printable(&after)),
        ));
    }
    if !closed {
        return Err(Outcome::fail(
            &["the control connection closed after 221"],
            "still open",
        ));
    }
    Ok(Outcome::Pass)
}
