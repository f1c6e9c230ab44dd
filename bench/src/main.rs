//! `parapet-bench`: the in-process half of `scripts/bench`.
//!
//! ```text
//! parapet-bench bodies DIR          write the benchmark bodies (used by the Envoy runs too)
//! parapet-bench native  [--quick]   detectors and views natively, MB/s and ratios to floors
//! parapet-bench wasm    [--quick]   each filter through the harness (wasmtime) vs native, VM start
//! parapet-bench pii CORPUS.jsonl    PII throughput and recall per type on the labelled corpus (JSON)
//! parapet-bench loop FILTER wasm|native SECONDS [small]   one filter's large (or 2 KB) case in a loop, for a profiler
//!                                                          (FILTER `chain`: the six from dist/parapet.wasm in one VM, wasm only)
//!                                                          (PARAPET_BENCH_SSE=1: the answer is the 200-event SSE stream)
//! parapet-bench ab FILTER DIR_A DIR_B SECONDS [small]  the modules of two dirs alternated in one process (wasm): B / A
//! ```
//!
//! Timing: a warm-up, then 11 samples of a batch sized to fill the budget; the median sample
//! is reported (the machine is shared, so medians and ratios are what to read).

mod bodies;
mod measure;
mod native;
#[cfg(feature = "wasm")]
mod native_filter;
mod pii;
#[cfg(feature = "wasm")]
mod wasm;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let rest: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let result = match rest.first().map(|s| s.as_str()) {
        Some("bodies") => match rest.get(1) {
            Some(dir) => bodies::write_all(std::path::Path::new(dir.as_str())),
            None => Err("usage: parapet-bench bodies DIR".into()),
        },
        Some("native") => native::run(measure::Budget::new(quick)),
        #[cfg(feature = "wasm")]
        Some("wasm") => wasm::run(measure::Budget::new(quick)),
        #[cfg(feature = "wasm")]
        Some("loop") => match (rest.get(1), rest.get(2), rest.get(3)) {
            (Some(filter), Some(side), Some(secs)) => secs
                .parse::<f64>()
                .map_err(|e| format!("SECONDS: {e}").into())
                .and_then(|secs| {
                    let small = rest.get(4).is_some_and(|s| s.as_str() == "small");
                    wasm::profile_loop(filter, side, secs, small)
                }),
            _ => Err("usage: parapet-bench loop FILTER wasm|native SECONDS [small]".into()),
        },
        #[cfg(feature = "wasm")]
        Some("ab") => match (rest.get(1), rest.get(2), rest.get(3), rest.get(4)) {
            (Some(filter), Some(a), Some(b), Some(secs)) => secs
                .parse::<f64>()
                .map_err(|e| format!("SECONDS: {e}").into())
                .and_then(|secs| {
                    let small = rest.get(5).is_some_and(|s| s.as_str() == "small");
                    wasm::ab(filter, a, b, secs, small)
                }),
            _ => Err("usage: parapet-bench ab FILTER DIR_A DIR_B SECONDS [small]".into()),
        },
        #[cfg(not(feature = "wasm"))]
        Some("wasm" | "loop" | "ab") => Err("built without the `wasm` feature".into()),
        Some("pii") => match rest.get(1) {
            Some(path) => pii::run(path, measure::Budget::new(quick)),
            None => Err("usage: parapet-bench pii CORPUS.jsonl".into()),
        },
        _ => Err("usage: parapet-bench bodies DIR | native | wasm | pii CORPUS [--quick]".into()),
    };
    if let Err(e) = result {
        eprintln!("parapet-bench: {e}");
        std::process::exit(1);
    }
}

/// Errors are reported as text: this is a command-line driver.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;
