//! RFC 959 §3.3 and §3.4 (data connections, stream mode): the plain download every other case builds
//! on, a transfer cut short, and a 226 that overtakes the data.

use super::{ClientCase, Needs};
use crate::case::Level;
use crate::client_mode::judge::{downloaded_exactly, reported_failure};
use crate::client_mode::script::{Retr, Script};

pub fn cases() -> Vec<ClientCase> {
    vec![
        ClientCase {
            id: "client/rfc959/3.3/plain-download",
            title: "a plain RETR from a well-behaved server arrives exactly",
            requirement: "RFC 959 §3.4: \"If the structure is a file structure, the EOF is indicated by the sending host closing the data connection and all bytes are data bytes.\" (The baseline: a client failing here is judged on nothing else.)",
            level: Level::Must,
            script: Script::PLAIN,
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc959/3.3/226-before-data-drained",
            title: "226 arrives before the data is read: the client still gets every byte",
            requirement: "RFC 959 §3.4: \"the EOF is indicated by the sending host closing the data connection\"; the control and data connections are separate, so the final reply may come first: the file ends where the data connection closes, not where 226 arrives.",
            level: Level::Must,
            script: Script {
                retr: Retr::FinalReplyBeforeData,
                size: 4 * 1024 * 1024,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: downloaded_exactly,
        },
        ClientCase {
            id: "client/rfc959/3.3/truncated-no-final-reply",
            title: "half the data, then both connections close with no final reply: the client reports failure",
            requirement: "RFC 959 §4.2: \"226 Closing data connection. Requested file action successful\"; without a 2yz completion reply the action did not complete, so a transfer whose data connection closed early must not be reported as a success.",
            level: Level::Must,
            script: Script {
                retr: Retr::PartialThenHangUp,
                ..Script::PLAIN
            },
            needs: Needs::Download,
            judge: reported_failure,
        },
    ]
}
