//! Option negotiation (RFC 2347) for blksize (RFC 2348), timeout and tsize (RFC 2349) and
//! windowsize (RFC 7440): what a server accepts, what a client may be answered.

use std::time::Duration;

use super::packet::DEFAULT_BLKSIZE;

/// RFC 2348: valid block sizes.
pub const BLKSIZE_RANGE: std::ops::RangeInclusive<u16> = 8..=65464;
/// RFC 2349: valid timeouts in seconds.
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u8> = 1..=255;
/// RFC 7440: valid window sizes.
pub const WINDOWSIZE_RANGE: std::ops::RangeInclusive<u16> = 1..=65535;

/// The parameters a transfer runs with once negotiation is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub blksize: usize,
    pub windowsize: u16,
    /// Retransmission timeout; `None` means the side's own default.
    pub timeout: Option<Duration>,
    pub tsize: Option<u64>,
}

impl Default for Negotiated {
    fn default() -> Self {
        Negotiated {
            blksize: DEFAULT_BLKSIZE,
            windowsize: 1,
            timeout: None,
            tsize: None,
        }
    }
}

/// What the server knows when it answers a request.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Largest blksize the server grants (it answers a larger request with this).
    pub max_blksize: u16,
    /// Largest windowsize the server grants.
    pub max_windowsize: u16,
}

/// Server side: decide on the requested options. Returns the parameters and the options to
/// acknowledge in an OACK (empty: send no OACK, RFC 1350 behaviour).
///
/// `file_size` is the size to report for `tsize` on a read (None when unknown, e.g. netascii);
/// on a write the client's `tsize` is acknowledged as given. Unknown options and values out of
/// range are left out of the OACK, which RFC 2347 says means "not accepted".
pub fn negotiate(
    requested: &[(String, String)],
    limits: ServerLimits,
    is_read: bool,
    file_size: Option<u64>,
) -> (Negotiated, Vec<(String, String)>) {
    let mut out = Negotiated::default();
    let mut ack = Vec::new();
    for (name, value) in requested {
        match name.as_str() {
            "blksize" => {
                if let Some(v) = value.parse::<u32>().ok().filter(|v| *v >= 8) {
                    let v = v.min(u32::from(limits.max_blksize)).min(65464) as u16;
                    out.blksize = usize::from(v);
                    ack.push((name.clone(), v.to_string()));
                }
            }
            "windowsize" => {
                if let Some(v) = value.parse::<u32>().ok().filter(|v| *v >= 1) {
                    let v = v.min(u32::from(limits.max_windowsize)).min(65535) as u16;
                    out.windowsize = v;
                    ack.push((name.clone(), v.to_string()));
                }
            }
            "timeout" => {
                if let Some(v) = value
                    .parse::<u8>()
                    .ok()
                    .filter(|v| TIMEOUT_RANGE.contains(v))
                {
                    out.timeout = Some(Duration::from_secs(u64::from(v)));
                    ack.push((name.clone(), v.to_string()));
                }
            }
            "tsize" => {
                let size = if is_read {
                    file_size
                } else {
                    value.parse::<u64>().ok()
                };
                if let Some(size) = size {
                    out.tsize = Some(size);
                    ack.push((name.clone(), size.to_string()));
                }
            }
            _ => {}
        }
    }
    (out, ack)
}

/// What a client asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Requested {
    pub blksize: Option<u16>,
    pub windowsize: Option<u16>,
    pub timeout: Option<u8>,
    /// For a read: ask for the size (sent as 0). For a write: the size being sent.
    pub tsize: Option<u64>,
}

impl Requested {
    /// The options as sent in a request.
    pub fn to_wire(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        if let Some(b) = self.blksize {
            v.push(("blksize".to_owned(), b.to_string()));
        }
        if let Some(t) = self.timeout {
            v.push(("timeout".to_owned(), t.to_string()));
        }
        if let Some(t) = self.tsize {
            v.push(("tsize".to_owned(), t.to_string()));
        }
        if let Some(w) = self.windowsize {
            v.push(("windowsize".to_owned(), w.to_string()));
        }
        v
    }

    /// Client side: check a server's OACK against what was asked (RFC 2347: the server may
    /// only acknowledge requested options, blksize/windowsize no larger, timeout unchanged).
    /// An `Err` is the reason sent in ERROR 8.
    pub fn accept(&self, oack: &[(String, String)]) -> Result<Negotiated, String> {
        let mut out = Negotiated::default();
        for (name, value) in oack {
            let bad = || format!("server answered {name}={value:?}, which was not offered");
            match name.as_str() {
                "blksize" => {
                    let v: u16 = value.parse().map_err(|_| bad())?;
                    if !self
                        .blksize
                        .is_some_and(|b| BLKSIZE_RANGE.contains(&v) && v <= b)
                    {
                        return Err(bad());
                    }
                    out.blksize = usize::from(v);
                }
                "windowsize" => {
                    let v: u16 = value.parse().map_err(|_| bad())?;
                    if !self
                        .windowsize
                        .is_some_and(|w| WINDOWSIZE_RANGE.contains(&v) && v <= w)
                    {
                        return Err(bad());
                    }
                    out.windowsize = v;
                }
                "timeout" => {
                    let v: u8 = value.parse().map_err(|_| bad())?;
                    if self.timeout != Some(v) {
                        return Err(bad());
                    }
                    out.timeout = Some(Duration::from_secs(u64::from(v)));
                }
                "tsize" => {
                    if self.tsize.is_none() {
                        return Err(bad());
                    }
                    out.tsize = Some(value.parse().map_err(|_| bad())?);
                }
                _ => return Err(bad()),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ServerLimits = ServerLimits {
        max_blksize: 1468,
        max_windowsize: 64,
    };

    fn opts(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn server_caps_and_drops_invalid_values() {
        let req = opts(&[
            ("blksize", "9000"),
            ("windowsize", "1000"),
            ("timeout", "0"),
            ("tsize", "0"),
            ("color", "blue"),
        ]);
        let (n, ack) = negotiate(&req, LIMITS, true, Some(77));
        assert_eq!(
            ack,
            opts(&[("blksize", "1468"), ("windowsize", "64"), ("tsize", "77")])
        );
        assert_eq!(
            (n.blksize, n.windowsize, n.timeout, n.tsize),
            (1468, 64, None, Some(77))
        );
        let (_, ack) = negotiate(&opts(&[("blksize", "7")]), LIMITS, true, None);
        assert!(ack.is_empty(), "blksize below 8 is not acknowledged");
    }

    #[test]
    fn write_acknowledges_client_tsize_and_timeout() {
        let (n, ack) = negotiate(
            &opts(&[("tsize", "123"), ("timeout", "3")]),
            LIMITS,
            false,
            None,
        );
        assert_eq!(ack, opts(&[("tsize", "123"), ("timeout", "3")]));
        assert_eq!(n.timeout, Some(Duration::from_secs(3)));
    }

    #[test]
    fn client_refuses_what_it_did_not_ask() {
        let asked = Requested {
            blksize: Some(1024),
            ..Requested::default()
        };
        assert_eq!(
            asked
                .accept(&opts(&[("blksize", "512")]))
                .map(|n| n.blksize),
            Ok(512)
        );
        assert!(asked.accept(&opts(&[("blksize", "2048")])).is_err());
        assert!(asked.accept(&opts(&[("windowsize", "4")])).is_err());
        assert!(asked.accept(&opts(&[("blksize", "x")])).is_err());
    }
}
