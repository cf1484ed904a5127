//! Known deviations of real servers and clients, kept in one file (`conformance/known-deviations.toml`):
//! each names a server glob (or, for client mode, a `client` glob), a case glob, the RFC reference and a
//! reason. A listed failure is reported as a known deviation, never hidden; a failure not listed is
//! either a bug of the server or client to list, or a suite bug to fix. A `client` entry covers only
//! client-mode cases (ids under `client/`), a `server` entry only the others.

use serde::Deserialize;

use crate::runner::glob_matches;

/// The id prefix of client-mode cases.
const CLIENT_CASES: &str = "client/";

/// One known deviation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Deviation {
    /// Server name glob (the `--name` a run was given), e.g. `vsftpd`; empty in a client entry.
    #[serde(default)]
    pub server: String,
    /// Client name glob (the `--name` of a `ftp-conformance client` run), e.g. `curl`; empty in a
    /// server entry.
    #[serde(default)]
    pub client: String,
    /// Case id glob.
    pub case: String,
    /// The requirement broken, e.g. `RFC 959 §5.4`.
    pub rfc: String,
    /// Why the server behaves so, or where it was reported.
    pub reason: String,
}

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    deviation: Vec<Deviation>,
}

/// Why a deviations file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviationsError {
    /// Not TOML, or not the shape of the file.
    #[error(transparent)]
    Toml(#[from] toml::de::Error),
    /// An entry without its `rfc` or `reason`: a deviation must say what it breaks and why.
    #[error("deviation {server} / {case} needs an rfc reference and a reason")]
    Incomplete { server: String, case: String },
    /// An entry naming both a server and a client, or neither.
    #[error("deviation for case {case} must name exactly one of `server` and `client`")]
    Subject { case: String },
}

/// Parses the deviations file.
pub fn parse(text: &str) -> Result<Vec<Deviation>, DeviationsError> {
    let file: File = toml::from_str(text)?;
    for deviation in &file.deviation {
        if deviation.reason.trim().is_empty() || deviation.rfc.trim().is_empty() {
            return Err(DeviationsError::Incomplete {
                server: deviation.subject().to_string(),
                case: deviation.case.clone(),
            });
        }
        if deviation.server.is_empty() == deviation.client.is_empty() {
            return Err(DeviationsError::Subject {
                case: deviation.case.clone(),
            });
        }
    }
    Ok(file.deviation)
}

impl Deviation {
    /// The server or client the entry is about.
    pub fn subject(&self) -> &str {
        if self.client.is_empty() {
            &self.server
        } else {
            &self.client
        }
    }
}

/// The deviation that covers `case` on `name` (a server, or a client for the `client/` cases), if any.
pub fn find<'a>(deviations: &'a [Deviation], name: &str, case: &str) -> Option<&'a Deviation> {
    let client_case = case.starts_with(CLIENT_CASES);
    deviations.iter().find(|d| {
        let subject = if client_case { &d.client } else { &d.server };
        !subject.is_empty() && glob_matches(subject, name) && glob_matches(&d.case, case)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_finds() {
        let text = "[[deviation]]\nserver = \"vsftpd\"\ncase = \"rfc959/4.1.1/*\"\nrfc = \"RFC 959 §5.4\"\nreason = \"answers 530\"\n";
        let list = parse(text).unwrap();
        assert_eq!(list.len(), 1);
        assert!(find(&list, "vsftpd", "rfc959/4.1.1/pass-without-user").is_some());
        assert!(find(&list, "proftpd", "rfc959/4.1.1/pass-without-user").is_none());
        assert!(
            parse("[[deviation]]\nserver = \"a\"\ncase = \"b\"\nrfc = \"\"\nreason = \"\"\n")
                .is_err()
        );
    }

    #[test]
    fn client_entries_cover_client_cases_only() {
        let text = "[[deviation]]\nclient = \"curl\"\ncase = \"*\"\nrfc = \"RFC 959 §4.2\"\nreason = \"r\"\n";
        let list = parse(text).unwrap();
        assert!(find(&list, "curl", "client/rfc959/4.2/multiline-unpadded-code").is_some());
        assert!(find(&list, "curl", "rfc959/4.2/reply-grammar").is_none());
        assert!(find(&list, "lftp", "client/rfc959/4.2/multiline-unpadded-code").is_none());
        let server = "[[deviation]]\nserver = \"*\"\ncase = \"*\"\nrfc = \"x\"\nreason = \"r\"\n";
        assert!(find(
            &parse(server).unwrap(),
            "curl",
            "client/rfc959/3.3/plain-download"
        )
        .is_none());
        let both = "[[deviation]]\nserver = \"a\"\nclient = \"b\"\ncase = \"*\"\nrfc = \"x\"\nreason = \"r\"\n";
        assert!(parse(both).is_err());
        assert!(parse("[[deviation]]\ncase = \"*\"\nrfc = \"x\"\nreason = \"r\"\n").is_err());
    }
}
