//! Built-in provider request schemas: the documented example of each provider passes, typical
//! mistakes fail at the right pointer, and strict mode rejects unknown top-level fields.

use parapet_core::detect;
use parapet_schema::{builtin_for, BuiltinSet, CompileOptions, BUILTIN_SCHEMAS};
use serde_json::{json, Value};

fn sets() -> (BuiltinSet, BuiltinSet) {
    let o = CompileOptions::default();
    (
        BuiltinSet::compile(false, &o).unwrap(),
        BuiltinSet::compile(true, &o).unwrap(),
    )
}

/// (path, valid example request, a broken copy, the pointer the break must be reported at)
fn cases() -> Vec<(&'static str, Value, Value, &'static str)> {
    let openai = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "You are a travel assistant."},
            {"role": "user", "content": [
                {"type": "text", "text": "Weather in Paris?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO", "detail": "low"}}]},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "18 C"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}, "strict": true}}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "strict": true, "schema": {"type": "object"}}},
        "max_completion_tokens": 300, "stream": true, "stream_options": {"include_usage": true},
        "logit_bias": {"50256": -100}, "safety_identifier": "u-7f3a"
    });
    let mut openai_bad = openai.clone();
    openai_bad["messages"][3]
        .as_object_mut()
        .unwrap()
        .remove("tool_call_id");

    let responses = json!({
        "model": "gpt-4.1", "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "18 C"}
        ],
        "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}],
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": true}},
        "max_output_tokens": 400, "stream": true
    });
    let mut responses_bad = responses.clone();
    responses_bad["text"]["format"]
        .as_object_mut()
        .unwrap()
        .remove("schema");

    let anthropic = json!({
        "model": "claude-sonnet-4-5", "max_tokens": 1024,
        "system": [{"type": "text", "text": "You are a travel assistant.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": "What's the weather in Paris?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Paris"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A",
                "content": [{"type": "text", "text": "18 C"}], "is_error": false}]}
        ],
        "tools": [{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto"}, "stream": true
    });
    let mut anthropic_bad = anthropic.clone();
    anthropic_bad.as_object_mut().unwrap().remove("max_tokens");

    let gemini = json!({
        "systemInstruction": {"parts": [{"text": "You are a travel assistant."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Weather in Paris?"}, {"inlineData": {"mimeType": "image/jpeg", "data": "/9j/"}}]},
            {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"output": "18 C"}}}]}
        ],
        "tools": [{"functionDeclarations": [{"name": "get_weather", "parametersJsonSchema": {"type": "object"}}]}],
        "safetySettings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "BLOCK_ONLY_HIGH"}],
        "generationConfig": {"maxOutputTokens": 512, "temperature": 0.4, "responseMimeType": "application/json"}
    });
    let mut gemini_bad = gemini.clone();
    gemini_bad["contents"][1]["role"] = json!("assistant");

    let bedrock = json!({
        "system": [{"text": "You are a travel assistant."}, {"cachePoint": {"type": "default"}}],
        "messages": [
            {"role": "user", "content": [{"text": "Weather in Paris?"}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "get_weather", "input": {"city": "Paris"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"json": {"temp_c": 18}}], "status": "success"}}]}
        ],
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.5, "topP": 0.9},
        "toolConfig": {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}], "toolChoice": {"auto": {}}}
    });
    let mut bedrock_bad = bedrock.clone();
    bedrock_bad["inferenceConfig"]["maxTokens"] = json!("512");

    let ollama = json!({
        "model": "llama3.2",
        "messages": [
            {"role": "system", "content": "You are a travel assistant."},
            {"role": "user", "content": "What is the weather in Toronto?"},
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Toronto"}}}]},
            {"role": "tool", "content": "11 degrees", "tool_name": "get_weather"}
        ],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
        "format": {"type": "object"}, "options": {"num_predict": 100}, "stream": false
    });
    let mut ollama_bad = ollama.clone();
    ollama_bad["messages"][1]["content"] = json!(["parts", "are", "not", "allowed"]);

    let generate = json!({"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": false, "options": {"num_predict": 10}});
    let mut generate_bad = generate.clone();
    generate_bad["raw"] = json!("yes");

    vec![
        ("/v1/chat/completions", openai, openai_bad, "/messages/3"),
        ("/v1/responses", responses, responses_bad, "/text/format"),
        ("/v1/messages", anthropic, anthropic_bad, ""),
        (
            "/v1beta/models/gemini-2.5-flash:generateContent",
            gemini,
            gemini_bad,
            "/contents/1/role",
        ),
        (
            "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
            bedrock,
            bedrock_bad,
            "/inferenceConfig/maxTokens",
        ),
        ("/api/chat", ollama, ollama_bad, "/messages/1/content"),
        ("/api/generate", generate, generate_bad, "/raw"),
    ]
}

#[test]
fn every_builtin_schema_compiles_in_both_modes() {
    let o = CompileOptions::default();
    for b in BUILTIN_SCHEMAS {
        b.compile(false, &o).unwrap_or_else(|e| panic!("{e}"));
        b.compile(true, &o).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn documented_examples_pass_and_broken_copies_fail_at_the_right_place() {
    let (lenient, strict) = sets();
    for (path, good, bad, pointer) in cases() {
        let api = detect(path, None);
        let schema = lenient
            .get(api)
            .unwrap_or_else(|| panic!("no builtin for {path}"));
        if let Err(v) = schema.validate(&good) {
            panic!("{path}: documented example rejected: {v}");
        }
        strict
            .get(api)
            .unwrap()
            .validate(&good)
            .unwrap_or_else(|v| panic!("{path}: documented example rejected in strict mode: {v}"));
        let v = schema.validate(&bad).expect_err(path);
        assert!(
            v.items.iter().any(|v| v.instance_path == pointer),
            "{path}: expected a violation at {pointer:?}, got {v}"
        );
        assert!(
            v.items.iter().all(|v| !v.schema_path.is_empty()),
            "{path}: {v}"
        );
    }
}

#[test]
fn strict_mode_rejects_unknown_top_level_fields_only() {
    let (lenient, strict) = sets();
    for (path, good, _, _) in cases() {
        let api = detect(path, None);
        let mut typo = good.clone();
        typo["max_token"] = json!(100);
        assert!(
            lenient.get(api).unwrap().is_valid(&typo),
            "{path}: lenient must allow unknown fields"
        );
        let v = strict.get(api).unwrap().validate(&typo).expect_err(path);
        assert_eq!(v.items[0].keyword, "additionalProperties", "{path}: {v}");
        assert!(v.items[0].message.contains("max_token"), "{path}: {v}");
    }
}

#[test]
fn formats_without_a_builtin_have_none() {
    assert!(builtin_for(detect("/v1/embeddings", None)).is_none());
    assert!(builtin_for(detect("/some/unknown/path", None)).is_none());
    assert_eq!(
        builtin_for(detect("/v1/chat/completions", None))
            .unwrap()
            .name,
        "builtin:openai-chat"
    );
}

#[test]
fn openai_common_mistakes_are_caught() {
    let (lenient, _) = sets();
    let schema = lenient.get(detect("/v1/chat/completions", None)).unwrap();
    let bad = [
        (json!({"model": "gpt-4o", "messages": []}), "/messages"),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "n": 0}),
            "/n",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}),
            "/temperature",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "logit_bias": {"50256": 500}}),
            "/logit_bias/50256",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": [{"type": "text"}]}]}),
            "/messages/0/content/0",
        ),
        (json!({"messages": [{"role": "user", "content": "hi"}]}), ""),
    ];
    for (body, pointer) in bad {
        let v = schema.validate(&body).expect_err(pointer);
        assert!(
            v.items.iter().any(|v| v.instance_path == pointer),
            "{pointer}: {v}"
        );
    }
}
