//! Shared helpers that turn JSON nodes into segments.

use super::{Role, Segment, SegmentKind};
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

/// `base` + `/` + escaped `token`, in one allocation.
pub(crate) fn ptr(base: &str, token: impl PtrToken) -> String {
    let mut s = String::with_capacity(base.len() + 16);
    s.push_str(base);
    s.push('/');
    token.push_to(&mut s);
    s
}

/// A JSON Pointer reference token: an array index or an object key (escaped per
/// RFC 6901 when pushed). Written directly, without the `fmt` machinery: pointers
/// are built for every segment.
pub(crate) trait PtrToken {
    fn push_to(&self, out: &mut String);
}

impl PtrToken for usize {
    fn push_to(&self, out: &mut String) {
        push_index(out, *self);
    }
}

impl PtrToken for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(&escape_pointer_token(self));
    }
}

impl PtrToken for String {
    fn push_to(&self, out: &mut String) {
        self.as_str().push_to(out);
    }
}

impl PtrToken for std::borrow::Cow<'_, str> {
    fn push_to(&self, out: &mut String) {
        self.as_ref().push_to(out);
    }
}

impl<T: PtrToken + ?Sized> PtrToken for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out);
    }
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_index(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(d as char);
    }
}

/// A JSON Pointer given directly or computed only when a segment is actually added
/// (most optional fields are absent; building their pointers would be wasted work).
pub(crate) trait LazyPointer {
    fn into_pointer(self) -> String;
}

impl LazyPointer for String {
    fn into_pointer(self) -> String {
        self
    }
}

impl LazyPointer for &str {
    fn into_pointer(self) -> String {
        self.to_string()
    }
}

impl<F: FnOnce() -> String> LazyPointer for F {
    fn into_pointer(self) -> String {
        self()
    }
}

#[derive(Default)]
pub(crate) struct Collector {
    pub segments: Vec<Segment>,
}

impl Collector {
    /// Adds `node` as a segment if it is a string. Returns whether it was.
    pub fn text(
        &mut self,
        node: NodeRef,
        at: At,
        kind: SegmentKind,
        pointer: impl LazyPointer,
    ) -> bool {
        let Some(text) = node.string() else {
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
    pub fn all_strings(&mut self, node: NodeRef, at: At, kind: SegmentKind, pointer: &str) {
        for (rel, s) in node.strings() {
            self.text(s, at, kind, format!("{pointer}{rel}"));
        }
    }

    /// Adds every `description` string found anywhere in a JSON Schema (and `title`s),
    /// the usual prompt-injection carriers of tool definitions.
    pub fn schema_descriptions(&mut self, schema: NodeRef, pointer: &str) {
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
        node: NodeRef,
        at: At,
        kind: SegmentKind,
        pointer: &str,
        mut part: impl FnMut(&mut Collector, NodeRef, &str) -> bool,
    ) {
        match node.kind() {
            Some(Kind::String) => {
                self.text(node, at, kind, pointer.to_string());
            }
            Some(Kind::Array) => {
                // `{pointer}/{j}`, rebuilt in place for each part.
                let mut pp = String::with_capacity(pointer.len() + 8);
                pp.push_str(pointer);
                pp.push('/');
                for (j, p) in node.items().enumerate() {
                    pp.truncate(pointer.len() + 1);
                    push_index(&mut pp, j);
                    if p.kind() == Some(Kind::String) {
                        self.text(p, at, kind, pp.as_str());
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
