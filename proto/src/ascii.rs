//! TYPE A line ends (RFC 959 §3.1.1.1): text crosses the data connection with CRLF line ends and is
//! stored with the local ones (LF). Both converters stream: a CRLF split across two buffers is still one
//! line end, so they can run over a transfer chunk by chunk.

/// Local to wire (a server's RETR, a client's STOR): a bare LF becomes CRLF; a CRLF already in the data
/// is left alone.
#[derive(Debug, Default)]
pub struct LfToCrlf {
    previous: u8,
}

impl LfToCrlf {
    /// Converts `input`, appending to `out`.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len() + input.len() / 16);
        for &byte in input {
            if byte == b'\n' && self.previous != b'\r' {
                out.push(b'\r');
            }
            out.push(byte);
            self.previous = byte;
        }
    }
}

/// Wire to local (a server's STOR, a client's RETR): CRLF becomes LF; a CR not followed by LF is kept.
/// A CR at the end of one buffer waits for the next; [`CrlfToLf::finish`] gives it back at the end.
#[derive(Debug, Default)]
pub struct CrlfToLf {
    pending_cr: bool,
}

impl CrlfToLf {
    /// Converts `input`, appending to `out`.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        for &byte in input {
            if std::mem::take(&mut self.pending_cr) && byte != b'\n' {
                out.push(b'\r');
            }
            if byte == b'\r' {
                self.pending_cr = true;
            } else {
                out.push(byte);
            }
        }
    }

    /// The end of the data: a CR still waiting was not part of a CRLF, so it is data.
    pub fn finish(&mut self) -> &'static [u8] {
        if std::mem::take(&mut self.pending_cr) {
            b"\r"
        } else {
            b""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_across_chunk_boundaries() {
        let mut to_crlf = LfToCrlf::default();
        let mut wire = Vec::new();
        for chunk in [&b"a\nb\r"[..], b"\nc\n"] {
            to_crlf.convert(chunk, &mut wire);
        }
        assert_eq!(wire, b"a\r\nb\r\nc\r\n");

        let mut from_crlf = CrlfToLf::default();
        let mut local = Vec::new();
        for chunk in [&b"a\r"[..], b"\nb\r", b"x\r\n", b"c\rd\r"] {
            from_crlf.convert(chunk, &mut local);
        }
        assert_eq!(local, b"a\nb\rx\nc\rd");
        assert_eq!(from_crlf.finish(), b"\r");
        assert_eq!(from_crlf.finish(), b"");
    }

    #[test]
    fn a_crlf_split_after_its_cr_stays_one_line_end() {
        let (mut to_crlf, mut wire) = (LfToCrlf::default(), Vec::new());
        for chunk in [&b"a\nb\r"[..], b"\nc"] {
            to_crlf.convert(chunk, &mut wire);
        }
        assert_eq!(wire, b"a\r\nb\r\nc");
        let (mut from_crlf, mut local) = (CrlfToLf::default(), Vec::new());
        for chunk in [&b"a\r"[..], b"\nb\r", b"x\r\n"] {
            from_crlf.convert(chunk, &mut local);
        }
        assert_eq!(local, b"a\nb\rx\n");
        assert_eq!(from_crlf.finish(), b"", "nothing pending");
    }
}
