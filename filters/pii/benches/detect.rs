//! Detection throughput (MB/s) on realistic text:
//! - `mixed`: the development corpus rows joined (PII and secrets in about 70% of sentences);
//! - `prose`: ordinary chat prompt text with no sensitive values (the common case in a proxy);
//! - `chat_2k` / `answer_1k`: the text of scripts/bench's 2 KB chat request and 1 KB answer
//!   (issue 12), each next to its floor, one Aho-Corasick pass over the same text (the
//!   injection lexicon for the request, the moderation lexicon for the answer), so the ratio
//!   to the floor can be read off one run;
//! - `restore`: the streaming restorer on a tokenized answer in 64-byte chunks.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parapet_bench_text::prose;
use parapet_pii::{Detector, DetectorConfig, EntityType, HmacKey, Restorer, TokenVault};
use std::hint::black_box;
use std::sync::Arc;

fn corpus_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/corpus/pii/dev.jsonl"
    );
    let data = std::fs::read_to_string(path).unwrap_or_default();
    let mut text = String::new();
    for line in data.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            if let Some(t) = v["text"].as_str() {
                text.push_str(t);
                text.push('\n');
            }
        }
    }
    text
}

const PROSE: &str = "You are a helpful assistant. Summarise the following meeting notes in three bullet \
points and suggest next steps. The team discussed the Q3 roadmap, the migration of the billing \
service to the new cluster, and the hiring plan for the platform group. Latency on the search \
endpoint regressed by 12% after the last release (version 2.14.3); the on-call engineer rolled \
back at 14:05 and opened a ticket. Please keep the answer under 200 words and use a neutral tone.\n";

/// What pii-redact scans in scripts/bench's 2 KB chat request: system + user message text.
fn chat_2k_text() -> String {
    let system = "You are a helpful assistant for the operations team. Answer briefly.";
    let head = format!(
        r#"{{"model":"gpt-4o-mini","max_tokens":200,"temperature":0.3,"stream":false,"messages":[{{"role":"system","content":{}}},{{"role":"user","content":"#,
        serde_json::to_string(system).unwrap_or_default()
    );
    format!("{system}\n{}", prose(2048 - (head.len() + 3 + 64)))
}

/// What response-guard scans in scripts/bench's 1 KB answer.
fn answer_1k_text() -> String {
    let head = r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"#;
    let tail = r#"},"finish_reason":"stop"}],"usage":{"prompt_tokens":500,"completion_tokens":230,"total_tokens":730}}"#;
    prose(1024 - head.len() - tail.len() - 16)
}

fn bench(c: &mut Criterion) {
    let detector = Detector::new(&DetectorConfig::default()).expect("default config is valid");
    let mixed = corpus_text();
    let prose = PROSE.repeat(200);
    let mut g = c.benchmark_group("detect");
    g.throughput(Throughput::Bytes(mixed.len() as u64));
    g.bench_function("mixed", |b| {
        b.iter(|| black_box(detector.find(black_box(&mixed))))
    });
    g.throughput(Throughput::Bytes(prose.len() as u64));
    g.bench_function("prose", |b| {
        b.iter(|| black_box(detector.find(black_box(&prose))))
    });
    g.finish();

    let injection_floor =
        aho_corasick::AhoCorasick::new(parapet_injection::lexicon_terms()).expect("lexicon");
    let moderator =
        parapet_moderation::Moderator::new(&parapet_moderation::ModerationConfig::default())
            .expect("default moderation config");
    let chat = chat_2k_text();
    let answer = answer_1k_text();
    let mut g = c.benchmark_group("issue12");
    g.throughput(Throughput::Bytes(chat.len() as u64));
    g.bench_function("chat_2k", |b| {
        b.iter(|| black_box(detector.find(black_box(&chat))))
    });
    g.bench_function("chat_2k_ac_floor", |b| {
        b.iter(|| {
            black_box(
                injection_floor
                    .find_overlapping_iter(black_box(&chat))
                    .count(),
            )
        })
    });
    g.throughput(Throughput::Bytes(answer.len() as u64));
    g.bench_function("answer_1k", |b| {
        b.iter(|| black_box(detector.find(black_box(&answer))))
    });
    g.bench_function("answer_1k_ac_floor", |b| {
        b.iter(|| {
            black_box(
                moderator
                    .lexicon_automaton()
                    .find_overlapping_iter(black_box(answer.as_bytes()))
                    .count(),
            )
        })
    });
    g.finish();

    let mut vault =
        TokenVault::new(HmacKey::new(b"bench-key-0123456789".to_vec()).expect("long key"));
    let mut answer = String::new();
    for i in 0..2000 {
        let t = vault.tokenize(&EntityType::Email, &format!("user{i}@example.com"));
        answer.push_str("Sure, I will write to ");
        answer.push_str(&t);
        answer.push_str(" about the <b>refund</b> today. ");
    }
    let vault = Arc::new(vault);
    let mut g = c.benchmark_group("restore");
    g.throughput(Throughput::Bytes(answer.len() as u64));
    g.bench_function("chunks_64", |b| {
        b.iter(|| {
            let mut r = Restorer::new(Arc::clone(&vault));
            let mut n = 0;
            let bytes = answer.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let mut j = (i + 64).min(bytes.len());
                while !answer.is_char_boundary(j) {
                    j += 1;
                }
                n += r.push(&answer[i..j]).len();
                i = j;
            }
            n += r.finish().len();
            black_box(n)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
