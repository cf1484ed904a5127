//! The client's reading of an `ftp://` URL: the shared [`FtpUrl`] of `ftp-proto` (percent-decoding, the
//! path relative to the login directory, as in curl), plus what only the client accepts, a bare
//! `host[:port][/path]`, and its errors worded as the client's usage errors.

use ftp_proto::url::UrlError;
pub use ftp_proto::url::{FtpUrl, DEFAULT_PORT};

use crate::error::{Error, Result};

/// Parses an `ftp://` URL; a bare `host[:port][/path]` is taken as one too.
pub fn parse(text: &str) -> Result<FtpUrl> {
    let parsed = match FtpUrl::parse(text) {
        Err(UrlError::NoScheme) => FtpUrl::parse(&format!("ftp://{text}")),
        parsed => parsed,
    };
    parsed.map_err(|error| {
        Error::Usage(match error {
            // A decoding error names the part that failed, not the whole URL.
            UrlError::Escape(_) | UrlError::NotUtf8(_) | UrlError::LineBreak(_) => {
                error.to_string()
            }
            UrlError::UnclosedBracket | UrlError::Port(_) => {
                format!("bad URL {text:?}: bad host or port")
            }
            _ => format!("bad URL {text:?}: {error}"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    // How URLs parse is `ftp_proto::url`'s to test; these cover what the client adds.

    #[test]
    fn a_bare_host_is_a_url() {
        let url = parse("h:2121/x").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("h", 2121, "x")
        );
        assert_eq!(parse("h").unwrap().port, DEFAULT_PORT);
    }

    #[rstest]
    #[case("http://h/", "scheme")]
    #[case("ftp://", "no host")]
    #[case("ftp://h:0/", "bad host or port")]
    #[case("ftp://h:99999/", "bad host or port")]
    #[case("ftp://h:x/", "bad host or port")]
    #[case("ftp://h/%zz", "percent-escape")]
    #[case("ftp://h/a%0d%0aDELE%20b", "line break")]
    fn refusals_are_usage_errors(#[case] text: &str, #[case] wording: &str) {
        match parse(text) {
            Err(Error::Usage(message)) => assert!(message.contains(wording), "{text}: {message}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}
