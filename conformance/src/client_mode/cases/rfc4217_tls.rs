//! RFC 4217 (FTP over TLS): data connections that must resume the control connection's TLS session,
//! and a close_notify that comes after the 226. Runs only with `--tls`, a command that uses explicit
//! FTPS with PROT P and trusts the CA given as `{ca}`.

use super::{ClientCase, Needs};
use crate::case::{Level, Outcome};
use crate::client_mode::judge::{downloaded_exactly, Observed};
use crate::client_mode::script::{Script, Tls};

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc4217/data/session-reuse",
            title: "the server refuses (522) a PROT P data connection that does not resume the control connection's TLS session",
            requirement: "RFC 4217 §10.2: \"It is reasonable for the server to insist that the data connection uses a TLS cached session. This might be a cache of a previous data connection or of a cleared control connection. ... Note: This has an important impact on client design, but allows servers to minimise the cycles used during TLS negotiation by refusing to perform a full negotiation with a previously authenticated client.\" vsftpd's require_ssl_reuse (on by default) answers \"522 SSL connection failed: session reuse required\": a client that does not resume cannot transfer from such servers.",
            level: Level::Should,
            script: Script {
                tls: Tls::RequireSessionReuse,
                ..Script::PLAIN
            },
            needs: Needs::Tls,
            judge: protected_download,
        },
        ClientCase {
            id: "client/rfc4217/data/late-close-notify",
            title: "the data's TLS close_notify comes a second after the 226: every byte still arrives, no hang",
            requirement: "RFC 959 §3.4: \"the EOF is indicated by the sending host closing the data connection\"; under TLS (RFC 4217) that close is the close_notify alert, which may come after the final reply on the other connection. The client must keep every byte, wait for or do without the late alert, and finish.",
            level: Level::Must,
            script: Script {
                tls: Tls::LateCloseNotify,
                ..Script::PLAIN
            },
            needs: Needs::Tls,
            judge: protected_download,
        },
    ]
}

/// The exact file, over a TLS data connection (a plaintext download does not test TLS).
fn protected_download(seen: &Observed) -> Outcome {
    if seen.evidence.unresumed_data_connections > 0 && seen.evidence.tls_data_connections == 0 {
        return Outcome::fail(
            &["a data connection that resumes the control connection's TLS session"],
            format!(
                "every TLS data connection made a full handshake (refused with 522); {}",
                seen.actual()
            ),
        );
    }
    if seen.evidence.tls_data_connections == 0 {
        return Outcome::fail(
            &["the file over a TLS data connection (AUTH TLS, PBSZ 0, PROT P)"],
            format!("no TLS data connection; {}", seen.actual()),
        );
    }
    downloaded_exactly(seen)
}
