//! Golden stream decoding, rewriting, truncation and malformed-input tests.

mod common;

use common::streams::*;
use parapet_core::json::Doc;
use parapet_core::stream::eventstream::decode_frame;
use parapet_core::{
    detect, rewrite_event, FormatErrorKind, Framing, Limits, StreamParser, ToolCall, Usage,
};

fn case(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap()
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
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

/// Invariants every decoded stream satisfies: events tile the stream exactly, and each
/// delta span holds a JSON value whose decoded text is the delta text.
fn check_invariants(case: &Case, o: &Outcome) {
    let mut pos = 0;
    let mut joined = Vec::new();
    for ev in &o.events {
        assert_eq!(ev.offset.start, pos, "{}", case.name);
        assert_eq!(ev.offset.len(), ev.raw.len());
        pos = ev.offset.end;
        joined.extend_from_slice(&ev.raw);
        // Bedrock `chunk` events: delta spans refer to the base64-decoded event.
        let base = if ev.name.as_deref() == Some("chunk") {
            let f = decode_frame(&ev.raw).unwrap();
            let payload = Doc::parse(&ev.raw[f.payload], &Limits::default()).unwrap();
            let b64 = payload.root().get("bytes").string().unwrap();
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap()
        } else {
            ev.raw.clone()
        };
        for d in &ev.deltas {
            let v = &base[d.span.clone()];
            let doc = Doc::parse(v, &Limits::default()).unwrap();
            if d.json {
                assert_eq!(std::str::from_utf8(v).unwrap(), d.text);
            } else {
                assert_eq!(doc.root().string().unwrap(), d.text, "{}", case.name);
            }
        }
    }
    assert_eq!(
        joined, case.bytes,
        "{}: events must tile the stream",
        case.name
    );
}

fn golden(name: &str, expected: &[&str]) -> Outcome {
    let c = case(name);
    let o = run(&c, &[&c.bytes]);
    check_invariants(&c, &o);
    assert_eq!(summary(&o.events), lines(expected), "{name}");
    o
}

#[test]
fn openai_chat_text_stream() {
    for name in ["openai_chat", "openai_chat_cr"] {
        let o = golden(
            name,
            &[
                "text[0]: Light rain",
                "text[0]: , 18 °C 🌧 café.",
                "finish[0]: stop",
                "DONE",
            ],
        );
        assert_eq!(o.finish, Ok(()));
        assert_eq!(o.events.len(), 7, "6 data events + the keep-alive comment");
        assert!(o.events[2].raw.starts_with(b": keep-alive"));
        let u = o.usage.unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.total_tokens),
            (412, 6, 418)
        );
        assert_eq!(
            (u.cache_read_tokens, u.reasoning_tokens, u.cumulative),
            (Some(0), Some(0), false)
        );
    }
}

#[test]
fn openai_chat_tool_call_fragments_are_reassembled() {
    let o = golden(
        "openai_chat_tools",
        &[
            "tool_name[0]#0: get_weather",
            "tool_args[0]#0: {\"ci",
            "tool_name[0]#1: get_time",
            "tool_args[0]#1: {\"tz\":",
            "tool_args[0]#0: ty\":\"Paris\"}",
            "tool_args[0]#1: \"CET\"}",
            "finish[0]: tool_calls",
            "DONE",
        ],
    );
    assert_eq!(
        o.tool_calls,
        vec![
            call(0, 0, Some("call_9"), "get_weather", r#"{"city":"Paris"}"#),
            call(0, 1, Some("call_10"), "get_time", r#"{"tz":"CET"}"#),
        ]
    );
    assert_eq!(o.usage, None, "no include_usage, no usage chunk");
}

#[test]
fn openai_chat_multiple_choices_interleave() {
    let wire = concat!(
        "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"B1\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A1\"}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        "data: [DONE]\n\n"
    );
    let mut p = StreamParser::new(
        detect("/v1/chat/completions", None),
        Framing::Sse,
        Limits::default(),
    );
    let evs = p.push(wire.as_bytes()).unwrap();
    assert_eq!(
        summary(&evs),
        lines(&[
            "text[1]: B1",
            "text[0]: A1",
            "finish[0]: stop",
            "finish[1]: length",
            "DONE"
        ])
    );
    assert_eq!(
        p.finish_reasons(),
        vec![(0, "stop".to_string()), (1, "length".to_string())]
    );
}

#[test]
fn openai_responses_stream() {
    let o = golden(
        "openai_responses",
        &[
            "text[0]: Hi",
            "text[0]:  there!",
            "text[0] (repeat): Hi there!",
            "text[0] (repeat): Hi there!",
            "text[0] (repeat): Hi there!",
            "tool_name[0]#1: get_weather",
            "tool_args[0]#1: {\"city\":",
            "tool_args[0]#1: \"Lyon\"}",
            "tool_args[0]#1 (repeat): {\"city\":\"Lyon\"}",
            "text[0] (repeat): Hi there!",
            "tool_name[0]#1 (repeat): get_weather",
            "tool_args[0]#1 (repeat): {\"city\":\"Lyon\"}",
            "finish[0]: completed",
            "DONE",
        ],
    );
    assert_eq!(
        o.tool_calls,
        vec![call(
            0,
            1,
            Some("call_2"),
            "get_weather",
            r#"{"city":"Lyon"}"#
        )]
    );
    let u = o.usage.unwrap();
    assert_eq!(
        (u.input_tokens, u.output_tokens, u.total_tokens),
        (37, 3, 40)
    );
    assert_eq!(o.events[0].name.as_deref(), Some("response.created"));
}

#[test]
fn anthropic_stream_with_tool_use_and_cumulative_usage() {
    let o = golden(
        "anthropic",
        &[
            "text[0]: Let me check",
            "text[0]:  the weather — 😀.",
            "tool_name[0]#1: get_weather",
            "tool_args[0]#1: {\"city\": \"Par",
            "tool_args[0]#1: is\"}",
            "finish[0]: tool_use",
            "DONE",
        ],
    );
    assert_eq!(
        o.tool_calls,
        vec![call(
            0,
            1,
            Some("toolu_01T1"),
            "get_weather",
            r#"{"city": "Paris"}"#
        )]
    );
    // input = 472 + 0 cache-creation + 100 cache-read; output is the last cumulative value.
    let u = o.usage.unwrap();
    assert_eq!(
        u,
        Usage {
            input_tokens: 572,
            output_tokens: 89,
            total_tokens: 661,
            cache_read_tokens: Some(100),
            cache_write_tokens: Some(0),
            reasoning_tokens: None,
            cumulative: true
        }
    );
    // message_start reports the early snapshot.
    assert_eq!(o.events[0].usage.map(|u| u.output_tokens), Some(2));
}

#[test]
fn anthropic_error_event_ends_the_stream() {
    let o = golden(
        "anthropic_error",
        &["reasoning[0]: Considering...", "ERROR", "DONE"],
    );
    assert_eq!(o.finish, Ok(()), "an error event is a legitimate end");
}

#[test]
fn gemini_stream_lf_and_crlf() {
    for name in ["gemini", "gemini_crlf"] {
        let o = golden(
            name,
            &[
                "text[0]: Light",
                "text[0]:  rain, 18 °C.",
                "tool_name[0]#0: get_weather",
                "tool_args[0]#0: {\"city\": \"Paris\", \"days\": 2}",
                "finish[0]: STOP",
            ],
        );
        assert!(o.events[1].deltas[2].json, "functionCall.args is an object");
        assert_eq!(
            o.tool_calls,
            vec![call(
                0,
                0,
                None,
                "get_weather",
                r#"{"city": "Paris", "days": 2}"#
            )]
        );
        let u = o.usage.unwrap();
        assert_eq!(
            (
                u.input_tokens,
                u.output_tokens,
                u.total_tokens,
                u.cumulative
            ),
            (12, 7, 19, true)
        );
    }
}

#[test]
fn gemini_bare_json_error_line() {
    let wire = b"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\n\n{\"error\": {\"code\": 500, \"message\": \"Internal\", \"status\": \"INTERNAL\"}}\n\n";
    let mut p = StreamParser::new(
        detect("/v1beta/models/g:streamGenerateContent", None),
        Framing::Sse,
        Limits::default(),
    );
    let mut evs = p.push(wire).unwrap();
    evs.extend(p.finish().unwrap());
    assert_eq!(summary(&evs), lines(&["text[0]: Hi", "ERROR", "DONE"]));
}

#[test]
fn bedrock_event_stream() {
    let o = golden(
        "bedrock",
        &[
            "text[0]: Light rain",
            "text[0]:  à Paris 🌧",
            "tool_name[0]#1: get_weather",
            "tool_args[0]#1: {\"city\":",
            "tool_args[0]#1: \"Paris\"}",
            "finish[0]: tool_use",
            "DONE",
        ],
    );
    assert_eq!(o.events.len(), 10);
    assert_eq!(o.events[1].name.as_deref(), Some("contentBlockDelta"));
    assert_eq!(
        o.tool_calls,
        vec![call(
            0,
            1,
            Some("tooluse_1"),
            "get_weather",
            r#"{"city":"Paris"}"#
        )]
    );
    let u = o.usage.unwrap();
    assert_eq!(
        (
            u.input_tokens,
            u.output_tokens,
            u.total_tokens,
            u.cache_read_tokens
        ),
        (402, 14, 416, Some(5))
    );
}

#[test]
fn bedrock_exception_frame() {
    let o = golden("bedrock_exception", &["text[0]: Hel", "ERROR", "DONE"]);
    assert_eq!(o.events[2].name.as_deref(), Some("throttlingException"));
    assert_eq!(o.finish, Ok(()));
}

#[test]
fn bedrock_invoke_model_stream_decodes_base64_chunks() {
    let o = golden(
        "bedrock_invoke",
        &[
            "text[0]: Bonjour à tous",
            "text[0]: , my SSN is 078-05-1120.",
            "finish[0]: end_turn",
            "DONE",
        ],
    );
    assert_eq!(o.events.len(), 7);
    assert!(o.events.iter().all(|e| e.name.as_deref() == Some("chunk")));
    assert_eq!(
        o.usage.map(|u| (u.input_tokens, u.output_tokens)),
        Some((25, 15))
    );
    // Rewriting re-encodes the base64 and the frame CRCs.
    let c = case("bedrock_invoke");
    let ev = &o.events[3];
    let out = rewrite_event(ev, c.framing, &[(0, ", my SSN is [SSN].".into())]).unwrap();
    let frame = decode_frame(&out).unwrap();
    assert_eq!(frame.header(":event-type"), Some("chunk"));
    let mut p = StreamParser::new(c.api, c.framing, Limits::default());
    let evs = p.push(&out).unwrap();
    assert_eq!(evs[0].deltas[0].text, ", my SSN is [SSN].");
    assert!(
        out.windows(9).any(|w| w == br#""p":"abc""#),
        "other payload members kept"
    );
}

#[test]
fn ollama_ndjson_streams() {
    let o = golden(
        "ollama_chat",
        &[
            "text[0]: The",
            "text[0]:  sky é",
            "tool_name[0]#0: get_weather",
            "tool_args[0]#0: {\"city\":\"Toronto\"}",
            "text[0]:  is blue.",
            "finish[0]: stop",
            "DONE",
        ],
    );
    assert_eq!(
        o.tool_calls,
        vec![call(0, 0, None, "get_weather", r#"{"city":"Toronto"}"#)]
    );
    let u = o.usage.unwrap();
    assert_eq!(
        (u.input_tokens, u.output_tokens, u.total_tokens),
        (26, 282, 308)
    );
    // The last line has no trailing newline: it is still an event.
    let o = golden(
        "ollama_generate",
        &["text[0]: Why", "text[0]:  not?", "finish[0]: stop", "DONE"],
    );
    assert_eq!(o.events.len(), 3);
    assert_eq!(
        o.usage.map(|u| (u.input_tokens, u.output_tokens)),
        Some((5, 2))
    );
}

/// Rewriting every delta keeps every other byte, and the rewritten stream decodes to
/// the new texts at the same places.
#[test]
fn rewriting_every_delta_round_trips() {
    for c in cases() {
        let o = run(&c, &[&c.bytes]);
        let out = rewrite_all(&c, &o.events);
        let c2 = Case {
            name: c.name,
            api: c.api,
            framing: c.framing,
            bytes: out.clone(),
        };
        let o2 = run(&c2, &[&out]);
        assert_eq!(o2.events.len(), o.events.len(), "{}", c.name);
        for (a, b) in o.events.iter().zip(&o2.events) {
            assert_eq!(a.deltas.len(), b.deltas.len(), "{}", c.name);
            for (i, (da, db)) in a.deltas.iter().zip(&b.deltas).enumerate() {
                assert_eq!(
                    (da.kind, da.choice, da.tool_call),
                    (db.kind, db.choice, db.tool_call)
                );
                assert_eq!(db.text, new_text(da.json, i), "{}", c.name);
                // Bytes before the first and after the last rewritten value are unchanged
                // (for event-stream: outside the prelude and CRCs).
            }
            if c.framing != Framing::EventStream {
                if let (Some(first), Some(last)) = (a.deltas.first(), a.deltas.last()) {
                    let tail_a = &a.raw[last.span.end..];
                    let tail_b = &b.raw[b.deltas.last().unwrap().span.end..];
                    assert_eq!(&a.raw[..first.span.start], &b.raw[..b.deltas[0].span.start]);
                    assert_eq!(tail_a, tail_b);
                }
            } else {
                let fa = decode_frame(&a.raw).unwrap();
                let fb = decode_frame(&b.raw).unwrap();
                assert_eq!(fa.headers, fb.headers);
            }
            assert_eq!(
                (a.done, a.error, a.usage, &a.finish_reasons),
                (b.done, b.error, b.usage, &b.finish_reasons)
            );
        }
        // Identity rewrites reproduce the stream exactly.
        let mut same = Vec::new();
        for ev in &o.events {
            let texts: Vec<_> = ev
                .deltas
                .iter()
                .enumerate()
                .map(|(i, d)| (i, d.text.clone()))
                .collect();
            same.extend(rewrite_event(ev, c.framing, &texts).unwrap());
        }
        assert_eq!(same, c.bytes, "{}", c.name);
    }
}

#[test]
fn rewrite_rejects_bad_requests() {
    let c = case("gemini");
    let o = run(&c, &[&c.bytes]);
    let ev = &o.events[1];
    let e = rewrite_event(ev, Framing::Sse, &[(2, "not json".into())]).unwrap_err();
    assert!(e.to_string().contains("not JSON"), "{e}");
    assert!(matches!(e.kind, FormatErrorKind::InvalidEdit(_)), "{e}");
    let e = rewrite_event(ev, Framing::Sse, &[(99, "x".into())]).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "invalid edit at byte {}: event has no delta 99",
            ev.offset.start
        )
    );
    // Overlapping edits of the same delta.
    assert!(rewrite_event(ev, Framing::Sse, &[(0, "a".into()), (0, "b".into())]).is_err());
}

#[test]
fn truncated_streams_are_errors_with_offsets() {
    for c in cases() {
        // Cut in the middle of the last event.
        let cut = c.bytes.len() - 3;
        let mut p = StreamParser::new(c.api, c.framing, Limits::default());
        let evs = p.push(&c.bytes[..cut]).unwrap();
        let complete: usize = evs.iter().map(|e| e.raw.len()).sum();
        let e = p.finish().unwrap_err();
        if c.framing == Framing::Ndjson {
            // The final line is JSON-parsed as the last event and fails.
            assert!(
                matches!(
                    e.kind,
                    FormatErrorKind::InvalidJson(_) | FormatErrorKind::TruncatedStream(_)
                ),
                "{}: {e}",
                c.name
            );
        } else {
            assert_eq!(
                e.kind,
                FormatErrorKind::TruncatedStream("stream ended inside an event"),
                "{}",
                c.name
            );
            assert_eq!(e.offset, complete, "{}", c.name);
        }
        // The parser stays failed.
        assert_eq!(p.push(b"more"), Err(e.clone()));
    }
}

#[test]
fn missing_terminal_event_is_truncation() {
    let c = case("openai_chat");
    let without_done = &c.bytes[..c.bytes.len() - b"data: [DONE]\n\n".len()];
    let mut p = StreamParser::new(c.api, c.framing, Limits::default());
    p.push(without_done).unwrap();
    assert!(!p.is_complete());
    let e = p.finish().unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "truncated stream at byte {}: stream ended before its terminal event",
            without_done.len()
        )
    );
    // Gemini has no terminal event: ending between events is fine.
    let g = case("gemini");
    let mut p = StreamParser::new(g.api, g.framing, Limits::default());
    p.push(&g.bytes).unwrap();
    assert!(p.finish().is_ok());
}

#[test]
fn malformed_events_report_stream_offsets() {
    let api = detect("/v1/chat/completions", None);
    let wire = b"data: {\"choices\":[]}\n\ndata: {\"choices\":[}\n\n";
    let mut p = StreamParser::new(api, Framing::Sse, Limits::default());
    // The valid first event is delivered; the error follows on the next call.
    assert_eq!(p.push(wire).unwrap().len(), 1);
    let e = p.finish().unwrap_err();
    // Event 2 starts at 22; its data starts 6 bytes later; the bad `}` is data byte 12.
    assert_eq!(e.to_string(), "invalid JSON at byte 40: expected a value");
    assert_eq!(wire[40], b'}');

    let wire = b"{\"response\":\"a\",\"done\":false}\n{\"response\":\xff}\n";
    let mut p = StreamParser::new(
        detect("/api/generate", None),
        Framing::Ndjson,
        Limits::default(),
    );
    assert_eq!(p.push(wire).unwrap().len(), 1);
    let e = p.push(b"").unwrap_err();
    assert_eq!(
        e,
        parapet_core::FormatError::new(42, FormatErrorKind::InvalidUtf8)
    );

    let mut bad = bedrock_stream();
    let second = u32::from_be_bytes([bad[0], bad[1], bad[2], bad[3]]) as usize;
    bad[second + 20] ^= 0x20;
    let mut p = StreamParser::new(
        detect("/model/m/converse-stream", None),
        Framing::EventStream,
        Limits::default(),
    );
    assert_eq!(p.push(&bad).unwrap().len(), 1);
    let e = p.finish().unwrap_err();
    let second_len = u32::from_be_bytes([
        bad[second],
        bad[second + 1],
        bad[second + 2],
        bad[second + 3],
    ]) as usize;
    assert_eq!(e.offset, second + second_len - 4);
    assert!(e.to_string().ends_with("message CRC mismatch"), "{e}");
}

#[test]
fn oversized_events_are_rejected() {
    let limits = Limits {
        max_depth: 128,
        max_bytes: 64,
    };
    let api = detect("/v1/chat/completions", None);
    let mut p = StreamParser::new(api, Framing::Sse, limits);
    let big = format!(
        "data: {{\"choices\":[{{\"delta\":{{\"content\":\"{}\"}}}}]}}",
        "x".repeat(100)
    );
    let e = p.push(big.as_bytes()).unwrap_err();
    assert_eq!(e.kind, FormatErrorKind::TooLarge(64));
    // A frame announcing a huge length is refused from its prelude, before buffering.
    let mut p = StreamParser::new(
        detect("/model/m/converse-stream", None),
        Framing::EventStream,
        limits,
    );
    let frame = bedrock_stream();
    let e = p.push(&frame[..12]).unwrap_err();
    assert_eq!(e.kind, FormatErrorKind::TooLarge(64));
    // Deeply nested payloads hit the depth limit.
    let deep = format!("data: {}{}\n\n", "[".repeat(200), "]".repeat(200));
    let mut p = StreamParser::new(api, Framing::Sse, Limits::default());
    assert_eq!(
        p.push(deep.as_bytes()).unwrap_err().kind,
        FormatErrorKind::TooDeep(128)
    );
}

/// An upstream that opens thousands of choices or tool calls would make every consumer keep
/// and look at state for each: past `MAX_STREAM_CHANNELS` distinct (choice, tool call) pairs
/// the stream fails, at the event that opened one too many, after the events before it.
#[test]
fn streams_with_too_many_choices_and_tool_calls_fail() {
    use parapet_core::stream::MAX_STREAM_CHANNELS;
    let calls = |range: std::ops::Range<usize>| {
        let calls: Vec<String> = range
            .map(|i| format!(r#"{{"index":{i},"function":{{"arguments":"x"}}}}"#))
            .collect();
        format!(
            "data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"tool_calls\":[{}]}}}}]}}\n\n",
            calls.join(",")
        )
    };
    let choices = |range: std::ops::Range<usize>| {
        let choices: Vec<String> = range
            .map(|i| format!(r#"{{"index":{i},"delta":{{"content":"x"}}}}"#))
            .collect();
        format!("data: {{\"choices\":[{}]}}\n\n", choices.join(","))
    };
    let api = detect("/v1/chat/completions", None);
    let max = MAX_STREAM_CHANNELS;
    // Choice 0's text and its tool calls are pairs of their own: `max - 1` calls fill it up.
    let first = format!("{}{}", choices(0..1), calls(0..max / 2));
    for (last, fails) in [
        (calls(max / 2..max - 1), false),
        (calls(max / 2..max), true),
        (choices(1..max / 2 + 1), true),
        (choices(1..max / 2), false),
    ] {
        let wire = format!("{first}{last}data: [DONE]\n\n");
        let mut p = StreamParser::new(api, Framing::Sse, Limits::default());
        let events = p
            .push(wire.as_bytes())
            .expect("the events before the bad one");
        let rest = p.finish();
        if fails {
            assert_eq!(events.len(), 2, "the first two events come out");
            let e = rest.unwrap_err();
            assert_eq!(e.kind, FormatErrorKind::TooManyChannels(max));
            assert_eq!(e.offset, first.len(), "{e}");
        } else {
            assert_eq!(events.len() + rest.expect("finish").len(), 4);
        }
    }
}
