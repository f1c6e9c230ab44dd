//! Schema → node list. Every schema location is compiled once: subschemas and `$ref` targets
//! go through a work queue (no recursion, so neither a long `$ref` chain nor a cycle touches the
//! stack), and the dialect in force at each location decides which keywords mean anything.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::draft::{Dialect, Draft};
use crate::error::CompileError;
use crate::format::Format;
use crate::node::{types, Check, Dependency, Keyword, Keywords, Node, NodeId};
use crate::pattern;
use crate::registry::{Location, Registry, Scope};
use crate::uri::{self, escape_token, split_fragment};

pub(crate) struct Compiled {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
}

struct PendingDynamic {
    node: NodeId,
    check: usize,
    name: String,
}

pub(crate) struct Compiler<'o> {
    registry: Registry<'o>,
    nodes: Vec<Node>,
    memo: HashMap<Location, NodeId>,
    queue: Vec<(NodeId, Location)>,
    pending: Vec<PendingDynamic>,
}

fn child(at: &Location, segments: &[&str]) -> Location {
    let mut ptr = at.ptr.clone();
    for s in segments {
        ptr.push('/');
        escape_token(s, &mut ptr);
    }
    Location { doc: at.doc, ptr }
}

fn invalid(problem: impl Into<String>) -> String {
    format!("invalid schema: {}", problem.into())
}

fn as_count(v: &Value) -> Option<u64> {
    match v.as_u64() {
        Some(n) => Some(n),
        None => v
            .as_f64()
            .filter(|f| *f >= 0.0 && f.fract() == 0.0)
            .map(|f| f.min(u64::MAX as f64) as u64),
    }
}

impl<'o> Compiler<'o> {
    pub(crate) fn new(registry: Registry<'o>) -> Self {
        Compiler {
            registry,
            nodes: Vec::new(),
            memo: HashMap::new(),
            queue: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// Compiles everything reachable from `root`.
    pub(crate) fn compile(mut self, root: Location) -> Result<Compiled, CompileError> {
        let root = self.node_for(root);
        loop {
            while let Some((id, at)) = self.queue.pop() {
                let node = self.compile_node(&at)?;
                self.nodes[id] = node;
            }
            if self.pending.is_empty() {
                break;
            }
            self.resolve_dynamic();
        }
        if let Some(stuck) = stuck_cycle(&self.nodes) {
            let at = self
                .memo
                .iter()
                .find(|(_, id)| **id == stuck)
                .map(|(at, _)| self.registry.describe(at));
            return Err(CompileError::new(
                "invalid schema: a $ref cycle that never moves into the instance (its \
                 evaluation would never end)"
                    .into(),
                at,
            ));
        }
        Ok(Compiled {
            nodes: self.nodes,
            root,
        })
    }

    fn node_for(&mut self, at: Location) -> NodeId {
        if let Some(&id) = self.memo.get(&at) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::Always(true));
        self.memo.insert(at.clone(), id);
        self.queue.push((id, at));
        id
    }

    /// Fills the candidates of `$dynamicRef`s / `$recursiveRef`s: every resource that has a
    /// dynamic anchor of that name (known once every reachable resource is loaded).
    fn resolve_dynamic(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            let anchors: Vec<(u32, Location)> = self
                .registry
                .dynamic
                .iter()
                .filter(|a| a.name == p.name)
                .map(|a| (a.resource, a.at.clone()))
                .collect();
            let candidates: Vec<(u32, NodeId)> = anchors
                .into_iter()
                .map(|(resource, at)| (resource, self.node_for(at)))
                .collect();
            if let Some(Node::Keywords(k)) = self.nodes.get_mut(p.node) {
                if let Some(Keyword {
                    check: Check::DynamicRef { candidates: c, .. },
                    ..
                }) = k.checks.get_mut(p.check)
                {
                    *c = candidates;
                }
            }
        }
    }

    fn compile_node(&mut self, at: &Location) -> Result<Node, CompileError> {
        let err = |registry: &Registry<'_>, problem: String, at: &Location| {
            CompileError::new(problem, Some(registry.describe(at)))
        };
        let Some(doc) = self.registry.document(at.doc) else {
            return Err(err(&self.registry, "internal: unknown document".into(), at));
        };
        let Some(value) = doc.pointer(&at.ptr) else {
            return Err(err(&self.registry, "unresolvable location".into(), at));
        };
        let obj = match value {
            Value::Bool(b) => return Ok(Node::Always(*b)),
            Value::Object(obj) => obj,
            _ => {
                return Err(err(
                    &self.registry,
                    invalid("a schema must be an object or a boolean"),
                    at,
                ))
            }
        };
        let Some(scope) = self.registry.scope(at) else {
            return Err(err(
                &self.registry,
                "internal: location not walked".into(),
                at,
            ));
        };
        let mut node = Keywords {
            resource: scope.resource,
            checks: Vec::new(),
            unevaluated_properties: None,
            unevaluated_items: None,
        };
        let node_id = self.memo.get(at).copied().unwrap_or(usize::MAX);
        if scope.dialect.draft.ref_overrides_siblings() {
            if let Some(r) = obj.get("$ref") {
                if let Some(check) = self.reference(r, at, &scope)? {
                    node.checks.push(Keyword {
                        name: "$ref",
                        check,
                    });
                }
                return Ok(Node::Keywords(node));
            }
        }
        for (key, value) in obj {
            let kw = self
                .keyword(key, value, obj, at, &scope)
                .map_err(|problem| {
                    let place = child(at, &[key]);
                    match problem {
                        KeywordError::Compile(e) => e,
                        KeywordError::Problem(p) => err(&self.registry, p, &place),
                    }
                })?;
            match kw {
                Some((name, Check::DynamicRef { target, candidates }, Some(dynamic))) => {
                    self.pending.push(PendingDynamic {
                        node: node_id,
                        check: node.checks.len(),
                        name: dynamic,
                    });
                    node.checks.push(Keyword {
                        name,
                        check: Check::DynamicRef { target, candidates },
                    });
                }
                Some(("unevaluatedProperties", Check::Not(id), _)) => {
                    node.unevaluated_properties = Some(id)
                }
                Some(("unevaluatedItems", Check::Not(id), _)) => node.unevaluated_items = Some(id),
                Some((name, check, _)) => node.checks.push(Keyword { name, check }),
                None => {}
            }
        }
        if node.checks.is_empty()
            && node.unevaluated_properties.is_none()
            && node.unevaluated_items.is_none()
        {
            // `{}` and annotation-only schemas: nothing to evaluate.
            return Ok(Node::Always(true));
        }
        Ok(Node::Keywords(node))
    }

    fn reference(
        &mut self,
        reference: &Value,
        at: &Location,
        scope: &Scope,
    ) -> Result<Option<Check>, CompileError> {
        let Value::String(reference) = reference else {
            return Ok(None);
        };
        let target = uri::resolve(&scope.base, reference);
        let place = child(at, &["$ref"]);
        let location = self
            .registry
            .resolve(&target, scope.dialect)
            .map_err(|p| CompileError::new(p, Some(self.registry.describe(&place))))?;
        Ok(Some(Check::Ref(self.node_for(location))))
    }

    fn subschema(&mut self, at: &Location, segments: &[&str]) -> NodeId {
        self.node_for(child(at, segments))
    }

    fn pattern(&self, source: &str) -> Result<pattern::Pattern, KeywordError> {
        pattern::compile(source, self.registry.options().pattern_size_limit)
            .map_err(|e| KeywordError::Problem(invalid(e)))
    }

    /// One keyword → its check (`None` for keywords that only annotate or that this dialect
    /// does not know). The third element names a dynamic anchor to resolve later.
    #[allow(clippy::type_complexity)]
    fn keyword(
        &mut self,
        key: &str,
        value: &Value,
        obj: &Map<String, Value>,
        at: &Location,
        scope: &Scope,
    ) -> Result<Option<(&'static str, Check, Option<String>)>, KeywordError> {
        let d: Dialect = scope.dialect;
        let draft = d.draft;
        let ap = d.applicators();
        let va = d.validation();
        let count = |v: &Value| {
            as_count(v).ok_or_else(|| {
                KeywordError::Problem(invalid(format!("`{key}` must be a non-negative integer")))
            })
        };
        let number = |v: &Value| match v {
            Value::Number(n) => Ok(n.clone()),
            _ => Err(KeywordError::Problem(invalid(format!(
                "`{key}` must be a number"
            )))),
        };
        let names = |v: &Value| -> Result<Vec<String>, KeywordError> {
            match v {
                Value::Array(items) => items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_string).ok_or_else(|| {
                            KeywordError::Problem(invalid(format!("`{key}` must list strings")))
                        })
                    })
                    .collect(),
                _ => Err(KeywordError::Problem(invalid(format!(
                    "`{key}` must be an array of strings"
                )))),
            }
        };
        let plain = |name: &'static str, check: Check| Ok(Some((name, check, None)));
        match key {
            "$ref" => match self.reference(value, at, scope)? {
                Some(check) => plain("$ref", check),
                None => Ok(None),
            },
            "$dynamicRef" if draft >= Draft::Draft2020_12 => {
                let Value::String(reference) = value else {
                    return Ok(None);
                };
                let target_uri = uri::resolve(&scope.base, reference);
                let location = self
                    .registry
                    .resolve(&target_uri, d)
                    .map_err(KeywordError::Problem)?;
                let (_, fragment) = split_fragment(&target_uri);
                // Dynamic only when the static target is itself a `$dynamicAnchor` of that
                // name ("bookending"); otherwise it behaves like `$ref`.
                let dynamic = !fragment.is_empty()
                    && !fragment.starts_with('/')
                    && self
                        .registry
                        .dynamic
                        .iter()
                        .any(|a| a.name == fragment && a.at == location);
                let name = dynamic.then(|| fragment.to_string());
                let target = self.node_for(location);
                Ok(Some((
                    "$dynamicRef",
                    Check::DynamicRef {
                        target,
                        candidates: Vec::new(),
                    },
                    name,
                )))
            }
            "$recursiveRef" if draft == Draft::Draft2019_09 => {
                let target_uri = uri::resolve(&scope.base, "#");
                let location = self
                    .registry
                    .resolve(&target_uri, d)
                    .map_err(KeywordError::Problem)?;
                let dynamic = self
                    .registry
                    .dynamic
                    .iter()
                    .any(|a| a.name.is_empty() && a.at == location);
                let target = self.node_for(location);
                Ok(Some((
                    "$recursiveRef",
                    Check::DynamicRef {
                        target,
                        candidates: Vec::new(),
                    },
                    dynamic.then(String::new),
                )))
            }
            "type" if va => {
                let mut bits = 0;
                let mut one = |name: &str| -> Result<(), KeywordError> {
                    match types::NAMES.iter().find(|(_, n)| *n == name) {
                        Some((bit, _)) => {
                            bits |= bit;
                            Ok(())
                        }
                        None => Err(KeywordError::Problem(invalid(format!(
                            "unknown type `{name}`"
                        )))),
                    }
                };
                match value {
                    Value::String(s) => one(s)?,
                    Value::Array(items) => {
                        for i in items {
                            match i.as_str() {
                                Some(s) => one(s)?,
                                None => {
                                    return Err(KeywordError::Problem(invalid(
                                        "`type` must list type names",
                                    )))
                                }
                            }
                        }
                    }
                    _ => {
                        return Err(KeywordError::Problem(invalid(
                            "`type` must be a string or an array",
                        )))
                    }
                }
                plain("type", Check::Type(bits))
            }
            "const" if va && draft >= Draft::Draft6 => plain("const", Check::Const(value.clone())),
            "enum" if va => match value {
                Value::Array(items) => plain("enum", Check::Enum(items.clone())),
                _ => Err(KeywordError::Problem(invalid("`enum` must be an array"))),
            },
            "multipleOf" if va => {
                let n = number(value)?;
                if n.as_f64().is_none_or(|f| f <= 0.0) {
                    return Err(KeywordError::Problem(invalid(
                        "`multipleOf` must be greater than 0",
                    )));
                }
                plain("multipleOf", Check::MultipleOf(n))
            }
            "maximum" if va => {
                let exclusive = draft == Draft::Draft4
                    && obj.get("exclusiveMaximum") == Some(&Value::Bool(true));
                let n = number(value)?;
                plain(
                    "maximum",
                    if exclusive {
                        Check::ExclusiveMaximum(n)
                    } else {
                        Check::Maximum(n)
                    },
                )
            }
            "minimum" if va => {
                let exclusive = draft == Draft::Draft4
                    && obj.get("exclusiveMinimum") == Some(&Value::Bool(true));
                let n = number(value)?;
                plain(
                    "minimum",
                    if exclusive {
                        Check::ExclusiveMinimum(n)
                    } else {
                        Check::Minimum(n)
                    },
                )
            }
            "exclusiveMaximum" if va && draft >= Draft::Draft6 => {
                plain("exclusiveMaximum", Check::ExclusiveMaximum(number(value)?))
            }
            "exclusiveMinimum" if va && draft >= Draft::Draft6 => {
                plain("exclusiveMinimum", Check::ExclusiveMinimum(number(value)?))
            }
            "maxLength" if va => plain("maxLength", Check::MaxLength(count(value)?)),
            "minLength" if va => plain("minLength", Check::MinLength(count(value)?)),
            "pattern" if va => match value {
                Value::String(s) => plain("pattern", Check::Pattern(self.pattern(s)?)),
                _ => Err(KeywordError::Problem(invalid("`pattern` must be a string"))),
            },
            "format" if d.assert_formats => match value.as_str().and_then(Format::from_name) {
                Some(f) => plain("format", Check::Format(f)),
                None => Ok(None),
            },
            "maxItems" if va => plain("maxItems", Check::MaxItems(count(value)?)),
            "minItems" if va => plain("minItems", Check::MinItems(count(value)?)),
            "uniqueItems" if va => match value {
                Value::Bool(true) => plain("uniqueItems", Check::UniqueItems),
                _ => Ok(None),
            },
            "maxProperties" if va => plain("maxProperties", Check::MaxProperties(count(value)?)),
            "minProperties" if va => plain("minProperties", Check::MinProperties(count(value)?)),
            "required" if va => match value {
                // draft-04 allowed only non-empty lists; an empty one requires nothing anyway.
                Value::Array(_) => plain("required", Check::Required(names(value)?)),
                _ => Ok(None),
            },
            "dependentRequired" if va && draft >= Draft::Draft2019_09 => {
                let Value::Object(map) = value else {
                    return Err(KeywordError::Problem(invalid(
                        "`dependentRequired` must be an object",
                    )));
                };
                let mut deps = Vec::new();
                for (name, list) in map {
                    deps.push((name.clone(), names(list)?));
                }
                plain("dependentRequired", Check::DependentRequired(deps))
            }
            "dependencies" if draft <= Draft::Draft7 => {
                let Value::Object(map) = value else {
                    return Ok(None);
                };
                let mut deps = Vec::new();
                for (name, dep) in map {
                    let dep = match dep {
                        Value::Array(_) => Dependency::Required(names(dep)?),
                        _ => Dependency::Schema(self.subschema(at, &[key, name])),
                    };
                    deps.push((name.clone(), dep));
                }
                plain("dependencies", Check::Dependencies(deps))
            }
            "dependentSchemas" if ap && draft >= Draft::Draft2019_09 => {
                let Value::Object(map) = value else {
                    return Err(KeywordError::Problem(invalid(
                        "`dependentSchemas` must be an object",
                    )));
                };
                let deps = map
                    .keys()
                    .map(|name| (name.clone(), self.subschema(at, &[key, name])))
                    .collect();
                plain("dependentSchemas", Check::DependentSchemas(deps))
            }
            "allOf" | "anyOf" | "oneOf" if ap => {
                let Value::Array(items) = value else {
                    return Err(KeywordError::Problem(invalid(format!(
                        "`{key}` must be an array"
                    ))));
                };
                let ids: Vec<NodeId> = (0..items.len())
                    .map(|i| self.subschema(at, &[key, &i.to_string()]))
                    .collect();
                match key {
                    "allOf" => plain("allOf", Check::AllOf(ids)),
                    "anyOf" => plain("anyOf", Check::AnyOf(ids)),
                    _ => plain("oneOf", Check::OneOf(ids)),
                }
            }
            "not" if ap => plain("not", Check::Not(self.subschema(at, &[key]))),
            "if" if ap && draft >= Draft::Draft7 => {
                let condition = self.subschema(at, &[key]);
                let then = obj
                    .contains_key("then")
                    .then(|| self.subschema(at, &["then"]));
                let otherwise = obj
                    .contains_key("else")
                    .then(|| self.subschema(at, &["else"]));
                // Without `then`/`else` the condition still annotates (for `unevaluated*`).
                plain(
                    "if",
                    Check::IfThenElse {
                        condition,
                        then,
                        otherwise,
                    },
                )
            }
            "properties" if ap => {
                let Value::Object(map) = value else {
                    return Err(KeywordError::Problem(invalid(
                        "`properties` must be an object",
                    )));
                };
                let mut props: Vec<(String, NodeId)> = map
                    .keys()
                    .map(|name| (name.clone(), self.subschema(at, &[key, name])))
                    .collect();
                props.sort_by(|a, b| crate::node::by_length_then_bytes(&a.0, &b.0));
                plain("properties", Check::Properties(props))
            }
            "patternProperties" if ap => {
                let Value::Object(map) = value else {
                    return Err(KeywordError::Problem(invalid(
                        "`patternProperties` must be an object",
                    )));
                };
                let mut pats = Vec::new();
                for name in map.keys() {
                    let regex = self.pattern(name)?;
                    pats.push((regex, name.clone(), self.subschema(at, &[key, name])));
                }
                plain("patternProperties", Check::PatternProperties(pats))
            }
            "additionalProperties" if ap => {
                let mut known: Vec<String> = obj
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                known.sort_by(|a, b| crate::node::by_length_then_bytes(a, b));
                let mut patterns = Vec::new();
                if let Some(m) = obj.get("patternProperties").and_then(Value::as_object) {
                    for name in m.keys() {
                        // A bad pattern is reported where it is written.
                        let regex = self.pattern(name).map_err(|e| match e {
                            KeywordError::Problem(p) => KeywordError::Compile(CompileError::new(
                                p,
                                Some(self.registry.describe(&child(at, &["patternProperties"]))),
                            )),
                            other => other,
                        })?;
                        patterns.push(regex);
                    }
                }
                let node = self.subschema(at, &[key]);
                plain(
                    "additionalProperties",
                    Check::AdditionalProperties {
                        node,
                        known,
                        patterns,
                    },
                )
            }
            "propertyNames" if ap && draft >= Draft::Draft6 => plain(
                "propertyNames",
                Check::PropertyNames(self.subschema(at, &[key])),
            ),
            "prefixItems" if ap && draft >= Draft::Draft2020_12 => {
                let Value::Array(items) = value else {
                    return Err(KeywordError::Problem(invalid(
                        "`prefixItems` must be an array",
                    )));
                };
                let ids = (0..items.len())
                    .map(|i| self.subschema(at, &[key, &i.to_string()]))
                    .collect();
                plain("prefixItems", Check::Prefix(ids))
            }
            "items" if ap => match value {
                Value::Array(items) if draft <= Draft::Draft2019_09 => {
                    let ids = (0..items.len())
                        .map(|i| self.subschema(at, &[key, &i.to_string()]))
                        .collect();
                    plain("items", Check::Prefix(ids))
                }
                Value::Array(_) => Err(KeywordError::Problem(invalid(
                    "`items` must be a schema in draft 2020-12 (use `prefixItems` for tuples)",
                ))),
                _ => {
                    let start = if draft >= Draft::Draft2020_12 {
                        obj.get("prefixItems")
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len)
                    } else {
                        0
                    };
                    let node = self.subschema(at, &[key]);
                    plain("items", Check::Items { start, node })
                }
            },
            "additionalItems" if ap && draft <= Draft::Draft2019_09 => match obj.get("items") {
                Some(Value::Array(prefix)) => {
                    let start = prefix.len();
                    let node = self.subschema(at, &[key]);
                    plain("additionalItems", Check::Items { start, node })
                }
                _ => Ok(None),
            },
            "contains" if ap && draft >= Draft::Draft6 => {
                let newer = draft >= Draft::Draft2019_09 && va;
                let min = match obj.get("minContains") {
                    Some(v) if newer => as_count(v).ok_or_else(|| {
                        KeywordError::Problem(invalid(
                            "`minContains` must be a non-negative integer",
                        ))
                    })?,
                    _ => 1,
                };
                let max = match obj.get("maxContains") {
                    Some(v) if newer => Some(as_count(v).ok_or_else(|| {
                        KeywordError::Problem(invalid(
                            "`maxContains` must be a non-negative integer",
                        ))
                    })?),
                    _ => None,
                };
                let node = self.subschema(at, &[key]);
                plain("contains", Check::Contains { node, min, max })
            }
            // Returned as `Not` only to carry the node id; `compile_node` files them apart.
            "unevaluatedProperties" if d.unevaluated() && draft >= Draft::Draft2019_09 => plain(
                "unevaluatedProperties",
                Check::Not(self.subschema(at, &[key])),
            ),
            "unevaluatedItems" if d.unevaluated() && draft >= Draft::Draft2019_09 => {
                plain("unevaluatedItems", Check::Not(self.subschema(at, &[key])))
            }
            _ => Ok(None),
        }
    }
}

pub(crate) enum KeywordError {
    Compile(CompileError),
    Problem(String),
}

impl From<CompileError> for KeywordError {
    fn from(e: CompileError) -> Self {
        KeywordError::Compile(e)
    }
}

/// Compiles `schema` (and everything it references) against the registry.
pub(crate) fn compile_document(
    mut registry: Registry<'_>,
    schema: Arc<Value>,
    base: &str,
    dialect: Dialect,
) -> Result<Compiled, CompileError> {
    let root = registry.add_document(schema, base, dialect)?;
    Compiler::new(registry).compile(root)
}

/// Subschemas a node applies to the same instance location (no progress into the instance).
fn in_place_children(node: &Node) -> Vec<NodeId> {
    let Node::Keywords(k) = node else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for kw in &k.checks {
        match &kw.check {
            Check::Ref(t) => out.push(*t),
            Check::DynamicRef { target, candidates } => {
                out.push(*target);
                out.extend(candidates.iter().map(|(_, n)| *n));
            }
            Check::AllOf(ids) | Check::AnyOf(ids) | Check::OneOf(ids) => out.extend(ids),
            Check::Not(id) => out.push(*id),
            Check::IfThenElse {
                condition,
                then,
                otherwise,
            } => {
                out.push(*condition);
                out.extend(then.iter().chain(otherwise.iter()));
            }
            Check::DependentSchemas(deps) => out.extend(deps.iter().map(|(_, n)| *n)),
            Check::Dependencies(deps) => out.extend(deps.iter().filter_map(|(_, d)| match d {
                Dependency::Schema(n) => Some(*n),
                Dependency::Required(_) => None,
            })),
            _ => {}
        }
    }
    out
}

/// A node on a cycle of in-place applicators (`{"$ref": "#"}`, `a → b → a`), if any: such a
/// schema would evaluate forever on any instance that reaches it. Iterative depth-first search.
fn stuck_cycle(nodes: &[Node]) -> Option<NodeId> {
    const WHITE: u8 = 0;
    const GREY: u8 = 1;
    const BLACK: u8 = 2;
    let mut colour = vec![WHITE; nodes.len()];
    for start in 0..nodes.len() {
        if colour[start] != WHITE {
            continue;
        }
        let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> =
            vec![(start, in_place_children(&nodes[start]), 0)];
        colour[start] = GREY;
        while let Some((node, children, next)) = stack.last_mut() {
            match children.get(*next).copied() {
                Some(child) => {
                    *next += 1;
                    match colour.get(child).copied() {
                        Some(GREY) => return Some(child),
                        Some(WHITE) => {
                            colour[child] = GREY;
                            let grandchildren =
                                nodes.get(child).map(in_place_children).unwrap_or_default();
                            stack.push((child, grandchildren, 0));
                        }
                        _ => {}
                    }
                }
                None => {
                    colour[*node] = BLACK;
                    stack.pop();
                }
            }
        }
    }
    None
}
