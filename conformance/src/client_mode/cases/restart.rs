//! RFC 959 §4.1.3 (REST): a resumed download whose REST is refused must not append the whole file to
//! the partial one. Runs only with `--resume`, the command that continues `{out}`.

use super::{ClientCase, Needs};
use crate::case::{Level, Outcome};
use crate::client_mode::judge::Observed;
use crate::client_mode::script::{Rest, Script};

pub fn cases() -> Vec<ClientCase> {
    vec![ClientCase {
        id: "client/rfc959/4.1.3/rest-refused",
        title: "resume with REST answered 502: a full download or a reported failure, never partial + whole",
        requirement: "RFC 959 §4.1.3, REST: \"the argument field represents the server marker at which file transfer is to be restarted\"; the restart holds only once accepted (§5.4: REST \"350\"), and §4.2 5yz: \"the requested action did not take place\": after 502 the RETR starts at byte 0.",
        level: Level::Must,
        script: Script {
            rest: Rest::Refuse,
            ..Script::PLAIN
        },
        needs: Needs::Resume,
        judge: not_appended,
    }]
}

fn not_appended(seen: &Observed) -> Outcome {
    let expected = [
        "exit status 0 and the exact file (downloaded again from byte 0)",
        "a non-zero exit status, the partial file left as it was (or made exact)",
    ];
    let untouched = seen.output.is_some() && seen.output == seen.partial;
    match &seen.client.exit {
        exit if exit.succeeded() && seen.output_exact() => Outcome::Pass,
        exit if exit.reported_failure() && (untouched || seen.output_exact()) => Outcome::Pass,
        _ => Outcome::fail(&expected, seen.actual()),
    }
}
