//! Timing loops: warm-up, batches sized to the budget, median of 11 samples; and, for cases
//! compared with each other, rounds that time a batch of each in turn.
//!
//! Samples are the measuring thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: the
//! machine is shared, and time spent descheduled while other jobs run is not the work's cost.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// How long to spend on one measured case.
#[derive(Clone, Copy)]
pub struct Budget {
    pub per_case: Duration,
}

impl Budget {
    pub fn new(quick: bool) -> Budget {
        Budget {
            per_case: Duration::from_millis(if quick { 250 } else { 1500 }),
        }
    }
}

const SAMPLES: usize = 11;

/// Warm-up and calibration: runs `f` for a tenth of the budget, and returns how many calls
/// make one of `samples` samples filling the rest.
fn batch_size(budget: Budget, samples: usize, mut f: impl FnMut()) -> u64 {
    let calib = budget.per_case / 10;
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < calib || calls == 0 {
        f();
        calls += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / calls as f64;
    let sample_time = budget.per_case.as_secs_f64() * 0.9 / samples as f64;
    ((sample_time / per_call.max(1e-9)) as u64).max(1)
}

/// Median seconds per call of `f`.
pub fn seconds_per_call<R>(budget: Budget, mut f: impl FnMut() -> R) -> f64 {
    let batch = batch_size(budget, SAMPLES, || {
        black_box(f());
    });
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let t = thread_cpu_seconds();
        for _ in 0..batch {
            black_box(f());
        }
        samples.push((thread_cpu_seconds() - t) / batch as f64);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[SAMPLES / 2]
}

/// Rounds of [`per_round_seconds`].
#[cfg(feature = "wasm")]
pub const ROUNDS: usize = 21;

/// Seconds per call of each of `cases` cases (`run(k)` runs case `k` once), per round: every
/// round times one batch of each in turn, so load that comes and goes on a shared machine falls
/// on all of them alike, and a ratio taken within a round compares work measured moments
/// apart. Each case gets `budget` in all.
#[cfg(feature = "wasm")]
pub fn per_round_seconds(
    budget: Budget,
    cases: usize,
    mut run: impl FnMut(usize),
) -> Vec<Vec<f64>> {
    let batches: Vec<u64> = (0..cases)
        .map(|k| batch_size(budget, ROUNDS, || run(k)))
        .collect();
    let mut times = vec![Vec::with_capacity(ROUNDS); cases];
    for _ in 0..ROUNDS {
        for (k, &batch) in batches.iter().enumerate() {
            let t = thread_cpu_seconds();
            for _ in 0..batch {
                run(k);
            }
            times[k].push((thread_cpu_seconds() - t) / batch as f64);
        }
    }
    times
}

/// The median of `values`.
#[cfg(feature = "wasm")]
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// CPU time of the calling thread, in seconds.
pub fn thread_cpu_seconds() -> f64 {
    parapet_bench_clock::thread_cpu_time().as_secs_f64()
}

/// MB/s (10^6 bytes) for `bytes` processed in `secs`.
pub fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

/// Human time: ns/µs/ms.
pub fn fmt_time(secs: f64) -> String {
    if secs < 1e-6 {
        format!("{:.0} ns", secs * 1e9)
    } else if secs < 1e-3 {
        format!("{:.1} µs", secs * 1e6)
    } else {
        format!("{:.2} ms", secs * 1e3)
    }
}
