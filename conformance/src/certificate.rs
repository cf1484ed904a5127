//! The facts of a server certificate the FTPS report shows (subject, names, issuer, validity), read
//! with `x509-parser` at the edge, so that cases see a typed summary.

use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

/// What a report says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub names: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    /// notBefore <= now <= notAfter.
    pub valid_now: bool,
    /// Issuer and subject are the same: self-signed.
    pub self_signed: bool,
}

impl CertificateFacts {
    /// One fact per line, for the transcript.
    pub fn lines(&self) -> Vec<String> {
        vec![
            format!("certificate subject: {}", self.subject),
            format!(
                "certificate issuer: {} (self-signed: {})",
                self.issuer, self.self_signed
            ),
            format!("certificate names: {}", self.names.join(", ")),
            format!(
                "certificate valid: {} to {} (now: {})",
                self.not_before, self.not_after, self.valid_now
            ),
        ]
    }
}

/// Reads a DER certificate; `Err` says why it is not one.
pub fn facts(der: &[u8]) -> Result<CertificateFacts, String> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| format!("not X.509: {e}"))?;
    let names = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(dns.to_string()),
                GeneralName::IPAddress(bytes) => ip_text(bytes),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let validity = cert.validity();
    Ok(CertificateFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names,
        not_before: validity.not_before.to_string(),
        not_after: validity.not_after.to_string(),
        valid_now: validity.is_valid(),
        self_signed: cert.subject() == cert.issuer(),
    })
}

/// An IP address of a subjectAltName (4 or 16 bytes) as text.
fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}
