//! Ndjson stream decoder: any bytes, any API, split at fuzz-chosen points. Must never
//! panic, must give the same result as a one-shot parse, and events must tile the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_core::{detect, rewrite_event, Framing, Limits, StreamParser};

const PATHS: [&str; 7] = [
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/messages",
    "/v1beta/models/g:streamGenerateContent",
    "/api/chat",
    "/api/generate",
    "/unknown",
];

fn run(
    api: parapet_core::Api,
    chunks: &[&[u8]],
) -> (
    Vec<parapet_core::StreamEvent>,
    Option<parapet_core::FormatError>,
) {
    let mut p = StreamParser::new(
        api,
        Framing::Ndjson,
        Limits {
            max_depth: 64,
            max_bytes: 1 << 16,
        },
    );
    let mut events = Vec::new();
    for c in chunks {
        match p.push(c) {
            Ok(evs) => events.extend(evs),
            Err(e) => return (events, Some(e)),
        }
    }
    match p.finish() {
        Ok(evs) => events.extend(evs),
        Err(e) => return (events, Some(e)),
    }
    (events, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&cut, body)) = rest.split_first() else {
        return;
    };
    let api = detect(PATHS[sel as usize % PATHS.len()], None);
    let whole = run(api, &[body]);
    let at = (cut as usize * body.len()) / 255;
    let split = run(api, &[&body[..at], &body[at..]]);
    assert_eq!(whole, split, "split at {at}");
    if whole.1.is_none() {
        let joined: Vec<u8> = whole.0.iter().flat_map(|e| e.raw.clone()).collect();
        assert_eq!(joined, body);
    }
    for ev in &whole.0 {
        let texts: Vec<(usize, String)> = ev
            .deltas
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.json)
            .map(|(i, _)| (i, format!("x\"{i}")))
            .collect();
        rewrite_event(ev, Framing::Ndjson, &texts).expect("string deltas rewrite");
    }
});
