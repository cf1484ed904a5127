//! RFC 2428 (EPSV) and the PASV address: a client that cannot use EPSV falls back to PASV, and a 227
//! naming another host is not followed there.

use super::{ClientCase, Needs};
use crate::case::{Level, Outcome};
use crate::client_mode::judge::{downloaded_exactly, Observed};
use crate::client_mode::script::{Epsv, Pasv, Script};

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc2428/3/epsv-refused-pasv-fallback",
            title: "EPSV answered 502: the client falls back to PASV",
            requirement: "RFC 959 §4.2.1: \"502 Command not implemented.\" RFC 2428 §3 adds EPSV to RFC 959's PASV rather than replacing it, and §5.4 of RFC 959 gives PASV \"227 500, 501, 502, 421, 530\": a client that prefers EPSV should use PASV when a server does not implement EPSV.",
            level: Level::Should,
            script: Script {
                epsv: Epsv::Refuse,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc2428/3/pasv-foreign-address",
            title: "a 227 naming another address (127.0.0.2, a trap): the client connects to the control peer, or uses EPSV",
            requirement: "RFC 2428 §3: the reply to EPSV \"includes only the TCP port number of the listening connection\", the data connection going to the control connection's address. A 227 naming another host (a private address behind NAT, or a hostile server steering the client, CVE-2020-8284) should be taken for its port only; here the foreign address is 127.0.0.2, where a trap listens, so all traffic stays on loopback.",
            level: Level::Should,
            script: Script {
                pasv: Pasv::ForeignAddress,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: control_peer_used,
        },
        ClientCase {
            id: "client/rfc2428/3/pasv-foreign-address-epsv-refused",
            title: "EPSV refused and a 227 naming another address (127.0.0.2, a trap): the client connects to the control peer",
            requirement: "As client/rfc2428/3/pasv-foreign-address, with EPSV answered 502 so that the client must use the 227: its address should be taken for the port only, the data connection going to the control connection's peer.",
            level: Level::Should,
            script: Script {
                epsv: Epsv::Refuse,
                pasv: Pasv::ForeignAddress,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: control_peer_used,
        },
    ]
}

fn control_peer_used(seen: &Observed) -> Outcome {
    if seen.evidence.foreign_address_used {
        return Outcome::fail(
            &["a data connection to 127.0.0.1 (the control peer) or by EPSV, none to the 227's address"],
            format!("the client connected to 127.0.0.2, the address the 227 named; {}", seen.actual()),
        );
    }
    downloaded_exactly(seen)
}
