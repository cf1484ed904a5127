//! RFC 959 §3.2, the default data ports: with neither PORT nor PASV, the server connects from its
//! control port minus one (L-1) to the client's control connection port (U). The suite listens on U
//! (the control socket is opened with SO_REUSEADDR so that a listener may share its port) and sends
//! RETR. Information: most servers refuse (425, which the brief requires), reported non-strict.

use std::net::SocketAddr;

use ftp_proto::Command;
use tokio::net::{TcpListener, TcpSocket};

use crate::case::{Case, Outcome, Step};
use crate::conn::{show, Control};
use crate::ctx::Ctx;
use crate::data::{self, End};
use crate::steps::QUIET;

pub const CASES: &[Case] = &[
    crate::case!("rfc959/3.2/default-data-port", Should, "information: RETR without PORT/PASV: the server connects from port L-1 to the client's control port U and sends the file (425 is reported non-strict)", "RFC 959 §3.2: \"The user-process default data port is the same as the control connection port (i.e., U). The server-process default data port is the port adjacent to the control connection port (i.e., L-1).\" §3.3: the passive side \"shall 'listen' on the data port prior to sending a transfer request command\"", default_data_port),
];

/// Control connections tried before the case gives up on listening on U.
const CONTROL_PORT_TRIES: u32 = 5;

/// A listener on the control connection's own local address and port (U).
fn listen_on_control_port(control: &Control) -> Step<TcpListener> {
    let at = control.local;
    let setup = || -> std::io::Result<TcpListener> {
        let socket = match at {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(at)?;
        socket.listen(4)
    };
    setup().map_err(|e| Outcome::skip(format!("cannot listen on the control port {at}: {e}")))
}

async fn default_data_port(cx: Ctx) -> Step<Outcome> {
    let (mut control, path, contents) = super::rfc959_5_4_data_errors::setup(&cx).await?;
    // U is an ephemeral port, which another program's connection to some other address may also
    // use without SO_REUSEADDR; then no listener can share it. Another control connection gets
    // another U (a bounded number of times).
    let mut tries = 1;
    let listener = loop {
        match listen_on_control_port(&control) {
            Ok(listener) => break listener,
            Err(taken) if tries == CONTROL_PORT_TRIES => return Err(taken),
            Err(_) => {
                tries += 1;
                cx.transcript.push(format!(
                    "suite: port {} is taken by another socket; reconnecting",
                    control.local.port()
                ));
                let _ = control.cmd(&Command::Quit).await;
                control = super::rfc959_5_4_data_errors::login_binary(&cx).await?;
            }
        }
    };
    cx.transcript.push(format!(
        "suite: listening on {} (the control connection's port)",
        control.local
    ));
    let command = Command::Retr(path.as_str().into());
    let first = control.cmd(&command).await?;
    let refused = |reply: &ftp_proto::Reply| {
        Outcome::non_strict(
            &["the file over a connection from the server's port L-1"],
            format!("{command}: {} (no default data port)", show(reply)),
        )
    };
    if first.code == 425 {
        return Ok(refused(&first));
    }
    cx.check_reply(&command.to_string(), &first, &[125, 150], &[])?;
    // A server that uses the default port connects at once; one that does not says 425 (after 150).
    let mut data = match data::accept_within(&listener, &control, QUIET).await {
        Ok(data) => data,
        Err(no_connection) => {
            let second = control.reply().await?;
            return match second.code {
                425 => Ok(refused(&second)),
                _ => Err(no_connection),
            };
        }
    };
    let from = data.stream().tcp().and_then(|tcp| tcp.peer_addr().ok());
    let expected_from = SocketAddr::new(control.peer.ip(), control.peer.port().wrapping_sub(1));
    let (bytes, end) = data.read_to_end(1 << 26, control.reply_timeout).await;
    let done = control.reply().await?;
    cx.check_reply(&command.to_string(), &done, &[226, 250], &[])?;
    if from != Some(expected_from) {
        return Err(Outcome::fail(
            &[&format!("a data connection from {expected_from} (L-1)")],
            format!("from {from:?}"),
        ));
    }
    let whole = contents.as_ref().is_none_or(|contents| *contents == bytes);
    if end != End::Eof || !whole {
        return Err(Outcome::fail(
            &["the file, byte for byte, then end of file"],
            format!("{} bytes, then {end:?}", bytes.len()),
        ));
    }
    Ok(Outcome::Pass)
}
