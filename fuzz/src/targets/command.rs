//! The command parser, as the server meets it: any line (without its CRLF) from a client.
//! Holds: no panic; a parsed command re-encodes to a line no longer than the input allows, and that
//! line parses back to the same command.

use ftp_proto::{Command, Verb};
use proptest::collection::vec;
use proptest::prelude::*;

pub fn check(line: &[u8]) {
    let Ok(command) = Command::parse(line) else {
        return;
    };
    let encoded = command.line();
    // Aliases shorten (XMKD -> MKD) and arguments are normalised; text arguments (HELP, OPTS) are
    // decoded lossily, so each invalid byte may come back as U+FFFD (3 bytes): growth stays linear.
    assert!(
        encoded.len() <= 3 * line.len() + 16,
        "{line:?} parsed to {command:?}, which encodes to {} bytes",
        encoded.len()
    );
    let again = Command::parse(&encoded);
    assert_eq!(
        again.as_ref(),
        Ok(&command),
        "{line:?} -> {command:?} -> {encoded:?} -> {again:?}"
    );
}

fn argument() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        "[ -~]{0,40}".prop_map(String::into_bytes),
        "[0-9, ]{0,30}".prop_map(String::into_bytes),
        "\\|[12]\\|[0-9a-f.:]{0,20}\\|[0-9]{0,6}\\|".prop_map(String::into_bytes),
        "-[alRt]{0,4}( [ -~]{0,20})?".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..40),
    ]
}

/// A known verb (any case), a separator, an argument.
pub fn inputs() -> BoxedStrategy<Vec<u8>> {
    let verb = prop::sample::select(Verb::ALL.to_vec()).prop_map(|verb| verb.as_str().to_string());
    (
        verb,
        any::<bool>(),
        prop::sample::select(vec![" ", "  ", "", "\t"]),
        argument(),
    )
        .prop_map(|(verb, lower, separator, argument)| {
            let mut line = if lower { verb.to_lowercase() } else { verb }.into_bytes();
            line.extend_from_slice(separator.as_bytes());
            line.extend_from_slice(&argument);
            line
        })
        .boxed()
}
