//! The end-to-end plumbing itself, through a real Envoy with no Parapet filter: the mock provider
//! answers JSON and SSE, Envoy forwards both, and the client sees the stream arrive in pieces.
use parapet_e2e::envoy::Envoy;
use parapet_e2e::http::post_json;
use parapet_e2e::upstream::MockProvider;
use parapet_e2e::workspace_root;

fn baseline() -> (MockProvider, Envoy) {
    let mock = MockProvider::start(0).expect("mock provider");
    let yaml = std::fs::read_to_string(workspace_root().join("envoy-configs/baseline.yaml"))
        .expect("envoy-configs/baseline.yaml");
    let envoy = Envoy::start(
        "baseline",
        &yaml,
        9901,
        &[10000],
        &[(8000, mock.port())],
        1,
        &[],
    )
    .expect("envoy starts");
    (mock, envoy)
}

#[test]
fn json_and_sse_pass_through_envoy_unchanged() {
    let (mock, envoy) = baseline();
    let port = envoy.port(10000);
    let body = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}"#;
    let r = post_json(port, "/v1/chat/completions", body, &[]).expect("request");
    assert_eq!(r.status, 200, "{}", envoy.log_tail(20));
    assert_eq!(
        r.json()["choices"][0]["message"]["content"],
        "Echo: hello there"
    );
    let seen = mock.last().expect("upstream saw the request");
    assert_eq!(seen.body_text(), body);

    let stream_body = r#"{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"stream this back to me please"}]}"#;
    let r = post_json(
        port,
        "/v1/chat/completions",
        stream_body,
        &[("x-mock-chunk-chars", "4"), ("x-mock-delay-ms", "20")],
    )
    .expect("stream");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = r.text();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    assert!(
        r.arrivals.len() > 3,
        "the stream should arrive in several pieces, got {}",
        r.arrivals.len()
    );
}
