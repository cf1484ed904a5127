//! Damage applied to structured inputs: truncation, byte flips, insertions of the bytes parsers trip
//! on (CR, LF, NUL, 0xFF, delimiters), duplication; or plain random bytes.

use proptest::collection::vec;
use proptest::prelude::*;

/// Bytes that delimit or escape something in one of the protocols.
const AWKWARD: &[u8] = b"\r\n\0\xff\xf4\xf2 ,|()-0123456789";

#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Repeat(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, bits)| Damage::Flip(at, bits)),
        (any::<usize>(), prop::sample::select(AWKWARD)).prop_map(|(at, b)| Damage::Insert(at, b)),
        (1usize..4).prop_map(Damage::Repeat),
    ]
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for damage in damages {
        match *damage {
            Damage::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
            Damage::Flip(at, bits) if !bytes.is_empty() => {
                let at = at % bytes.len();
                bytes[at] ^= bits;
            }
            Damage::Flip(..) => {}
            Damage::Insert(at, byte) => {
                let at = at % (bytes.len() + 1);
                bytes.insert(at, byte);
            }
            Damage::Repeat(times) if bytes.len() < 4096 => {
                bytes = bytes.repeat(times + 1);
            }
            Damage::Repeat(_) => {}
        }
    }
    bytes
}

/// Half the time the structured input as it is, often damaged, sometimes random bytes.
pub fn damaged(structured: BoxedStrategy<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => structured.clone(),
        4 => (structured, vec(damage(), 1..4)).prop_map(|(bytes, damages)| apply(bytes, &damages)),
        1 => vec(any::<u8>(), 0..256),
    ]
}
