//! Following passive-mode replies: finds 227/229 lines in the server's control stream (with the shared
//! `ftp_proto::hostport` codec) and rewrites them to name the proxy's own data listener.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use ftp_proto::hostport::{decode_epsv_reply, decode_pasv_reply, epsv_reply_text, pasv_reply_text};

/// A partial line longer than this is forwarded as it is: no reply line is that long, and the proxy
/// must not buffer without bound.
const MAX_PENDING: usize = 16 * 1024;

/// Cuts a byte stream into lines (each with its `\n`), keeping the unfinished tail for the next chunk.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    /// The complete lines so far (an over-long partial line comes out as one piece).
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.pending.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(end) = self.pending.iter().position(|b| *b == b'\n') {
            lines.push(self.pending.drain(..=end).collect());
        }
        if self.pending.len() > MAX_PENDING {
            lines.push(std::mem::take(&mut self.pending));
        }
        lines
    }

    /// What is left when the stream ends.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }
}

/// Which passive reply a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PassiveReply {
    Pasv,
    Epsv,
}

/// If `line` is a single-line 227 or 229 reply, its form and the server's data address. The address is
/// taken on `server_ip` (the control connection's peer), as curl does: the proxy only reaches loopback,
/// and a server behind NAT may name an address that is not its own.
pub(crate) fn passive_target(line: &[u8], server_ip: IpAddr) -> Option<(PassiveReply, SocketAddr)> {
    let text = std::str::from_utf8(line).ok()?;
    if let Some(rest) = text.strip_prefix("227 ") {
        let addr = decode_pasv_reply(rest).ok()?;
        return Some((PassiveReply::Pasv, SocketAddr::new(server_ip, addr.port())));
    }
    if let Some(rest) = text.strip_prefix("229 ") {
        let port = decode_epsv_reply(rest).ok()?;
        return Some((PassiveReply::Epsv, SocketAddr::new(server_ip, port)));
    }
    None
}

/// The reply line that names the proxy's listener instead.
pub(crate) fn rewritten(form: PassiveReply, listener: SocketAddr) -> Vec<u8> {
    let text = match form {
        PassiveReply::Pasv => {
            let ip = match listener.ip() {
                IpAddr::V4(ip) => ip,
                IpAddr::V6(_) => Ipv4Addr::LOCALHOST,
            };
            format!(
                "227 {}\r\n",
                pasv_reply_text(SocketAddrV4::new(ip, listener.port()))
            )
        }
        PassiveReply::Epsv => format!("229 {}\r\n", epsv_reply_text(listener.port())),
    };
    text.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_across_chunks_and_long_ones_do_not_pile_up() {
        let mut splitter = LineSplitter::default();
        assert!(splitter.push(b"227 Entering").is_empty());
        assert_eq!(
            splitter.push(b" (1,2)\r\n200 ok\r\n1"),
            vec![b"227 Entering (1,2)\r\n".to_vec(), b"200 ok\r\n".to_vec()]
        );
        assert_eq!(splitter.finish(), b"1".to_vec());
        let long = vec![b'x'; MAX_PENDING + 1];
        assert_eq!(splitter.push(&long), vec![long.clone()]);
    }

    #[test]
    fn passive_replies_are_found_and_rewritten() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (form, target) =
            passive_target(b"227 Entering Passive Mode (10,0,0,9,4,1)\r\n", ip).unwrap();
        assert_eq!(
            (form, target),
            (PassiveReply::Pasv, "127.0.0.1:1025".parse().unwrap())
        );
        assert_eq!(
            rewritten(form, "127.0.0.1:2000".parse().unwrap()),
            b"227 Entering Passive Mode (127,0,0,1,7,208)\r\n".to_vec()
        );
        let (form, target) =
            passive_target(b"229 Entering Extended Passive Mode (|||6446|)\r\n", ip).unwrap();
        assert_eq!(target.port(), 6446);
        assert_eq!(
            rewritten(form, "127.0.0.1:7".parse().unwrap()),
            b"229 Entering Extended Passive Mode (|||7|)\r\n".to_vec()
        );
        assert_eq!(passive_target(b"227-multi\r\n", ip), None);
        assert_eq!(passive_target(b"200 PORT ok\r\n", ip), None);
    }
}
