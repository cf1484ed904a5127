//! The data side of a scripted server: passive listeners (EPSV, and PASV in each of its 227 styles,
//! with a trap on the foreign address a 227 may name) and RETR carried out as the script says, from a
//! complete transfer to a stall, plus the small listing a client may ask for first.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use ftp_proto::hostport::{encode_port, epsv_reply_text, pasv_reply_text};
use ftp_proto::{Command, Reply};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::script::{Epsv, Pasv, Retr, Script, Tls};
use super::server::{note, Next, Session, DATA_ACCEPT_LIMIT};
use super::tls::Stream;

/// The address a 227 names instead of the server's in the foreign-address case.
pub const FOREIGN_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Tries at finding a port free on both 127.0.0.1 and the foreign address.
const TRAP_PORT_TRIES: usize = 20;
/// How long a stalled transfer stays silent at most (the case's own limit ends it far sooner).
const STALL: Duration = Duration::from_secs(600);
/// How late the data's close_notify comes after the 226 in the late-close_notify case.
const CLOSE_NOTIFY_DELAY: Duration = Duration::from_secs(1);

/// A passive data listener, and the trap at the foreign address when the 227 named one.
pub struct Passive {
    listener: TcpListener,
    trap: Option<TcpListener>,
}

/// Opens a listener for EPSV (`extended`) or PASV and words the reply as the script says.
pub async fn open_passive(
    script: Script,
    extended: bool,
) -> std::io::Result<(Option<Passive>, Reply)> {
    if extended {
        if script.epsv == Epsv::Refuse {
            return Ok((None, Reply::new(502, "EPSV not implemented")));
        }
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let passive = Passive {
            listener,
            trap: None,
        };
        return Ok((Some(passive), Reply::new(229, epsv_reply_text(port))));
    }
    if script.pasv == Pasv::ForeignAddress {
        let (listener, trap) = bind_with_trap().await?;
        let port = listener.local_addr()?.port();
        let text = pasv_reply_text(SocketAddrV4::new(FOREIGN_ADDRESS, port));
        let passive = Passive {
            listener,
            trap: Some(trap),
        };
        return Ok((Some(passive), Reply::new(227, text)));
    }
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let own = SocketAddrV4::new(Ipv4Addr::LOCALHOST, listener.local_addr()?.port());
    let text = match script.pasv {
        Pasv::NoParentheses => format!("Entering Passive Mode {}.", encode_port(own)),
        Pasv::EqualsSign => format!("={}", encode_port(own)),
        Pasv::Standard | Pasv::ForeignAddress => pasv_reply_text(own),
    };
    let passive = Passive {
        listener,
        trap: None,
    };
    Ok((Some(passive), Reply::new(227, text)))
}

/// A listener on 127.0.0.1 and a trap on the foreign address, on the same port number.
async fn bind_with_trap() -> std::io::Result<(TcpListener, TcpListener)> {
    let mut last = None;
    for _ in 0..TRAP_PORT_TRIES {
        let trap = TcpListener::bind((FOREIGN_ADDRESS, 0)).await?;
        let port = trap.local_addr()?.port();
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(listener) => return Ok((listener, trap)),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| std::io::ErrorKind::AddrInUse.into()))
}

/// Waits for the client's data connection; a connection to the trap is noted and refused.
async fn accept(session: &mut Session, passive: &Passive) -> Option<TcpStream> {
    let deadline = tokio::time::Instant::now() + DATA_ACCEPT_LIMIT;
    loop {
        let trap = async {
            match &passive.trap {
                Some(trap) => trap.accept().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            accepted = passive.listener.accept() => {
                let (stream, peer) = accepted.ok()?;
                if let Ok(mut e) = session.evidence.lock() {
                    e.data_connections += 1;
                    e.transcript.push(format!("data: connection from {peer}"));
                }
                return Some(stream);
            }
            trapped = trap => {
                if let Ok((_, peer)) = trapped {
                    if let Ok(mut e) = session.evidence.lock() {
                        e.foreign_address_used = true;
                        e.transcript.push(format!("data: {peer} connected to the foreign address {FOREIGN_ADDRESS} the 227 named; closed"));
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                note(&session.evidence, "data: no connection within the limit");
                return None;
            }
        }
    }
}

/// The client's data connection, under TLS after PROT P; `Err` is the reply that refuses it (425, or
/// 522 for a TLS session that was not resumed where the script requires it).
async fn open_data(session: &mut Session, passive: &Passive) -> Result<Stream, Reply> {
    let no_connection = || Reply::new(425, "Can't open data connection");
    let tcp = accept(session, passive).await.ok_or_else(no_connection)?;
    let config = session.tls.as_ref().map(|tls| tls.config.clone());
    let (true, Some(config)) = (session.protect_data, config) else {
        return Ok(Stream::Plain(tcp));
    };
    let handshake = tokio_rustls::TlsAcceptor::from(config).accept(tcp);
    let stream = match tokio::time::timeout(DATA_ACCEPT_LIMIT, handshake).await {
        Ok(Ok(tls)) => Stream::Tls(Box::new(tls)),
        Ok(Err(error)) => {
            note(
                &session.evidence,
                format!("data: TLS handshake failed: {error}"),
            );
            return Err(no_connection());
        }
        Err(_) => {
            note(&session.evidence, "data: no TLS handshake within the limit");
            return Err(no_connection());
        }
    };
    let resumed = stream.resumed() == Some(true);
    note(
        &session.evidence,
        format!(
            "data: TLS, session {}",
            if resumed {
                "resumed"
            } else {
                "not resumed (a full handshake)"
            }
        ),
    );
    if session.script.tls == Tls::RequireSessionReuse && !resumed {
        if let Ok(mut e) = session.evidence.lock() {
            e.unresumed_data_connections += 1;
        }
        close(session, stream).await;
        return Err(Reply::new(
            522,
            "SSL connection failed: session reuse required",
        ));
    }
    if let Ok(mut e) = session.evidence.lock() {
        e.tls_data_connections += 1;
    }
    Ok(stream)
}

/// The 1yz and the data connection of a transfer; `None` when it was refused (425 without EPSV or
/// PASV first, or [`open_data`]'s refusal), the refusal sent.
async fn start_transfer(
    session: &mut Session,
    passive: Option<Passive>,
    preliminary: Reply,
) -> std::io::Result<Option<Stream>> {
    let Some(passive) = passive else {
        session
            .send(Reply::new(425, "Use PASV or EPSV first"))
            .await?;
        return Ok(None);
    };
    session.send(preliminary).await?;
    match open_data(session, &passive).await {
        Ok(data) => Ok(Some(data)),
        Err(refusal) => {
            session.send(refusal).await?;
            Ok(None)
        }
    }
}

/// Writes bytes to the data connection and notes how many went out.
async fn send_data(session: &Session, stream: &mut Stream, bytes: &[u8]) {
    let written = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    let sent = match written.await {
        Ok(()) => format!("data: sent {} bytes", bytes.len()),
        Err(error) => format!("data: sending {} bytes failed: {error}", bytes.len()),
    };
    note(&session.evidence, sent);
}

/// Closes the data connection: TLS's close_notify first, then the TCP FIN.
async fn close(session: &Session, mut stream: Stream) {
    let _ = stream.shutdown().await;
    note(&session.evidence, "data: closed");
}

/// Carries out RETR as the script says; `offset` is the accepted REST.
pub async fn run(
    session: &mut Session,
    passive: Option<Passive>,
    offset: u64,
) -> std::io::Result<Next> {
    // Transient faults hit the first RETR of a case only, so a client that retries (with REST, or on
    // a new connection) can still end with the exact file; a permanent 550 and a stall stay.
    let first = session
        .evidence
        .lock()
        .map(|e| e.verbs.iter().filter(|v| *v == "RETR").count() <= 1)
        .unwrap_or(true);
    let retr = match session.script.retr {
        Retr::PreliminaryThenLocalError
        | Retr::PartialThenAborted
        | Retr::PartialThenHangUp
        | Retr::ServiceClosing
            if !first =>
        {
            Retr::Complete
        }
        retr => retr,
    };
    match retr {
        Retr::FileUnavailable => {
            session
                .send(Reply::new(550, "No such file or directory"))
                .await?;
            return Ok(Next::Continue);
        }
        Retr::ServiceClosing => {
            session
                .send(Reply::new(
                    421,
                    "Service not available, closing control connection",
                ))
                .await?;
            note(&session.evidence, "control: closed after 421");
            return Ok(Next::Close);
        }
        _ => {}
    }
    let content = session.content.clone();
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(content.len());
    let whole = &content[start..];
    let half = &whole[..whole.len() / 2];
    let preliminary = Reply::new(
        150,
        format!("Opening BINARY data connection ({} bytes)", whole.len()),
    );
    let Some(mut data) = start_transfer(session, passive, preliminary).await? else {
        return Ok(Next::Continue);
    };
    match retr {
        Retr::PreliminaryThenLocalError => {
            close(session, data).await;
            session
                .send(Reply::new(
                    451,
                    "Requested action aborted: local error in processing",
                ))
                .await?;
        }
        Retr::PartialThenAborted => {
            send_data(session, &mut data, half).await;
            close(session, data).await;
            session
                .send(Reply::new(426, "Connection closed; transfer aborted"))
                .await?;
        }
        Retr::PartialThenHangUp => {
            send_data(session, &mut data, half).await;
            close(session, data).await;
            note(&session.evidence, "control: closed without a final reply");
            return Ok(Next::Close);
        }
        Retr::FinalReplyBeforeData => {
            session.send(Reply::new(226, "Transfer complete")).await?;
            send_data(session, &mut data, whole).await;
            close(session, data).await;
        }
        Retr::StallAfterHalf => {
            // A retry gets nothing at all: the stall is the server's state, not a passing fault.
            let before_stall = if first { half } else { &whole[..0] };
            send_data(session, &mut data, before_stall).await;
            note(
                &session.evidence,
                "data: stalled (nothing more on either connection)",
            );
            tokio::time::sleep(STALL).await;
            return Ok(Next::Close);
        }
        Retr::Complete | Retr::FileUnavailable | Retr::ServiceClosing
            if session.script.tls == Tls::LateCloseNotify && session.protect_data =>
        {
            send_data(session, &mut data, whole).await;
            session.send(Reply::new(226, "Transfer complete")).await?;
            note(&session.evidence, "data: close_notify held back");
            tokio::time::sleep(CLOSE_NOTIFY_DELAY).await;
            close(session, data).await;
        }
        Retr::Complete | Retr::FileUnavailable | Retr::ServiceClosing => {
            send_data(session, &mut data, whole).await;
            close(session, data).await;
            session.send(Reply::new(226, "Transfer complete")).await?;
        }
    }
    Ok(Next::Continue)
}

/// LIST, NLST and MLSD: the one served file, so that a client that lists before fetching can go on.
pub async fn listing(
    session: &mut Session,
    passive: Option<Passive>,
    command: &Command,
) -> std::io::Result<Next> {
    let size = session.content.len();
    let text = match command {
        Command::Nlst(_) => "file\r\n".to_string(),
        Command::Mlsd(_) => format!("type=file;size={size};modify=20260101000000; file\r\n"),
        _ => format!("-rw-r--r--   1 ftp      ftp      {size:>8} Jan 01 00:00 file\r\n"),
    };
    let preliminary = Reply::new(150, "Here comes the listing");
    let Some(mut data) = start_transfer(session, passive, preliminary).await? else {
        return Ok(Next::Continue);
    };
    send_data(session, &mut data, text.as_bytes()).await;
    close(session, data).await;
    session.send(Reply::new(226, "Listing sent")).await?;
    Ok(Next::Continue)
}
