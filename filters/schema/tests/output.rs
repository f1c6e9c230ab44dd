//! Output validation: contracts read from each provider's request, whole responses checked
//! through parapet-core's response view, and streamed output assembled at every split.

use std::sync::Arc;

use parapet_core::{detect, parse_request, parse_response, Limits};
use parapet_schema::{
    Bounds, CompileOptions, ContentRule, OutputAssembler, OutputContract, OutputTarget, Schema,
};
use serde_json::{json, Value};

fn contract(path: &str, request: &Value) -> OutputContract {
    let body = serde_json::to_vec(request).unwrap();
    let api = detect(path, Some(&body));
    let view = parse_request(api, &body, &Limits::default()).unwrap();
    let (c, errors) = OutputContract::from_request(
        &view,
        request,
        None,
        &CompileOptions::default(),
        Bounds::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    c
}

fn check(path: &str, c: &OutputContract, response: &Value) -> Vec<String> {
    let body = serde_json::to_vec(response).unwrap();
    let view = parse_response(detect(path, None), &body, &Limits::default()).unwrap();
    c.check_response(&view)
        .iter()
        .map(|v| v.to_string())
        .collect()
}

fn answer_schema() -> Value {
    json!({"type": "object", "properties": {"text": {"type": "string"}, "score": {"type": "integer"}},
           "required": ["text"], "additionalProperties": false})
}

#[test]
fn openai_chat_content_and_tool_calls() {
    let request = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": answer_schema()}},
        "tools": [{"type": "function", "function": {"name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]});
    let c = contract("/v1/chat/completions", &request);
    assert!(matches!(c.content, Some(ContentRule::Schema(_))));
    assert!(c.tools.contains_key("get_weather"));
    let ok = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"text\":\"Rain.\"}"}, "finish_reason": "stop"}]});
    assert!(check("/v1/chat/completions", &c, &ok).is_empty());
    let wrong = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "{\"text\":5,\"extra\":1}"}, "finish_reason": "stop"}]});
    let v = check("/v1/chat/completions", &c, &wrong);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].starts_with("choice 0 content: "), "{}", v[0]);
    assert!(
        v[0].contains("/text") && v[0].contains("(schema /properties/text/type)"),
        "{}",
        v[0]
    );
    let prose = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": "Sure! It rains."}, "finish_reason": "stop"}]});
    assert!(check("/v1/chat/completions", &c, &prose)[0].contains("not JSON"));
    let call = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"town\":\"Paris\"}"}},
        {"id": "c2", "type": "function", "function": {"name": "rm_rf", "arguments": "{}"}}]}, "finish_reason": "tool_calls"}]});
    let v = check("/v1/chat/completions", &c, &call);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(
        v[0].contains("get_weather") && v[0].contains("required"),
        "{}",
        v[0]
    );
    assert!(v[1].contains("did not declare"), "{}", v[1]);
}

#[test]
fn responses_anthropic_bedrock_ollama_contracts() {
    let schema = answer_schema();
    let cases = [
        (
            "/v1/responses",
            json!({"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "a", "schema": schema}}}),
            json!({"id": "r", "object": "response", "status": "completed", "output": [{"type": "message", "id": "m", "role": "assistant", "status": "completed",
               "content": [{"type": "output_text", "text": "{\"text\":1}", "annotations": []}]}]}),
        ),
        (
            "/v1/messages",
            json!({"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}], "output_config": {"format": {"type": "json_schema", "schema": schema}}}),
            json!({"id": "msg", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "{\"text\":1}"}], "stop_reason": "end_turn"}),
        ),
        (
            "/model/m/converse",
            json!({"messages": [{"role": "user", "content": [{"text": "x"}]}], "outputConfig": {"textFormat": {"type": "json_schema",
               "structure": {"jsonSchema": {"schema": schema.to_string(), "name": "a"}}}}}),
            json!({"output": {"message": {"role": "assistant", "content": [{"text": "{\"text\":1}"}]}}, "stopReason": "end_turn"}),
        ),
        (
            "/api/chat",
            json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "format": schema, "stream": false}),
            json!({"model": "m", "message": {"role": "assistant", "content": "{\"text\":1}"}, "done": true}),
        ),
    ];
    for (path, request, bad_response) in cases {
        let c = contract(path, &request);
        assert!(matches!(c.content, Some(ContentRule::Schema(_))), "{path}");
        let v = check(path, &c, &bad_response);
        assert_eq!(v.len(), 1, "{path}: {v:?}");
        assert!(v[0].contains("/text"), "{path}: {}", v[0]);
        let good = serde_json::to_string(&bad_response)
            .unwrap()
            .replace(r#"{\"text\":1}"#, r#"{\"text\":\"ok\"}"#);
        assert!(
            check(path, &c, &serde_json::from_str(&good).unwrap()).is_empty(),
            "{path}"
        );
    }
}

#[test]
fn gemini_openapi_response_schema_is_converted() {
    let request = json!({"contents": [{"parts": [{"text": "x"}]}], "generationConfig": {"responseMimeType": "application/json",
        "responseSchema": {"type": "OBJECT", "properties": {"text": {"type": "STRING", "nullable": true}}, "required": ["text"]}}});
    let c = contract("/v1beta/models/g:generateContent", &request);
    let resp = |text: &str| json!({"candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}]});
    assert!(check(
        "/v1beta/models/g:generateContent",
        &c,
        &resp(r#"{"text":null}"#)
    )
    .is_empty());
    assert!(check(
        "/v1beta/models/g:generateContent",
        &c,
        &resp(r#"{"text":"a"}"#)
    )
    .is_empty());
    assert_eq!(
        check(
            "/v1beta/models/g:generateContent",
            &c,
            &resp(r#"{"text":3}"#)
        )
        .len(),
        1
    );
    // Split across parts: the parts form one answer.
    let split = json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "{\"te"}, {"text": "xt\":\"a\"}"}]}, "index": 0}]});
    assert!(check("/v1beta/models/g:generateContent", &c, &split).is_empty());
}

#[test]
fn json_mode_without_schema_requires_json() {
    let c = contract(
        "/v1/chat/completions",
        &json!({"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_object"}}),
    );
    assert!(matches!(c.content, Some(ContentRule::AnyJson)));
    let resp = |t: &str| json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": t}}]});
    assert!(check("/v1/chat/completions", &c, &resp("[1,2]")).is_empty());
    assert_eq!(check("/v1/chat/completions", &c, &resp("[1,2")).len(), 1);
    let plain = contract(
        "/v1/chat/completions",
        &json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}),
    );
    assert!(plain.is_empty());
}

#[test]
fn route_schema_overrides_and_bad_request_schemas_are_reported() {
    let request = json!({"model": "m", "messages": [{"role": "user", "content": "x"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "strin"}}}});
    let body = serde_json::to_vec(&request).unwrap();
    let view = parse_request(
        detect("/v1/chat/completions", None),
        &body,
        &Limits::default(),
    )
    .unwrap();
    let (c, errors) = OutputContract::from_request(
        &view,
        &request,
        None,
        &CompileOptions::default(),
        Bounds::default(),
    );
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(c.content, Some(ContentRule::AnyJson)),
        "json_schema mode still demands JSON"
    );
    let route = Arc::new(
        Schema::compile(
            "route",
            &json!({"type": "array"}),
            &CompileOptions::default(),
        )
        .unwrap(),
    );
    let (c, _) = OutputContract::from_request(
        &view,
        &request,
        Some(route),
        &CompileOptions::default(),
        Bounds::default(),
    );
    let resp = |t: &str| json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": t}}]});
    assert!(check("/v1/chat/completions", &c, &resp("[]")).is_empty());
    assert_eq!(check("/v1/chat/completions", &c, &resp("{}")).len(), 1);
}

fn streamed_verdict(c: &OutputContract, pieces: &[&str]) -> (Option<usize>, Vec<String>) {
    let mut a = OutputAssembler::new(c.clone());
    let mut early = None;
    for (i, p) in pieces.iter().enumerate() {
        if a.push_text(0, p).is_some() && early.is_none() {
            early = Some(i);
        }
    }
    let mut all: Vec<String> = a.finish().iter().map(|v| v.to_string()).collect();
    if early.is_some() {
        all.insert(0, "early".into());
    }
    (early, all)
}

#[test]
fn streamed_content_gives_the_same_verdict_at_every_split() {
    let schema =
        Arc::new(Schema::compile("s", &answer_schema(), &CompileOptions::default()).unwrap());
    let c = OutputContract {
        content: Some(ContentRule::Schema(schema)),
        ..Default::default()
    };
    let texts = [
        (r#"{"text":"Light rain, 18 °C","score":3}"#, true),
        (r#"{"text":"Light rain","score":"3"}"#, false),
        (r#"Sure! {"text":"x"}"#, false),
        (r#"{"text":"x"} and more"#, false),
        (r#"{"text":"unterminated"#, false),
    ];
    for (text, valid) in texts {
        let (_, whole) = streamed_verdict(&c, &[text]);
        assert_eq!(whole.is_empty(), valid, "{text}: {whole:?}");
        let chars: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for &cut in &chars {
            let (_, split) = streamed_verdict(&c, &[&text[..cut], &text[cut..]]);
            assert_eq!(split.is_empty(), valid, "{text} split at {cut}: {split:?}");
        }
        // Every character its own delta.
        let singles: Vec<&str> = chars.windows(2).map(|w| &text[w[0]..w[1]]).collect();
        let (_, each) = streamed_verdict(&c, &singles);
        assert_eq!(each.is_empty(), valid, "{text} char by char");
    }
}

#[test]
fn non_json_stream_is_reported_at_its_first_delta() {
    let c = OutputContract {
        content: Some(ContentRule::AnyJson),
        ..Default::default()
    };
    let (early, _) = streamed_verdict(&c, &["Sure", "! Here is the JSON: ", "{}"]);
    assert_eq!(early, Some(0));
    let (early, v) = streamed_verdict(&c, &["{\"a\":", " [1, 2]", "}"]);
    assert_eq!((early, v.len()), (None, 0));
}

#[test]
fn streamed_tool_arguments_are_assembled_per_call() {
    let params = Arc::new(
        Schema::compile(
            "p",
            &json!({"type": "object", "required": ["city"]}),
            &CompileOptions::default(),
        )
        .unwrap(),
    );
    let mut c = OutputContract::default();
    c.tools.insert("get_weather".into(), Some(params));
    let args = r#"{"city": "Paris"}"#;
    for cut in 0..=args.len() {
        let mut a = OutputAssembler::new(c.clone());
        a.push_tool_call(0, 0, Some("get_weather"), &args[..cut]);
        a.push_tool_call(0, 1, Some("get_weather"), "{\"town\":");
        a.push_tool_call(0, 0, None, &args[cut..]);
        a.push_tool_call(0, 1, None, "\"x\"}");
        let v = a.finish();
        assert_eq!(v.len(), 1, "cut {cut}: {v:?}");
        assert_eq!(
            v[0].target,
            OutputTarget::ToolCall {
                name: "get_weather".into(),
                index: 1
            }
        );
    }
}

#[test]
fn oversized_output_is_stopped() {
    let c = OutputContract {
        content: Some(ContentRule::AnyJson),
        bounds: Bounds {
            max_bytes: 10,
            max_depth: 8,
        },
        ..Default::default()
    };
    let mut a = OutputAssembler::new(c);
    assert!(a.push_text(0, "[1,2,3,").is_none());
    let v = a.push_text(0, "4,5,6,7]").expect("over the bound");
    assert!(
        v.to_string().contains("exceeds the limit of 10 bytes"),
        "{v}"
    );
}

#[test]
fn a_choice_can_be_finished_before_the_stream_ends() {
    let schema =
        Arc::new(Schema::compile("s", &answer_schema(), &CompileOptions::default()).unwrap());
    let c = OutputContract {
        content: Some(ContentRule::Schema(schema)),
        ..Default::default()
    };
    let mut a = OutputAssembler::new(c);
    assert!(a.push_text(0, r#"{"text":1}"#).is_none());
    assert!(a.push_text(1, r#"{"text":"ok"}"#).is_none());
    let v = a.finish_content(0).expect("choice 0 is invalid");
    assert_eq!((v.choice, v.target), (0, OutputTarget::Content));
    assert!(a.finish_content(0).is_none(), "reported once");
    assert!(a.finish_content(1).is_none());
    assert!(a.finish().is_empty(), "nothing left to report");
}
