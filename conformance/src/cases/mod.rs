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
//! - [`rfc959_5_4_table`], [`rfc959_5_4_errors`]: the rest of the §5.4 command-reply table (ACCT ... HELP,
//!   path errors, REST sequencing, X-verbs), [`rfc959_5_4_capacity`] (421 when full); [`rfc959_3_representation`]: TYPE A/L 8, spaced names, Telnet;
//!   [`rfc959_3_2_data_port`]: the default data port (RETR without PORT/PASV).
//! - [`rfc2389_feat`]: FEAT and OPTS; [`rfc3659_mdtm_rest`], [`rfc3659_mlsx`]: MDTM, SIZE in TYPE A, REST
//!   STREAM, MLST/MLSD; [`rfc2640_utf8`]: UTF-8 names. [`shared`]: steps those files share.

pub mod brief;
pub mod rfc2389_feat;
pub mod rfc2428_extended;
pub mod rfc2428_restrictions;
pub mod rfc2577_accounts;
pub mod rfc2577_outside;
pub mod rfc2577_security;
pub mod rfc2640_utf8;
pub mod rfc3659_mdtm_rest;
pub mod rfc3659_mlsx;
pub mod rfc3659_size;
pub mod rfc4217_certificate;
pub mod rfc4217_ftps;
pub mod rfc4217_sequence;
pub mod rfc959_3_2_data_port;
pub mod rfc959_3_representation;
pub mod rfc959_4_1_1_access;
pub mod rfc959_4_1_2_transfer_params;
pub mod rfc959_4_1_3_service;
pub mod rfc959_4_2_replies;
pub mod rfc959_5_3_syntax;
pub mod rfc959_5_4_capacity;
pub mod rfc959_5_4_data_errors;
pub mod rfc959_5_4_errors;
pub mod rfc959_5_4_table;
pub mod shared;

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
        rfc959_5_4_table::CASES,
        rfc959_5_4_errors::CASES,
        rfc959_5_4_capacity::CASES,
        rfc959_3_representation::CASES,
        rfc959_3_2_data_port::CASES,
        rfc2389_feat::CASES,
        rfc3659_mdtm_rest::CASES,
        rfc3659_mlsx::CASES,
        rfc2640_utf8::CASES,
        rfc4217_ftps::CASES,
        rfc4217_sequence::CASES,
        rfc4217_certificate::CASES,
        brief::CASES,
    ]
    .concat()
}
