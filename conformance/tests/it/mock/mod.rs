//! A small scripted FTP server for tests of the suite: correct enough for the suite to run, with one
//! deliberate [`Flaw`] at a time, so that a test can show that the case meant to catch it fails. Its
//! sockets (data-connection plans, the command reader, lingering close) are in `io`.

mod io;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ftp_proto::hostport;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use io::{linger, open, read_commands, reopen, Plan};

/// What the mock gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flaw {
    /// Nothing: the control, proving the cases can pass.
    None,
    /// SYST answers 200 and NOOP answers 250.
    WrongCodes,
    /// HELP sends a multi-line reply that is never closed.
    UnclosedMultiline,
    /// SYST's reply ends in a bare LF.
    BareLf,
    /// PORT to any address is accepted and connected to (FTP bounce).
    Bounce,
    /// NOOP is answered while a transfer runs.
    AnswersNoopMidTransfer,
    /// No limit of connections per address (the flawless mock allows [`MAX_PER_IP`]).
    NoPerAddressLimit,
    /// A wrong password is refused at once (the flawless mock waits a second, as vsftpd does).
    InstantLoginFailure,
    /// The link `out` (to a directory outside the root holding `secret.txt`) is followed by CWD and RETR.
    FollowsOutsideLink,
    /// Not a flaw: a PASV listener stays open for further transfers (RFC 959 allows it; the brief does not).
    ReusesPasv,
    /// Not a flaw under RFC 959: the PORT address is kept for further transfers (the brief makes it one-shot).
    ReusesPort,
    /// PORT to a privileged port (below 1024) of the client's own address is accepted.
    AcceptsPrivilegedPort,
    /// QUIT during a transfer is answered 221, the whole file is still sent, then 226 follows the 221.
    QuitFinishesTransfer,
    /// ABOR during a transfer is answered 426 and 226 at once, but the whole file is still sent.
    AborKeepsSending,
    /// Not a flaw: only CRLF ends a command line (a bare LF is part of the line).
    CrlfOnly,
    /// Not a flaw: after a transfer, or an ABOR (426 at once), the data connection is closed
    /// lingering, 226 only once the client has closed its side (as ProFTPD does).
    LingeringClose,
    /// MKD answers 250 instead of 257.
    WrongMkdReply,
    /// Not a flaw: unknown TYPE/MODE/STRU parameters get 500 rather than 504.
    Refuses500,
    /// The login's multi-line 230 ends with a line of another code, so it never closes.
    MalformedLogin,
    /// SYST is never answered.
    IgnoresSyst,
    /// Not a flaw under RFC 959: a PORT address that cannot be connected to gets 425 at once, without
    /// a 150 first (the brief wants 150, then 425).
    Direct425,
    /// ABOR during a transfer is answered only once the data has drained (as pure-ftpd does).
    AborAfterDrain,
    /// SYST is answered 215 and 200 by turns (a verdict that changes from run to run).
    FlipsSyst,
    /// Not a flaw: a transfer without PORT/PASV uses the default data ports (RFC 959 §3.2): the mock
    /// connects from its port L-1 (reserved at start) to the client's control port.
    DefaultDataPort,
    /// A transfer without PORT/PASV connects to the client's control port, but from any port.
    DefaultDataPortFromAnyPort,
}

/// Connections from one address the flawless mock serves at once; the next one gets 421.
pub const MAX_PER_IP: usize = 3;

/// The mock's link out of its root, and the file in the directory it points to.
pub const OUTSIDE_LINK: &str = "out";
pub const OUTSIDE_FILE: &str = "secret.txt";

/// The turn of [`Flaw::FlipsSyst`].
static FLIP: AtomicBool = AtomicBool::new(false);

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// Starts the mock on 127.0.0.1:0.
pub async fn start(flaw: Flaw) -> SocketAddr {
    let (listener, below) = match flaw {
        Flaw::DefaultDataPort => {
            let (listener, below) = crate::default_port::listener_and_port_below().await;
            (listener, Some(below))
        }
        _ => (TcpListener::bind("127.0.0.1:0").await.unwrap(), None),
    };
    let below = Arc::new(Mutex::new(below));
    let addr = listener.local_addr().unwrap();
    let files: Files = Arc::default();
    let per_address: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    tokio::spawn(async move {
        while let Ok((mut stream, peer)) = listener.accept().await {
            let ip = peer.ip();
            let count = {
                let mut counts = per_address.lock().unwrap();
                let count = counts.entry(ip).or_insert(0);
                *count += 1;
                *count
            };
            let per_address = per_address.clone();
            let files = files.clone();
            let below = below.clone();
            tokio::spawn(async move {
                if count > MAX_PER_IP && flaw != Flaw::NoPerAddressLimit {
                    let _ = stream.write_all(b"421 Too many connections.\r\n").await;
                } else {
                    session(stream, flaw, files, below).await;
                }
                *per_address.lock().unwrap().get_mut(&ip).unwrap() -= 1;
            });
        }
    });
    addr
}

/// One session; `below` is the socket bound to the mock's port L-1 (for [`Flaw::DefaultDataPort`]),
/// taken by the first transfer that uses it.
async fn session(
    stream: TcpStream,
    flaw: Flaw,
    files: Files,
    below: Arc<Mutex<Option<tokio::net::TcpSocket>>>,
) {
    let peer = stream.peer_addr().unwrap();
    // ABOR's Telnet Synch comes as urgent data: read inline (and dropped with the other Telnet bytes),
    // so that it never holds up the reading of the line behind it.
    socket2::SockRef::from(&stream)
        .set_out_of_band_inline(true)
        .unwrap();
    let reading = stream.into_std().unwrap();
    let mut lines = read_commands(reading.try_clone().unwrap(), flaw);
    let mut write = TcpStream::from_std(reading).unwrap();
    let _ = write.write_all(b"220 mock FTP server ready.\r\n").await;
    let mut plan = Plan::None;
    let mut transfer: Option<JoinHandle<&'static str>> = None;
    // With [`Flaw::LingeringClose`], ABOR asks the running transfer to close lingering.
    let abort_requested = Arc::new(tokio::sync::Notify::new());
    let mut user: Option<String> = None;
    loop {
        let done = async {
            match transfer.as_mut() {
                Some(handle) => handle.await.unwrap_or("426 Aborted.\r\n"),
                None => std::future::pending().await,
            }
        };
        let line = tokio::select! {
            read = lines.recv() => {
                let Some(read) = read else { return; };
                read
            }
            reply = done => {
                transfer = None;
                let _ = write.write_all(reply.as_bytes()).await;
                continue;
            }
        };
        let line = line.trim_end().to_string();
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        let verb = verb.to_ascii_uppercase();
        if let Some(running) = transfer.take() {
            match verb.as_str() {
                "ABOR" if flaw == Flaw::LingeringClose => {
                    abort_requested.notify_one();
                    let _ = write.write_all(b"426 Aborted.\r\n").await;
                    let reply = running.await.unwrap_or("426 Aborted.\r\n");
                    let _ = write.write_all(reply.as_bytes()).await;
                    continue;
                }
                "ABOR" if flaw == Flaw::AborAfterDrain => {
                    let _ = running.await;
                    let _ = write.write_all(b"426 ABORT\r\n226 Aborted.\r\n").await;
                    continue;
                }
                "ABOR" if flaw == Flaw::AborKeepsSending => {
                    let _ = write.write_all(b"426 Aborted.\r\n226 Abort ok.\r\n").await;
                    let _ = running.await;
                    continue;
                }
                "ABOR" => {
                    running.abort();
                    let _ = write.write_all(b"426 Aborted.\r\n226 Abort ok.\r\n").await;
                    continue;
                }
                "QUIT" if flaw == Flaw::QuitFinishesTransfer => {
                    let _ = write.write_all(b"221 Bye.\r\n").await;
                    let reply = running.await.unwrap_or("426 Aborted.\r\n");
                    let _ = write.write_all(reply.as_bytes()).await;
                    return;
                }
                "QUIT" => {
                    running.abort();
                    let _ = write.write_all(b"221 Bye.\r\n").await;
                    return;
                }
                "NOOP" if flaw == Flaw::AnswersNoopMidTransfer => {
                    let _ = write.write_all(b"200 NOOP ok.\r\n").await;
                }
                _ => {}
            }
            transfer = Some(running);
            continue;
        }
        let reply: String = match verb.as_str() {
            "USER" => {
                user = Some(arg.to_ascii_lowercase());
                "331 Password please.\r\n".into()
            }
            // Anonymous (or no USER at all) takes any password; any other user has none that works.
            "PASS"
                if user
                    .as_deref()
                    .is_none_or(|u| u == "anonymous" || u == "ftp") =>
            {
                if flaw == Flaw::MalformedLogin {
                    "230-Welcome.\r\n231 Logged in.\r\n".into()
                } else {
                    "230 Logged in.\r\n".into()
                }
            }
            "PASS" => {
                if flaw != Flaw::InstantLoginFailure {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                "530 Login incorrect.\r\n".into()
            }
            "CWD" if arg == OUTSIDE_LINK && flaw == Flaw::FollowsOutsideLink => {
                "250 Ok.\r\n".into()
            }
            "CWD" | "LIST" | "NLST" | "RETR" | "STOR" | "SIZE" | "RNFR"
                if (arg == OUTSIDE_LINK || arg.starts_with("out/"))
                    && !(flaw == Flaw::FollowsOutsideLink && verb == "RETR") =>
            {
                "550 Permission denied.\r\n".into()
            }
            "SYST" if flaw == Flaw::WrongCodes => "200 UNIX Type: L8\r\n".into(),
            "SYST" if flaw == Flaw::IgnoresSyst => String::new(),
            "SYST" if flaw == Flaw::FlipsSyst && FLIP.fetch_xor(true, Ordering::Relaxed) => {
                "200 UNIX Type: L8\r\n".into()
            }
            "SYST" if flaw == Flaw::BareLf => "215 UNIX Type: L8\n".into(),
            "SYST" => "215 UNIX Type: L8\r\n".into(),
            "NOOP" if flaw == Flaw::WrongCodes => "250 NOOP ok.\r\n".into(),
            "NOOP" => "200 NOOP ok.\r\n".into(),
            "HELP" if flaw == Flaw::UnclosedMultiline => "214-Help\r\n214-never closed\r\n".into(),
            "HELP" => "214-Help\r\n NOOP\r\n214 Ok.\r\n".into(),
            "FEAT" => "211-Features:\r\n PASV\r\n211 End\r\n".into(),
            "TYPE" | "MODE" | "STRU" if arg.eq_ignore_ascii_case("X") => {
                if flaw == Flaw::Refuses500 {
                    "500 Unknown parameter.\r\n".into()
                } else {
                    "504 Unknown parameter.\r\n".into()
                }
            }
            "TYPE" | "MODE" | "STRU" => "200 Ok.\r\n".into(),
            "PWD" => "257 \"/\" is the current directory.\r\n".into(),
            "CWD" => "250 Ok.\r\n".into(),
            "MKD" if flaw == Flaw::WrongMkdReply => "250 Directory made.\r\n".into(),
            "MKD" => format!("257 \"/{arg}\" created.\r\n"),
            "RMD" | "DELE" => {
                files
                    .lock()
                    .unwrap()
                    .retain(|name, _| name != arg && !name.starts_with(&format!("{arg}/")));
                "250 Ok.\r\n".into()
            }
            "PASV" => {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
                    unreachable!()
                };
                plan = Plan::Passive(listener);
                format!("227 {}\r\n", hostport::pasv_reply_text(addr))
            }
            "PORT" => match hostport::decode_port(arg) {
                Ok(addr) if addr.port() < 1024 && flaw != Flaw::AcceptsPrivilegedPort => {
                    "504 No privileged ports.\r\n".into()
                }
                Ok(addr) if flaw == Flaw::Bounce || SocketAddr::V4(addr).ip() == peer.ip() => {
                    plan = Plan::Active(SocketAddr::V4(addr));
                    "200 PORT ok.\r\n".into()
                }
                Ok(_) => "500 Not your address.\r\n".into(),
                Err(_) => "501 Bad PORT.\r\n".into(),
            },
            "LIST" | "NLST" | "RETR" | "STOR" => {
                let taken = match (&plan, flaw) {
                    (Plan::Passive(listener), Flaw::ReusesPasv) => {
                        Plan::Passive(reopen(listener).await)
                    }
                    (Plan::Active(addr), Flaw::ReusesPort) => Plan::Active(*addr),
                    _ => std::mem::replace(&mut plan, Plan::None),
                };
                let taken = match (taken, flaw) {
                    (Plan::None, Flaw::DefaultDataPort | Flaw::DefaultDataPortFromAnyPort) => {
                        Plan::Default(peer, below.lock().unwrap().take())
                    }
                    (taken, _) => taken,
                };
                let unreachable = match &taken {
                    Plan::Active(addr) if flaw == Flaw::Direct425 => {
                        TcpStream::connect(addr).await.is_err()
                    }
                    _ => false,
                };
                if matches!(taken, Plan::None) {
                    "425 Use PORT or PASV first.\r\n".into()
                } else if unreachable {
                    "425 Can't open data connection.\r\n".into()
                } else {
                    let (files, verb, arg) = (files.clone(), verb.clone(), arg.to_string());
                    let abort_requested = abort_requested.clone();
                    transfer = Some(tokio::spawn(async move {
                        let Some(mut data) = open(taken).await else {
                            return "425 No connection.\r\n";
                        };
                        match verb.as_str() {
                            "STOR" => {
                                let mut bytes = Vec::new();
                                let _ = data.read_to_end(&mut bytes).await;
                                files.lock().unwrap().insert(arg, bytes);
                            }
                            "RETR" if arg == format!("{OUTSIDE_LINK}/{OUTSIDE_FILE}") => {
                                let _ = data.write_all(b"outside the root\n").await;
                            }
                            "RETR" => {
                                let bytes =
                                    files.lock().unwrap().get(&arg).cloned().unwrap_or_default();
                                tokio::select! {
                                    written = data.write_all(&bytes) => if written.is_err() {
                                        return "426 Broken.\r\n";
                                    },
                                    () = abort_requested.notified() => {
                                        let _ = data.shutdown().await;
                                        linger(&mut data).await;
                                        return "226 Abort successful.\r\n";
                                    }
                                }
                            }
                            _ => {
                                let names: String = files
                                    .lock()
                                    .unwrap()
                                    .keys()
                                    .map(|n| format!("{n}\r\n"))
                                    .collect();
                                let _ = data.write_all(names.as_bytes()).await;
                            }
                        }
                        let _ = data.shutdown().await;
                        if flaw == Flaw::LingeringClose {
                            linger(&mut data).await;
                        }
                        "226 Transfer complete.\r\n"
                    }));
                    "150 Opening data connection.\r\n".into()
                }
            }
            "ABOR" => "225 Nothing to abort.\r\n".into(),
            "QUIT" => {
                let _ = write.write_all(b"221 Bye.\r\n").await;
                return;
            }
            _ => "500 Unknown command.\r\n".into(),
        };
        let _ = write.write_all(reply.as_bytes()).await;
    }
}
