//! Checks shared by the fuzz targets: a text stream decoder must never panic, must give the
//! same result however its input is split, its events must tile the input, and every string
//! delta must be rewritable.
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
    framing: Framing,
    chunks: &[&[u8]],
) -> (
    Vec<parapet_core::StreamEvent>,
    Option<parapet_core::FormatError>,
) {
    let mut p = StreamParser::new(
        api,
        framing,
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

/// The check shared by the text stream decoders (SSE, NDJSON): the first byte picks an API,
/// the second a split point; the rest is the stream.
pub fn check_text_stream(data: &[u8], framing: Framing) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Some((&cut, body)) = rest.split_first() else {
        return;
    };
    let api = detect(PATHS[sel as usize % PATHS.len()], None);
    let whole = run(api, framing, &[body]);
    let at = (cut as usize * body.len()) / 255;
    let split = run(api, framing, &[&body[..at], &body[at..]]);
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
        rewrite_event(ev, framing, &texts).expect("string deltas rewrite");
    }
}
