//! Host functions one by one, through the probe module.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use parapet_harness::{
    Chain, FilterSpec, HttpCallRequest, HttpCallResult, Level, Outcome, Reply, Request, Upstream,
};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn probe() -> parapet_harness::Result<Chain> {
    Chain::builder()
        .filter_spec(FilterSpec::new("probe", parapet_harness::dist("probe")?).vm_id("vm1"))
        .build()
}

fn run(chain: &Chain, probe: &str) -> parapet_harness::Result<Outcome> {
    chain.run(
        &Request::post("/v1/x?y=1")
            .header("x-probe", probe)
            .body("hi"),
        &Upstream::default(),
    )
}

fn has(out: &Outcome, line: &str) -> bool {
    out.logs.iter().any(|l| l.message == line)
}

#[test]
fn request_headers_are_unavailable_outside_the_request_headers_phase() -> TestResult {
    let out = run(&probe()?, "req-header-in-body,req-header-in-response")?;
    assert!(has(&out, "probe request header in body status=2"));
    assert!(has(&out, "probe request header in response status=2"));
    assert!(out.trap.is_none());
    Ok(())
}

#[test]
fn header_map_operations() -> TestResult {
    let chain = probe()?;
    let out = chain.run(
        &Request::get("/")
            .header("x-probe", "headers,set-path:/rewritten")
            .header("x-probe-remove-me", "1")
            .header("x-probe-pairs", "P"),
        &Upstream::default(),
    )?;
    let up = out.upstream();
    assert_eq!(up.header(":path"), Some("/rewritten"));
    assert_eq!(up.header("x-probe-replaced"), Some("r1"));
    let multi: Vec<&str> = up
        .headers
        .iter()
        .filter(|(k, _)| k == "x-probe-multi")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(multi, vec!["a", "b"]);
    assert_eq!(up.header("x-probe-upper"), Some("u"));
    assert!(up
        .headers
        .iter()
        .all(|(k, _)| k != "x-probe-remove-me" && k != "X-Probe-Upper"));
    assert_eq!(up.header("x-probe-from-pairs"), Some("P"));
    assert_eq!(up.header("x-request-id").map(str::len), Some(36));
    assert!(!out
        .logs_containing(
            "probe request headers: [\":authority\", \":path\", \":method\", \":scheme\""
        )
        .is_empty());
    Ok(())
}

#[test]
fn properties_have_envoy_values() -> TestResult {
    let out = run(&probe()?, "props")?;
    for line in [
        "probe prop request.path=/v1/x?y=1",
        "probe prop request.url_path=/v1/x",
        "probe prop request.method=POST",
        "probe prop request.host=localhost",
        "probe prop request.scheme=http",
        "probe prop request.protocol=HTTP/1.1",
        "probe prop destination.address=127.0.0.1:10000",
        "probe prop plugin_name=probe",
        "probe prop plugin_root_id=probe",
        "probe prop plugin_vm_id=vm1",
        "probe prop xds.cluster_name=upstream",
        "probe prop node.id=<none>",
        "probe prop metadata.x=<none>",
    ] {
        assert!(has(&out, line), "missing {line:?} in {:#?}", out.logs);
    }
    assert!(!out
        .logs_containing("probe prop request.id=00000000-0000-4000-8000-")
        .is_empty());
    assert!(!out
        .logs_containing("probe prop source.address=127.0.0.1:")
        .is_empty());
    // Integers are 8 bytes little-endian, as Envoy serialises them.
    assert!(!out.logs_containing("len=8").is_empty());
    assert!(!out
        .logs_containing("harness: unimplemented property \"metadata.x\"")
        .is_empty());
    Ok(())
}

#[test]
fn logs_keep_their_levels() -> TestResult {
    let out = run(&probe()?, "log-levels")?;
    let levels: Vec<Level> = out
        .logs_containing("probe level ")
        .iter()
        .map(|l| l.level)
        .collect();
    assert_eq!(
        levels,
        vec![
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error
        ]
    );
    Ok(())
}

#[test]
fn vm_environment_and_vm_configuration_reach_on_vm_start() -> TestResult {
    let chain = Chain::builder()
        .filter_spec(
            FilterSpec::new("probe", parapet_harness::dist("probe")?).vm_config("vm-level-config"),
        )
        .vm_env("PARAPET_SECRET", "s3")
        .build()?;
    let logs = chain.startup_logs();
    assert!(
        logs.iter().any(|l| l.message
            == "probe vm start: vm_config_size=15 vm_config=vm-level-config env=[\"PARAPET_SECRET=s3\"]"),
        "{logs:#?}"
    );
    assert!(logs
        .iter()
        .any(|l| l.message == "probe configured: plugin_name=probe"));
    Ok(())
}

#[test]
fn metrics_counter_gauge_histogram() -> TestResult {
    let chain = probe()?;
    let out = run(&chain, "metrics")?;
    assert!(
        has(&out, "probe metrics counter=Ok(1) gauge=Ok(3) histogram=Err(BadArgument) negative-counter=Err(BadArgument)"),
        "{:#?}",
        out.logs
    );
    assert_eq!(out.metric("probe_requests_total"), Some(1));
    assert_eq!(out.metric("probe_inflight"), Some(3));
    match out.metrics.get("probe_body_bytes") {
        Some(parapet_harness::MetricValue::Histogram(h)) => {
            assert!(h.recent.contains(&42), "{h:?}");
            // Every sample so far is still among the recent ones: count and sum agree with them.
            assert_eq!(h.count as usize, h.recent.len(), "{h:?}");
            assert_eq!(h.sum, h.recent.iter().sum::<u64>(), "{h:?}");
        }
        other => panic!("histogram missing: {other:?}"),
    }
    run(&chain, "")?;
    assert_eq!(chain.metric("probe_requests_total"), Some(2));
    Ok(())
}

#[test]
fn ticks_follow_the_test_clock() -> TestResult {
    let chain = Chain::builder()
        .filter(
            "probe",
            parapet_harness::dist("probe")?,
            json!({"tick_ms": 100}),
        )
        .build()?;
    assert_eq!(chain.metric("probe_ticks_total"), Some(0));
    chain.advance_time(Duration::from_millis(350));
    assert_eq!(chain.metric("probe_ticks_total"), Some(3));
    chain.tick();
    assert_eq!(chain.metric("probe_ticks_total"), Some(4));
    assert_eq!(
        chain
            .take_logs()
            .iter()
            .filter(|l| l.message.starts_with("probe tick at"))
            .count(),
        4
    );
    Ok(())
}

#[test]
fn current_time_is_the_harness_clock_for_both_proxy_and_wasi() -> TestResult {
    let out = run(&probe()?, "time")?;
    let line = out
        .logs_containing("probe time host=")
        .first()
        .map(|l| l.message.clone())
        .ok_or("no time log")?;
    let nums: Vec<u128> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(nums.len(), 2, "{line}");
    assert!(nums[0] > 1_600_000_000_000_000_000, "{line}");
    assert_eq!(nums[0], nums[1], "{line}");
    Ok(())
}

#[test]
fn shared_queue_delivers_to_the_registering_root_context() -> TestResult {
    let out = run(&probe()?, "enqueue:hello")?;
    assert!(has(&out, "probe enqueue: Ok(())"), "{:#?}", out.logs);
    assert!(has(&out, "probe queue item: hello"), "{:#?}", out.logs);
    Ok(())
}

#[test]
fn dispatch_http_call_pauses_then_resumes_with_the_response() -> TestResult {
    let seen: Arc<Mutex<Vec<HttpCallRequest>>> = Arc::default();
    let record = seen.clone();
    let chain = Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .cluster("side", move |req| {
            record.lock().map(|mut v| v.push(req.clone())).ok();
            HttpCallResult::Response(Reply {
                status: 200,
                body: br#"{"side":"ok"}"#.to_vec(),
                ..Reply::default()
            })
        })
        .build()?;
    let out = run(&chain, "call:side")?;
    assert_eq!(out.upstream().header("x-side-status"), Some("200"));
    assert!(
        has(
            &out,
            "probe call 1 response status=200 headers=1 body={\"side\":\"ok\"}"
        ),
        "{:#?}",
        out.logs
    );
    let seen = seen.lock().map_err(|_| "poisoned")?;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header(":path"), Some("/side"));
    assert_eq!(seen[0].body, b"ping");
    assert_eq!(seen[0].timeout_ms, 2000);
    Ok(())
}

#[test]
fn dispatch_http_call_failures() -> TestResult {
    let chain = Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .cluster("down", |_| HttpCallResult::Failure)
        .cluster_reply(
            "side",
            Reply {
                status: 200,
                ..Reply::default()
            },
        )
        .build()?;
    let out = run(&chain, "call:nope")?;
    assert!(has(&out, "probe call nope: Err(BadArgument)"));
    assert!(!out.logs_containing("unknown cluster \"nope\"").is_empty());
    assert!(out.reached_upstream);
    let out = run(&chain, "call:down")?;
    assert!(
        has(&out, "probe call 1 response status=none headers=0 body="),
        "{:#?}",
        out.logs
    );
    let out = run(&chain, "call:side,call-block")?;
    assert_eq!(out.response.status, 403);
    assert_eq!(out.response.body_str(), r#"{"error":"blocked after call"}"#);
    assert!(out.upstream_request.is_none());
    Ok(())
}

#[test]
fn foreign_functions_and_unimplemented_calls_return_errors_and_are_logged() -> TestResult {
    let out = run(&probe()?, "foreign:compress")?;
    assert!(has(&out, "probe foreign compress: Err(NotFound)"));
    assert!(!out
        .logs_containing("harness: unimplemented foreign function \"compress\"")
        .is_empty());
    let out = run(&probe()?, "foreign:no_such_fn")?;
    assert!(has(&out, "probe foreign no_such_fn: Err(NotFound)"));
    assert!(!out
        .logs_containing("harness: unknown foreign function \"no_such_fn\"")
        .is_empty());
    let out = run(&probe()?, "raw-grpc-cancel")?;
    assert!(
        has(&out, "probe raw grpc_cancel status=12"),
        "{:#?}",
        out.logs
    );
    assert!(!out
        .logs_containing(
            "harness: unimplemented host function env.proxy_grpc_cancel called; returned status 12"
        )
        .is_empty());
    let out = run(&probe()?, "random")?;
    assert!(!out.logs_containing("probe random ").is_empty());
    Ok(())
}

#[test]
fn close_stream_resets_the_stream() -> TestResult {
    let out = run(&probe()?, "reset")?;
    assert!(out.response.reset);
    assert_eq!(out.response.status, 0);
    assert!(!out.reached_upstream);
    Ok(())
}

#[test]
fn pause_in_request_headers_holds_the_body_too() -> TestResult {
    let chain = probe()?;
    let mut stream = chain.stream();
    stream.send_request_headers(
        &Request::post("/").header("x-probe", "pause-headers"),
        false,
    );
    stream.send_request_body(b"abc", true);
    assert_eq!(stream.paused_filters(), vec!["probe".to_string()]);
    assert!(stream.upstream_request().is_none());
    let out = stream.finish();
    assert!(out.logs_containing("probe request body").is_empty());
    assert!(!out.logs_containing("never resumed").is_empty());
    Ok(())
}

#[test]
fn trailers_pass_through_the_filter() -> TestResult {
    let out = probe()?.run(
        &Request::post("/")
            .header("x-probe", "body-continue")
            .body("abc")
            .trailer("x-t", "1"),
        &Upstream::default(),
    )?;
    assert!(
        has(&out, "probe request trailers n=1 [(\"x-t\", \"1\")]"),
        "{:#?}",
        out.logs
    );
    let trailers = &out.upstream().trailers;
    assert!(
        trailers.contains(&("x-probe-trailer".to_string(), "probe".to_string())),
        "{trailers:?}"
    );
    Ok(())
}

#[test]
fn stdout_and_stderr_become_info_and_error_logs() -> TestResult {
    let out = run(&probe()?, "stdio")?;
    let stdout = out.logs_containing("probe stdout line");
    let stderr = out.logs_containing("probe stderr line");
    assert_eq!(stdout.len(), 1);
    assert_eq!(stdout[0].message, "probe stdout line");
    assert_eq!(stdout[0].level, Level::Info);
    assert_eq!(stderr[0].level, Level::Error);
    Ok(())
}

#[test]
fn proc_exit_is_a_trap() -> TestResult {
    let out = run(&probe()?, "exit:3")?;
    let trap = out.trap.ok_or("no trap")?;
    assert!(trap.message.contains("proc_exit(3)"), "{}", trap.message);
    assert_eq!(out.response.status, 503);
    Ok(())
}

#[test]
fn proxy_done_answers_ok() -> TestResult {
    let out = run(&probe()?, "done")?;
    assert!(has(&out, "probe done: Ok(())"), "{:#?}", out.logs);
    Ok(())
}

#[test]
fn response_trailers_reach_the_filter_and_the_client() -> TestResult {
    let out = probe()?.run(
        &Request::get("/"),
        &Upstream::text(200, "body").trailer("grpc-status", "0"),
    )?;
    assert!(has(&out, "probe response trailers n=1"), "{:#?}", out.logs);
    assert_eq!(
        out.response.trailers,
        vec![("grpc-status".to_string(), "0".to_string())]
    );
    assert_eq!(out.response.body_str(), "body");
    Ok(())
}

#[test]
fn a_held_http_call_keeps_the_request_paused_until_the_test_answers_it() -> TestResult {
    let chain = Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .cluster("slow", |_| HttpCallResult::Hold)
        .build()?;
    let mut stream = chain.stream();
    stream.send_request(&Request::post("/").header("x-probe", "call:slow").body("b"));
    assert!(stream.upstream_request().is_none());
    assert_eq!(stream.paused_filters(), vec!["probe".to_string()]);
    let held = chain.held_http_calls();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].cluster, "slow");
    assert!(chain
        .complete_http_call(5, HttpCallResult::Failure)
        .is_err());
    chain.complete_http_call(
        0,
        HttpCallResult::Response(Reply {
            status: 204,
            ..Reply::default()
        }),
    )?;
    assert!(
        stream.reached_upstream(),
        "resumed, body delivered after the headers"
    );
    let up = stream.upstream_request().ok_or("no upstream request")?;
    assert_eq!(up.header("x-side-status"), Some("204"));
    assert_eq!(up.body, b"b");
    stream.respond(&Upstream::default())?;
    assert_eq!(stream.finish().response.status, 200);
    Ok(())
}
