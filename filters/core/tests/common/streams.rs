//! The stream test cases shared by the golden, rewrite and split-property tests.
#![allow(dead_code)]

use parapet_core::stream::eventstream::encode_frame;
use parapet_core::{
    detect, rewrite_event, Api, DeltaKind, Framing, Limits, StreamEvent, StreamParser,
};

pub struct Case {
    pub name: &'static str,
    pub api: Api,
    pub framing: Framing,
    pub bytes: Vec<u8>,
}

fn file(name: &str) -> Vec<u8> {
    super::fixture(&format!("streams/{name}"))
}

fn bedrock_event(ty: &str, payload: &str) -> Vec<u8> {
    encode_frame(
        &[
            (":event-type", ty),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload.as_bytes(),
    )
}

pub fn bedrock_stream() -> Vec<u8> {
    let frames = [
        ("messageStart", r#"{"role":"assistant","p":"abcdefghijkl"}"#),
        (
            "contentBlockDelta",
            r#"{"contentBlockIndex":0,"delta":{"text":"Light rain"},"p":"abcdefghijklmnopqrstuvwxyz"}"#,
        ),
        (
            "contentBlockDelta",
            r#"{"contentBlockIndex":0,"delta":{"text":" \u00e0 Paris \ud83c\udf27"},"p":"ab"}"#,
        ),
        ("contentBlockStop", r#"{"contentBlockIndex":0,"p":"abcd"}"#),
        (
            "contentBlockStart",
            r#"{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}},"p":"x"}"#,
        ),
        (
            "contentBlockDelta",
            r#"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}},"p":"xy"}"#,
        ),
        (
            "contentBlockDelta",
            r#"{"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}},"p":"xyz"}"#,
        ),
        ("contentBlockStop", r#"{"contentBlockIndex":1}"#),
        ("messageStop", r#"{"stopReason":"tool_use"}"#),
        (
            "metadata",
            r#"{"usage":{"inputTokens":402,"outputTokens":14,"totalTokens":416,"cacheReadInputTokens":5,"cacheWriteInputTokens":0},"metrics":{"latencyMs":812}}"#,
        ),
    ];
    frames
        .iter()
        .flat_map(|(t, p)| bedrock_event(t, p))
        .collect()
}

pub fn bedrock_exception_stream() -> Vec<u8> {
    let mut out = bedrock_event("messageStart", r#"{"role":"assistant"}"#);
    out.extend(bedrock_event(
        "contentBlockDelta",
        r#"{"contentBlockIndex":0,"delta":{"text":"Hel"}}"#,
    ));
    out.extend(encode_frame(
        &[
            (":exception-type", "throttlingException"),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        br#"{"message":"Too many requests, please wait before trying again."}"#,
    ));
    out
}

/// Bedrock InvokeModelWithResponseStream for a Claude model: Anthropic stream events,
/// each base64-encoded in a `chunk` frame (no SSE framing inside).
pub fn bedrock_invoke_stream() -> Vec<u8> {
    use base64::Engine;
    let events = [
        r#"{"type":"message_start","message":{"id":"msg_bdrk_1","type":"message","role":"assistant","content":[],"model":"claude-3-5-sonnet","stop_reason":null,"usage":{"input_tokens":25,"output_tokens":1}}}"#,
        r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonjour à tous"}}"#,
        r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", my SSN is 078-05-1120."}}"#,
        r#"{"type":"content_block_stop","index":0}"#,
        r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#,
        r#"{"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":25,"outputTokenCount":15,"invocationLatency":640,"firstByteLatency":210}}"#,
    ];
    events
        .iter()
        .flat_map(|e| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(e);
            bedrock_event("chunk", &format!(r#"{{"bytes":"{b64}","p":"abc"}}"#))
        })
        .collect()
}

fn crlf(b: Vec<u8>) -> Vec<u8> {
    String::from_utf8(b)
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes()
}

fn cr(b: Vec<u8>) -> Vec<u8> {
    String::from_utf8(b)
        .unwrap()
        .replace('\n', "\r")
        .into_bytes()
}

pub fn cases() -> Vec<Case> {
    let chat = detect("/v1/chat/completions", None);
    let gemini = detect(
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
        None,
    );
    vec![
        Case {
            name: "openai_chat",
            api: chat,
            framing: Framing::Sse,
            bytes: file("openai_chat.sse"),
        },
        Case {
            name: "openai_chat_cr",
            api: chat,
            framing: Framing::Sse,
            bytes: cr(file("openai_chat.sse")),
        },
        Case {
            name: "openai_chat_tools",
            api: chat,
            framing: Framing::Sse,
            bytes: file("openai_chat_tools.sse"),
        },
        Case {
            name: "openai_responses",
            api: detect("/v1/responses", None),
            framing: Framing::Sse,
            bytes: file("openai_responses.sse"),
        },
        Case {
            name: "anthropic",
            api: detect("/v1/messages", None),
            framing: Framing::Sse,
            bytes: file("anthropic.sse"),
        },
        Case {
            name: "anthropic_error",
            api: detect("/v1/messages", None),
            framing: Framing::Sse,
            bytes: file("anthropic_error.sse"),
        },
        Case {
            name: "gemini",
            api: gemini,
            framing: Framing::Sse,
            bytes: file("gemini.sse"),
        },
        Case {
            name: "gemini_crlf",
            api: gemini,
            framing: Framing::Sse,
            bytes: crlf(file("gemini.sse")),
        },
        Case {
            name: "bedrock",
            api: detect("/model/m/converse-stream", None),
            framing: Framing::EventStream,
            bytes: bedrock_stream(),
        },
        Case {
            name: "bedrock_exception",
            api: detect("/model/m/converse-stream", None),
            framing: Framing::EventStream,
            bytes: bedrock_exception_stream(),
        },
        Case {
            name: "bedrock_invoke",
            api: detect(
                "/model/anthropic.claude-3-5-sonnet-20241022-v2:0/invoke-with-response-stream",
                Some(br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#),
            ),
            framing: Framing::EventStream,
            bytes: bedrock_invoke_stream(),
        },
        Case {
            name: "ollama_chat",
            api: detect("/api/chat", None),
            framing: Framing::Ndjson,
            bytes: file("ollama_chat.ndjson"),
        },
        Case {
            name: "ollama_generate",
            api: detect("/api/generate", None),
            framing: Framing::Ndjson,
            bytes: file("ollama_generate.ndjson"),
        },
    ]
}

/// Everything a parser reports for a whole stream fed as `chunks`.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub events: Vec<StreamEvent>,
    pub finish: Result<(), parapet_core::FormatError>,
    pub tool_calls: Vec<parapet_core::ToolCall<'static>>,
    pub usage: Option<parapet_core::Usage>,
}

pub fn run(case: &Case, chunks: &[&[u8]]) -> Outcome {
    let mut p = StreamParser::new(case.api, case.framing, Limits::default());
    let mut events = Vec::new();
    for c in chunks {
        events.extend(p.push(c).unwrap_or_else(|e| panic!("{}: {e}", case.name)));
    }
    let finish = p.finish().map(|evs| events.extend(evs));
    Outcome {
        events,
        finish,
        tool_calls: p.tool_calls(),
        usage: p.usage(),
    }
}

/// The replacement used for delta `i`: escapes, unicode, and for JSON deltas an object.
pub fn new_text(kind_json: bool, i: usize) -> String {
    if kind_json {
        format!("{{\"redacted\":{i}}}")
    } else {
        format!("<R{i} \"é\" \\n 😀>")
    }
}

/// Rewrites every delta of every event; returns the new stream.
pub fn rewrite_all(case: &Case, events: &[StreamEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    for ev in events {
        let texts: Vec<(usize, String)> = ev
            .deltas
            .iter()
            .enumerate()
            .map(|(i, d)| (i, new_text(d.json, i)))
            .collect();
        out.extend(rewrite_event(ev, case.framing, &texts).unwrap());
    }
    out
}

/// One line per delta / marker, for golden comparisons.
pub fn summary(events: &[StreamEvent]) -> Vec<String> {
    let mut out = Vec::new();
    for ev in events {
        for d in &ev.deltas {
            let kind = match d.kind {
                DeltaKind::Text => "text",
                DeltaKind::Refusal => "refusal",
                DeltaKind::ToolCallName => "tool_name",
                DeltaKind::ToolCallArguments => "tool_args",
                DeltaKind::Reasoning => "reasoning",
            };
            let call = d.tool_call.map(|t| format!("#{t}")).unwrap_or_default();
            let rep = if d.repeat { " (repeat)" } else { "" };
            out.push(format!("{kind}[{}]{call}{rep}: {}", d.choice, d.text));
        }
        for (c, r) in &ev.finish_reasons {
            out.push(format!("finish[{c}]: {r}"));
        }
        if ev.error {
            out.push("ERROR".into());
        }
        if ev.done {
            out.push("DONE".into());
        }
    }
    out
}
