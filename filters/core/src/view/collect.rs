//! Shared helpers that turn JSON nodes into segments.

use super::{JsonPointer, Role, Segment, SegmentKind};
use crate::json::{escape_pointer_token, Kind, NodeRef};

/// Where a text sits in the conversation: role, message and choice index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub role: Role,
    pub msg: Option<usize>,
    pub choice: Option<usize>,
}

impl At {
    pub fn msg(role: Role, msg: usize) -> At {
        At {
            role,
            msg: Some(msg),
            choice: None,
        }
    }
    pub fn top(role: Role) -> At {
        At {
            role,
            msg: None,
            choice: None,
        }
    }
    pub fn choice(choice: usize) -> At {
        At {
            role: Role::Assistant,
            msg: None,
            choice: Some(choice),
        }
    }
    pub fn with_role(self, role: Role) -> At {
        At { role, ..self }
    }
}

/// `base` + `/` + escaped `token` (inline: no allocation for the usual short pointers).
pub(crate) fn ptr(base: &str, token: impl PtrToken) -> JsonPointer {
    token.with_token(|t| JsonPointer::concat(&[base, "/", t]))
}

/// A JSON Pointer reference token: an array index or an object key (escaped per
/// RFC 6901). Written without the `fmt` machinery: pointers are built for every
/// segment.
pub(crate) trait PtrToken {
    /// Calls `f` with the token as text.
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R;
}

impl PtrToken for usize {
    #[inline]
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        if let Some(small) = small_index(*self) {
            return f(small);
        }
        let mut digits = [0u8; 20];
        let at = write_digits(&mut digits, *self);
        f(std::str::from_utf8(&digits[at..]).unwrap_or_default())
    }
}

/// Decimal text of `0..=999`: message and part indices are mostly small, and slicing
/// a table is cheaper than formatting.
#[inline]
fn small_index(n: usize) -> Option<&'static str> {
    if n >= 1000 {
        return None;
    }
    // `n` is the three digits at `3 * n`, less its leading zeros.
    let at = 3 * n + usize::from(n < 100) + usize::from(n < 10);
    INDICES.get(at..3 * n + 3)
}

/// "000001002…999".
const INDICES: &str = {
    const BYTES: [u8; 3000] = {
        let mut t = [0u8; 3000];
        let mut n = 0;
        while n < 1000 {
            t[3 * n] = b'0' + (n / 100) as u8;
            t[3 * n + 1] = b'0' + (n / 10 % 10) as u8;
            t[3 * n + 2] = b'0' + (n % 10) as u8;
            n += 1;
        }
        t
    };
    match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("ASCII digits"),
    }
};

impl PtrToken for str {
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(&escape_pointer_token(self))
    }
}

impl PtrToken for String {
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        self.as_str().with_token(f)
    }
}

impl PtrToken for std::borrow::Cow<'_, str> {
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        self.as_ref().with_token(f)
    }
}

impl<T: PtrToken + ?Sized> PtrToken for &T {
    fn with_token<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        (**self).with_token(f)
    }
}

/// Writes the decimal digits of `n` at the end of `digits`; returns where they start.
fn write_digits(digits: &mut [u8; 20], mut n: usize) -> usize {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    at
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_index(out: &mut String, n: usize) {
    n.with_token(|digits| out.push_str(digits));
}

/// A JSON Pointer given directly or computed only when a segment is actually added
/// (most optional fields are absent; building their pointers would be wasted work).
pub(crate) trait LazyPointer {
    fn into_pointer(self) -> JsonPointer;
}

impl LazyPointer for JsonPointer {
    fn into_pointer(self) -> JsonPointer {
        self
    }
}

impl LazyPointer for String {
    fn into_pointer(self) -> JsonPointer {
        self.into()
    }
}

impl LazyPointer for &str {
    fn into_pointer(self) -> JsonPointer {
        self.into()
    }
}

impl<F: FnOnce() -> P, P: Into<JsonPointer>> LazyPointer for F {
    fn into_pointer(self) -> JsonPointer {
        self().into()
    }
}

#[derive(Default)]
pub(crate) struct Collector<'a> {
    pub segments: Vec<Segment<'a>>,
}

impl<'a> Collector<'a> {
    /// Adds `node` as a segment if it is a string. Returns whether it was.
    pub fn text(
        &mut self,
        node: NodeRef<'_, 'a>,
        at: At,
        kind: SegmentKind,
        pointer: impl LazyPointer,
    ) -> bool {
        let Some(text) = node.text() else {
            return false;
        };
        let pointer = pointer.into_pointer();
        self.segments.push(Segment {
            role: at.role,
            kind,
            message_index: at.msg,
            choice_index: at.choice,
            span: node.span(),
            text,
            pointer,
        });
        true
    }

    /// Adds every string value in the subtree of `node`.
    pub fn all_strings(&mut self, node: NodeRef<'_, 'a>, at: At, kind: SegmentKind, pointer: &str) {
        for (rel, s) in node.strings() {
            self.text(s, at, kind, format!("{pointer}{rel}"));
        }
    }

    /// Adds every `description` string found anywhere in a JSON Schema (and `title`s),
    /// the usual prompt-injection carriers of tool definitions.
    pub fn schema_descriptions(&mut self, schema: NodeRef<'_, 'a>, pointer: &str) {
        for (rel, s) in schema.strings() {
            let last = rel.rsplit('/').next().unwrap_or("");
            if last == "description" || last == "title" {
                self.text(
                    s,
                    At::top(Role::System),
                    SegmentKind::ToolDefinition,
                    format!("{pointer}{rel}"),
                );
            }
        }
    }

    /// Content that is a string or an array of parts: strings become `kind` segments,
    /// parts go to `part` (which handles known part types and returns false for unknown
    /// ones, whose strings are then surfaced as `Other`).
    pub fn content(
        &mut self,
        node: NodeRef<'_, 'a>,
        at: At,
        kind: SegmentKind,
        pointer: &str,
        mut part: impl FnMut(&mut Collector<'a>, NodeRef<'_, 'a>, &str) -> bool,
    ) {
        match node.kind() {
            Some(Kind::String) => {
                self.text(node, at, kind, pointer);
            }
            Some(Kind::Array) => {
                for (j, p) in node.items().enumerate() {
                    let pp = ptr(pointer, j);
                    if p.kind() == Some(Kind::String) {
                        self.text(p, at, kind, pp);
                    } else if !part(self, p, &pp) {
                        self.all_strings(p, at, SegmentKind::Other, &pp);
                    }
                }
            }
            Some(Kind::Object) if !part(self, node, pointer) => {
                self.all_strings(node, at, SegmentKind::Other, pointer);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_tokens_are_decimal() {
        for n in (0..=1200).chain([65_535, usize::MAX]) {
            assert_eq!(n.with_token(str::to_string), n.to_string());
            let mut out = String::from("/m/");
            push_index(&mut out, n);
            assert_eq!(out, format!("/m/{n}"));
        }
    }
}
