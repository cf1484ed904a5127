//! Data-connection addresses on the wire.
//!
//! - PORT argument and 227 reply (RFC 959 §4.1.2): `h1,h2,h3,h4,p1,p2`, IPv4 only, port = p1*256+p2.
//! - EPRT argument (RFC 2428 §2): `|1|132.235.1.2|6275|` or `|2|1080::8:800:200C:417A|5282|`.
//! - 229 reply (RFC 2428 §3): `Entering Extended Passive Mode (|||6446|)`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

/// Why an address argument or reply could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPortError {
    /// Not six comma-separated numbers.
    #[error("expected 6 comma-separated numbers, got {0}")]
    WrongFieldCount(usize),
    /// A field is not a decimal number 0..=255.
    #[error("{0:?} is not a number from 0 to 255")]
    BadNumber(String),
    /// EPRT/EPSV framing is wrong (delimiter, address form, port).
    #[error("bad extended address: {0}")]
    BadExtended(String),
    /// EPRT names a network protocol other than 1 (IPv4) or 2 (IPv6): RFC 2428 §2 wants 522 for this.
    #[error("network protocol {0:?} not supported")]
    UnsupportedProtocol(String),
    /// No address was found in a 227/229 reply text.
    #[error("no address found in the reply")]
    NotFound,
}

/// Formats an IPv4 socket address as `h1,h2,h3,h4,p1,p2`.
pub fn encode_port(addr: SocketAddrV4) -> String {
    let [h1, h2, h3, h4] = addr.ip().octets();
    let [p1, p2] = addr.port().to_be_bytes();
    format!("{h1},{h2},{h3},{h4},{p1},{p2}")
}

/// Parses a PORT argument `h1,h2,h3,h4,p1,p2` (surrounding spaces allowed, nothing else).
pub fn decode_port(text: &str) -> Result<SocketAddrV4, HostPortError> {
    let fields: Vec<&str> = text.trim().split(',').collect();
    if fields.len() != 6 {
        return Err(HostPortError::WrongFieldCount(fields.len()));
    }
    let mut numbers = [0u8; 6];
    for (slot, field) in numbers.iter_mut().zip(&fields) {
        let field = field.trim();
        let valid =
            !field.is_empty() && field.len() <= 3 && field.bytes().all(|b| b.is_ascii_digit());
        *slot = valid
            .then(|| field.parse::<u8>().ok())
            .flatten()
            .ok_or_else(|| HostPortError::BadNumber(field.to_string()))?;
    }
    let [h1, h2, h3, h4, p1, p2] = numbers;
    Ok(SocketAddrV4::new(
        Ipv4Addr::new(h1, h2, h3, h4),
        u16::from_be_bytes([p1, p2]),
    ))
}

/// The text of a 227 reply, as the brief gives it: `Entering Passive Mode (h1,h2,h3,h4,p1,p2)`.
pub fn pasv_reply_text(addr: SocketAddrV4) -> String {
    format!("Entering Passive Mode ({})", encode_port(addr))
}

/// Finds the address in a 227 reply text. Servers vary the wording and brackets, so, as RFC 1123 §4.1.2.6
/// advises, this scans for the first run of six comma-separated numbers.
pub fn decode_pasv_reply(text: &str) -> Result<SocketAddrV4, HostPortError> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if bytes[start].is_ascii_digit() {
            let end = bytes[start..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b',' || *b == b' '))
                .map_or(bytes.len(), |offset| start + offset);
            let candidate = text[start..end].trim_end_matches([',', ' ']);
            if let Ok(addr) = decode_port(candidate) {
                return Ok(addr);
            }
            start = end;
        } else {
            start += 1;
        }
    }
    Err(HostPortError::NotFound)
}

/// Formats an EPRT argument: `|1|ip|port|` or `|2|ip|port|`.
pub fn encode_eprt(addr: SocketAddr) -> String {
    let family = if addr.is_ipv4() { 1 } else { 2 };
    format!("|{family}|{}|{}|", addr.ip(), addr.port())
}

/// Parses an EPRT argument. The delimiter is the first character (RFC 2428 §2 allows any of 33..=126).
pub fn decode_eprt(text: &str) -> Result<SocketAddr, HostPortError> {
    let bad = |why: &str| HostPortError::BadExtended(why.to_string());
    let text = text.trim();
    let delimiter = text.chars().next().ok_or_else(|| bad("empty argument"))?;
    if !(33..=126).contains(&(delimiter as u32)) || delimiter.is_ascii_digit() {
        return Err(bad("invalid delimiter"));
    }
    let fields: Vec<&str> = text.split(delimiter).collect();
    // "|1|addr|port|" splits into ["", "1", "addr", "port", ""].
    let [empty_head, protocol, address, port, empty_tail] = fields[..] else {
        return Err(bad("expected <d>proto<d>address<d>port<d>"));
    };
    if !empty_head.is_empty() || !empty_tail.is_empty() {
        return Err(bad("expected <d>proto<d>address<d>port<d>"));
    }
    let ip: IpAddr = match protocol {
        "1" => address
            .parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| bad("not an IPv4 address"))?,
        "2" => address
            .parse::<Ipv6Addr>()
            .map(IpAddr::V6)
            .map_err(|_| bad("not an IPv6 address"))?,
        _ => return Err(HostPortError::UnsupportedProtocol(protocol.to_string())),
    };
    let port = parse_port_number(port).ok_or_else(|| bad("port must be 1..=65535"))?;
    Ok(SocketAddr::new(ip, port))
}

/// The text of a 229 reply: `Entering Extended Passive Mode (|||port|)`.
pub fn epsv_reply_text(port: u16) -> String {
    format!("Entering Extended Passive Mode (|||{port}|)")
}

/// Finds the port in a 229 reply text: `(<d><d><d>port<d>)`.
pub fn decode_epsv_reply(text: &str) -> Result<u16, HostPortError> {
    let open = text.find('(').ok_or(HostPortError::NotFound)?;
    let close = text[open..]
        .find(')')
        .map(|offset| open + offset)
        .ok_or(HostPortError::NotFound)?;
    let inner = &text[open + 1..close];
    let mut chars = inner.chars();
    let delimiter = chars.next().ok_or(HostPortError::NotFound)?;
    let fields: Vec<&str> = inner.split(delimiter).collect();
    match fields[..] {
        ["", "", "", port, ""] => parse_port_number(port).ok_or(HostPortError::NotFound),
        _ => Err(HostPortError::NotFound),
    }
}

fn parse_port_number(text: &str) -> Option<u16> {
    let valid = !text.is_empty() && text.len() <= 5 && text.bytes().all(|b| b.is_ascii_digit());
    valid
        .then(|| text.parse::<u16>().ok())
        .flatten()
        .filter(|port| *port != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[test]
    fn brief_example() {
        let addr = decode_port("166,111,80,233,128,79").unwrap();
        assert_eq!(addr, "166.111.80.233:32847".parse().unwrap());
        assert_eq!(
            pasv_reply_text(addr),
            "Entering Passive Mode (166,111,80,233,128,79)"
        );
    }

    #[rstest]
    #[case("")]
    #[case("1,2,3,4,5")]
    #[case("1,2,3,4,5,6,7")]
    #[case("256,0,0,1,4,1")]
    #[case("127,0,0,1,4,256")]
    #[case("127,0,0,1,-4,1")]
    #[case("127,0,0,1,+4,1")]
    #[case("127,0,0,1,4,1a")]
    #[case("127,0,0,1,,1")]
    #[case("127.0.0.1,4,1")]
    #[case("0127,0,0,1,4,1")]
    fn bad_port_arguments(#[case] text: &str) {
        assert!(decode_port(text).is_err(), "{text:?} should be refused");
    }

    #[rstest]
    #[case("Entering Passive Mode (127,0,0,1,4,1)")]
    #[case("Entering Passive Mode 127,0,0,1,4,1")]
    #[case("=127,0,0,1,4,1")]
    #[case("Entering Passive Mode (127,0,0,1,4,1).")]
    fn pasv_reply_variants(#[case] text: &str) {
        assert_eq!(
            decode_pasv_reply(text).unwrap(),
            "127.0.0.1:1025".parse().unwrap()
        );
    }

    #[rstest]
    #[case("|1|132.235.1.2|6275|", "132.235.1.2:6275")]
    #[case("|2|1080::8:800:200C:417A|5282|", "[1080::8:800:200C:417A]:5282")]
    #[case("!1!127.0.0.1!21!", "127.0.0.1:21")]
    fn eprt_examples_from_rfc2428(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(decode_eprt(text).unwrap(), expected.parse().unwrap());
    }

    #[test]
    fn eprt_with_an_unknown_network_protocol() {
        assert_eq!(
            decode_eprt("|3|1.2.3.4|5|"),
            Err(HostPortError::UnsupportedProtocol("3".into()))
        );
    }

    #[rstest]
    #[case("")]
    #[case("|3|1.2.3.4|5|")]
    #[case("|1|::1|5|")]
    #[case("|2|1.2.3.4|5|")]
    #[case("|1|1.2.3.4|0|")]
    #[case("|1|1.2.3.4|70000|")]
    #[case("|1|1.2.3.4|5")]
    #[case("1|1.2.3.4|5|")]
    fn bad_eprt_arguments(#[case] text: &str) {
        assert!(decode_eprt(text).is_err(), "{text:?} should be refused");
    }

    #[test]
    fn epsv_reply() {
        assert_eq!(decode_epsv_reply(&epsv_reply_text(6446)).unwrap(), 6446);
        assert!(decode_epsv_reply("Entering Extended Passive Mode (|||0|)").is_err());
        assert!(decode_epsv_reply("Entering Extended Passive Mode").is_err());
    }

    proptest! {
        #[test]
        fn port_round_trip(ip in any::<u32>(), port in any::<u16>()) {
            let addr = SocketAddrV4::new(Ipv4Addr::from(ip), port);
            prop_assert_eq!(decode_port(&encode_port(addr)).unwrap(), addr);
            prop_assert_eq!(decode_pasv_reply(&pasv_reply_text(addr)).unwrap(), addr);
        }

        #[test]
        fn eprt_round_trip(addr in any::<SocketAddr>()) {
            prop_assume!(addr.port() != 0);
            let addr = match addr {
                SocketAddr::V6(v6) => SocketAddr::new(IpAddr::V6(*v6.ip()), v6.port()),
                v4 => v4,
            };
            prop_assert_eq!(decode_eprt(&encode_eprt(addr)).unwrap(), addr);
        }

        #[test]
        fn epsv_round_trip(port in 1u16..) {
            prop_assert_eq!(decode_epsv_reply(&epsv_reply_text(port)).unwrap(), port);
        }

        #[test]
        fn decoders_never_panic(text in any::<String>()) {
            let _ = decode_port(&text);
            let _ = decode_pasv_reply(&text);
            let _ = decode_eprt(&text);
            let _ = decode_epsv_reply(&text);
        }
    }
}
