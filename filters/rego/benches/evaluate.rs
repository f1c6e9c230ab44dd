//! Evaluation cost of the shipped example policy (`envoy-configs/policies/parapet.rego` with its
//! `data.json`) per request and per response, as the `policy` filter runs it: one compiled
//! policy, a fresh input document per call, the decision read back as JSON.
//!
//! `cargo bench -p parapet-rego --bench evaluate`. The floor printed beside it is building and
//! serialising the same input document with serde_json (what any policy hop costs at least).

use std::path::Path;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use parapet_rego::{Module, Policy};
use serde_json::{json, Value};

fn example_policy() -> Policy {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../envoy-configs/policies");
    let rego = std::fs::read_to_string(dir.join("parapet.rego")).expect("example policy");
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("data.json")).expect("data"))
            .expect("data.json is JSON");
    Policy::compile(&[Module::new("parapet.rego", rego)], Some(&data)).expect("compiles")
}

/// A typical request input: a named consumer, an OpenAI chat call with two tools, pii-redact
/// and prompt-guard findings (see filters/policy/input.schema.json).
fn request_input() -> Value {
    json!({
        "request": {"method": "POST", "path": "/v1/chat/completions", "authority": "llm.internal",
                    "headers": {}, "source_address": "10.0.0.7:51234"},
        "identity": {"id": "alice", "source": "kong_consumer"},
        "llm": {"provider": "openai", "operation": "chat_completions", "model": "gpt-4o-mini",
                "stream": false, "max_tokens": 512,
                "messages": {"system": 1, "user": 3, "assistant": 2, "tool": 1},
                "prompt_chars": 2400, "tools": ["get_weather", "search_docs"], "response_format": "json_schema"},
        "findings": {
            "pii-redact": {"action": "rewrite", "mode": "enforce", "categories": ["pii"], "rule_ids": ["pii.email"]},
            "prompt-guard": {"action": "allow", "mode": "enforce", "categories": [], "rule_ids": []}
        }
    })
}

fn response_input() -> Value {
    let mut input = request_input();
    input["response"] = json!({
        "tool_calls": [
            {"name": "get_weather", "arguments": {"city": "Paris"}, "arguments_text": "{\"city\":\"Paris\"}"},
            {"name": "search_docs", "arguments": {"q": "see https://docs.internal/x"}, "arguments_text": "{\"q\":\"see https://docs.internal/x\"}"}
        ],
        "finish_reasons": ["tool_calls"],
        "usage": {"input_tokens": 600, "output_tokens": 40}
    });
    input
}

fn bench(c: &mut Criterion) {
    let mut policy = example_policy();
    let request = request_input();
    let response = response_input();
    // The benchmark is only meaningful if the example allows these: check once.
    assert!(
        policy
            .decide("data.parapet.decision", &request)
            .expect("decides")
            .allow
    );
    assert!(
        policy
            .decide("data.parapet.response_decision", &response)
            .expect("decides")
            .allow
    );
    let mut group = c.benchmark_group("example_policy");
    group.bench_function("floor_build_and_serialise_input", |b| {
        b.iter(|| black_box(serde_json::to_vec(&request_input()).expect("serialises")))
    });
    group.bench_function("request_decision", |b| {
        b.iter(|| {
            policy
                .decide("data.parapet.decision", black_box(&request))
                .expect("decides")
        })
    });
    group.bench_function("response_decision", |b| {
        b.iter(|| {
            policy
                .decide("data.parapet.response_decision", black_box(&response))
                .expect("decides")
        })
    });
    group.finish();

    // The smallest useful policy (the one scripts/bench runs through the harness): what the
    // engine costs per decision before any rule does work.
    let mut one_rule = Policy::compile(
        &[Module::new(
            "one.rego",
            "package parapet\nimport rego.v1\ndecision := {\"allow\": true}\n",
        )],
        None,
    )
    .expect("compiles");
    let mut group = c.benchmark_group("one_rule_policy");
    group.bench_function("request_decision", |b| {
        b.iter(|| {
            one_rule
                .decide("data.parapet.decision", black_box(&request))
                .expect("decides")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
