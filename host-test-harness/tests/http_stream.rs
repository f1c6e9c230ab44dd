//! Headers, bodies in chunks, buffering, local replies and body rewrites through the probe.

use parapet_harness::{Chain, Request, Upstream};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn probe(config: serde_json::Value) -> parapet_harness::Result<Chain> {
    Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, config)
        .build()
}

#[test]
fn clean_request_reaches_upstream_and_response_reaches_client() -> TestResult {
    let chain = probe(json!({}))?;
    let out = chain.run(
        &Request::post("/v1/chat/completions").json_body(r#"{"prompt":"hello"}"#),
        &Upstream::json(200, r#"{"ok":true}"#),
    )?;
    assert!(out.reached_upstream);
    assert_eq!(out.upstream().body_str(), r#"{"prompt":"hello"}"#);
    assert_eq!(out.upstream().header(":path"), Some("/v1/chat/completions"));
    assert_eq!(out.response.status, 200);
    assert_eq!(out.response.body_str(), r#"{"ok":true}"#);
    assert_eq!(out.response.header("x-probe-resp"), Some("probe"));
    assert!(out.local_reply.is_none() && out.trap.is_none());
    Ok(())
}

#[test]
fn body_chunks_are_delivered_then_an_empty_end_of_stream_call() -> TestResult {
    let chain = probe(json!({}))?;
    let out = chain.run(
        &Request::post("/x")
            .header("x-probe", "body-continue")
            .body("abcdefghij")
            .chunks(vec![3, 4]),
        &Upstream::default(),
    )?;
    let sizes: Vec<&str> = out
        .logs_containing("probe request body")
        .iter()
        .map(|l| l.message.as_str())
        .collect();
    assert_eq!(
        sizes,
        vec![
            "probe request body size=3 eos=false",
            "probe request body size=4 eos=false",
            "probe request body size=3 eos=false",
            "probe request body size=0 eos=true",
        ]
    );
    assert_eq!(out.upstream().body_str(), "abcdefghij");
    Ok(())
}

#[test]
fn pause_in_body_buffers_and_the_next_call_sees_the_whole_buffer() -> TestResult {
    let chain = probe(json!({}))?;
    let out = chain.run(
        &Request::post("/x").body("abcdefghij").chunks(vec![3, 4]),
        &Upstream::default(),
    )?;
    let sizes: Vec<String> = out
        .logs_containing("probe request body")
        .iter()
        .map(|l| l.message.clone())
        .collect();
    assert_eq!(
        sizes,
        vec![
            "probe request body size=3 eos=false",
            "probe request body size=7 eos=false",
            "probe request body size=10 eos=false",
            "probe request body size=10 eos=true",
        ]
    );
    assert_eq!(out.upstream().body_str(), "abcdefghij");
    Ok(())
}

#[test]
fn body_rewrite_reaches_upstream_when_content_length_is_removed() -> TestResult {
    let chain = probe(json!({"replace_from": "foo", "replace_to": "FOO_REPLACED"}))?;
    let out = chain.run(
        &Request::post("/x")
            .json_body(r#"{"prompt":"say foo please"}"#)
            .chunks(vec![5]),
        &Upstream::echo(),
    )?;
    assert_eq!(
        out.upstream().body_str(),
        r#"{"prompt":"say FOO_REPLACED please"}"#
    );
    assert_eq!(out.upstream().header("content-length"), None);
    Ok(())
}

#[test]
fn local_reply_short_circuits_and_own_response_callbacks_run_on_it() -> TestResult {
    let chain = probe(json!({"block_word": "forbidden"}))?;
    let out = chain.run(
        &Request::post("/x").json_body(r#"{"prompt":"this is forbidden"}"#),
        &Upstream::default(),
    )?;
    assert!(!out.reached_upstream);
    let reply = out.local_reply.clone().ok_or("no local reply")?;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.filter, "probe");
    assert_eq!(out.response.status, 403);
    assert_eq!(out.response.body_str(), r#"{"error":"blocked by probe"}"#);
    assert_eq!(out.response.header("x-probe"), Some("blocked"));
    assert_eq!(out.response.header("content-length"), Some("28"));
    // The filter's own on_http_response_headers ran on its local reply (as in Envoy).
    assert_eq!(out.response.header("x-probe-resp"), Some("probe"));
    // Headers had gone upstream before the body was blocked: Envoy resets that request.
    assert!(out.upstream().reset);
    Ok(())
}
