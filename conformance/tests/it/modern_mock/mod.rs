//! A second scripted server, for the RFC 4217, RFC 2428 and RFC 2577-outside-link cases: it speaks
//! AUTH TLS (rustls, the certificate of the [`TestPki`] it is given), PBSZ, PROT, CCC, EPSV (and ALL),
//! PORT, EPRT and the commands that name a path through the link `out`, each correctly unless one
//! [`Flaw`] says otherwise. Data connections (`data`): PASV/EPSV or PORT/EPRT, then STOR, APPE, RETR,
//! NLST, MLSD or LIST, over TLS under PROT P (its own session cache, so data connections can resume
//! the control connection's session).

mod data;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use ftp_testkit::TestPki;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// What the mock gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flaw {
    #[default]
    None,
    /// AUTH TLS gets 234, but no TLS follows (the session goes on in plaintext).
    AuthWithoutHandshake,
    /// AUTH with an unknown mechanism gets 234.
    AcceptsAnyMechanism,
    /// PROT P is accepted without PBSZ.
    ProtWithoutPbsz,
    /// PROT S and E get 200.
    AcceptsProtS,
    /// USER before AUTH TLS is accepted though TLS is required.
    UserWithoutTls,
    /// CCC gets 250.
    CccOdd,
    /// FEAT lists no AUTH TLS.
    FeatWithoutTls,
    /// FEAT lists AUTH, PBSZ and PROT, but AUTH names only SSL.
    FeatAuthSslOnly,
    /// After EPSV ALL, PASV is still served.
    EpsvAllIgnored,
    /// 522 without the list of supported protocols.
    Bare522,
    /// EPSV 9 gets 229.
    Epsv9Served,
    /// A malformed EPRT gets 200.
    EprtSyntaxAccepted,
    /// MDTM, MLST, MKD, STAT, RNTO, NLST, MLSD and APPE through the link `out` are served.
    FollowsLink,
    /// PBSZ and PROT before AUTH TLS get 200.
    SecurityBeforeAuth,
    /// USER of an unknown name gets 530 at once (the URL's user `alice` gets 331).
    TellsUnknownUsers,
    /// Under PROT P, data connections are plaintext anyway.
    ClearDataUnderProtP,
    /// Downloads end with a TCP close, no TLS close_notify.
    NoCloseNotify,
    /// No TLS session resumption: every data handshake is a full one.
    NoResumption,
    /// Under PROT C, data connections are TLS anyway.
    TlsUnderProtC,
    /// A plaintext line that follows the TLS handshake is answered, and the session goes on, in
    /// plaintext (TLS 1.2: a full handshake ends on the server's flight, so the mock can peek at the
    /// client's next byte before TLS reads it).
    PlaintextAfterHandshake,
    /// Under PROT P, data connections the mock opens (PORT/EPRT) are plaintext anyway.
    ClearDataOverPort,
    /// Not a flaw but a policy (vsftpd's require_ssl_reuse): a data connection whose TLS session does
    /// not resume the control connection's is refused after 150, with 522.
    RequiresResumption,
    /// The same policy, refused with 550, a code outside the data commands' rows of RFC 959 §5.4.
    RefusesFreshSessionWith550,
    /// PORT and EPRT to another host than the client's are accepted, and the mock connects there.
    BounceAccepted,
}

/// The link out of the mock's root and the file behind it.
pub const LINK: &str = "out";
pub const FILE: &str = "secret.txt";

/// Starts the mock on 127.0.0.1:0. `required`: USER before AUTH TLS is refused (530).
pub async fn start(flaw: Flaw, pki: &TestPki, required: bool) -> SocketAddr {
    let certs = vec![CertificateDer::from_pem_slice(pki.cert_pem.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(pki.key_pem.as_bytes()).unwrap();
    let versions: &[&rustls::SupportedProtocolVersion] = match flaw {
        Flaw::PlaintextAfterHandshake => &[&rustls::version::TLS12],
        _ => rustls::DEFAULT_VERSIONS,
    };
    let config = rustls::ServerConfig::builder_with_provider(ftp_tls::ring_provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let mut config = config;
    if flaw == Flaw::NoResumption {
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let mut state = State {
                    flaw,
                    required,
                    acceptor: Some(acceptor.clone()),
                    peer: Some(peer.ip()),
                    ..State::default()
                };
                let mut plain = BufReader::new(stream);
                let _ = plain.get_mut().write_all(b"220 modern mock.\r\n").await;
                if serve(&mut plain, &mut state).await != Next::StartTls {
                    return;
                }
                let Ok(tls) = acceptor.accept(plain.into_inner()).await else {
                    return;
                };
                state.tls = true;
                let mut first = [0u8; 1];
                let plaintext_next = flaw == Flaw::PlaintextAfterHandshake
                    && matches!(tls.get_ref().0.peek(&mut first).await, Ok(1) if first[0].is_ascii_alphabetic());
                if plaintext_next {
                    let (tcp, _) = tls.into_inner();
                    let _ = serve(&mut BufReader::new(tcp), &mut state).await;
                    return;
                }
                let mut tls = BufReader::new(tls);
                let _ = serve(&mut tls, &mut state).await;
            });
        }
    });
    addr
}

#[derive(Default)]
struct State {
    flaw: Flaw,
    required: bool,
    tls: bool,
    pbsz: bool,
    epsv_all: bool,
    /// PROT P is in force (after PBSZ, under TLS).
    private: bool,
    passive: Option<TcpListener>,
    /// The address PORT or EPRT named, for the next transfer.
    active: Option<SocketAddr>,
    /// The client's address (PORT and EPRT must name it).
    peer: Option<IpAddr>,
    acceptor: Option<TlsAcceptor>,
    /// What STOR stored, by path, for RETR.
    files: std::collections::HashMap<String, Vec<u8>>,
}

#[derive(PartialEq)]
enum Next {
    Closed,
    StartTls,
}

impl State {
    /// PORT/EPRT: the address for the next transfer, if it is the client's (or the flaw allows any).
    fn set_active(&mut self, addr: SocketAddr) -> String {
        if Some(addr.ip()) != self.peer && self.flaw != Flaw::BounceAccepted {
            return "504 Only your own address.\r\n".into();
        }
        self.passive = None;
        self.active = Some(addr);
        "200 Ok.\r\n".into()
    }

    /// What a download command sends: the stored file, or a listing (of the outside directory, for
    /// a command that went through the link).
    fn download(&self, verb: &str, arg: &str, through_link: bool) -> Vec<u8> {
        match (verb, through_link) {
            // A file never stored: any bytes do (the listing's, as before).
            ("RETR", _) => self
                .files
                .get(arg)
                .cloned()
                .unwrap_or(b"readable.txt\r\n".to_vec()),
            ("MLSD", true) => format!("type=file;size=17; {FILE}\r\n").into_bytes(),
            ("MLSD", false) => b"type=file;size=13; readable.txt\r\n".to_vec(),
            (_, true) => format!("{LINK}/{FILE}\r\n").into_bytes(),
            _ => b"readable.txt\r\n".to_vec(),
        }
    }
}

/// Serves lines until the connection closes, or until AUTH TLS asks for the handshake.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut BufReader<S>,
    state: &mut State,
) -> Next {
    let mut line = String::new();
    loop {
        line.clear();
        match io.read_line(&mut line).await {
            Ok(0) | Err(_) => return Next::Closed,
            Ok(_) => {}
        }
        let text = line.trim_end().to_string();
        let (verb, arg) = text.split_once(' ').unwrap_or((&text, ""));
        let verb = verb.to_ascii_uppercase();
        let flaw = state.flaw;
        let through_link = arg == LINK || arg.starts_with("out/");
        let reply: String = match verb.as_str() {
            "AUTH" if arg.eq_ignore_ascii_case("TLS") && !state.tls => {
                let _ = io.get_mut().write_all(b"234 Proceed with TLS.\r\n").await;
                if flaw == Flaw::AuthWithoutHandshake {
                    continue;
                }
                return Next::StartTls;
            }
            "AUTH" if flaw == Flaw::AcceptsAnyMechanism => "234 Whatever.\r\n".into(),
            "AUTH" => "504 Unknown mechanism.\r\n".into(),
            "USER" if state.required && !state.tls && flaw != Flaw::UserWithoutTls => {
                "530 TLS required.\r\n".into()
            }
            "USER" if flaw == Flaw::TellsUnknownUsers && arg != "alice" => {
                "530 No such user.\r\n".into()
            }
            "USER" => "331 Password please.\r\n".into(),
            "PBSZ" | "PROT" if !state.tls && flaw != Flaw::SecurityBeforeAuth => {
                "503 AUTH first.\r\n".into()
            }
            "PASS" => "230 Logged in.\r\n".into(),
            "PBSZ" => {
                state.pbsz = true;
                "200 PBSZ=0\r\n".into()
            }
            "PROT" if !state.pbsz && ![Flaw::ProtWithoutPbsz, Flaw::SecurityBeforeAuth].contains(&flaw) => "503 PBSZ first.\r\n".into(),
            "PROT" if arg == "C" || arg == "P" => {
                state.private = arg == "P";
                "200 Ok.\r\n".into()
            }
            "PROT" if flaw == Flaw::AcceptsProtS => "200 Ok.\r\n".into(),
            "PROT" => "536 Only C and P.\r\n".into(),
            "CCC" if flaw == Flaw::CccOdd => "250 Ok.\r\n".into(),
            "CCC" => "534 Not allowed.\r\n".into(),
            "FEAT" if flaw == Flaw::FeatWithoutTls => {
                "211-Features:\r\n EPSV\r\n EPRT\r\n MDTM\r\n MLST type*;size*;\r\n211 End\r\n".into()
            }
            "FEAT" if flaw == Flaw::FeatAuthSslOnly => {
                "211-Features:\r\n AUTH SSL\r\n PBSZ\r\n PROT\r\n EPSV\r\n211 End\r\n".into()
            }
            "FEAT" => "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n EPSV\r\n EPRT\r\n MDTM\r\n MLST type*;size*;\r\n211 End\r\n".into(),
            "EPSV" if arg.eq_ignore_ascii_case("ALL") => {
                state.epsv_all = true;
                "200 EPSV ALL ok.\r\n".into()
            }
            "EPSV" if arg == "9" && flaw == Flaw::Epsv9Served => "229 Entering Extended Passive Mode (|||1|)\r\n".into(),
            "EPSV" if arg == "9" => "522 Network protocol not supported, use (1)\r\n".into(),
            "PASV" | "PORT" | "EPRT" if state.epsv_all && flaw != Flaw::EpsvAllIgnored => {
                "503 EPSV ALL in force.\r\n".into()
            }
            "EPRT" if arg.starts_with("|9|") && flaw == Flaw::Bare522 => "522 Not supported.\r\n".into(),
            "EPRT" if arg.starts_with("|9|") => "522 Network protocol not supported, use (1)\r\n".into(),
            "EPRT" if flaw == Flaw::EprtSyntaxAccepted => "200 Ok.\r\n".into(),
            "EPRT" => match ftp_proto::hostport::decode_eprt(arg) {
                Ok(addr) => state.set_active(addr),
                Err(_) => "501 Bad EPRT.\r\n".into(),
            },
            "PORT" => match ftp_proto::hostport::decode_port(arg) {
                Ok(addr) => state.set_active(SocketAddr::V4(addr)),
                Err(_) => "501 Bad PORT.\r\n".into(),
            },
            "EPSV" if arg.is_empty() || arg == "1" => {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let port = listener.local_addr().unwrap().port();
                state.passive = Some(listener);
                format!("229 {}\r\n", ftp_proto::hostport::epsv_reply_text(port))
            }
            "PASV" => {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let SocketAddr::V4(addr) = listener.local_addr().unwrap() else {
                    unreachable!()
                };
                state.active = None;
                state.passive = Some(listener);
                format!("227 {}\r\n", ftp_proto::hostport::pasv_reply_text(addr))
            }
            "NLST" | "MLSD" | "APPE" if through_link && flaw != Flaw::FollowsLink => {
                state.passive = None;
                state.active = None;
                "550 Not allowed.\r\n".into()
            }
            "STOR" | "APPE" | "RETR" | "NLST" | "MLSD" | "LIST"
                if state.passive.is_none() && state.active.is_none() =>
            {
                "425 Use PASV or PORT first.\r\n".into()
            }
            "STOR" | "APPE" | "RETR" | "NLST" | "MLSD" | "LIST" => {
                let _ = io.get_mut().write_all(b"150 Here it comes.\r\n").await;
                let upload = verb == "STOR" || verb == "APPE";
                let send = (!upload).then(|| state.download(&verb, arg, through_link));
                match data::transfer(state, send.as_deref()).await {
                    Ok(bytes) if verb == "APPE" => {
                        state.files.entry(arg.to_string()).or_default().extend(bytes);
                        "226 Done.\r\n".into()
                    }
                    Ok(bytes) if upload => {
                        state.files.insert(arg.to_string(), bytes);
                        "226 Done.\r\n".into()
                    }
                    Ok(_) => "226 Done.\r\n".into(),
                    Err(refusal) => refusal.into(),
                }
            }
            "MDTM" if through_link && flaw == Flaw::FollowsLink => "213 20260101000000\r\n".into(),
            "MLST" if through_link && flaw == Flaw::FollowsLink => {
                format!("250-Listing\r\n type=file;size=17; {arg}\r\n250 End\r\n")
            }
            "MKD" if through_link && flaw == Flaw::FollowsLink => format!("257 \"/{arg}\" created.\r\n"),
            "STAT" if through_link && flaw == Flaw::FollowsLink => {
                format!("213-Status of {arg}:\r\n-rw-r--r-- 1 ftp ftp 17 Jan 1 00:00 {FILE}\r\n213 End\r\n")
            }
            "RNTO" if through_link && flaw == Flaw::FollowsLink => "250 Renamed.\r\n".into(),
            "MDTM" | "MLST" | "MKD" | "STAT" | "RNTO" | "RNFR" | "DELE" | "RMD" if through_link => {
                "550 Not allowed.\r\n".into()
            }
            "MKD" => format!("257 \"/{arg}\" created.\r\n"),
            "RNFR" => "350 Ready for RNTO.\r\n".into(),
            "RNTO" | "DELE" | "RMD" | "CWD" => "250 Ok.\r\n".into(),
            "TYPE" => "200 Type set.\r\n".into(),
            "NOOP" => "200 Ok.\r\n".into(),
            "QUIT" => {
                let _ = io.get_mut().write_all(b"221 Bye.\r\n").await;
                return Next::Closed;
            }
            _ => "502 Not implemented.\r\n".into(),
        };
        if io.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return Next::Closed;
        }
    }
}
