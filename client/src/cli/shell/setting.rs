//! `set`: the settings a shell user can change between connections, each parsed once here.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::tls::{TlsMode, TlsOptions, Trust};

/// A setting `set` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// `set tls auto|explicit|implicit|off`.
    Tls(TlsMode),
    /// `set tls-fallback on|off`: may `auto` go on without TLS.
    TlsFallback(bool),
    /// `set ca-file PEM|none`: the CA to trust instead of Mozilla's roots.
    CaFile(Option<PathBuf>),
    /// `set insecure on|off`: accept any certificate.
    Insecure(bool),
}

impl Setting {
    pub(crate) fn parse(name: &str, value: &str) -> Result<Setting> {
        let on_off = || match value {
            "on" | "yes" | "true" => Ok(true),
            "off" | "no" | "false" => Ok(false),
            _ => Err(Error::Usage(format!("set {name} on|off"))),
        };
        Ok(match name {
            "tls" => Setting::Tls(value.parse()?),
            "tls-fallback" => Setting::TlsFallback(on_off()?),
            "ca-file" if value == "none" => Setting::CaFile(None),
            "ca-file" => Setting::CaFile(Some(PathBuf::from(value))),
            "insecure" => Setting::Insecure(on_off()?),
            _ => {
                return Err(Error::Usage(format!(
                    "no setting {name:?} (tls, tls-fallback, ca-file, insecure)"
                )))
            }
        })
    }
}

impl Setting {
    /// Applies the setting to the TLS options of the next connection; returns what changed, in words.
    pub fn apply(&self, tls: &mut TlsOptions) -> String {
        match self {
            Setting::Tls(mode) => tls.mode = *mode,
            Setting::TlsFallback(on) => tls.fallback = *on,
            Setting::CaFile(Some(path)) => tls.trust = Trust::CaFile(path.clone()),
            Setting::CaFile(None) | Setting::Insecure(false) => tls.trust = Trust::PublicRoots,
            Setting::Insecure(true) => tls.trust = Trust::Insecure,
        }
        format!("{} (from the next open)", show(tls))
    }
}

/// The TLS settings in one line: `tls explicit; tls-fallback off; trust: ca-file /x.pem`.
pub fn show(tls: &TlsOptions) -> String {
    let trust = match &tls.trust {
        Trust::PublicRoots => "Mozilla's roots".to_string(),
        Trust::CaFile(path) => format!("ca-file {}", path.display()),
        Trust::Insecure => "insecure (any certificate)".to_string(),
    };
    let fallback = if tls.fallback { "on" } else { "off" };
    format!("tls {}; tls-fallback {fallback}; trust: {trust}", tls.mode)
}
