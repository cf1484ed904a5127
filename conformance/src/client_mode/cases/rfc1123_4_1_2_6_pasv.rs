//! RFC 1123 §4.1.2.6 (the 227 reply's format): EPSV is refused so the client must use PASV, whose
//! reply comes without the parentheses RFC 959 shows.

use super::{ClientCase, Needs};
use crate::case::Level;
use crate::client_mode::judge::downloaded_exactly;
use crate::client_mode::script::{Epsv, Pasv, Script};

const REQUIREMENT: &str = "RFC 1123 §4.1.2.6: \"The format of the 227 reply to a PASV command is not well standardized. In particular, an FTP client cannot assume that the parentheses shown on page 40 of RFC-959 will be present (and in fact, Figure 3 on page 43 omits them). Therefore, a User-FTP program that interprets the PASV reply must scan the reply for the first digit of the host and port numbers.\"";

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc1123/4.1.2.6/pasv-no-parentheses",
            title: "`227 Entering Passive Mode 127,0,0,1,p1,p2.` (EPSV refused)",
            requirement: REQUIREMENT,
            level: Level::Must,
            script: Script {
                epsv: Epsv::Refuse,
                pasv: Pasv::NoParentheses,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc1123/4.1.2.6/pasv-equals-sign",
            title: "`227 =127,0,0,1,p1,p2` (EPSV refused)",
            requirement: REQUIREMENT,
            level: Level::Must,
            script: Script {
                epsv: Epsv::Refuse,
                pasv: Pasv::EqualsSign,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
    ]
}
