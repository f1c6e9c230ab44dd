//! Cost of validating a typical chat request against the built-in OpenAI schema, next to the
//! cost of parsing the same body with serde_json (the issue asks for the ratio).
//!
//! `cargo bench -p parapet-schema --bench validate`

use criterion::{criterion_group, criterion_main, Criterion};
use parapet_core::{Api, Operation, Provider};
use parapet_schema::{BuiltinSet, CompileOptions};
use std::hint::black_box;

/// A typical request: system prompt, a few turns, one tool call with its result, one tool,
/// sampling parameters (~1.6 KB).
const BODY: &str = r#"{
  "model": "gpt-4o",
  "messages": [
    {"role": "system", "content": "You are a helpful travel assistant. Answer briefly and cite the weather source when you use the tool."},
    {"role": "user", "content": "I am flying to Paris tomorrow morning. What should I pack?"},
    {"role": "assistant", "content": "Let me check the forecast for Paris first."},
    {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"day\":\"tomorrow\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "Tomorrow in Paris: 14-18 C, light rain in the morning, clearing in the afternoon."},
    {"role": "assistant", "content": "Expect 14-18 C with morning rain: pack a light waterproof jacket, an umbrella and layers."},
    {"role": "user", "content": [{"type": "text", "text": "Great. And what about shoes? I will walk a lot."}]}
  ],
  "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather forecast for a city and day",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "day": {"type": "string"}}, "required": ["city"]}}}],
  "temperature": 0.3,
  "max_completion_tokens": 400,
  "stream": true,
  "stream_options": {"include_usage": true},
  "user": "u-1234"
}"#;

fn bench(c: &mut Criterion) {
    let api = Api::new(Provider::OpenAi, Operation::ChatCompletions);
    let lenient = BuiltinSet::compile(false, &CompileOptions::default()).expect("builtins compile");
    let strict = BuiltinSet::compile(true, &CompileOptions::default()).expect("builtins compile");
    let schema = lenient.get(api).expect("openai schema");
    let strict_schema = strict.get(api).expect("openai schema");
    let value: serde_json::Value = serde_json::from_str(BODY).expect("json");
    assert!(schema.is_valid(&value) && strict_schema.is_valid(&value));

    let mut g = c.benchmark_group("openai_chat_request");
    g.bench_function("serde_json_parse", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(BODY.as_bytes())).expect("json")
        })
    });
    g.bench_function("validate_builtin", |b| {
        b.iter(|| schema.validate(black_box(&value)).is_ok())
    });
    g.bench_function("validate_builtin_strict", |b| {
        b.iter(|| strict_schema.validate(black_box(&value)).is_ok())
    });
    g.bench_function("parse_and_validate", |b| {
        b.iter(|| {
            let v: serde_json::Value =
                serde_json::from_slice(black_box(BODY.as_bytes())).expect("json");
            schema.validate(&v).is_ok()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
