//! The quoted pathname of a 257 reply (RFC 959 Appendix II): `257 "name" commentary`, with every `"`
//! inside the name doubled. Names are bytes (they need not be UTF-8).

/// Quotes `name` for a 257 reply: `"` inside is doubled. A CR inside a name is sent as CR NUL (RFC 959
/// §4.1.3 on pathnames); a LF would end the reply line early and has no escape, so it is shown as `?`.
pub fn quote(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    out.push(b'"');
    for &byte in name {
        match byte {
            b'"' => out.extend_from_slice(b"\"\""),
            b'\r' => out.extend_from_slice(b"\r\0"),
            b'\n' => out.push(b'?'),
            _ => out.push(byte),
        }
    }
    out.push(b'"');
    out
}

/// The name at the start of `text` (a 257 reply's text): `"name"` with `""` standing for one quote and
/// CR NUL for CR. `None` when `text` does not open with `"` or the quote is never closed.
pub fn unquote(text: &[u8]) -> Option<Vec<u8>> {
    let rest = text.strip_prefix(b"\"")?;
    let mut name = Vec::new();
    let mut bytes = rest.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        match byte {
            b'"' if bytes.peek() == Some(&b'"') => {
                bytes.next();
                name.push(b'"');
            }
            b'"' => return Some(name),
            b'\r' if bytes.peek() == Some(&0) => {
                bytes.next();
                name.push(b'\r');
            }
            _ => name.push(byte),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn examples_from_rfc959_appendix_ii() {
        assert_eq!(unquote(b"\"/usr/dm\" created.").unwrap(), b"/usr/dm");
        assert_eq!(
            unquote(b"\"/usr/dm/foo\"\"bar\" created").unwrap(),
            b"/usr/dm/foo\"bar"
        );
        assert_eq!(quote(b"/usr/dm/foo\"bar"), b"\"/usr/dm/foo\"\"bar\"");
        assert_eq!(unquote(b"no quotes"), None);
        assert_eq!(unquote(b"\"unterminated"), None);
        assert_eq!(unquote(b"MKD \"late\""), None, "the name opens the text");
    }

    #[test]
    fn line_breaks_in_names() {
        assert_eq!(quote(b"a\rb\nc"), b"\"a\r\0b?c\"");
        assert_eq!(unquote(b"\"a\r\0b\"").unwrap(), b"a\rb");
    }

    proptest! {
        #[test]
        fn unquote_reverses_quote(name in prop::collection::vec(any::<u8>().prop_filter("no LF", |b| *b != b'\n'), 0..40)) {
            let mut text = quote(&name);
            text.extend_from_slice(b" is the current directory.");
            prop_assert_eq!(unquote(&text), Some(name));
        }

        #[test]
        fn unquote_never_panics(text in prop::collection::vec(any::<u8>(), 0..40)) {
            let _ = unquote(&text);
        }
    }
}
