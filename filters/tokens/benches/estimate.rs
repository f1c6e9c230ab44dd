//! Estimator throughput on English, code, CJK and JSON (the per-request cost of admission),
//! next to the exact o200k tokenizer (tiktoken-rs) on the same texts.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use parapet_tokens::{estimate_tokens, Encoding};

fn texts() -> Vec<(&'static str, String)> {
    let en = include_str!("../tests/corpus/english.txt").repeat(4);
    let code = include_str!("../tests/corpus/code.txt").repeat(2);
    let cjk = include_str!("../tests/corpus/cjk.txt").repeat(4);
    let json = include_str!("../tests/corpus/json.txt").repeat(4);
    vec![
        ("english", en),
        ("code", code),
        ("cjk", cjk),
        ("json", json),
    ]
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("estimate_tokens");
    for (name, text) in texts() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        for e in [Encoding::O200k, Encoding::Cl100k] {
            g.bench_with_input(BenchmarkId::new(format!("{e:?}"), name), &text, |b, t| {
                b.iter(|| estimate_tokens(std::hint::black_box(t), e))
            });
        }
    }
    g.finish();
    // The exact tokenizer on the same texts, for comparison (native only; not in the filter).
    let mut g = c.benchmark_group("tiktoken_exact");
    let o200k = tiktoken_rs::o200k_base_singleton();
    for (name, text) in texts() {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("O200k", name), &text, |b, t| {
            b.iter(|| o200k.encode_ordinary(std::hint::black_box(t)).len())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
