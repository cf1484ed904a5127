//! Replies (RFC 959 §4.2): a three-digit code and one or more lines of text.
//!
//! A single-line reply is `xyz text CRLF`. A multi-line reply opens with `xyz-text`, may carry any lines,
//! and closes with the first line that starts with the same code followed by a space. [`Reply::to_bytes`]
//! formats, [`ReplyParser`] parses line by line, so a reader can stop as soon as a reply is complete.
//! Text is kept as bytes ([`ReplyLine`]), so a reply that echoes a non-UTF-8 file name needs no second
//! path; [`Reply::text`] is the lossy view for people.

use std::borrow::Cow;
use std::fmt;

use crate::reply_code::IntoCode;

/// One line of a reply's text, as bytes: a server may echo file names that are not UTF-8, and those
/// bytes go out (and come in) unchanged. [`ReplyLine::text`] gives a lossy `&str` view for people.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ReplyLine(Vec<u8>);

impl ReplyLine {
    /// The line's bytes, without code, separator or line end.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The line as text; bytes that are not UTF-8 become U+FFFD.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

impl fmt::Debug for ReplyLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text(), f)
    }
}

impl fmt::Display for ReplyLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

impl From<Vec<u8>> for ReplyLine {
    fn from(bytes: Vec<u8>) -> ReplyLine {
        ReplyLine(bytes)
    }
}

impl From<&[u8]> for ReplyLine {
    fn from(bytes: &[u8]) -> ReplyLine {
        ReplyLine(bytes.to_vec())
    }
}

impl From<String> for ReplyLine {
    fn from(text: String) -> ReplyLine {
        ReplyLine(text.into_bytes())
    }
}

impl From<&str> for ReplyLine {
    fn from(text: &str) -> ReplyLine {
        ReplyLine(text.as_bytes().to_vec())
    }
}

impl From<&String> for ReplyLine {
    fn from(text: &String) -> ReplyLine {
        ReplyLine::from(text.as_str())
    }
}

impl PartialEq<str> for ReplyLine {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for ReplyLine {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<String> for ReplyLine {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_bytes()
    }
}

/// A reply: its code and its text lines (the code and separator stripped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code, 100..=599. A plain number, so that any code a server sends can be held;
    /// [`ReplyCode`](crate::ReplyCode) names the known ones and compares equal to them.
    pub code: u16,
    /// The text of each line; a single-line reply has exactly one.
    pub lines: Vec<ReplyLine>,
}

/// Why a line could not be part of a reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    /// A reply must open with three digits (1-5 first) and a space or hyphen.
    #[error("malformed reply line (expected `xyz text` or `xyz-text`): {0:?}")]
    MalformedStart(String),
}

impl Reply {
    /// A single-line reply; the text may be raw bytes (`&[u8]`, `Vec<u8>`) or text.
    pub fn new(code: impl IntoCode, text: impl Into<ReplyLine>) -> Reply {
        Reply {
            code: code.into_code(),
            lines: vec![text.into()],
        }
    }

    /// A reply of several lines; the last one carries the closing `xyz ` mark.
    pub fn multi(code: impl IntoCode, lines: Vec<String>) -> Reply {
        Reply {
            code: code.into_code(),
            lines: lines.into_iter().map(ReplyLine::from).collect(),
        }
    }

    /// The last line's text, which carries the reply's meaning in a multi-line reply; lossy where the
    /// bytes are not UTF-8.
    pub fn text(&self) -> Cow<'_, str> {
        self.lines
            .last()
            .map(ReplyLine::text)
            .unwrap_or(Cow::Borrowed(""))
    }

    /// The last line's bytes, exactly as received.
    pub fn text_bytes(&self) -> &[u8] {
        self.lines.last().map(ReplyLine::as_bytes).unwrap_or(b"")
    }

    /// All lines joined with `\n`, lossily as text.
    pub fn full_text(&self) -> String {
        let lines: Vec<Cow<'_, str>> = self.lines.iter().map(ReplyLine::text).collect();
        lines.join("\n")
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
    /// 4yz: transient negative completion; the same command may succeed later (RFC 959 §4.2.1).
    pub fn is_transient(&self) -> bool {
        self.code / 100 == 4
    }
    /// 4yz or 5yz: a negative reply.
    pub fn is_negative(&self) -> bool {
        self.code >= 400
    }

    /// The reply's bytes as sent on the wire, each line ending in CRLF. Text lines that would look like the
    /// closing line of the reply are indented by one space so that a reader does not stop early
    /// (RFC 959 §4.2). CR and LF inside a line would end it early, so they are sent as spaces.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(false)
    }

    /// As [`Reply::to_bytes`], but a middle line that starts with a space goes out as it is, without the
    /// `xyz-` prefix: RFC 959 §4.2 allows any text there, and FEAT's and MLST's replies require this form
    /// (RFC 2389 §3.2: `"211-" *TCHAR CRLF 1*( SP feature CRLF ) "211 End" CRLF`; RFC 3659 §7.2:
    /// `"250-" [ response-message ] CRLF 1*( SP entry CRLF ) "250" [ SP response-message ] CRLF`).
    pub fn to_bytes_bare(&self) -> Vec<u8> {
        self.encode(true)
    }

    fn encode(&self, bare: bool) -> Vec<u8> {
        let code = self.code.to_string();
        let mut out = Vec::new();
        let last = self.lines.len().saturating_sub(1);
        for (index, line) in self.lines.iter().enumerate() {
            let line = strip_line_breaks(line.as_bytes());
            if bare && index > 0 && index < last && line.first() == Some(&b' ') {
                out.extend_from_slice(&line);
                out.extend_from_slice(b"\r\n");
                continue;
            }
            out.extend_from_slice(code.as_bytes());
            if index == last {
                out.push(b' ');
            } else {
                out.push(b'-');
                // RFC 959 §4.2 lets middle lines start with anything but `xyz `, so that form is shifted.
                let needs_shift = index > 0
                    && starts_with_code(&line)
                    && matches!(line.get(3), None | Some(b' '));
                if needs_shift {
                    out.push(b' ');
                }
            }
            out.extend_from_slice(&line);
            out.extend_from_slice(b"\r\n");
        }
        if self.lines.is_empty() {
            out.extend_from_slice(code.as_bytes());
            out.extend_from_slice(b" \r\n");
        }
        out
    }

    /// [`Reply::to_bytes`] as text, lossy where the bytes are not UTF-8 (for transcripts and tests).
    pub fn to_wire(&self) -> String {
        String::from_utf8_lossy(&self.to_bytes()).into_owned()
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.full_text())
    }
}

fn strip_line_breaks(line: &[u8]) -> Vec<u8> {
    line.iter()
        .map(|byte| match byte {
            b'\r' | b'\n' => b' ',
            other => *other,
        })
        .collect()
}

fn starts_with_code(line: &[u8]) -> bool {
    line.get(..3)
        .is_some_and(|digits| digits.iter().all(u8::is_ascii_digit))
}

/// Splits a reply's opening line into its code and separator: `Some((code, '-' | ' ' | None))`.
fn opening(line: &[u8]) -> Option<(u16, Option<u8>)> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0'));
    match line.get(3) {
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

    /// Feeds one line, as bytes or text. Returns the reply once it is complete, `Ok(None)` while a
    /// multi-line reply goes on. A bare `xyz` with no separator is accepted as a single-line reply with
    /// empty text.
    pub fn feed(&mut self, line: impl AsRef<[u8]>) -> Result<Option<Reply>, ReplyError> {
        let mut line = line.as_ref();
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        let after_code = || ReplyLine::from(line.get(4..).unwrap_or_default());
        if let Some(open) = self.open.as_mut() {
            if let Some((code, Some(b' ') | None)) = opening(line) {
                if code == open.code {
                    open.lines.push(after_code());
                    return Ok(self.open.take());
                }
            }
            // Middle lines usually repeat the code as `xyz-`; that prefix is framing, not text.
            let text = match opening(line) {
                Some((code, Some(b'-'))) if code == open.code => &line[4..],
                _ => line,
            };
            open.lines.push(ReplyLine::from(text));
            return Ok(None);
        }
        match opening(line) {
            Some((code, Some(b'-'))) => {
                self.open = Some(Reply {
                    code,
                    lines: vec![after_code()],
                });
                Ok(None)
            }
            Some((code, _)) => Ok(Some(Reply::new(code, after_code()))),
            None => Err(ReplyError::MalformedStart(
                String::from_utf8_lossy(line).into_owned(),
            )),
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
    fn bare_middle_lines_that_start_with_a_space_go_out_without_the_code() {
        let reply = Reply::multi(
            250,
            vec!["Listing /a".into(), " type=file; /a".into(), "End".into()],
        );
        let wire = String::from_utf8(reply.to_bytes_bare()).unwrap();
        assert_eq!(wire, "250-Listing /a\r\n type=file; /a\r\n250 End\r\n");
        assert_eq!(parse_all(&wire), vec![reply.clone()]);
        assert_eq!(
            reply.to_wire(),
            "250-Listing /a\r\n250- type=file; /a\r\n250 End\r\n"
        );
    }

    #[test]
    fn malformed_start_is_an_error() {
        let mut parser = ReplyParser::new();
        assert!(parser.feed("hello").is_err());
        assert!(parser.feed("2000 x").is_err());
        assert!(parser.feed("600 x").is_err());
        assert_eq!(parser.feed("200").ok().flatten(), Some(Reply::new(200, "")));
    }

    #[test]
    fn non_utf8_text_goes_out_and_comes_back_as_bytes() {
        let reply = Reply::new(257, &b"\"/caf\xe9\" created."[..]);
        let wire = reply.to_bytes();
        assert_eq!(wire, b"257 \"/caf\xe9\" created.\r\n");
        let mut parser = ReplyParser::new();
        assert_eq!(parser.feed(&wire), Ok(Some(reply.clone())));
        assert_eq!(reply.text(), "\"/caf\u{fffd}\" created.");
        assert_eq!(reply.text_bytes(), b"\"/caf\xe9\" created.");
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
