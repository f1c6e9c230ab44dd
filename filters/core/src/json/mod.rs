//! A span-tracking JSON document: navigate a body and learn the exact byte range of
//! every value, without copying or re-serialising anything.
//!
//! ```
//! use parapet_core::{json::Doc, Limits};
//! let body = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"caf\u00e9"}]}"#;
//! let doc = Doc::parse(body, &Limits::default()).unwrap();
//! let content = doc.root().get("messages").index(0).get("content");
//! assert_eq!(content.str().as_deref(), Some("café"));
//! assert_eq!(&body[content.span()], br#""caf\u00e9""#);
//! assert_eq!(doc.pointer("/messages/0/role").str().as_deref(), Some("user"));
//! ```

mod scan;
pub mod shared;
mod string;
mod utf8;

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

pub use scan::Kind;
pub use string::{encode_string, encode_string_into, escape_pointer_token};

use crate::error::{FormatError, Limits};
use crate::view::Text;
use scan::{Node, NONE};

/// A parsed body: the source bytes plus one node per JSON value.
pub struct Doc<'a> {
    src: &'a [u8],
    /// `src` as text: the scanner validated it once, so slices at value and key
    /// boundaries (always ASCII bytes) are text without another check.
    text: &'a str,
    nodes: Vec<Node>,
    /// Decoded text of escaped string values (only for [`Doc::parse_decoded`]);
    /// shared with the [`Text`]s a view takes from it.
    decoded: Arc<Decoded>,
}

impl<'a> Doc<'a> {
    /// Scans `src` (must be one complete JSON value, UTF-8) under `limits`.
    pub fn parse(src: &'a [u8], limits: &Limits) -> Result<Doc<'a>, FormatError> {
        Self::scan(src, limits, false)
    }

    /// Like [`Doc::parse`], decoding escaped string values during the scan: for
    /// callers that read most strings (text views), this saves a second pass over
    /// every escaped literal.
    pub fn parse_decoded(src: &'a [u8], limits: &Limits) -> Result<Doc<'a>, FormatError> {
        Self::scan(src, limits, true)
    }

    fn scan(src: &'a [u8], limits: &Limits, decode: bool) -> Result<Doc<'a>, FormatError> {
        let scan::Scan {
            text,
            nodes,
            decoded,
        } = scan::scan(src, limits, decode)?;
        Ok(Doc {
            src,
            text,
            nodes,
            decoded: Arc::new(Decoded(decoded)),
        })
    }

    /// Like [`Doc::parse`], sharing the scan with the other parsers of this thread in `scope`
    /// when sharing is on ([`shared`]): the nodes of an earlier scan of the same bytes are
    /// copied instead of scanning again.
    pub fn parse_in(scope: u64, src: &'a [u8], limits: &Limits) -> Result<Doc<'a>, FormatError> {
        let Some(key) = shared::key(scope, src) else {
            return Self::parse(src, limits);
        };
        if let Some(nodes) = shared::find(key, scope, limits, src) {
            return Ok(Doc {
                src,
                // The very bytes of a scan that accepted them.
                text: utf8::scanned_text(src),
                nodes,
                decoded: Arc::new(Decoded(String::new())),
            });
        }
        let doc = Self::scan(src, limits, false)?;
        shared::keep(key, scope, limits, src, &doc.nodes);
        Ok(doc)
    }

    pub fn src(&self) -> &'a [u8] {
        self.src
    }

    /// The top-level value.
    pub fn root(&self) -> NodeRef<'_, 'a> {
        NodeRef { doc: self, id: 0 }
    }

    /// Resolves an RFC 6901 JSON Pointer (`""` is the root). Missing → a missing node.
    pub fn pointer(&self, pointer: &str) -> NodeRef<'_, 'a> {
        let mut node = self.root();
        if pointer.is_empty() {
            return node;
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            return NodeRef {
                doc: self,
                id: NONE,
            };
        };
        for raw in rest.split('/') {
            let token = if raw.contains('~') {
                Cow::Owned(raw.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(raw)
            };
            node = match node.kind() {
                Some(Kind::Object) => node.get(&token),
                Some(Kind::Array) => match token.parse::<usize>() {
                    Ok(i) if token == "0" || !token.starts_with('0') => node.index(i),
                    _ => NodeRef {
                        doc: self,
                        id: NONE,
                    },
                },
                _ => NodeRef {
                    doc: self,
                    id: NONE,
                },
            };
        }
        node
    }
}

impl Drop for Doc<'_> {
    fn drop(&mut self) {
        // The decoded buffer goes back by itself, with the last text using it.
        scan::spare::give_back(std::mem::take(&mut self.nodes), String::new());
    }
}

/// The decoded text of a document's escaped string values, shared by the
/// [`Text`]s of a view. When the last user goes, the buffer goes back to the
/// thread's spare for the next scan (a filter parses one body after another; a warm
/// buffer is cheaper than a fresh body-sized one).
pub(crate) struct Decoded(pub String);

impl Drop for Decoded {
    fn drop(&mut self) {
        scan::spare::give_back(Vec::new(), std::mem::take(&mut self.0));
    }
}

/// A value inside a [`Doc`], or a "missing" value (every accessor on it returns
/// `None`/empty), so lookups chain without checks: `root.get("a").index(0).str()`.
#[derive(Clone, Copy)]
pub struct NodeRef<'d, 'a> {
    doc: &'d Doc<'a>,
    id: u32,
}

impl<'d, 'a> NodeRef<'d, 'a> {
    fn node(&self) -> Option<&'d Node> {
        self.doc.nodes.get(self.id as usize)
    }

    fn at(&self, id: u32) -> NodeRef<'d, 'a> {
        NodeRef { doc: self.doc, id }
    }

    pub fn exists(&self) -> bool {
        self.node().is_some()
    }

    pub fn kind(&self) -> Option<Kind> {
        self.node().map(|n| n.kind)
    }

    pub fn is_null(&self) -> bool {
        self.kind() == Some(Kind::Null)
    }

    /// Byte range of the value in the source (empty range when missing).
    pub fn span(&self) -> Range<usize> {
        self.node()
            .map(|n| n.start as usize..n.end as usize)
            .unwrap_or(0..0)
    }

    /// The exact source bytes of the value, as text.
    pub fn raw(&self) -> &'a str {
        self.doc.text.get(self.span()).unwrap_or("")
    }

    /// Decoded text of a string value.
    pub fn str(&self) -> Option<Cow<'a, str>> {
        let n = self.node()?;
        if n.kind != Kind::String {
            return None;
        }
        if n.dec_end != 0 {
            let decoded = self
                .doc
                .decoded
                .0
                .get(n.dec_start as usize..n.dec_end as usize)?;
            return Some(Cow::Owned(decoded.to_owned()));
        }
        if !n.escaped {
            return Some(Cow::Borrowed(self.unescaped(n)));
        }
        let lit: &'a str = self.doc.text.get(n.start as usize..n.end as usize)?;
        Some(string::decode_literal(lit, n.escaped))
    }

    /// The text between the quotes of string literal `n` (no escapes: its decoded
    /// text), borrowed from the source.
    #[inline]
    fn unescaped(&self, n: &Node) -> &'a str {
        let (start, end) = (n.start as usize + 1, n.end as usize);
        self.doc
            .text
            .get(start..end.saturating_sub(1))
            .unwrap_or_default()
    }

    /// Decoded text as a [`Text`]: borrowed from the source when the literal has no
    /// escapes, else a slice of the document's decoded buffer (after
    /// [`Doc::parse_decoded`]) or a fresh decode.
    pub(crate) fn text(&self) -> Option<Text<'a>> {
        let n = self.node()?;
        if n.kind != Kind::String {
            return None;
        }
        if n.dec_end != 0 {
            return Text::shared(&self.doc.decoded, n.dec_start as usize, n.dec_end as usize);
        }
        if !n.escaped {
            return Some(Text::from(self.unescaped(n)));
        }
        let lit: &'a str = self.doc.text.get(n.start as usize..n.end as usize)?;
        Some(string::decode_literal(lit, n.escaped).into())
    }

    /// Decoded text, owned.
    pub fn string(&self) -> Option<String> {
        self.str().map(Cow::into_owned)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind()? {
            Kind::Bool => Some(self.raw() == "true"),
            _ => None,
        }
    }

    /// A non-negative integer (also accepts `12.0` and `1e3`).
    pub fn as_u64(&self) -> Option<u64> {
        if self.kind()? != Kind::Number {
            return None;
        }
        let raw = self.raw();
        if let Ok(v) = raw.parse::<u64>() {
            return Some(v);
        }
        let f = raw.parse::<f64>().ok()?;
        if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 {
            Some(f as u64)
        } else {
            None
        }
    }

    /// Member `key` of an object.
    pub fn get(&self, key: &str) -> NodeRef<'d, 'a> {
        let [v] = self.get_many([key]);
        v
    }

    /// Members `keys[k]` of an object, found in one pass over its members (the same
    /// result as calling [`NodeRef::get`] for each key; keys are unique, the scanner
    /// rejects duplicates).
    ///
    /// Inline: the format readers call it with literal keys, so each comparison
    /// becomes a length test and a word compare, without touching the key bytes of
    /// members whose length differs.
    #[inline]
    pub fn get_many<const N: usize>(&self, keys: [&str; N]) -> [NodeRef<'d, 'a>; N] {
        let mut found = [self.at(NONE); N];
        let nodes = &self.doc.nodes;
        let Some(object) = nodes.get(self.id as usize) else {
            return found;
        };
        if object.kind != Kind::Object {
            return found;
        }
        let src = self.doc.src;
        let mut missing = N;
        let mut child = object.first_child;
        while let Some(n) = nodes.get(child as usize) {
            if n.key_escaped {
                // Rare: compare the decoded key.
                let key = self.at(child).key().unwrap_or_default();
                match_key(key.as_bytes(), child, &keys, &mut found, &mut missing);
            } else {
                // Unescaped keys compare as raw bytes between the quotes.
                let (start, end) = (n.key_start as usize + 1, n.key_end as usize);
                let raw = src.get(start..end.saturating_sub(1)).unwrap_or_default();
                match_key(raw, child, &keys, &mut found, &mut missing);
            }
            if missing == 0 {
                break;
            }
            child = n.next_sibling;
        }
        found
    }

    /// The first present member among `keys` (e.g. camelCase and snake_case spellings).
    pub fn get_any(&self, keys: &[&str]) -> NodeRef<'d, 'a> {
        for key in keys {
            let v = self.get(key);
            if v.exists() {
                return v;
            }
        }
        self.at(NONE)
    }

    /// Element `i` of an array.
    pub fn index(&self, i: usize) -> NodeRef<'d, 'a> {
        if self.kind() != Some(Kind::Array) {
            return self.at(NONE);
        }
        self.children().nth(i).unwrap_or(self.at(NONE))
    }

    /// Children of an array or object (values), in order.
    pub fn children(&self) -> Children<'d, 'a> {
        let next = match self.node() {
            Some(n) if matches!(n.kind, Kind::Array | Kind::Object) => n.first_child,
            _ => NONE,
        };
        Children {
            doc: self.doc,
            next,
        }
    }

    /// Array elements (empty for non-arrays).
    pub fn items(&self) -> Children<'d, 'a> {
        if self.kind() == Some(Kind::Array) {
            self.children()
        } else {
            Children {
                doc: self.doc,
                next: NONE,
            }
        }
    }

    /// Object members as (decoded key, value) (empty for non-objects).
    pub fn members(&self) -> impl Iterator<Item = (Cow<'a, str>, NodeRef<'d, 'a>)> + 'd {
        let children = if self.kind() == Some(Kind::Object) {
            self.children()
        } else {
            Children {
                doc: self.doc,
                next: NONE,
            }
        };
        children.map(|v| (v.key().unwrap_or(Cow::Borrowed("")), v))
    }

    /// The decoded key under which this value sits in its parent object.
    pub fn key(&self) -> Option<Cow<'a, str>> {
        let n = self.node()?;
        if n.key_end == 0 {
            return None;
        }
        let lit: &'a str = self
            .doc
            .text
            .get(n.key_start as usize..n.key_end as usize)?;
        Some(string::decode_literal(lit, n.key_escaped))
    }

    /// Byte range of this member's key literal, if this value is an object member.
    pub fn key_span(&self) -> Option<Range<usize>> {
        let n = self.node()?;
        (n.key_end != 0).then_some(n.key_start as usize..n.key_end as usize)
    }

    /// Number of children of an array or object.
    pub fn len(&self) -> usize {
        self.children().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every string value in this subtree (including this node), in document order,
    /// with its JSON Pointer relative to this node. Iterative: depth is bounded by the
    /// scanner's limit, not by the call stack.
    pub fn strings(&self) -> Vec<(String, NodeRef<'d, 'a>)> {
        let mut out = Vec::new();
        if !self.exists() {
            return out;
        }
        let mut stack: Vec<(String, NodeRef<'d, 'a>)> = vec![(String::new(), *self)];
        while let Some((path, node)) = stack.pop() {
            match node.kind() {
                Some(Kind::String) => out.push((path, node)),
                Some(Kind::Array) => {
                    let kids: Vec<_> = node.children().collect();
                    for (i, child) in kids.into_iter().enumerate().rev() {
                        stack.push((format!("{path}/{i}"), child));
                    }
                }
                Some(Kind::Object) => {
                    let kids: Vec<_> = node.members().collect();
                    for (k, child) in kids.into_iter().rev() {
                        stack.push((format!("{path}/{}", escape_pointer_token(&k)), child));
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// Records member `child` (key `raw`) in `found` under the key it equals, if any.
#[inline(always)]
fn match_key<const N: usize>(
    raw: &[u8],
    child: u32,
    keys: &[&str; N],
    found: &mut [NodeRef<'_, '_>; N],
    missing: &mut usize,
) {
    for (slot, key) in found.iter_mut().zip(keys) {
        if raw == key.as_bytes() && slot.id == NONE {
            slot.id = child;
            *missing -= 1;
        }
    }
}

/// Iterator over the children of a container.
pub struct Children<'d, 'a> {
    doc: &'d Doc<'a>,
    next: u32,
}

impl<'d, 'a> Iterator for Children<'d, 'a> {
    type Item = NodeRef<'d, 'a>;
    fn next(&mut self) -> Option<Self::Item> {
        let n = self.doc.nodes.get(self.next as usize)?;
        let cur = NodeRef {
            doc: self.doc,
            id: self.next,
        };
        self.next = n.next_sibling;
        Some(cur)
    }
}

/// Checks that `raw` is exactly one valid JSON value (used before splicing raw JSON in).
pub fn validate(raw: &[u8], limits: &Limits) -> Result<(), FormatError> {
    let scan = scan::scan(raw, limits, false)?;
    scan::spare::give_back(scan.nodes, scan.decoded);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FormatErrorKind;

    fn parse(s: &str) -> Result<Doc<'_>, FormatError> {
        Doc::parse(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn spans_cover_exact_literals() {
        let s = r#" { "a" : [1, -2.5e+3, true, null, "x\"y"], "b":{} } "#;
        let doc = parse(s).unwrap();
        let a = doc.root().get("a");
        assert_eq!(&s[a.span()], r#"[1, -2.5e+3, true, null, "x\"y"]"#);
        assert_eq!(a.len(), 5);
        assert_eq!(a.index(1).raw(), "-2.5e+3");
        assert_eq!(a.index(4).str().as_deref(), Some("x\"y"));
        assert_eq!(&s[a.key_span().unwrap()], "\"a\"");
        assert!(doc.root().get("b").is_empty());
        assert!(!doc.root().get("zzz").exists());
    }

    #[test]
    fn errors_have_offsets() {
        let cases = [
            (r#"{"a" 1}"#, 5, "expected ':'"),
            (r#"{"a":1,}"#, 7, "expected '\"' (object key)"),
            (r#"[1 2]"#, 3, "expected ',' or ']'"),
            (r#"[1,]"#, 3, "expected a value"),
            (r#"{"a":tru}"#, 5, "expected a value"),
            (r#"{"a":"x"#, 7, "unexpected end of input in string"),
            (r#"{"a":01}"#, 6, "expected ',' or '}'"),
            ("\"a\u{1}\"", 2, "control character in string"),
            (r#""\x""#, 1, "invalid escape in string"),
            (r#""\u12g4""#, 5, "expected 4 hex digits after \\u"),
            (r#""\ug""#, 3, "expected 4 hex digits after \\u"),
            (r#""\u1""#, 4, "expected 4 hex digits after \\u"),
            (r#""\u12"#, 5, "unexpected end of input in string"),
            (r#""\u"#, 3, "unexpected end of input in string"),
            ("{} x", 3, "expected end of input"),
            ("", 0, "unexpected end of input"),
            ("-", 1, "expected a digit"),
            (r#"{"a":1,"b":2,"a":3}"#, 13, "duplicate object key"),
            (r#"{"a":1,"\u0061":3}"#, 7, "duplicate object key"),
            (r#"[{"k":{"x":1,"x":1}}]"#, 13, "duplicate object key"),
            ("1.", 2, "expected a digit after '.'"),
        ];
        for (input, offset, what) in cases {
            let e = parse(input)
                .err()
                .unwrap_or_else(|| panic!("{input} parsed"));
            assert_eq!(e, FormatError::json(offset, what), "input {input}");
        }
        let e = parse(r#"{"a" 1}"#).err().unwrap();
        assert_eq!(e.to_string(), "invalid JSON at byte 5: expected ':'");
    }

    #[test]
    fn duplicate_keys_in_large_objects_are_found() {
        let mut body = String::from("{");
        for i in 0..100 {
            body.push_str(&format!("\"k{i}\":{i},"));
        }
        body.push_str("\"k42\":0}");
        let e = parse(&body).err().unwrap();
        assert_eq!(e.kind, FormatErrorKind::InvalidJson("duplicate object key"));
        assert_eq!(&body[e.offset..e.offset + 5], "\"k42\"");
        assert!(parse(&body.replace("\"k42\":0}", "\"k100\":0}")).is_ok());
    }

    #[test]
    fn invalid_utf8_reports_offset() {
        let e = Doc::parse(b"{\"a\":\"\xff\"}", &Limits::default())
            .err()
            .unwrap();
        assert_eq!(e, FormatError::new(6, FormatErrorKind::InvalidUtf8));
    }

    #[test]
    fn invalid_utf8_wins_over_any_json_error() {
        // Wherever the bad byte is (in a key, outside strings, after a syntax error,
        // in a decoded string), the error is the first bad byte's offset, as if the
        // whole body were validated first.
        let utf8 = |at| Err(FormatError::new(at, FormatErrorKind::InvalidUtf8));
        let cases: [(&[u8], usize); 7] = [
            (b"{\"k\xc3\":1}", 3),
            (b"[1,\xe2\x82]", 3),
            (b"[1,]\xff", 4),
            (b"{\"a\":tru \"\xed\xa0\x80\"}", 10),
            (b"[\"\\n\xf4\x90\x80\x80\"]", 4),
            (b"[\"\xc0\xaf\"", 2),
            (b"[\"\xf0\x9f\x98\"]", 2),
        ];
        for (body, at) in cases {
            let got = Doc::parse(body, &Limits::default()).map(|_| ());
            assert_eq!(got, utf8(at), "{body:02x?}");
            let got = Doc::parse_decoded(body, &Limits::default()).map(|_| ());
            assert_eq!(got, utf8(at), "{body:02x?}");
        }
        // Valid multibyte text in keys and decoded strings still parses.
        let doc = Doc::parse_decoded("{\"日\":\"é\\n😀\"}".as_bytes(), &Limits::default());
        assert!(doc.is_ok());
    }

    #[test]
    fn strings_of_random_bytes_are_accepted_exactly_when_utf8() {
        // Random bytes (no quote, backslash or control byte, so only UTF-8 decides)
        // in a string value, a key and after an escape: the parse fails exactly when
        // std rejects the body, at std's offset.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: [&[u8]; 5] = [
            b"ab",
            "é".as_bytes(),
            "日".as_bytes(),
            "😀".as_bytes(),
            b"x",
        ];
        let mut invalid = 0;
        for round in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..next() % 12 {
                let r = next();
                if r % 3 == 0 {
                    let b = (r >> 8) as u8;
                    if b >= 0x20 && b != b'"' && b != b'\\' {
                        text.push(b);
                    }
                } else {
                    text.extend_from_slice(pieces[(r >> 8) as usize % pieces.len()]);
                }
            }
            let mut body = match round % 3 {
                0 => b"[\"".to_vec(),
                1 => b"{\"".to_vec(),
                _ => b"[\"\\n".to_vec(),
            };
            body.extend_from_slice(&text);
            body.extend_from_slice(if round % 3 == 1 { b"\":0}" } else { b"\"]" });
            let expected = std::str::from_utf8(&body)
                .map(|_| ())
                .map_err(|e| FormatError::new(e.valid_up_to(), FormatErrorKind::InvalidUtf8));
            invalid += usize::from(expected.is_err());
            let got = Doc::parse_decoded(&body, &Limits::default()).map(|_| ());
            assert_eq!(got, expected, "{body:02x?}");
        }
        assert!(
            (1000..19_000).contains(&invalid),
            "{invalid} invalid bodies"
        );
    }

    #[test]
    fn depth_and_size_limits() {
        let limits = Limits {
            max_depth: 3,
            max_bytes: 100,
        };
        assert!(Doc::parse(b"[[[1]]]", &limits).is_ok());
        let e = Doc::parse(b"[[[[1]]]]", &limits).err().unwrap();
        assert_eq!(e, FormatError::new(3, FormatErrorKind::TooDeep(3)));
        let big = vec![b' '; 101];
        let e = Doc::parse(&big, &limits).err().unwrap();
        assert_eq!(e.kind, FormatErrorKind::TooLarge(100));
        // Deep nesting far beyond the stack is rejected without recursion.
        let deep = "[".repeat(1_000_000);
        let e = Doc::parse(deep.as_bytes(), &Limits::default())
            .err()
            .unwrap();
        assert_eq!(e.kind, FormatErrorKind::TooDeep(128));
    }

    #[test]
    fn pointers_resolve_with_escapes() {
        let s = r#"{"a/b":{"m~n":[10,20]},"":1}"#;
        let doc = parse(s).unwrap();
        assert_eq!(doc.pointer("/a~1b/m~0n/1").raw(), "20");
        assert_eq!(doc.pointer("/").raw(), "1");
        assert!(!doc.pointer("/a~1b/m~0n/01").exists());
        assert!(!doc.pointer("a").exists());
        assert_eq!(doc.pointer("").span(), 0..s.len());
    }

    #[test]
    fn strings_walk_yields_pointers_in_order() {
        let s = r#"{"a":["x",{"b~":"y"}],"c":"z","n":1}"#;
        let doc = parse(s).unwrap();
        let got: Vec<_> = doc
            .root()
            .strings()
            .into_iter()
            .map(|(p, n)| (p, n.string().unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/a/0".to_string(), "x".to_string()),
                ("/a/1/b~0".to_string(), "y".to_string()),
                ("/c".to_string(), "z".to_string())
            ]
        );
    }

    #[test]
    fn decoding_during_the_scan_matches_decoding_on_demand() {
        let literals = [
            r#""plain""#,
            r#""""#,
            r#""a\"b\\c\/\b\f\n\r\t""#,
            r#""caf\u00e9 \ud83d\ude00 end""#,
            r#""\ud800""#,
            r#""x\ud800y""#,
            r#""\udc00\ud800""#,
            r#""\ud800\u0041""#,
            r#""\ud800\ud800\udc00""#,
            r#""日本 \u65e5\n語""#,
            r#""\u0000\u001f""#,
            r#""\ud83d\ude00\ud83d""#,
        ];
        for lit in literals {
            let body = format!(r#"{{"k":[{lit},{{"x":{lit}}}]}}"#);
            let plain = parse(&body).unwrap();
            let fused = Doc::parse_decoded(body.as_bytes(), &Limits::default()).unwrap();
            for p in ["/k/0", "/k/1/x"] {
                let want = plain.pointer(p).string();
                assert!(want.is_some(), "{lit}");
                assert_eq!(fused.pointer(p).string(), want, "{lit} at {p}");
                assert_eq!(fused.pointer(p).span(), plain.pointer(p).span());
            }
        }
        // Invalid escapes fail the same way with or without decoding.
        for bad in [
            r#"["\ud800\udc0g"]"#,
            r#"["\ud800\u"]"#,
            r#"["\ud800\"]"#,
            r#"["\q"]"#,
            r#"["\u12"]"#,
            r#"["a\ud800"#,
        ] {
            let plain = parse(bad).err();
            let fused = Doc::parse_decoded(bad.as_bytes(), &Limits::default()).err();
            assert!(plain.is_some(), "{bad}");
            assert_eq!(fused, plain, "{bad}");
        }
    }

    #[test]
    fn reused_buffers_never_leak_an_earlier_document() {
        let first = br#"{"a":"long \n text that fills the decoded arena \u00e9","b":[1,2,3]}"#;
        let second = br#"{"a":"\tx"}"#;
        let limits = Limits::default();
        // Sequential: the second scan gets the first one's buffers.
        let a = Doc::parse_decoded(first, &limits).unwrap();
        assert_eq!(a.pointer("/b/2").raw(), "3");
        drop(a);
        let b = Doc::parse_decoded(second, &limits).unwrap();
        assert_eq!(b.pointer("/a").str().as_deref(), Some("\tx"));
        assert!(!b.pointer("/b").exists());
        // Overlapping: a document alive while another is scanned and dropped.
        let c = Doc::parse_decoded(first, &limits).unwrap();
        assert!(validate(second, &limits).is_ok());
        let d = Doc::parse_decoded(second, &limits).unwrap();
        drop(d);
        assert_eq!(
            c.pointer("/a").str().as_deref(),
            Some("long \n text that fills the decoded arena é")
        );
        assert_eq!(b.pointer("/a").str().as_deref(), Some("\tx"));
    }

    #[test]
    fn escaped_keys_match_decoded() {
        let s = r#"{"c\u006fntent":"hi"}"#;
        let doc = parse(s).unwrap();
        assert_eq!(doc.root().get("content").str().as_deref(), Some("hi"));
    }

    #[test]
    fn get_many_agrees_with_get_member_by_member() {
        let s = r#"{"role":"user","c\u006fntent":"hi","name":null,"rolex":1,"":2,"tool_calls":[]}"#;
        let doc = parse(s).unwrap();
        let root = doc.root();
        let keys = [
            "content",
            "role",
            "",
            "missing",
            "tool_calls",
            "rolex",
            "rol",
        ];
        let found = root.get_many(keys);
        for (key, got) in keys.iter().zip(found) {
            assert_eq!(got.span(), root.get(key).span(), "{key}");
            assert_eq!(got.exists(), *key != "missing" && *key != "rol", "{key}");
        }
        assert_eq!(found[0].str().as_deref(), Some("hi"));
        assert_eq!(found[5].raw(), "1");
        // Not an object: nothing found.
        assert!(!root.get("role").get_many(["role"])[0].exists());
    }
}
