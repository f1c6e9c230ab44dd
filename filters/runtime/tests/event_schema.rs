//! Security events conform to `event.schema.json`, for every kind of decision the runtime logs,
//! and the schema rejects what must never be logged (query strings, raw API keys, long excerpts).

use parapet_runtime::engine::{Exchange, Plugin};
use parapet_runtime::prelude::*;
use parapet_runtime::testing::FakeHost;
use serde_json::{json, Value};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Cfg {}

struct Words;

impl Filter for Words {
    const NAME: &'static str = "schema-test";
    type Config = Cfg;
    type State = ();
    fn new(_: Cfg, _: &Common) -> Result<Self, ConfigError> {
        Ok(Words)
    }
    fn may_rewrite_request(&self) -> bool {
        true
    }
    fn inspects_responses(&self) -> bool {
        true
    }
    fn on_request(&self, _: &mut Cx<()>, r: &RequestView) -> Outcome {
        let text = &r.segments[0].text;
        let at = |w: &str| text.find(w).map(|i| i..i + w.len());
        if text.contains("FAIL") {
            return Err(FilterError::new("forced"));
        }
        if let Some(range) = at("BLOCK") {
            return Ok(Verdict::block(Block::policy("blocked"))
                .with_finding(Finding::new("w.block", "word").score(0.8).at(0, range)));
        }
        if let Some(range) = at("RATE") {
            return Ok(Verdict::block(Block::rate_limited("slow", 3))
                .with_finding(Finding::new("w.rate", "budget").at(0, range)));
        }
        if let Some(range) = at("jane@example.com") {
            return Ok(
                Verdict::rewrite(vec![TextEdit::new(0, range.clone(), "[EMAIL]")]).with_finding(
                    Finding::new("pii.email", "pii")
                        .entity("email")
                        .at(0, range),
                ),
            );
        }
        Ok(Verdict::allow().with_finding(Finding::new("w.seen", "info")))
    }
    fn on_output(&self, _: &mut Cx<()>, o: &Output) -> Outcome {
        match o.text.find("UNSAFE") {
            Some(i) => Ok(Verdict::block(Block::unsafe_output("unsafe"))
                .with_finding(Finding::new("w.unsafe", "unsafe").at(0, i..i + 6))),
            None => Ok(Verdict::allow()),
        }
    }
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../event.schema.json")).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn events_for(
    config: &str,
    path: &str,
    headers: &[(&str, &str)],
    text: &str,
    response: Option<&[u8]>,
) -> Vec<Value> {
    let plugin = Plugin::<Words>::configure(Some(config.as_bytes()), "1.2.3").unwrap();
    let host = FakeHost::default();
    let body =
        serde_json::to_vec(&json!({"model":"m-1","messages":[{"role":"user","content":text}]}))
            .unwrap();
    {
        let mut s = host.state.borrow_mut();
        s.request_headers = [
            (":method", "POST"),
            (":path", path),
            (":authority", "llm.test"),
        ]
        .iter()
        .chain(headers)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        s.request_body = body.clone();
        s.properties
            .insert("source.address".into(), b"192.0.2.1:999".to_vec());
    }
    let mut ex = Exchange::<Words>::new();
    ex.on_request_headers(&plugin, &host, false);
    ex.on_request_body(&plugin, &host, body.len(), true);
    if let Some(resp) = response {
        host.state.borrow_mut().response_headers = vec![
            (":status".into(), "200".into()),
            ("content-type".into(), "text/event-stream".into()),
        ];
        ex.on_response_headers(&plugin, &host, false);
        host.state.borrow_mut().response_body = resp.to_vec();
        ex.on_response_body(&plugin, &host, resp.len(), true);
    }
    host.events()
}

#[test]
fn every_kind_of_event_conforms() {
    let v = validator();
    let stream = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"UNSAFE\"}}]}\n\ndata: [DONE]\n\n";
    let scenarios: Vec<Vec<Value>> = vec![
        events_for(
            "{}",
            "/v1/chat/completions?key=abc",
            &[("x-request-id", "r1")],
            "BLOCK",
            None,
        ),
        events_for("{}", "/v1/chat/completions", &[], "RATE", None),
        events_for(
            "{}",
            "/v1/chat/completions",
            &[],
            "mail jane@example.com",
            None,
        ),
        events_for("{}", "/v1/chat/completions", &[], "FAIL", None),
        events_for(
            r#"{"on_error":"fail_open"}"#,
            "/v1/chat/completions",
            &[],
            "FAIL",
            None,
        ),
        events_for(
            r#"{"mode":"monitor"}"#,
            "/v1/chat/completions",
            &[],
            "BLOCK",
            None,
        ),
        events_for(
            r#"{"events":{"log_allows":true}}"#,
            "/v1/chat/completions",
            &[],
            "hello",
            None,
        ),
        events_for(
            r#"{"max_body_bytes":5}"#,
            "/v1/chat/completions",
            &[],
            "too long",
            None,
        ),
        events_for(
            r#"{"identity":{"sources":["api_key"]}}"#,
            "/v1/chat/completions",
            &[("authorization", "Bearer sk-live-123")],
            "BLOCK",
            None,
        ),
        events_for("{}", "/v1/chat/completions", &[], "hi", Some(stream)),
    ];
    let mut count = 0;
    for (i, events) in scenarios.iter().enumerate() {
        assert!(!events.is_empty(), "scenario {i} logged no event");
        for e in events {
            let errors: Vec<String> = v
                .iter_errors(e)
                .map(|err| format!("{} at {}", err, err.instance_path()))
                .collect();
            assert!(errors.is_empty(), "scenario {i}: {e}\n{errors:#?}");
            let line = e.to_string();
            for secret in ["key=abc", "sk-live-123", "jane@example.com"] {
                assert!(
                    !line.contains(secret),
                    "scenario {i} leaks {secret}: {line}"
                );
            }
            count += 1;
        }
    }
    assert!(count >= 10);
}

#[test]
fn schema_rejects_what_must_never_be_logged() {
    let v = validator();
    let good = events_for("{}", "/v1/chat/completions", &[], "BLOCK", None).remove(0);
    assert!(v.is_valid(&good));
    let mut with_query = good.clone();
    with_query["route"]["path"] = json!("/v1/chat/completions?key=secret");
    assert!(!v.is_valid(&with_query));
    let mut raw_key = good.clone();
    raw_key["identity"] = json!({"source":"api_key","value":"sk-live-123"});
    assert!(!v.is_valid(&raw_key));
    let mut long_excerpt = good.clone();
    long_excerpt["excerpts"] = json!(["x".repeat(200)]);
    assert!(!v.is_valid(&long_excerpt));
    let mut extra = good;
    extra["prompt"] = json!("the whole prompt");
    assert!(!v.is_valid(&extra));
}
