//! The estimator against the real tokenizers (tiktoken-rs) on the corpus: it must stay biased
//! high and close. The full table: `cargo run --release --example estimate_error`.

mod support;

use parapet_tokens::Encoding;
use support::{corpus, measure};

fn check(encoding: Encoding, exact: impl Fn(&str) -> usize) {
    let samples = corpus::samples();
    assert!(samples.len() >= 100, "corpus shrank to {}", samples.len());
    let rows = measure::measure(&samples, encoding, exact);
    let table = measure::table(&format!("{encoding:?}"), &rows);
    let all = rows.last().expect("an 'all' row");
    // Biased high on average, but not wastefully so.
    assert!(all.mean() >= 0.0, "mean under-estimate\n{table}");
    assert!(all.mean() <= 0.22, "mean over-estimate too large\n{table}");
    assert!(all.p95_abs() <= 0.45, "p95 error too large\n{table}");
    // Under-estimates are rare, and small outside random strings (hex, base64).
    assert!(
        all.under_count() * 100 <= all.samples * 6,
        "too many under-estimates\n{table}"
    );
    for r in rows
        .iter()
        .filter(|r| !matches!(r.category, "other" | "all"))
    {
        assert!(
            r.worst_under() >= -0.10,
            "{} under-estimated by {:.1}%\n{table}",
            r.category,
            r.worst_under() * 100.0
        );
    }
}

#[test]
fn o200k_estimate_is_close_and_biased_high() {
    let bpe = tiktoken_rs::o200k_base_singleton();
    check(Encoding::O200k, |t| bpe.encode_ordinary(t).len());
}

#[test]
fn cl100k_estimate_is_close_and_biased_high() {
    let bpe = tiktoken_rs::cl100k_base_singleton();
    check(Encoding::Cl100k, |t| bpe.encode_ordinary(t).len());
}
