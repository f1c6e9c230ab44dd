//! Shared data with CAS across interleaved streams and across worker VMs.

use parapet_harness::{Chain, Request, Upstream};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn a_stale_cas_from_an_interleaved_stream_is_rejected() -> TestResult {
    let chain = Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .build()?;
    chain.run(
        &Request::get("/").header("x-probe", "cas"),
        &Upstream::default(),
    )?;
    // Stream A reads counter=1 with its cas ...
    let mut a = chain.stream();
    a.send_request_headers(&Request::post("/").header("x-probe", "cas-split"), false);
    // ... stream B increments it meanwhile ...
    let b = chain.run(
        &Request::get("/").header("x-probe", "cas"),
        &Upstream::default(),
    )?;
    assert!(!b
        .logs_containing("probe cas retries=0 counter=2")
        .is_empty());
    // ... so A's write with the old cas fails.
    a.send_request_body(b"x", true);
    let a = a.finish();
    assert!(
        !a.logs_containing("probe cas-split write: Err(CasMismatch)")
            .is_empty(),
        "{:#?}",
        a.logs
    );
    assert_eq!(
        chain.shared_data("", "counter").map(|v| v.0),
        Some(b"2".to_vec())
    );
    Ok(())
}

#[test]
fn shared_data_is_shared_by_the_vms_of_every_worker() -> TestResult {
    let chain = Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .workers(2)
        .build()?;
    let first = chain.stream_on_worker(0);
    drop(first);
    let mut s = chain.stream_on_worker(0);
    s.send_request(&Request::get("/").header("x-probe", "cas"));
    s.finish();
    let mut s = chain.stream_on_worker(1);
    s.send_request(&Request::get("/").header("x-probe", "cas"));
    let out = s.finish();
    assert!(
        !out.logs_containing("counter=2").is_empty(),
        "{:#?}",
        out.logs
    );
    // Metrics with the same name add up across workers, as Envoy stats do.
    assert_eq!(chain.metric("probe_requests_total"), Some(2));
    Ok(())
}
