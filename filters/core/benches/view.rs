//! Text view of a ~100 KB chat request vs the parse floor
//! (`serde_json::from_slice::<serde::de::IgnoredAny>` on the same bytes).
//!
//! Sub-benches that explain the ratio:
//! * `parapet_scan_only`: the span-tracking scan alone ([`Doc::parse`]: UTF-8
//!   validation, one node per value, duplicate-key checks).
//! * `parapet_scan_decoding`: the same scan decoding escaped strings on the way
//!   ([`Doc::parse_decoded`], what a view uses); the escape-dense case pays for every
//!   `\uXXXX`, quote and newline here.
//! * `parapet_text_view` minus `parapet_scan_decoding` is the collecting: walking
//!   the messages, one `Segment` (role, kind, span, `Text`, inline `JsonPointer`) per
//!   text and one `ToolCall` per call. No text is copied for it: unescaped texts
//!   borrow from the body, escaped ones share the scan's decoded buffer.
//!
//! The `ratio` pass (runs with any filter; `cargo bench -p parapet-core --bench view
//! -- ratio` prints only it) reports the text view and the decoding scan as
//! multiples of the floor: thread CPU time, the median of per-round ratios, floor,
//! scan and view sampled back to back in each round. Measured that way on a loaded
//! 2-vCPU VM (load 7–10), 5 runs each, the two builds alternating:
//!
//! | case         | scan + decode | text view | before: scan + decode | before: text view |
//! |--------------|---------------|-----------|-----------------------|-------------------|
//! | escape_dense | 1.34          | 1.87–1.91 | 1.39–1.41             | 2.06–2.09         |
//! | typical      | 1.01–1.02     | 1.86–1.91 | 1.07–1.09             | 2.11–2.13         |
//!
//! The ≤ 2× aim is met for both bodies, by about 0.1. (Sampling the scan in the
//! same rounds moves the view's ratio by up to 0.05.)
//!
//! The scan validates UTF-8 inside its string loop (no separate pass), checks one
//! word before loading 32-byte blocks (keys and roles end within it), checks
//! `\uXXXX` digits four at a time and adds nodes inline. What remains beyond the
//! scan is the collecting (~0.55× escape-dense, ~0.85× typical: member lookups per
//! message, building segments, pointers and tool calls). A profile (`perf record`,
//! software clock: no hardware counters on the VM) shows it flat — no function
//! above 4% of the view — with time going to dependent loads of nodes and body
//! bytes and to store-forwarding stalls when a freshly built pointer or segment is
//! moved, rather than to instructions (callgrind: collecting is ~25% of the view's
//! instructions). Member lookups are inlined so literal keys compare as a length
//! test and a word; pointer parts are copied inline. Criterion's wall-clock figures
//! on a shared machine swing with the load of other processes; compare ratios
//! within one run only.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parapet_bench_clock::sample;
use parapet_core::json::Doc;
use parapet_core::{detect, parse_request, Limits};
use std::hint::black_box;
use std::time::Duration;

/// Paragraph with an escape every ~20 bytes (`\u00e9`, quotes, a surrogate pair, `\n`):
/// the worst case for both parsers.
const ESCAPE_DENSE: &str =
    "The quick brown fox jumps over the lazy dog; caf\\u00e9 \\\"quoted\\\" text, \
                numbers 12345, emoji \\ud83d\\ude00 and a newline\\n. ";

/// Paragraph like typical English chat text: one escaped newline per paragraph.
const TYPICAL: &str = "Paris is mostly rainy in November, so pack a light waterproof jacket and \
                comfortable shoes for the cobbled streets around the old town.\\n";

/// A long conversation: system prompt, user/assistant turns, tool calls and tool
/// results, a tool with a schema — about 100 KB.
fn chat_request(para: &str) -> Vec<u8> {
    let mut messages = vec![format!(
        r#"{{"role":"system","content":"You are a helpful travel assistant. {}"}}"#,
        para.repeat(4)
    )];
    let mut i = 0;
    while messages.iter().map(|m| m.len()).sum::<usize>() < 98_000 {
        messages.push(format!(
            r#"{{"role":"user","content":[{{"type":"text","text":"Question {i}: {}"}}]}}"#,
            para.repeat(6)
        ));
        messages.push(format!(
            r#"{{"role":"assistant","content":null,"tool_calls":[{{"id":"call_{i}","type":"function","function":{{"name":"search","arguments":"{{\"q\":\"fox {i}\",\"limit\":5}}"}}}}]}}"#
        ));
        messages.push(format!(
            r#"{{"role":"tool","tool_call_id":"call_{i}","content":"Result {i}: {}"}}"#,
            para.repeat(4)
        ));
        messages.push(format!(
            r#"{{"role":"assistant","content":"Answer {i}: {}"}}"#,
            para.repeat(5)
        ));
        i += 1;
    }
    format!(
        r#"{{"model":"gpt-4o","messages":[{}],"tools":[{{"type":"function","function":{{"name":"search","description":"Web search","parameters":{{"type":"object","properties":{{"q":{{"type":"string","description":"query"}},"limit":{{"type":"integer"}}}},"required":["q"]}}}}}}],"max_tokens":1024,"temperature":0.7,"stream":true}}"#,
        messages.join(",\n")
    )
    .into_bytes()
}

fn bench(c: &mut Criterion) {
    for (name, para) in [("escape_dense", ESCAPE_DENSE), ("typical", TYPICAL)] {
        bench_body(c, name, &chat_request(para));
    }
}

fn bench_body(c: &mut Criterion, name: &str, body: &[u8]) {
    let body = body.to_vec();
    assert!(serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok());
    let api = detect("/v1/chat/completions", None);
    let limits = Limits::default();
    let view = parse_request(api, &body, &limits).unwrap();
    assert!(view.segments.len() > 100);
    let mut g = c.benchmark_group(format!("chat_request_100kb_{name}"));
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("parapet_text_view", |b| {
        b.iter(|| parse_request(api, black_box(&body), &limits).unwrap())
    });
    g.bench_function("parapet_scan_only", |b| {
        b.iter(|| Doc::parse(black_box(&body), &limits).unwrap().root().len())
    });
    g.bench_function("parapet_scan_decoding", |b| {
        b.iter(|| {
            Doc::parse_decoded(black_box(&body), &limits)
                .unwrap()
                .root()
                .len()
        })
    });
    g.bench_function("serde_json_ignored_any_floor", |b| {
        b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)).unwrap())
    });
    g.finish();
}

/// Text view ÷ floor for each case, printed (criterion has no ratio): the median of
/// per-round ratios, floor and view sampled back to back in every round so both see
/// the same machine load. Runs whatever the criterion filter (`-- ratio` skips the
/// criterion benches and prints only this).
fn ratio(_: &mut Criterion) {
    const ROUNDS: usize = 101;
    const ITERS: u32 = 8;
    let api = detect("/v1/chat/completions", None);
    let limits = Limits::default();
    println!("\n÷ parse floor, thread CPU time (median of {ROUNDS} interleaved rounds):");
    for (name, para) in [("escape_dense", ESCAPE_DENSE), ("typical", TYPICAL)] {
        let body = chat_request(para);
        let (mut view_ratios, mut scan_ratios) = (Vec::new(), Vec::new());
        let (mut floor_min, mut view_min) = (Duration::MAX, Duration::MAX);
        for _ in 0..ROUNDS {
            let floor = sample(ITERS, || {
                black_box(
                    serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&body)).is_ok(),
                );
            });
            let scan = sample(ITERS, || {
                black_box(Doc::parse_decoded(black_box(&body), &limits).is_ok());
            });
            let view = sample(ITERS, || {
                black_box(parse_request(api, black_box(&body), &limits).is_ok());
            });
            floor_min = floor_min.min(floor);
            view_min = view_min.min(view);
            let floor = floor.as_secs_f64().max(1e-9);
            view_ratios.push(view.as_secs_f64() / floor);
            scan_ratios.push(scan.as_secs_f64() / floor);
        }
        view_ratios.sort_by(f64::total_cmp);
        scan_ratios.sort_by(f64::total_cmp);
        println!(
            "  {name:<12} text view {:.2}×, scan + decode {:.2}×  \
             (fastest: view {:.1} µs, floor {:.1} µs; {} bytes)",
            view_ratios[ROUNDS / 2],
            scan_ratios[ROUNDS / 2],
            view_min.as_secs_f64() * 1e6,
            floor_min.as_secs_f64() * 1e6,
            body.len(),
        );
    }
}

criterion_group!(benches, bench, ratio);
criterion_main!(benches);
