//! The Kong / ngx_wasm_module host profile: the differences from Envoy recorded in
//! `shared/hosts/kong-ngx-wasm-module.md`, each observable by a filter.

use parapet_harness::{Chain, FilterSpec, HostProfile, KongLimits, Outcome, Request, Upstream};
use serde_json::{json, Value};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn kong(config: Value) -> parapet_harness::Result<Chain> {
    let mut config = config;
    config["configure_props"] = json!(false);
    Chain::builder()
        .profile(HostProfile::Kong)
        .filter("probe", parapet_harness::dist("probe")?, config)
        .build()
}

fn lines(out: &Outcome, prefix: &str) -> Vec<String> {
    out.logs_containing(prefix)
        .iter()
        .map(|l| l.message.clone())
        .collect()
}

#[test]
fn request_body_comes_once_with_end_of_stream_and_headers_never_end_the_stream() -> TestResult {
    let out = kong(json!({}))?.run(
        &Request::post("/")
            .header("x-probe", "body-continue")
            .body("abcdefghij")
            .chunks(vec![3, 4]),
        &Upstream::default(),
    )?;
    assert_eq!(
        lines(&out, "probe request body"),
        vec!["probe request body size=10 eos=true"]
    );
    let out = kong(json!({}))?.run(&Request::get("/"), &Upstream::default())?;
    assert!(!lines(&out, "request headers n=")[0].ends_with("eos=true"));
    assert!(out.reached_upstream);
    Ok(())
}

#[test]
fn a_request_body_over_the_client_buffer_is_unreadable_and_passes() -> TestResult {
    let big = format!("{{\"prompt\":\"{}forbidden\"}}", "x".repeat(9000));
    let out = kong(json!({"block_word": "forbidden"}))?
        .run(&Request::post("/").body(big.clone()), &Upstream::default())?;
    assert_eq!(out.response.status, 200, "Kong's fail-open on big bodies");
    assert_eq!(out.upstream().body_str(), big);
    assert!(!out
        .logs_containing("buffered to a file: unreadable")
        .is_empty());
    // With a larger client_body_buffer_size the filter sees it again.
    let chain = Chain::builder()
        .profile(HostProfile::Kong)
        .kong_limits(KongLimits {
            client_body_buffer_size: 1 << 20,
            ..KongLimits::default()
        })
        .filter(
            "probe",
            parapet_harness::dist("probe")?,
            json!({"block_word": "forbidden", "configure_props": false}),
        )
        .build()?;
    assert_eq!(
        chain
            .run(&Request::post("/").body(big), &Upstream::default())?
            .response
            .status,
        403
    );
    Ok(())
}

#[test]
fn body_replacement_is_truncated_to_the_replaced_size() -> TestResult {
    let body = r#"{"prompt":"say foo please"}"#;
    let out = kong(json!({"replace_from": "foo", "replace_to": "FOO_REPLACED"}))?
        .run(&Request::post("/").body(body), &Upstream::default())?;
    let expected = &r#"{"prompt":"say FOO_REPLACED please"}"#[..body.len()];
    assert_eq!(out.upstream().body_str(), expected);
    Ok(())
}

#[test]
fn properties_are_strings_and_plugin_vm_id_is_not_implemented() -> TestResult {
    let out = kong(json!({}))?.run(
        &Request::get("/").header("x-probe", "props"),
        &Upstream::default(),
    )?;
    assert!(!out.logs_containing("source.port(le)=").is_empty());
    assert!(
        !out.logs_containing(" len=5").is_empty(),
        "port as 5 decimal digits: {:#?}",
        out.logs
    );
    assert!(!out
        .logs_containing("unimplemented property \"plugin_vm_id\"")
        .is_empty());
    Ok(())
}

#[test]
fn local_replies_get_a_trailing_newline() -> TestResult {
    let out = kong(json!({"block_word": "forbidden"}))?
        .run(&Request::post("/").body("forbidden"), &Upstream::default())?;
    assert_eq!(out.response.status, 403);
    assert_eq!(
        out.response.body_str(),
        "{\"error\":\"blocked by probe\"}\n"
    );
    assert_eq!(out.response.header("content-length"), Some("29"));
    Ok(())
}

#[test]
fn not_implemented_host_calls_trap_and_the_instance_is_recycled() -> TestResult {
    let chain = kong(json!({}))?;
    let out = chain.run(
        &Request::get("/").header("x-probe", "reset"),
        &Upstream::default(),
    )?;
    assert_eq!(out.response.status, 500);
    let trap = out.trap.ok_or("no trap")?;
    assert!(
        trap.message.contains("function not yet implemented"),
        "{}",
        trap.message
    );
    let next = chain.run(&Request::get("/"), &Upstream::default())?;
    assert_eq!(next.response.status, 200);
    assert_eq!(chain.vm_starts("probe", 0), 2);
    Ok(())
}

#[test]
fn get_property_in_on_configure_crashes_the_worker() -> TestResult {
    let err = Chain::builder()
        .profile(HostProfile::Kong)
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .build()
        .err()
        .ok_or("expected a start failure")?;
    assert!(err.to_string().contains("nginx worker crashed"), "{err}");
    Ok(())
}

/// A minimal ABI 0.2.1 module that imports `env.proxy_get_log_level` as `(i32) -> i32`, as
/// proxy-wasm 0.2.5 does when a filter calls `get_log_level()`.
fn imports_get_log_level() -> Vec<u8> {
    fn section(id: u8, content: &[u8]) -> Vec<u8> {
        let mut s = vec![id, content.len() as u8];
        s.extend_from_slice(content);
        s
    }
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    // types: 0 = (i32) -> i32, 1 = () -> ()
    m.extend(section(1, &[2, 0x60, 1, 0x7f, 1, 0x7f, 0x60, 0, 0]));
    let name = b"proxy_get_log_level";
    let mut import = vec![1, 3, b'e', b'n', b'v', name.len() as u8];
    import.extend_from_slice(name);
    import.extend_from_slice(&[0, 0]);
    m.extend(section(2, &import));
    m.extend(section(3, &[1, 1]));
    let marker = b"proxy_abi_version_0_2_1";
    let mut export = vec![1, marker.len() as u8];
    export.extend_from_slice(marker);
    export.extend_from_slice(&[0, 1]);
    m.extend(section(7, &export));
    m.extend(section(10, &[1, 2, 0, 0x0b]));
    m
}

#[test]
fn get_log_level_import_fails_to_instantiate_on_kong_only() -> TestResult {
    let envoy = Chain::builder()
        .filter_spec(FilterSpec::from_bytes("m", imports_get_log_level()))
        .build();
    assert!(envoy.is_ok(), "{:?}", envoy.err());
    let err = Chain::builder()
        .profile(HostProfile::Kong)
        .filter_spec(FilterSpec::from_bytes("m", imports_get_log_level()))
        .build()
        .err()
        .ok_or("expected a link failure")?;
    assert!(err.to_string().contains("proxy_get_log_level"), "{err}");
    Ok(())
}

#[test]
fn multi_chunk_responses_with_content_length_never_show_end_of_stream() -> TestResult {
    let chain = kong(json!({}))?;
    let out = chain.run(
        &Request::get("/"),
        &Upstream::text(200, "abc def").chunks(vec![3]),
    )?;
    assert_eq!(
        lines(&out, "probe response body"),
        vec![
            "probe response body size=3 eos=false",
            "probe response body size=4 eos=false"
        ]
    );
    assert_eq!(out.response.body_str(), "abc def");
    let out = chain.run(&Request::get("/"), &Upstream::json(200, "{}"))?;
    assert_eq!(
        lines(&out, "probe response body"),
        vec!["probe response body size=2 eos=true"]
    );
    Ok(())
}

#[test]
fn response_buffering_stops_at_the_buffer_cap_and_a_second_pause_is_ignored() -> TestResult {
    let chunk = "x".repeat(999) + "\n";
    let mut body = chunk.repeat(30);
    body.push_str("secret");
    let out = kong(json!({}))?.run(
        &Request::get("/").header("x-probe", "resp-buffer"),
        &Upstream::text(200, &body).chunks(vec![1000; 31]),
    )?;
    let sizes = lines(&out, "probe response body");
    assert_eq!(sizes[0], "probe response body size=1000 eos=false");
    assert_eq!(sizes[1], "probe response body size=17000 eos=false");
    assert!(sizes.iter().all(|l| l.ends_with("eos=false")), "{sizes:#?}");
    assert!(!out
        .logs_containing("second Pause in on_http_response_body ignored")
        .is_empty());
    assert!(
        out.response.body_str().ends_with("secret"),
        "not redacted: the filter never saw the whole body"
    );
    Ok(())
}

#[test]
fn metric_names_carry_the_filter_prefix() -> TestResult {
    let chain = kong(json!({}))?;
    let out = chain.run(&Request::get("/"), &Upstream::default())?;
    assert_eq!(out.metric("pw:probe:probe_requests_total"), Some(1));
    Ok(())
}
