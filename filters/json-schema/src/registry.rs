//! Schema resources by URI: every document (the root schema, offline resources, embedded
//! meta-schemas) is walked once to record each resource's `$id`, its `$anchor`s and
//! `$dynamicAnchor`s, and the base URI and dialect that hold at every schema location.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::draft::{Dialect, Draft, Vocabularies};
use crate::error::CompileError;
use crate::metaschema;
use crate::uri::{self, escape_token, percent_decode, split_fragment};
use crate::Options;

/// How deeply schema objects may nest (a schema is configuration: real ones are shallow).
pub(crate) const MAX_SCHEMA_DEPTH: usize = 128;

/// Keywords whose value is one subschema.
const SINGLE: &[&str] = &[
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "items",
];
/// Keywords whose value is an array of subschemas.
const ARRAYS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Keywords whose value maps names to subschemas.
const MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];

/// A schema location: a document and a JSON Pointer into it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Location {
    pub(crate) doc: usize,
    pub(crate) ptr: String,
}

/// What holds at a schema location.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub(crate) base: Arc<str>,
    pub(crate) dialect: Dialect,
    pub(crate) resource: u32,
}

/// A `$dynamicAnchor` (or, with an empty name, a 2019-09 `$recursiveAnchor: true`).
pub(crate) struct DynamicAnchor {
    pub(crate) resource: u32,
    pub(crate) name: String,
    pub(crate) at: Location,
}

pub(crate) struct Registry<'o> {
    options: &'o Options,
    docs: Vec<Arc<Value>>,
    doc_uris: Vec<String>,
    resources: HashMap<String, (Location, u32)>,
    resource_count: u32,
    anchors: HashMap<String, Location>,
    pub(crate) dynamic: Vec<DynamicAnchor>,
    scopes: HashMap<Location, Scope>,
}

impl<'o> Registry<'o> {
    pub(crate) fn new(options: &'o Options) -> Self {
        Registry {
            options,
            docs: Vec::new(),
            doc_uris: Vec::new(),
            resources: HashMap::new(),
            resource_count: 0,
            anchors: HashMap::new(),
            dynamic: Vec::new(),
            scopes: HashMap::new(),
        }
    }

    pub(crate) fn options(&self) -> &'o Options {
        self.options
    }

    /// The value at `at`, if the location exists.
    pub(crate) fn value(&self, at: &Location) -> Option<&Value> {
        self.docs.get(at.doc)?.pointer(&at.ptr)
    }

    pub(crate) fn document(&self, doc: usize) -> Option<Arc<Value>> {
        self.docs.get(doc).cloned()
    }

    /// Where a location is, for error messages: a pointer in the root schema, or `uri#pointer`.
    pub(crate) fn describe(&self, at: &Location) -> String {
        if at.doc == 0 {
            at.ptr.clone()
        } else {
            format!(
                "{}#{}",
                self.doc_uris.get(at.doc).map(String::as_str).unwrap_or("?"),
                at.ptr
            )
        }
    }

    /// The dialect a `$schema` URI selects: a standard draft, or a meta-schema registered
    /// offline (its `$vocabulary` decides the keyword groups, its own `$schema` chain the draft).
    pub(crate) fn dialect_for(&self, schema_uri: &str) -> Option<Dialect> {
        let formats = self.options.validate_formats;
        if let Some(draft) = Draft::from_uri(schema_uri) {
            return Some(Dialect::standard(draft, formats));
        }
        let meta = self.options.resource(schema_uri)?;
        let mut draft = None;
        let mut current = Arc::clone(meta);
        for _ in 0..8 {
            let Some(next) = current.get("$schema").and_then(Value::as_str) else {
                break;
            };
            if let Some(d) = Draft::from_uri(next) {
                draft = Some(d);
                break;
            }
            match self.options.resource(next) {
                Some(doc) if !Arc::ptr_eq(doc, &current) => current = Arc::clone(doc),
                _ => break,
            }
        }
        let draft = draft.unwrap_or_default();
        let vocabularies = match meta.get("$vocabulary").and_then(Value::as_object) {
            Some(declared) if draft >= Draft::Draft2019_09 => {
                Vocabularies::from_declaration(declared)
            }
            _ => Vocabularies::ALL_BUT_FORMAT_ASSERTION,
        };
        Some(Dialect {
            draft,
            vocabularies,
            assert_formats: formats.unwrap_or(
                vocabularies.has(Vocabularies::FORMAT_ASSERTION) || draft.asserts_formats(),
            ),
        })
    }

    /// Adds a document under `uri` and walks it; `dialect` applies unless it has `$schema`.
    pub(crate) fn add_document(
        &mut self,
        doc: Arc<Value>,
        uri: &str,
        dialect: Dialect,
    ) -> Result<Location, CompileError> {
        let index = self.docs.len();
        self.docs.push(Arc::clone(&doc));
        self.doc_uris.push(uri.to_string());
        let root = Location {
            doc: index,
            ptr: String::new(),
        };
        let resource = self.new_resource(uri, root.clone());
        let mut ptr = String::new();
        self.walk(index, &doc, &mut ptr, uri, dialect, resource, 0)?;
        Ok(root)
    }

    fn new_resource(&mut self, uri: &str, at: Location) -> u32 {
        let id = self.resource_count;
        self.resource_count += 1;
        self.resources.insert(uri.to_string(), (at, id));
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        doc: usize,
        value: &Value,
        ptr: &mut String,
        base: &str,
        dialect: Dialect,
        resource: u32,
        depth: usize,
    ) -> Result<(), CompileError> {
        let here = || Location {
            doc,
            ptr: ptr.clone(),
        };
        if depth > MAX_SCHEMA_DEPTH {
            return Err(CompileError::new(
                format!("schema nested deeper than {MAX_SCHEMA_DEPTH} levels"),
                Some(self.describe(&here())),
            ));
        }
        let Value::Object(obj) = value else {
            self.scopes.insert(
                here(),
                Scope {
                    base: base.into(),
                    dialect,
                    resource,
                },
            );
            return Ok(());
        };
        let mut dialect = dialect;
        let mut base = base.to_string();
        let mut resource = resource;
        let is_root = ptr.is_empty();
        let has_id = obj.contains_key("$id") || obj.contains_key("id");
        if is_root || has_id {
            match obj.get("$schema") {
                Some(Value::String(s)) => match self.dialect_for(s) {
                    Some(d) => dialect = d,
                    None => {
                        return Err(CompileError::new(
                            format!(
                                "unsupported $schema `{s}` (supported: draft 2020-12, 2019-09, \
                                 draft-07, draft-06, draft-04, or a meta-schema registered offline)"
                            ),
                            Some(format!("{}/$schema", self.describe(&here()))),
                        ))
                    }
                },
                Some(_) if is_root => {
                    return Err(CompileError::new(
                        "$schema must be a string".into(),
                        Some(format!("{}/$schema", self.describe(&here()))),
                    ))
                }
                _ => {}
            }
        }
        let draft = dialect.draft;
        let ref_only = draft.ref_overrides_siblings() && obj.contains_key("$ref");
        if !ref_only {
            if let Some(Value::String(id)) = obj.get(draft.id_keyword()) {
                let resolved = uri::resolve(&base, id);
                let (without, fragment) = split_fragment(&resolved);
                if !fragment.is_empty() && draft <= Draft::Draft7 && !fragment.starts_with('/') {
                    self.anchors.insert(format!("{without}#{fragment}"), here());
                }
                if without != base || (is_root && !self.resources.contains_key(without)) {
                    resource = self.new_resource(without, here());
                    base = without.to_string();
                }
            }
            if draft >= Draft::Draft2019_09 {
                if let Some(Value::String(name)) = obj.get("$anchor") {
                    self.anchors.insert(format!("{base}#{name}"), here());
                }
            }
            if draft >= Draft::Draft2020_12 {
                if let Some(Value::String(name)) = obj.get("$dynamicAnchor") {
                    self.anchors.insert(format!("{base}#{name}"), here());
                    self.dynamic.push(DynamicAnchor {
                        resource,
                        name: name.clone(),
                        at: here(),
                    });
                }
            }
            if draft == Draft::Draft2019_09
                && obj.get("$recursiveAnchor") == Some(&Value::Bool(true))
            {
                self.dynamic.push(DynamicAnchor {
                    resource,
                    name: String::new(),
                    at: here(),
                });
            }
        }
        self.scopes.insert(
            here(),
            Scope {
                base: base.as_str().into(),
                dialect,
                resource,
            },
        );
        let len = ptr.len();
        for (key, child) in obj {
            let single = SINGLE.contains(&key.as_str());
            let array = ARRAYS.contains(&key.as_str());
            let map = MAPS.contains(&key.as_str());
            match child {
                Value::Object(_) | Value::Bool(_) if single => {
                    ptr.push('/');
                    escape_token(key, ptr);
                    self.walk(doc, child, ptr, &base, dialect, resource, depth + 1)?;
                    ptr.truncate(len);
                }
                Value::Array(items) if array => {
                    for (i, item) in items.iter().enumerate() {
                        ptr.push('/');
                        escape_token(key, ptr);
                        ptr.push('/');
                        ptr.push_str(&i.to_string());
                        self.walk(doc, item, ptr, &base, dialect, resource, depth + 1)?;
                        ptr.truncate(len);
                    }
                }
                Value::Object(entries) if map => {
                    for (name, item) in entries {
                        if !matches!(item, Value::Object(_) | Value::Bool(_)) {
                            continue;
                        }
                        ptr.push('/');
                        escape_token(key, ptr);
                        ptr.push('/');
                        escape_token(name, ptr);
                        self.walk(doc, item, ptr, &base, dialect, resource, depth + 1)?;
                        ptr.truncate(len);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Base URI, dialect and resource at `at` (locations the walk did not reach, such as a
    /// `$ref` into an unknown keyword, inherit from their nearest walked ancestor).
    pub(crate) fn scope(&self, at: &Location) -> Option<Scope> {
        let mut probe = at.clone();
        loop {
            if let Some(s) = self.scopes.get(&probe) {
                return Some(s.clone());
            }
            let cut = probe.ptr.rfind('/')?;
            probe.ptr.truncate(cut);
        }
    }

    /// Resolves an absolute reference to a location, loading offline resources and embedded
    /// meta-schemas on first use. Errors are phrased for an operator.
    pub(crate) fn resolve(
        &mut self,
        reference: &str,
        dialect: Dialect,
    ) -> Result<Location, String> {
        let (base, fragment) = split_fragment(reference);
        let root = match self.resources.get(base) {
            Some((at, _)) => at.clone(),
            None => self.load(base, dialect)?,
        };
        if fragment.is_empty() {
            return Ok(root);
        }
        if fragment.starts_with('/') {
            let at = Location {
                doc: root.doc,
                ptr: format!("{}{}", root.ptr, percent_decode(fragment)),
            };
            return match self.value(&at) {
                Some(_) => Ok(at),
                None => Err(format!(
                    "unresolvable $ref `{reference}`: nothing at that JSON Pointer"
                )),
            };
        }
        let key = format!("{base}#{}", percent_decode(fragment));
        self.anchors
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("unresolvable $ref `{reference}`: no such anchor"))
    }

    fn load(&mut self, uri: &str, dialect: Dialect) -> Result<Location, String> {
        let doc = match self.options.resource(uri) {
            Some(doc) => Arc::clone(doc),
            None => metaschema::document(uri).ok_or_else(|| {
                format!(
                    "remote $ref `{uri}` is not fetched: schemas are never loaded over the \
                     network (register it as an offline resource or define it under \
                     $defs/definitions instead)"
                )
            })?,
        };
        self.add_document(doc, uri, dialect)
            .map_err(|e| format!("in resource `{uri}`: {e}"))
    }
}
