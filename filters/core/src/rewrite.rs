//! Byte-exact rewriting: change chosen values, keep every other byte.

use std::ops::Range;

use crate::error::{FormatError, FormatErrorKind, Limits};
use crate::json::{self, encode_string_into, Doc, Kind};

/// Replace the decoded text of the string literal at `span` (quotes included) by `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Range<usize>,
    pub text: String,
}

impl Edit {
    pub fn new(span: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            span,
            text: text.into(),
        }
    }
}

/// Applies string edits. Spans must be string literals of `body` (as given by
/// segments and deltas) and must not overlap; they may come in any order. Bytes
/// outside the spans are copied unchanged; new texts are JSON-escaped. An edit whose
/// text equals the literal's decoded text leaves the original bytes (and escapes) alone.
pub fn apply_edits(body: &[u8], edits: &[Edit]) -> Result<Vec<u8>, FormatError> {
    let mut order: Vec<&Edit> = edits.iter().collect();
    order.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out =
        Vec::with_capacity(body.len() + edits.iter().map(|e| e.text.len()).sum::<usize>());
    let mut pos = 0;
    for e in order {
        let Range { start, end } = e.span.clone();
        if start < pos {
            return Err(FormatError::edit(start, "edits overlap"));
        }
        let current = check_string_literal(body, &e.span)?;
        out.extend_from_slice(&body[pos..start]);
        let lit = &body[start..end];
        if current == e.text {
            out.extend_from_slice(lit);
        } else {
            encode_string_into(&e.text, &mut out);
        }
        pos = end;
    }
    out.extend_from_slice(&body[pos..]);
    Ok(out)
}

/// Verifies that `span` is exactly one JSON string literal inside `body`; returns its text.
fn check_string_literal(body: &[u8], span: &Range<usize>) -> Result<String, FormatError> {
    if span.end > body.len() || span.start > span.end {
        return Err(FormatError::edit(span.start, "span outside the body"));
    }
    let lit = &body[span.clone()];
    if lit.len() < 2 || lit[0] != b'"' || lit[lit.len() - 1] != b'"' {
        return Err(FormatError::edit(
            span.start,
            "span is not a JSON string literal",
        ));
    }
    match Doc::parse(lit, &Limits::default()) {
        Ok(d) if d.root().kind() == Some(Kind::String) => Ok(d.root().string().unwrap_or_default()),
        _ => Err(FormatError::edit(
            span.start,
            "span is not a JSON string literal",
        )),
    }
}

/// Replaces the value at `pointer` with `raw_json` (validated first). Everything else
/// is preserved byte for byte. The body is parsed under [`Limits::default`].
///
/// ```
/// let body = br#"{"model":"gpt-4o", "max_tokens": 4096}"#;
/// let out = parapet_core::replace_value(body, "/max_tokens", "256").unwrap();
/// assert_eq!(out, br#"{"model":"gpt-4o", "max_tokens": 256}"#);
/// ```
pub fn replace_value(body: &[u8], pointer: &str, raw_json: &str) -> Result<Vec<u8>, FormatError> {
    let limits = Limits::default();
    json::validate(raw_json.as_bytes(), &limits)
        .map_err(|e| FormatError::edit(e.offset, format!("replacement is not JSON: {e}")))?;
    let doc = Doc::parse(body, &limits)?;
    let node = doc.pointer(pointer);
    if !node.exists() {
        return Err(FormatError::new(
            0,
            FormatErrorKind::PointerNotFound(pointer.to_string()),
        ));
    }
    let span = node.span();
    Ok(splice(body, span, raw_json.as_bytes()))
}

/// Sets member `key` of the object at `object_pointer` to `raw_json`: replaces the
/// value if the key exists, else appends `"key":raw_json` as the last member.
///
/// ```
/// let body = br#"{"model":"gpt-4o","stream_options":{}}"#;
/// let out = parapet_core::insert_member(body, "/stream_options", "include_usage", "true").unwrap();
/// assert_eq!(out, br#"{"model":"gpt-4o","stream_options":{"include_usage":true}}"#);
/// ```
pub fn insert_member(
    body: &[u8],
    object_pointer: &str,
    key: &str,
    raw_json: &str,
) -> Result<Vec<u8>, FormatError> {
    let limits = Limits::default();
    json::validate(raw_json.as_bytes(), &limits)
        .map_err(|e| FormatError::edit(e.offset, format!("new value is not JSON: {e}")))?;
    let doc = Doc::parse(body, &limits)?;
    let obj = doc.pointer(object_pointer);
    match obj.kind() {
        Some(Kind::Object) => {}
        Some(_) => {
            return Err(FormatError::edit(
                obj.span().start,
                format!("{object_pointer:?} is not an object"),
            ))
        }
        None => {
            return Err(FormatError::new(
                0,
                FormatErrorKind::PointerNotFound(object_pointer.to_string()),
            ))
        }
    }
    let existing = obj.get(key);
    if existing.exists() {
        return Ok(splice(body, existing.span(), raw_json.as_bytes()));
    }
    let mut member = Vec::new();
    let last = obj.children().last();
    if last.is_some() {
        member.push(b',');
    }
    encode_string_into(key, &mut member);
    member.push(b':');
    member.extend_from_slice(raw_json.as_bytes());
    let at = match last {
        Some(l) => l.span().end,
        None => obj.span().start + 1,
    };
    Ok(splice(body, at..at, &member))
}

fn splice(body: &[u8], span: Range<usize>, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + with.len());
    out.extend_from_slice(&body[..span.start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&body[span.end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_overlap_and_non_strings() {
        let body = br#"{"a":"xyz","b":12}"#;
        let e = apply_edits(body, &[Edit::new(5..10, "q"), Edit::new(6..8, "r")]).unwrap_err();
        assert_eq!(e.kind, FormatErrorKind::InvalidEdit("edits overlap".into()));
        let e = apply_edits(body, &[Edit::new(15..17, "q")]).unwrap_err();
        assert_eq!(e.offset, 15);
        let e = apply_edits(body, &[Edit::new(5..100, "q")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid edit at byte 5: span outside the body"
        );
        // A span covering two strings is not one literal.
        let body = br#"["a","b"]"#;
        assert!(apply_edits(body, &[Edit::new(1..8, "q")]).is_err());
    }

    #[test]
    fn insert_member_into_empty_and_existing() {
        let out = insert_member(br#"{ }"#, "", "k", "1").unwrap();
        assert_eq!(out, br#"{"k":1 }"#);
        let out = insert_member(br#"{"k" : 5 ,"z":0}"#, "", "k", "1").unwrap();
        assert_eq!(out, br#"{"k" : 1 ,"z":0}"#);
        assert!(insert_member(br#"{"a":[]}"#, "/a", "k", "1").is_err());
        assert!(insert_member(br#"{"a":{}}"#, "/a", "k", "nope").is_err());
        assert!(insert_member(br#"{"a":{}}"#, "/b", "k", "1").is_err());
    }
}
