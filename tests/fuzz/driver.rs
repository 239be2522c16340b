//! Runs one fuzz target: each case in its own thread with a time bound, so
//! a panic is caught and a hang is reported as a failure, not a stuck CI.
//!
//! - `BATON_FUZZ_CASES`: cases per target (default: a few seconds in all).
//! - `BATON_FUZZ_KEEP_GOING=1` (scripts/fuzz.sh): count every panic and
//!   hang and go on, then fail with the distinct failures; without it the
//!   first failure stops the target and proptest shrinks it.
//! - `BATON_FUZZ_TIMEOUT_MS`: what counts as a hang (default 2 s, 10 s in
//!   a debug build).
//! - `BATON_FUZZ_SEED`: the random seed (default fixed, so CI replays).
//! - `BATON_FUZZ_GRACE_MS`: how long a hung case may still end before the
//!   run stops (default 10 s).
//! - `BATON_FUZZ_OUT`: a folder where the input of each new failure is
//!   saved (replay it with the `replay` test).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// The console runs on the main thread: the same stack as there.
const STACK: usize = 8 << 20;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

pub fn keep_going() -> bool {
    std::env::var("BATON_FUZZ_KEEP_GOING").is_ok_and(|v| v == "1")
}

fn timeout() -> Duration {
    let default = if cfg!(debug_assertions) {
        10_000
    } else {
        2_000
    };
    Duration::from_millis(env_u64("BATON_FUZZ_TIMEOUT_MS").unwrap_or(default))
}

thread_local! {
    /// Where and why the last panic of this thread happened.
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// A panic hook that records instead of printing: thousands of caught
/// panics would bury the report.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg} at {at}")));
        }));
    });
}

enum Failure {
    Panic(String),
    Hang,
}

type Job = Box<dyn FnOnce() -> Result<(), String> + Send>;

/// The thread cases run on. One thread for many cases, as the console has
/// one main thread: what it keeps between calls (ratatui's layout cache)
/// is kept here too, and a case costs no thread start.
struct Worker {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<Result<(), String>>,
}

impl Worker {
    fn start(target: &str) -> Result<Self, String> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("fuzz-{target}"))
            .stack_size(STACK)
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    let r = catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| {
                        Err(LAST_PANIC
                            .with(|p| p.borrow_mut().take())
                            .unwrap_or_else(|| "(panic without a message)".into()))
                    });
                    if tx.send(r).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("cannot start a case thread: {e}"))?;
        Ok(Self { jobs, done })
    }
}

/// Runs `body(input)` on the worker; a panic or a run past the time bound
/// is a failure. After a hang the worker is left behind and a new one
/// starts; a run that never ends stops the whole binary (after a grace
/// period for a slow one): a thread cannot be killed, and a runaway one
/// would eat the machine.
fn bounded<T: Send + 'static>(
    worker: &mut Option<Worker>,
    target: &str,
    shown: impl Fn() -> String,
    shown_full: impl Fn() -> String,
    input: T,
    body: fn(T),
) -> Result<(), Failure> {
    if worker.is_none() {
        *worker = Some(Worker::start(target).map_err(Failure::Panic)?);
    }
    let Some(w) = worker.as_ref() else {
        return Err(Failure::Panic("no case thread".into()));
    };
    if w.jobs
        .send(Box::new(move || {
            body(input);
            Ok(())
        }))
        .is_err()
    {
        *worker = None;
        return Err(Failure::Panic("the case thread ended".into()));
    }
    match w.done.recv_timeout(timeout()) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(p)) => Err(Failure::Panic(p)),
        Err(_) => {
            let grace = Duration::from_millis(env_u64("BATON_FUZZ_GRACE_MS").unwrap_or(10_000));
            if w.done.recv_timeout(grace).is_err() {
                with_tally(target, |t| {
                    t.cases += 1;
                    t.hangs += 1;
                    save(target, t.failures.len(), &shown_full());
                    t.failures.insert("hang: never ended".into(), (1, shown()));
                });
                eprintln!("fuzz {target}: a case never ended; stopping this run");
                print_tally(target, true);
                std::process::exit(3);
            }
            Err(Failure::Hang)
        }
    }
}

/// Per target: cases run, panics, hangs, and each distinct failure with
/// the shortest input seen for it.
#[derive(Default)]
struct Tally {
    cases: u64,
    panics: u64,
    hangs: u64,
    started: Option<Instant>,
    failures: BTreeMap<String, (u64, String)>,
}

static TALLIES: Mutex<BTreeMap<String, Tally>> = Mutex::new(BTreeMap::new());

fn with_tally<R>(target: &str, f: impl FnOnce(&mut Tally) -> R) -> R {
    let mut all = TALLIES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(all.entry(target.to_string()).or_default())
}

/// The line scripts/fuzz.sh reads, and the failures found.
fn print_tally(target: &str, aborted: bool) {
    with_tally(target, |t| {
        let secs = t.started.map_or(0.0, |s| s.elapsed().as_secs_f64());
        println!(
            "\nFUZZ target={target} cases={} panics={} hangs={} secs={secs:.1}{}",
            t.cases,
            t.panics,
            t.hangs,
            if aborted { " stopped=1" } else { "" }
        );
        for (sig, (n, input)) in &t.failures {
            println!("FUZZ-FAILURE target={target} count={n} {sig}\n  input: {input}");
        }
    });
}

/// Cases for one target.
pub fn cases(default: u32) -> u32 {
    env_u64("BATON_FUZZ_CASES").map_or(default, |n| n.clamp(1, u64::from(u32::MAX)) as u32)
}

/// Runs `cases` inputs of `strategy` through `body` within the time bound.
pub fn fuzz<S>(target: &'static str, default_cases: u32, strategy: S, body: fn(S::Value))
where
    S: Strategy,
    S::Value: Clone + Send + std::fmt::Debug + 'static,
{
    quiet_panics();
    let n = cases(default_cases);
    let keep = keep_going();
    let config = Config {
        cases: n,
        failure_persistence: None,
        // A hang costs the time bound per shrinking step.
        max_shrink_iters: 256,
        max_shrink_time: 60_000,
        max_global_rejects: n.saturating_mul(4),
        ..Config::default()
    };
    let seed = env_u64("BATON_FUZZ_SEED").unwrap_or(0x5eed_ba70);
    let mut seed_bytes = [0u8; 32];
    for (i, b) in seed.to_le_bytes().iter().cycle().take(32).enumerate() {
        seed_bytes[i] = b.wrapping_add(i as u8);
    }
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut runner = TestRunner::new_with_rng(config, rng);
    with_tally(target, |t| t.started = Some(Instant::now()));
    let describe = input_text::<S::Value>;
    let worker: std::cell::RefCell<Option<Worker>> = std::cell::RefCell::new(None);
    let result = runner.run(&strategy, |input| {
        // Kept to be shown only if the case fails: formatting every input
        // would cost more than many cases.
        let kept = input.clone();
        let outcome = bounded(
            &mut worker.borrow_mut(),
            target,
            || describe(&kept),
            || format!("{kept:#?}"),
            input,
            body,
        );
        with_tally(target, |t| {
            t.cases += 1;
            if let Err(f) = &outcome {
                let sig = match f {
                    Failure::Panic(p) => {
                        t.panics += 1;
                        format!("panic: {p}")
                    }
                    Failure::Hang => {
                        t.hangs += 1;
                        format!("hang: no end within {:?}", timeout())
                    }
                };
                let shown = describe(&kept);
                if !t.failures.contains_key(&sig) {
                    save(target, t.failures.len(), &format!("{kept:#?}"));
                }
                let e = t.failures.entry(sig).or_insert((0, shown.clone()));
                e.0 += 1;
                if shown.len() < e.1.len() {
                    e.1.clone_from(&shown);
                }
            }
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(_) if keep => Ok(()),
            Err(Failure::Panic(p)) => Err(TestCaseError::fail(format!("panic: {p}"))),
            Err(Failure::Hang) => Err(TestCaseError::fail("hang")),
        }
    });
    print_tally(target, false);
    if let Err(e) = result {
        panic!("fuzz {target}: {e}");
    }
    let failed = with_tally(target, |t| t.panics + t.hangs);
    assert_eq!(
        failed, 0,
        "fuzz {target}: {failed} failing case(s), listed above"
    );
}

/// The whole input of a new kind of failure, to replay it: written to
/// `$BATON_FUZZ_OUT/TARGET-N.txt` when scripts/fuzz.sh sets it.
fn save(target: &str, n: usize, text: &str) {
    if let Some(dir) = std::env::var_os("BATON_FUZZ_OUT") {
        let seed = env_u64("BATON_FUZZ_SEED").unwrap_or(0);
        let path = Path::new(&dir).join(format!("{target}-{seed}-{n}.txt"));
        let _ = std::fs::write(path, text);
    }
}

/// How an input is shown in a failure: its text when it is bytes.
fn input_text<T: std::fmt::Debug + 'static>(input: &T) -> String {
    let any: &dyn std::any::Any = input;
    if let Some(b) = any.downcast_ref::<Vec<u8>>() {
        return super::mutate::excerpt(b);
    }
    let mut d = format!("{input:?}");
    if d.len() > 1500 {
        let mut cut = 1500;
        while !d.is_char_boundary(cut) {
            cut -= 1;
        }
        d.truncate(cut);
        d.push('…');
    }
    d
}
