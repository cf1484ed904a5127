//! Data connections: passive (EPSV, falling back to PASV once EPSV is refused) and active (EPRT, falling
//! back to PORT, with a listener on the control connection's local address).
//!
//! A 227 reply's address is never trusted: the data connection always goes to the control connection's
//! peer, with the port from the reply. Servers behind NAT (or misconfigured) announce private or wrong
//! addresses; curl (`--ftp-skip-pasv-ip`, its default) and Python's ftplib (`trust_server_pasv_ipv4_address
//! = False`) do the same, and it stops a server from steering the client at a third host.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ftp_proto::{hostport, Command, EpsvArg, Reply};
use tokio::net::{TcpListener, TcpStream};

use crate::control::Control;
use crate::error::{Error, Result};

/// Who opens the data connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMode {
    /// The client connects to the server (EPSV/PASV). The default: it passes NAT and firewalls.
    Passive,
    /// The server connects to the client (EPRT/PORT).
    Active,
}

/// What the server refused before, so that each fallback is paid for only once per connection.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fallbacks {
    pub epsv_refused: bool,
    pub eprt_refused: bool,
}

/// A data connection being set up: connected already (passive) or waiting for the server (active).
pub enum Pending {
    Connected(TcpStream),
    Listening(TcpListener),
}

impl Pending {
    /// The data connection, once the server has answered the transfer command with 1yz.
    pub async fn establish(self, timeout: Duration) -> Result<TcpStream> {
        match self {
            Pending::Connected(stream) => Ok(stream),
            Pending::Listening(listener) => {
                match tokio::time::timeout(timeout, listener.accept()).await {
                    Ok(Ok((stream, _))) => Ok(stream),
                    Ok(Err(error)) => Err(Error::Transfer {
                        what: "data connection".into(),
                        reason: format!("accepting the server's connection failed: {error}"),
                    }),
                    Err(_) => Err(Error::Timeout(
                        "waiting for the server's data connection".into(),
                    )),
                }
            }
        }
    }
}

/// Sets up a data connection in `mode`, sending EPSV/PASV or EPRT/PORT.
pub async fn prepare(
    control: &mut Control,
    mode: DataMode,
    fallbacks: &mut Fallbacks,
) -> Result<Pending> {
    match mode {
        DataMode::Passive => passive(control, fallbacks).await.map(Pending::Connected),
        DataMode::Active => active(control, fallbacks).await.map(Pending::Listening),
    }
}

/// True when a refusal means "I don't know this command" rather than "not now".
fn not_understood(code: u16) -> bool {
    matches!(code, 500 | 501 | 502 | 504 | 522)
}

/// How many times a passive command is asked again after a transient refusal, and the pause first.
const PASSIVE_RETRIES: u32 = 2;
const PASSIVE_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Sends EPSV or PASV, and asks again (twice at most) while the server refuses for now: a 4yz reply
/// other than 421 means "the error condition is temporary and the action may be requested again"
/// (RFC 959 §4.2). Seen with proftpd: it binds a port of its passive range, then listens on it, so
/// two of its sessions that draw the same port at once leave one with `425 EPSV: Address already in
/// use`; a segmented get opens four sessions at once.
async fn passive_command(control: &mut Control, command: &Command) -> Result<Reply> {
    let mut reply = control.command(command).await?;
    for _ in 0..PASSIVE_RETRIES {
        if !(reply.is_transient() && reply.code != 421) {
            break;
        }
        control.note(&format!(
            "-- {} refused for now ({} {}), asking again",
            command.verb(),
            reply.code,
            reply.text()
        ));
        tokio::time::sleep(PASSIVE_RETRY_PAUSE).await;
        reply = control.command(command).await?;
    }
    Ok(reply)
}

async fn passive(control: &mut Control, fallbacks: &mut Fallbacks) -> Result<TcpStream> {
    let peer = control.peer();
    let port = if !fallbacks.epsv_refused {
        let reply = passive_command(control, &Command::Epsv(EpsvArg::Open)).await?;
        if reply.code == 229 {
            Some(hostport::decode_epsv_reply(&reply.text()).map_err(|error| {
                Error::Protocol(format!(
                    "cannot read the 229 reply {:?}: {error}",
                    reply.text()
                ))
            })?)
        } else if not_understood(reply.code) {
            fallbacks.epsv_refused = true;
            control.note(&format!("-- EPSV refused ({}), using PASV", reply.code));
            None
        } else {
            return Err(Error::Refused {
                command: "EPSV".into(),
                reply,
            });
        }
    } else {
        None
    };
    let port = match port {
        Some(port) => port,
        None => pasv_port(control, peer.ip()).await?,
    };
    let target = SocketAddr::new(peer.ip(), port);
    let timeout = control.timeout();
    match tokio::time::timeout(timeout, TcpStream::connect(target)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(error)) => Err(Error::Transfer {
            what: "data connection".into(),
            reason: format!("cannot connect to {target}: {error}"),
        }),
        Err(_) => Err(Error::Timeout(format!(
            "connecting the data connection to {target}"
        ))),
    }
}

/// Sends PASV and returns the port of its 227; the address in it is only compared, never used.
async fn pasv_port(control: &mut Control, peer: IpAddr) -> Result<u16> {
    if peer.is_ipv6() && peer.to_canonical().is_ipv6() {
        return Err(Error::Protocol(
            "the server refused EPSV and PASV cannot work over IPv6".into(),
        ));
    }
    let reply = passive_command(control, &Command::Pasv).await?;
    if reply.code != 227 {
        return Err(Error::Refused {
            command: "PASV".into(),
            reply,
        });
    }
    let announced = hostport::decode_pasv_reply(&reply.text()).map_err(|error| {
        Error::Protocol(format!(
            "cannot read the 227 reply {:?}: {error}",
            reply.text()
        ))
    })?;
    if IpAddr::V4(*announced.ip()) != peer.to_canonical() {
        control.note(&format!(
            "-- 227 names {}, using the control connection's peer {peer} instead",
            announced.ip()
        ));
    }
    Ok(announced.port())
}

async fn active(control: &mut Control, fallbacks: &mut Fallbacks) -> Result<TcpListener> {
    let local = control.local();
    let listener = TcpListener::bind(SocketAddr::new(local.ip(), 0))
        .await
        .map_err(|error| Error::Transfer {
            what: "data connection".into(),
            reason: format!("cannot listen on {}: {error}", local.ip()),
        })?;
    let address = listener.local_addr().map_err(|error| Error::Transfer {
        what: "data connection".into(),
        reason: error.to_string(),
    })?;
    let v4 = match address {
        SocketAddr::V4(v4) => Some(v4),
        SocketAddr::V6(_) => None,
    };
    if !fallbacks.eprt_refused || v4.is_none() {
        let reply = control.command(&Command::Eprt(address)).await?;
        if reply.is_completion() {
            return Ok(listener);
        }
        if !(not_understood(reply.code) && v4.is_some()) {
            return Err(Error::Refused {
                command: "EPRT".into(),
                reply,
            });
        }
        fallbacks.eprt_refused = true;
        control.note(&format!("-- EPRT refused ({}), using PORT", reply.code));
    }
    if let Some(v4) = v4 {
        let reply = control.command(&Command::Port(v4)).await?;
        if !reply.is_completion() {
            return Err(Error::Refused {
                command: "PORT".into(),
                reply,
            });
        }
    }
    Ok(listener)
}
