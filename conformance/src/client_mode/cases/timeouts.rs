//! A server that goes silent mid-transfer: the client's own timeout must fire and be reported. Runs
//! only when the command passes the client a timeout as `{timeout}`; the case waits twice that.

use super::{ClientCase, Needs};
use crate::case::{Level, Outcome};
use crate::client_mode::judge::Observed;
use crate::client_mode::script::{Retr, Script};

pub fn cases() -> Vec<ClientCase> {
    vec![ClientCase {
        id: "client/rfc959/5.4/slow-server-timeout",
        title: "150, half the data, then silence: the client's timeout fires and it reports failure",
        requirement: "RFC 959 §5.4 gives RETR after 1yz only the final replies \"226, 250 / 425, 426, 451\"; when none comes and the data stops, only the client's own timeout ends the wait (the brief: \"a slow server: the client's timeout must fire and be reported\"). Judged within twice the timeout given as {timeout}.",
        level: Level::Should,
        script: Script {
            retr: Retr::StallAfterHalf,
            ..Script::PLAIN
        },
        needs: Needs::Timeout,
        judge: timed_out_by_itself,
    }]
}

fn timed_out_by_itself(seen: &Observed) -> Outcome {
    if seen.client.exit.reported_failure() && !seen.output_exact() {
        Outcome::Pass
    } else {
        Outcome::fail(
            &["a non-zero exit by the client itself within twice its timeout"],
            seen.actual(),
        )
    }
}
