//! JSON view: any bytes, any API. Must never panic; every segment must point at a
//! string literal holding its text; rewriting every segment must give JSON whose
//! pointers hold the new texts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parapet_core::json::Doc;
use parapet_core::{apply_edits, detect, parse_request, parse_response, Edit, Limits};

const PATHS: [&str; 10] = [
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/messages",
    "/v1beta/models/g:generateContent",
    "/model/m/converse",
    "/api/chat",
    "/api/generate",
    "/unknown",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let api = detect(PATHS[sel as usize % PATHS.len()], Some(body));
    let limits = Limits {
        max_depth: 64,
        max_bytes: 1 << 20,
    };
    let segments = if sel & 0x80 == 0 {
        parse_request(api, body, &limits).map(|v| v.segments)
    } else {
        parse_response(api, body, &limits).map(|v| v.segments)
    };
    let Ok(segments) = segments else { return };
    let doc = Doc::parse(body, &limits).expect("view parsed, doc must too");
    for s in &segments {
        assert_eq!(doc.pointer(&s.pointer).span(), s.span);
        assert_eq!(
            doc.pointer(&s.pointer).string().as_deref(),
            Some(s.text.as_str())
        );
    }
    let edits: Vec<Edit> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| Edit::new(s.span.clone(), format!("{i}\"\\\u{1}é{}", s.text.len())))
        .collect();
    let out = apply_edits(body, &edits).expect("segment edits apply");
    let out_doc = Doc::parse(
        &out,
        &Limits {
            max_depth: 64,
            max_bytes: 1 << 22,
        },
    )
    .expect("rewritten body is JSON");
    for (s, e) in segments.iter().zip(&edits) {
        assert_eq!(
            out_doc.pointer(&s.pointer).string().as_deref(),
            Some(e.text.as_str())
        );
    }
});
