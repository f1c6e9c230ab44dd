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

/// `base` + `/` + escaped `token`.
pub(crate) fn ptr(base: &str, token: impl std::fmt::Display) -> String {
    let t = token.to_string();
    format!("{base}/{}", escape_pointer_token(&t))
}

#[derive(Default)]
pub(crate) struct Collector {
    pub segments: Vec<Segment>,
}

impl Collector {
    /// Adds `node` as a segment if it is a string. Returns whether it was.
    pub fn text(&mut self, node: NodeRef, at: At, kind: SegmentKind, pointer: String) -> bool {
        let Some(text) = node.string() else {
            return false;
        };
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
