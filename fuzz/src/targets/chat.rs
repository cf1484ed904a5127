//! Chat datagrams, both directions: the relay parses what clients send, clients parse what the relay
//! sends. Holds: no panic; a parsed message re-encodes within one datagram and parses back to itself.

use proptest::prelude::*;
use udp_tools::chat::protocol::{ClientMsg, ServerMsg, MAX_DATAGRAM};

pub fn check(datagram: &[u8]) {
    round_trip(datagram, ClientMsg::parse, ClientMsg::encode);
    round_trip(datagram, ServerMsg::parse, ServerMsg::encode);
}

/// One direction's message type: if `datagram` parses, it re-encodes within a datagram and back.
fn round_trip<M: PartialEq + std::fmt::Debug, E: PartialEq + std::fmt::Debug>(
    datagram: &[u8],
    parse: fn(&[u8]) -> Result<M, E>,
    encode: fn(&M) -> Vec<u8>,
) {
    let Ok(message) = parse(datagram) else {
        return;
    };
    let encoded = encode(&message);
    assert!(
        encoded.len() <= MAX_DATAGRAM,
        "{message:?}: {} bytes",
        encoded.len()
    );
    assert_eq!(parse(&encoded).as_ref(), Ok(&message), "{datagram:?}");
}

/// `VERB ID ARGS` with every verb of both directions, odd ids and text of any length.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    let verb = prop::sample::select(vec![
        "JOIN", "SAY", "WHO", "PING", "LEAVE", "ACK", "OK", "NO", "FROM", "JOINED", "LEFT", "join",
    ]);
    let id = prop_oneof![any::<u64>().prop_map(|n| n.to_string()), "[-+0-9a-z]{0,25}",];
    let args = prop_oneof![
        Just(String::new()),
        "[ -~]{0,40}",
        "[^\n]{0,300}",
        "[a-z]{1,40} [ -~]{0,1300}",
    ];
    let separator = prop::sample::select(vec![" ", "  ", ""]);
    (verb, separator.clone(), id, separator, args)
        .prop_map(|(verb, s1, id, s2, args)| format!("{verb}{s1}{id}{s2}{args}").into_bytes())
        .boxed()
}
