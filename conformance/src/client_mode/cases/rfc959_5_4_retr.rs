//! RFC 959 §5.4 (the command-reply sequences of RETR): 550 at once, and 1yz followed by 4yz.

use super::{ClientCase, Needs};
use crate::case::Level;
use crate::client_mode::judge::{reported_failure, reported_failure_without_file};
use crate::client_mode::script::{Retr, Script};

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc959/5.4/retr-550",
            title: "550 to RETR: an error exit and no file (or an empty one)",
            requirement: "RFC 959 §4.2.1: \"550 Requested action not taken. File unavailable (e.g., file not found, no access).\" §4.2: 5yz is a \"Permanent Negative Completion reply: The command was not accepted and the requested action did not take place.\"",
            level: Level::Must,
            script: Script {
                retr: Retr::FileUnavailable,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure_without_file,
        },
        ClientCase {
            id: "client/rfc959/5.4/retr-150-then-451",
            title: "150, an empty data connection, then 451: the client reports failure",
            requirement: "RFC 959 §5.4, RETR: \"125, 150 (110) 226, 250 425, 426, 451\"; §4.2.1: \"451 Requested action aborted: local error in processing.\" After the 1yz, a 4yz final reply means the file did not arrive.",
            level: Level::Must,
            script: Script {
                retr: Retr::PreliminaryThenLocalError,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure,
        },
        ClientCase {
            id: "client/rfc959/5.4/retr-partial-then-426",
            title: "150, half the data, the data connection closes, 426: the client reports failure",
            requirement: "RFC 959 §4.2.1: \"426 Connection closed; transfer aborted.\" The data connection's close marks EOF in stream mode, but the 426 says the file is incomplete.",
            level: Level::Must,
            script: Script {
                retr: Retr::PartialThenAborted,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure,
        },
    ]
}
