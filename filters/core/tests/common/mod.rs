//! Helpers shared by the integration tests.
#![allow(dead_code)]

use parapet_core::json::Doc;
use parapet_core::{apply_edits, Edit, Limits, Role, Segment, SegmentKind};

pub mod streams;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// (role, kind, message index, text, pointer) — the golden shape of a segment.
pub type Row = (Role, SegmentKind, Option<usize>, String, String);

pub fn rows(segments: &[Segment]) -> Vec<Row> {
    segments
        .iter()
        .map(|s| {
            (
                s.role,
                s.kind,
                s.message_index,
                s.text.to_string(),
                s.pointer.to_string(),
            )
        })
        .collect()
}

pub fn row(role: Role, kind: SegmentKind, msg: Option<usize>, text: &str, pointer: &str) -> Row {
    (role, kind, msg, text.to_string(), pointer.to_string())
}

/// Every segment's span is a string literal that decodes to its text, and its pointer
/// resolves to that same span.
pub fn check_spans(body: &[u8], segments: &[Segment]) {
    let doc = Doc::parse(body, &Limits::default()).unwrap();
    for s in segments {
        let lit = Doc::parse(&body[s.span.clone()], &Limits::default()).unwrap();
        assert_eq!(
            lit.root().string().as_deref(),
            Some(s.text.as_ref()),
            "{s:?}"
        );
        assert_eq!(doc.pointer(&s.pointer).span(), s.span, "pointer of {s:?}");
    }
}

/// Rewrites every segment with a text full of characters that need escaping and checks
/// that (1) the result is JSON, (2) each pointer now holds the new text, (3) every byte
/// outside the edited spans is unchanged, in order.
pub fn check_rewrite_all(body: &[u8], segments: &[Segment]) {
    let edits: Vec<Edit> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Edit::new(
                s.span.clone(),
                format!("R{i} \"q\" \\ \n\t\u{1} é 😀 \u{2028}"),
            )
        })
        .collect();
    let out = apply_edits(body, &edits).unwrap();
    let doc = Doc::parse(&out, &Limits::default()).unwrap();
    for (i, s) in segments.iter().enumerate() {
        assert_eq!(
            doc.pointer(&s.pointer).string().unwrap(),
            format!("R{i} \"q\" \\ \n\t\u{1} é 😀 \u{2028}")
        );
    }
    // Bytes between edits are identical.
    let mut spans: Vec<_> = segments.iter().map(|s| s.span.clone()).collect();
    spans.sort_by_key(|s| s.start);
    let mut out_pos = 0;
    let mut in_pos = 0;
    let mut new_spans: Vec<_> = segments
        .iter()
        .map(|s| doc.pointer(&s.pointer).span())
        .collect();
    new_spans.sort_by_key(|s| s.start);
    for (old, new) in spans.iter().zip(&new_spans) {
        assert_eq!(&body[in_pos..old.start], &out[out_pos..new.start]);
        in_pos = old.end;
        out_pos = new.end;
    }
    assert_eq!(&body[in_pos..], &out[out_pos..]);
    // Identity edits keep the original bytes exactly (escapes included).
    let same: Vec<Edit> = segments
        .iter()
        .map(|s| Edit::new(s.span.clone(), s.text.clone()))
        .collect();
    assert_eq!(apply_edits(body, &same).unwrap(), body);
}
