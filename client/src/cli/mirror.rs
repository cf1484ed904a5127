//! `mirror` and `pget` on the command line, for the shell and the one-shot command alike: the
//! arguments, the progress bars (one overall, one per active transfer, on a terminal only), the
//! `--dry-run` plan and the summary. The work itself is [`crate::mirror`] and [`crate::pget`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::cli::login::{login_for, LoginSources};
use crate::cli::mirror_bars::Bars;
use crate::cli::notice::Notices;
use crate::client::Options;
use crate::connect::Login;
use crate::error::{Error, Result};
use crate::mirror::{self, Direction, MirrorSpec, PlanOptions, Report};

/// Retries per file unless `--retries` says otherwise.
pub const DEFAULT_RETRIES: u32 = 5;

/// The usage line of the shell's `mirror`.
pub const MIRROR_USAGE: &str =
    "[-R] [--parallel N] [--only-newer] [--delete] [--dry-run] [--retries N] SOURCE DEST";

/// `mirror`'s arguments, validated: SOURCE and DEST as given (the caller resolves URLs or remote
/// paths). The one-shot command parses them with clap, the shell with [`MirrorArgs::parse`].
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct MirrorArgs {
    /// Upload: SOURCE is a local directory, DEST a URL.
    #[arg(short = 'R', long)]
    pub reverse: bool,
    /// Transfers at once, each on its own session.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Copy only files missing, of another size, or newer than the destination's.
    #[arg(long)]
    pub only_newer: bool,
    /// Remove destination files and directories that the source lacks.
    #[arg(long)]
    pub delete: bool,
    /// Print what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Tries after the first for a file whose transfer failed transiently.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RETRIES)]
    pub retries: u32,
    /// Where from: a URL (a local directory with -R).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Where to: a local directory (a URL with -R).
    #[arg(value_name = "DEST")]
    pub destination: String,
}

impl MirrorArgs {
    /// Parses the shell's `mirror` arguments.
    pub fn parse(words: &[String]) -> Result<MirrorArgs> {
        let usage = || Error::Usage(format!("mirror {MIRROR_USAGE}"));
        let mut args = MirrorArgs {
            reverse: false,
            parallel: 1,
            only_newer: false,
            delete: false,
            dry_run: false,
            retries: DEFAULT_RETRIES,
            source: String::new(),
            destination: String::new(),
        };
        let mut positional = Vec::new();
        let mut words = words.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "-R" | "--reverse" => args.reverse = true,
                "--only-newer" | "-n" => args.only_newer = true,
                "--delete" | "-e" => args.delete = true,
                "--dry-run" => args.dry_run = true,
                "--parallel" | "-P" => {
                    args.parallel = number(words.next(), 1, 64).ok_or_else(usage)?
                }
                "--retries" => {
                    args.retries = u32::from(number(words.next(), 0, 100).ok_or_else(usage)?)
                }
                flag if flag.starts_with('-') && flag.len() > 1 => return Err(usage()),
                _ => positional.push(word.clone()),
            }
        }
        match <[String; 2]>::try_from(positional) {
            Ok([source, destination]) => {
                args.source = source;
                args.destination = destination;
                Ok(args)
            }
            Err(_) => Err(usage()),
        }
    }

    /// The spec for a remote directory `remote` and local `local`.
    pub fn spec(&self, remote: String, local: PathBuf) -> MirrorSpec {
        MirrorSpec {
            direction: if self.reverse {
                Direction::Upload
            } else {
                Direction::Download
            },
            remote,
            local,
            parallel: usize::from(self.parallel),
            options: PlanOptions {
                only_newer: self.only_newer,
                delete: self.delete,
            },
            dry_run: self.dry_run,
            retries: self.retries,
        }
    }
}

/// The one-shot `mirror`: the remote side is a URL (DEST with `-R`, else SOURCE), the other a local
/// directory.
pub async fn one_shot_mirror(
    args: &MirrorArgs,
    sources: &LoginSources,
    options: Options,
    progress: bool,
    notices: Notices,
) -> Result<Report> {
    let (remote, local) = if args.reverse {
        (&args.destination, &args.source)
    } else {
        (&args.source, &args.destination)
    };
    let url = crate::url::parse(remote)?;
    let login = login_for(&url, sources, options)?;
    let remote_dir = url.path.trim_end_matches('/').to_string();
    let spec = args.spec(remote_dir, PathBuf::from(local));
    run_mirror(&login, &spec, progress, notices).await
}

fn number(word: Option<&String>, low: u16, high: u16) -> Option<u16> {
    let value: u16 = word?.parse().ok()?;
    (low..=high).contains(&value).then_some(value)
}

/// Runs a mirror with bars on a terminal (when `progress`), prints the plan for `--dry-run`, and
/// the summary as a notice. An incomplete mirror is an error (exit code 6) naming the failed paths.
pub async fn run_mirror(
    login: &Login,
    spec: &MirrorSpec,
    progress: bool,
    notices: Notices,
) -> Result<Report> {
    let started = Instant::now();
    let bars = Bars::new(progress && !spec.dry_run);
    let observer = bars.observer();
    let report = mirror::mirror(login, spec, observer).await;
    bars.finish();
    let report = report?;
    if spec.dry_run {
        print_plan(spec, &report);
    }
    for (path, reason) in &report.failures {
        eprintln!("ftp-client: mirror: {path}: {reason}");
    }
    let verb = if spec.dry_run { "would copy" } else { "copied" };
    notices.say(format!(
        "mirror: {verb} {} files ({} bytes) in {:.1} s; {} up to date, {} deleted, {} retries, {} failed, {} skipped (links, special files)",
        if spec.dry_run { report.plan.copies.len() } else { report.copied },
        if spec.dry_run { report.plan.bytes() } else { report.bytes },
        started.elapsed().as_secs_f64(),
        report.plan.up_to_date,
        report.deleted,
        report.retries,
        report.failures.len(),
        report.skipped.len(),
    ));
    if report.is_complete() {
        Ok(report)
    } else {
        Err(Error::Transfer {
            what: "mirror".into(),
            reason: format!(
                "{} of {} paths did not make it",
                report.failures.len(),
                report.plan.copies.len()
                    + report.plan.make_dirs.len()
                    + report.plan.conflicts.len()
            ),
        })
    }
}

/// `--dry-run`: one line per action, on stdout.
fn print_plan(spec: &MirrorSpec, report: &Report) {
    let (make, copy, delete) = match spec.direction {
        Direction::Download => ("mkdir (local)", "get", "delete (local)"),
        Direction::Upload => ("mkdir", "put", "delete"),
    };
    let plan = &report.plan;
    for dir in &plan.make_dirs {
        println!("{make} {dir}");
    }
    for copy_action in &plan.copies {
        println!("{copy} {} ({} bytes)", copy_action.path, copy_action.size);
    }
    for file in &plan.delete_files {
        println!("{delete} {file}");
    }
    for dir in &plan.remove_dirs {
        println!("{delete} {dir}/");
    }
    for conflict in &plan.conflicts {
        println!("conflict {conflict} (file on one side, directory on the other)");
    }
}

/// `get --segments N` / `pget`: one file over `segments` sessions, with one bar on a terminal.
pub async fn run_pget(
    login: &Login,
    remote: &str,
    local: &std::path::Path,
    segments: usize,
    progress: bool,
    notices: Notices,
) -> Result<u64> {
    let started = Instant::now();
    let bar = crate::cli::progress::Bar::new(remote, progress);
    let bar = Arc::new(Mutex::new(bar));
    let shown = bar.clone();
    let on_progress = Arc::new(move |done: u64, total: u64| {
        if let Ok(bar) = shown.lock() {
            bar.update(crate::transfer::Progress {
                done,
                total: Some(total),
            });
        }
    });
    let result = crate::pget::get_segmented(login, remote, local, segments, on_progress).await;
    if let Ok(bar) = bar.lock() {
        bar.finish();
    }
    let size = result?;
    notices.say(crate::cli::notice::downloaded(
        remote,
        local,
        size,
        0,
        started.elapsed(),
    ));
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn mirror_arguments() {
        let args = MirrorArgs::parse(&words(
            "-R --parallel 4 --only-newer --delete --dry-run a b",
        ))
        .unwrap();
        assert!(args.reverse && args.only_newer && args.delete && args.dry_run);
        assert_eq!(
            (
                args.parallel,
                args.source.as_str(),
                args.destination.as_str()
            ),
            (4, "a", "b")
        );
        let plain = MirrorArgs::parse(&words("x y")).unwrap();
        assert_eq!(
            (plain.parallel, plain.retries, plain.reverse),
            (1, DEFAULT_RETRIES, false)
        );
        for bad in [
            "a",
            "a b c",
            "--parallel 0 a b",
            "--parallel x a b",
            "--frob a b",
            "--parallel",
        ] {
            assert!(MirrorArgs::parse(&words(bad)).is_err(), "{bad}");
        }
    }
}
