//! Prints the estimator's error against the real o200k / cl100k tokenizers (tiktoken-rs) as
//! markdown tables: `cargo run --release -p parapet-tokens --example estimate_error`.

#[path = "../tests/support/corpus.rs"]
mod corpus;
#[path = "../tests/support/measure.rs"]
mod measure;

use parapet_tokens::Encoding;

fn main() {
    let samples = corpus::samples();
    let o200k = tiktoken_rs::o200k_base_singleton();
    let cl100k = tiktoken_rs::cl100k_base_singleton();
    let rows = measure::measure(&samples, Encoding::O200k, |t| {
        o200k.encode_ordinary(t).len()
    });
    println!("{}", measure::table("o200k_base", &rows));
    let rows = measure::measure(&samples, Encoding::Cl100k, |t| {
        cl100k.encode_ordinary(t).len()
    });
    println!("{}", measure::table("cl100k_base", &rows));
    if std::env::args().any(|a| a == "--worst") {
        for (name, enc, bpe) in [
            ("o200k", Encoding::O200k, o200k),
            ("cl100k", Encoding::Cl100k, cl100k),
        ] {
            let mut v: Vec<(f64, &str)> = samples
                .iter()
                .map(|s| {
                    let x = bpe.encode_ordinary(&s.text).len() as f64;
                    let e = parapet_tokens::estimate_tokens(&s.text, enc) as f64;
                    ((e - x) / x.max(1.0), s.text.as_str())
                })
                .collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (err, t) in v.iter().take(5).chain(v.iter().rev().take(3)) {
                let short: String = t.chars().take(70).collect();
                println!("{name} {:+.0}% {:?}", err * 100.0, short);
            }
        }
    }
}
