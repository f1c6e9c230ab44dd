//! Provider request/response builders and client-side decoders for pii-redact harness tests.
#![allow(dead_code)]

use parapet_harness::{Chain, HostProfile, Outcome, Request, Upstream};
use parapet_pii::{EntityType, HmacKey, TokenVault};
use parapet_runtime::core::stream::eventstream::{decode_frame, encode_frame};
use serde_json::{json, Value};

/// The HMAC key the tests configure through the VM environment.
pub const KEY: &str = "harness-test-key-0123456789abcdef";
pub const EMAIL: &str = "jane.roe@example.com";
pub const CARD: &str = "4111 1111 1111 1111";
pub const PROMPT: &str = "Email jane.roe@example.com and charge 4111 1111 1111 1111 today.";

/// A chain with the filter configured from `config`, `PII_KEY` set in the VM environment.
pub fn chain(config: Value) -> Chain {
    try_chain(config).expect("chain")
}

pub fn try_chain(config: Value) -> Result<Chain, String> {
    chain_with_env_key(config, KEY)
}

/// A chain whose VM environment sets `PII_KEY` to `key` (Envoy
/// `vm_config.environment_variables`).
pub fn chain_with_env_key(config: Value, key: &str) -> Result<Chain, String> {
    chain_on(HostProfile::Envoy, config, key)
}

/// A chain on the given host profile (Envoy or Kong), `PII_KEY` = `key` in the VM environment.
pub fn chain_on(profile: HostProfile, config: Value, key: &str) -> Result<Chain, String> {
    Chain::builder()
        .profile(profile)
        .filter(
            "pii-redact",
            parapet_harness::dist("pii-redact").expect("run scripts/build pii-redact first"),
            config,
        )
        .vm_env("PII_KEY", key)
        .build()
        .map_err(|e| format!("{e:#}"))
}

/// The token the filter issues for `value` under the test key (tokens are deterministic).
pub fn token(entity: EntityType, value: &str) -> String {
    TokenVault::new(HmacKey::new(KEY.as_bytes().to_vec()).unwrap()).tokenize(&entity, value)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Provider {
    OpenAiChat,
    OpenAiToolArgs,
    Anthropic,
    Gemini,
    Ollama,
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

/// How the upstream serialises the JSON of each stream event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Wire {
    /// As serde_json writes it (`<`, `>` and letters literal).
    Plain,
    /// `<`, `>` and `E` written as `\u003c`, `\u003e`, `\u0045` (valid JSON some encoders emit;
    /// outside the text these characters appear in no key or value of the test streams), so a
    /// token arrives as `\u003c\u0045MAIL_…\u003e` and a chunk split can fall inside an escape.
    Escaped,
}

fn wire(v: &Value, w: Wire) -> String {
    let s = v.to_string();
    match w {
        Wire::Plain => s,
        Wire::Escaped => s
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('E', "\\u0045"),
    }
}

fn sse(events: &[Value], w: Wire) -> Vec<u8> {
    let mut out = Vec::new();
    for e in events {
        out.extend_from_slice(format!("data: {}\n\n", wire(e, w)).as_bytes());
    }
    out
}

impl Provider {
    /// A request whose user message is `user`.
    pub fn request(self, user: &str, stream: bool) -> Request {
        let (path, body) = match self {
            Provider::OpenAiChat | Provider::OpenAiToolArgs => (
                "/v1/chat/completions".to_owned(),
                json!({"model":"gpt-4o","stream":stream,"messages":[{"role":"user","content":user}]}),
            ),
            Provider::Anthropic => (
                "/v1/messages".to_owned(),
                json!({"model":"claude-sonnet-4-5","stream":stream,"max_tokens":100,
                    "messages":[{"role":"user","content":user}]}),
            ),
            Provider::Gemini => (
                if stream {
                    "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse".to_owned()
                } else {
                    "/v1beta/models/gemini-2.0-flash:generateContent".to_owned()
                },
                json!({"contents":[{"role":"user","parts":[{"text":user}]}]}),
            ),
            Provider::Ollama => (
                "/api/chat".to_owned(),
                json!({"model":"llama3","stream":stream,"messages":[{"role":"user","content":user}]}),
            ),
            Provider::Bedrock => (
                format!(
                    "/model/anthropic.claude-3-haiku/{}",
                    if stream {
                        "converse-stream"
                    } else {
                        "converse"
                    }
                ),
                json!({"messages":[{"role":"user","content":[{"text":user}]}]}),
            ),
        };
        Request::post(&path)
            .authority("api.example.com")
            .header("content-type", "application/json")
            .json_body(body.to_string())
    }

    /// The user text as the upstream received it.
    pub fn upstream_user_text(self, body: &str) -> String {
        let v: Value = serde_json::from_str(body).expect("upstream body is JSON");
        let ptr = match self {
            Provider::OpenAiChat
            | Provider::OpenAiToolArgs
            | Provider::Anthropic
            | Provider::Ollama => "/messages/0/content",
            Provider::Gemini => "/contents/0/parts/0/text",
            Provider::Bedrock => "/messages/0/content/0/text",
        };
        v.pointer(ptr)
            .and_then(Value::as_str)
            .expect("user text")
            .to_owned()
    }

    /// A non-streamed response carrying `text` (tool-call arguments for `OpenAiToolArgs`).
    pub fn json_response(self, text: &str) -> Vec<u8> {
        let v = match self {
            Provider::OpenAiChat => json!({"id":"c1","object":"chat.completion","model":"gpt-4o",
                "choices":[{"index":0,"message":{"role":"assistant","content":text},"finish_reason":"stop"}]}),
            Provider::OpenAiToolArgs => {
                json!({"id":"c1","object":"chat.completion","model":"gpt-4o",
                "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"send","arguments":text}}]},"finish_reason":"tool_calls"}]})
            }
            Provider::Anthropic => {
                json!({"id":"m1","type":"message","role":"assistant","model":"claude",
                "content":[{"type":"text","text":text}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":9}})
            }
            Provider::Gemini => {
                json!({"candidates":[{"content":{"parts":[{"text":text}],"role":"model"},"index":0,"finishReason":"STOP"}]})
            }
            Provider::Ollama => {
                json!({"model":"llama3","message":{"role":"assistant","content":text},"done":true})
            }
            Provider::Bedrock => {
                json!({"output":{"message":{"role":"assistant","content":[{"text":text}]}},"stopReason":"end_turn",
                "usage":{"inputTokens":5,"outputTokens":9,"totalTokens":14}})
            }
        };
        v.to_string().into_bytes()
    }

    /// The text a client reads from a non-streamed response.
    pub fn json_text(self, body: &[u8]) -> String {
        let v: Value = serde_json::from_slice(body).expect("client body is JSON");
        let ptr = match self {
            Provider::OpenAiChat => "/choices/0/message/content",
            Provider::OpenAiToolArgs => "/choices/0/message/tool_calls/0/function/arguments",
            Provider::Anthropic => "/content/0/text",
            Provider::Gemini => "/candidates/0/content/parts/0/text",
            Provider::Ollama => "/message/content",
            Provider::Bedrock => "/output/message/content/0/text",
        };
        v.pointer(ptr)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Provider::Ollama => "application/x-ndjson",
            Provider::Bedrock => "application/vnd.amazon.eventstream",
            _ => "text/event-stream",
        }
    }

    /// The upstream stream carrying `deltas` as successive text events.
    pub fn stream_body(self, deltas: &[&str]) -> Vec<u8> {
        self.stream_body_wire(deltas, Wire::Plain)
    }

    /// [`Provider::stream_body`] with the event JSON written as `w` says.
    pub fn stream_body_wire(self, deltas: &[&str], w: Wire) -> Vec<u8> {
        match self {
            Provider::OpenAiChat => {
                let mut ev = vec![
                    json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}),
                ];
                for d in deltas {
                    ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":d}}]}));
                }
                ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}));
                let mut out = sse(&ev, w);
                out.extend_from_slice(b"data: [DONE]\n\n");
                out
            }
            Provider::OpenAiToolArgs => {
                let mut ev = vec![
                    json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"send","arguments":""}}]}}]}),
                ];
                for d in deltas {
                    ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":d}}]}}]}));
                }
                ev.push(json!({"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}));
                let mut out = sse(&ev, w);
                out.extend_from_slice(b"data: [DONE]\n\n");
                out
            }
            Provider::Anthropic => {
                let mut out = Vec::new();
                let mut push = |name: &str, v: Value| {
                    out.extend_from_slice(
                        format!("event: {name}\ndata: {}\n\n", wire(&v, w)).as_bytes(),
                    )
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
                let ev: Vec<Value> = deltas
                    .iter()
                    .map(|d| json!({"candidates":[{"content":{"parts":[{"text":d}],"role":"model"},"index":0}]}))
                    .collect();
                sse(&ev, w)
            }
            Provider::Ollama => {
                let mut out = Vec::new();
                for d in deltas {
                    out.extend_from_slice(format!("{}\n", wire(&json!({"model":"llama3","message":{"role":"assistant","content":d},"done":false}), w)).as_bytes());
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
                        wire(&v, w).as_bytes(),
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

    /// The text a client reads from a stream, and whether it carries an error event.
    pub fn stream_text(self, body: &[u8]) -> (String, bool) {
        let ptr = match self {
            Provider::OpenAiChat => "/choices/0/delta/content",
            Provider::OpenAiToolArgs => "/choices/0/delta/tool_calls/0/function/arguments",
            Provider::Anthropic | Provider::Bedrock => "/delta/text",
            Provider::Gemini => "/candidates/0/content/parts/0/text",
            Provider::Ollama => "/message/content",
        };
        let mut error = false;
        let text = stream_payloads(self, body, &mut error)
            .iter()
            .filter_map(|v| v.pointer(ptr).and_then(Value::as_str))
            .collect();
        (text, error)
    }

    /// A non-streamed response whose only content is a tool call with these arguments
    /// (`OpenAiChat`/`OpenAiToolArgs`: a JSON-encoded string; the others: an object).
    pub fn tool_call_json(self, args: &Value) -> Vec<u8> {
        let v = match self {
            Provider::OpenAiChat | Provider::OpenAiToolArgs => {
                return Provider::OpenAiToolArgs.json_response(&args.to_string())
            }
            Provider::Anthropic => {
                json!({"id":"m1","type":"message","role":"assistant","model":"claude",
                "content":[{"type":"tool_use","id":"tu1","name":"send","input":args}],"stop_reason":"tool_use"})
            }
            Provider::Gemini => {
                json!({"candidates":[{"content":{"parts":[{"functionCall":{"name":"send","args":args}}],
                "role":"model"},"index":0,"finishReason":"STOP"}]})
            }
            Provider::Ollama => json!({"model":"llama3","message":{"role":"assistant","content":"",
                "tool_calls":[{"function":{"name":"send","arguments":args}}]},"done":true}),
            Provider::Bedrock => {
                json!({"output":{"message":{"role":"assistant","content":[{"toolUse":
                {"toolUseId":"t1","name":"send","input":args}}]}},"stopReason":"tool_use"})
            }
        };
        v.to_string().into_bytes()
    }

    /// The arguments a client reads from [`Provider::tool_call_json`]'s shape.
    pub fn tool_call_json_args(self, body: &[u8]) -> Value {
        let v: Value = serde_json::from_slice(body).expect("client body is JSON");
        let args = match self {
            Provider::OpenAiChat | Provider::OpenAiToolArgs => {
                let s = v
                    .pointer("/choices/0/message/tool_calls/0/function/arguments")
                    .and_then(Value::as_str)
                    .expect("arguments string");
                return serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"));
            }
            Provider::Anthropic => v.pointer("/content/0/input"),
            Provider::Gemini => v.pointer("/candidates/0/content/parts/0/functionCall/args"),
            Provider::Ollama => v.pointer("/message/tool_calls/0/function/arguments"),
            Provider::Bedrock => v.pointer("/output/message/content/0/toolUse/input"),
        };
        args.cloned().expect("arguments")
    }

    /// A stream whose only content is a tool call: argument fragments of `delta` bytes
    /// (OpenAI `arguments`, Anthropic `input_json_delta`, Bedrock `toolUse.input`), or one
    /// event with the arguments object (Gemini, Ollama).
    pub fn tool_call_stream(self, args: &str, delta: usize) -> Vec<u8> {
        let pieces = chunk_str(args, delta);
        match self {
            Provider::OpenAiChat | Provider::OpenAiToolArgs => {
                Provider::OpenAiToolArgs.stream_body(&pieces)
            }
            Provider::Anthropic => {
                let mut out = String::new();
                let mut push =
                    |name: &str, v: Value| out.push_str(&format!("event: {name}\ndata: {v}\n\n"));
                push(
                    "message_start",
                    json!({"type":"message_start","message":{"id":"m1","type":"message",
                    "role":"assistant","content":[],"model":"claude","usage":{"input_tokens":5,"output_tokens":1}}}),
                );
                push(
                    "content_block_start",
                    json!({"type":"content_block_start","index":0,
                    "content_block":{"type":"tool_use","id":"tu1","name":"send","input":{}}}),
                );
                for p in &pieces {
                    push(
                        "content_block_delta",
                        json!({"type":"content_block_delta","index":0,
                        "delta":{"type":"input_json_delta","partial_json":p}}),
                    );
                }
                push(
                    "content_block_stop",
                    json!({"type":"content_block_stop","index":0}),
                );
                push(
                    "message_delta",
                    json!({"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}),
                );
                push("message_stop", json!({"type":"message_stop"}));
                out.into_bytes()
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
                out.extend(frame(
                    "contentBlockStart",
                    json!({"contentBlockIndex":0,
                    "start":{"toolUse":{"toolUseId":"t1","name":"send"}}}),
                ));
                for p in &pieces {
                    out.extend(frame(
                        "contentBlockDelta",
                        json!({"contentBlockIndex":0,"delta":{"toolUse":{"input":p}}}),
                    ));
                }
                out.extend(frame("contentBlockStop", json!({"contentBlockIndex":0})));
                out.extend(frame("messageStop", json!({"stopReason":"tool_use"})));
                out
            }
            Provider::Gemini => {
                let args: Value = serde_json::from_str(args).expect("arguments are JSON");
                format!("data: {}\n\n", json!({"candidates":[{"content":{"parts":[{"functionCall":
                    {"name":"send","args":args}}],"role":"model"},"index":0,"finishReason":"STOP"}]}))
                .into_bytes()
            }
            Provider::Ollama => {
                let args: Value = serde_json::from_str(args).expect("arguments are JSON");
                format!(
                    "{}\n{}\n",
                    json!({"model":"llama3","message":{"role":"assistant","content":"",
                        "tool_calls":[{"function":{"name":"send","arguments":args}}]},"done":false}),
                    json!({"model":"llama3","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"})
                )
                .into_bytes()
            }
        }
    }

    /// The arguments a client reads from [`Provider::tool_call_stream`]'s shape, and whether the
    /// stream carries an error event.
    pub fn tool_call_stream_args(self, body: &[u8]) -> (Value, bool) {
        let mut objects = Vec::new();
        let mut fragments = String::new();
        let mut error = false;
        for v in stream_payloads(self, body, &mut error) {
            let (frag, obj) = match self {
                Provider::OpenAiChat | Provider::OpenAiToolArgs => (
                    v.pointer("/choices/0/delta/tool_calls/0/function/arguments"),
                    None,
                ),
                Provider::Anthropic => (v.pointer("/delta/partial_json"), None),
                Provider::Bedrock => (v.pointer("/delta/toolUse/input"), None),
                Provider::Gemini => (
                    None,
                    v.pointer("/candidates/0/content/parts/0/functionCall/args"),
                ),
                Provider::Ollama => (None, v.pointer("/message/tool_calls/0/function/arguments")),
            };
            if let Some(s) = frag.and_then(Value::as_str) {
                fragments.push_str(s);
            }
            if let Some(o) = obj {
                objects.push(o.clone());
            }
        }
        let args = if objects.is_empty() {
            serde_json::from_str(&fragments).unwrap_or_else(|e| panic!("{e}: {fragments}"))
        } else {
            assert_eq!(objects.len(), 1, "one arguments object expected");
            objects.remove(0)
        };
        (args, error)
    }

    /// The stream delivered in pieces of these sizes (the rest as a last piece), chunked.
    pub fn stream_upstream_sizes(self, body: &[u8], sizes: &[usize]) -> Upstream {
        let mut pieces = Vec::new();
        let mut rest = body;
        for &n in sizes {
            let n = n.min(rest.len());
            if n > 0 {
                pieces.push(rest[..n].to_vec());
                rest = &rest[n..];
            }
        }
        if !rest.is_empty() {
            pieces.push(rest.to_vec());
        }
        Upstream::new(200)
            .header("content-type", self.content_type())
            .body_chunks(pieces)
    }

    pub fn stream_upstream(self, body: &[u8], split: Option<usize>) -> Upstream {
        let up = Upstream::new(200).header("content-type", self.content_type());
        match split {
            Some(i) => up.body_chunks(vec![body[..i].to_vec(), body[i..].to_vec()]),
            None => up.body(body.to_vec()),
        }
    }

    pub fn json_upstream(self, body: Vec<u8>) -> Upstream {
        Upstream::new(200)
            .header("content-type", "application/json")
            .body(body)
    }
}

/// `s` cut into pieces of about `n` bytes, never inside a UTF-8 character.
pub fn chunk_str(s: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < s.len() {
        let mut end = (start + n).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        out.push(&s[start..end]);
        start = end;
    }
    out
}

/// The JSON payloads of a stream as the client decodes it (SSE `data:`, NDJSON lines, AWS
/// event-stream frames); sets `error` on an error event or exception frame.
pub fn stream_payloads(p: Provider, body: &[u8], error: &mut bool) -> Vec<Value> {
    let mut out = Vec::new();
    match p {
        Provider::Ollama => {
            for line in body.split(|&b| b == b'\n') {
                if let Ok(v) = serde_json::from_slice::<Value>(line) {
                    out.push(v);
                }
            }
        }
        Provider::Bedrock => {
            let mut pos = 0;
            while pos + 12 <= body.len() {
                let total =
                    u32::from_be_bytes([body[pos], body[pos + 1], body[pos + 2], body[pos + 3]])
                        as usize;
                if total < 16 || pos + total > body.len() {
                    break;
                }
                let bytes = &body[pos..pos + total];
                if let Ok(f) = decode_frame(bytes) {
                    if f.header(":message-type") == Some("exception") {
                        *error = true;
                    }
                    if let Ok(v) = serde_json::from_slice::<Value>(&bytes[f.payload.clone()]) {
                        out.push(v);
                    }
                }
                pos += total;
            }
        }
        _ => {
            let s = String::from_utf8_lossy(body);
            for line in s.lines() {
                if let Some(d) = line.strip_prefix("data:") {
                    if let Ok(v) = serde_json::from_str::<Value>(d.trim()) {
                        out.push(v);
                    }
                }
                if line.trim() == "event: error" {
                    *error = true;
                }
            }
        }
    }
    for v in &out {
        if v.get("error").is_some() || v.get("type").and_then(Value::as_str) == Some("error") {
            *error = true;
        }
    }
    out
}

/// Every way the tests cut a response body of `len` bytes: whole, at every single split point,
/// and `random` pseudo-random cuts into 3–12 pieces (fixed seed: failures reproduce).
pub fn cuts(len: usize, random: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    out.extend((1..len).map(|i| vec![i]));
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ len as u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..random {
        let pieces = 3 + next(10) as usize;
        let mut cuts: Vec<usize> = (0..pieces - 1)
            .map(|_| 1 + next(len.max(2) as u64 - 1) as usize)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        let mut sizes = Vec::new();
        let mut at = 0;
        for c in cuts {
            sizes.push(c - at);
            at = c;
        }
        out.push(sizes);
    }
    out
}

/// The security events (`parapet.security_event.v1` lines) of an outcome.
pub fn events(out: &Outcome) -> Vec<Value> {
    out.logs
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(&l.message).ok())
        .filter(|v| v["schema"] == "parapet.security_event.v1")
        .collect()
}

/// The event of one phase (`request`, `response`, `stream`).
pub fn event(out: &Outcome, phase: &str) -> Value {
    events(out)
        .into_iter()
        .find(|e| e["phase"] == phase)
        .unwrap_or_else(|| panic!("no {phase} event in {:#?}", out.logs))
}

/// Asserts that no log line, event or local reply carries any of `values` (raw PII/secrets).
pub fn assert_no_raw(out: &Outcome, values: &[&str]) {
    let logs = all_logs(out);
    let reply = out
        .local_reply
        .as_ref()
        .map(|r| r.body_str())
        .unwrap_or_default();
    for v in values {
        assert!(!logs.contains(v), "raw value {v:?} logged:\n{logs}");
        assert!(
            !reply.contains(v),
            "raw value {v:?} in the local reply: {reply}"
        );
    }
}

/// Every log line of an outcome, joined (to assert that raw values never reach logs).
pub fn all_logs(out: &Outcome) -> String {
    out.logs
        .iter()
        .map(|l| l.message.clone())
        .collect::<Vec<_>>()
        .join("\n")
}
