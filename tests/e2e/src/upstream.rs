//! A mock LLM provider on 127.0.0.1: OpenAI Chat Completions and Anthropic Messages, JSON and
//! SSE, deterministic, recording every request it receives.
//!
//! What the "model" says: the text of the `x-mock-reply` request header when present (so a test
//! can make the model say something unsafe), otherwise `Echo: <last user message>` (so a test can
//! see what the provider saw, e.g. PII tokens, come back in the answer).
//! Streams send one SSE event per `x-mock-chunk-chars` characters (default 8), one socket write
//! per event, `x-mock-delay-ms` apart (default 0).
//! `GET /__mock/requests` lists what it received (`[{path, body}]`), for the demo.
//! Usage is deterministic: prompt tokens = request body bytes / 4 (rounded up), completion
//! tokens = reply characters / 4 (rounded up).
use crate::http::{read_body, read_head};
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the upstream received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The running mock provider; stops when dropped.
pub struct MockProvider {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl MockProvider {
    /// Starts on `127.0.0.1:port` (0 = any free port).
    pub fn start(port: u16) -> std::io::Result<MockProvider> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (rec, st) = (received.clone(), stop.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let rec = rec.clone();
                thread::spawn(move || serve(conn, rec));
            }
        });
        Ok(MockProvider {
            addr,
            received,
            stop,
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Every request received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The most recent request, if any.
    pub fn last(&self) -> Option<Received> {
        self.received().pop()
    }

    pub fn clear(&self) {
        if let Ok(mut v) = self.received.lock() {
            v.clear();
        }
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(conn: TcpStream, received: Arc<Mutex<Vec<Received>>>) {
    let Ok(write_half) = conn.try_clone() else {
        return;
    };
    let mut out = write_half;
    let mut r = BufReader::new(conn);
    while let Ok(Some(head)) = read_head(&mut r) {
        let Ok(body) = read_body(&mut r, &head, |_| {}) else {
            return;
        };
        let mut parts = head.start_line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = parts.next().unwrap_or("").to_string();
        let req = Received {
            method,
            path,
            headers: head.headers.clone(),
            body,
        };
        // `GET /__mock/requests`: what the provider received so far (for the demo), not recorded.
        if req.method == "GET" && req.path == "/__mock/requests" {
            let seen: Vec<Value> = received
                .lock()
                .map(|v| {
                    v.iter()
                        .map(|r| json!({"path": r.path, "body": r.body_text()}))
                        .collect()
                })
                .unwrap_or_default();
            if write_full(
                &mut out,
                200,
                "application/json",
                Value::from(seen).to_string().as_bytes(),
            )
            .is_err()
            {
                return;
            }
            continue;
        }
        if let Ok(mut v) = received.lock() {
            v.push(req.clone());
        }
        let close = head
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        if respond(&mut out, &req).is_err() || close {
            return;
        }
    }
}

/// What the model answers for this request (see the module docs).
pub fn reply_text(req: &Received, body: &Value) -> String {
    if let Some(r) = req.header("x-mock-reply") {
        return r.to_string();
    }
    let last_user = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .map(|m| match &m["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        })
        .unwrap_or_default();
    format!("Echo: {last_user}")
}

/// What the mock provider answers to one request: the status, headers and body pieces (one
/// socket write each). The same answer is used by the TCP server and by harness adapters, so a
/// harness run and an Envoy run see an identical upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockReply {
    pub status: u16,
    pub content_type: &'static str,
    /// Body pieces; a streamed reply (`chunked`) writes one chunk per piece.
    pub pieces: Vec<Vec<u8>>,
    /// `transfer-encoding: chunked` (SSE) instead of `content-length`.
    pub chunked: bool,
    /// Pause between pieces (`x-mock-delay-ms`).
    pub delay: Duration,
}

impl MockReply {
    fn full(status: u16, content_type: &'static str, body: Vec<u8>) -> MockReply {
        MockReply {
            status,
            content_type,
            pieces: vec![body],
            chunked: false,
            delay: Duration::ZERO,
        }
    }
    fn stream(events: Vec<Vec<u8>>, delay: Duration) -> MockReply {
        MockReply {
            status: 200,
            content_type: "text/event-stream",
            pieces: events,
            chunked: true,
            delay,
        }
    }
    /// The whole body.
    pub fn body(&self) -> Vec<u8> {
        self.pieces.concat()
    }
    /// The response headers the server sends (besides framing).
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![("content-type".to_string(), self.content_type.to_string())];
        if self.chunked {
            h.push(("cache-control".into(), "no-cache".into()));
        }
        h
    }
}

fn respond(out: &mut TcpStream, req: &Received) -> std::io::Result<()> {
    let reply = mock_reply(req);
    if reply.chunked {
        write_stream(out, &reply.pieces, reply.delay)
    } else {
        write_full(out, reply.status, reply.content_type, &reply.body())
    }
}

/// The mock provider's answer to `req` (see the module docs).
pub fn mock_reply(req: &Received) -> MockReply {
    let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    if let Some(status) = req
        .header("x-mock-status")
        .and_then(|s| s.parse::<u16>().ok())
    {
        let err = json!({"error": {"message": "mock upstream error", "type": "server_error", "code": null, "param": null}});
        return MockReply::full(status, "application/json", err.to_string().into_bytes());
    }
    let text = reply_text(req, &body);
    let prompt_tokens = req.body.len().div_ceil(4) as u64;
    let completion_tokens = text.chars().count().div_ceil(4) as u64;
    let stream = body["stream"].as_bool().unwrap_or(false);
    let chunk_chars: usize = req
        .header("x-mock-chunk-chars")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(8);
    let delay = Duration::from_millis(
        req.header("x-mock-delay-ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    );
    let model = body["model"].as_str().unwrap_or("mock-model").to_string();
    let pieces = split_chars(&text, chunk_chars);

    if req.path.starts_with("/v1/messages") {
        let usage_in = json!({"input_tokens": prompt_tokens, "output_tokens": 1});
        if !stream {
            let resp = json!({"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": null,
                "usage": {"input_tokens": prompt_tokens, "output_tokens": completion_tokens}});
            return MockReply::full(200, "application/json", resp.to_string().into_bytes());
        }
        let mut events = vec![
            sse(
                Some("message_start"),
                &json!({"type": "message_start", "message": {"id": "msg_mock", "type": "message", "role": "assistant", "content": [], "model": model, "stop_reason": null, "stop_sequence": null, "usage": usage_in}}),
            ),
            sse(
                Some("content_block_start"),
                &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ),
        ];
        for p in &pieces {
            events.push(sse(Some("content_block_delta"), &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}})));
        }
        events.push(sse(
            Some("content_block_stop"),
            &json!({"type": "content_block_stop", "index": 0}),
        ));
        events.push(sse(Some("message_delta"), &json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": completion_tokens}})));
        events.push(sse(Some("message_stop"), &json!({"type": "message_stop"})));
        return MockReply::stream(events, delay);
    }

    if req.path.contains("/chat/completions") {
        let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens});
        if !stream {
            let resp = json!({"id": "chatcmpl-mock", "object": "chat.completion", "created": 1735689600, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null}, "logprobs": null, "finish_reason": "stop"}],
                "usage": usage});
            return MockReply::full(200, "application/json", resp.to_string().into_bytes());
        }
        let include_usage = body["stream_options"]["include_usage"]
            .as_bool()
            .unwrap_or(false);
        let chunk = |delta: Value, finish: Value| {
            let mut c = json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1735689600, "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]});
            if include_usage {
                c["usage"] = Value::Null;
            }
            sse(None, &c)
        };
        let mut events = vec![chunk(
            json!({"role": "assistant", "content": ""}),
            Value::Null,
        )];
        for p in &pieces {
            events.push(chunk(json!({"content": p}), Value::Null));
        }
        events.push(chunk(json!({}), json!("stop")));
        if include_usage {
            events.push(sse(None, &json!({"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1735689600, "model": model, "choices": [], "usage": usage})));
        }
        events.push(b"data: [DONE]\n\n".to_vec());
        return MockReply::stream(events, delay);
    }

    let resp = json!({"echo": {"method": req.method, "path": req.path, "body": String::from_utf8_lossy(&req.body)}});
    MockReply::full(200, "application/json", resp.to_string().into_bytes())
}

fn split_chars(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n).map(|c| c.iter().collect()).collect()
}

fn sse(event: Option<&str>, data: &Value) -> Vec<u8> {
    match event {
        Some(e) => format!("event: {e}\ndata: {data}\n\n").into_bytes(),
        None => format!("data: {data}\n\n").into_bytes(),
    }
}

fn write_full(out: &mut TcpStream, status: u16, ct: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n",
        reason(status),
        body.len()
    );
    out.write_all(head.as_bytes())?;
    out.write_all(body)?;
    out.flush()
}

fn write_stream(out: &mut TcpStream, events: &[Vec<u8>], delay: Duration) -> std::io::Result<()> {
    out.write_all(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n",
    )?;
    for e in events {
        out.write_all(format!("{:x}\r\n", e.len()).as_bytes())?;
        out.write_all(e)?;
        out.write_all(b"\r\n")?;
        out.flush()?;
        if !delay.is_zero() {
            thread::sleep(delay);
        }
    }
    out.write_all(b"0\r\n\r\n")?;
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
