//! Setting up the next data connection: PORT/EPRT (active), PASV/EPSV (passive), and REST.
//!
//! Each replaces the previous plan, so a second PASV closes the first listener before the new one opens.
//! PORT/EPRT only accept the control connection's own peer address and an unprivileged port (RFC 2577
//! §3: no FTP bounce), so the server never connects anywhere the client could not connect itself.

use std::io;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};

use ftp_proto::{hostport, EpsvArg, Reply, ReplyCode};

use super::{Flow, Session};
use crate::data::channel::{self, DataPlan};

impl Session {
    pub(super) async fn port(&mut self, target: SocketAddr, verb: &str) -> io::Result<Flow> {
        if self.epsv_all {
            return self
                .send(Reply::new(
                    ReplyCode::BadSequence,
                    format!("{verb} not allowed after EPSV ALL."),
                ))
                .await;
        }
        if target.ip().to_canonical() != self.control.addrs().peer_ip() {
            tracing::warn!(peer = %self.control.addrs().peer, %target, "refused a {verb} to a foreign address (bounce)");
            return self
                .send(Reply::new(
                    ReplyCode::SyntaxError,
                    format!("Illegal {verb} command: address is not yours."),
                ))
                .await;
        }
        if target.port() < 1024 {
            return self
                .send(Reply::new(
                    ReplyCode::SyntaxError,
                    format!("Illegal {verb} command: privileged port."),
                ))
                .await;
        }
        self.plan = Some(DataPlan::Active(target));
        self.send(Reply::new(
            ReplyCode::CommandOk,
            format!("{verb} command successful."),
        ))
        .await
    }

    pub(super) async fn pasv(&mut self) -> io::Result<Flow> {
        if self.epsv_all {
            return self
                .send(Reply::new(
                    ReplyCode::BadSequence,
                    "PASV not allowed after EPSV ALL.",
                ))
                .await;
        }
        let announced = match self
            .shared
            .config
            .pasv_address
            .unwrap_or(self.control.addrs().local_ip())
        {
            IpAddr::V4(ip) => ip,
            IpAddr::V6(_) => {
                return self
                    .send(Reply::new(
                        ReplyCode::CantOpenDataConnection,
                        "PASV needs IPv4; use EPSV.",
                    ))
                    .await
            }
        };
        let Some(port) = self.open_listener().await? else {
            return Ok(Flow::Continue);
        };
        let text = hostport::pasv_reply_text(SocketAddrV4::new(announced, port));
        self.send(Reply::new(ReplyCode::EnteringPassiveMode, text))
            .await
    }

    pub(super) async fn epsv(&mut self, argument: EpsvArg) -> io::Result<Flow> {
        if argument == EpsvArg::All {
            self.epsv_all = true;
            return self
                .send(Reply::new(ReplyCode::CommandOk, "EPSV ALL ok."))
                .await;
        }
        let Some(port) = self.open_listener().await? else {
            return Ok(Flow::Continue);
        };
        self.send(Reply::new(
            ReplyCode::EnteringExtendedPassiveMode,
            hostport::epsv_reply_text(port),
        ))
        .await
    }

    /// Closes any earlier plan, then opens a listener; `None` once a 425 has been sent.
    async fn open_listener(&mut self) -> io::Result<Option<u16>> {
        self.plan = None;
        let seed = self.next_sequence() as u32;
        let listener =
            channel::listen(&self.control.addrs(), self.shared.config.pasv_ports, seed).await;
        match listener.and_then(|listener| Ok((listener.local_addr()?.port(), listener))) {
            Ok((port, listener)) => {
                self.plan = Some(DataPlan::Passive(listener));
                Ok(Some(port))
            }
            Err(error) => {
                tracing::warn!(%error, "no passive listener");
                self.send(Reply::new(
                    ReplyCode::CantOpenDataConnection,
                    "Can't open passive connection.",
                ))
                .await?;
                Ok(None)
            }
        }
    }

    pub(super) async fn rest(&mut self, offset: u64) -> io::Result<Flow> {
        self.restart_offset = offset;
        self.send(Reply::new(
            ReplyCode::FileActionPending,
            format!("Restart position accepted ({offset})."),
        ))
        .await
    }
}
