//! Native tests of the engine with the in-memory host and a small test filter.

use serde::Deserialize;
use serde_json::Value;

use crate::engine::{Exchange, Flow, Plugin};
use crate::prelude::*;
use crate::testing::FakeHost;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Cfg {
    rewrite_without_declaring: bool,
    /// Tell the runtime, at each stream look, that only a possible start of "secret" or
    /// "UNSAFE" at the end is undecided.
    settle: bool,
    /// No request leaves anything to check in its response (`inspects_response_to`).
    skip_responses: bool,
}

struct T {
    declare: bool,
    settle: bool,
    skip_responses: bool,
}

impl Filter for T {
    const NAME: &'static str = "t-guard";
    const DEFAULT_HOLD_BACK_BYTES: usize = 5;
    type Config = Cfg;
    type State = usize;

    fn new(c: Cfg, _: &Common) -> Result<Self, ConfigError> {
        Ok(T {
            declare: !c.rewrite_without_declaring,
            settle: c.settle,
            skip_responses: c.skip_responses,
        })
    }
    fn may_rewrite_request(&self) -> bool {
        self.declare
    }
    fn inspects_responses(&self) -> bool {
        true
    }
    fn inspects_response_to(&self, _state: &usize) -> bool {
        !self.skip_responses
    }
    fn on_request(&self, _cx: &mut Cx<usize>, r: &RequestView) -> Outcome {
        let mut edits = vec![];
        let mut findings = vec![];
        for (i, s) in r.segments.iter().enumerate() {
            if s.text.contains("FAIL") {
                return Err(FilterError::new("boom"));
            }
            if let Some(at) = s.text.find("BLOCK") {
                return Ok(Verdict::block(Block::policy("no"))
                    .with_finding(Finding::new("t.block", "test").at(i, at..at + 5)));
            }
            for (at, _) in s.text.match_indices("secret") {
                edits.push(TextEdit::new(i, at..at + 6, "[X]"));
                findings.push(
                    Finding::new("t.secret", "secret")
                        .entity("word")
                        .at(i, at..at + 6),
                );
            }
        }
        Ok(Verdict::rewrite(edits).with_findings(findings))
    }
    fn on_output(&self, cx: &mut Cx<usize>, o: &Output) -> Outcome {
        *cx.state += 1;
        if let Some(at) = o.text.find("UNSAFE") {
            return Ok(Verdict::block(Block::unsafe_output("unsafe"))
                .with_finding(Finding::new("t.unsafe", "unsafe").at(0, at..at + 6)));
        }
        let edits: Vec<TextEdit> = o
            .text
            .match_indices("secret")
            .map(|(at, _)| TextEdit::at(at..at + 6, "[X]"))
            .collect();
        if self.settle {
            let open = (1..6).rev().find(|&k| {
                ["secret", "UNSAFE"]
                    .iter()
                    .any(|w| o.text.ends_with(&w[..k]))
            });
            cx.hold_only_last(open.unwrap_or(0));
        }
        Ok(Verdict::rewrite(edits))
    }
}

fn plugin(config: &str) -> Plugin<T> {
    Plugin::configure(Some(config.as_bytes()), "9.9.9").unwrap()
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const CHAT: &str = "/v1/chat/completions";

fn chat_body(text: &str) -> Vec<u8> {
    serde_json::to_vec(
        &serde_json::json!({"model":"gpt-4o","messages":[{"role":"user","content":text}]}),
    )
    .unwrap()
}

/// Runs the request phases; returns (host, exchange, flow of the body phase).
fn request(config: &str, body: &[u8]) -> (FakeHost, Exchange<T>, Flow) {
    let p = plugin(config);
    let host = FakeHost::default();
    {
        let mut s = host.state.borrow_mut();
        s.request_headers = headers(&[
            (":method", "POST"),
            (":path", CHAT),
            (":authority", "api.test"),
            ("x-request-id", "rid-7"),
            ("content-length", &body.len().to_string()),
        ]);
        s.request_body = body.to_vec();
        s.properties
            .insert("source.address".into(), b"10.0.0.9:5000".to_vec());
    }
    let mut ex = Exchange::<T>::new();
    let f = ex.on_request_headers(&p, &host, false);
    assert_eq!(f, Flow::Continue);
    let f = ex.on_request_body(&p, &host, body.len(), true);
    (host, ex, f)
}

/// Runs the request phases of a POST without `content-length` (chunked, or removed by a filter
/// before); returns (host, exchange, flow of the body phase).
fn chunked_request<G: Filter>(p: &Plugin<G>, body: &[u8]) -> (FakeHost, Exchange<G>, Flow) {
    let host = FakeHost::default();
    {
        let mut s = host.state.borrow_mut();
        s.request_headers = headers(&[(":method", "POST"), (":path", CHAT)]);
        s.request_body = body.to_vec();
    }
    let mut ex = Exchange::<G>::new();
    assert_eq!(ex.on_request_headers(p, &host, false), Flow::Continue);
    let flow = ex.on_request_body(p, &host, body.len(), true);
    (host, ex, flow)
}

#[test]
fn block_sends_openai_error_logs_event_counts_and_publishes() {
    let (host, _ex, flow) = request("{}", &chat_body("please BLOCK this"));
    assert_eq!(flow, Flow::Pause);
    let s = host.state.borrow();
    let reply = s.local_reply.as_ref().expect("local reply");
    assert_eq!(reply.status, 403);
    let v: Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("rid-7"));
    drop(s);
    let events = host.events();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["action"], "block");
    assert_eq!(e["enforced"], true);
    assert_eq!(e["status"], 403);
    assert_eq!(e["provider"], "openai");
    assert_eq!(e["model"], "gpt-4o");
    assert_eq!(e["identity"]["value"], "10.0.0.9");
    assert_eq!(e["route"]["path"], CHAT);
    assert_eq!(e["excerpts"][0], "*****");
    assert_eq!(
        host.counter("parapet_t_guard_actions_total.action.block.mode.enforce"),
        1
    );
    assert_eq!(
        host.counter("parapet_t_guard_detections_total.category.test"),
        1
    );
    assert_eq!(host.counter("parapet_t_guard_requests_total"), 1);
    assert_eq!(
        host.state.borrow().properties.get("parapet.t-guard.action"),
        Some(&b"block".to_vec())
    );
}

#[test]
fn an_allow_costs_no_address_read_and_writes_no_empty_lists() {
    // T does not read the identity: the address is fetched only for an event (the test above).
    let (host, _ex, flow) = request("{}", &chat_body("nothing to see"));
    assert_eq!(flow, Flow::Continue);
    let s = host.state.borrow();
    assert_eq!(s.property_reads, 0);
    assert_eq!(
        s.properties.get("parapet.t-guard.action"),
        Some(&b"allow".to_vec())
    );
    assert!(
        !s.properties.contains_key("parapet.t-guard.mode"),
        "enforce is the default"
    );
    assert!(!s.properties.contains_key("parapet.t-guard.categories"));
    assert!(!s.properties.contains_key("parapet.t-guard.rule_ids"));
}

#[test]
fn monitor_mode_logs_but_does_not_block_or_rewrite() {
    let body = chat_body("BLOCK");
    let (host, _ex, flow) = request(r#"{"mode":"monitor"}"#, &body);
    assert_eq!(flow, Flow::Continue);
    assert!(host.state.borrow().local_reply.is_none());
    let e = &host.events()[0];
    assert_eq!(
        (
            e["action"].as_str(),
            e["enforced"].as_bool(),
            e["mode"].as_str()
        ),
        (Some("block"), Some(false), Some("monitor"))
    );
    assert_eq!(
        host.state.borrow().properties.get("parapet.t-guard.mode"),
        Some(&b"monitor".to_vec()),
        "later filters (policy) must know the block was not enforced"
    );
    let body = chat_body("a secret");
    let (host, _ex, _) = request(r#"{"mode":"monitor"}"#, &body);
    assert_eq!(
        host.state.borrow().request_body,
        body,
        "monitor never rewrites"
    );
    assert!(
        host.state
            .borrow()
            .request_headers
            .iter()
            .any(|(k, _)| k == "content-length"),
        "monitor keeps content-length"
    );
}

#[test]
fn a_chunked_request_or_one_whose_length_a_filter_before_removed_is_rewritten_too() {
    // Only a present content-length is removed (one host call per chain, not per filter); a
    // request without one must still be rewritable.
    let (host, _ex, flow) = chunked_request(&plugin("{}"), &chat_body("my secret"));
    assert_eq!(flow, Flow::Continue);
    let v: Value = serde_json::from_slice(&host.state.borrow().request_body).unwrap();
    assert_eq!(v["messages"][0]["content"], "my [X]");
    assert_eq!(host.events()[0]["action"], "rewrite");
}

#[test]
fn rewrite_removes_content_length_and_rebuilds_the_body() {
    let (host, _ex, flow) = request("{}", &chat_body("my secret and secret"));
    assert_eq!(flow, Flow::Continue);
    let s = host.state.borrow();
    assert!(!s.request_headers.iter().any(|(k, _)| k == "content-length"));
    let v: Value = serde_json::from_slice(&s.request_body).unwrap();
    assert_eq!(v["messages"][0]["content"], "my [X] and [X]");
    drop(s);
    let e = &host.events()[0];
    assert_eq!(e["action"], "rewrite");
    assert_eq!(e["entities"]["word"], 2);
    assert!(!e.to_string().contains("my secret"), "{e}");
}

#[test]
fn size_changing_rewrite_without_declaration_is_refused() {
    let (host, _ex, flow) = request(
        r#"{"rewrite_without_declaring":true}"#,
        &chat_body("a secret"),
    );
    assert_eq!(flow, Flow::Pause);
    assert_eq!(
        host.state.borrow().local_reply.as_ref().unwrap().status,
        503
    );
    assert_eq!(
        host.counter("parapet_t_guard_errors_total.kind.internal"),
        1
    );
}

#[test]
fn fail_closed_and_fail_open_on_internal_error() {
    let (host, _, flow) = request("{}", &chat_body("FAIL"));
    assert_eq!(flow, Flow::Pause);
    let s = host.state.borrow();
    let reply = s.local_reply.as_ref().unwrap();
    assert_eq!(reply.status, 503);
    assert!(
        !String::from_utf8_lossy(&reply.body).contains("boom"),
        "internal detail stays internal"
    );
    drop(s);
    assert_eq!(host.events()[0]["action"], "error");
    let (host, _, flow) = request(r#"{"on_error":"fail_open"}"#, &chat_body("FAIL"));
    assert_eq!(flow, Flow::Continue);
    assert!(host.state.borrow().local_reply.is_none());
    assert_eq!(host.events()[0]["enforced"], false);
}

#[test]
fn invalid_json_is_400_when_failing_closed() {
    let (host, _, flow) = request("{}", b"{\"messages\": [");
    assert_eq!(flow, Flow::Pause);
    let s = host.state.borrow();
    let r = s.local_reply.as_ref().unwrap();
    assert_eq!(r.status, 400);
    assert!(String::from_utf8_lossy(&r.body).contains("not valid JSON"));
}

#[test]
fn body_limit_by_header_and_by_size() {
    let body = chat_body("hello there");
    let p = plugin(r#"{"max_body_bytes":10}"#);
    let host = FakeHost::default();
    host.state.borrow_mut().request_headers = headers(&[
        (":method", "POST"),
        (":path", CHAT),
        ("content-length", "500"),
    ]);
    let mut ex = Exchange::<T>::new();
    assert_eq!(ex.on_request_headers(&p, &host, false), Flow::Pause);
    assert_eq!(
        host.state.borrow().local_reply.as_ref().unwrap().status,
        413
    );
    // Chunked (no content-length): caught while buffering.
    let host = FakeHost::default();
    host.state.borrow_mut().request_headers = headers(&[(":method", "POST"), (":path", CHAT)]);
    let mut ex = Exchange::<T>::new();
    assert_eq!(ex.on_request_headers(&p, &host, false), Flow::Continue);
    assert_eq!(ex.on_request_body(&p, &host, 8, false), Flow::Pause);
    assert_eq!(
        ex.on_request_body(&p, &host, body.len(), false),
        Flow::Pause
    );
    assert_eq!(
        host.state.borrow().local_reply.as_ref().unwrap().status,
        413
    );
}

#[test]
fn unreadable_body_follows_on_error() {
    let p = plugin("{}");
    let host = FakeHost::default();
    {
        let mut s = host.state.borrow_mut();
        s.request_headers = headers(&[(":method", "POST"), (":path", CHAT)]);
        s.request_body_unreadable = true;
    }
    let mut ex = Exchange::<T>::new();
    ex.on_request_headers(&p, &host, false);
    assert_eq!(ex.on_request_body(&p, &host, 100_000, true), Flow::Pause);
    assert_eq!(
        host.state.borrow().local_reply.as_ref().unwrap().status,
        503
    );
}

#[test]
fn unmatched_routes_are_not_touched() {
    let (host, _, flow) = request(r#"{"match":{"paths":["/other"]}}"#, &chat_body("BLOCK"));
    assert_eq!(flow, Flow::Continue);
    assert!(host.state.borrow().local_reply.is_none());
    assert!(host.events().is_empty());
}

/// Feeds a response through the exchange in the given chunks; returns what the client receives.
fn respond(config: &str, content_type: &str, chunks: &[&[u8]]) -> (FakeHost, Vec<u8>) {
    let (host, mut ex, _) = request(config, &chat_body("hi"));
    let p = plugin(config);
    host.state.borrow_mut().response_headers = headers(&[
        (":status", "200"),
        ("content-type", content_type),
        ("content-length", "999"),
    ]);
    ex.on_response_headers(&p, &host, false);
    let mut client = Vec::new();
    let mut buffered: Vec<u8> = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let eos = i + 1 == chunks.len();
        // Envoy: after Pause the next callback sees everything buffered so far.
        buffered.extend_from_slice(chunk);
        host.state.borrow_mut().response_body = buffered.clone();
        match ex.on_response_body(&p, &host, buffered.len(), eos) {
            Flow::Pause => {}
            Flow::Continue => {
                client.extend(host.state.borrow().response_body.clone());
                buffered.clear();
            }
        }
    }
    (host, client)
}

fn sse(texts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in texts {
        let chunk = serde_json::json!({"choices":[{"index":0,"delta":{"content":t}}]});
        out.extend(format!("data: {chunk}\n\n").into_bytes());
    }
    out.extend(b"data: [DONE]\n\n");
    out
}

fn sse_text(wire: &[u8]) -> String {
    String::from_utf8_lossy(wire)
        .split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn stream_redaction_holds_for_every_two_way_split() {
    let wire = sse(&["my se", "cr", "et is here"]);
    for cut in 0..=wire.len() {
        let (_, client) = respond("{}", "text/event-stream", &[&wire[..cut], &wire[cut..]]);
        assert_eq!(sse_text(&client), "my [X] is here", "cut {cut}");
        assert!(client.ends_with(b"data: [DONE]\n\n"), "cut {cut}");
        assert!(
            !String::from_utf8_lossy(&client).contains("secret"),
            "cut {cut}"
        );
    }
}

#[test]
fn stream_termination_for_every_two_way_split() {
    let wire = sse(&["hello ", "UNS", "AFE tail"]);
    for cut in 0..=wire.len() {
        let (host, client) = respond("{}", "text/event-stream", &[&wire[..cut], &wire[cut..]]);
        let text = String::from_utf8_lossy(&client);
        assert!(!text.contains("UNS"), "cut {cut}: {text}");
        assert!(!text.contains("[DONE]"), "cut {cut}");
        assert!(text.contains("\"error\""), "cut {cut}: {text}");
        // "hello " is still inside the 5-byte window when the block comes: dropped with it.
        assert_eq!(sse_text(&client), "", "cut {cut}");
        assert!(host
            .events()
            .iter()
            .any(|e| e["phase"] == "stream" && e["action"] == "block"));
    }
}

#[test]
fn a_response_the_request_left_nothing_to_check_passes_untouched() {
    // The same answers are rewritten and blocked above when the filter inspects them.
    let wire = sse(&["my se", "cr", "et is here", "UNSAFE"]);
    let json = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"the secret, UNSAFE"}}]}"#;
    let config = r#"{"skip_responses":true}"#;
    for (content_type, body) in [("text/event-stream", &wire[..]), ("application/json", json)] {
        for cut in [0, 7, body.len() / 2] {
            let (host, client) = respond(config, content_type, &[&body[..cut], &body[cut..]]);
            let s = host.state.borrow();
            assert_eq!(
                String::from_utf8_lossy(&client),
                String::from_utf8_lossy(body),
                "{content_type} cut {cut}"
            );
            assert!(
                s.response_headers
                    .iter()
                    .any(|(k, _)| k == "content-length"),
                "nothing will change the body: content-length stays"
            );
            drop(s);
            assert!(host.events().iter().all(|e| e["phase"] == "request"));
        }
    }
}

#[test]
fn json_response_rewrite_and_block() {
    let body = br#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"the secret"},"finish_reason":"stop"}]}"#;
    let (_, client) = respond("{}", "application/json", &[&body[..20], &body[20..]]);
    let v: Value = serde_json::from_slice(&client).unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "the [X]");
    let body = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"UNSAFE"}}]}"#;
    let (host, client) = respond("{}", "application/json", &[body]);
    let v: Value = serde_json::from_slice(&client).unwrap();
    assert!(
        v["error"]["message"].as_str().unwrap().contains("unsafe"),
        "{v}"
    );
    assert!(host
        .events()
        .iter()
        .any(|e| e["phase"] == "response" && e["status"] == 502));
}

#[test]
fn monitor_streams_pass_unchanged() {
    let wire = sse(&["a secret", " UNSAFE"]);
    let (host, client) = respond(r#"{"mode":"monitor"}"#, "text/event-stream", &[&wire]);
    assert_eq!(client, wire);
    assert!(host
        .events()
        .iter()
        .any(|e| e["action"] == "block" && e["enforced"] == false));
}

/// A filter that works on whole bodies: switches the model, adds response headers, replaces
/// JSON responses.
struct Whole;

impl Filter for Whole {
    const NAME: &'static str = "whole";
    type Config = Cfg;
    /// Whether `add_response_header` was accepted in `on_response`.
    type State = Option<bool>;

    fn new(_: Cfg, _: &Common) -> Result<Self, ConfigError> {
        Ok(Whole)
    }
    fn may_rewrite_request(&self) -> bool {
        true
    }
    fn inspects_responses(&self) -> bool {
        true
    }
    fn on_request(&self, cx: &mut Cx<Self::State>, r: &RequestView) -> Outcome {
        let body = cx.body().ok_or_else(|| FilterError::new("no raw body"))?;
        assert!(cx.add_response_header("x-whole", "seen"));
        if r.segments.iter().any(|s| s.text.contains("DENY")) {
            return Ok(Verdict::block(Block::policy("denied")));
        }
        match parapet_core::set_model(r.api, body, "small-model", &Default::default())? {
            Some(new) => Ok(Verdict::replace_body(new)),
            None => Ok(Verdict::allow()),
        }
    }
    fn on_response(&self, cx: &mut Cx<Self::State>, _r: &ResponseView) -> Outcome {
        *cx.state = Some(cx.add_response_header("x-late", "1"));
        let body = cx.body().ok_or_else(|| FilterError::new("no raw body"))?;
        if body.windows(4).any(|w| w == b"SWAP") {
            return Ok(Verdict::replace_body(br#"{"swapped":true}"#.to_vec()));
        }
        Ok(Verdict::allow())
    }
}

fn whole_request(config: &str, body: &[u8]) -> (FakeHost, Exchange<Whole>, Plugin<Whole>, Flow) {
    let p: Plugin<Whole> = Plugin::configure(Some(config.as_bytes()), "9.9.9").unwrap();
    let host = FakeHost::default();
    {
        let mut s = host.state.borrow_mut();
        s.request_headers = headers(&[
            (":method", "POST"),
            (":path", CHAT),
            ("content-length", &body.len().to_string()),
        ]);
        s.request_body = body.to_vec();
    }
    let mut ex = Exchange::<Whole>::new();
    assert_eq!(ex.on_request_headers(&p, &host, false), Flow::Continue);
    let f = ex.on_request_body(&p, &host, body.len(), true);
    (host, ex, p, f)
}

#[test]
fn replace_body_switches_the_model_and_keeps_every_other_byte() {
    let body =
        br#"{ "model" : "gpt-4o",  "messages":[{"role":"user","content":"hi \u00e9"}], "n":1.0 }"#;
    let (host, _, _, flow) = whole_request("{}", body);
    assert_eq!(flow, Flow::Continue);
    let sent = String::from_utf8(host.state.borrow().request_body.clone()).unwrap();
    assert_eq!(
        sent,
        r#"{ "model" : "small-model",  "messages":[{"role":"user","content":"hi \u00e9"}], "n":1.0 }"#
    );
    assert!(host
        .events()
        .iter()
        .any(|e| e["action"] == "rewrite" && e["enforced"] == true));
}

#[test]
fn replace_body_in_monitor_mode_changes_nothing() {
    let body = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"#;
    let (host, _, _, _) = whole_request(r#"{"mode":"monitor","events":{"log_allows":true}}"#, body);
    assert_eq!(host.state.borrow().request_body, body.to_vec());
    assert!(host
        .events()
        .iter()
        .any(|e| e["action"] == "rewrite" && e["enforced"] == false));
}

#[test]
fn request_phase_headers_reach_the_response_and_the_local_reply() {
    let body = br#"{"model":"small-model","messages":[{"role":"user","content":"hi"}]}"#;
    let (host, mut ex, p, _) = whole_request("{}", body);
    host.state.borrow_mut().response_headers = headers(&[(":status", "200")]);
    ex.on_response_headers(&p, &host, false);
    let got = host.state.borrow().response_headers.clone();
    assert!(
        got.contains(&("x-whole".to_string(), "seen".to_string())),
        "{got:?}"
    );

    let body = br#"{"model":"small-model","messages":[{"role":"user","content":"DENY"}]}"#;
    let (host, _, _, flow) = whole_request("{}", body);
    assert_eq!(flow, Flow::Pause);
    let reply = host.state.borrow().local_reply.clone().unwrap();
    assert_eq!(reply.status, 403);
    assert!(reply
        .headers
        .contains(&("x-whole".to_string(), "seen".to_string())));
}

#[test]
fn json_response_can_be_replaced_whole_but_headers_come_too_late() {
    let body = br#"{"model":"small-model","messages":[{"role":"user","content":"hi"}]}"#;
    let (host, mut ex, p, _) = whole_request("{}", body);
    host.state.borrow_mut().response_headers =
        headers(&[(":status", "200"), ("content-type", "application/json")]);
    ex.on_response_headers(&p, &host, false);
    let answer = br#"{"choices":[{"index":0,"message":{"role":"assistant","content":"SWAP"}}]}"#;
    host.state.borrow_mut().response_body = answer.to_vec();
    assert_eq!(
        ex.on_response_body(&p, &host, answer.len(), true),
        Flow::Continue
    );
    assert_eq!(
        host.state.borrow().response_body,
        br#"{"swapped":true}"#.to_vec()
    );
    let headers = host.state.borrow().response_headers.clone();
    assert!(!headers.iter().any(|(k, _)| k == "x-late"), "{headers:?}");
}

/// Blocks a stream at its last look: proves every channel gets `is_final`, even when its text
/// was all released already (window 0).
struct AtEnd;

impl Filter for AtEnd {
    const NAME: &'static str = "at-end";
    type Config = Cfg;
    type State = String;

    fn new(_: Cfg, _: &Common) -> Result<Self, ConfigError> {
        Ok(AtEnd)
    }
    fn inspects_responses(&self) -> bool {
        true
    }
    fn on_request(&self, _: &mut Cx<String>, _: &RequestView) -> Outcome {
        Ok(Verdict::allow())
    }
    fn on_output(&self, cx: &mut Cx<String>, o: &Output) -> Outcome {
        cx.state.push_str(&o.text[o.new_from..]);
        if o.is_final && cx.state.as_str() == "whole answer" {
            return Ok(Verdict::block(Block::unsafe_output("checked at the end")));
        }
        Ok(Verdict::allow())
    }
}

#[test]
fn every_stream_channel_gets_a_final_look_with_a_zero_window() {
    let p: Plugin<AtEnd> = Plugin::configure(Some(b"{}"), "9.9.9").unwrap();
    let (host, mut ex, _) = chunked_request(&p, &chat_body("hi"));
    host.state.borrow_mut().response_headers =
        headers(&[(":status", "200"), ("content-type", "text/event-stream")]);
    ex.on_response_headers(&p, &host, false);
    let wire = sse(&["whole ", "answer"]);
    let mut client = Vec::new();
    let events: Vec<&[u8]> = vec![&wire[..wire.len() - 14], &wire[wire.len() - 14..]];
    for (i, chunk) in events.iter().enumerate() {
        host.state.borrow_mut().response_body = chunk.to_vec();
        ex.on_response_body(&p, &host, chunk.len(), i == 1);
        client.extend(host.state.borrow().response_body.clone());
    }
    let text = String::from_utf8_lossy(&client);
    assert_eq!(sse_text(&client), "whole answer", "released as it came");
    assert!(text.contains("checked at the end"), "{text}");
    assert!(!text.contains("[DONE]"), "{text}");
}

/// What the client has after each upstream chunk (one SSE event per chunk).
fn client_after_each_event(config: &str, wire: &[u8]) -> (FakeHost, Vec<Vec<u8>>) {
    let events: Vec<&[u8]> = wire
        .split_inclusive(|b| *b == b'\n')
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|lines| {
            let start = lines[0].as_ptr() as usize - wire.as_ptr() as usize;
            let len: usize = lines.iter().map(|l| l.len()).sum();
            &wire[start..start + len]
        })
        .collect();
    let (host, mut ex) = {
        let (host, ex, _) = request(config, &chat_body("hi"));
        (host, ex)
    };
    let p = plugin(config);
    host.state.borrow_mut().response_headers =
        headers(&[(":status", "200"), ("content-type", "text/event-stream")]);
    ex.on_response_headers(&p, &host, false);
    let mut client = Vec::new();
    let mut after = Vec::new();
    for (i, chunk) in events.iter().enumerate() {
        host.state.borrow_mut().response_body = chunk.to_vec();
        ex.on_response_body(&p, &host, chunk.len(), i + 1 == events.len());
        client.extend(host.state.borrow().response_body.clone());
        after.push(client.clone());
    }
    (host, after)
}

#[test]
fn a_channel_that_stops_growing_does_not_hold_back_the_rest() {
    // The tool call's name arrives once; its arguments then stream on another channel.
    let mut wire = Vec::new();
    let first = serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"lookup","arguments":""}}]}}]});
    wire.extend(format!("data: {first}\n\n").into_bytes());
    for piece in ["{\"q\":", "\"weather in", " Paris today\"", "}"] {
        let e = serde_json::json!({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":piece}}]}}]});
        wire.extend(format!("data: {e}\n\n").into_bytes());
    }
    wire.extend(b"data: [DONE]\n\n");
    let (_, after) = client_after_each_event("{}", &wire);
    let name_released_at = after
        .iter()
        .position(|c| String::from_utf8_lossy(c).contains("lookup"))
        .expect("name delivered");
    assert!(
        name_released_at < after.len() - 1,
        "the name event waited for the end of the stream"
    );
    assert_eq!(after.last().unwrap(), &wire, "stream delivered unchanged");
}

#[test]
fn a_filter_that_settles_its_text_releases_it_before_the_window_fills() {
    let wire = sse(&["hello ", "there, ", "my se", "cr", "et is ", "UN", "known"]);
    let shown = |config: &str| -> Vec<String> {
        let (_, after) = client_after_each_event(config, &wire);
        after.iter().map(|c| sse_text(c)).collect()
    };
    let window = shown(r#"{"stream":{"hold_back_bytes":64}}"#);
    let settled = shown(r#"{"settle":true,"stream":{"hold_back_bytes":64}}"#);
    // The whole window: nothing until the end of the stream.
    assert_eq!(window[5], "");
    assert_eq!(window.last().unwrap(), "hello there, my [X] is UNknown");
    // Settled: each event leaves as soon as it is decided; an event ending in a possible start
    // of a pattern waits (events leave whole).
    assert_eq!(settled[0], "hello ");
    assert_eq!(settled[1], "hello there, ");
    assert_eq!(settled[2], "hello there, ", "\"se\" may start \"secret\"");
    assert_eq!(settled[3], "hello there, ", "\"secr\" still may");
    assert_eq!(settled[4], "hello there, my [X] is ");
    assert_eq!(
        settled[5], "hello there, my [X] is ",
        "\"UN\" may start \"UNSAFE\""
    );
    assert_eq!(settled.last().unwrap(), "hello there, my [X] is UNknown");
}

#[test]
fn a_settling_filter_still_redacts_and_blocks_at_every_split() {
    let config = r#"{"settle":true,"stream":{"hold_back_bytes":64}}"#;
    let wire = sse(&["my se", "cr", "et is here"]);
    for cut in 0..=wire.len() {
        let (_, client) = respond(config, "text/event-stream", &[&wire[..cut], &wire[cut..]]);
        assert_eq!(sse_text(&client), "my [X] is here", "cut {cut}");
    }
    let wire = sse(&["hello ", "UNS", "AFE tail"]);
    for cut in 0..=wire.len() {
        let (_, client) = respond(config, "text/event-stream", &[&wire[..cut], &wire[cut..]]);
        let text = String::from_utf8_lossy(&client);
        assert!(!text.contains("UNS"), "cut {cut}: {text}");
        assert!(text.contains("\"error\""), "cut {cut}: {text}");
    }
}

#[test]
fn monitor_mode_holds_nothing_back_but_still_sees_across_events() {
    let wire = sse(&["my se", "cret is out", " and more text follows here"]);
    let (host, after) = client_after_each_event(r#"{"mode":"monitor"}"#, &wire);
    assert!(
        String::from_utf8_lossy(&after[0]).contains("my se"),
        "first event released at once in monitor mode"
    );
    assert_eq!(after.last().unwrap(), &wire);
    assert!(
        host.events()
            .iter()
            .any(|e| e["action"] == "rewrite" && e["enforced"] == false),
        "the straddling match is reported: {:?}",
        host.events()
    );
}

/// In a bundle (sharing on), a filter after the first on the same streamed answer of the same
/// request copies the first one's decoded events, and the client gets the very same stream.
#[test]
fn bundle_members_share_decoded_events_within_a_request() {
    let wire = sse(&["one ", "secret two ", "three"]);
    let w = wire.clone();
    let alone = std::thread::spawn(move || respond("{}", "text/event-stream", &[&w]).1)
        .join()
        .expect("alone");
    std::thread::spawn(move || {
        crate::views::share();
        parapet_core::json::shared::share();
        let (_, first) = respond("{}", "text/event-stream", &[&wire]);
        let before = parapet_core::stream::shared::hits();
        let (_, second) = respond("{}", "text/event-stream", &[&wire]);
        // Three text events and `[DONE]`.
        assert_eq!(parapet_core::stream::shared::hits() - before, 4);
        assert_eq!(first, alone);
        assert_eq!(second, alone);
    })
    .join()
    .expect("shared");
}
