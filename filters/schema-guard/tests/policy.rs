//! schema-guard's policy natively (no proxy): configuration compilation and errors, request
//! decisions on whole bodies (schemas per route, built-ins per provider, strict mode, limits,
//! byte-preserving clamping). The proxy path is in `harness.rs`.

use parapet_core::{detect, parse_request, Limits};
use parapet_schema_guard::config::Config;
use parapet_schema_guard::guard::{model_from_path, Guard, RequestDecision};
use serde_json::{json, Value};

fn guard(config: Value) -> Guard {
    let config: Config = serde_json::from_value(config).expect("config shape");
    Guard::new(config).unwrap_or_else(|e| panic!("{e}"))
}

fn config_error(config: Value) -> String {
    let config: Config = serde_json::from_value(config).expect("config shape");
    match Guard::new(config) {
        Ok(_) => panic!("config accepted"),
        Err(e) => e.to_string(),
    }
}

fn decide(g: &Guard, method: &str, path: &str, body: &str) -> RequestDecision {
    let api = detect(path, Some(body.as_bytes()));
    let view = parse_request(api, body.as_bytes(), &Limits::default()).expect("core parses");
    g.check_request(method, path, &view, body.as_bytes())
}

fn rejected(d: &RequestDecision) -> &str {
    match d {
        RequestDecision::Reject { message, .. } => message,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

const CHAT: &str = "/v1/chat/completions";

#[test]
fn bad_schemas_are_config_errors_naming_the_schema() {
    let cases = [
        (json!({"schema": {"type": "strin"}}), "schema", "/type"),
        (
            json!({"routes": [{"schema": {"type": "object"}}, {"schema": {"minLength": -1}}]}),
            "routes[1].schema",
            "minLength",
        ),
        (
            json!({"routes": [{"response_schema": {"$ref": "https://example.com/s.json"}}]}),
            "routes[0].response_schema",
            "not fetched",
        ),
        (
            json!({"limits": {"tool_arguments": {"get_weather": {"pattern": "(?<=a)b"}}}}),
            "limits.tool_arguments.get_weather",
            "linear-time",
        ),
        (
            json!({"draft": "draft-03"}),
            "draft",
            "unknown JSON Schema draft",
        ),
        (json!({"max_depth": 500}), "max_depth", "between 1 and"),
        (
            json!({"builtin": false, "strict": true}),
            "strict",
            "builtin",
        ),
        (
            json!({"limits": {"forbidden_params": [{"param": "n", "above": 1, "equals": 2}]}}),
            "limits.forbidden_params[0]",
            "not both",
        ),
        (
            json!({"limits": {"max_tokens": {"max": 0}}}),
            "limits.max_tokens.max",
            "at least 1",
        ),
        (
            json!({"routes": [{"match": {"paths": ["v1/*"]}}]}),
            "routes[0].match.paths[0]",
            "start with",
        ),
    ];
    for (config, field, fragment) in cases {
        let err = config_error(config);
        assert!(err.contains(&format!("`{field}`")), "{err}");
        assert!(err.contains(fragment), "{err}");
    }
}

#[test]
fn builtin_schemas_check_every_provider_by_default() {
    let g = guard(json!({}));
    let cases = [
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"robot","content":"hi"}]}"#,
            "/messages/0/role",
        ),
        (
            "/v1/responses",
            r#"{"model":"gpt-4.1","input":[{"type":"function_call","name":"f"}]}"#,
            "/input/0",
        ),
        (
            "/v1/messages",
            r#"{"model":"claude","messages":[{"role":"user","content":"hi"}]}"#,
            "max_tokens",
        ),
        (
            "/v1beta/models/gemini-2.5-flash:generateContent",
            r#"{"contents":[{"role":"user","parts":"hi"}]}"#,
            "/contents/0/parts",
        ),
        (
            "/model/amazon.nova-pro-v1%3A0/converse",
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            "/messages/0/content",
        ),
        (
            "/api/chat",
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            "model",
        ),
        (
            "/api/generate",
            r#"{"model":"llama3","prompt":["a"]}"#,
            "/prompt",
        ),
    ];
    for (path, body, fragment) in cases {
        let d = decide(&g, "POST", path, body);
        let message = rejected(&d);
        assert!(message.contains("builtin:"), "{path}: {message}");
        assert!(message.contains(fragment), "{path}: {message}");
        assert!(
            message.contains("(schema /"),
            "{path}: schema path missing: {message}"
        );
    }
    let ok = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_token":5}"#;
    assert_eq!(
        decide(&g, "POST", CHAT, ok),
        RequestDecision::Allow,
        "lenient by default"
    );
    let strict = guard(json!({"strict": true}));
    assert!(rejected(&decide(&strict, "POST", CHAT, ok)).contains("max_token"));
    let off = guard(json!({"builtin": false}));
    assert_eq!(
        decide(
            &off,
            "POST",
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"robot"}]}"#
        ),
        RequestDecision::Allow
    );
}

#[test]
fn configured_schema_and_routes() {
    let g = guard(json!({
        "schema": {"type": "object", "required": ["user"], "properties": {"user": {"type": "string"}}},
        "routes": [{"match": {"paths": ["/v1/embeddings"], "methods": ["POST"]},
                    "schema": {"$schema": "http://json-schema.org/draft-07/schema#", "required": ["input"]}}]
    }));
    let body = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;
    let message = rejected(&decide(&g, "POST", CHAT, body)).to_string();
    assert!(
        message.starts_with("request does not match schema `schema`: /: "),
        "{message}"
    );
    assert!(message.contains("(schema /required)"), "{message}");
    let with_user = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"user":"u1"}"#;
    assert_eq!(decide(&g, "POST", CHAT, with_user), RequestDecision::Allow);
    // The route's schema replaces the global one on its path.
    let emb = r#"{"model":"text-embedding-3-small","input":"x"}"#;
    assert_eq!(
        decide(&g, "POST", "/v1/embeddings", emb),
        RequestDecision::Allow
    );
    assert!(
        rejected(&decide(&g, "POST", "/v1/embeddings", r#"{"model":"m"}"#))
            .contains("routes[0].schema")
    );
    // Another method does not match the route: the global schema applies.
    assert!(rejected(&decide(&g, "PUT", "/v1/embeddings", emb)).contains("`schema`"));
}

#[test]
fn bodies_that_are_not_json_or_too_deep_are_rejected_clearly() {
    let g = guard(json!({"max_depth": 8}));
    assert!(rejected(&decide(
        &g,
        "POST",
        "/some/path",
        "{\"a\":[[[[[[[[[1]]]]]]]]]}"
    ))
    .contains("nested deeper than 8"));
}

#[test]
fn first_n_violations_are_listed() {
    let g = guard(json!({"max_errors": 2, "builtin": false,
        "schema": {"additionalProperties": {"type": "integer"}}}));
    let message = rejected(&decide(&g, "POST", "/x", r#"{"a":"1","b":"2","c":"3"}"#)).to_string();
    assert_eq!(
        message
            .matches("(schema /additionalProperties/type)")
            .count(),
        2,
        "{message}"
    );
    assert!(message.ends_with("; ..."), "{message}");
}

#[test]
fn clamping_rewrites_only_the_token_field() {
    let g = guard(json!({"limits": {"max_tokens": {"max": 256, "action": "clamp"}}}));
    assert!(g.may_clamp());
    let body = "{\n  \"model\": \"gpt-4o\",\n  \"messages\": [{\"role\": \"user\", \"content\": \"caf\\u00e9 \u{1F600}\"}],\n  \"max_tokens\":   4096 ,\n  \"temperature\": 0.20\n}";
    match decide(&g, "POST", CHAT, body) {
        RequestDecision::Rewrite { body: out, clamped } => {
            assert_eq!(String::from_utf8(out).unwrap(), body.replace("4096", "256"));
            assert_eq!(
                clamped,
                vec![("/max_tokens".to_string(), "4096".to_string(), 256)]
            );
        }
        other => panic!("{other:?}"),
    }
    let within = body.replace("4096", "100");
    assert_eq!(decide(&g, "POST", CHAT, &within), RequestDecision::Allow);
}

#[test]
fn limits_from_config() {
    let g = guard(json!({"limits": {
        "allowed_models": ["gpt-4o", "gemini-*"],
        "max_messages": 2,
        "forbidden_params": ["logit_bias", {"param": "n", "above": 1}, {"param": "stream", "equals": true}],
        "allowed_tools": ["get_*"],
        "tool_arguments": {"get_weather": {"type": "object", "required": ["city"]}}
    }}));
    let body = r#"{"model":"gpt-4o","n":2,"stream":true,"messages":[{"role":"user","content":"x"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
        {"role":"tool","tool_call_id":"c","content":"ok"}],
        "tools":[{"type":"function","function":{"name":"exec"}}]}"#;
    let message = rejected(&decide(&g, "POST", CHAT, body)).to_string();
    for fragment in [
        "/messages: 3 messages",
        "/n:",
        "/stream:",
        "tool `exec`",
        "/messages/1/tool_calls/0/function/arguments",
    ] {
        assert!(message.contains(fragment), "missing {fragment}: {message}");
    }
    // Path-addressed models count for `allowed_models`.
    let gemini = r#"{"contents":[{"role":"user","parts":[{"text":"x"}]}]}"#;
    assert_eq!(
        decide(
            &g,
            "POST",
            "/v1beta/models/gemini-2.5-flash:generateContent",
            gemini
        ),
        RequestDecision::Allow
    );
    assert!(rejected(&decide(
        &g,
        "POST",
        "/model/amazon.nova-pro-v1%3A0/converse",
        r#"{"messages":[{"role":"user","content":[{"text":"x"}]}]}"#
    ))
    .contains("amazon.nova-pro-v1:0"));
}

#[test]
fn models_are_read_from_paths() {
    assert_eq!(
        model_from_path("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse").as_deref(),
        Some("gemini-2.5-flash")
    );
    assert_eq!(
        model_from_path("/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream")
            .as_deref(),
        Some("anthropic.claude-3-5-sonnet-20241022-v2:0")
    );
    assert_eq!(model_from_path("/v1/chat/completions"), None);
    assert_eq!(
        model_from_path("/model/%E2%82%AC%zz/converse").as_deref(),
        Some("€%zz")
    );
}
