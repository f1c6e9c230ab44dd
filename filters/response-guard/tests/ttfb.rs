//! The time-to-first-byte cost of the stream hold-back, measured in model output: how much text
//! the model must have produced before the client sees its first byte, per provider format,
//! compared with no hold-back (the first event is forwarded as it arrives).
//!
//! This is a measurement (printed; run with `--nocapture`), plus the behaviour that defines it:
//! the first byte leaves once one window of later text exists, and never before. No timing is
//! asserted. The figures are in `README.md` ("Time to first byte").

mod common;
use common::{chain, ALL};
use serde_json::json;
use std::time::Instant;

/// Token-sized deltas (4 bytes each), one upstream chunk per event; returns the bytes of output
/// the model had produced when the client received its first text byte, and the harness time
/// spent per upstream chunk.
fn first_byte_after(
    c: &parapet_harness::Chain,
    p: common::Provider,
) -> (usize, std::time::Duration) {
    let deltas: Vec<String> = (0..300).map(|i| format!("w{:02} ", i % 100)).collect();
    let refs: Vec<&str> = deltas.iter().map(String::as_str).collect();
    let body = p.body(&refs);
    // About one event per upstream chunk, so the client's view is recorded as output grows.
    let per_event = p.body(&["w00 "]).len() - p.body(&[]).len();
    let pieces: Vec<Vec<u8>> = body.chunks(per_event).map(<[u8]>::to_vec).collect();
    let started = Instant::now();
    let out = common::run_pieces(c, p, "sys", pieces.clone());
    let per_chunk = started.elapsed() / pieces.len() as u32;
    assert_eq!(out.response.body, body, "{p:?}: allowed stream changed");
    let first = out
        .response
        .chunks
        .iter()
        .position(|c| !p.client_view(c).text().is_empty())
        .expect("text reached the client");
    let upstream_end: usize = pieces[..=first].iter().map(Vec::len).sum();
    let produced = p.client_view(&body[..upstream_end]).text().len();
    (produced, per_chunk)
}

#[test]
fn first_byte_leaves_after_one_window_of_output_and_not_before() {
    // Monitor mode changes nothing, so the runtime holds nothing back.
    let monitor = chain(json!({"mode": "monitor"}));
    for p in ALL {
        let (produced, _) = first_byte_after(&monitor, p);
        println!("monitor mode  {p:?}: first byte after {produced} bytes");
        assert!(
            produced <= 8,
            "{p:?}: monitor mode held output back ({produced} bytes)"
        );
    }
    // The window is derived from the active patterns (`{}`: 128 bytes, set by link checks),
    // whatever the cap above it; a longer configured term raises it (2 x 150 + 32 = 332).
    let long_term = "x".repeat(150);
    let cases = [
        (json!({"stream": {"hold_back_bytes": 128}}), 128usize),
        (json!({}), 128),
        (json!({"stream": {"hold_back_bytes": 512}}), 128),
        (
            json!({"stream": {"hold_back_bytes": 512}, "terms": {"violence": [long_term]}}),
            332,
        ),
    ];
    for (config, window) in cases {
        let c = chain(config.clone());
        for p in ALL {
            let (produced, per_chunk) = first_byte_after(&c, p);
            println!(
                "{config} (window {window})  {p:?}: first byte when the model had produced \
                 {produced} bytes (no hold-back: 4); harness {per_chunk:?} per event"
            );
            assert!(
                produced >= window,
                "{p:?}: text left before a window of later output existed ({produced} < {window})"
            );
            assert!(
                produced <= window + 8,
                "{p:?}: first byte held longer than the window ({produced} > {window} + 2 events)"
            );
        }
    }
}
