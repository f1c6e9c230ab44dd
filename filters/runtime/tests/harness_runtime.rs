//! The runtime in a proxy: `dist/test/runtime-probe.wasm` (a filter built on the runtime, see
//! `host-test-harness/test-modules/runtime-probe`) run by the wasmtime harness, which behaves
//! like Envoy 1.40 (default profile) or Kong's ngx_wasm_module (`HostProfile::Kong`).
//!
//! Needs `scripts/build runtime-probe` first.

use std::path::PathBuf;

use parapet_harness::{Chain, FilterSpec, HostProfile, Outcome, Request, Upstream};
use serde_json::{json, Value};

const CHAT: &str = "/v1/chat/completions";
const METRIC: &str = "parapet_runtime_probe";

fn probe() -> PathBuf {
    parapet_harness::dist("runtime-probe").expect("run scripts/build runtime-probe first")
}

fn chain(config: Value) -> Chain {
    Chain::builder()
        .filter("runtime-probe", probe(), config)
        .build()
        .expect("chain builds")
}

fn chat(text: &str) -> Request {
    Request::post(CHAT)
        .header("x-request-id", "rid-42")
        .json_body(json!({"model":"gpt-4o","messages":[{"role":"user","content":text}]}))
}

/// The security events (JSON log lines with a `schema` field) of an outcome.
fn events(out: &Outcome) -> Vec<Value> {
    out.logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l.message).ok())
        .filter(|v| v.get("schema").is_some())
        .collect()
}

fn reply_json(out: &Outcome) -> Value {
    let reply = out.local_reply.as_ref().expect("a local reply");
    serde_json::from_slice(reply.body.trim_ascii_end()).expect("local reply is JSON")
}

// ------------------------------------------------------------------------------- config

#[test]
fn invalid_configs_are_refused_with_the_field_path() {
    let cases: Vec<(FilterSpec, &str, &str)> = vec![
        (json!({"mode":"block"}), "`mode`", "unknown variant `block`"),
        (
            json!({"on_error":"sometimes"}),
            "`on_error`",
            "unknown variant",
        ),
        (
            json!({"max_body_bytes":"big"}),
            "`max_body_bytes`",
            "invalid type",
        ),
        (
            json!({"max_body_bytes":0}),
            "`max_body_bytes`",
            "greater than 0",
        ),
        (
            json!({"match":{"methods":["POST",1]}}),
            "`match.methods[1]`",
            "invalid type",
        ),
        (
            json!({"match":{"paths":["v1/*"]}}),
            "`match.paths[0]`",
            "must start with `/`",
        ),
        (
            json!({"match":{"host":"x"}}),
            "`match.host`",
            "unknown field `host`",
        ),
        (
            json!({"identity":{"sources":["cookie"]}}),
            "`identity.sources[0]`",
            "unknown variant `cookie`",
        ),
        (
            json!({"stream":{"hold_back_bytes":-1}}),
            "`stream.hold_back_bytes`",
            "invalid value",
        ),
        (
            json!({"events":{"log_allow":true}}),
            "`events.log_allow`",
            "unknown field",
        ),
        (
            json!({"block_wrd":"x"}),
            "`block_wrd`",
            "unknown field `block_wrd`",
        ),
        (
            json!({"block_word":""}),
            "`block_word`",
            "must not be empty",
        ),
        (
            json!({"api_key":{"env":"PARAPET_PROBE_UNSET"}}),
            "`api_key`",
            "PARAPET_PROBE_UNSET",
        ),
        (
            json!({"api_key":{"file":"/etc/passwd"}}),
            "`api_key`",
            "unknown field `file`",
        ),
        (json!([1, 2]), "`.`", "must be a JSON object"),
    ]
    .into_iter()
    .map(|(c, p, m)| (FilterSpec::new("runtime-probe", probe()).config(c), p, m))
    .chain([(
        FilterSpec::new("runtime-probe", probe()).config_raw(r#"{"mode": "#),
        "`.`",
        "not valid JSON",
    )])
    .collect();
    for (spec, path, fragment) in cases {
        let err = match Chain::builder().filter_spec(spec.clone()).build() {
            Ok(_) => panic!(
                "config {:?} was accepted",
                String::from_utf8_lossy(&spec.config)
            ),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("configuration rejected"), "{err}");
        assert!(err.contains(path), "expected {path} in: {err}");
        assert!(err.contains(fragment), "expected {fragment:?} in: {err}");
    }
}

#[test]
fn empty_configs_mean_secure_defaults() {
    let specs = [
        FilterSpec::new("runtime-probe", probe()).config(json!({})),
        FilterSpec::new("runtime-probe", probe()).config(Value::Null),
        FilterSpec::new("runtime-probe", probe()).config_raw(""),
    ];
    for spec in specs {
        let chain = Chain::builder()
            .filter_spec(spec)
            .build()
            .expect("{} is valid");
        let out = chain.run(&chat("BLOCKME"), &Upstream::default()).unwrap();
        assert_eq!(
            out.local_reply.as_ref().map(|r| r.status),
            Some(403),
            "enforce by default"
        );
    }
}

#[test]
fn secrets_come_from_the_vm_environment_and_are_never_logged() {
    let secret = "hunter2-zq-very-secret";
    let chain = Chain::builder()
        .vm_env("PROBE_KEY", secret)
        .filter(
            "runtime-probe",
            probe(),
            json!({"api_key":{"env":"PROBE_KEY"}}),
        )
        .build()
        .expect("env secret resolves");
    let out = chain.run(&chat("BLOCKME"), &Upstream::default()).unwrap();
    assert_eq!(out.local_reply.unwrap().status, 403);
    let all_logs: Vec<String> = chain
        .startup_logs()
        .into_iter()
        .chain(out.logs)
        .map(|l| l.message)
        .collect();
    assert!(!all_logs.is_empty());
    assert!(
        all_logs.iter().all(|m| !m.contains(secret)),
        "{all_logs:#?}"
    );
    let err = Chain::builder()
        .filter("runtime-probe", probe(), json!({"api_key":"zq9"}))
        .build()
        .err()
        .expect("too short")
        .to_string();
    assert!(err.contains("`api_key`") && !err.contains("zq9"), "{err}");
}

// ------------------------------------------------------------------- enforce / monitor

#[test]
fn enforce_blocks_monitor_only_logs() {
    let out = chain(json!({}))
        .run(&chat("please BLOCKME"), &Upstream::echo())
        .unwrap();
    assert!(!out.reached_upstream);
    assert_eq!(out.local_reply.as_ref().unwrap().status, 403);
    let e = &events(&out)[0];
    assert_eq!(
        (e["action"].as_str(), e["enforced"].as_bool()),
        (Some("block"), Some(true))
    );

    let request = chat("please BLOCKME and a secret");
    let out = chain(json!({"mode":"monitor"}))
        .run(&request, &Upstream::echo())
        .unwrap();
    assert!(out.reached_upstream && out.local_reply.is_none());
    assert_eq!(out.upstream().body, request.body, "monitor never rewrites");
    assert_eq!(
        out.upstream().header("content-length"),
        Some(&*request.body.len().to_string())
    );
    let e = &events(&out)[0];
    assert_eq!(e["action"], "block");
    assert_eq!(e["enforced"], false);
    assert_eq!(e["mode"], "monitor");
    assert_eq!(
        out.metric(&format!("{METRIC}_actions_total.action.block.mode.monitor")),
        Some(1)
    );
}

#[test]
fn internal_error_fails_closed_or_open() {
    let out = chain(json!({}))
        .run(&chat("FAILME"), &Upstream::echo())
        .unwrap();
    assert!(out.trap.is_none(), "an error is not a trap");
    let reply = out.local_reply.as_ref().expect("fail closed replies");
    assert_eq!(reply.status, 503);
    assert!(
        !reply.body_str().contains("forced internal error"),
        "internals stay in the log"
    );
    assert_eq!(reply_json(&out)["error"]["code"], "service_unavailable");
    let e = &events(&out)[0];
    assert_eq!(
        (e["action"].as_str(), e["status"].as_u64()),
        (Some("error"), Some(503))
    );
    assert!(e["message"]
        .as_str()
        .unwrap()
        .contains("forced internal error"));
    assert_eq!(
        out.metric(&format!("{METRIC}_errors_total.kind.internal")),
        Some(1)
    );

    let out = chain(json!({"on_error":"fail_open"}))
        .run(&chat("FAILME"), &Upstream::echo())
        .unwrap();
    assert!(out.reached_upstream && out.local_reply.is_none());
    assert_eq!(out.response.status, 200);
    let e = &events(&out)[0];
    assert_eq!(
        (e["action"].as_str(), e["enforced"].as_bool()),
        (Some("error"), Some(false))
    );
}

#[test]
fn unparseable_request_body_is_400_or_passes() {
    let bad = Request::post(CHAT).json_body(r#"{"messages":[{"role":"user","content":"x"}"#);
    let out = chain(json!({})).run(&bad, &Upstream::echo()).unwrap();
    assert_eq!(out.local_reply.as_ref().unwrap().status, 400);
    assert!(reply_json(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    let out = chain(json!({"on_error":"fail_open"}))
        .run(&bad, &Upstream::echo())
        .unwrap();
    assert!(out.reached_upstream);
}

// ---------------------------------------------------------------- body limit, content-length

#[test]
fn body_over_the_limit_is_413() {
    let big = chat(&"x".repeat(500));
    let out = chain(json!({"max_body_bytes":200}))
        .run(&big, &Upstream::echo())
        .unwrap();
    assert_eq!(
        out.local_reply.as_ref().unwrap().status,
        413,
        "content-length over the limit"
    );
    assert!(reply_json(&out)["error"]["message"]
        .as_str()
        .unwrap()
        .contains("over the limit"));
    let chunked = big
        .clone()
        .no_content_length()
        .chunks(vec![100, 100, 100, 100]);
    let out = chain(json!({"max_body_bytes":200}))
        .run(&chunked, &Upstream::echo())
        .unwrap();
    assert_eq!(
        out.local_reply.as_ref().unwrap().status,
        413,
        "chunked body over the limit"
    );
    assert!(!out.reached_upstream);
    let out = chain(json!({"max_body_bytes":200,"mode":"monitor"}))
        .run(&chunked, &Upstream::echo())
        .unwrap();
    assert!(out.reached_upstream);
    assert_eq!(out.upstream().body, big.body);
    assert_eq!(events(&out)[0]["reason"], "too_large");
}

#[test]
fn rewrite_removes_content_length_so_the_upstream_gets_the_whole_body() {
    for chunks in [vec![], vec![5], vec![17, 3, 1], vec![1; 40]] {
        let request = chat("my secret and your secret").chunks(chunks.clone());
        let out = chain(json!({})).run(&request, &Upstream::echo()).unwrap();
        let up = out.upstream();
        let body: Value = serde_json::from_slice(&up.body).expect("upstream body is whole JSON");
        assert_eq!(
            body["messages"][0]["content"], "my [REDACTED] and your [REDACTED]",
            "chunks {chunks:?}"
        );
        if let Some(n) = up.header("content-length") {
            assert_eq!(n, up.body.len().to_string(), "stale content-length");
        }
        assert_eq!(
            out.filter_state_str("parapet.runtime-probe.action")
                .as_deref(),
            Some("rewrite")
        );
        assert_eq!(
            out.filter_state_str("parapet.runtime-probe.redactions")
                .as_deref(),
            Some("2")
        );
    }
    // A filter that never rewrites keeps content-length.
    let out = chain(json!({"redact_word":""}))
        .run(&chat("hello"), &Upstream::echo())
        .unwrap();
    assert!(out.upstream().header("content-length").is_some());
}

// ------------------------------------------------------------------ provider error formats

/// Checks an error body (given the request id).
type Check = Box<dyn Fn(&Value, &str)>;

#[test]
fn local_replies_use_each_providers_error_format() {
    let cases: Vec<(&str, Value, Check)> = vec![
        (
            CHAT,
            json!({"model":"gpt-4o","messages":[{"role":"user","content":"BLOCKME"}]}),
            Box::new(|v, rid| {
                for k in ["message", "type", "param", "code"] {
                    assert!(v["error"].get(k).is_some(), "openai {k}: {v}");
                }
                assert!(v["error"]["message"].as_str().unwrap().contains(rid));
            }),
        ),
        (
            "/v1/messages",
            json!({"model":"claude-x","max_tokens":5,"messages":[{"role":"user","content":"BLOCKME"}]}),
            Box::new(|v, rid| {
                assert_eq!(v["type"], "error", "{v}");
                assert!(v["error"]["type"].is_string() && v["error"]["message"].is_string());
                assert_eq!(v["request_id"], rid);
            }),
        ),
        (
            "/v1beta/models/gemini-2.0-flash:generateContent",
            json!({"contents":[{"role":"user","parts":[{"text":"BLOCKME"}]}]}),
            Box::new(|v, _| {
                assert_eq!(v["error"]["code"], 403, "{v}");
                assert!(v["error"]["status"].is_string() && v["error"]["message"].is_string());
            }),
        ),
        (
            "/model/anthropic.claude-3/converse",
            json!({"messages":[{"role":"user","content":[{"text":"BLOCKME"}]}]}),
            Box::new(|v, _| assert!(v["message"].as_str().unwrap().contains("blocked"), "{v}")),
        ),
        (
            "/api/chat",
            json!({"model":"llama3","messages":[{"role":"user","content":"BLOCKME"}]}),
            Box::new(|v, _| assert!(v["error"].as_str().unwrap().contains("blocked"), "{v}")),
        ),
    ];
    let chain = chain(json!({}));
    for (path, body, check) in cases {
        let request = Request::post(path)
            .header("x-request-id", "rid-9")
            .json_body(body);
        let out = chain.run(&request, &Upstream::echo()).unwrap();
        let reply = out
            .local_reply
            .as_ref()
            .unwrap_or_else(|| panic!("{path}: no reply"));
        assert_eq!(reply.status, 403, "{path}");
        assert_eq!(reply.header("x-request-id"), Some("rid-9"), "{path}");
        assert_eq!(reply.header("x-parapet-filter"), Some("runtime-probe"));
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        check(&reply_json(&out), "rid-9");
        if path.contains("converse") {
            assert_eq!(
                reply.header("x-amzn-errortype"),
                Some("ValidationException")
            );
        }
    }
}

#[test]
fn statuses_400_429_with_retry_after() {
    let chain = chain(json!({}));
    let out = chain.run(&chat("INVALIDME"), &Upstream::echo()).unwrap();
    assert_eq!(out.local_reply.as_ref().unwrap().status, 400);
    let out = chain.run(&chat("RATELIMIT"), &Upstream::echo()).unwrap();
    let reply = out.local_reply.as_ref().unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("7"));
    assert_eq!(reply_json(&out)["error"]["type"], "rate_limit_error");
}

// ------------------------------------------------------------------------ events, metrics

fn schema() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("../event.schema.json")).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn events_from_the_proxy_conform_to_the_schema() {
    let validator = schema();
    let sse = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a secret UNSAFE\"}}]}\n\ndata: [DONE]\n\n";
    let runs: Vec<(Value, Request, Upstream)> = vec![
        (json!({}), chat("BLOCKME"), Upstream::echo()),
        (json!({}), chat("a secret"), Upstream::echo()),
        (json!({}), chat("RATELIMIT"), Upstream::echo()),
        (json!({}), chat("FAILME"), Upstream::echo()),
        (json!({"mode":"monitor"}), chat("BLOCKME"), Upstream::echo()),
        (
            json!({"events":{"log_allows":true}}),
            chat("hello"),
            Upstream::echo(),
        ),
        (
            json!({"max_body_bytes":50}),
            chat(&"y".repeat(100)),
            Upstream::echo(),
        ),
        (
            json!({"identity":{"sources":["api_key"]}}),
            chat("BLOCKME").header("authorization", "Bearer sk-test-123"),
            Upstream::echo(),
        ),
        (json!({}), chat("hi"), Upstream::sse(200, vec![&sse[..]])),
        (
            json!({}),
            Request::post("/v1/chat/completions?key=query-secret")
                .json_body(json!({"messages":[{"role":"user","content":"BLOCKME"}]})),
            Upstream::echo(),
        ),
    ];
    let mut seen = 0;
    for (i, (config, request, upstream)) in runs.into_iter().enumerate() {
        let out = chain(config).run(&request, &upstream).unwrap();
        let evs = events(&out);
        assert!(!evs.is_empty(), "run {i}: no event");
        for e in evs {
            let errors: Vec<String> = validator
                .iter_errors(&e)
                .map(|x| format!("{x} at {}", x.instance_path()))
                .collect();
            assert!(errors.is_empty(), "run {i}: {e}\n{errors:#?}");
            let line = e.to_string();
            for leak in ["sk-test-123", "query-secret", "a secret"] {
                assert!(!line.contains(leak), "run {i} leaks {leak}: {line}");
            }
            seen += 1;
        }
    }
    assert!(seen >= 10);
}

#[test]
fn metrics_follow_the_naming_convention() {
    let chain = chain(json!({}));
    chain.run(&chat("BLOCKME"), &Upstream::echo()).unwrap();
    chain.run(&chat("a secret"), &Upstream::echo()).unwrap();
    chain.run(&chat("FAILME"), &Upstream::echo()).unwrap();
    let out = chain.run(&chat("hello"), &Upstream::echo()).unwrap();
    let expect = [
        ("requests_total", 4),
        ("actions_total.action.block.mode.enforce", 1),
        ("actions_total.action.rewrite.mode.enforce", 1),
        ("actions_total.action.allow.mode.enforce", 1),
        ("actions_total.action.error.mode.enforce", 1),
        ("detections_total.category.probe", 1),
        ("detections_total.category.secret", 1),
        ("errors_total.kind.internal", 1),
    ];
    for (name, value) in expect {
        assert_eq!(
            out.metric(&format!("{METRIC}_{name}")),
            Some(value),
            "{name}: {:#?}",
            out.metrics
        );
    }
    assert!(
        out.metric(&format!("{METRIC}_bytes_scanned_total"))
            .unwrap()
            > 100
    );
    assert!(
        out.metric(&format!("{METRIC}_work_us")).unwrap() >= 3,
        "histogram samples"
    );
    for name in out.metrics.keys().filter(|n| n.starts_with("parapet_")) {
        let base = name.split('.').next().unwrap();
        assert!(base.starts_with("parapet_runtime_probe_"), "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
            "{name}"
        );
    }
}

// ------------------------------------------------------------------------------ identity

#[test]
fn identity_from_each_source() {
    // {"sub":"alice"} base64url
    let jwt_payload = "eyJzdWIiOiJhbGljZSJ9";
    let cases: Vec<(Value, Request, &str, String)> = vec![
        (
            json!({"identity":{"sources":["kong_consumer"]}}),
            chat("BLOCKME").header("x-consumer-id", "c-123"),
            "kong_consumer",
            "c-123".into(),
        ),
        (
            json!({"identity":{"sources":["kong_consumer"]}}),
            chat("BLOCKME").header("x-consumer-username", "bob"),
            "kong_consumer",
            "bob".into(),
        ),
        (
            json!({"identity":{"sources":["jwt"]}}),
            chat("BLOCKME").header("x-jwt-payload", jwt_payload),
            "jwt",
            "alice".into(),
        ),
        (
            json!({"identity":{"sources":["api_key"]}}),
            chat("BLOCKME").header("x-api-key", "sk-abc"),
            "api_key",
            format!(
                "sha256:{}",
                parapet_runtime::identity::sha256_hex(b"sk-abc")
            ),
        ),
        (
            json!({}),
            chat("BLOCKME"),
            "source_address",
            "127.0.0.1".into(),
        ),
    ];
    for (config, request, source, value) in cases {
        let out = chain(config).run(&request, &Upstream::echo()).unwrap();
        let e = &events(&out)[0];
        assert_eq!(e["identity"]["source"], source, "{e}");
        assert_eq!(e["identity"]["value"], value.as_str(), "{e}");
        assert!(!e.to_string().contains("sk-abc"));
    }
    // Header sources are not trusted unless configured: the default ignores them.
    let out = chain(json!({}))
        .run(
            &chat("BLOCKME").header("x-consumer-id", "forged"),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(events(&out)[0]["identity"]["source"], "source_address");
}

// ------------------------------------------------------------------------------- streams

fn openai_sse(texts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in texts {
        let c = json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":t}}]});
        out.extend(format!("data: {c}\n\n").into_bytes());
    }
    out.extend(b"data: [DONE]\n\n");
    out
}

fn anthropic_sse(texts: &[&str]) -> Vec<u8> {
    let mut out = String::from("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}\n\n");
    out.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for t in texts {
        let d =
            json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":t}});
        out.push_str(&format!("event: content_block_delta\ndata: {d}\n\n"));
    }
    out.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    out.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}\n\n");
    out.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    out.into_bytes()
}

fn ollama_ndjson(texts: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for t in texts {
        out.push_str(
            &json!({"model":"llama3","message":{"role":"assistant","content":t},"done":false})
                .to_string(),
        );
        out.push('\n');
    }
    out.push_str(&json!({"model":"llama3","message":{"role":"assistant","content":""},"done":true,"eval_count":4}).to_string());
    out.push('\n');
    out.into_bytes()
}

/// The text a client reassembles from the stream (every JSON string under a text key).
fn streamed_text(body: &[u8]) -> String {
    let mut out = String::new();
    for line in String::from_utf8_lossy(body).lines() {
        let json = line.strip_prefix("data: ").unwrap_or(line);
        if let Ok(v) = serde_json::from_str::<Value>(json) {
            for p in [
                "/choices/0/delta/content",
                "/delta/text",
                "/message/content",
            ] {
                if let Some(s) = v.pointer(p).and_then(Value::as_str) {
                    out.push_str(s);
                }
            }
        }
    }
    out
}

struct StreamCase {
    name: &'static str,
    path: &'static str,
    body: Value,
    content_type: &'static str,
    wire: fn(&[&str]) -> Vec<u8>,
    terminal: &'static str,
}

fn stream_cases() -> Vec<StreamCase> {
    vec![
        StreamCase {
            name: "openai",
            path: CHAT,
            body: json!({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}),
            content_type: "text/event-stream",
            wire: openai_sse,
            terminal: "[DONE]",
        },
        StreamCase {
            name: "anthropic",
            path: "/v1/messages",
            body: json!({"model":"claude","max_tokens":9,"stream":true,"messages":[{"role":"user","content":"hi"}]}),
            content_type: "text/event-stream",
            wire: anthropic_sse,
            terminal: "message_stop",
        },
        StreamCase {
            name: "ollama",
            path: "/api/chat",
            body: json!({"model":"llama3","messages":[{"role":"user","content":"hi"}]}),
            content_type: "application/x-ndjson",
            wire: ollama_ndjson,
            terminal: "\"done\":true",
        },
    ]
}

fn run_stream(chain: &Chain, case: &StreamCase, pieces: Vec<&[u8]>) -> Outcome {
    let request = Request::post(case.path).json_body(case.body.clone());
    let upstream = Upstream::new(200)
        .header("content-type", case.content_type)
        .body_chunks(pieces);
    chain.run(&request, &upstream).unwrap()
}

#[test]
fn stream_hold_back_redacts_a_split_secret_at_every_chunk_split() {
    let chain = chain(json!({}));
    for case in stream_cases() {
        let wire = (case.wire)(&["the se", "cr", "et is 42"]);
        for cut in 0..=wire.len() {
            let out = run_stream(&chain, &case, vec![&wire[..cut], &wire[cut..]]);
            let body = &out.response.body;
            let text = String::from_utf8_lossy(body);
            assert_eq!(
                streamed_text(body),
                "the [REDACTED] is 42",
                "{} cut {cut}: {text}",
                case.name
            );
            assert!(
                !text.contains("secret") && !text.contains("\"se\""),
                "{} cut {cut}",
                case.name
            );
            assert!(
                text.contains(case.terminal),
                "{} cut {cut}: terminal event kept",
                case.name
            );
            assert!(out.response.header("content-length").is_none());
        }
    }
}

#[test]
fn stream_redaction_with_random_multi_splits() {
    let chain = chain(json!({}));
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for case in stream_cases() {
        let wire = (case.wire)(&["a s", "e", "cret, b sec", "ret", " c"]);
        for _ in 0..40 {
            let mut cuts: Vec<usize> = (0..1 + next(6)).map(|_| next(wire.len() + 1)).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut start = 0;
            for c in cuts {
                pieces.push(&wire[start..c]);
                start = c;
            }
            pieces.push(&wire[start..]);
            let out = run_stream(&chain, &case, pieces);
            assert_eq!(
                streamed_text(&out.response.body),
                "a [REDACTED], b [REDACTED] c",
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn stream_termination_at_every_chunk_split() {
    let chain = chain(json!({}));
    for case in stream_cases() {
        // "more words " is still inside the 5-byte window when the block comes: dropped too.
        let wire = (case.wire)(&["safe text here. ", "more words ", "UNS", "AFE rest"]);
        for cut in 0..=wire.len() {
            let out = run_stream(&chain, &case, vec![&wire[..cut], &wire[cut..]]);
            let text = String::from_utf8_lossy(&out.response.body);
            assert!(!text.contains("UNS"), "{} cut {cut}: {text}", case.name);
            assert!(
                !text.contains(case.terminal),
                "{} cut {cut}: stream must end early",
                case.name
            );
            assert!(
                text.contains("unsafe output"),
                "{} cut {cut}: error event: {text}",
                case.name
            );
            assert_eq!(
                streamed_text(&out.response.body),
                "safe text here. ",
                "{} cut {cut}",
                case.name
            );
            assert_eq!(out.response.status, 200, "headers were already sent");
            let e = events(&out)
                .into_iter()
                .find(|e| e["action"] == "block")
                .expect("block event");
            assert_eq!(e["phase"], "stream");
        }
    }
}

#[test]
fn hold_back_window_is_what_catches_split_patterns() {
    // With no window, a secret split across events leaks (each event is released as soon as
    // it is seen) — the configured window is what prevents it.
    let case = &stream_cases()[0];
    let wire = (case.wire)(&["the se", "cr", "et is 42"]);
    let out = run_stream(
        &chain(json!({"stream":{"hold_back_bytes":0}})),
        case,
        vec![&wire[..]],
    );
    assert_eq!(streamed_text(&out.response.body), "the secret is 42");
    let out = run_stream(
        &chain(json!({"stream":{"hold_back_bytes":5}})),
        case,
        vec![&wire[..]],
    );
    assert_eq!(streamed_text(&out.response.body), "the [REDACTED] is 42");
}

#[test]
fn json_responses_are_rewritten_or_replaced_by_a_provider_error() {
    let chain = chain(json!({}));
    let ok = json!({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"the secret is 42"},"finish_reason":"stop"}]});
    let out = chain
        .run(&chat("hi"), &Upstream::json(200, &ok).chunks(vec![10, 20]))
        .unwrap();
    let v = out.response.json().expect("JSON");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "the [REDACTED] is 42"
    );
    let bad =
        json!({"choices":[{"index":0,"message":{"role":"assistant","content":"UNSAFE stuff"}}]});
    let out = chain.run(&chat("hi"), &Upstream::json(200, &bad)).unwrap();
    let v = out.response.json().expect("JSON");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unsafe output"),
        "{v}"
    );
    assert!(!out.response.body_str().contains("UNSAFE stuff"));
}

// --------------------------------------------------------------------------- Kong profile

fn kong(config: Value) -> Chain {
    Chain::builder()
        .profile(HostProfile::Kong)
        .filter("runtime-probe", probe(), config)
        .build()
        .expect("chain builds")
}

#[test]
fn the_same_module_works_on_kong() {
    let out = kong(json!({}))
        .run(&chat("BLOCKME"), &Upstream::echo())
        .unwrap();
    assert_eq!(out.local_reply.as_ref().unwrap().status, 403);
    assert_eq!(
        reply_json(&out)["error"]["code"],
        "content_policy_violation"
    );

    let out = kong(json!({}))
        .run(&chat("a secret here"), &Upstream::echo())
        .unwrap();
    let body: Value = serde_json::from_slice(&out.upstream().body).expect("whole body upstream");
    assert_eq!(body["messages"][0]["content"], "a [REDACTED] here");

    let resp =
        json!({"choices":[{"index":0,"message":{"role":"assistant","content":"your secret"}}]});
    let out = kong(json!({}))
        .run(&chat("hi"), &Upstream::json(200, &resp).chunks(vec![9, 9]))
        .unwrap();
    assert_eq!(
        out.response.json().unwrap()["choices"][0]["message"]["content"],
        "your [REDACTED]"
    );

    let case = &stream_cases()[0];
    let wire = (case.wire)(&["the se", "cr", "et is 42"]);
    let out = run_stream(&kong(json!({})), case, vec![&wire[..7], &wire[7..]]);
    assert_eq!(streamed_text(&out.response.body), "the [REDACTED] is 42");
}

// ------------------------------------------------------------------------------ findings

#[test]
fn findings_are_shared_through_filter_state_not_headers() {
    let chain = chain(json!({"match":{"paths":["/v1/*"]}}));
    let out = chain.run(&chat("BLOCKME"), &Upstream::echo()).unwrap();
    assert_eq!(
        out.filter_state_str("parapet.runtime-probe.action")
            .as_deref(),
        Some("block")
    );
    assert_eq!(
        out.filter_state_str("parapet.runtime-probe.rule_ids")
            .as_deref(),
        Some("probe.block")
    );
    // A client cannot plant a finding: headers are not filter state, and an unmatched route
    // (the filter does not run) leaves no finding at all.
    let spoof = Request::post("/other")
        .header("parapet.runtime-probe.action", "allow")
        .json_body("{}");
    let out = chain.run(&spoof, &Upstream::echo()).unwrap();
    assert!(
        out.filter_state_str("parapet.runtime-probe.action")
            .is_none(),
        "{:?}",
        out.filter_state
    );
}

#[test]
fn request_trailers_do_not_bypass_inspection() {
    // The body ends with trailers instead of end_of_stream: the runtime decides in the trailers
    // callback. Where the host cannot hand over the buffered body there, it fails closed —
    // either way nothing uninspected reaches the upstream.
    for config in [json!({}), json!({"on_error":"fail_closed"})] {
        let request = chat("BLOCKME").chunks(vec![10]).trailer("x-checksum", "1");
        let out = chain(config.clone())
            .run(&request, &Upstream::echo())
            .unwrap();
        assert!(
            !out.reached_upstream,
            "a body ended by trailers is still decided"
        );
        let status = out.local_reply.as_ref().map(|r| r.status);
        assert!(matches!(status, Some(403) | Some(503)), "{status:?}");
        let request = chat("a secret").trailer("x-checksum", "1");
        let out = chain(config).run(&request, &Upstream::echo()).unwrap();
        if out.reached_upstream {
            assert!(out.upstream().body_str().contains("[REDACTED]"));
        } else {
            assert_eq!(out.local_reply.as_ref().map(|r| r.status), Some(503));
        }
    }
}
