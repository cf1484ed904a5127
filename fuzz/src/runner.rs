//! A time-boxed fuzz run of one target: the saved corpus first, then generated inputs until the time
//! is up. Each input runs under `catch_unwind` on a worker thread; a watchdog on the calling thread
//! reports an input that has not returned within [`HANG_LIMIT`] (a loop that never ends).

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::{corpus, Target};

/// One input may take this long; parsers of a single line or datagram take microseconds.
pub const HANG_LIMIT: Duration = Duration::from_secs(5);

/// What broke a target.
#[derive(Debug, Clone)]
pub struct Failure {
    pub input: Vec<u8>,
    /// The panic message, or that the input hung.
    pub message: String,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub target: Target,
    pub corpus_inputs: u64,
    pub generated_inputs: u64,
    pub failure: Option<Failure>,
}

struct Shared {
    current: Mutex<(Instant, Vec<u8>)>,
    done: AtomicBool,
    generated: AtomicU64,
    failure: Mutex<Option<Failure>>,
}

/// Runs `target` over its corpus, then on generated inputs (from `seed`) for `duration`.
pub fn run(target: Target, duration: Duration, seed: u64) -> std::io::Result<RunReport> {
    let corpus: Vec<Vec<u8>> = corpus::load(target)?
        .into_iter()
        .map(|(_, input)| input)
        .collect();
    let (corpus_inputs, generated_inputs, failure) = run_with(
        move |bytes| target.check(bytes),
        move || target.inputs(),
        corpus,
        duration,
        seed,
        HANG_LIMIT,
    );
    Ok(RunReport {
        target,
        corpus_inputs,
        generated_inputs,
        failure,
    })
}

/// The engine behind [`run`], for any check: `corpus` first, then inputs drawn from the strategy
/// `inputs` makes (a strategy cannot cross threads) until `duration` is up;
/// an input that runs longer than `hang_limit` is a failure. Returns the counts and the failure.
pub fn run_with(
    check: impl Fn(&[u8]) + Send + 'static,
    inputs: impl FnOnce() -> BoxedStrategy<Vec<u8>> + Send + 'static,
    corpus: Vec<Vec<u8>>,
    duration: Duration,
    seed: u64,
    hang_limit: Duration,
) -> (u64, u64, Option<Failure>) {
    let corpus_inputs = corpus.len() as u64;
    let shared = Arc::new(Shared {
        current: Mutex::new((Instant::now(), Vec::new())),
        done: AtomicBool::new(false),
        generated: AtomicU64::new(0),
        failure: Mutex::new(None),
    });
    let worker_shared = Arc::clone(&shared);
    let deadline = Instant::now() + duration;
    // The default hook would print every caught panic; the failure is reported once, below.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let worker = std::thread::spawn(move || {
        let shared = worker_shared;
        if !run_inputs(&check, corpus.into_iter(), &shared) {
            let mut seed_bytes = [0u8; 32];
            seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
            let mut runner = TestRunner::new_with_rng(Config::default(), rng);
            let strategy = inputs();
            let generated = std::iter::from_fn(|| {
                if Instant::now() >= deadline {
                    return None;
                }
                shared.generated.fetch_add(1, Ordering::Relaxed);
                strategy
                    .new_tree(&mut runner)
                    .ok()
                    .map(|tree| tree.current())
            });
            run_inputs(&check, generated, &shared);
        }
        shared.done.store(true, Ordering::Release);
    });
    let hung = watch(&shared, deadline, hang_limit);
    if hung.is_none() {
        let _ = worker.join();
    }
    panic::set_hook(hook);
    let failure = hung.or_else(|| shared.failure.lock().ok().and_then(|f| f.clone()));
    (
        corpus_inputs,
        shared.generated.load(Ordering::Relaxed),
        failure,
    )
}

/// Runs each input; returns true (and records it) at the first failure.
fn run_inputs(
    check: &impl Fn(&[u8]),
    inputs: impl Iterator<Item = Vec<u8>>,
    shared: &Shared,
) -> bool {
    for input in inputs {
        if let Ok(mut current) = shared.current.lock() {
            *current = (Instant::now(), input.clone());
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| check(&input)));
        if let Err(payload) = outcome {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            if let Ok(mut failure) = shared.failure.lock() {
                *failure = Some(Failure { input, message });
            }
            return true;
        }
    }
    false
}

/// Waits for the worker; returns a failure if one input runs past [`HANG_LIMIT`].
fn watch(shared: &Shared, deadline: Instant, hang_limit: Duration) -> Option<Failure> {
    // Bounded: the worker stops generating at the deadline, and one input may add HANG_LIMIT.
    while !shared.done.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(50));
        let current = shared.current.lock().ok()?;
        if current.0.elapsed() > hang_limit {
            return Some(Failure {
                input: current.1.clone(),
                message: format!(
                    "did not return within {:?} (a loop that never ends?)",
                    hang_limit
                ),
            });
        }
        drop(current);
        if Instant::now() > deadline + hang_limit * 2 {
            break;
        }
    }
    None
}
