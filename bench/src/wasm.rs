//! Parts 2 and 4 (harness side): each filter's per-request work through the harness
//! (wasmtime, the module in dist/) against the same work done natively, and VM start
//! (instantiate + on_vm_start + on_configure) per module.
//!
//! The harness figure is a whole request through the proxy-wasm ABI (headers, body, the
//! response callbacks, host calls), so the ratio is an upper bound on the wasm cost of the
//! detector itself.

use crate::bodies;
use crate::measure::{fmt_time, seconds_per_call, Budget};
use crate::native::{request_text, Detectors};
use parapet_core::{detect, parse_response, Limits};
use parapet_harness::{Chain, Request, Upstream};
use parapet_injection::Source;
use parapet_moderation::RequestContext;
use parapet_tokens::{estimate_tokens, Encoding};
use serde_json::{json, Value};
use std::time::Instant;

const TARGET_RATIO: f64 = 2.0;

fn config(filter: &str) -> Value {
    match filter {
        "token-limit" => json!({"tokens_per_minute": 1_000_000_000u64}),
        "schema-guard" => json!({"max_body_bytes": 1_048_576}),
        "policy" => {
            json!({"rego": "package parapet\nimport rego.v1\ndecision := {\"allow\": true}\nresponse_decision := {\"allow\": true}\n", "data": {}})
        }
        _ => json!({}),
    }
}

fn chain(filter: &str) -> crate::Result<Chain> {
    let path = parapet_harness::dist(filter)?;
    Ok(Chain::builder()
        .filter(filter, path, config(filter))
        .build()?)
}

fn request(body: &[u8]) -> Request {
    Request::post("/v1/chat/completions")
        .header("content-type", "application/json")
        .body(body.to_vec())
}

fn upstream(answer: &[u8]) -> Upstream {
    Upstream::new(200)
        .header("content-type", "application/json")
        .body(answer.to_vec())
}

pub fn run(budget: Budget) -> crate::Result<()> {
    let d = Detectors::new()?;
    let api = detect("/v1/chat/completions", None);
    let limits = Limits::default();
    let answer = bodies::answer_1k();
    let filters = [
        "prompt-guard",
        "pii-redact",
        "token-limit",
        "schema-guard",
        "response-guard",
        "policy",
    ];

    println!("### Wasm (harness, wasmtime) vs native, per request\n");
    println!(
        "| filter | body | native | harness (wasm) | wasm / native | target ≤ {TARGET_RATIO}× |"
    );
    println!("|---|---|---:|---:|---:|---|");
    let mut worst: f64 = 0.0;
    for (label, body) in [
        ("2 KB chat", bodies::chat_2k(false)),
        ("64 KB prompt", bodies::prompt_64k(false)),
    ] {
        for filter in filters {
            let c = chain(filter)?;
            let req = request(&body);
            let up = upstream(&answer);
            let probe = c.run(&req, &up)?;
            if !probe.reached_upstream || probe.trap.is_some() {
                println!("| {filter} | {label} | — | — | — | NOT MEASURED: request did not pass ({:?}) |", probe.local_reply.map(|r| r.status));
                continue;
            }
            let wasm = seconds_per_call(budget, || c.run(&req, &up).map(|o| o.reached_upstream));
            // The same work natively: view + detector on the request (and, for
            // response-guard, the answer).
            let native = match filter {
                "prompt-guard" => Some(seconds_per_call(budget, || {
                    request_text(&body).map(|t| d.injection.inspect(&t, Source::User))
                })),
                "pii-redact" => Some(seconds_per_call(budget, || {
                    request_text(&body).map(|t| d.pii.find(&t).len())
                })),
                "token-limit" => Some(seconds_per_call(budget, || {
                    request_text(&body).map(|t| estimate_tokens(&t, Encoding::O200k))
                })),
                "schema-guard" => d.schema.get(api).map(|s| {
                    seconds_per_call(budget, || {
                        serde_json::from_slice::<Value>(&body).map(|v| s.is_valid(&v))
                    })
                }),
                "response-guard" => Some(seconds_per_call(budget, || {
                    parse_response(api, &answer, &limits).map(|v| {
                        let t: String = v.segments.iter().map(|s| s.text.as_str()).collect();
                        (
                            d.moderation.scan(&t, &RequestContext::default()),
                            d.pii.find(&t).len(),
                        )
                    })
                })),
                _ => None,
            };
            match native {
                Some(n) => {
                    let r = wasm / n;
                    worst = worst.max(r);
                    let verdict = if r <= TARGET_RATIO { "PASS" } else { "FAIL" };
                    println!(
                        "| {filter} | {label} | {} | {} | {r:.1}× | {verdict} |",
                        fmt_time(n),
                        fmt_time(wasm)
                    );
                }
                None => println!(
                    "| {filter} | {label} | (no native equivalent) | {} | — | — |",
                    fmt_time(wasm)
                ),
            }
        }
    }
    println!(
        "\nTARGET wasm within {TARGET_RATIO}× of native (worst filter): {worst:.1}× → {}\n",
        if worst <= TARGET_RATIO {
            "PASS"
        } else {
            "FAIL"
        }
    );

    println!("### Module size and VM start in the harness\n");
    println!("| module | size | first build (compile + instantiate + configure) | later builds (instantiate + configure), median of 5 | size target ≤ 1.5 MB |");
    println!("|---|---:|---:|---:|---|");
    for filter in filters {
        let path = parapet_harness::dist(filter)?;
        let size = std::fs::metadata(&path)?.len();
        let t = Instant::now();
        let first = chain(filter).map(|_| t.elapsed().as_secs_f64());
        let mut later = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            if chain(filter).is_ok() {
                later.push(t.elapsed().as_secs_f64());
            }
        }
        later.sort_by(|a, b| a.total_cmp(b));
        let size_verdict = if size as f64 <= 1.5 * 1024.0 * 1024.0 {
            "PASS"
        } else {
            "FAIL"
        };
        println!(
            "| {filter} | {:.2} MB | {} | {} | {size_verdict} |",
            size as f64 / 1024.0 / 1024.0,
            first
                .map(fmt_time)
                .unwrap_or_else(|e| format!("error: {e}")),
            later
                .get(later.len() / 2)
                .map(|s| fmt_time(*s))
                .unwrap_or_else(|| "—".into())
        );
    }
    Ok(())
}
