//! Every fuzz target over its saved corpus (seeds and past crashes), and over a few thousand
//! structure-aware generated inputs; plus checks that the targets can fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ftp_fuzz::{corpus, runner, Target};
use proptest::prelude::*;
use std::time::Duration;

#[test]
fn every_saved_input_passes_its_target() {
    for target in Target::ALL {
        let inputs = corpus::load(target).unwrap_or_default();
        assert!(!inputs.is_empty(), "no corpus for {target}");
        for (name, input) in inputs {
            let outcome = std::panic::catch_unwind(|| target.check(&input));
            assert!(outcome.is_ok(), "{target}: corpus/{target}/{name} fails");
        }
    }
}

#[test]
fn a_short_run_of_every_target_finds_nothing() {
    for target in Target::ALL {
        let report =
            runner::run(target, Duration::from_millis(1500), 1).unwrap_or_else(|e| panic!("{e}"));
        assert!(report.generated_inputs > 10, "{report:?}");
        assert!(report.failure.is_none(), "{target}: {:?}", report.failure);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn command_inputs(input in Target::Command.inputs()) { Target::Command.check(&input) }

    #[test]
    fn reply_inputs(input in Target::Reply.inputs()) { Target::Reply.check(&input) }

    #[test]
    fn hostport_inputs(input in Target::Hostport.inputs()) { Target::Hostport.check(&input) }

    #[test]
    fn tftp_inputs(input in Target::Tftp.inputs()) { Target::Tftp.check(&input) }

    #[test]
    fn chat_inputs(input in Target::Chat.inputs()) { Target::Chat.check(&input) }
}

/// A target with a planted bug: the runner must find it, and report it with the input.
#[test]
fn the_runner_finds_a_planted_panic_and_a_planted_hang() {
    let planted_panic = |bytes: &[u8]| {
        if bytes.contains(&b'\r') && bytes.contains(&b'\n') {
            panic!("planted");
        }
    };
    let (_, _, failure) = runner::run_with(
        planted_panic,
        || Target::Reply.inputs(),
        Vec::new(),
        Duration::from_secs(10),
        3,
        Duration::from_secs(5),
    );
    let failure = failure.expect("the planted panic was not found");
    assert!(failure.message.contains("planted"));
    assert!(failure.input.contains(&b'\r'));

    let planted_hang = |bytes: &[u8]| {
        if bytes.starts_with(b"HANG") {
            // Bounded so the test's thread ends too, but far past the limit.
            std::thread::sleep(Duration::from_secs(3));
        }
    };
    let (_, _, failure) = runner::run_with(
        planted_hang,
        || Target::Reply.inputs(),
        vec![b"HANG".to_vec()],
        Duration::from_secs(2),
        3,
        Duration::from_millis(500),
    );
    let failure = failure.expect("the planted hang was not found");
    assert!(
        failure.message.contains("did not return"),
        "{}",
        failure.message
    );
    assert_eq!(failure.input, b"HANG");
}
