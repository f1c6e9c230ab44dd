//! Tokenize in the request, restore in the response: every provider, JSON and streamed, with
//! every chunk split of the streamed response. The upstream never sees the values; the client
//! sees exactly what it would have seen without the filter.

mod common;
use common::*;
use parapet_pii::EntityType;
use serde_json::json;

fn config() -> serde_json::Value {
    json!({"key": {"env": "PII_KEY"}})
}

/// The model's answer, written with the tokens it was given.
fn answer_with_tokens(p: Provider) -> (String, String) {
    let te = token(EntityType::Email, EMAIL);
    let tc = token(EntityType::CreditCard, CARD);
    if p == Provider::OpenAiToolArgs {
        (
            format!("{{\"to\":\"{te}\",\"card\":\"{tc}\",\"note\":\"<EMAIL_000000000000>\"}}"),
            format!("{{\"to\":\"{EMAIL}\",\"card\":\"{CARD}\",\"note\":\"<EMAIL_000000000000>\"}}"),
        )
    } else {
        (
            format!("Done: I emailed {te} and charged {tc}. (<EMAIL_000000000000> is not yours.)"),
            format!(
                "Done: I emailed {EMAIL} and charged {CARD}. (<EMAIL_000000000000> is not yours.)"
            ),
        )
    }
}

#[test]
fn request_values_are_replaced_by_deterministic_tokens_for_every_provider() {
    let c = chain(config());
    for p in ALL {
        for stream in [false, true] {
            let out = c
                .run(
                    &p.request(PROMPT, stream),
                    &p.json_upstream(p.json_response("ok")),
                )
                .unwrap();
            let sent = p.upstream_user_text(&out.upstream().body_str());
            assert_eq!(
                sent,
                format!(
                    "Email {} and charge {} today.",
                    token(EntityType::Email, EMAIL),
                    token(EntityType::CreditCard, CARD)
                ),
                "{p:?} stream={stream}"
            );
            assert!(
                !all_logs(&out).contains(EMAIL) && !all_logs(&out).contains("4111 1111"),
                "{p:?}: raw value logged"
            );
        }
    }
}

#[test]
fn json_responses_are_restored_for_every_provider() {
    let c = chain(config());
    for p in ALL {
        let (model_text, expected) = answer_with_tokens(p);
        let out = c
            .run(
                &p.request(PROMPT, false),
                &p.json_upstream(p.json_response(&model_text)),
            )
            .unwrap();
        assert_eq!(out.response.status, 200, "{p:?}");
        assert_eq!(p.json_text(&out.response.body), expected, "{p:?}");
    }
}

#[test]
fn streamed_responses_are_restored_at_every_chunk_split() {
    let c = chain(config());
    for p in ALL {
        let (model_text, expected) = answer_with_tokens(p);
        // Tokens split across events: cut the model text into 7-byte deltas.
        let bytes = model_text.as_bytes();
        let deltas: Vec<&str> = bytes
            .chunks(7)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let body = p.stream_body(&deltas);
        for split in std::iter::once(None).chain((1..body.len()).map(Some)) {
            let out = c
                .run(&p.request(PROMPT, true), &p.stream_upstream(&body, split))
                .unwrap();
            let (text, error) = p.stream_text(&out.response.body);
            assert!(!error, "{p:?} split {split:?}: error event");
            assert_eq!(text, expected, "{p:?} split {split:?}");
        }
    }
}

#[test]
fn tokens_escaped_inside_streamed_tool_call_arguments_are_restored_as_valid_json() {
    let c = chain(config());
    let p = Provider::OpenAiToolArgs;
    let te = token(EntityType::Email, EMAIL)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let args = format!("{{\"to\":\"{te}\"}}");
    let deltas: Vec<String> = args
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let refs: Vec<&str> = deltas.iter().map(String::as_str).collect();
    let body = p.stream_body(&refs);
    for split in std::iter::once(None).chain((1..body.len()).step_by(3).map(Some)) {
        let out = c
            .run(&p.request(PROMPT, true), &p.stream_upstream(&body, split))
            .unwrap();
        let (text, _) = p.stream_text(&out.response.body);
        let parsed: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("split {split:?}: {e}: {text}"));
        assert_eq!(parsed["to"], EMAIL, "split {split:?}");
    }
}

#[test]
fn a_second_turn_gets_the_same_tokens() {
    let c = chain(config());
    let p = Provider::OpenAiChat;
    let a = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    let b = c
        .run(
            &p.request(&format!("Again: {PROMPT}"), false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    let ta = p.upstream_user_text(&a.upstream().body_str());
    let tb = p.upstream_user_text(&b.upstream().body_str());
    assert_eq!(format!("Again: {ta}"), tb);
}

#[test]
fn restore_can_be_turned_off() {
    let c = chain(json!({"key": {"env": "PII_KEY"}, "restore_responses": false}));
    let p = Provider::Anthropic;
    let (model_text, _) = answer_with_tokens(p);
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response(&model_text)),
        )
        .unwrap();
    assert_eq!(p.json_text(&out.response.body), model_text);
}
