//! The cases, one module per RFC section (h2spec style), and the registry of all of them in report order.
//!
//! - [`rfc959_4_2_replies`]: greeting and reply grammar (RFC 959 §4.2).
//! - [`rfc959_4_1_1_access`]: USER, PASS, QUIT and the login sequence (§4.1.1).
//! - [`rfc959_4_1_2_transfer_params`]: TYPE, MODE, STRU, PORT, PASV (§4.1.2).
//! - [`rfc959_4_1_3_service`]: transfers, directories, ABOR, NOOP, sessions side by side (§4.1.3).
//! - [`rfc959_5_3_syntax`]: command syntax: case, line ends, empty and over-long lines (§5.3).
//! - [`rfc959_5_4_data_errors`]: the data-connection error replies 425, 426, 451 (§5.4 and the brief).
//! - [`rfc2577_security`]: FTP bounce, data-connection theft, escaping the root (RFC 2577).
//! - [`rfc2428_extended`]: EPSV and EPRT (RFC 2428), [`rfc3659_size`]: SIZE (RFC 3659).
//! - [`rfc4217_ftps`]: FTPS (RFC 4217 with RFC 2228's AUTH, PBSZ, PROT, CCC), run on TLS targets.
//! - [`rfc2428_restrictions`]: EPSV ALL, 522's protocol list, EPRT syntax and bounce (RFC 2428).
//! - [`rfc2577_outside`]: the outside link refused by NLST, MLSD, MLST, MDTM, STAT, APPE, MKD, RNTO.
//! - [`rfc4217_certificate`]: the server certificate's report and names.
//! - [`rfc4217_sequence`]: PBSZ and PROT before AUTH TLS; [`rfc2577_accounts`]: no user enumeration.
//! - [`brief`]: the brief's example session and its ignore-during-transfer rule.

pub mod brief;
pub mod rfc2428_extended;
pub mod rfc2428_restrictions;
pub mod rfc2577_accounts;
pub mod rfc2577_outside;
pub mod rfc2577_security;
pub mod rfc3659_size;
pub mod rfc4217_certificate;
pub mod rfc4217_ftps;
pub mod rfc4217_sequence;
pub mod rfc959_4_1_1_access;
pub mod rfc959_4_1_2_transfer_params;
pub mod rfc959_4_1_3_service;
pub mod rfc959_4_2_replies;
pub mod rfc959_5_3_syntax;
pub mod rfc959_5_4_data_errors;

use crate::case::Case;

/// Every case, in the order reports list them.
pub fn all() -> Vec<Case> {
    [
        rfc959_4_2_replies::CASES,
        rfc959_4_1_1_access::CASES,
        rfc959_4_1_2_transfer_params::CASES,
        rfc959_4_1_3_service::CASES,
        rfc959_5_3_syntax::CASES,
        rfc959_5_4_data_errors::CASES,
        rfc2577_security::CASES,
        rfc2577_outside::CASES,
        rfc2577_accounts::CASES,
        rfc2428_extended::CASES,
        rfc2428_restrictions::CASES,
        rfc3659_size::CASES,
        rfc4217_ftps::CASES,
        rfc4217_sequence::CASES,
        rfc4217_certificate::CASES,
        brief::CASES,
    ]
    .concat()
}
