//! Response bodies: streaming per chunk, buffering, in-place rewrites, Content-Length rules.

use parapet_harness::{Chain, Request, Upstream};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn probe() -> parapet_harness::Result<Chain> {
    Chain::builder()
        .filter("probe", parapet_harness::dist("probe")?, json!({}))
        .build()
}

const SSE: [&str; 4] = [
    "data: {\"d\":\"a\"}\n\n",
    "data: {\"d\":\"the sec",
    "ret\"}\n\n",
    "data: [DONE]\n\n",
];

fn chunks(out: &parapet_harness::Outcome) -> Vec<String> {
    out.response
        .chunks
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

#[test]
fn continue_streams_every_chunk_to_the_client_as_it_arrives() -> TestResult {
    let out = probe()?.run(&Request::get("/"), &Upstream::sse(200, SSE.to_vec()))?;
    assert_eq!(chunks(&out), vec![SSE[0], SSE[1], SSE[2], SSE[3], ""]);
    assert_eq!(
        out.response.header("content-type"),
        Some("text/event-stream")
    );
    Ok(())
}

#[test]
fn sse_aligned_pausing_holds_a_split_event_until_it_is_whole() -> TestResult {
    let out = probe()?.run(
        &Request::get("/").header("x-probe", "resp-sse"),
        &Upstream::sse(200, SSE.to_vec()),
    )?;
    assert_eq!(
        chunks(&out),
        vec![
            SSE[0],
            "",
            "data: {\"d\":\"the [REDACTED]\"}\n\n",
            SSE[3],
            ""
        ]
    );
    Ok(())
}

#[test]
fn pause_until_end_of_stream_delivers_everything_at_the_end() -> TestResult {
    let out = probe()?.run(
        &Request::get("/").header("x-probe", "resp-buffer"),
        &Upstream::sse(200, SSE.to_vec()),
    )?;
    let got = chunks(&out);
    assert_eq!(&got[..4], &["", "", "", ""]);
    assert_eq!(got[4], SSE.concat().replace("secret", "[REDACTED]"));
    assert_eq!(out.response.header("content-length"), None);
    Ok(())
}

#[test]
fn a_rewrite_that_keeps_a_stale_content_length_truncates_the_upstream_body() -> TestResult {
    let chain = probe()?;
    let kept = chain.run(
        &Request::post("/")
            .header("x-probe", "append-chunk:XYZ")
            .body("hello"),
        &Upstream::default(),
    )?;
    assert_eq!(kept.upstream().body_str(), "hello");
    assert!(!kept
        .logs_containing("longer than its content-length 5")
        .is_empty());
    let removed = chain.run(
        &Request::post("/")
            .header("x-probe", "append-chunk:XYZ,remove-cl")
            .body("hello"),
        &Upstream::default(),
    )?;
    // set_buffer_bytes(start=len) appends; on the empty end-of-stream call start 0 prepends.
    assert_eq!(removed.upstream().body_str(), "helloXYZXYZ");
    Ok(())
}

#[test]
fn set_buffer_bytes_at_zero_with_size_zero_prepends() -> TestResult {
    let out = probe()?.run(
        &Request::post("/")
            .header("x-probe", "body-prefix:PRE-,remove-cl")
            .body("body"),
        &Upstream::default(),
    )?;
    assert_eq!(out.upstream().body_str(), "PRE-body");
    Ok(())
}

#[test]
fn in_place_chunk_rewrite_streams() -> TestResult {
    let out = probe()?.run(
        &Request::get("/").header("x-probe", "resp-upper"),
        &Upstream::text(200, "abc def").chunks(vec![3]),
    )?;
    assert_eq!(chunks(&out), vec!["ABC", " DEF", ""]);
    Ok(())
}

#[test]
fn a_local_reply_from_the_response_path_replaces_the_upstream_answer() -> TestResult {
    let out = probe()?.run(
        &Request::get("/").header("x-probe", "block-response"),
        &Upstream::json(200, r#"{"secret":1}"#),
    )?;
    assert!(out.reached_upstream);
    assert_eq!(out.response.status, 502);
    assert_eq!(
        out.response.body_str(),
        r#"{"error":"blocked in response"}"#
    );
    Ok(())
}

#[test]
fn the_low_level_stream_api_records_each_step() -> TestResult {
    let chain = probe()?;
    let mut s = chain.stream();
    s.send_request(&Request::get("/").header("x-probe", "resp-buffer"));
    assert!(s.reached_upstream());
    assert!(
        s.send_response_body(b"x", false).is_err(),
        "headers must come first"
    );
    s.send_response_headers(200, vec![], false)?;
    s.send_response_body(b"my secret", false)?;
    assert_eq!(s.response().body, b"");
    s.send_response_body(b"", true)?;
    assert_eq!(s.response().body_str(), "my [REDACTED]");
    assert_eq!(
        s.finish().response.chunks,
        vec![b"".to_vec(), b"my [REDACTED]".to_vec()]
    );
    Ok(())
}
