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

/// The module of `filter`: from `$PARAPET_BENCH_DIST` (scripts/bench snapshots dist/ there, so
/// a rebuild during the run changes nothing), else dist/.
fn module(filter: &str) -> crate::Result<std::path::PathBuf> {
    match std::env::var_os("PARAPET_BENCH_DIST") {
        Some(dir) => Ok(std::path::Path::new(&dir).join(format!("{filter}.wasm"))),
        None => Ok(parapet_harness::dist(filter)?),
    }
}

fn chain(filter: &str) -> crate::Result<Chain> {
    let path = module(filter)?;
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

/// One measured case: the filter's whole request through the harness, and the same detector
/// work natively (None when the filter has no native equivalent or the request did not pass).
struct Case {
    native: Option<f64>,
    wasm: Option<f64>,
    note: String,
}

fn measure(
    d: &Detectors,
    budget: Budget,
    filter: &str,
    body: &[u8],
    answer: &[u8],
) -> crate::Result<Case> {
    let api = detect("/v1/chat/completions", None);
    let limits = Limits::default();
    let c = chain(filter)?;
    let req = request(body);
    let up = upstream(answer);
    let probe = c.run(&req, &up)?;
    if !probe.reached_upstream || probe.trap.is_some() {
        return Ok(Case {
            native: None,
            wasm: None,
            note: format!(
                "NOT MEASURED: request did not pass ({:?})",
                probe.local_reply.map(|r| r.status)
            ),
        });
    }
    let wasm = seconds_per_call(budget, || c.run(&req, &up).map(|o| o.reached_upstream));
    // The same work natively: view + detector on the request (and, for response-guard, the answer).
    let native = match filter {
        "prompt-guard" => Some(seconds_per_call(budget, || {
            request_text(body).map(|t| d.injection.inspect(&t, Source::User))
        })),
        "pii-redact" => Some(seconds_per_call(budget, || {
            request_text(body).map(|t| d.pii.find(&t).len())
        })),
        "token-limit" => Some(seconds_per_call(budget, || {
            request_text(body).map(|t| estimate_tokens(&t, Encoding::O200k))
        })),
        "schema-guard" => d.schema.get(api).map(|s| {
            seconds_per_call(budget, || {
                serde_json::from_slice::<Value>(body).map(|v| s.is_valid(&v))
            })
        }),
        "response-guard" => Some(seconds_per_call(budget, || {
            parse_response(api, answer, &limits).map(|v| {
                let t: String = v.segments.iter().map(|s| s.text.as_str()).collect();
                (
                    d.moderation.scan(&t, &RequestContext::default()),
                    d.pii.find(&t).len(),
                )
            })
        })),
        _ => None,
    };
    Ok(Case {
        native,
        wasm: Some(wasm),
        note: String::new(),
    })
}

pub fn run(budget: Budget) -> crate::Result<()> {
    let d = Detectors::new()?;
    let filters = [
        "prompt-guard",
        "pii-redact",
        "token-limit",
        "schema-guard",
        "response-guard",
        "policy",
    ];
    let (chat, prompt) = (bodies::chat_2k(false), bodies::prompt_64k(false));
    let (answer, answer_big) = (bodies::answer_1k(), bodies::answer_64k());

    println!("### Wasm (harness, wasmtime) vs native\n");
    println!(
        "Per filter, a small and a large case: the 2 KB chat request with the 1 KB answer, then"
    );
    println!(
        "the 64 KB prompt (response-guard: the 64 KB answer, since its work is on the answer)."
    );
    println!(
        "\"whole request\" = harness time of one whole request / native detector time: it includes"
    );
    println!(
        "the fixed per-request cost of the proxy-wasm ABI and the harness host (contexts, header"
    );
    println!("maps, body copies), which dominates at 2 KB. \"detector work\" = (large − small) in wasm /");
    println!(
        "(large − small) natively: the fixed cost cancels, what remains is the work that grows"
    );
    println!(
        "with the text, i.e. the detector compiled to wasm vs native. The target is read on it.\n"
    );
    println!("| filter | small: native / harness / whole-request ratio | large: native / harness / whole-request ratio | detector work: native Δ / wasm Δ | wasm / native (detector work) | target ≤ {TARGET_RATIO}× |");
    println!("|---|---|---|---|---:|---|");
    let mut worst: Option<(f64, &str)> = None;
    let mut missing = Vec::new();
    for filter in filters {
        let large_body = if filter == "response-guard" {
            &chat
        } else {
            &prompt
        };
        let large_answer = if filter == "response-guard" {
            &answer_big
        } else {
            &answer
        };
        let small = measure(&d, budget, filter, &chat, &answer)?;
        let large = measure(&d, budget, filter, large_body, large_answer)?;
        let whole = |c: &Case| match (c.native, c.wasm) {
            (Some(n), Some(w)) => format!("{} / {} / {:.1}×", fmt_time(n), fmt_time(w), w / n),
            (None, Some(w)) => format!("(no native equivalent) / {}", fmt_time(w)),
            _ => c.note.clone(),
        };
        let (delta, ratio, verdict) = match (small.native, small.wasm, large.native, large.wasm) {
            (Some(ns), Some(ws), Some(nl), Some(wl)) if nl > ns => {
                let r = (wl - ws) / (nl - ns);
                if worst.is_none_or(|(w, _)| r > w) {
                    worst = Some((r, filter));
                }
                (
                    format!("{} / {}", fmt_time(nl - ns), fmt_time(wl - ws)),
                    format!("{r:.2}×"),
                    if r <= TARGET_RATIO { "met" } else { "NOT MET" }.to_string(),
                )
            }
            (None, Some(_), None, Some(_)) => (
                "—".into(),
                "—".into(),
                "no native equivalent (regorus runs only in wasm here)".into(),
            ),
            _ => {
                missing.push(filter);
                ("—".into(), "—".into(), "NOT MEASURED".into())
            }
        };
        println!(
            "| {filter} | {} | {} | {delta} | {ratio} | {verdict} |",
            whole(&small),
            whole(&large)
        );
    }
    match worst {
        Some((w, f)) => println!(
            "\nTARGET wasm (wasmtime) within {TARGET_RATIO}× of native for detectors: {} — worst {w:.2}× ({f}, detector work; whole-request ratios in the table){}\n",
            if w <= TARGET_RATIO && missing.is_empty() { "met" } else { "NOT MET" },
            if missing.is_empty() { String::new() } else { format!("; not measured: {}", missing.join(", ")) }
        ),
        None => println!("\nTARGET wasm (wasmtime) within {TARGET_RATIO}× of native for detectors: NOT MEASURED\n"),
    }

    println!("### Module size and VM start in the harness\n");
    println!("| module | size | first build (compile + instantiate + configure) | later builds (instantiate + configure), median of 5 | size target ≤ 1.5 MB |");
    println!("|---|---:|---:|---:|---|");
    for filter in filters {
        let path = module(filter)?;
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
            "met"
        } else {
            "NOT MET"
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
