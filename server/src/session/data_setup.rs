//! Setting up the next data connection: PORT/EPRT (active), PASV/EPSV (passive), and REST.
//!
//! Each replaces the previous plan, so a second PASV closes the first listener before the new one opens.
//! PORT/EPRT only accept the control connection's own peer address and an unprivileged port (RFC 2577
//! §3: no FTP bounce), so the server never connects anywhere the client could not connect itself.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};

use ftp_proto::{hostport, EpsvArg, Reply, ReplyCode};

use super::{Answer, Session};
use crate::data::channel::{self, DataPlan};

impl Session {
    pub(super) fn port(&mut self, target: SocketAddr, verb: &str) -> Answer {
        if self.epsv_all {
            return Err(Reply::new(
                ReplyCode::BadSequence,
                format!("{verb} not allowed after EPSV ALL."),
            ));
        }
        let control = self.control.addrs();
        if target.ip().to_canonical() != control.peer_ip() {
            tracing::warn!(peer = %control.peer, %target, "refused a {verb} to a foreign address (bounce)");
            return Err(Reply::new(
                ReplyCode::SyntaxError,
                format!("Illegal {verb} command: address is not yours."),
            ));
        }
        if target.port() < 1024 {
            return Err(Reply::new(
                ReplyCode::SyntaxError,
                format!("Illegal {verb} command: privileged port."),
            ));
        }
        self.plan = Some(DataPlan::Active(target));
        Ok(Reply::new(
            ReplyCode::CommandOk,
            format!("{verb} command successful."),
        ))
    }

    pub(super) async fn pasv(&mut self) -> Answer {
        if self.epsv_all {
            return Err(Reply::new(
                ReplyCode::BadSequence,
                "PASV not allowed after EPSV ALL.",
            ));
        }
        // Over IPv6 the listener would be on an IPv6 address, which a 227 cannot carry (RFC 2428 §1):
        // EPSV is the way, whatever `--pasv-address` says.
        let local = match self.control.addrs().local_ip() {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => {
                return Err(Reply::new(
                    ReplyCode::CantOpenDataConnection,
                    "PASV needs IPv4; use EPSV.",
                ))
            }
        };
        let announced = match self.shared.config.pasv_address {
            Some(IpAddr::V4(public)) => public,
            _ => local,
        };
        let port = self.open_listener().await?;
        let text = hostport::pasv_reply_text(SocketAddrV4::new(announced, port));
        Ok(Reply::new(ReplyCode::EnteringPassiveMode, text))
    }

    pub(super) async fn epsv(&mut self, argument: EpsvArg) -> Answer {
        if argument == EpsvArg::All {
            self.epsv_all = true;
            return Ok(Reply::new(ReplyCode::CommandOk, "EPSV ALL ok."));
        }
        let port = self.open_listener().await?;
        Ok(Reply::new(
            ReplyCode::EnteringExtendedPassiveMode,
            hostport::epsv_reply_text(port),
        ))
    }

    /// Closes any earlier plan, then opens a listener and makes it the plan; its port, or the 425.
    async fn open_listener(&mut self) -> Result<u16, Reply> {
        self.plan = None;
        let seed = self.next_sequence() as u32;
        let listener = channel::listen(&self.control.addrs(), self.shared.config.pasv_ports, seed);
        match listener.and_then(|listener| Ok((listener.local_addr()?.port(), listener))) {
            Ok((port, listener)) => {
                self.plan = Some(DataPlan::Passive(listener));
                Ok(port)
            }
            Err(error) => {
                tracing::warn!(%error, "no passive listener");
                Err(Reply::new(
                    ReplyCode::CantOpenDataConnection,
                    "Can't open passive connection.",
                ))
            }
        }
    }

    /// REST (RFC 3659 §5): the offset the next transfer command starts at. RETR starts there, STOR refuses
    /// it, LIST and NLST drop it; commands that move no data (PASV, PORT, TYPE) leave it for the next.
    pub(super) fn rest(&mut self, offset: u64) -> Reply {
        self.restart_offset = offset;
        Reply::new(
            ReplyCode::FileActionPending,
            format!("Restart position accepted ({offset})."),
        )
    }
}
