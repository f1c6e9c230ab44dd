//! A compact JSON Schema validator over [`serde_json::Value`].
//!
//! - **Drafts**: 2020-12 (default), 2019-09, draft-07, draft-06 and draft-04, chosen per schema
//!   resource by `$schema`. One interpreter; the dialect decides which keywords exist and what
//!   they mean (`items` as an array, `$ref` siblings, boolean `exclusiveMaximum`, `id`).
//!   Custom meta-schemas registered offline select keyword groups with `$vocabulary`.
//! - **Compiled once**: [`Validator::compile`] walks the schema, registers every resource
//!   (`$id`, `$anchor`, `$dynamicAnchor`) and turns each schema location into a node of
//!   pre-parsed keywords; `$ref`s become node indices. Validating an instance never looks at
//!   the schema `Value` again.
//! - **Offline**: a `$ref` outside the schema resolves only to documents registered with
//!   [`Options::with_resource`] or to the embedded standard meta-schemas; anything else is a
//!   compile error naming the URI. Nothing is fetched.
//! - **Linear time**: `pattern` / `patternProperties` run on the `regex` crate's automata, with
//!   a size cap; look-around and back-references are compile errors.
//! - **Bounded**: no recursion while compiling (a work queue); a `$ref` cycle that never moves
//!   into the instance (`{"$ref": "#"}`) is a compile error; a nesting cap while validating
//!   ends absurdly deep recursion with an error instead of a stack overflow; no panics.
//! - **Masked messages**: [`ValidationError::message`] never contains instance values.
//! - **Formats** (asserted by default up to draft-07, annotations from 2019-09 on; see
//!   [`Options::validate_formats`]): date-time, date, time, duration, email, hostname, ipv4,
//!   ipv6, uri, uri-reference, iri, iri-reference, uri-template, uuid, json-pointer,
//!   relative-json-pointer, regex, and the label structure of idn-hostname. No IDNA tables:
//!   A-labels are not decoded, IDNA code-point rules and idn-email are not checked. Unknown
//!   formats pass.
//!
//! ```
//! use parapet_json_schema::{Options, Validator};
//! use serde_json::json;
//!
//! let schema = json!({
//!     "$defs": {"name": {"type": "string", "minLength": 1}},
//!     "type": "object",
//!     "required": ["name"],
//!     "properties": {"name": {"$ref": "#/$defs/name"}, "age": {"type": "integer", "minimum": 0}}
//! });
//! let validator = Validator::compile(&schema, &Options::default()).unwrap();
//! assert!(validator.is_valid(&json!({"name": "Ada", "age": 36})));
//!
//! let errors = validator.validate(&json!({"name": "", "age": -1}), 10).unwrap_err();
//! assert_eq!(errors.errors.len(), 2);
//! assert_eq!(errors.errors[0].instance_path, "/age");
//! assert_eq!(errors.errors[0].schema_path, "/properties/age/minimum");
//! assert_eq!(errors.errors[1].schema_path, "/properties/name/$ref/minLength");
//! assert_eq!(errors.errors[1].message, "value is shorter than 1 characters");
//! ```

mod compile;
mod draft;
mod error;
mod format;
mod metaschema;
mod node;
mod num;
mod pattern;
mod registry;
mod uri;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

pub use draft::Draft;
pub use error::{CompileError, ValidationError, ValidationErrors};

use draft::Dialect;
use node::{Node, NodeId};
use registry::Registry;

/// Default cap on the compiled size of one pattern (bytes of automaton).
pub const DEFAULT_PATTERN_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// How schemas are compiled.
#[derive(Debug, Clone)]
pub struct Options {
    /// Draft of a schema without `$schema`.
    pub default_draft: Draft,
    /// `format` asserts (`Some(true)`), only annotates (`Some(false)`), or follows the dialect
    /// (`None`: assertion up to draft-07 and with the 2020-12 format-assertion vocabulary,
    /// annotation otherwise).
    pub validate_formats: Option<bool>,
    /// Validate the schema against its meta-schema before compiling (on by default), so that
    /// a misspelt type or a malformed keyword is an error instead of being ignored.
    pub validate_schema: bool,
    /// Cap on the compiled size of each pattern.
    pub pattern_size_limit: usize,
    resources: BTreeMap<String, Arc<Value>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_draft: Draft::Draft2020_12,
            validate_formats: None,
            validate_schema: true,
            pattern_size_limit: DEFAULT_PATTERN_SIZE_LIMIT,
            resources: BTreeMap::new(),
        }
    }
}

impl Options {
    /// Registers a schema document under an absolute URI (a trailing `#` is ignored), so
    /// that `$ref`s to it — and `$schema`s naming it as a meta-schema — resolve offline.
    pub fn with_resource(mut self, uri: impl Into<String>, document: Value) -> Self {
        let uri = uri.into();
        self.resources
            .insert(uri.trim_end_matches('#').to_string(), Arc::new(document));
        self
    }

    /// Sets the draft of schemas without `$schema`.
    pub fn with_default_draft(mut self, draft: Draft) -> Self {
        self.default_draft = draft;
        self
    }

    /// Sets whether `format` asserts (see [`Options::validate_formats`]).
    pub fn with_validate_formats(mut self, formats: Option<bool>) -> Self {
        self.validate_formats = formats;
        self
    }

    /// Whether a resource is registered at `uri`.
    pub fn has_resource(&self, uri: &str) -> bool {
        self.resource(uri).is_some()
    }

    pub(crate) fn resource(&self, uri: &str) -> Option<&Arc<Value>> {
        self.resources.get(uri.trim_end_matches('#'))
    }
}

/// A compiled schema.
pub struct Validator {
    nodes: Vec<Node>,
    root: NodeId,
    draft: Draft,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("draft", &self.draft)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

impl Validator {
    /// Compiles `schema`. Fails on an unknown `$schema`, a schema its meta-schema rejects
    /// (unless [`Options::validate_schema`] is off), an unresolvable or unregistered remote
    /// `$ref`, or a pattern the linear-time engine cannot compile.
    pub fn compile(schema: &Value, options: &Options) -> Result<Validator, CompileError> {
        let registry = Registry::new(options);
        let (dialect, meta_uri) = match schema.get("$schema") {
            None => (
                Dialect::standard(options.default_draft, options.validate_formats),
                options.default_draft.uri().to_string(),
            ),
            Some(Value::String(uri)) => match registry.dialect_for(uri) {
                Some(d) => (d, uri.clone()),
                None => {
                    return Err(CompileError::new(
                        format!(
                            "unsupported $schema `{uri}` (supported: draft 2020-12, 2019-09, \
                             draft-07, draft-06, draft-04, or a meta-schema registered offline)"
                        ),
                        Some("/$schema".into()),
                    ))
                }
            },
            Some(_) => {
                return Err(CompileError::new(
                    "$schema must be a string".into(),
                    Some("/$schema".into()),
                ))
            }
        };
        if options.validate_schema {
            check_against_meta_schema(schema, &meta_uri, options)?;
        }
        let compiled = compile::compile_document(
            registry,
            Arc::new(schema.clone()),
            uri::DEFAULT_BASE,
            dialect,
        )?;
        Ok(Validator {
            nodes: compiled.nodes,
            root: compiled.root,
            draft: dialect.draft,
        })
    }

    /// The draft the root schema was compiled as (for a custom meta-schema: the standard
    /// draft it builds on).
    pub fn draft(&self) -> Draft {
        self.draft
    }

    /// Whether `instance` is valid; stops at the first failure.
    pub fn is_valid(&self, instance: &Value) -> bool {
        validate::Evaluator::new(&self.nodes, 0).run(self.root, instance)
    }

    /// Validates `instance`; on failure returns the first `max_errors` errors (at least one)
    /// in schema order, and whether there were more.
    pub fn validate(&self, instance: &Value, max_errors: usize) -> Result<(), ValidationErrors> {
        let mut evaluator = validate::Evaluator::new(&self.nodes, max_errors.max(1));
        if evaluator.run(self.root, instance) {
            return Ok(());
        }
        let mut errors = std::mem::take(&mut evaluator.errors);
        if errors.is_empty() {
            // Every failing path records an error; never report a failure without one.
            errors.push(ValidationError {
                instance_path: String::new(),
                schema_path: String::new(),
                keyword: "schema",
                message: "value does not match the schema".into(),
            });
        }
        Err(ValidationErrors {
            errors,
            truncated: evaluator.truncated,
        })
    }
}

/// Compiles the meta-schema at `uri` (standard ones once per process).
fn meta_validator(uri: &str, options: &Options) -> Result<Arc<Validator>, CompileError> {
    fn build(
        uri: &str,
        document: Arc<Value>,
        options: &Options,
    ) -> Result<Validator, CompileError> {
        let meta_options = Options {
            validate_schema: false,
            validate_formats: Some(false),
            ..options.clone()
        };
        let registry = Registry::new(&meta_options);
        let draft = document
            .get("$schema")
            .and_then(Value::as_str)
            .and_then(Draft::from_uri)
            .unwrap_or_default();
        let dialect = match document.get("$schema").and_then(Value::as_str) {
            Some(s) => registry
                .dialect_for(s)
                .unwrap_or(Dialect::standard(draft, Some(false))),
            None => Dialect::standard(draft, Some(false)),
        };
        let base = uri.trim_end_matches('#');
        let compiled = compile::compile_document(registry, document, base, dialect)?;
        Ok(Validator {
            nodes: compiled.nodes,
            root: compiled.root,
            draft: dialect.draft,
        })
    }
    if let Some(draft) = Draft::from_uri(uri) {
        static STANDARD: [OnceLock<Option<Arc<Validator>>>; 5] = [const { OnceLock::new() }; 5];
        let slot = &STANDARD[draft as usize];
        let compiled = slot.get_or_init(|| {
            let doc = metaschema::document(draft.uri())?;
            build(draft.uri(), doc, &Options::default())
                .ok()
                .map(Arc::new)
        });
        return compiled.clone().ok_or_else(|| {
            CompileError::new(format!("meta-schema `{uri}` does not compile"), None)
        });
    }
    let document = options
        .resource(uri)
        .cloned()
        .ok_or_else(|| CompileError::new(format!("meta-schema `{uri}` is not registered"), None))?;
    build(uri, document, options)
        .map(Arc::new)
        .map_err(|e| CompileError::new(format!("meta-schema `{uri}`: {}", e.problem), e.at))
}

fn check_against_meta_schema(
    schema: &Value,
    uri: &str,
    options: &Options,
) -> Result<(), CompileError> {
    let meta = meta_validator(uri, options)?;
    match meta.validate(schema, 1) {
        Ok(()) => Ok(()),
        Err(errors) => {
            let first = errors.errors.into_iter().next();
            let (at, message) = first
                .map(|e| (e.instance_path, e.message))
                .unwrap_or_default();
            let shown = schema
                .pointer(&at)
                .map(|v| {
                    let text = v.to_string();
                    if text.len() > 80 {
                        format!("{}...", text.chars().take(80).collect::<String>())
                    } else {
                        text
                    }
                })
                .unwrap_or_default();
            Err(CompileError::new(
                format!("invalid schema: {shown} does not match the meta-schema: {message}"),
                Some(at),
            ))
        }
    }
}
