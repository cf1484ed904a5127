//! Command lines on the wire. The only place this crate spells a command, so that it can switch to
//! `ftp_proto`'s typed `Command::to_wire()` in one edit once that lands.

use ftp_proto::Verb;

/// `VERB[ SP arg] CRLF` as bytes.
pub fn command(verb: Verb, arg: Option<&str>) -> Vec<u8> {
    let name = verb.as_str();
    let mut line = Vec::with_capacity(name.len() + arg.map_or(0, |a| a.len() + 1) + 2);
    line.extend_from_slice(name.as_bytes());
    if let Some(arg) = arg {
        line.push(b' ');
        line.extend_from_slice(arg.as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    line
}

/// What the log and error messages show for a command: the line without CRLF, the password hidden.
pub fn display(verb: Verb, arg: Option<&str>) -> String {
    match (verb, arg) {
        (Verb::Pass, Some(_)) => "PASS ****".to_string(),
        (verb, Some(arg)) => format!("{verb} {arg}"),
        (verb, None) => verb.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_in_crlf() {
        assert_eq!(
            command(Verb::Retr, Some("bench/small.bin")),
            b"RETR bench/small.bin\r\n"
        );
        assert_eq!(command(Verb::Epsv, None), b"EPSV\r\n");
    }

    #[test]
    fn passwords_are_not_displayed() {
        assert_eq!(display(Verb::Pass, Some("secret")), "PASS ****");
        assert_eq!(display(Verb::User, Some("anonymous")), "USER anonymous");
        assert_eq!(display(Verb::Quit, None), "QUIT");
    }
}
