//! Golden response views, one per format.

mod common;

use common::*;
use parapet_core::{
    detect, parse_response, Limits, ResponseView, Role, SegmentKind, ToolCall, Usage,
};
use Role::*;
use SegmentKind::*;

fn view<'a>(path: &str, body: &'a [u8]) -> ResponseView<'a> {
    let v = parse_response(detect(path, None), body, &Limits::default()).unwrap();
    check_spans(body, &v.segments);
    check_rewrite_all(body, &v.segments);
    v
}

fn choice_rows(v: &ResponseView) -> Vec<(Option<usize>, SegmentKind, String, String)> {
    v.segments
        .iter()
        .map(|s| {
            assert_eq!(
                s.role,
                if s.kind == ToolResult {
                    Tool
                } else {
                    Assistant
                }
            );
            (
                s.choice_index,
                s.kind,
                s.text.to_string(),
                s.pointer.to_string(),
            )
        })
        .collect()
}

fn r(
    choice: usize,
    kind: SegmentKind,
    text: &str,
    pointer: &str,
) -> (Option<usize>, SegmentKind, String, String) {
    (Some(choice), kind, text.to_string(), pointer.to_string())
}

fn call<'a>(
    choice: usize,
    index: usize,
    id: Option<&'a str>,
    name: &'a str,
    args: &'a str,
) -> ToolCall<'a> {
    ToolCall {
        choice,
        index,
        id: id.map(Into::into),
        name: name.into(),
        arguments: args.into(),
        message_index: None,
    }
}

#[test]
fn openai_chat_response() {
    let body = fixture("openai_chat_response.json");
    let v = view("/v1/chat/completions", &body);
    assert_eq!(v.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(
        choice_rows(&v),
        vec![
            r(
                0,
                Output,
                "{\"text\":\"18 C and light rain in Paris.\"}",
                "/choices/0/message/content"
            ),
            r(
                1,
                ToolCallName,
                "get_weather",
                "/choices/1/message/tool_calls/0/function/name"
            ),
            r(
                1,
                ToolCallArguments,
                "{\"city\":\"Paris \\u00e9\"}",
                "/choices/1/message/tool_calls/0/function/arguments"
            ),
            r(
                2,
                Refusal,
                "I can’t help with that.",
                "/choices/2/message/refusal"
            ),
        ]
    );
    assert_eq!(
        v.tool_calls,
        vec![call(
            1,
            0,
            Some("call_7"),
            "get_weather",
            "{\"city\":\"Paris \\u00e9\"}"
        )]
    );
    assert_eq!(v.finish_reasons, vec!["stop", "tool_calls", "stop"]);
    assert_eq!(
        v.usage,
        Some(Usage {
            input_tokens: 412,
            output_tokens: 19,
            total_tokens: 431,
            cache_read_tokens: Some(256),
            cache_write_tokens: None,
            reasoning_tokens: Some(7),
            cumulative: false
        })
    );
    assert!(!v.error);
}

#[test]
fn openai_responses_response() {
    let body = fixture("openai_responses_response.json");
    let v = view("/v1/responses", &body);
    assert_eq!(
        choice_rows(&v),
        vec![
            r(0, Other, "Checking weather.", "/output/0/summary/0/text"),
            r(0, ToolCallName, "get_weather", "/output/1/name"),
            r(
                0,
                ToolCallArguments,
                "{\"city\":\"Lyon\"}",
                "/output/1/arguments"
            ),
            r(
                0,
                Output,
                "{\"text\":\"Rain in Paris.\"}",
                "/output/2/content/0/text"
            ),
            r(0, Refusal, "No more.", "/output/2/content/1/refusal"),
        ]
    );
    assert_eq!(
        v.tool_calls,
        vec![call(
            0,
            1,
            Some("call_2"),
            "get_weather",
            "{\"city\":\"Lyon\"}"
        )]
    );
    assert_eq!(v.finish_reasons, vec!["completed"]);
    let u = v.usage.unwrap();
    assert_eq!(
        (
            u.input_tokens,
            u.output_tokens,
            u.total_tokens,
            u.cache_read_tokens,
            u.cache_write_tokens,
            u.reasoning_tokens
        ),
        (328, 52, 380, Some(10), Some(0), Some(12))
    );
}

#[test]
fn legacy_completions_and_embeddings_responses() {
    let body = br#"{"id":"cmpl-uqkv","object":"text_completion","created":1589478378,"model":"gpt-3.5-turbo-instruct",
 "choices":[{"text":"\n\nThis is a test","index":0,"logprobs":null,"finish_reason":"length"}],
 "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#;
    let v = view("/v1/completions", body);
    assert_eq!(
        choice_rows(&v),
        vec![r(0, Output, "\n\nThis is a test", "/choices/0/text")]
    );
    assert_eq!(v.finish_reasons, vec!["length"]);
    assert_eq!(
        v.usage
            .map(|u| (u.input_tokens, u.output_tokens, u.total_tokens)),
        Some((5, 7, 12))
    );
    let body = br#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023,-0.0093,0.0158]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":4,"total_tokens":4}}"#;
    let v = view("/v1/embeddings", body);
    assert!(v.segments.is_empty());
    assert_eq!(
        v.usage
            .map(|u| (u.input_tokens, u.output_tokens, u.total_tokens)),
        Some((4, 0, 4))
    );
}

#[test]
fn anthropic_response() {
    let body = fixture("anthropic_response.json");
    let v = view("/v1/messages", &body);
    assert_eq!(
        choice_rows(&v),
        vec![
            r(0, Other, "Rain is expected...", "/content/0/thinking"),
            r(
                0,
                Output,
                "Yes, take an umbrella: 18 C with light rain. 🌂",
                "/content/1/text"
            ),
            r(0, ToolCallName, "book_taxi", "/content/2/name"),
            r(0, ToolCallArguments, "Gare du Nord", "/content/2/input/to"),
        ]
    );
    assert_eq!(
        v.tool_calls,
        vec![call(
            0,
            2,
            Some("toolu_9"),
            "book_taxi",
            r#"{"to": "Gare du Nord"}"#
        )]
    );
    assert_eq!(v.finish_reasons, vec!["tool_use"]);
    // Total input = input + cache creation + cache read.
    assert_eq!(
        v.usage,
        Some(Usage {
            input_tokens: 612,
            output_tokens: 57,
            total_tokens: 669,
            cache_read_tokens: Some(180),
            cache_write_tokens: Some(20),
            reasoning_tokens: None,
            cumulative: false
        })
    );
}

#[test]
fn gemini_response() {
    let body = fixture("gemini_response.json");
    let v = view("/v1beta/models/gemini-2.5-flash:generateContent", &body);
    assert_eq!(v.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(
        choice_rows(&v),
        vec![
            r(
                0,
                Other,
                "Thinking about it",
                "/candidates/0/content/parts/0/text"
            ),
            r(
                0,
                Output,
                "{\"text\": \"Light rain, 18 C.\"}",
                "/candidates/0/content/parts/1/text"
            ),
            r(
                0,
                ToolCallName,
                "get_weather",
                "/candidates/0/content/parts/2/functionCall/name"
            ),
            r(
                0,
                ToolCallArguments,
                "Paris",
                "/candidates/0/content/parts/2/functionCall/args/city"
            ),
        ]
    );
    assert_eq!(
        v.tool_calls,
        vec![call(0, 0, None, "get_weather", r#"{"city": "Paris"}"#)]
    );
    assert_eq!(v.finish_reasons, vec!["STOP"]);
    // Output counts thoughts: 12 + 36; total is the provider's.
    assert_eq!(
        v.usage,
        Some(Usage {
            input_tokens: 301,
            output_tokens: 48,
            total_tokens: 349,
            cache_read_tokens: Some(100),
            cache_write_tokens: None,
            reasoning_tokens: Some(36),
            cumulative: false
        })
    );
}

#[test]
fn gemini_blocked_prompt() {
    let body = br#"{"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}"#;
    let v = view("/v1beta/models/g:generateContent", body);
    assert!(v.segments.is_empty());
    assert_eq!(v.finish_reasons, vec!["SAFETY"]);
}

#[test]
fn bedrock_response() {
    let body = fixture("bedrock_response.json");
    let v = view("/model/m/converse", &body);
    assert_eq!(
        choice_rows(&v),
        vec![
            r(
                0,
                Output,
                "Light rain and 18 C in Paris.",
                "/output/message/content/0/text"
            ),
            r(
                0,
                ToolCallName,
                "get_forecast",
                "/output/message/content/1/toolUse/name"
            ),
            r(
                0,
                ToolCallArguments,
                "Paris",
                "/output/message/content/1/toolUse/input/city"
            ),
        ]
    );
    assert_eq!(
        v.tool_calls,
        vec![call(
            0,
            1,
            Some("tooluse_2"),
            "get_forecast",
            r#"{"city": "Paris", "days": 3}"#
        )]
    );
    assert_eq!(v.finish_reasons, vec!["tool_use"]);
    assert_eq!(
        v.usage,
        Some(Usage {
            input_tokens: 402,
            output_tokens: 14,
            total_tokens: 416,
            cache_read_tokens: Some(3),
            cache_write_tokens: Some(1),
            reasoning_tokens: None,
            cumulative: false
        })
    );
}

#[test]
fn ollama_responses() {
    let body = r#"{"model":"llama3.2","created_at":"2025-07-07T20:43:37.688511Z","message":{"role":"assistant","content":"The current temperature in Toronto is 11°C.","thinking":"hmm"},"done":true,"done_reason":"stop","total_duration":890771750,"load_duration":707634750,"prompt_eval_count":94,"prompt_eval_duration":91703208,"eval_count":11,"eval_duration":171000000}"#;
    let v = view("/api/chat", body.as_bytes());
    assert_eq!(
        choice_rows(&v),
        vec![
            r(
                0,
                Output,
                "The current temperature in Toronto is 11°C.",
                "/message/content"
            ),
            r(0, Other, "hmm", "/message/thinking"),
        ]
    );
    assert_eq!(v.finish_reasons, vec!["stop"]);
    assert_eq!(
        v.usage
            .map(|u| (u.input_tokens, u.output_tokens, u.total_tokens)),
        Some((94, 11, 105))
    );
    let body = br#"{"model":"llama3.2","response":"Because of Rayleigh scattering.","done":true,"prompt_eval_count":3,"eval_count":6}"#;
    let v = view("/api/generate", body);
    assert_eq!(
        choice_rows(&v),
        vec![r(0, Output, "Because of Rayleigh scattering.", "/response")]
    );
}

#[test]
fn error_envelopes_are_flagged() {
    let cases: [(&str, &[u8]); 5] = [
        ("/v1/chat/completions", br#"{"error":{"message":"Rate limit","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#),
        ("/v1/messages", br#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"req_1"}"#),
        ("/v1beta/models/g:generateContent", br#"{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT"}}"#),
        ("/model/m/converse", br#"{"message":"The model returned the following errors"}"#),
        ("/api/chat", br#"{"error":"model 'llama9' not found"}"#),
    ];
    for (path, body) in cases {
        let v = parse_response(detect(path, None), body, &Limits::default()).unwrap();
        assert!(v.error, "{path}");
    }
}

#[test]
fn gemini_stream_without_alt_sse_is_a_json_array() {
    let body = br#"[{"candidates":[{"content":{"parts":[{"text":"Light"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12}}
,
{"candidates":[{"content":{"parts":[{"text":" rain."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":2,"totalTokenCount":14},"modelVersion":"gemini-2.5-flash"}
]"#;
    let v = view("/v1beta/models/g:streamGenerateContent", body);
    assert_eq!(
        choice_rows(&v),
        vec![
            r(0, Output, "Light", "/0/candidates/0/content/parts/0/text"),
            r(0, Output, " rain.", "/1/candidates/0/content/parts/0/text"),
        ]
    );
    assert_eq!(v.finish_reasons, vec!["STOP"]);
    assert_eq!(
        v.usage
            .map(|u| (u.input_tokens, u.output_tokens, u.total_tokens)),
        Some((12, 2, 14))
    );
    // The stream parser with JSON framing sees the same array at the end of the body.
    let mut p = parapet_core::StreamParser::new(
        detect("/v1beta/models/g:streamGenerateContent", None),
        parapet_core::Framing::Json,
        Limits::default(),
    );
    let mut evs = p.push(&body[..40]).unwrap();
    assert!(evs.is_empty(), "JSON framing is not incremental");
    evs.extend(p.push(&body[40..]).unwrap());
    evs.extend(p.finish().unwrap());
    assert_eq!(evs.len(), 1);
    let texts: Vec<_> = evs[0].deltas.iter().map(|d| d.text.as_str()).collect();
    assert_eq!(texts, vec!["Light", " rain."]);
}
