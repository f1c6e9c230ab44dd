//! Tokenize in the request, restore in the response: every provider, JSON and streamed
//! (SSE / NDJSON / AWS event-stream), with every chunk split of the streamed response. The
//! upstream never sees the values; the client sees exactly what it would have seen without the
//! filter; tokens the model invents or mangles stay as they are. The module is compiled once
//! per test binary (the harness caches it) and every test reuses it.

mod common;
use common::*;
use parapet_pii::EntityType;
use serde_json::json;

fn config() -> serde_json::Value {
    json!({"key": {"env": "PII_KEY"}})
}

/// Tokens the model may write that this request never issued: invented, or one of ours
/// mangled (a hex digit changed, truncated, lengthened, upper-cased, another type's prefix).
/// None of them may be "restored".
fn not_ours() -> Vec<String> {
    let te = token(EntityType::Email, EMAIL);
    let hex = &te["<EMAIL_".len()..te.len() - 1];
    let last = hex.chars().last().unwrap_or('0');
    let flipped = if last == '0' { '1' } else { '0' };
    vec![
        "<EMAIL_000000000000>".to_owned(),
        format!("<EMAIL_{}{flipped}>", &hex[..hex.len() - 1]),
        format!("<EMAIL_{}>", &hex[..hex.len() - 1]),
        format!("<EMAIL_{hex}0>"),
        format!("<EMAIL_{}>", hex.to_ascii_uppercase()),
        format!("<PHONE_{hex}>"),
        format!("<EMAIL {hex}>"),
    ]
}

/// The model's answer written with the tokens it was given (and one it invented), and what the
/// client must read.
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
                !out.upstream().body_str().contains(EMAIL),
                "{p:?}: the provider saw the value"
            );
            assert_no_raw(&out, &[EMAIL, CARD, "4111"]);
            let ev = event(&out, "request");
            assert_eq!(ev["action"], "rewrite", "{p:?}");
            assert_eq!(ev["entities"]["email"], 1, "{p:?}");
            assert_eq!(ev["entities"]["credit_card"], 1, "{p:?}");
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
        assert_no_raw(&out, &[EMAIL, CARD]);
    }
}

#[test]
fn invented_and_mangled_tokens_are_never_restored() {
    let c = chain(config());
    let te = token(EntityType::Email, EMAIL);
    let fakes = not_ours();
    // Each fake beside the real token: the real one is restored, the fake left as written.
    let model_text = fakes
        .iter()
        .map(|f| format!("{f} / {te}"))
        .collect::<Vec<_>>()
        .join("; ");
    let expected = fakes
        .iter()
        .map(|f| format!("{f} / {EMAIL}"))
        .collect::<Vec<_>>()
        .join("; ");
    for p in [Provider::OpenAiChat, Provider::Anthropic, Provider::Bedrock] {
        let out = c
            .run(
                &p.request(PROMPT, false),
                &p.json_upstream(p.json_response(&model_text)),
            )
            .unwrap();
        assert_eq!(p.json_text(&out.response.body), expected, "{p:?}");
    }
    // Streamed, cut into 16-byte events (tokens are 20 bytes), at every split of the body.
    let p = Provider::OpenAiChat;
    let deltas: Vec<&str> = model_text
        .as_bytes()
        .chunks(16)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let body = p.stream_body(&deltas);
    for sizes in cuts(body.len(), 20) {
        let out = c
            .run(
                &p.request(PROMPT, true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, error) = p.stream_text(&out.response.body);
        assert!(!error, "cut {sizes:?}: error event");
        assert_eq!(text, expected, "cut {sizes:?}");
    }
    // A token issued in another conversation (the same key, another value) is not ours either.
    let other = token(EntityType::Email, "someone.else@example.org");
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response(&format!("cc {other}"))),
        )
        .unwrap();
    assert_eq!(p.json_text(&out.response.body), format!("cc {other}"));
}

/// Every split point, plus 40 random multi-splits, of `p`'s stream carrying the standard
/// answer in `delta`-byte events (so tokens are cut across events), serialised as `w`.
fn restored_at_every_cut(p: Provider, delta: usize, w: Wire) {
    let c = chain(config());
    let (model_text, expected) = answer_with_tokens(p);
    let deltas: Vec<&str> = model_text
        .as_bytes()
        .chunks(delta)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let body = p.stream_body_wire(&deltas, w);
    if w == Wire::Escaped {
        let raw = String::from_utf8_lossy(&body);
        assert!(
            raw.contains("\\u003c") && !raw.contains("<EMAIL"),
            "the test stream must carry escaped tokens"
        );
    }
    for sizes in cuts(body.len(), 40) {
        let out = c
            .run(
                &p.request(PROMPT, true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        assert_eq!(out.response.status, 200, "{p:?} cut {sizes:?}");
        let (text, error) = p.stream_text(&out.response.body);
        assert!(!error, "{p:?} {w:?} cut {sizes:?}: error event");
        assert_eq!(text, expected, "{p:?} {w:?} cut {sizes:?}");
        if sizes.len() == 1 && sizes[0] % 97 == 0 {
            assert_no_raw(&out, &[EMAIL, CARD]);
        }
    }
}

#[test]
fn openai_sse_restored_at_every_cut() {
    restored_at_every_cut(Provider::OpenAiChat, 7, Wire::Plain);
    restored_at_every_cut(Provider::OpenAiChat, 5, Wire::Escaped);
}

#[test]
fn openai_streamed_tool_call_arguments_restored_at_every_cut() {
    restored_at_every_cut(Provider::OpenAiToolArgs, 7, Wire::Plain);
    restored_at_every_cut(Provider::OpenAiToolArgs, 5, Wire::Escaped);
}

#[test]
fn anthropic_sse_restored_at_every_cut() {
    restored_at_every_cut(Provider::Anthropic, 7, Wire::Plain);
    restored_at_every_cut(Provider::Anthropic, 5, Wire::Escaped);
}

#[test]
fn gemini_sse_restored_at_every_cut() {
    restored_at_every_cut(Provider::Gemini, 7, Wire::Plain);
    restored_at_every_cut(Provider::Gemini, 5, Wire::Escaped);
}

#[test]
fn ollama_ndjson_restored_at_every_cut() {
    restored_at_every_cut(Provider::Ollama, 7, Wire::Plain);
    restored_at_every_cut(Provider::Ollama, 5, Wire::Escaped);
}

#[test]
fn bedrock_event_stream_restored_at_every_cut() {
    restored_at_every_cut(Provider::Bedrock, 7, Wire::Plain);
    restored_at_every_cut(Provider::Bedrock, 5, Wire::Escaped);
}

#[test]
fn tokens_escaped_inside_streamed_tool_call_arguments_are_restored_as_valid_json() {
    let c = chain(config());
    let p = Provider::OpenAiToolArgs;
    // The model JSON-escapes the token's delimiters inside the arguments it writes.
    let te = token(EntityType::Email, EMAIL)
        .replace('<', "\\u003c")
        .replace('>', "\\u003e");
    let args = format!("{{\"to\":\"{te}\",\"n\":\"\\u003cEMAIL_000000000000\\u003e\"}}");
    let deltas: Vec<String> = args
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let refs: Vec<&str> = deltas.iter().map(String::as_str).collect();
    let body = p.stream_body(&refs);
    for sizes in cuts(body.len(), 20) {
        let out = c
            .run(
                &p.request(PROMPT, true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, _) = p.stream_text(&out.response.body);
        let parsed: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("cut {sizes:?}: {e}: {text}"));
        assert_eq!(parsed["to"], EMAIL, "cut {sizes:?}");
        assert_eq!(parsed["n"], "<EMAIL_000000000000>", "cut {sizes:?}");
    }
    // The smallest window the filter accepts (64 bytes) still restores the longest form.
    let small = chain(json!({"key": {"env": "PII_KEY"}, "stream": {"hold_back_bytes": 64}}));
    for sizes in cuts(body.len(), 20) {
        let out = small
            .run(
                &p.request(PROMPT, true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, _) = p.stream_text(&out.response.body);
        let parsed: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("cut {sizes:?}: {e}: {text}"));
        assert_eq!(parsed["to"], EMAIL, "64-byte window, cut {sizes:?}");
    }
    // Non-streamed too.
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response(&args)),
        )
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&p.json_text(&out.response.body)).unwrap();
    assert_eq!(parsed["to"], EMAIL);
}

/// A custom value with a `"` (JSON-escaped on the wire) and an email in tool-call arguments.
fn tool_call_config() -> serde_json::Value {
    json!({"key": {"env": "PII_KEY"},
        "custom": [{"name": "CODE", "pattern": "Q\"[0-9]{6}"}],
        "entities": {"CODE": "tokenize"}})
}
const CODE: &str = "Q\"123456";
const TOOL_PROMPT: &str = "my code is Q\"123456, mail jane.roe@example.com";

fn tool_args_with_tokens() -> (serde_json::Value, serde_json::Value) {
    let tq = token(EntityType::Custom("CODE".into()), CODE);
    let te = token(EntityType::Email, EMAIL);
    (
        json!({"to": te, "code": tq, "note": "<EMAIL_000000000000>"}),
        json!({"to": EMAIL, "code": CODE, "note": "<EMAIL_000000000000>"}),
    )
}

#[test]
fn tool_call_arguments_are_restored_for_every_provider_json() {
    let c = chain(tool_call_config());
    let (args, expected) = tool_args_with_tokens();
    for p in [
        Provider::OpenAiChat,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Ollama,
        Provider::Bedrock,
    ] {
        let out = c
            .run(
                &p.request(TOOL_PROMPT, false),
                &p.json_upstream(p.tool_call_json(&args)),
            )
            .unwrap();
        assert!(
            !out.upstream().body_str().contains("123456"),
            "{p:?}: the provider saw the code"
        );
        assert_eq!(p.tool_call_json_args(&out.response.body), expected, "{p:?}");
        assert_no_raw(&out, &[EMAIL, "123456"]);
    }
}

#[test]
fn streamed_tool_call_arguments_are_restored_for_every_provider_at_every_cut() {
    let c = chain(tool_call_config());
    let (args, expected) = tool_args_with_tokens();
    let args = args.to_string();
    for p in [
        Provider::OpenAiChat,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Ollama,
        Provider::Bedrock,
    ] {
        let body = p.tool_call_stream(&args, 9);
        for sizes in cuts(body.len(), 20) {
            let out = c
                .run(
                    &p.request(TOOL_PROMPT, true),
                    &p.stream_upstream_sizes(&body, &sizes),
                )
                .unwrap();
            let (got, error) = p.tool_call_stream_args(&out.response.body);
            assert!(!error, "{p:?} cut {sizes:?}: error event");
            assert_eq!(got, expected, "{p:?} cut {sizes:?}");
        }
    }
}

#[test]
fn tool_call_arguments_and_tool_results_in_the_history_are_tokenized() {
    let c = chain(config());
    let req = parapet_harness::Request::post("/v1/chat/completions").json_body(json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "send it"},
            {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                "function": {"name": "send", "arguments": "{\"to\":\"jane.roe@example.com\",\"q\":\"a \\\"b\\\"\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "sent to jane.roe@example.com"}
        ]
    }));
    let out = c
        .run(
            &req,
            &Provider::OpenAiChat.json_upstream(Provider::OpenAiChat.json_response("ok")),
        )
        .unwrap();
    let sent = out.upstream().json().expect("upstream JSON");
    let te = token(EntityType::Email, EMAIL);
    let args: serde_json::Value = serde_json::from_str(
        sent["messages"][1]["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(args, json!({"to": te, "q": "a \"b\""}));
    assert_eq!(sent["messages"][2]["content"], format!("sent to {te}"));
    assert_no_raw(&out, &[EMAIL]);
}

#[test]
fn non_ascii_text_around_tokens_survives_every_cut() {
    let c = chain(config());
    let p = Provider::Anthropic;
    let te = token(EntityType::Email, EMAIL);
    let prompt = "Écris à jane.roe@example.com — merci 🙏";
    let answer = format!("✓ écrit à {te} — 🙏 ok");
    let expected = format!("✓ écrit à {EMAIL} — 🙏 ok");
    let out = c
        .run(
            &p.request(prompt, false),
            &p.json_upstream(p.json_response(&answer)),
        )
        .unwrap();
    assert_eq!(
        p.upstream_user_text(&out.upstream().body_str()),
        format!("Écris à {te} — merci 🙏")
    );
    assert_eq!(p.json_text(&out.response.body), expected);
    // 5-byte events cut inside multi-byte characters' neighbours; body cuts fall inside them.
    let body = p.stream_body(&chunk_str(&answer, 5));
    for sizes in cuts(body.len(), 20) {
        let out = c
            .run(
                &p.request(prompt, true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, error) = p.stream_text(&out.response.body);
        assert!(!error, "cut {sizes:?}");
        assert_eq!(text, expected, "cut {sizes:?}");
    }
}

#[test]
fn kong_round_trip_for_every_provider_json_and_streamed() {
    let c = chain_on(parapet_harness::HostProfile::Kong, config(), KEY).unwrap();
    for p in ALL {
        let (model_text, expected) = answer_with_tokens(p);
        let out = c
            .run(
                &p.request(PROMPT, false),
                &p.json_upstream(p.json_response(&model_text)),
            )
            .unwrap();
        assert!(
            !out.upstream().body_str().contains(EMAIL),
            "{p:?}: the provider saw the value"
        );
        assert_eq!(p.json_text(&out.response.body), expected, "{p:?} JSON");
        let body = p.stream_body(&chunk_str(&model_text, 7));
        for sizes in cuts(body.len(), 20).into_iter().step_by(5) {
            let out = c
                .run(
                    &p.request(PROMPT, true),
                    &p.stream_upstream_sizes(&body, &sizes),
                )
                .unwrap();
            let (text, error) = p.stream_text(&out.response.body);
            assert!(!error, "{p:?} cut {sizes:?}");
            assert_eq!(text, expected, "{p:?} cut {sizes:?}");
        }
    }
}

/// Bytes outside the rewritten string literals stay exactly as sent (spacing, key order, number
/// forms, escapes, unknown fields); a rewritten literal is re-encoded by the core, so its own
/// escapes come out in the canonical form (same decoded text).
#[test]
fn every_other_byte_of_the_bodies_is_preserved() {
    let c = chain(config());
    let te = token(EntityType::Email, EMAIL);
    let request = format!(
        "{{ \"messages\" : [ {{\"role\":\"system\", \"content\":\"caf\\u00e9 \\/ ok\"}},\n {{\"content\":\"say \\\"x\\\" to {EMAIL}\\n\", \"role\":\"user\"}} ],\n  \"model\":\"gpt-4o\", \"x_extra\": [1, 2.50, 1e3, null] }}"
    );
    let answer = format!(
        "{{\n \"id\":\"c\\u00e91\", \"choices\": [ {{\"index\":0, \"message\": {{\"role\":\"assistant\",\n \"content\":\"wrote \\\"{te}\\\"\\t!\"}}, \"finish_reason\":\"stop\"}} ], \"usage\" : {{\"total_tokens\": 7.0}} }}"
    );
    let out = c
        .run(
            &parapet_harness::Request::post("/v1/chat/completions").json_body(request.clone()),
            &Provider::OpenAiChat.json_upstream(answer.clone().into_bytes()),
        )
        .unwrap();
    assert_eq!(out.upstream().body_str(), request.replace(EMAIL, &te));
    assert_eq!(out.response.body_str(), answer.replace(&te, EMAIL));
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
