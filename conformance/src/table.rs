//! RFC 959 §5.4, "Sequencing of commands and replies": for each command, the reply codes a server may
//! send. Cases judge codes against it, so an answer outside the table fails even when it "worked".

/// Replies any command may get when the service is closing or the command is not understood.
const ALWAYS: [u16; 3] = [421, 500, 501];

/// The codes RFC 959 §5.4 lists for `verb` (uppercase), plus the general 421/500/501; `None` for a verb the
/// table does not cover.
pub fn allowed(verb: &str) -> Option<Vec<u16>> {
    let specific: &[u16] = match verb {
        "USER" => &[230, 530, 331, 332],
        "ACCT" => &[230, 202, 530, 503],
        "SMNT" => &[202, 250, 502, 530, 550],
        "REIN" => &[120, 220, 502],
        "PASS" => &[230, 202, 530, 503, 332],
        "CWD" | "XCWD" => &[250, 502, 530, 550],
        "CDUP" | "XCUP" => &[200, 250, 502, 530, 550],
        "QUIT" => &[221],
        "PORT" => &[200, 530],
        "PASV" => &[227, 502, 530],
        "MODE" | "TYPE" | "STRU" => &[200, 504, 530],
        "ALLO" => &[200, 202, 504, 530],
        "REST" => &[350, 502, 530],
        "STOR" | "STOU" | "APPE" => &[
            125, 150, 110, 226, 250, 425, 426, 451, 551, 552, 532, 450, 452, 553, 530,
        ],
        // 551 is not in the table for RETR, but the brief names it for a read failure.
        "RETR" => &[125, 150, 110, 226, 250, 425, 426, 451, 551, 450, 550, 530],
        "LIST" | "NLST" => &[125, 150, 226, 250, 425, 426, 451, 450, 502, 530],
        "RNFR" => &[450, 550, 502, 530, 350],
        "RNTO" => &[250, 532, 553, 502, 503, 530],
        "DELE" => &[250, 450, 550, 502, 530],
        "RMD" | "XRMD" => &[250, 502, 530, 550],
        "MKD" | "XMKD" => &[257, 502, 530, 550],
        "PWD" | "XPWD" => &[257, 502, 550],
        "ABOR" => &[225, 226, 502],
        "SYST" => &[215, 502],
        "STAT" => &[211, 212, 213, 450, 502, 530],
        "HELP" => &[211, 214, 502],
        "SITE" => &[200, 202, 530],
        "NOOP" => &[200],
        _ => return None,
    };
    let mut codes: Vec<u16> = specific.to_vec();
    codes.extend_from_slice(&ALWAYS);
    Some(codes)
}

/// True when RFC 959 §5.4 allows `code` as a reply to `verb` (verbs outside the table allow anything).
pub fn permits(verb: &str, code: u16) -> bool {
    allowed(&verb.to_ascii_uppercase()).is_none_or(|codes| codes.contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows() {
        assert!(permits("retr", 150));
        assert!(permits("RETR", 451));
        assert!(!permits("NOOP", 250));
        assert!(!permits("PORT", 425));
        assert!(permits("FEAT", 211));
        assert!(permits("ABOR", 225));
    }
}
