//! Thread-CPU time of `Inspector::inspect` on the texts of the benchmark bodies (bench/src/bodies.rs:
//! the user message of the 2 KB chat request, the 1 KB answer, the 64 KB prompt). Build it from two
//! revisions and run the binaries alternately: on a shared machine one run of each says little.
//!
//! `cargo run --release -p parapet-injection --example inspect_timing -- [ROUNDS] [CASE]`

use parapet_bench_clock::sample;
use parapet_bench_text::prose;
use parapet_injection::{Inspector, InspectorConfig, Source};
use std::hint::black_box;
use std::time::Duration;

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(31);
    let only = std::env::args().nth(2).unwrap_or_default();
    let inspector = Inspector::new(&InspectorConfig::default()).expect("default config");
    // The sizes the bodies' texts come to once their JSON envelopes are taken off.
    let cases = [
        ("chat 2k", prose(1800), Source::User),
        ("answer 1k", prose(790), Source::Tool),
        ("prompt 64k", prose(65300), Source::User),
    ];
    for (name, text, source) in cases.iter().filter(|c| c.0.contains(only.as_str())) {
        let iters = (256 * 1024 / text.len()).max(1) as u32;
        let mut samples: Vec<Duration> = (0..rounds)
            .map(|_| {
                sample(iters, || {
                    black_box(inspector.inspect(black_box(text), *source));
                })
            })
            .collect();
        samples.sort();
        println!(
            "{name:>10}: min {:>8.2} us  median {:>8.2} us",
            samples[0].as_secs_f64() * 1e6,
            samples[rounds / 2].as_secs_f64() * 1e6
        );
    }
}
