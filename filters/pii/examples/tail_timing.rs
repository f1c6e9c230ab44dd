//! Times `Detector::undecided_tail` the way pii-redact calls it on scripts/bench's streamed
//! answer (198 words, one per event): the held text plus each new word, keeping only the
//! undecided tail (with `find` beside it for scale).
//!
//! `cargo run --release -p parapet-pii --example tail_timing [ROUNDS] [tail]`: with `tail`,
//! only `undecided_tail` runs (for instruction counts under cachegrind). With `dump FILE`, it
//! prints the tail of every prefix of every line of FILE instead (to compare two builds).
use parapet_pii::{Detector, DetectorConfig};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let d = Detector::new(&DetectorConfig::default()).expect("default config");
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 2 && args[0] == "dump" {
        let data = std::fs::read_to_string(&args[1]).expect("readable file");
        for line in data.lines() {
            let tails: Vec<String> = (1..=line.len())
                .filter(|&n| line.is_char_boundary(n))
                .map(|n| d.undecided_tail(&line[..n]).to_string())
                .collect();
            println!("{}", tails.join(" "));
        }
        return;
    }
    let rounds: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let tail_only = args.get(1).map(String::as_str) == Some("tail");
    let words = parapet_bench_text::stream_words(198);
    let (mut t_tail, mut t_find, mut held_sum, mut calls) = (0u128, 0u128, 0usize, 0usize);
    for _ in 0..rounds {
        let mut held = String::new();
        for w in &words {
            held.push_str(w);
            let t0 = Instant::now();
            let u = black_box(d.undecided_tail(black_box(&held)));
            let t1 = Instant::now();
            if !tail_only {
                black_box(d.find(&held));
            }
            let t2 = Instant::now();
            t_tail += (t1 - t0).as_nanos();
            t_find += (t2 - t1).as_nanos();
            held_sum += held.len();
            calls += 1;
            held.drain(..held.len() - u);
        }
    }
    println!(
        "per stream (198 words): undecided_tail {:.1} µs, find {:.1} µs; mean text {:.1} B",
        t_tail as f64 / f64::from(rounds) / 1000.0,
        t_find as f64 / f64::from(rounds) / 1000.0,
        held_sum as f64 / calls as f64
    );
}
