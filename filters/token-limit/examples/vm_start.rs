//! How long a token-limit VM takes to start, in the wasmtime harness: compile once, then
//! instantiate + `proxy_on_context_create` + `proxy_on_vm_start` + `proxy_on_configure` (which
//! parses the config, builds the ledgers and creates their shard keys in shared data), per VM.
//! The estimator needs no start-up work (no vocabulary to load), so this is what a new worker
//! VM, or a VM reloaded after a trap, costs.
//!
//! ```text
//! scripts/build token-limit probe prompt-guard schema-guard
//! cargo run -p parapet-token-limit --example vm_start
//! ```
//! Prints the median of 30 starts per case next to the tiny `probe` test module (the host's own
//! cost of starting any proxy-wasm VM) and two other Parapet filters, when built.
use parapet_harness::{dist, Chain, FilterSpec};
use serde_json::json;
use std::time::{Duration, Instant};

const RUNS: usize = 30;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn measure(name: &str, module: &str, config: serde_json::Value) -> Result<(), String> {
    let Ok(path) = dist(module) else {
        println!("| {name} | not built | | |");
        return Ok(());
    };
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    let build = || {
        Chain::builder()
            .filter_spec(FilterSpec::new(module, &path).config(config.clone()))
            .build()
            .map_err(|e| format!("{name}: {e}"))
    };
    // The first build compiles the module (cached afterwards, as Envoy compiles once per VM).
    let t = Instant::now();
    build()?;
    let first = t.elapsed();
    let mut starts = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        let chain = build()?;
        starts.push(t.elapsed());
        drop(chain);
    }
    let m = median(starts);
    // Only the first use of a module compiles it; later cases reuse the compiled module.
    let compile = match first.checked_sub(m) {
        Some(c) if c > m => format!("{:.0} ms", c.as_secs_f64() * 1000.0),
        _ => "(cached)".to_string(),
    };
    println!(
        "| {name} | {:.0} KB | {compile} | {:.2} ms |",
        size as f64 / 1024.0,
        m.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn main() {
    println!("| module (config) | size | compile | VM start (median of {RUNS}) |");
    println!("|---|---|---|---|");
    let full = json!({
        "identity": {"sources": ["kong_consumer", "api_key", "source_address"]},
        "tokens_per_minute": 30000, "tokens_per_day": 1000000,
        "output_tokens_per_minute": 8000, "requests_per_minute": 60,
        "tiers": {"gold": {"tokens_per_minute": 200000, "requests_per_minute": 600}},
        "tier_by_identity": {"acme-corp": "gold"},
        "models": {"gpt-4o": {"tokens_per_minute": 10000}}
    });
    let cases = [
        ("probe (test module, `{}`)", "probe", json!({})),
        ("prompt-guard", "prompt-guard", json!({})),
        ("schema-guard", "schema-guard", json!({})),
        ("token-limit `{}`", "token-limit", json!({})),
        (
            "token-limit `{\"tokens_per_minute\": 30000}`",
            "token-limit",
            json!({"tokens_per_minute": 30000}),
        ),
        ("token-limit, README's full example", "token-limit", full),
    ];
    for (name, module, config) in cases {
        if let Err(e) = measure(name, module, config) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
