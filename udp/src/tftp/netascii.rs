//! Netascii (RFC 1350 via RFC 764): on the wire a line ends in CR LF and a bare CR is sent as
//! CR NUL. Both directions are streaming: a CR at the end of one block pairs with the first
//! byte of the next.

/// Local text to wire form.
#[derive(Debug, Default)]
pub struct Encoder;

impl Encoder {
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            match b {
                b'\n' => out.extend_from_slice(b"\r\n"),
                b'\r' => out.extend_from_slice(b"\r\0"),
                b => out.push(b),
            }
        }
    }
}

/// Wire form to local text (LF line ends).
#[derive(Debug, Default)]
pub struct Decoder {
    /// The previous chunk ended in CR; its meaning depends on the next byte.
    pending_cr: bool,
}

impl Decoder {
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            if self.pending_cr {
                self.pending_cr = false;
                match b {
                    b'\n' => {
                        out.push(b'\n');
                        continue;
                    }
                    b'\0' => {
                        out.push(b'\r');
                        continue;
                    }
                    // A CR followed by anything else is not valid netascii; keep both bytes
                    // rather than lose data.
                    _ => out.push(b'\r'),
                }
            }
            if b == b'\r' {
                self.pending_cr = true;
            } else {
                out.push(b);
            }
        }
    }

    /// End of stream: a dangling CR is kept.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if std::mem::take(&mut self.pending_cr) {
            out.push(b'\r');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Encoder.encode(input, &mut out);
        out
    }

    #[test]
    fn line_ends_and_bare_cr() {
        assert_eq!(encode(b"a\nb\rc"), b"a\r\nb\r\0c");
    }

    proptest! {
        #[test]
        fn decode_inverts_encode_across_any_split(
            text in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(0u8), any::<u8>()], 0..300),
            split in 0usize..600,
        ) {
            let wire = encode(&text);
            let split = split.min(wire.len());
            let mut d = Decoder::default();
            let mut out = Vec::new();
            d.decode(&wire[..split], &mut out);
            d.decode(&wire[split..], &mut out);
            d.finish(&mut out);
            prop_assert_eq!(out, text);
        }
    }
}
