//! RFC 2577, FTP security considerations: no bounce (PORT to a third host), no data-connection theft
//! (a PASV port serves only the control connection's host), no way out of the root (also through a
//! symlink that points outside, and through a rename raced against a swap of directories), a limit of
//! connections per client address, and a delay before a refused PASS is answered. On loopback the suite
//! plays the third host as 127.0.0.2 and the crowding client as 127.0.0.3 (Linux routes all of 127/8 to
//! loopback).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use ftp_proto::{Command, ListingArg, PathArg, TransferType};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{self, ConnectOptions, End, Mode};
use crate::steps::{self, QUIET};

pub const CASES: &[Case] = &[
    crate::case!("rfc2577/3/port-bounce", Must, "PORT to a third host (127.0.0.2) is refused and nothing connects there", "RFC 2577 §2: \"The attack involves sending an FTP \"PORT\" command to an FTP server containing the network address and the port number of the machine and service being attacked.\" §3: \"Disabling the PORT command is also an option for protecting against the bounce attack.\" §4: \"the server should confirm that the network address of the remote hosts on both the control connection and the data connection are within the organization\" (FTP bounce attack)", port_bounce),
    crate::case!("rfc2577/3/port-privileged", Should, "PORT (and EPRT, when advertised) to a port below 1024 is refused, best with 504", "RFC 2577 §3: \"To avoid such bounce attacks, it is suggested that servers not open data connections to TCP ports less than 1024.  If a server receives a PORT command containing a TCP port number less than 1024, the suggested response is 504\"", port_privileged),
    crate::case!("rfc2577/3/pasv-foreign-source", Must, "a PASV data connection from another host (127.0.0.2) is refused; the client's own works", "RFC 2577 §4: \"By checking both connections, a server is protected against the case when the control connection is established with a trusted host and the data connection is not.\" §8 (Port Stealing): \"The attacker can make a connection to this port, thus denying another legitimate client the ability to make a transfer. Alternatively, the attacker can steal a file meant for a legitimate user.\"", pasv_foreign),
    crate::case!("rfc2577/4/cwd-stays-in-root", Must, "`CWD ../../..` never leaves the root", "RFC 2577 §9 (Anonymous FTP): \"Security problems arise when such a user can read all files on the system or can create files.\" A server that roots sessions in a directory must not be escaped; RFC 959 CDUP at the root stays there", cwd_root),
    crate::case!("rfc2577/4/retr-stays-in-root", Must, "`RETR ../../etc/passwd` and absolute paths never reach files outside the root", "RFC 2577 §4: access restrictions on files must hold for every pathname form", retr_root),
    crate::case!("rfc2577/5/per-address-limit-421", Must, "with --max-per-ip N: the N+1st connection from one address gets 421; after one closes, a new one is accepted", "RFC 2577 §5: \"To combat the use of multiple concurrent connections, the server could either limit the total number of control connections possible or attempt to detect suspicious activity across sessions and refuse further connections from the site.\" RFC 959 §4.2: \"421 Service not available, closing control connection.\"", per_address_limit).filling_the_server(),
    crate::case!("rfc2577/5/failed-login-delay", Should, "a refused PASS is answered after a delay (at least 0.5 s)", "RFC 2577 §5: \"it is suggested that the server impose a 5 second delay before replying to an invalid \"PASS\" command to diminish the efficiency of a brute force attack.\"", failed_login_delay),
    crate::case!("rfc2577/9/outside-link-refused", Must, "with --outside-link: CWD, LIST, SIZE, RETR, RNFR and STOR through a symlink that points outside the root are refused", "RFC 2577 §9: \"Anonymous FTP refers to the ability of a client to connect to an FTP server with minimal authentication and gain access to public files.  Security problems arise when such a user can read all files on the system or can create files.\"", outside_link_refused),
    crate::case!("rfc2577/9/outside-link-rename-race", Must, "with --outside-link and --outside-file: RNFR dir/FILE, a second session swaps dir with the link, RNTO: no outside file is moved in", "RFC 2577 §9: \"Security problems arise when such a user can read all files on the system or can create files.\" The check behind a jail must hold at the time of use, not only at RNFR.", outside_link_rename_race),
];

/// The target's control connection must be on 127.0.0.1 so that 127.0.0.2 is a different host.
fn require_loopback(cx: &Ctx) -> Step<()> {
    if cx.target.on_loopback() {
        Ok(())
    } else {
        Err(Outcome::skip(
            "needs a server on 127.0.0.0/8 to play a third host on 127.0.0.2",
        ))
    }
}

const THIRD_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

async fn port_bounce(cx: Ctx) -> Step<Outcome> {
    require_loopback(&cx)?;
    let mut control = cx.login("c1").await?;
    let bounce = data::listen(IpAddr::V4(THIRD_HOST), false)?;
    let addr: SocketAddrV4 = data::local_v4(&bounce)?;
    let reply = control.cmd(&Command::Port(addr)).await?;
    judge_bounce(&cx, &mut control, "PORT", &reply, &bounce).await
}

/// After `reply` to a PORT or EPRT (`what`) naming the third host: a refusal passes, an acceptance is
/// weaker as long as the transfer asked for never reaches the third host, and a connection to `bounce`
/// fails the case.
pub async fn judge_bounce(
    cx: &Ctx,
    control: &mut Control,
    what: &str,
    reply: &ftp_proto::Reply,
    bounce: &tokio::net::TcpListener,
) -> Step<Outcome> {
    let addr = data::local_v4(bounce)?;
    if reply.code == 200 {
        // Accepted: the transfer must still never reach the third host.
        let list = control.cmd(&Command::List(ListingArg::default())).await?;
        cx.weaker(
            vec![format!("{what} to a third host: 500/501/504 (refused)")],
            format!("{what}: {}; LIST: {}", show(reply), show(&list)),
        );
    } else {
        cx.check_reply(
            &format!("{what} to a third host"),
            reply,
            &[500, 501, 504, 522, 425, 530, 550],
            &[],
        )?;
    }
    if let Ok(Ok((_, peer))) = tokio::time::timeout(QUIET, bounce.accept()).await {
        return Err(Outcome::fail(
            &["no connection to the third host"],
            format!("the server connected to {addr} from {peer}"),
        ));
    }
    cx.transcript.push(format!(
        "suite: nothing connected to {addr} within {QUIET:?}"
    ));
    Ok(Outcome::Pass)
}

/// A privileged port on the client's own address: nothing listens there for the suite, so a server
/// that accepts the address shows it by trying to connect (150, then 425) when a transfer is asked for.
const PRIVILEGED_PORT: u16 = 21;

async fn port_privileged(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let IpAddr::V4(own) = control.local.ip() else {
        return Err(Outcome::skip(
            "PORT needs IPv4, the control connection is IPv6",
        ));
    };
    let port = Command::Port(SocketAddrV4::new(own, PRIVILEGED_PORT));
    privileged_refused(&cx, &mut control, port).await?;
    if cx.target.has_feature("EPRT") {
        let eprt = Command::Eprt(SocketAddr::new(IpAddr::V4(own), PRIVILEGED_PORT));
        privileged_refused(&cx, &mut control, eprt).await?;
    }
    Ok(Outcome::Pass)
}

/// `command` names a privileged port: 504 is best, another refusal is weaker; an accepted address
/// fails once the server tries to open a data connection to it.
async fn privileged_refused(cx: &Ctx, control: &mut Control, command: Command) -> Step<()> {
    let what = format!("{command} (port {PRIVILEGED_PORT})");
    let reply = control.cmd(&command).await?;
    if reply.code != 200 {
        return cx.check_reply(&what, &reply, &[504], &[500, 501, 530, 550]);
    }
    let list = control.cmd(&Command::Nlst(ListingArg::default())).await?;
    if list.is_preliminary() {
        let done = control.reply().await?;
        return Err(Outcome::fail(
            &[&format!(
                "{what}: 504 (no data connection to a port below 1024)"
            )],
            format!(
                "{what}: {}; NLST: {} then {} (the server tried to connect)",
                show(&reply),
                show(&list),
                show(&done)
            ),
        ));
    }
    cx.weaker(
        vec![format!("{what}: 504")],
        format!("{what}: {}; NLST: {}", show(&reply), show(&list)),
    );
    Ok(())
}

async fn pasv_foreign(cx: Ctx) -> Step<Outcome> {
    require_loopback(&cx)?;
    let mut control = cx.login("c1").await?;
    let addr: SocketAddr = data::pasv(&mut control).await?;
    let thief = ConnectOptions {
        source: Some(IpAddr::V4(THIRD_HOST)),
        ..ConnectOptions::new("thief", cx.transcript.clone(), control.reply_timeout)
    };
    let thief = data::connect(addr, thief).await;
    control.send(&Command::Nlst(ListingArg::default())).await?;
    // The client's own connection comes right after the thief's (a server may send 150 only once it
    // has a connection it accepts), so the thief is first in the listen queue.
    let own = ConnectOptions::of(&control, "c1-data");
    let own = data::connect(addr, own).await;
    let first = control.reply().await?;
    if first.code == 425 {
        // Refusing the whole transfer is acceptable, as long as the thief got nothing.
        return judge_thief(thief).await;
    }
    if !first.is_preliminary() {
        return Err(Outcome::fail(&["NLST: 150 (or 425)"], show(&first)));
    }
    // Both data connections are read (and closed at their end) before the final reply, as a client
    // does: a server that closes lingering (ProFTPD) sends 226 only once the client has closed its side.
    judge_thief(thief).await?;
    let own_end = match own {
        Ok(mut own) => Some(own.read_to_end(1 << 24, QUIET).await.1),
        Err(_) => None,
    };
    let done = control.reply().await?;
    match done.code {
        226 | 250 => {
            if own_end != Some(End::Eof) {
                return Err(Outcome::fail(
                    &["the listing over the client's own connection"],
                    format!("{own_end:?}"),
                ));
            }
        }
        425 | 426 => {}
        _ => {
            return Err(Outcome::fail(
                &["NLST: 226 over the client's own connection, or 425"],
                show(&done),
            ))
        }
    }
    Ok(Outcome::Pass)
}

/// The third host's connection must carry nothing: refused, reset or closed empty.
async fn judge_thief(thief: Step<data::Data>) -> Step<Outcome> {
    let Ok(mut thief) = thief else {
        return Ok(Outcome::Pass);
    };
    let (bytes, end) = thief.read_to_end(1 << 24, QUIET).await;
    if !bytes.is_empty() {
        return Err(Outcome::fail(
            &["nothing sent to a data connection from another host"],
            format!("127.0.0.2 received {} bytes", bytes.len()),
        ));
    }
    let _ = end;
    Ok(Outcome::Pass)
}

async fn cwd_root(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    let reply = control.cmd(&Command::Cwd("/".into())).await?;
    cx.check_reply("CWD /", &reply, &[250], &[])?;
    // Names other cases make come and go in the root while this one runs (with --jobs > 1): the
    // rename-race case moves the operator's --outside-link away for a moment, and the read-failure
    // cases write and remove --fault-file. Neither is a change of place.
    let link = cx.target.outside_link.clone();
    let fault = cx
        .target
        .fault_file
        .as_ref()
        .map(|(_, remote)| remote.rsplit('/').next().unwrap_or(remote).to_string());
    let listing = |mut names: Vec<String>| {
        names.retain(|name| Some(name) != link.as_ref() && Some(name) != fault.as_ref());
        names
    };
    let top = listing(steps::names(&mut control, ".").await?);
    for escape in [
        "../../..",
        "..",
        "/../../../..",
        "../../../../../../../../..",
    ] {
        let reply = control.cmd(&Command::Cwd(PathArg::from(escape))).await?;
        cx.check_reply(&format!("CWD {escape}"), &reply, &[250, 550], &[])?;
        let here = listing(steps::names(&mut control, ".").await?);
        if here != top {
            return Err(Outcome::fail(
                &["the root's listing after CWD ..: still at the top of the root"],
                format!("after CWD {escape}: {here:?} (root: {top:?})"),
            ));
        }
    }
    Ok(Outcome::Pass)
}

async fn retr_root(cx: Ctx) -> Step<Outcome> {
    let mut control = cx.login("c1").await?;
    control.cmd(&Command::Type(TransferType::Image)).await?;
    let real = std::fs::read("/etc/passwd").unwrap_or_default();
    for path in [
        "../../etc/passwd",
        "/etc/passwd",
        "../../../../../../../../etc/passwd",
        "/../../etc/passwd",
    ] {
        let command = Command::Retr(path.into());
        match steps::begin(&mut control, Mode::Passive, &command, false).await? {
            Err(reply) => {
                cx.check_reply(&command.to_string(), &reply, &[550, 450, 553, 501], &[])?
            }
            Ok((mut data, _)) => {
                let (bytes, _) = data.read_to_end(1 << 24, control.reply_timeout).await;
                let _ = control.reply().await?;
                let leaked = (!real.is_empty() && bytes == real)
                    || String::from_utf8_lossy(&bytes).contains("root:x:0:0:");
                if leaked {
                    return Err(Outcome::fail(
                        &[&format!("{command}: 550")],
                        "the system's /etc/passwd was sent",
                    ));
                }
            }
        }
    }
    Ok(Outcome::Pass)
}

/// The crowding client of the per-address case: an address no other case connects from, so that the
/// suite's other connections (from 127.0.0.1) neither count towards the limit nor get its 421. Its
/// connections still take places the server as a whole has, so the case runs last, alone.
const CROWDING_HOST: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

async fn per_address_limit(cx: Ctx) -> Step<Outcome> {
    let Some(limit) = cx.target.max_per_ip else {
        return Err(Outcome::skip(
            "needs --max-per-ip N, the server's limit of connections from one address",
        ));
    };
    // Off loopback the connections come from the suite's own address: run this case alone there.
    let source = cx.target.on_loopback().then_some(IpAddr::V4(CROWDING_HOST));
    let mut held = Vec::with_capacity(limit + 1);
    let verdict = crowd_one_address(&cx, source, limit, &mut held).await;
    drop(held);
    super::rfc959_5_4_capacity::until_accepting(&cx, source).await;
    verdict
}

/// Opens `limit` connections from `source` (kept in `held`), expects 421 for one more, then frees
/// one place and expects it to be taken again.
async fn crowd_one_address(
    cx: &Ctx,
    source: Option<IpAddr>,
    limit: usize,
    held: &mut Vec<Control>,
) -> Step<Outcome> {
    let connect = |label: String| {
        let cx = cx.clone();
        async move {
            let mut control = Control::connect_from(
                cx.target.addr,
                source,
                &label,
                cx.transcript.clone(),
                cx.target.reply_timeout,
            )
            .await?;
            let greeting = control.reply().await;
            Ok::<_, Outcome>((control, greeting))
        }
    };
    // A server may still count, for a moment, a connection that has just closed (the last round's
    // under --repeat, or the probe that waited for it to be free): a 421 among the first N is tried
    // again until the reply timeout, and only one that lasts fails.
    let deadline = Instant::now() + cx.target.reply_timeout;
    for n in 1..=limit {
        loop {
            let (control, greeting) = connect(format!("c{n}")).await?;
            let greeting = greeting?;
            if greeting.code == 220 {
                held.push(control);
                break;
            }
            if greeting.code != 421 || Instant::now() >= deadline {
                return Err(Outcome::fail(
                    &[&format!("connections 1 to {limit} greeted with 220")],
                    format!("connection {n}: {}", show(&greeting)),
                ));
            }
            drop(control);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let (_over, greeting) = connect("over".into()).await?;
    match greeting {
        Ok(reply) if reply.code == 421 => {}
        Ok(reply) => {
            return Err(Outcome::fail(
                &[&format!("connection {}: 421", limit + 1)],
                format!("connection {}: {}", limit + 1, show(&reply)),
            ))
        }
        Err(_) => {
            return Err(Outcome::fail(
                &[&format!("connection {}: 421", limit + 1)],
                format!("connection {}: no 421 before the close", limit + 1),
            ))
        }
    }
    // One leaves; its place is free again once the server has seen it go.
    if let Some(mut leaving) = held.pop() {
        let _ = leaving.cmd(&Command::Quit).await;
        let _ = leaving.closed_within(cx.target.reply_timeout).await;
    }
    let deadline = Instant::now() + cx.target.reply_timeout;
    loop {
        let (again, greeting) = connect("again".into()).await?;
        match greeting {
            Ok(reply) if reply.code == 220 => {
                held.push(again);
                return Ok(Outcome::Pass);
            }
            Ok(reply) if reply.code == 421 && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(reply) => {
                return Err(Outcome::fail(
                    &["after one of the N closed, a new connection: 220"],
                    show(&reply),
                ))
            }
            Err(outcome) => return Err(outcome),
        }
    }
}

/// The shortest wait before a refused PASS that counts as a delay: enough to cap guessing at two
/// passwords a second per connection. RFC 2577 suggests 5 s; vsftpd waits 1 s.
const MIN_LOGIN_DELAY: Duration = Duration::from_millis(500);

async fn failed_login_delay(cx: Ctx) -> Step<Outcome> {
    let (mut control, greeting) = cx.connect("c1").await?;
    steps::require("greeting", &greeting, &[220])?;
    // The URL's user with a wrong password; for an anonymous URL, a user that surely does not exist.
    let user = cx.target.login.user.as_str();
    let user = if ["anonymous", "ftp"].contains(&user.to_ascii_lowercase().as_str()) {
        "ftp-conformance-nobody"
    } else {
        user
    };
    let wrong = format!("ftp-conformance-wrong-{}", cx.tag);
    let at_user = control.cmd(&Command::User(user.into())).await?;
    if at_user.is_completion() {
        return Err(Outcome::skip(format!(
            "USER {user} logged in without a password: no failing PASS to provoke"
        )));
    }
    let started = Instant::now();
    let at_pass = control.cmd(&Command::Pass(wrong.as_str().into())).await?;
    let waited = started.elapsed();
    if at_pass.code < 400 {
        return Err(Outcome::skip(format!(
            "a wrong password was accepted (USER {user}: {}; PASS: {}): no failing login to provoke",
            at_user.code, at_pass.code
        )));
    }
    cx.transcript.push(format!(
        "suite: the refused PASS was answered after {waited:?}"
    ));
    if waited < MIN_LOGIN_DELAY {
        // A SHOULD-level case runs only under --strict, where a recommendation not followed fails.
        return Ok(Outcome::fail(
            &["a refused PASS answered after a delay of at least 0.5 s (RFC 2577 suggests 5 s)"],
            format!("PASS: {} after {waited:?}", show(&at_pass)),
        ));
    }
    Ok(Outcome::Pass)
}

/// The operator's link to outside the root, or a skip.
pub fn outside_link(cx: &Ctx) -> Step<String> {
    cx.target.outside_link.clone().ok_or_else(|| {
        Outcome::skip("needs --outside-link NAME, a symlink in the root that points outside it")
    })
}

async fn outside_link_refused(cx: Ctx) -> Step<Outcome> {
    let link = outside_link(&cx)?;
    let file = match &cx.target.outside_file {
        Some(file) => format!("{link}/{file}"),
        None => {
            cx.transcript.push(
                "suite: no --outside-file; RETR, SIZE and RNFR try a name that may not exist outside",
            );
            format!("{link}/ftp-conformance-probe")
        }
    };
    let mut control = cx.login("c1").await?;
    control.cmd(&Command::Type(TransferType::Image)).await?;
    let must_refuse = |what: String, reply: &ftp_proto::Reply| -> Step<()> {
        super::rfc2577_outside::refused(&what, reply)
    };
    let cwd = control.cmd(&Command::Cwd(PathArg::from(&link))).await?;
    must_refuse(format!("CWD {link}"), &cwd)?;
    let size = control.cmd(&Command::Size(PathArg::from(&file))).await?;
    must_refuse(format!("SIZE {file}"), &size)?;
    let rnfr = control.cmd(&Command::Rnfr(PathArg::from(&file))).await?;
    must_refuse(format!("RNFR {file}"), &rnfr)?;
    let list = Command::List(ListingArg::path(Some(link.as_str().into())));
    let retr = Command::Retr(file.as_str().into());
    for command in [list, retr] {
        match steps::begin(&mut control, Mode::Passive, &command, false).await? {
            Err(reply) => must_refuse(command.to_string(), &reply)?,
            Ok((mut data, _)) => {
                let (bytes, _) = data.read_to_end(1 << 24, control.reply_timeout).await;
                let done = control.reply().await?;
                if !bytes.is_empty() {
                    return Err(Outcome::fail(
                        &[&format!(
                            "{command}: refused, nothing sent from outside the root"
                        )],
                        format!("{} bytes sent, then {}", bytes.len(), show(&done)),
                    ));
                }
            }
        }
    }
    let probe = format!("{link}/ftp-conformance-{}-probe.txt", cx.tag);
    let stor = Command::Stor(probe.as_str().into());
    match steps::begin(&mut control, Mode::Passive, &stor, false).await? {
        Err(reply) => must_refuse(stor.to_string(), &reply)?,
        Ok((data, _)) => {
            data.write_and_close(b"ftp-conformance: must not be stored\r\n")
                .await?;
            let done = control.reply().await?;
            if !done.is_negative() {
                return Err(Outcome::fail(
                    &[&format!("{stor}: refused")],
                    format!(
                        "{stor}: {}: a file was created outside the root",
                        show(&done)
                    ),
                ));
            }
        }
    }
    Ok(Outcome::Pass)
}

async fn outside_link_rename_race(cx: Ctx) -> Step<Outcome> {
    let link = outside_link(&cx)?;
    let Some(file) = cx.target.outside_file.clone() else {
        return Err(Outcome::skip(
            "needs --outside-file FILE, a file in the directory --outside-link points to",
        ));
    };
    let dir = cx.scratch_path("dir")?;
    let aside = cx.scratch_path("dir-aside")?;
    let stolen = cx.scratch_path("stolen")?;
    let victim = format!("{dir}/{file}");
    let inside = format!("ftp-conformance: the inside {file}\r\n").into_bytes();
    let mut a = cx.login("a").await?;
    let mut b = cx.login("b").await?;
    a.cmd(&Command::Type(TransferType::Image)).await?;
    let mkd = a.cmd(&Command::Mkd(PathArg::from(&dir))).await?;
    steps::require("MKD", &mkd, &[257])?;
    steps::upload(&mut a, &victim, &inside, Mode::Passive).await?;
    let rnfr = a.cmd(&Command::Rnfr(PathArg::from(&victim))).await?;
    if rnfr.code != 350 {
        return Err(Outcome::error(format!(
            "RNFR of the suite's own file: {}",
            show(&rnfr)
        )));
    }
    // Session B swaps the directory with the link behind session A's back.
    let moved_dir = rename(&mut b, &dir, &aside).await?;
    if !moved_dir {
        return Err(Outcome::error(
            "session B could not rename the suite's directory",
        ));
    }
    let moved_link = rename(&mut b, &link, &dir).await?;
    let rnto = a.cmd(&Command::Rnto(PathArg::from(&stolen))).await?;
    // Put everything back, whatever the verdict: the operator's link first.
    if moved_link && !rename(&mut b, &dir, &link).await? {
        cx.transcript.push(format!(
            "suite: could not move the link back from {dir} to {link}"
        ));
    }
    if !rename(&mut b, &aside, &dir).await? {
        cx.transcript
            .push(format!("suite: could not move {aside} back to {dir}"));
    }
    if !moved_link {
        cx.transcript
            .push("suite: the server refused to move the link: the swap cannot be made");
        return Ok(Outcome::Pass);
    }
    if rnto.is_negative() {
        return Ok(Outcome::Pass);
    }
    let got = match steps::begin(
        &mut a,
        Mode::Passive,
        &Command::Retr(stolen.as_str().into()),
        false,
    )
    .await?
    {
        Err(_) => return Ok(Outcome::Pass),
        Ok((mut data, _)) => {
            let (bytes, _) = data.read_to_end(1 << 24, a.reply_timeout).await;
            let _ = a.reply().await?;
            bytes
        }
    };
    if got == inside {
        return Ok(Outcome::Pass);
    }
    // Best effort: give the operator's file back before the scratch directory is removed.
    if !rename(&mut a, &stolen, &format!("{link}/{file}")).await? {
        cx.transcript.push(format!(
            "suite: could not move {stolen} back to {link}/{file}; it is removed with the scratch directory"
        ));
    }
    Err(Outcome::fail(
        &["RNTO after the swap: refused, or the suite's own file moved"],
        format!(
            "RNTO {stolen}: {}; RETR {stolen} gave {} bytes that are not the suite's: a file from outside the root was moved in",
            show(&rnto),
            got.len()
        ),
    ))
}

/// RNFR `from`, RNTO `to`; true when the rename was made.
async fn rename(control: &mut Control, from: &str, to: &str) -> Step<bool> {
    let rnfr = control.cmd(&Command::Rnfr(PathArg::from(from))).await?;
    if rnfr.code != 350 {
        return Ok(false);
    }
    let rnto = control.cmd(&Command::Rnto(PathArg::from(to))).await?;
    Ok(rnto.is_completion())
}
