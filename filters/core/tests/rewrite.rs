//! Byte-preservation of rewrites: segment edits and control-field edits.

mod common;

use common::*;
use parapet_core::json::Doc;
use parapet_core::{
    apply_edits, clamp_max_tokens, detect, insert_member, parse_request, replace_value,
    request_stream_usage, set_model, Edit, Limits,
};

/// `out` equals `body` with exactly `body[span]` replaced by `with`.
fn assert_spliced(body: &[u8], out: &[u8], span: std::ops::Range<usize>, with: &[u8]) {
    let mut expected = body[..span.start].to_vec();
    expected.extend_from_slice(with);
    expected.extend_from_slice(&body[span.end..]);
    assert_eq!(
        String::from_utf8_lossy(out),
        String::from_utf8_lossy(&expected)
    );
}

#[test]
fn editing_one_segment_keeps_other_escapes_and_spacing() {
    let body = "{ \"model\" : \"gpt-4o\",\n  \"messages\": [ {\"role\":\"user\", \"content\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\"},\n {\"role\":\"user\",\"content\":\"secret: hunter2\"} ], \"temperature\": 1.50e0 }";
    let body = body.as_bytes();
    let v = parse_request(
        detect("/v1/chat/completions", None),
        body,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(v.segments[0].text, "café 😀 \"q\"");
    let target = &v.segments[1];
    let out = apply_edits(
        body,
        &[Edit::new(target.span.clone(), "secret: [REDACTED]")],
    )
    .unwrap();
    assert_spliced(body, &out, target.span.clone(), b"\"secret: [REDACTED]\"");
    // Editing the escaped one re-encodes only that literal.
    let first = &v.segments[0];
    let out = apply_edits(
        body,
        &[Edit::new(first.span.clone(), "café 😀 \"q\" + more")],
    )
    .unwrap();
    assert_spliced(
        body,
        &out,
        first.span.clone(),
        "\"café 😀 \\\"q\\\" + more\"".as_bytes(),
    );
}

#[test]
fn edits_in_any_order_and_control_characters() {
    let body = br#"["a","b","c"]"#;
    let out = apply_edits(
        body,
        &[Edit::new(9..12, "3"), Edit::new(1..4, "1\u{0}\u{7f}")],
    )
    .unwrap();
    assert_eq!(out, b"[\"1\\u0000\x7f\",\"b\",\"3\"]");
    assert_eq!(
        Doc::parse(&out, &Limits::default())
            .unwrap()
            .pointer("/0")
            .string()
            .unwrap(),
        "1\u{0}\u{7f}"
    );
}

#[test]
fn clamp_max_tokens_per_format() {
    let cases: [(&str, &str, &[u8]); 7] = [
        (
            "/v1/chat/completions",
            "openai_chat_request.json",
            br#""max_tokens": 100"#,
        ),
        (
            "/v1/responses",
            "openai_responses_request.json",
            br#""max_output_tokens": 100"#,
        ),
        (
            "/v1/messages",
            "anthropic_request.json",
            br#""max_tokens": 100"#,
        ),
        (
            "/v1beta/models/g:generateContent",
            "gemini_request.json",
            br#""maxOutputTokens": 100"#,
        ),
        (
            "/model/m/converse",
            "bedrock_request.json",
            br#""maxTokens": 100"#,
        ),
        (
            "/api/chat",
            "ollama_chat_request.json",
            br#""num_predict": 100"#,
        ),
        (
            "/v1/chat/completions",
            "openai_chat_request.json",
            br#""max_completion_tokens": 100"#,
        ),
    ];
    for (path, file, needle) in cases {
        let body = fixture(file);
        let api = detect(path, Some(&body));
        let out = clamp_max_tokens(api, &body, 100, &Limits::default())
            .unwrap()
            .unwrap();
        let v = parse_request(api, &out, &Limits::default()).unwrap();
        assert_eq!(v.max_tokens, Some(100), "{file}");
        assert!(out.windows(needle.len()).any(|w| w == needle), "{file}");
        // Already within the cap: no change.
        assert_eq!(
            clamp_max_tokens(api, &out, 10_000, &Limits::default()).unwrap(),
            None
        );
    }
    // Only bytes of the number change.
    let body = br#"{"model":"claude", "max_tokens" : 4096 ,"messages":[]}"#;
    let out = clamp_max_tokens(detect("/v1/messages", None), body, 256, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(
        out,
        br#"{"model":"claude", "max_tokens" : 256 ,"messages":[]}"#
    );
}

#[test]
fn clamp_max_tokens_adds_missing_fields() {
    let l = Limits::default();
    let out = clamp_max_tokens(
        detect("/v1/chat/completions", None),
        br#"{"model":"gpt","messages":[]}"#,
        50,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"model":"gpt","messages":[],"max_completion_tokens":50}"#
    );
    let out = clamp_max_tokens(
        detect("/v1beta/models/g:generateContent", None),
        br#"{"contents":[]}"#,
        50,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"contents":[],"generationConfig":{"maxOutputTokens":50}}"#
    );
    let out = clamp_max_tokens(
        detect("/v1beta/models/g:generateContent", None),
        br#"{"contents":[],"generation_config":{"temperature":1}}"#,
        50,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"contents":[],"generation_config":{"temperature":1,"max_output_tokens":50}}"#
    );
    let out = clamp_max_tokens(
        detect("/model/m/converse", None),
        br#"{"messages":[],"inferenceConfig":{}}"#,
        50,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"messages":[],"inferenceConfig":{"maxTokens":50}}"#
    );
    let out = clamp_max_tokens(
        detect("/api/chat", None),
        br#"{"model":"m","max_tokens":null}"#,
        50,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"model":"m","max_tokens":null,"options":{"num_predict":50}}"#
    );
    assert_eq!(
        clamp_max_tokens(detect("/v1/embeddings", None), b"{}", 50, &l).unwrap(),
        None
    );
    // null limits are clamped too.
    let out = clamp_max_tokens(
        detect("/v1/chat/completions", None),
        br#"{"max_tokens":null}"#,
        5,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(out, br#"{"max_tokens":5}"#);
}

#[test]
fn stream_usage_is_requested_once() {
    let l = Limits::default();
    let api = detect("/v1/chat/completions", None);
    let out = request_stream_usage(api, br#"{"model":"gpt","stream":true}"#, &l)
        .unwrap()
        .unwrap();
    assert_eq!(
        out,
        br#"{"model":"gpt","stream":true,"stream_options":{"include_usage":true}}"#
    );
    let out = request_stream_usage(
        api,
        br#"{"stream":true,"stream_options":{"include_obfuscation":false}}"#,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true}}"#
    );
    let out = request_stream_usage(
        api,
        br#"{"stream":true,"stream_options":{"include_usage":false}}"#,
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        out,
        br#"{"stream":true,"stream_options":{"include_usage":true}}"#
    );
    assert_eq!(
        request_stream_usage(
            api,
            br#"{"stream":true,"stream_options":{"include_usage":true}}"#,
            &l
        )
        .unwrap(),
        None
    );
    assert_eq!(
        request_stream_usage(api, br#"{"stream":false}"#, &l).unwrap(),
        None
    );
    assert_eq!(
        request_stream_usage(detect("/v1/messages", None), br#"{"stream":true}"#, &l).unwrap(),
        None
    );
}

#[test]
fn model_override() {
    let l = Limits::default();
    let out = set_model(
        detect("/v1/chat/completions", None),
        br#"{"model": "gpt-4o" , "n":1}"#,
        "gpt-4o-mini",
        &l,
    )
    .unwrap()
    .unwrap();
    assert_eq!(out, br#"{"model": "gpt-4o-mini" , "n":1}"#);
    assert_eq!(
        set_model(
            detect("/v1/chat/completions", None),
            br#"{"model":"x"}"#,
            "x",
            &l
        )
        .unwrap(),
        None
    );
    assert_eq!(
        set_model(detect("/model/m/converse", None), br#"{}"#, "x", &l).unwrap(),
        None
    );
}

#[test]
fn replace_and_insert_preserve_everything_else() {
    let body = b"{\n  \"a\": [1, 2.50, {\"b\": \"\\u00e9\"}],\n  \"c\": {}\n}";
    let out = replace_value(body, "/a/1", "3").unwrap();
    assert_spliced(body, &out, 13..17, b"3");
    let out = insert_member(body, "/c", "k~/", "[true]").unwrap();
    assert_eq!(
        Doc::parse(&out, &Limits::default())
            .unwrap()
            .pointer("/c/k~0~1")
            .raw(),
        "[true]"
    );
    assert_eq!(&out[..body.len() - 4], &body[..body.len() - 4]);
    assert!(replace_value(body, "/a/9", "1").is_err());
    assert!(replace_value(body, "/a/1", "{").is_err());
}
