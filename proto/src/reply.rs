//! Replies (RFC 959 §4.2): a three-digit code and one or more lines of text.
//!
//! A single-line reply is `xyz text CRLF`. A multi-line reply opens with `xyz-text`, may carry any lines,
//! and closes with the first line that starts with the same code followed by a space. [`Reply::to_wire`]
//! formats, [`ReplyParser`] parses line by line, so a reader can stop as soon as a reply is complete.

use std::fmt;

/// A reply: its code and its text lines (the code and separator stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code, 100..=599.
    pub code: u16,
    /// The text of each line; a single-line reply has exactly one.
    pub lines: Vec<String>,
}

/// Why a line could not be part of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// A reply must open with three digits (1-5 first) and a space or hyphen.
    MalformedStart(String),
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::MalformedStart(line) => {
                write!(
                    f,
                    "malformed reply line (expected `xyz text` or `xyz-text`): {line:?}"
                )
            }
        }
    }
}

impl std::error::Error for ReplyError {}

impl Reply {
    /// A single-line reply.
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![text.into()],
        }
    }

    /// A reply of several lines; the last one carries the closing `xyz ` mark.
    pub fn multi(code: u16, lines: Vec<String>) -> Reply {
        Reply { code, lines }
    }

    /// The last line's text, which carries the reply's meaning in a multi-line reply.
    pub fn text(&self) -> &str {
        self.lines.last().map(String::as_str).unwrap_or("")
    }

    /// All lines joined with `\n`.
    pub fn full_text(&self) -> String {
        self.lines.join("\n")
    }

    /// 1yz: positive preliminary.
    pub fn is_preliminary(&self) -> bool {
        self.code / 100 == 1
    }
    /// 2yz: positive completion.
    pub fn is_completion(&self) -> bool {
        self.code / 100 == 2
    }
    /// 3yz: positive intermediate.
    pub fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }
    /// 4yz or 5yz: a negative reply.
    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// The reply as sent on the wire, each line ending in CRLF. Text lines that would look like the closing
    /// line of the reply are indented by one space so that a reader does not stop early (RFC 959 §4.2).
    pub fn to_wire(&self) -> String {
        let mut out = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (index, line) in self.lines.iter().enumerate() {
            let line = strip_line_breaks(line);
            if index == last {
                out.push_str(&format!("{} {}\r\n", self.code, line));
            } else if index == 0 {
                out.push_str(&format!("{}-{}\r\n", self.code, line));
            } else {
                // RFC 959 §4.2 lets middle lines start with anything but `xyz `, so that form is shifted.
                let needs_shift =
                    starts_with_code(&line) && matches!(line.as_bytes().get(3), None | Some(b' '));
                let prefix = if needs_shift { " " } else { "" };
                out.push_str(&format!("{}-{prefix}{}\r\n", self.code, line));
            }
        }
        if self.lines.is_empty() {
            out.push_str(&format!("{} \r\n", self.code));
        }
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.full_text())
    }
}

fn strip_line_breaks(line: &str) -> String {
    line.replace(['\r', '\n'], " ")
}

fn starts_with_code(line: &str) -> bool {
    line.as_bytes()
        .get(..3)
        .is_some_and(|digits| digits.iter().all(u8::is_ascii_digit))
}

/// Splits a reply's opening line into its code and separator: `Some((code, '-' | ' ' | None))`.
fn opening(line: &str) -> Option<(u16, Option<u8>)> {
    let bytes = line.as_bytes();
    let digits = bytes.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0'));
    match bytes.get(3) {
        None => Some((code, None)),
        Some(b' ') => Some((code, Some(b' '))),
        Some(b'-') => Some((code, Some(b'-'))),
        Some(_) => None,
    }
}

/// Assembles replies from lines (with or without their CRLF).
#[derive(Debug, Default)]
pub struct ReplyParser {
    open: Option<Reply>,
}

impl ReplyParser {
    /// A parser waiting for the first line of a reply.
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    /// True while a multi-line reply has started but not closed.
    pub fn in_multiline(&self) -> bool {
        self.open.is_some()
    }

    /// Feeds one line. Returns the reply once it is complete, `Ok(None)` while a multi-line reply goes on.
    /// A bare `xyz` with no separator is accepted as a single-line reply with empty text.
    pub fn feed(&mut self, line: &str) -> Result<Option<Reply>, ReplyError> {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(open) = self.open.as_mut() {
            if let Some((code, Some(b' ') | None)) = opening(line) {
                if code == open.code {
                    open.lines.push(line.get(4..).unwrap_or("").to_string());
                    return Ok(self.open.take());
                }
            }
            // Middle lines usually repeat the code as `xyz-`; that prefix is framing, not text.
            let text = match opening(line) {
                Some((code, Some(b'-'))) if code == open.code => &line[4..],
                _ => line,
            };
            open.lines.push(text.to_string());
            return Ok(None);
        }
        match opening(line) {
            Some((code, Some(b'-'))) => {
                self.open = Some(Reply {
                    code,
                    lines: vec![line[4..].to_string()],
                });
                Ok(None)
            }
            Some((code, _)) => Ok(Some(Reply::new(code, line.get(4..).unwrap_or("")))),
            None => Err(ReplyError::MalformedStart(line.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(wire: &str) -> Vec<Reply> {
        let mut parser = ReplyParser::new();
        wire.split_inclusive('\n')
            .filter_map(|line| parser.feed(line).ok().flatten())
            .collect()
    }

    #[test]
    fn single_line() {
        assert_eq!(
            Reply::new(200, "Type set to I.").to_wire(),
            "200 Type set to I.\r\n"
        );
        assert_eq!(
            parse_all("215 UNIX Type: L8\r\n"),
            vec![Reply::new(215, "UNIX Type: L8")]
        );
    }

    #[test]
    fn multi_line_as_in_rfc959_4_2() {
        let wire = "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n";
        let replies = parse_all(wire);
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].code, 123);
        assert_eq!(
            replies[0].lines,
            [
                "First line",
                "Second line",
                "  234 A line beginning with numbers",
                "The last line"
            ]
        );
    }

    #[test]
    fn middle_lines_lose_their_code_prefix() {
        let wire = "211-Features:\r\n211- EPSV\r\n SIZE\r\n211 End\r\n";
        assert_eq!(
            parse_all(wire)[0].lines,
            ["Features:", " EPSV", " SIZE", "End"]
        );
    }

    #[test]
    fn middle_line_that_looks_like_a_closing_line_is_shifted() {
        let reply = Reply::multi(
            230,
            vec!["Welcome".into(), "230 not the end".into(), "Done.".into()],
        );
        let wire = reply.to_wire();
        assert_eq!(wire, "230-Welcome\r\n230- 230 not the end\r\n230 Done.\r\n");
        assert_eq!(parse_all(&wire)[0].lines.len(), 3);
    }

    #[test]
    fn malformed_start_is_an_error() {
        let mut parser = ReplyParser::new();
        assert!(parser.feed("hello").is_err());
        assert!(parser.feed("2000 x").is_err());
        assert!(parser.feed("600 x").is_err());
        assert_eq!(parser.feed("200").ok().flatten(), Some(Reply::new(200, "")));
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(code in 100u16..600, lines in prop::collection::vec("([A-Za-z ][ -~]{0,40})?", 1..6)) {
            let reply = Reply::multi(code, lines);
            let parsed = parse_all(&reply.to_wire());
            prop_assert_eq!(parsed, vec![reply]);
        }

        #[test]
        fn no_line_panics_the_parser(lines in prop::collection::vec(any::<String>(), 0..8)) {
            let mut parser = ReplyParser::new();
            for line in &lines {
                let _ = parser.feed(line);
            }
        }
    }
}
