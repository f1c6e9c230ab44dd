//! Filter chains: request path in order, response path in reverse, local replies short-circuit,
//! filter state flows from earlier to later filters.

use parapet_harness::{Chain, FilterSpec, Request, Upstream};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn three_probes() -> parapet_harness::Result<Chain> {
    let wasm = parapet_harness::dist("probe")?;
    Chain::builder()
        .filter("a", &wasm, json!({}))
        .filter("b", &wasm, json!({}))
        .filter("c", &wasm, json!({}))
        .build()
}

fn values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn request_path_runs_in_order_and_response_path_in_reverse() -> TestResult {
    let chain = three_probes()?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "chain"),
        &Upstream::default(),
    )?;
    assert_eq!(out.upstream().header("x-probe-chain"), Some("a,b,c"));
    assert_eq!(
        values(&out.response.headers, "x-probe-resp"),
        vec!["c", "b", "a"]
    );
    Ok(())
}

#[test]
fn local_reply_skips_later_filters_and_runs_earlier_ones_response_callbacks() -> TestResult {
    let chain = three_probes()?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "b=block-headers"),
        &Upstream::default(),
    )?;
    assert!(out.upstream_request.is_none());
    assert_eq!(out.response.status, 403);
    assert_eq!(
        out.local_reply.as_ref().map(|r| r.filter.as_str()),
        Some("b")
    );
    assert_eq!(
        values(&out.response.headers, "x-probe-resp"),
        vec!["b", "a"]
    );
    let saw_request: Vec<&str> = out
        .logs_containing("request headers n=")
        .iter()
        .map(|l| l.filter.as_str())
        .collect();
    assert_eq!(saw_request, vec!["a", "b"]);
    Ok(())
}

#[test]
fn a_local_reply_in_the_body_phase_also_runs_later_filters_that_saw_the_headers() -> TestResult {
    // Observed in Envoy 1.40 (tests/real_envoy.rs checks it against the real thing).
    let chain = three_probes()?;
    let out = chain.run(
        &Request::post("/")
            .header("x-probe", "b=block-body")
            .body("x"),
        &Upstream::default(),
    )?;
    assert_eq!(out.response.status, 403);
    assert_eq!(
        values(&out.response.headers, "x-probe-resp"),
        vec!["c", "b", "a"]
    );
    // A trap: the trapping filter does not run on its 503; the others do if they have
    // their own VM ...
    let wasm = parapet_harness::dist("probe")?;
    let separate = Chain::builder()
        .filter_spec(FilterSpec::new("a", &wasm).vm_id("a"))
        .filter_spec(FilterSpec::new("b", &wasm).vm_id("b"))
        .filter_spec(FilterSpec::new("c", &wasm).vm_id("c"))
        .build()?;
    let out = separate.run(
        &Request::post("/")
            .header("x-probe", "b=panic-body")
            .body("x"),
        &Upstream::default(),
    )?;
    assert_eq!(out.response.status, 503);
    assert_eq!(
        values(&out.response.headers, "x-probe-resp"),
        vec!["c", "a"]
    );
    // ... but same code + same vm_id = one VM in Envoy: the trap takes all three down.
    let out = chain.run(
        &Request::post("/")
            .header("x-probe", "b=panic-body")
            .body("x"),
        &Upstream::default(),
    )?;
    assert_eq!(out.response.status, 503);
    assert!(values(&out.response.headers, "x-probe-resp").is_empty());
    let later = chain.run(&Request::get("/"), &Upstream::default())?;
    assert_eq!(later.response.status, 503, "a is down too (FAIL_CLOSED)");
    Ok(())
}

#[test]
fn a_property_set_by_one_filter_is_visible_to_later_filters_as_filter_state() -> TestResult {
    let chain = three_probes()?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "a=set-prop:7,c=read-prop"),
        &Upstream::default(),
    )?;
    assert_eq!(out.upstream().header("x-probe-prop"), Some("7"));
    assert_eq!(
        out.filter_state_str("wasm.probe_prop").as_deref(),
        Some("7")
    );
    // Visible in every later phase too, e.g. on_log of another filter.
    assert!(!out.logs_containing("probe on_log path=/ prop=7").is_empty());
    // A later stream does not inherit it.
    let next = chain.run(
        &Request::get("/").header("x-probe", "c=read-prop"),
        &Upstream::default(),
    )?;
    assert_eq!(next.upstream().header("x-probe-prop"), Some("<none>"));
    Ok(())
}

#[test]
fn set_envoy_filter_state_foreign_function_writes_the_unprefixed_key() -> TestResult {
    let chain = three_probes()?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "a=filter-state:abc"),
        &Upstream::default(),
    )?;
    assert_eq!(out.filter_state_str("probe.fs").as_deref(), Some("abc"));
    assert!(!out
        .logs_containing("probe filter-state: Ok(None)")
        .is_empty());
    Ok(())
}

#[test]
fn filters_with_the_same_vm_id_share_data_and_others_do_not() -> TestResult {
    let wasm = parapet_harness::dist("probe")?;
    let chain = Chain::builder()
        .filter_spec(FilterSpec::new("a", &wasm).vm_id("shared"))
        .filter_spec(FilterSpec::new("b", &wasm).vm_id("shared"))
        .filter_spec(FilterSpec::new("c", &wasm).vm_id("other"))
        .build()?;
    chain.run(
        &Request::get("/").header("x-probe", "cas"),
        &Upstream::default(),
    )?;
    assert_eq!(
        chain.shared_data("shared", "counter").map(|v| v.0),
        Some(b"2".to_vec())
    );
    assert_eq!(
        chain.shared_data("other", "counter").map(|v| v.0),
        Some(b"1".to_vec())
    );
    Ok(())
}

#[test]
fn duplicate_filter_names_are_rejected() -> TestResult {
    let wasm = parapet_harness::dist("probe")?;
    let err = Chain::builder()
        .filter("a", &wasm, json!({}))
        .filter("a", &wasm, json!({}))
        .build()
        .err()
        .ok_or("expected an error")?;
    assert!(err.to_string().contains("used twice"), "{err}");
    Ok(())
}
