//! Known deviations of real servers, kept in one file (`conformance/known-deviations.toml`): each names a
//! server glob, a case glob, the RFC reference and a reason. A listed failure is reported as a known
//! deviation, never hidden; a failure not listed is either a server bug to list or a suite bug to fix.

use serde::Deserialize;

use crate::runner::glob_matches;

/// One known deviation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Deviation {
    /// Server name glob (the `--name` a run was given), e.g. `vsftpd`.
    pub server: String,
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
}

/// Parses the deviations file.
pub fn parse(text: &str) -> Result<Vec<Deviation>, DeviationsError> {
    let file: File = toml::from_str(text)?;
    for deviation in &file.deviation {
        if deviation.reason.trim().is_empty() || deviation.rfc.trim().is_empty() {
            return Err(DeviationsError::Incomplete {
                server: deviation.server.clone(),
                case: deviation.case.clone(),
            });
        }
    }
    Ok(file.deviation)
}

/// The deviation that covers `case` on `server`, if any.
pub fn find<'a>(deviations: &'a [Deviation], server: &str, case: &str) -> Option<&'a Deviation> {
    deviations
        .iter()
        .find(|d| glob_matches(&d.server, server) && glob_matches(&d.case, case))
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
}
