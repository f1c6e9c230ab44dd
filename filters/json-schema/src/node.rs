//! The compiled schema: a flat list of nodes, one per schema location, whose keywords hold
//! pre-parsed arguments and refer to subschemas by index (`$ref`s included, so cycles are
//! just indices).

use serde_json::{Number, Value};

use crate::format::Format;
use crate::pattern::Pattern;

pub(crate) type NodeId = usize;

pub(crate) enum Node {
    /// `true` / `false` (and `{}` compiles to `Always(true)`'s cheap cousin: no keywords).
    Always(bool),
    Keywords(Keywords),
}

pub(crate) struct Keywords {
    /// The schema resource this location belongs to (the dynamic scope is a list of these).
    pub(crate) resource: u32,
    /// Keywords in schema order.
    pub(crate) checks: Vec<Keyword>,
    /// Applied after every other keyword, over what they left unevaluated.
    pub(crate) unevaluated_properties: Option<NodeId>,
    pub(crate) unevaluated_items: Option<NodeId>,
}

pub(crate) struct Keyword {
    /// Keyword name: the schema-path segment and the reported keyword.
    pub(crate) name: &'static str,
    pub(crate) check: Check,
}

/// JSON types as a bit set (`integer` is its own bit: a number with no fractional part).
pub(crate) mod types {
    pub(crate) const NULL: u8 = 1;
    pub(crate) const BOOLEAN: u8 = 2;
    pub(crate) const OBJECT: u8 = 4;
    pub(crate) const ARRAY: u8 = 8;
    pub(crate) const NUMBER: u8 = 16;
    pub(crate) const STRING: u8 = 32;
    pub(crate) const INTEGER: u8 = 64;
    pub(crate) const NAMES: [(u8, &str); 7] = [
        (NULL, "null"),
        (BOOLEAN, "boolean"),
        (OBJECT, "object"),
        (ARRAY, "array"),
        (NUMBER, "number"),
        (STRING, "string"),
        (INTEGER, "integer"),
    ];
}

pub(crate) enum Dependency {
    Required(Vec<String>),
    Schema(NodeId),
}

pub(crate) enum Check {
    Ref(NodeId),
    /// `$dynamicRef` / `$recursiveRef`: `target` unless an outer resource of the dynamic scope
    /// has a matching dynamic anchor (`candidates`: resource → node); empty = plain `$ref`.
    DynamicRef {
        target: NodeId,
        candidates: Vec<(u32, NodeId)>,
    },
    Type(u8),
    Const(Value),
    Enum(Vec<Value>),
    MultipleOf(Number),
    Maximum(Number),
    ExclusiveMaximum(Number),
    Minimum(Number),
    ExclusiveMinimum(Number),
    MaxLength(u64),
    MinLength(u64),
    Pattern(Pattern),
    Format(Format),
    MaxItems(u64),
    MinItems(u64),
    UniqueItems,
    MaxProperties(u64),
    MinProperties(u64),
    Required(Vec<String>),
    DependentRequired(Vec<(String, Vec<String>)>),
    Dependencies(Vec<(String, Dependency)>),
    DependentSchemas(Vec<(String, NodeId)>),
    AllOf(Vec<NodeId>),
    AnyOf(Vec<NodeId>),
    OneOf(Vec<NodeId>),
    Not(NodeId),
    IfThenElse {
        condition: NodeId,
        then: Option<NodeId>,
        otherwise: Option<NodeId>,
    },
    /// Sorted by [`by_length_then_bytes`] (binary search per instance property).
    Properties(Vec<(String, NodeId)>),
    PatternProperties(Vec<(Pattern, String, NodeId)>),
    AdditionalProperties {
        node: NodeId,
        /// Names from `properties`, sorted by [`by_length_then_bytes`].
        known: Vec<String>,
        patterns: Vec<Pattern>,
    },
    PropertyNames(NodeId),
    /// Tuple positions (`prefixItems`, or `items` as an array before 2020-12).
    Prefix(Vec<NodeId>),
    /// Every item from index `start` on (`items`, `additionalItems`).
    Items {
        start: usize,
        node: NodeId,
    },
    Contains {
        node: NodeId,
        min: u64,
        max: Option<u64>,
    },
}

/// The order of property-name tables: by length first, so that a lookup mostly compares
/// lengths and touches the bytes only of same-length names.
#[inline]
pub(crate) fn by_length_then_bytes(a: &str, b: &str) -> std::cmp::Ordering {
    match a.len().cmp(&b.len()) {
        // Property names are short: an inlined byte loop beats a call to `memcmp`.
        std::cmp::Ordering::Equal => {
            for (x, y) in a.bytes().zip(b.bytes()) {
                if x != y {
                    return x.cmp(&y);
                }
            }
            std::cmp::Ordering::Equal
        }
        other => other,
    }
}
