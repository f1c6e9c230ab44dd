//! schema-guard in a proxy: `dist/schema-guard.wasm` run by the wasmtime harness (Envoy 1.40
//! behaviour). Needs `scripts/build schema-guard` first.

use std::path::PathBuf;

use parapet_harness::{Chain, Outcome, Request, Upstream};
use serde_json::{json, Value};

const CHAT: &str = "/v1/chat/completions";
const METRIC: &str = "parapet_schema_guard";

fn module() -> PathBuf {
    parapet_harness::dist("schema-guard").expect("run scripts/build schema-guard first")
}

fn chain(config: Value) -> Chain {
    Chain::builder()
        .filter("schema-guard", module(), config)
        .build()
        .unwrap_or_else(|e| panic!("chain builds: {e}"))
}

fn events(out: &Outcome) -> Vec<Value> {
    out.logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l.message).ok())
        .filter(|v| v.get("schema").is_some())
        .collect()
}

/// The error message of a provider-shaped error body.
fn error_message(body: &str) -> String {
    let v: Value =
        serde_json::from_str(body.trim()).unwrap_or_else(|_| panic!("error body is JSON: {body}"));
    let m = v["error"]["message"]
        .as_str()
        .or_else(|| v["message"].as_str())
        .or_else(|| v["error"].as_str())
        .unwrap_or_else(|| panic!("no message in {v}"));
    m.to_string()
}

/// Builds a provider's JSON answer around a text.
type AnswerOf = fn(&str) -> Value;

fn answer_format() -> Value {
    json!({"type": "json_schema", "json_schema": {"name": "answer", "strict": true, "schema": {
        "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false}}})
}

fn structured_chat(stream: bool) -> Request {
    Request::post(CHAT).json_body(json!({"model": "gpt-4o", "stream": stream,
        "messages": [{"role": "user", "content": "Weather?"}], "response_format": answer_format()}))
}

#[test]
fn bad_schemas_refuse_the_config_naming_the_schema() {
    let cases = [
        (json!({"schema": {"type": "strin"}}), "`schema`"),
        (
            json!({"routes": [{"schema": {"$ref": "https://example.com/x.json"}}]}),
            "`routes[0].schema`",
        ),
        (
            json!({"limits": {"tool_arguments": {"f": {"pattern": "(a)\\1"}}}}),
            "`limits.tool_arguments.f`",
        ),
        (
            json!({"limits": {"max_tokens": {"max": 10, "action": "trim"}}}),
            "`limits.max_tokens.action`",
        ),
        (json!({"schemas": {}}), "`schemas`"),
    ];
    for (config, field) in cases {
        let err = match Chain::builder()
            .filter("schema-guard", module(), config.clone())
            .build()
        {
            Ok(_) => panic!("accepted {config}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains("configuration rejected") && err.contains(field),
            "{err}"
        );
    }
    chain(json!({}));
}

/// `depth` levels of alternating objects and arrays around `leaf`.
fn nested(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |v, i| {
        if i % 2 == 1 {
            json!([v])
        } else {
            json!({"a": v})
        }
    })
}

/// A recursive schema follows the instance as deep as `max_depth` lets a body nest (in wasm,
/// on the engine's stack); a schema whose own nesting multiplies with the instance's ends in a
/// 400 naming the evaluation cap — never a trap.
#[test]
fn deep_recursion_is_validated_or_refused_never_a_trap() {
    let node = json!({"type": ["array", "object", "number"],
        "items": {"$ref": "#/$defs/n"}, "additionalProperties": {"$ref": "#/$defs/n"}});
    let c = chain(json!({"builtin": false, "max_depth": 127, "schema": {
        "$defs": {"n": node}, "type": "object", "properties": {"deep": {"$ref": "#/$defs/n"}}}}));
    let body = |leaf: Value| {
        Request::post(CHAT).json_body(json!({"model": "gpt-4o",
            "messages": [{"role": "user", "content": "x"}], "deep": nested(120, leaf)}))
    };
    let ok = c.run(&body(json!(1)), &Upstream::echo()).unwrap();
    assert!(
        ok.trap.is_none() && ok.reached_upstream,
        "{:?}",
        ok.local_reply
    );
    let bad = c.run(&body(json!("x")), &Upstream::echo()).unwrap();
    assert!(bad.trap.is_none());
    let reply = bad.local_reply.as_ref().expect("local reply");
    assert_eq!(reply.status, 400);
    assert!(error_message(&reply.body_str()).contains("/deep/0/a/0/a"));

    let mut schema = json!({"type": ["array", "object", "number"],
        "items": {"$ref": "#"}, "additionalProperties": {"$ref": "#"}});
    for _ in 0..60 {
        schema = json!({"allOf": [schema]});
    }
    let c = chain(json!({"builtin": false, "max_depth": 127, "schema": schema}));
    let out = c
        .run(
            &Request::post(CHAT).json_body(nested(100, json!(1))),
            &Upstream::echo(),
        )
        .unwrap();
    assert!(out.trap.is_none(), "{:?}", out.trap);
    let reply = out.local_reply.as_ref().expect("local reply");
    assert_eq!(reply.status, 400);
    let message = error_message(&reply.body_str());
    assert!(message.contains("nested deeper than"), "{message}");
}

#[test]
fn limits_reject_with_400_in_each_providers_error_format() {
    let c = chain(json!({"limits": {"allowed_models": ["gpt-4o"]}}));
    let cases = [
        (Request::post(CHAT).json_body(json!({"model": "gpt-5", "messages": [{"role": "user", "content": "x"}]})), "gpt-5"),
        (Request::post("/v1/responses").json_body(json!({"model": "o3", "input": "x"})), "o3"),
        (Request::post("/v1/messages").json_body(json!({"model": "claude-opus", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})), "claude-opus"),
        (Request::post("/v1beta/models/gemini-2.5-pro:generateContent").json_body(json!({"contents": [{"parts": [{"text": "x"}]}]})), "gemini-2.5-pro"),
        (Request::post("/model/amazon.nova-pro-v1%3A0/converse").json_body(json!({"messages": [{"role": "user", "content": [{"text": "x"}]}]})), "amazon.nova-pro-v1:0"),
        (Request::post("/api/chat").json_body(json!({"model": "llama3.2", "messages": [{"role": "user", "content": "x"}]})), "llama3.2"),
    ];
    for (request, model) in cases {
        let out = c.run(&request, &Upstream::echo()).unwrap();
        assert!(!out.reached_upstream);
        let reply = out.local_reply.as_ref().expect("local reply");
        assert_eq!(reply.status, 400);
        let message = error_message(&reply.body_str());
        assert!(
            message.contains("/model") && message.contains(model),
            "{message}"
        );
    }
    let ok = Request::post(CHAT)
        .json_body(json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}));
    assert!(c.run(&ok, &Upstream::echo()).unwrap().reached_upstream);
}

#[test]
fn each_view_limit_is_enforced() {
    let c = chain(json!({"limits": {
        "max_messages": 3, "max_prompt_chars": 40, "allowed_tools": ["get_weather"],
        "max_tokens": {"max": 500}, "forbidden_params": [{"param": "stream", "equals": true}],
        "tool_arguments": {"get_weather": {"type": "object", "required": ["city"]}}}}));
    let base = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let with = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        Request::post(CHAT).json_body(b)
    };
    let cases = [
        (
            with(
                json!({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "user", "content": "d"}]}),
            ),
            "4 messages exceed the limit of 3",
        ),
        (
            with(json!({"messages": [{"role": "user", "content": "x".repeat(41)}]})),
            "41 characters",
        ),
        (
            with(json!({"tools": [{"type": "function", "function": {"name": "run_shell"}}]})),
            "tool `run_shell` is not allowed",
        ),
        (
            with(json!({"max_tokens": 4096})),
            "output-token limit 4096 is above the allowed 500",
        ),
        (with(json!({"stream": true})), "/stream"),
        (
            with(
                json!({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": null, "tool_calls": [
            {"id": "c", "type": "function", "function": {"name": "get_weather", "arguments": "{\"town\":\"x\"}"}}]},
            {"role": "tool", "tool_call_id": "c", "content": "ok"}]}),
            ),
            "/messages/1",
        ),
    ];
    for (request, fragment) in cases {
        let out = c.run(&request, &Upstream::echo()).unwrap();
        let reply = out
            .local_reply
            .as_ref()
            .unwrap_or_else(|| panic!("not blocked: {fragment}"));
        assert_eq!(reply.status, 400, "{fragment}");
        let message = error_message(&reply.body_str());
        assert!(message.contains(fragment), "{fragment}: {message}");
        let e = &events(&out)[0];
        assert_eq!(e["action"], "block");
        assert!(
            e["rule_ids"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r.as_str().unwrap().starts_with("limits.")),
            "{e}"
        );
    }
    assert!(
        c.run(&with(json!({})), &Upstream::echo())
            .unwrap()
            .reached_upstream
    );
}

#[test]
fn json_output_is_validated_for_each_provider() {
    let schema =
        json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]});
    let cases: [(Request, AnswerOf); 6] = [
        (Request::post(CHAT).json_body(json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": answer_format()})),
         |t: &str| json!({"id": "c", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}]})),
        (Request::post("/v1/responses").json_body(json!({"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "a", "schema": schema}}})),
         |t: &str| json!({"id": "r", "object": "response", "status": "completed", "output": [{"type": "message", "id": "m", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": t, "annotations": []}]}]})),
        (Request::post("/v1/messages").json_body(json!({"model": "m", "max_tokens": 9, "messages": [{"role": "user", "content": "x"}], "output_config": {"format": {"type": "json_schema", "schema": schema}}})),
         |t: &str| json!({"id": "msg", "type": "message", "role": "assistant", "content": [{"type": "text", "text": t}], "stop_reason": "end_turn"})),
        (Request::post("/v1beta/models/g:generateContent").json_body(json!({"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"responseMimeType": "application/json",
            "responseSchema": {"type": "OBJECT", "properties": {"text": {"type": "STRING"}}, "required": ["text"]}}})),
         |t: &str| json!({"candidates": [{"content": {"role": "model", "parts": [{"text": t}]}, "finishReason": "STOP", "index": 0}]})),
        (Request::post("/model/m/converse").json_body(json!({"messages": [{"role": "user", "content": [{"text": "x"}]}], "outputConfig": {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": schema.to_string(), "name": "a"}}}}})),
         |t: &str| json!({"output": {"message": {"role": "assistant", "content": [{"text": t}]}}, "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}})),
        (Request::post("/api/chat").json_body(json!({"model": "m", "stream": false, "messages": [{"role": "user", "content": "x"}], "format": schema})),
         |t: &str| json!({"model": "m", "message": {"role": "assistant", "content": t}, "done": true})),
    ];
    let c = chain(json!({}));
    for (request, response) in cases {
        let good = response(r#"{"text":"rain"}"#).to_string();
        let out = c.run(&request, &Upstream::json(200, &good)).unwrap();
        assert_eq!(out.response.body_str(), good, "{}", request.path);
        let bad = response(r#"{"text":42}"#).to_string();
        let out = c.run(&request, &Upstream::json(200, &bad)).unwrap();
        let body = out.response.body_str();
        assert_ne!(body, bad, "{}: invalid output delivered", request.path);
        let message = error_message(&body);
        assert!(
            message.contains("does not match the requested schema") && message.contains("/text"),
            "{}: {message}",
            request.path
        );
        let e = &events(&out)[0];
        assert_eq!(e["rule_ids"], json!(["schema.output.content"]), "{e}");
        assert!(
            !e.to_string().contains("\\\"text\\\":42"),
            "event leaks output: {e}"
        );
    }
}

#[test]
fn tool_call_arguments_in_responses_are_validated() {
    let request = Request::post(CHAT).json_body(json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "required": ["city"]}}}]}));
    let call = |name: &str, args: &str| {
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": name, "arguments": args}}]}, "finish_reason": "tool_calls"}]}).to_string()
    };
    let c = chain(json!({}));
    let ok = call("get_weather", "{\"city\":\"Paris\"}");
    assert_eq!(
        c.run(&request, &Upstream::json(200, &ok))
            .unwrap()
            .response
            .body_str(),
        ok
    );
    for (name, args, fragment) in [
        ("get_weather", "{\"town\":\"Paris\"}", "required"),
        ("delete_all", "{}", "did not declare"),
    ] {
        let out = c
            .run(&request, &Upstream::json(200, call(name, args)))
            .unwrap();
        let message = error_message(&out.response.body_str());
        assert!(message.contains(fragment), "{message}");
        assert_eq!(
            events(&out)[0]["rule_ids"],
            json!(["schema.output.tool_call"])
        );
    }
}

fn openai_sse(pieces: &[&str]) -> String {
    let mut s = String::new();
    for p in pieces {
        let chunk = json!({"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": null}]});
        s.push_str(&format!("data: {chunk}\n\n"));
    }
    s.push_str("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    s.push_str("data: [DONE]\n\n");
    s
}

/// The text deltas a client got from an OpenAI stream, and whether it ended with an error event.
fn client_view(body: &str) -> (String, bool) {
    let mut text = String::new();
    let mut error = false;
    for line in body.lines() {
        let Some(data) = line.strip_prefix("data: ") else {
            continue;
        };
        if data == "[DONE]" {
            continue;
        }
        let v: Value =
            serde_json::from_str(data).unwrap_or_else(|_| panic!("event is JSON: {data}"));
        if v.get("error").is_some() {
            error = true;
        }
        if let Some(t) = v["choices"][0]["delta"]["content"].as_str() {
            text.push_str(t);
        }
    }
    (text, error)
}

#[test]
fn streamed_structured_output_is_checked_at_every_chunk_boundary() {
    let c = chain(json!({}));
    let valid = openai_sse(&["{\"te", "xt\":\"Light ", "rain\"}"]);
    let invalid = openai_sse(&["{\"te", "xt\":", "42}"]);
    for (stream, ok) in [(&valid, true), (&invalid, false)] {
        for cut in 0..=stream.len() {
            let chunks = vec![&stream.as_bytes()[..cut], &stream.as_bytes()[cut..]];
            let out = c
                .run(&structured_chat(true), &Upstream::sse(200, chunks))
                .unwrap();
            let body = out.response.body_str();
            let (text, error) = client_view(&body);
            if ok {
                assert_eq!(body, *stream, "valid stream altered at cut {cut}");
            } else {
                assert!(error, "cut {cut}: no error event in {body}");
                let error_event = body.lines().find(|l| l.contains("\"error\"")).unwrap();
                assert!(error_event.contains("/text"), "cut {cut}: {error_event}");
                assert!(text.len() <= "{\"text\":42}".len());
            }
        }
    }
}

#[test]
fn a_stream_that_cannot_be_json_is_cut_at_its_first_delta() {
    let c = chain(json!({}));
    let stream = openai_sse(&[
        "Sure! Here",
        " is the JSON you asked for: ",
        "{\"text\":\"x\"}",
    ]);
    let out = c
        .run(
            &structured_chat(true),
            &Upstream::sse(200, stream.split_inclusive("\n\n").collect()),
        )
        .unwrap();
    let body = out.response.body_str();
    let (text, error) = client_view(&body);
    assert!(error, "{body}");
    assert!(
        !text.contains("is the JSON"),
        "text after the violation was delivered: {text}"
    );
    assert!(
        error_message_from_stream(&body).contains("not JSON"),
        "{body}"
    );
}

fn error_message_from_stream(body: &str) -> String {
    let line = body
        .lines()
        .find(|l| l.contains("\"error\""))
        .expect("error event");
    error_message(line.trim_start_matches("data: "))
}

#[test]
fn anthropic_stream_with_structured_output() {
    let request = Request::post("/v1/messages").json_body(json!({"model": "m", "max_tokens": 50, "stream": true,
        "messages": [{"role": "user", "content": "x"}],
        "output_config": {"format": {"type": "json_schema", "schema": {"type": "object", "required": ["text"]}}}}));
    let event = |name: &str, data: Value| format!("event: {name}\ndata: {data}\n\n");
    let stream = |text_pieces: &[&str]| {
        let mut s = event(
            "message_start",
            json!({"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant", "content": [], "model": "m", "stop_reason": null, "usage": {"input_tokens": 1, "output_tokens": 1}}}),
        );
        s += &event(
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        );
        for p in text_pieces {
            s += &event(
                "content_block_delta",
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}),
            );
        }
        s += &event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        );
        s += &event(
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}}),
        );
        s += &event("message_stop", json!({"type": "message_stop"}));
        s
    };
    let c = chain(json!({}));
    let good = stream(&["{\"text\":", "\"ok\"}"]);
    let bad = stream(&["{\"answer\":", "\"ok\"}"]);
    for cut in (0..good.len()).step_by(7) {
        let out = c
            .run(
                &request,
                &Upstream::sse(200, vec![&good.as_bytes()[..cut], &good.as_bytes()[cut..]]),
            )
            .unwrap();
        assert_eq!(out.response.body_str(), good, "cut {cut}");
    }
    for cut in (0..bad.len()).step_by(7) {
        let out = c
            .run(
                &request,
                &Upstream::sse(200, vec![&bad.as_bytes()[..cut], &bad.as_bytes()[cut..]]),
            )
            .unwrap();
        let body = out.response.body_str();
        assert!(body.contains("event: error"), "cut {cut}: {body}");
        assert!(body.contains("required"), "cut {cut}: {body}");
    }
}

#[test]
fn annotate_and_monitor_modes_never_block_output() {
    let bad = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"text\":1}"}, "finish_reason": "stop"}]}).to_string();
    for config in [
        json!({"output": {"on_violation": "annotate"}}),
        json!({"mode": "monitor"}),
    ] {
        let out = chain(config.clone())
            .run(&structured_chat(false), &Upstream::json(200, &bad))
            .unwrap();
        assert_eq!(out.response.body_str(), bad, "{config}");
        let e = events(&out);
        assert_eq!(e.len(), 1, "{config}: {e:?}");
        assert_eq!(e[0]["rule_ids"], json!(["schema.output.content"]));
    }
    let out = chain(json!({"output": {"validate": false}}))
        .run(&structured_chat(false), &Upstream::json(200, &bad))
        .unwrap();
    assert_eq!(out.response.body_str(), bad);
    assert!(events(&out).is_empty());
}

#[test]
fn metrics_count_blocks() {
    let c = chain(json!({"limits": {"allowed_models": ["gpt-4o"]}}));
    let out = c
        .run(
            &Request::post(CHAT)
                .json_body(json!({"model": "x", "messages": [{"role": "user", "content": "x"}]})),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(
        out.metric(&format!("{METRIC}_actions_total.action.block.mode.enforce")),
        Some(1),
        "{:#?}",
        out.metrics
    );
    assert_eq!(
        out.metric(&format!("{METRIC}_detections_total.category.schema")),
        Some(1),
        "{:#?}",
        out.metrics
    );
}

#[test]
fn the_simplest_config_validates_every_request_body() {
    let c = chain(json!({"schema": {
        "type": "object",
        "required": ["sku", "qty"],
        "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}}
    }}));
    // Not an LLM API at all: still validated.
    let ok = c
        .run(
            &Request::post("/orders").json_body(json!({"sku": "A-1", "qty": 2})),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(ok.response.status, 200);
    assert!(ok.reached_upstream);
    let bad = c
        .run(
            &Request::post("/orders").json_body(json!({"sku": 7, "qty": 0})),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(bad.response.status, 400);
    assert!(!bad.reached_upstream);
    let message = error_message(&bad.response.body_str());
    assert!(message.contains("/sku"), "instance path named: {message}");
    assert!(
        message.contains("/qty"),
        "every violation listed: {message}"
    );
    assert!(
        message.contains("minimum"),
        "schema keyword named: {message}"
    );
    // A JSON body that is not an object is validated too.
    let scalar = c
        .run(&Request::post("/orders").body("42"), &Upstream::echo())
        .unwrap();
    assert_eq!(scalar.response.status, 400);
    // And an LLM request is checked against the same schema.
    let chat = c
        .run(
            &Request::post(CHAT).json_body(json!({"model": "gpt-4o", "messages": []})),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(chat.response.status, 400);
    assert!(error_message(&chat.response.body_str()).contains("sku"));
}

#[test]
fn builtin_provider_schemas_reject_malformed_calls_and_strict_rejects_unknown_fields() {
    let lenient = chain(json!({}));
    let malformed = Request::post(CHAT).json_body(json!({"model": "gpt-4o", "messages": "hi"}));
    let out = lenient.run(&malformed, &Upstream::echo()).unwrap();
    assert_eq!(out.response.status, 400);
    assert!(error_message(&out.response.body_str()).contains("/messages"));
    let extra = Request::post(CHAT).json_body(json!({"model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}], "temprature": 0.2}));
    assert_eq!(
        lenient
            .run(&extra, &Upstream::echo())
            .unwrap()
            .response
            .status,
        200
    );
    let strict = chain(json!({"strict": true}));
    let out = strict.run(&extra, &Upstream::echo()).unwrap();
    assert_eq!(out.response.status, 400);
    assert!(error_message(&out.response.body_str()).contains("temprature"));
}

#[test]
fn clamping_rewrites_max_tokens_and_keeps_every_other_byte() {
    let c = chain(json!({"limits": {"max_tokens": {"max": 256, "action": "clamp"}}}));
    let body = "{ \"model\":\"gpt-4o\" ,\n  \"max_tokens\" : 4096, \"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9 \\ud83d\\ude00\"}], \"temperature\":1.50 }";
    let out = c
        .run(&Request::post(CHAT).body(body), &Upstream::echo())
        .unwrap();
    assert_eq!(out.response.status, 200);
    let sent = out.upstream().body_str();
    assert_eq!(
        sent,
        body.replace("4096", "256"),
        "only the number changed; whitespace, escapes and number formats kept"
    );
    // Under the ceiling: untouched.
    let small = body.replace("4096", "100");
    let out = c
        .run(&Request::post(CHAT).body(small.clone()), &Upstream::echo())
        .unwrap();
    assert_eq!(out.upstream().body_str(), small);
    // Reject is the default action.
    let reject = chain(json!({"limits": {"max_tokens": {"max": 256}}}));
    let out = reject
        .run(&Request::post(CHAT).body(body), &Upstream::echo())
        .unwrap();
    assert_eq!(out.response.status, 400);
    assert!(error_message(&out.response.body_str()).contains("max_tokens"));
}

#[test]
fn forbidden_parameters_and_allowed_models_are_enforced_on_the_raw_body() {
    let c = chain(json!({"limits": {
        "allowed_models": ["gpt-4o*"],
        "forbidden_params": ["logit_bias", {"param": "n", "above": 1}]
    }}));
    let base = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(
        c.run(
            &Request::post(CHAT).json_body(base.clone()),
            &Upstream::echo()
        )
        .unwrap()
        .response
        .status,
        200
    );
    for (patch, needle) in [
        (json!({"logit_bias": {"50256": -100}}), "logit_bias"),
        (json!({"n": 3}), "n"),
        (json!({"model": "o1-preview"}), "model"),
    ] {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let out = c
            .run(&Request::post(CHAT).json_body(body), &Upstream::echo())
            .unwrap();
        assert_eq!(out.response.status, 400, "{patch}");
        assert!(
            error_message(&out.response.body_str()).contains(needle),
            "{patch}"
        );
    }
}

#[test]
fn remote_refs_resolve_only_to_configured_resources() {
    let address = json!({"type": "object", "required": ["city"]});
    let c = chain(json!({
        "schema": {"type": "object", "properties": {"ship_to": {"$ref": "https://schemas.example.com/address.json"}}},
        "resources": {"https://schemas.example.com/address.json": address}
    }));
    let bad = c
        .run(
            &Request::post("/orders").json_body(json!({"ship_to": {"street": "x"}})),
            &Upstream::echo(),
        )
        .unwrap();
    assert_eq!(bad.response.status, 400);
    assert!(error_message(&bad.response.body_str()).contains("city"));
    let err = Chain::builder()
        .filter(
            "schema-guard",
            module(),
            json!({"schema": {"$ref": "https://schemas.example.com/other.json"}}),
        )
        .build()
        .err()
        .expect("an unresolvable remote $ref is a config error");
    assert!(err.to_string().contains("schema"), "{err}");
}

/// The depth pre-check skips text to its closing quote (SIMD in the module, 32 bytes a step):
/// brackets inside a string never count as nesting, wherever an escaped quote or backslash
/// falls in the 32-byte steps or in the tail after them.
#[test]
fn brackets_in_text_never_count_as_depth_wherever_an_escape_falls() {
    // The body nests three levels (object, messages, message): one more is refused.
    let c = chain(json!({"max_depth": 3}));
    let run = |content: &str| {
        let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": content}]});
        c.run(&Request::post(CHAT).json_body(body), &Upstream::echo())
            .unwrap()
    };
    for before in 0..70 {
        for escape in ["\"", "\\", "\\\""] {
            // JSON-escaped in the body: a skip that stops at the wrong byte ends the string
            // early and counts the brackets after it.
            let content = format!(
                "{}{escape}[[[[{}",
                "a".repeat(before),
                "b".repeat(before % 7)
            );
            let out = run(&content);
            assert!(
                out.reached_upstream,
                "before {before}, escape {escape:?}: {:?}",
                out.local_reply.map(|r| r.body_str())
            );
        }
    }
    // The check is live: four real levels are refused.
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [[1]]}]});
    let out = c
        .run(&Request::post(CHAT).json_body(body), &Upstream::echo())
        .unwrap();
    let reply = out.local_reply.expect("refused");
    assert!(error_message(&reply.body_str()).contains("nested deeper than"));
}

#[test]
fn answers_to_requests_without_an_output_contract_are_not_inspected() {
    // No response_format and no tools: nothing in the answer to validate, so it is neither
    // buffered nor decoded. Its content-length reaches the client, and a broken body passes
    // as the upstream sent it; after a request with a contract the same answers are checked.
    let plain = |stream: bool| {
        Request::post(CHAT).json_body(json!({"model": "gpt-4o", "stream": stream,
            "messages": [{"role": "user", "content": "Weather?"}]}))
    };
    let c = chain(json!({}));
    let broken = "{\"choices\": [{\"index\": 0, \"message\": {\"content\": \"cut off";
    let out = c.run(&plain(false), &Upstream::json(200, broken)).unwrap();
    assert_eq!(out.response.body_str(), broken);
    assert_eq!(
        out.response.header("content-length"),
        Some(broken.len().to_string().as_str())
    );
    let out = c
        .run(&structured_chat(false), &Upstream::json(200, broken))
        .unwrap();
    assert_ne!(out.response.body_str(), broken, "checked with a contract");
    assert!(out.response.header("content-length").is_none());

    let invalid = openai_sse(&["{\"te", "xt\":", "42}"]);
    let out = c
        .run(&plain(true), &Upstream::sse(200, vec![invalid.as_bytes()]))
        .unwrap();
    assert_eq!(out.response.body_str(), invalid);
    let out = c
        .run(
            &structured_chat(true),
            &Upstream::sse(200, vec![invalid.as_bytes()]),
        )
        .unwrap();
    assert_ne!(out.response.body_str(), invalid, "checked with a contract");
}
