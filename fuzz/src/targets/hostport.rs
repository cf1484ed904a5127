//! The host-port codecs: PORT and EPRT arguments, 227 and 229 reply texts, from either peer.
//! Holds: no panic; whatever decodes re-encodes to text that decodes to the same address.

use ftp_proto::hostport::{
    decode_eprt, decode_epsv_reply, decode_pasv_reply, decode_port, encode_eprt, encode_port,
    epsv_reply_text, pasv_reply_text,
};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn check(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(addr) = decode_port(&text) {
        let encoded = encode_port(addr);
        assert!(encoded.len() <= 23, "{encoded}");
        assert_eq!(decode_port(&encoded), Ok(addr), "{text:?}");
    }
    if let Ok(addr) = decode_pasv_reply(&text) {
        assert_eq!(
            decode_pasv_reply(&pasv_reply_text(addr)),
            Ok(addr),
            "{text:?}"
        );
    }
    if let Ok(addr) = decode_eprt(&text) {
        let encoded = encode_eprt(addr);
        assert!(encoded.len() <= 60, "{encoded}");
        assert_eq!(decode_eprt(&encoded), Ok(addr), "{text:?}");
    }
    if let Ok(port) = decode_epsv_reply(&text) {
        assert_eq!(
            decode_epsv_reply(&epsv_reply_text(port)),
            Ok(port),
            "{text:?}"
        );
    }
}

/// Six-number lists (numbers out of range, signs, spaces), EPRT/EPSV framings with odd delimiters.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    let number = prop_oneof![0u32..256, 0u32..100_000].prop_map(|n| n.to_string());
    let six = vec(number, 4..8).prop_map(|n| n.join(","));
    let pasv = six
        .clone()
        .prop_map(|six| format!("Entering Passive Mode ({six})."));
    let delimiter = prop::sample::select(vec!['|', '!', '#', ' ', '1', '\u{7f}']);
    let address = prop_oneof![
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[0-9a-fA-F:]{2,40}",
        "::ffff:[0-9.]{7,15}",
    ];
    let eprt = (delimiter.clone(), "[0-9]{0,2}", address, "[0-9]{0,7}")
        .prop_map(|(d, proto, addr, port)| format!("{d}{proto}{d}{addr}{d}{port}{d}"));
    let epsv = (delimiter, "[0-9]{0,7}")
        .prop_map(|(d, port)| format!("Entering Extended Passive Mode ({d}{d}{d}{port}{d})"));
    prop_oneof![six, pasv, eprt, epsv]
        .prop_map(String::into_bytes)
        .boxed()
}
