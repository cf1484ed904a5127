//! RFC 959 §4.2 (FTP replies): multi-line replies with odd middle lines, a huge reply line, a reply no
//! command asked for, and 421 at login and in mid-session.

use super::{ClientCase, Needs};
use crate::case::Level;
use crate::client_mode::judge::{downloaded_exactly, reported_failure, survived};
use crate::client_mode::script::{Greeting, Login, Retr, Script};

/// The middle line of the huge-line case: 64 KiB.
const HUGE_LINE: usize = 64 * 1024;

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc959/4.2/multiline-odd-middle",
            title: "multi-line 220 and 230 with odd but legal middle lines (`123-x`, ` 230 x`, `12345`) are read whole",
            requirement: "RFC 959 §4.2: \"The user-process then simply needs to search for the second occurrence of the same reply code, followed by <SP> (Space), at the beginning of a line, and ignore all intermediary lines.\" Middle lines may hold any text that does not begin with the code and a space.",
            level: Level::Must,
            script: Script {
                greeting: Greeting::OddMiddleLines,
                login: Login::OddMiddleLines,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc959/4.2/multiline-unpadded-code",
            title: "a multi-line 220 with an unpadded middle line `123 xyz` is still read to its `220 ` line",
            requirement: "RFC 959 §4.2: \"The user-process then simply needs to search for the second occurrence of the same reply code, followed by <SP> (Space), at the beginning of a line, and ignore all intermediary lines.\" (The server broke §4.2's \"If an intermediary line begins with a 3-digit number, the Server must pad the front to avoid confusion\", hence SHOULD.)",
            level: Level::Should,
            script: Script {
                greeting: Greeting::UnpaddedCodeLine,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc959/4.2/huge-reply-line",
            title: "a 64 KiB line inside the greeting: no crash, no hang",
            requirement: "RFC 959 §4.2: a reply is \"the 3-digit code, followed by Space <SP>, followed by one line of text\", of no stated length. A client may refuse an over-long line (non-strict) but must not crash or hang.",
            level: Level::Must,
            script: Script {
                greeting: Greeting::HugeLine(HUGE_LINE),
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: survived,
        },
        ClientCase {
            id: "client/rfc959/4.2/unsolicited-reply",
            title: "an extra `200` right after the greeting: the client stays in step or fails cleanly",
            requirement: "RFC 959 §4.2: \"an FTP server will send one reply per command\"; a reply no command asked for may desynchronize a client, which must then fail cleanly, never report a wrong file as a success, crash or hang.",
            level: Level::Must,
            script: Script {
                greeting: Greeting::Unsolicited,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: survived,
        },
        ClientCase {
            id: "client/rfc959/4.2/421-at-login",
            title: "421 as the greeting: the client reports failure",
            requirement: "RFC 959 §4.2.1: \"421 Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down.\" §5.4, Connection Establishment: \"120 -> 220; 220; 421\".",
            level: Level::Must,
            script: Script {
                greeting: Greeting::ServiceUnavailable,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure,
        },
        ClientCase {
            id: "client/rfc959/4.2/421-mid-session",
            title: "421 in reply to RETR, then the connection closes: the client reports failure",
            requirement: "RFC 959 §4.2.1: \"421 Service not available, closing control connection. This may be a reply to any command if the service knows it must shut down.\"",
            level: Level::Must,
            script: Script {
                retr: Retr::ServiceClosing,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure,
        },
    ]
}
