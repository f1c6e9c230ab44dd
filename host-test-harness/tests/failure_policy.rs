//! Traps and Envoy's failure policies (envoy.md §3(e)).

use std::time::Duration;

use parapet_harness::{Chain, FailurePolicy, FilterSpec, Request, Upstream};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn chain(policy: FailurePolicy) -> parapet_harness::Result<Chain> {
    Chain::builder()
        .filter_spec(
            FilterSpec::new("probe", parapet_harness::dist("probe")?).failure_policy(policy),
        )
        .build()
}

fn send(chain: &Chain, probe: &str) -> parapet_harness::Result<parapet_harness::Outcome> {
    chain.run(
        &Request::post("/x")
            .header("x-probe", probe)
            .body("PANICNOW forbidden"),
        &Upstream::default(),
    )
}

#[test]
fn a_trap_is_reported_and_the_request_gets_503() -> TestResult {
    let chain = chain(FailurePolicy::FailClosed)?;
    let out = send(&chain, "panic-body")?;
    let trap = out.trap.clone().ok_or("no trap")?;
    assert_eq!(trap.filter, "probe");
    assert_eq!(trap.callback, "proxy_on_request_body");
    assert!(
        trap.message.contains("probe panic in request body"),
        "{}",
        trap.message
    );
    assert_eq!(out.response.status, 503);
    assert!(out.response.body.is_empty());
    assert_eq!(
        out.local_reply.as_ref().map(|r| r.details.as_str()),
        Some("wasm_fail_stream")
    );
    assert!(!out.reached_upstream);
    assert_eq!(chain.traps().len(), 1);
    Ok(())
}

#[test]
fn fail_closed_keeps_answering_503_without_recreating_the_vm() -> TestResult {
    let chain = chain(FailurePolicy::FailClosed)?;
    send(&chain, "panic-headers")?;
    chain.advance_time(Duration::from_secs(30));
    let later = send(&chain, "")?;
    assert_eq!(later.response.status, 503);
    assert!(!later.reached_upstream);
    assert!(later.trap.is_none(), "the VM is already dead; no new trap");
    assert_eq!(chain.vm_starts("probe", 0), 1);
    Ok(())
}

#[test]
fn fail_open_answers_503_once_then_lets_traffic_through_unfiltered() -> TestResult {
    let chain = chain(FailurePolicy::FailOpen)?;
    assert_eq!(send(&chain, "panic-body")?.response.status, 503);
    // Even a request the filter would block now passes: fail-open is a bypass.
    let later = send(&chain, "block-headers")?;
    assert_eq!(later.response.status, 200);
    assert!(later.reached_upstream);
    assert_eq!(later.upstream().body_str(), "PANICNOW forbidden");
    assert!(later
        .logs
        .iter()
        .all(|l| l.filter != "probe" || l.message.starts_with("harness")));
    Ok(())
}

#[test]
fn fail_reload_answers_503_during_the_backoff_then_runs_a_new_vm_keeping_shared_data() -> TestResult
{
    let chain = chain(FailurePolicy::FailReload)?;
    send(&chain, "cas")?;
    assert_eq!(send(&chain, "panic-headers")?.response.status, 503);
    chain.advance_time(Duration::from_millis(500));
    assert_eq!(
        send(&chain, "")?.response.status,
        503,
        "still inside the 1 s backoff"
    );
    chain.advance_time(Duration::from_millis(600));
    let out = chain.run(
        &Request::get("/").header("x-probe", "shared-get,block-headers"),
        &Upstream::default(),
    )?;
    assert_eq!(out.response.status, 403, "the filter runs again");
    assert_eq!(
        out.response.header("x-probe-counter"),
        Some("1"),
        "shared data survived"
    );
    assert_eq!(chain.vm_starts("probe", 0), 2);
    Ok(())
}

#[test]
fn a_trap_in_the_response_headers_replaces_the_response_with_503() -> TestResult {
    let chain = chain(FailurePolicy::FailClosed)?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "panic-response"),
        &Upstream::json(200, "{}"),
    )?;
    assert!(out.reached_upstream);
    assert_eq!(out.response.status, 503);
    assert_eq!(
        out.trap.map(|t| t.callback),
        Some("proxy_on_response_headers".into())
    );
    Ok(())
}

#[test]
fn a_rejected_configuration_fails_the_build_with_the_filters_own_log() -> TestResult {
    let wasm = parapet_harness::dist("probe")?;
    let err = Chain::builder()
        .filter("probe", &wasm, serde_json::json!({"reject": true}))
        .build()
        .err()
        .ok_or("expected an error")?;
    let msg = err.to_string();
    assert!(msg.contains("rejected its configuration"), "{msg}");
    assert!(msg.contains("probe config rejected: reject=true"), "{msg}");
    let err = Chain::builder()
        .filter("probe", &wasm, serde_json::json!("not json"))
        .build()
        .err()
        .ok_or("expected an error")?;
    assert!(err.to_string().contains("probe config rejected"), "{err}");
    Ok(())
}

#[test]
fn a_missing_or_invalid_module_is_a_clear_error() {
    let err = Chain::builder()
        .filter("x", "/nonexistent/x.wasm", serde_json::json!({}))
        .build()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("cannot read /nonexistent/x.wasm"), "{err}");
    let err = Chain::builder()
        .filter_spec(FilterSpec::from_bytes("x", b"not wasm".to_vec()))
        .build()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("not a loadable wasm module"), "{err}");
    // A valid wasm module that is not a proxy-wasm filter (Envoy refuses it too).
    let err = Chain::builder()
        .filter_spec(FilterSpec::from_bytes("x", b"\0asm\x01\0\0\0".to_vec()))
        .build()
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("not a proxy-wasm ABI 0.2.x module"), "{err}");
    let err = parapet_harness::dist("no-such-filter")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("run scripts/build first"), "{err}");
}
