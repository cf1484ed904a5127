//! The reply parser, as the client and the conformance suite meet it: any bytes from a server, cut
//! into lines as they read them. Holds: no panic; a reply never has more lines than came in; a
//! complete reply re-encodes and parses back to itself.

use ftp_proto::{Reply, ReplyParser};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn check(bytes: &[u8]) {
    let mut parser = ReplyParser::new();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    for line in &lines {
        let Ok(Some(reply)) = parser.feed(line) else {
            continue;
        };
        assert!(
            reply.lines.len() <= lines.len(),
            "{reply:?} from {} lines",
            lines.len()
        );
        round_trip(&reply);
    }
}

fn round_trip(reply: &Reply) {
    let wire = reply.to_bytes();
    let mut parser = ReplyParser::new();
    let mut parsed = None;
    for line in wire.split_inclusive(|b| *b == b'\n') {
        if let Ok(Some(reply)) = parser.feed(line) {
            parsed = Some(reply);
            break;
        }
    }
    // Text lines that themselves look like a closing line cannot survive encoding unchanged; what
    // must hold is that the code survives and nothing panics.
    let parsed = parsed.unwrap_or_else(|| panic!("{reply:?} encoded as {wire:?} does not parse"));
    assert_eq!(
        parsed.code, reply.code,
        "{reply:?} -> {wire:?} -> {parsed:?}"
    );
}

fn line() -> impl Strategy<Value = Vec<u8>> {
    let code = prop_oneof![100u16..600, 0u16..1000];
    let separator = prop::sample::select(vec![" ", "-", "", "x"]);
    let text = prop_oneof![
        "[ -~]{0,30}".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..30)
    ];
    let ending = prop::sample::select(vec!["\r\n", "\n", "", "\r"]);
    (code, separator, text, ending).prop_map(|(code, separator, text, ending)| {
        let mut line = format!("{code:03}{separator}").into_bytes();
        line.extend_from_slice(&text);
        line.extend_from_slice(ending.as_bytes());
        line
    })
}

/// Sequences of reply-like lines: single-line replies, multi-line openings, middles and closings.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    vec(line(), 1..8).prop_map(|lines| lines.concat()).boxed()
}
