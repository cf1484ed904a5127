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

    #[rstest]
    #[case("ftp://h", None, None, "h", 21, "")]
    #[case("ftp://h:2121/", None, None, "h", 2121, "")]
    #[case(
        "ftp://anonymous@127.0.0.1:99/up/a.txt",
        Some("anonymous"),
        None,
        "127.0.0.1",
        99,
        "up/a.txt"
    )]
    #[case("ftp://u%40x:p%3Aw@h/d%20e", Some("u@x"), Some("p:w"), "h", 21, "d e")]
    #[case("ftp://u:p@ss@h/f", Some("u"), Some("p@ss"), "h", 21, "f")]
    #[case("ftp://[::1]:2121//abs", None, None, "::1", 2121, "/abs")]
    #[case("FTP://h/f;type=i", None, None, "h", 21, "f")]
    #[case("h:21/x", None, None, "h", 21, "x")]
    fn parses(
        #[case] text: &str,
        #[case] user: Option<&str>,
        #[case] password: Option<&str>,
        #[case] host: &str,
        #[case] port: u16,
        #[case] path: &str,
    ) {
        let url = parse(text).unwrap();
        assert_eq!(url.user.as_deref(), user);
        assert_eq!(url.password.as_deref(), password);
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            (host, port, path)
        );
    }

    #[rstest]
    #[case("http://h/")]
    #[case("ftp://")]
    #[case("ftp://h:0/")]
    #[case("ftp://h:99999/")]
    #[case("ftp://h:x/")]
    #[case("ftp://h/%zz")]
    #[case("ftp://h/a%0d%0aDELE%20b")]
    fn refuses(#[case] text: &str) {
        assert!(matches!(parse(text), Err(Error::Usage(_))), "{text}");
    }

    #[test]
    fn file_name_is_the_last_segment() {
        assert_eq!(parse("ftp://h/a/b.bin").unwrap().file_name(), Some("b.bin"));
        assert_eq!(parse("ftp://h/a/").unwrap().file_name(), None);
    }
}
