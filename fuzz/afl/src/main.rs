//! The AFL++ harness: reads FTP_FUZZ_TARGET (command, reply, hostport, tftp, chat, listing) and hands every
//! input AFL generates to that target's check; a panic is a crash AFL saves.

use clap::ValueEnum;
use ftp_fuzz::Target;

fn main() {
    let name = std::env::var("FTP_FUZZ_TARGET").unwrap_or_default();
    let Ok(target) = Target::from_str(&name, true) else {
        eprintln!("FTP_FUZZ_TARGET must name a target (command, reply, hostport, tftp, chat, listing), not {name:?}");
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        target.check(data);
    });
}
