//! Provider stream builders and client-side decoders for response-guard harness tests.
//!
//! Each test binary builds its chains from `dist/response-guard.wasm` (run
//! `scripts/build response-guard` first); the harness compiles the module once per process and
//! every chain reuses it, so running thousands of split variants stays cheap.
#![allow(dead_code)]

use parapet_harness::{Chain, Outcome, Request, Upstream};
use parapet_runtime::core::stream::eventstream::{decode_frame, encode_frame};
use serde_json::{json, Value};

pub fn wasm() -> std::path::PathBuf {
    parapet_harness::dist("response-guard").expect("run scripts/build response-guard first")
}

pub fn try_chain(config: Value) -> parapet_harness::Result<Chain> {
    Chain::builder()
        .filter("response-guard", wasm(), config)
        .build()
}

pub fn chain(config: Value) -> Chain {
    try_chain(config).expect("response-guard chain builds")
}

/// A provider stream format: how to request it, encode deltas, and read the client's view back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Provider {
    /// OpenAI chat completions SSE, text in `choices[0].delta.content`.
    OpenAiChat,
    /// OpenAI chat completions SSE, text in a streamed tool call's `arguments`.
    OpenAiToolArgs,
    /// Anthropic messages SSE (`event:` lines, `content_block_delta`).
    Anthropic,
    /// Gemini `streamGenerateContent?alt=sse`.
    Gemini,
    /// Ollama `/api/chat` NDJSON.
    Ollama,
    /// Bedrock `converse-stream` (AWS event-stream binary frames).
    Bedrock,
}

pub const ALL: [Provider; 6] = [
    Provider::OpenAiChat,
    Provider::OpenAiToolArgs,
    Provider::Anthropic,
    Provider::Gemini,
    Provider::Ollama,
    Provider::Bedrock,
];

fn sse(events: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(format!("data: {e}\n\n").as_bytes());
    }
    out
}

/// One event as the client decodes it.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    Text(String),
    /// A terminal error event in the provider's own shape; the message.
    Error(String),
    /// Any other event (start, stop, usage, `[DONE]`).
    Other,
}

/// What a client of this provider reads from a response body.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientView {
    pub events: Vec<ClientEvent>,
    /// Bytes the client could not decode as events of this format (must be empty).
    pub garbage: String,
}

impl ClientView {
    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn errors(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::Error(m) => Some(m.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The stream ends with exactly one provider-shaped error event and nothing of substance
    /// after it (OpenAI's `[DONE]` may follow).
    pub fn ends_with_error(&self) -> Option<&str> {
        let errors = self.errors();
        if errors.len() != 1 {
            return None;
        }
        let at = self
            .events
            .iter()
            .position(|e| matches!(e, ClientEvent::Error(_)))?;
        if self.events[at + 1..]
            .iter()
            .any(|e| matches!(e, ClientEvent::Text(_) | ClientEvent::Error(_)))
        {
            return None;
        }
        Some(errors[0])
    }
}

impl Provider {
    pub fn request(self, system: &str) -> Request {
        let (path, body) = match self {
            Provider::OpenAiChat | Provider::OpenAiToolArgs => (
                "/v1/chat/completions",
                json!({"model":"gpt-4o","stream":true,"messages":[
                    {"role":"system","content":system},{"role":"user","content":"hi"}]}),
            ),
            Provider::Anthropic => (
                "/v1/messages",
                json!({"model":"claude-sonnet-4-5","stream":true,"max_tokens":100,"system":system,
                    "messages":[{"role":"user","content":"hi"}]}),
            ),
            Provider::Gemini => (
                "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
                json!({"systemInstruction":{"parts":[{"text":system}]},
                    "contents":[{"role":"user","parts":[{"text":"hi"}]}]}),
            ),
            Provider::Ollama => (
                "/api/chat",
                json!({"model":"llama3","messages":[{"role":"system","content":system},
                    {"role":"user","content":"hi"}]}),
            ),
            Provider::Bedrock => (
                "/model/anthropic.claude-3-haiku/converse-stream",
                json!({"system":[{"text":system}],"messages":[{"role":"user","content":[{"text":"hi"}]}]}),
            ),
        };
        Request::post(path)
            .authority("api.example.com")
            .header("content-type", "application/json")
            .json_body(body.to_string())
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Provider::Ollama => "application/x-ndjson",
            Provider::Bedrock => "application/vnd.amazon.eventstream",
            _ => "text/event-stream",
        }
    }

    /// The upstream body carrying `deltas` as successive text events.
    pub fn body(self, deltas: &[&str]) -> Vec<u8> {
        match self {
            Provider::OpenAiChat => {
                let mut ev = vec![
                    json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}),
                ];
                for d in deltas {
                    ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":d}}]}));
                }
                ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}));
                let mut out = sse(&ev);
                out.extend_from_slice(b"data: [DONE]\n\n");
                out
            }
            Provider::OpenAiToolArgs => {
                let mut ev = vec![
                    json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"post","arguments":""}}]}}]}),
                ];
                for d in deltas {
                    ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":d}}]}}]}));
                }
                ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}));
                let mut out = sse(&ev);
                out.extend_from_slice(b"data: [DONE]\n\n");
                out
            }
            Provider::Anthropic => {
                let mut out = Vec::new();
                let mut push = |name: &str, v: Value| {
                    out.extend_from_slice(format!("event: {name}\ndata: {v}\n\n").as_bytes())
                };
                push(
                    "message_start",
                    json!({"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}),
                );
                push(
                    "content_block_start",
                    json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
                );
                for d in deltas {
                    push(
                        "content_block_delta",
                        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":d}}),
                    );
                }
                push(
                    "content_block_stop",
                    json!({"type":"content_block_stop","index":0}),
                );
                push(
                    "message_delta",
                    json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}),
                );
                push("message_stop", json!({"type":"message_stop"}));
                out
            }
            Provider::Gemini => {
                let mut ev: Vec<Value> = deltas
                    .iter()
                    .map(|d| json!({"candidates":[{"content":{"parts":[{"text":d}],"role":"model"},"index":0}]}))
                    .collect();
                ev.push(json!({"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],
                    "usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":9,"totalTokenCount":14}}));
                sse(&ev)
            }
            Provider::Ollama => {
                let mut out = Vec::new();
                for d in deltas {
                    out.extend_from_slice(format!("{}\n", json!({"model":"llama3","message":{"role":"assistant","content":d},"done":false})).as_bytes());
                }
                out.extend_from_slice(format!("{}\n", json!({"model":"llama3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"})).as_bytes());
                out
            }
            Provider::Bedrock => {
                let frame = |t: &str, v: Value| {
                    encode_frame(
                        &[
                            (":event-type", t),
                            (":content-type", "application/json"),
                            (":message-type", "event"),
                        ],
                        v.to_string().as_bytes(),
                    )
                };
                let mut out = frame("messageStart", json!({"role":"assistant"}));
                for d in deltas {
                    out.extend(frame(
                        "contentBlockDelta",
                        json!({"contentBlockIndex":0,"delta":{"text":d}}),
                    ));
                }
                out.extend(frame("contentBlockStop", json!({"contentBlockIndex":0})));
                out.extend(frame("messageStop", json!({"stopReason":"end_turn"})));
                out
            }
        }
    }

    /// The text carried by one decoded JSON event, if any.
    fn text_of(self, v: &Value) -> Option<String> {
        let ptr = match self {
            Provider::OpenAiChat => "/choices/0/delta/content",
            Provider::OpenAiToolArgs => "/choices/0/delta/tool_calls/0/function/arguments",
            Provider::Anthropic => "/delta/text",
            Provider::Gemini => "/candidates/0/content/parts/0/text",
            Provider::Ollama => "/message/content",
            Provider::Bedrock => "/delta/text",
        };
        v.pointer(ptr).and_then(Value::as_str).map(String::from)
    }

    /// The error message of an event if it has this provider's error shape.
    fn error_of(self, event_name: Option<&str>, v: &Value) -> Option<String> {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(String::from);
        match self {
            // {"error":{"message","type","param","code"}}
            Provider::OpenAiChat | Provider::OpenAiToolArgs => {
                s("/error/type")?;
                s("/error/message")
            }
            // event: error / {"type":"error","error":{"type","message"}}
            Provider::Anthropic => {
                if event_name != Some("error") || s("/type").as_deref() != Some("error") {
                    return None;
                }
                s("/error/type")?;
                s("/error/message")
            }
            // {"error":{"code","message","status"}}
            Provider::Gemini => {
                v.pointer("/error/code")?.as_u64()?;
                s("/error/status")?;
                s("/error/message")
            }
            // {"error":"..."}
            Provider::Ollama => s("/error"),
            Provider::Bedrock => None,
        }
    }

    /// Decodes a response body the way this provider's client would.
    pub fn client_view(self, body: &[u8]) -> ClientView {
        let mut events = Vec::new();
        let mut garbage = String::new();
        let classify = |name: Option<&str>, v: &Value| {
            if let Some(m) = self.error_of(name, v) {
                ClientEvent::Error(m)
            } else if let Some(t) = self.text_of(v) {
                ClientEvent::Text(t)
            } else {
                ClientEvent::Other
            }
        };
        match self {
            Provider::Ollama => {
                let s = String::from_utf8_lossy(body);
                let complete = s.ends_with('\n') || s.is_empty();
                for line in s.lines().filter(|l| !l.trim().is_empty()) {
                    match serde_json::from_str::<Value>(line) {
                        Ok(v) => events.push(classify(None, &v)),
                        Err(_) => garbage.push_str(line),
                    }
                }
                if !complete {
                    garbage.push_str("<unterminated line>");
                }
            }
            Provider::Bedrock => {
                let mut pos = 0;
                while pos < body.len() {
                    let Some(len) = body.get(pos..pos + 4) else {
                        garbage.push_str("<truncated prelude>");
                        break;
                    };
                    let total = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
                    let Some(bytes) = body.get(pos..pos + total).filter(|_| total >= 16) else {
                        garbage.push_str("<truncated frame>");
                        break;
                    };
                    match decode_frame(bytes) {
                        Ok(f) => {
                            let payload: Value = serde_json::from_slice(&bytes[f.payload.clone()])
                                .unwrap_or(Value::Null);
                            if f.header(":message-type") == Some("exception") {
                                let ok = f.header(":exception-type").is_some_and(|t| {
                                    t.ends_with("Exception")
                                        && t.starts_with(|c: char| c.is_ascii_lowercase())
                                });
                                match payload.get("message").and_then(Value::as_str) {
                                    Some(m) if ok => events.push(ClientEvent::Error(m.into())),
                                    _ => garbage.push_str("<malformed exception frame>"),
                                }
                            } else if let Some(t) = self.text_of(&payload) {
                                events.push(ClientEvent::Text(t));
                            } else {
                                events.push(ClientEvent::Other);
                            }
                        }
                        Err(e) => {
                            garbage.push_str(&format!("<bad frame: {e:?}>"));
                            break;
                        }
                    }
                    pos += total;
                }
            }
            _ => {
                let s = String::from_utf8_lossy(body);
                if !(s.is_empty() || s.ends_with("\n\n")) {
                    garbage.push_str("<unterminated event>");
                }
                for block in s.split("\n\n").filter(|b| !b.trim().is_empty()) {
                    let mut name = None;
                    let mut data = String::new();
                    for line in block.lines() {
                        if let Some(n) = line.strip_prefix("event:") {
                            name = Some(n.trim().to_string());
                        } else if let Some(d) = line.strip_prefix("data:") {
                            data.push_str(d.trim_start());
                        } else {
                            garbage.push_str(line);
                        }
                    }
                    if data == "[DONE]" {
                        events.push(ClientEvent::Other);
                        continue;
                    }
                    match serde_json::from_str::<Value>(&data) {
                        Ok(v) => events.push(classify(name.as_deref(), &v)),
                        Err(_) => garbage.push_str(&data),
                    }
                }
            }
        }
        ClientView { events, garbage }
    }

    /// The upstream response carrying `body`, split into two chunks at `split` if given.
    pub fn upstream(self, body: &[u8], split: Option<usize>) -> Upstream {
        let up = Upstream::new(200).header("content-type", self.content_type());
        match split {
            Some(i) => up.body_chunks(vec![body[..i].to_vec(), body[i..].to_vec()]),
            None => up.body(body.to_vec()),
        }
    }
}

/// One request/response through `chain` with the upstream body in the given pieces.
pub fn run_pieces(chain: &Chain, p: Provider, system: &str, pieces: Vec<Vec<u8>>) -> Outcome {
    let up = Upstream::new(200)
        .header("content-type", p.content_type())
        .body_chunks(pieces);
    chain.run(&p.request(system), &up).expect("run")
}

pub fn run(chain: &Chain, p: Provider, system: &str, body: &[u8], split: Option<usize>) -> Outcome {
    chain
        .run(&p.request(system), &p.upstream(body, split))
        .expect("run")
}

/// Every way this suite splits a body: whole, one byte at a time, each single split point, and
/// a few deterministic random multi-splits.
pub fn splittings(body: &[u8]) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut out = vec![
        ("whole".to_string(), vec![body.to_vec()]),
        (
            "byte by byte".to_string(),
            body.iter().map(|b| vec![*b]).collect(),
        ),
    ];
    for i in 1..body.len() {
        out.push((
            format!("split at {i}"),
            vec![body[..i].to_vec(), body[i..].to_vec()],
        ));
    }
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for r in 0..8 {
        let mut cuts = Vec::new();
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            cuts.push(1 + (seed as usize) % (body.len() - 1));
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut pieces = Vec::new();
        let mut prev = 0;
        for c in cuts.iter().copied().chain(std::iter::once(body.len())) {
            pieces.push(body[prev..c].to_vec());
            prev = c;
        }
        out.push((format!("random multi-split {r} at {cuts:?}"), pieces));
    }
    out
}

/// Security events (JSON log lines with a `schema` key) of one outcome.
pub fn events(out: &Outcome) -> Vec<Value> {
    out.logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l.message).ok())
        .filter(|v| v.get("schema").is_some())
        .collect()
}
