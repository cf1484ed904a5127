//! `ftp-fuzz`: runs fuzz targets for a while; saves and prints any input that breaks one.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Parser;
use ftp_fuzz::{corpus, runner, Target};

const EXAMPLES: &str = "\
Examples:
  Fuzz the command parser for 10 minutes:
    ftp-fuzz command --seconds 600
  Every target for 5 seconds each over its saved corpus and fresh inputs (CI):
    ftp-fuzz --seconds 5
  Replay a run with the same generated inputs:
    ftp-fuzz tftp --seconds 60 --seed 42

An input that panics a target or runs longer than 5 s is saved as fuzz/corpus/TARGET/crash-HASH
(replayed by `cargo test -p ftp-fuzz` from then on) and printed; the exit status is then 1.";

/// Fuzz the parsers that read network input: structure-aware generated inputs plus the saved corpus.
#[derive(Parser, Debug)]
#[command(name = "ftp-fuzz", version, after_help = EXAMPLES)]
struct Cli {
    /// Targets to run [default: all].
    #[arg(value_enum)]
    targets: Vec<Target>,
    /// Seconds per target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seed of the generated inputs [default: from the clock, printed].
    #[arg(long)]
    seed: Option<u64>,
}

fn main() -> Result<ExitCode> {
    let cli = Cli::parse();
    let targets = if cli.targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        cli.targets
    };
    let seed = cli.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |since| since.as_secs())
    });
    let mut failed = false;
    for target in targets {
        let report = runner::run(target, Duration::from_secs(cli.seconds), seed)?;
        println!(
            "{target:>9}: {} corpus inputs, {} generated (seed {seed}): {}",
            report.corpus_inputs,
            report.generated_inputs,
            if report.failure.is_some() {
                "FAILED"
            } else {
                "ok"
            }
        );
        if let Some(failure) = report.failure {
            failed = true;
            let path = corpus::save_crash(target, &failure.input)?;
            println!(
                "  {}\n  input {:?}\n  saved as {}",
                failure.message,
                failure.input,
                path.display()
            );
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
