//! TFTP packets (RFC 1350 §5, RFC 2347 OACK): bytes become a typed [`Packet`] here and nowhere
//! else, and every packet the crate sends is encoded here.

/// Default block size of RFC 1350.
pub const DEFAULT_BLKSIZE: usize = 512;

/// Transfer mode named in a request (RFC 1350 §5). "mail" is obsolete and refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bytes as they are.
    Octet,
    /// Text with CR LF line ends on the wire (see [`super::netascii`]).
    Netascii,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Octet => "octet",
            Mode::Netascii => "netascii",
        }
    }
}

/// RFC 1350 error codes, plus RFC 2347's code 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NotDefined,
    FileNotFound,
    AccessViolation,
    DiskFull,
    IllegalOperation,
    UnknownTid,
    FileExists,
    NoSuchUser,
    /// RFC 2347: the client refuses the options the server acknowledged.
    OptionRefused,
    /// A code no RFC defines; kept so a peer's error is reported as sent.
    Other(u16),
}

impl ErrorCode {
    pub fn to_u16(self) -> u16 {
        match self {
            ErrorCode::NotDefined => 0,
            ErrorCode::FileNotFound => 1,
            ErrorCode::AccessViolation => 2,
            ErrorCode::DiskFull => 3,
            ErrorCode::IllegalOperation => 4,
            ErrorCode::UnknownTid => 5,
            ErrorCode::FileExists => 6,
            ErrorCode::NoSuchUser => 7,
            ErrorCode::OptionRefused => 8,
            ErrorCode::Other(n) => n,
        }
    }

    pub fn from_u16(n: u16) -> ErrorCode {
        match n {
            0 => ErrorCode::NotDefined,
            1 => ErrorCode::FileNotFound,
            2 => ErrorCode::AccessViolation,
            3 => ErrorCode::DiskFull,
            4 => ErrorCode::IllegalOperation,
            5 => ErrorCode::UnknownTid,
            6 => ErrorCode::FileExists,
            7 => ErrorCode::NoSuchUser,
            8 => ErrorCode::OptionRefused,
            n => ErrorCode::Other(n),
        }
    }
}

/// A read or write request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub filename: String,
    pub mode: Mode,
    /// Options in the order sent; names lower-cased (RFC 2347: case-insensitive).
    pub options: Vec<(String, String)>,
}

/// One TFTP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Rrq(Request),
    Wrq(Request),
    Data { block: u16, data: Vec<u8> },
    Ack { block: u16 },
    Error { code: ErrorCode, message: String },
    Oack { options: Vec<(String, String)> },
}

/// Why bytes are not a valid packet. Each maps to ERROR 4 (illegal operation) on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than the packet type needs.
    #[error("packet too short")]
    Truncated,
    /// The first two bytes are not opcode 1-6.
    #[error("unknown opcode {0}")]
    UnknownOpcode(u16),
    /// A string field is not terminated by a zero byte.
    #[error("{0} is not NUL-terminated")]
    Unterminated(&'static str),
    /// A string field is not UTF-8 (RFC 1350 strings are netascii).
    #[error("{0} is not valid text")]
    NotText(&'static str),
    /// The mode is not octet or netascii.
    #[error("unsupported mode {0:?} (use octet or netascii)")]
    UnsupportedMode(String),
    /// An option name without a value.
    #[error("option {0:?} has no value")]
    OptionWithoutValue(String),
    /// The same option twice.
    #[error("option {0:?} given twice")]
    DuplicateOption(String),
    /// Bytes after the end of an ACK packet.
    #[error("trailing bytes after packet")]
    TrailingBytes,
    /// An empty file name.
    #[error("empty file name")]
    EmptyFilename,
}

/// Split `bytes` into NUL-terminated strings.
/// `names` names the leading fields for error messages; the rest are options.
fn strings(mut bytes: &[u8], names: &[&'static str]) -> Result<Vec<String>, ParseError> {
    let mut out: Vec<String> = Vec::new();
    while !bytes.is_empty() {
        let field = names.get(out.len()).copied().unwrap_or("option");
        let end = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or(ParseError::Unterminated(field))?;
        let s = std::str::from_utf8(&bytes[..end]).map_err(|_| ParseError::NotText(field))?;
        out.push(s.to_owned());
        bytes = &bytes[end + 1..];
    }
    Ok(out)
}

/// Pair up option names and values, lower-casing names and refusing duplicates.
fn options(fields: &[String]) -> Result<Vec<(String, String)>, ParseError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in fields.chunks(2) {
        let name = pair[0].to_ascii_lowercase();
        let Some(value) = pair.get(1) else {
            return Err(ParseError::OptionWithoutValue(name));
        };
        if out.iter().any(|(n, _)| *n == name) {
            return Err(ParseError::DuplicateOption(name));
        }
        out.push((name, value.clone()));
    }
    Ok(out)
}

fn request(body: &[u8]) -> Result<Request, ParseError> {
    let fields = strings(body, &["filename", "mode"])?;
    let filename = fields
        .first()
        .ok_or(ParseError::Unterminated("filename"))?
        .clone();
    if filename.is_empty() {
        return Err(ParseError::EmptyFilename);
    }
    let mode = fields.get(1).ok_or(ParseError::Unterminated("mode"))?;
    let mode = match mode.to_ascii_lowercase().as_str() {
        "octet" => Mode::Octet,
        "netascii" => Mode::Netascii,
        _ => return Err(ParseError::UnsupportedMode(mode.clone())),
    };
    Ok(Request {
        filename,
        mode,
        options: options(&fields[2..])?,
    })
}

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, ParseError> {
    match bytes.get(at..at + 2) {
        Some(&[hi, lo]) => Ok(u16::from_be_bytes([hi, lo])),
        _ => Err(ParseError::Truncated),
    }
}

impl Packet {
    /// Parse one datagram.
    pub fn parse(bytes: &[u8]) -> Result<Packet, ParseError> {
        let opcode = u16_at(bytes, 0)?;
        let body = &bytes[2..];
        match opcode {
            1 => Ok(Packet::Rrq(request(body)?)),
            2 => Ok(Packet::Wrq(request(body)?)),
            3 => Ok(Packet::Data {
                block: u16_at(bytes, 2)?,
                data: bytes[4..].to_vec(),
            }),
            4 => {
                let block = u16_at(bytes, 2)?;
                if bytes.len() > 4 {
                    return Err(ParseError::TrailingBytes);
                }
                Ok(Packet::Ack { block })
            }
            5 => {
                let code = ErrorCode::from_u16(u16_at(bytes, 2)?);
                // Be lenient with a peer's error text: a missing NUL or odd bytes must not
                // hide the error code from the user.
                let text = &bytes[4..];
                let text = text.split(|&b| b == 0).next().unwrap_or_default();
                Ok(Packet::Error {
                    code,
                    message: String::from_utf8_lossy(text).into_owned(),
                })
            }
            6 => Ok(Packet::Oack {
                options: options(&strings(body, &[])?)?,
            }),
            op => Err(ParseError::UnknownOpcode(op)),
        }
    }

    /// Encode for the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Packet::Rrq(r) | Packet::Wrq(r) => {
                let op: u16 = if matches!(self, Packet::Rrq(_)) { 1 } else { 2 };
                out.extend_from_slice(&op.to_be_bytes());
                put_str(&mut out, &r.filename);
                put_str(&mut out, r.mode.as_str());
                put_options(&mut out, &r.options);
            }
            Packet::Data { block, data } => encode_data(*block, data, &mut out),
            Packet::Ack { block } => {
                out.extend_from_slice(&4u16.to_be_bytes());
                out.extend_from_slice(&block.to_be_bytes());
            }
            Packet::Error { code, message } => {
                out.extend_from_slice(&5u16.to_be_bytes());
                out.extend_from_slice(&code.to_u16().to_be_bytes());
                put_str(&mut out, message);
            }
            Packet::Oack { options } => {
                out.extend_from_slice(&6u16.to_be_bytes());
                put_options(&mut out, options);
            }
        }
        out
    }

    /// Shorthand for an ERROR packet's bytes.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Vec<u8> {
        Packet::Error {
            code,
            message: message.into(),
        }
        .encode()
    }
}

/// Encode a DATA packet into `out` (cleared first), avoiding a copy of the payload into a
/// `Packet` on the hot path.
pub fn encode_data(block: u16, data: &[u8], out: &mut Vec<u8>) {
    begin_data(block, out);
    out.extend_from_slice(data);
}

/// Start a DATA packet in `out` (cleared first): the header only; the caller appends the
/// payload, so a block can be read straight into the packet it is sent in.
pub fn begin_data(block: u16, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&3u16.to_be_bytes());
    out.extend_from_slice(&block.to_be_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // A NUL inside a string would end the field early on the peer's side; drop it.
    out.extend(s.bytes().filter(|&b| b != 0));
    out.push(0);
}

fn put_options(out: &mut Vec<u8>, options: &[(String, String)]) {
    for (name, value) in options {
        put_str(out, name);
        put_str(out, value);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rrq_with_options() {
        let p = Packet::parse(b"\x00\x01a/b.txt\0OCTET\0BlkSize\x001024\0tsize\x000\0").unwrap();
        let want = Request {
            filename: "a/b.txt".into(),
            mode: Mode::Octet,
            options: vec![
                ("blksize".into(), "1024".into()),
                ("tsize".into(), "0".into()),
            ],
        };
        assert_eq!(p, Packet::Rrq(want));
    }

    #[test]
    fn rejects_malformed_requests() {
        assert_eq!(
            Packet::parse(b"\x00\x01f\0mail\0"),
            Err(ParseError::UnsupportedMode("mail".into()))
        );
        assert_eq!(
            Packet::parse(b"\x00\x02f\0octet"),
            Err(ParseError::Unterminated("mode"))
        );
        assert_eq!(
            Packet::parse(b"\x00\x01\0octet\0"),
            Err(ParseError::EmptyFilename)
        );
        assert!(matches!(
            Packet::parse(b"\x00\x01f\0octet\0x\0"),
            Err(ParseError::OptionWithoutValue(_))
        ));
        assert!(matches!(
            Packet::parse(b"\x00\x01f\0octet\0a\x001\0A\x002\0"),
            Err(ParseError::DuplicateOption(_))
        ));
        assert_eq!(Packet::parse(b"\x00"), Err(ParseError::Truncated));
        assert_eq!(
            Packet::parse(b"\x00\x09"),
            Err(ParseError::UnknownOpcode(9))
        );
        assert_eq!(
            Packet::parse(b"\x00\x04\x00\x01x"),
            Err(ParseError::TrailingBytes)
        );
    }

    #[test]
    fn error_without_nul_keeps_its_code() {
        let p = Packet::parse(b"\x00\x05\x00\x01no such file").unwrap();
        assert_eq!(
            p,
            Packet::Error {
                code: ErrorCode::FileNotFound,
                message: "no such file".into()
            }
        );
    }

    fn arb_text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_./-]{1,20}"
    }

    fn arb_packet() -> impl Strategy<Value = Packet> {
        let opts = proptest::collection::btree_map("[a-z]{1,8}", "[0-9]{1,5}", 0..4)
            .prop_map(|m| m.into_iter().collect::<Vec<_>>());
        let req = (
            any::<bool>(),
            arb_text(),
            prop_oneof![Just(Mode::Octet), Just(Mode::Netascii)],
            opts.clone(),
        )
            .prop_map(|(read, filename, mode, options)| {
                let r = Request {
                    filename,
                    mode,
                    options,
                };
                if read {
                    Packet::Rrq(r)
                } else {
                    Packet::Wrq(r)
                }
            });
        prop_oneof![
            req,
            (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..600))
                .prop_map(|(block, data)| Packet::Data { block, data }),
            any::<u16>().prop_map(|block| Packet::Ack { block }),
            (0u16..20, "[ -~]{0,40}").prop_map(|(c, message)| Packet::Error {
                code: ErrorCode::from_u16(c),
                message: message.replace('\0', "")
            }),
            opts.prop_map(|options| Packet::Oack { options }),
        ]
    }

    proptest! {
        #[test]
        fn parse_inverts_encode(p in arb_packet()) {
            prop_assert_eq!(Packet::parse(&p.encode()).unwrap(), p);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
            let _ = Packet::parse(&bytes);
        }

        #[test]
        fn random_bytes_after_a_valid_opcode_never_panic(
            op in 0u16..8, rest in proptest::collection::vec(any::<u8>(), 0..100)
        ) {
            let mut bytes = op.to_be_bytes().to_vec();
            bytes.extend(rest);
            let _ = Packet::parse(&bytes);
        }
    }
}
