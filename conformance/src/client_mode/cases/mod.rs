//! The client-mode cases, one module per RFC section as in server mode. A case is data: an id by RFC
//! section, a title, the quoted requirement, a level, the [`Script`] its server follows, what the
//! client command must be able to do ([`Needs`]), and a judge of the [`Observed`] result.

mod restart;
mod rfc1123_4_1_2_6_pasv;
mod rfc2428_extended;
mod rfc4217_tls;
mod rfc959_3_3_data;
mod rfc959_4_2_replies;
mod rfc959_5_4_retr;
mod timeouts;

use super::judge::Observed;
use super::script::Script;
use crate::case::{Level, Outcome};

/// What a case needs of the client command beyond a plain download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The main command (`-- CMD ...`).
    Download,
    /// The `--resume` command (a partial `{out}` exists and must be continued).
    Resume,
    /// A command that takes the client's timeout as `{timeout}`.
    Timeout,
    /// The `--tls` command: explicit FTPS with PROT P, trusting the CA at `{ca}`.
    Tls,
}

/// One client-conformance case.
#[derive(Clone, Copy)]
pub struct ClientCase {
    /// `client/rfc959/4.2/multiline-odd-middle`.
    pub id: &'static str,
    pub title: &'static str,
    /// The requirement, quoted from the RFC.
    pub requirement: &'static str,
    pub level: Level,
    pub script: Script,
    pub needs: Needs,
    pub judge: fn(&Observed) -> Outcome,
}

impl std::fmt::Debug for ClientCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCase")
            .field("id", &self.id)
            .field("level", &self.level)
            .finish()
    }
}

/// Every client case, in report order.
pub fn all() -> Vec<ClientCase> {
    [
        rfc959_3_3_data::cases(),
        rfc959_4_2_replies::cases(),
        rfc959_5_4_retr::cases(),
        rfc1123_4_1_2_6_pasv::cases(),
        rfc2428_extended::cases(),
        rfc4217_tls::cases(),
        restart::cases(),
        timeouts::cases(),
    ]
    .concat()
}
