//! A small scripted FTP server for tests of the suite: correct enough for the suite to run, with one
//! deliberate [`Flaw`] at a time, so that a test can show that the case meant to catch it fails.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ftp_proto::hostport;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

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
}

/// Connections from one address the flawless mock serves at once; the next one gets 421.
pub const MAX_PER_IP: usize = 3;

/// The mock's link out of its root, and the file in the directory it points to.
pub const OUTSIDE_LINK: &str = "out";
pub const OUTSIDE_FILE: &str = "secret.txt";

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// Starts the mock on 127.0.0.1:0.
pub async fn start(flaw: Flaw) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
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
            tokio::spawn(async move {
                if count > MAX_PER_IP && flaw != Flaw::NoPerAddressLimit {
                    let _ = stream.write_all(b"421 Too many connections.\r\n").await;
                } else {
                    session(stream, flaw, files).await;
                }
                *per_address.lock().unwrap().get_mut(&ip).unwrap() -= 1;
            });
        }
    });
    addr
}

enum Plan {
    None,
    Passive(TcpListener),
    Active(SocketAddr),
}

async fn open(plan: Plan) -> Option<TcpStream> {
    match plan {
        Plan::None => None,
        Plan::Passive(listener) => listener.accept().await.ok().map(|(s, _)| s),
        Plan::Active(addr) => TcpStream::connect(addr).await.ok(),
    }
}

async fn session(stream: TcpStream, flaw: Flaw, files: Files) {
    let peer = stream.peer_addr().unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 mock FTP server ready.\r\n").await;
    let mut plan = Plan::None;
    let mut transfer: Option<JoinHandle<&'static str>> = None;
    let mut user: Option<String> = None;
    loop {
        let mut line = String::new();
        let done = async {
            match transfer.as_mut() {
                Some(handle) => handle.await.unwrap_or("426 Aborted.\r\n"),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            read = lines.read_line(&mut line) => {
                if !matches!(read, Ok(n) if n > 0) { return; }
            }
            reply = done => {
                transfer = None;
                let _ = write.write_all(reply.as_bytes()).await;
                continue;
            }
        }
        let line = line.trim_end().to_string();
        let (verb, arg) = line.split_once(' ').unwrap_or((&line, ""));
        let verb = verb.to_ascii_uppercase();
        if let Some(running) = &transfer {
            match verb.as_str() {
                "ABOR" => {
                    running.abort();
                    transfer = None;
                    let _ = write.write_all(b"426 Aborted.\r\n226 Abort ok.\r\n").await;
                }
                "NOOP" if flaw == Flaw::AnswersNoopMidTransfer => {
                    let _ = write.write_all(b"200 NOOP ok.\r\n").await;
                }
                _ => {}
            }
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
                "230 Logged in.\r\n".into()
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
            "SYST" if flaw == Flaw::BareLf => "215 UNIX Type: L8\n".into(),
            "SYST" => "215 UNIX Type: L8\r\n".into(),
            "NOOP" if flaw == Flaw::WrongCodes => "250 NOOP ok.\r\n".into(),
            "NOOP" => "200 NOOP ok.\r\n".into(),
            "HELP" if flaw == Flaw::UnclosedMultiline => "214-Help\r\n214-never closed\r\n".into(),
            "HELP" => "214-Help\r\n NOOP\r\n214 Ok.\r\n".into(),
            "FEAT" => "211-Features:\r\n PASV\r\n211 End\r\n".into(),
            "TYPE" | "MODE" | "STRU" => "200 Ok.\r\n".into(),
            "PWD" => "257 \"/\" is the current directory.\r\n".into(),
            "CWD" => "250 Ok.\r\n".into(),
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
                Ok(addr) if flaw == Flaw::Bounce || SocketAddr::V4(addr).ip() == peer.ip() => {
                    plan = Plan::Active(SocketAddr::V4(addr));
                    "200 PORT ok.\r\n".into()
                }
                Ok(_) => "500 Not your address.\r\n".into(),
                Err(_) => "501 Bad PORT.\r\n".into(),
            },
            "LIST" | "NLST" | "RETR" | "STOR" => {
                let taken = std::mem::replace(&mut plan, Plan::None);
                if matches!(taken, Plan::None) {
                    "425 Use PORT or PASV first.\r\n".into()
                } else {
                    let (files, verb, arg) = (files.clone(), verb.clone(), arg.to_string());
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
                                if data.write_all(&bytes).await.is_err() {
                                    return "426 Broken.\r\n";
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
