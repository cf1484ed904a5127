//! FTPS commands (RFC 4217): AUTH TLS (and its old name AUTH SSL), PBSZ, PROT and CCC, the session's
//! protection state, and the `--require-tls` rules for USER.
//!
//! AUTH may come before or after login; it upgrades the control connection in place after its 234.
//! PBSZ must follow AUTH, and PROT must follow PBSZ (503 otherwise). PROT P makes every later data
//! connection TLS, under the session's own TLS configuration (see `crate::tls`), so that a data
//! connection can be required to resume the control connection's TLS session. CCC is refused: the
//! control connection never falls back to plaintext.

use std::io;

use ftp_proto::{AuthMechanism, ProtectionLevel, Reply, ReplyCode};

use super::{Answer, Flow, Session};
use crate::data::transfer::DataTls;
use crate::tls::SessionTls;

/// Where a session stands on TLS.
#[derive(Default)]
pub(super) struct Security {
    /// This session's TLS configuration, once its control connection is under TLS.
    config: Option<SessionTls>,
    /// PBSZ was accepted (it must come before PROT).
    buffer_size_set: bool,
    /// PROT P is in force: data connections are TLS.
    private_data: bool,
}

impl Security {
    /// The state of a session on the implicit-TLS port: TLS from the start, and data protected unless
    /// the client asks for PROT C (what clients of implicit FTPS expect).
    pub(super) fn implicit(config: SessionTls) -> Security {
        Security {
            config: Some(config),
            buffer_size_set: true,
            private_data: true,
        }
    }
}

impl Session {
    /// AUTH TLS / AUTH SSL: 234, then the handshake on the control connection. A handshake that fails
    /// leaves nothing to talk over, so the session ends.
    pub(super) async fn auth(&mut self, mechanism: &AuthMechanism) -> io::Result<Flow> {
        let refusal = match (mechanism, &self.shared.tls) {
            (_, None) => Some(Reply::new(
                ReplyCode::CommandNotImplemented,
                "AUTH not available: this server has no TLS certificate.",
            )),
            (AuthMechanism::Other(_), Some(_)) => Some(Reply::new(
                ReplyCode::ParameterNotImplemented,
                "Only AUTH TLS (or SSL) is supported.",
            )),
            _ if self.security.config.is_some() => {
                Some(Reply::new(ReplyCode::BadSequence, "Already using TLS."))
            }
            _ if self.control.has_pipelined_bytes() => Some(Reply::new(
                ReplyCode::BadSequence,
                "Send nothing after AUTH until its reply.",
            )),
            _ => None,
        };
        if let Some(refusal) = refusal {
            return self.send(refusal).await;
        }
        let config = match self.shared.tls.as_ref().map(|tls| tls.session_config()) {
            Some(Ok(config)) => config,
            Some(Err(error)) => {
                tracing::warn!(%error, "no TLS configuration for this session");
                return self
                    .send(Reply::new(ReplyCode::LocalError, "TLS not available now."))
                    .await;
            }
            None => return Ok(Flow::Continue),
        };
        self.send(Reply::new(
            ReplyCode::SecurityExchangeComplete,
            "AUTH TLS successful.",
        ))
        .await?;
        let peer = self.control.addrs().peer;
        match self.control.start_tls(config.control.clone()).await {
            Ok(()) => {
                tracing::info!(%peer, "control connection under TLS");
                self.security.config = Some(config);
                Ok(Flow::Continue)
            }
            Err(error) => {
                tracing::warn!(%peer, %error, "TLS handshake on the control connection failed");
                Ok(Flow::Close)
            }
        }
    }

    /// PBSZ: TLS is a stream, so the only buffer size is 0 (RFC 4217 §9); any number is answered so.
    pub(super) fn pbsz(&mut self) -> Answer {
        if self.security.config.is_none() {
            return Err(Reply::new(ReplyCode::BadSequence, "PBSZ needs AUTH first."));
        }
        self.security.buffer_size_set = true;
        Ok(Reply::new(ReplyCode::CommandOk, "PBSZ=0"))
    }

    /// PROT C or P; S and E do not exist for TLS (536).
    pub(super) fn prot(&mut self, level: ProtectionLevel) -> Answer {
        if !self.security.buffer_size_set {
            return Err(Reply::new(ReplyCode::BadSequence, "PROT needs PBSZ first."));
        }
        match level {
            ProtectionLevel::Clear => {
                self.security.private_data = false;
                Ok(Reply::new(ReplyCode::CommandOk, "PROT now Clear."))
            }
            ProtectionLevel::Private => {
                self.security.private_data = true;
                Ok(Reply::new(ReplyCode::CommandOk, "PROT now Private."))
            }
            ProtectionLevel::Safe | ProtectionLevel::Confidential => Err(Reply::new(
                ReplyCode::ProtLevelNotSupported,
                format!("PROT {} not supported with TLS.", level.letter()),
            )),
        }
    }

    /// CCC: the control connection stays encrypted (a plaintext control channel would expose every
    /// later command to tampering).
    pub(super) fn ccc(&mut self) -> Answer {
        Err(Reply::new(
            ReplyCode::DeniedForPolicy,
            "CCC refused: the control connection stays encrypted.",
        ))
    }

    /// `--require-tls` (named users) and `--require-tls-anonymous`: the 530 for a USER sent in plaintext.
    pub(super) fn plaintext_login_refusal(&self, anonymous: bool) -> Option<Reply> {
        let tls = self.shared.tls.as_ref()?;
        if self.control.is_tls() {
            return None;
        }
        let required = if anonymous {
            tls.require_tls_anonymous
        } else {
            tls.require_tls
        };
        required.then(|| {
            Reply::new(
                ReplyCode::NotLoggedIn,
                "TLS required: send AUTH TLS before USER.",
            )
        })
    }

    /// What the next data connection needs: TLS under PROT P, `None` under PROT C.
    pub(super) fn data_tls(&self) -> Option<DataTls> {
        let session = self.security.config.clone()?;
        self.security.private_data.then(|| DataTls {
            session,
            require_resumption: self
                .shared
                .tls
                .as_ref()
                .is_none_or(|tls| tls.require_session_reuse),
        })
    }
}
