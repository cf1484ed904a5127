//! TFTP packets, as the server and client receive them: any datagram (at most 65,535 bytes).
//! Holds: no panic; a parsed packet re-encodes to at most 3 bytes per byte that came in and parses
//! back to itself.

use proptest::collection::vec;
use proptest::prelude::*;
use udp_tools::tftp::packet::Packet;

pub fn check(datagram: &[u8]) {
    let Ok(packet) = Packet::parse(datagram) else {
        return;
    };
    let encoded = packet.encode();
    // Strings are decoded lossily (an invalid byte becomes U+FFFD, 3 bytes) and a missing final NUL is
    // tolerated (encoding adds it): growth stays linear.
    assert!(
        encoded.len() <= 3 * datagram.len() + 4,
        "{packet:?}: {} bytes in, {} out",
        datagram.len(),
        encoded.len()
    );
    assert_eq!(
        Packet::parse(&encoded).as_ref(),
        Ok(&packet),
        "{datagram:?}"
    );
}

fn zstring() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~]{0,20}".prop_map(|s| [s.into_bytes(), vec![0]].concat()),
        prop::sample::select(vec![
            "octet",
            "NETASCII",
            "mail",
            "blksize",
            "tsize",
            "windowsize",
            "timeout",
            "1468",
            "0"
        ])
        .prop_map(|s| [s.as_bytes(), &[0]].concat()),
        vec(any::<u8>(), 0..10),
    ]
}

/// An opcode (1-6, or not), then zero-terminated strings or a block number and payload.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    let opcode = prop_oneof![1u16..7, any::<u16>()];
    let body = prop_oneof![
        vec(zstring(), 0..8).prop_map(|parts| parts.concat()),
        (any::<u16>(), vec(any::<u8>(), 0..600)).prop_map(|(block, data)| [
            block.to_be_bytes().to_vec(),
            data
        ]
        .concat()),
    ];
    (opcode, body)
        .prop_map(|(opcode, body)| [opcode.to_be_bytes().to_vec(), body].concat())
        .boxed()
}
