//! Compiling a JSON Schema once, offline, into a [`Schema`] that validates many instances.
//!
//! Three decisions live here:
//! - **Dialect** comes from the schema's own `$schema`; a schema without one gets
//!   [`CompileOptions::default_dialect`] (draft 2020-12 unless configured otherwise).
//! - **No network**: a `$ref` to anything outside the schema document is resolved only from the
//!   offline resource map ([`CompileOptions::with_resource`]); otherwise compilation fails with an
//!   error that names the URI. Local `$defs` / `definitions` / anchors need nothing.
//! - **Linear-time patterns**: `pattern` / `patternProperties` are compiled with the `regex`
//!   engine (finite automata, no backtracking), never `fancy-regex`. A pattern that needs
//!   backtracking features (look-around, back-references) is a compile error, not a DoS risk.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jsonschema::{Draft, PatternOptions, Retrieve, Uri, ValidationError};
use serde_json::Value;

use crate::violation::{Violation, Violations};

/// Upper bound on the size of one compiled `pattern` (bytes of automaton). Keeps a hostile
/// schema from exhausting the filter's memory; real-world patterns are far below it.
const PATTERN_SIZE_LIMIT: usize = 2 * 1024 * 1024;
/// Upper bound on the lazy DFA cache of one pattern.
const PATTERN_DFA_LIMIT: usize = 2 * 1024 * 1024;

/// The JSON Schema dialects Parapet compiles. Draft 2020-12 and draft-07 are the supported,
/// suite-tested ones; 2019-09, draft-06 and draft-04 are accepted because the validator knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    Draft4,
    Draft6,
    Draft7,
    Draft2019_09,
    #[default]
    Draft2020_12,
}

impl Dialect {
    /// Parses a dialect name as written in configuration: `"2020-12"`, `"draft-07"`, `"draft7"`,
    /// `"7"`, or a `$schema` URI.
    pub fn parse(name: &str) -> Option<Dialect> {
        let short = name
            .trim()
            .trim_start_matches("draft")
            .trim_start_matches(['-', '_']);
        match short {
            "2020-12" | "2020_12" => return Some(Dialect::Draft2020_12),
            "2019-09" | "2019_09" => return Some(Dialect::Draft2019_09),
            "07" | "7" => return Some(Dialect::Draft7),
            "06" | "6" => return Some(Dialect::Draft6),
            "04" | "4" => return Some(Dialect::Draft4),
            _ => {}
        }
        Dialect::from_draft(Draft::Draft202012.detect(&serde_json::json!({ "$schema": name })))
    }

    /// The canonical `$schema` URI of this dialect.
    pub fn uri(self) -> &'static str {
        match self {
            Dialect::Draft4 => "http://json-schema.org/draft-04/schema#",
            Dialect::Draft6 => "http://json-schema.org/draft-06/schema#",
            Dialect::Draft7 => "http://json-schema.org/draft-07/schema#",
            Dialect::Draft2019_09 => "https://json-schema.org/draft/2019-09/schema",
            Dialect::Draft2020_12 => "https://json-schema.org/draft/2020-12/schema",
        }
    }

    fn from_draft(draft: Draft) -> Option<Dialect> {
        match draft {
            Draft::Draft4 => Some(Dialect::Draft4),
            Draft::Draft6 => Some(Dialect::Draft6),
            Draft::Draft7 => Some(Dialect::Draft7),
            Draft::Draft201909 => Some(Dialect::Draft2019_09),
            Draft::Draft202012 => Some(Dialect::Draft2020_12),
            _ => None,
        }
    }

    fn draft(self) -> Draft {
        match self {
            Dialect::Draft4 => Draft::Draft4,
            Dialect::Draft6 => Draft::Draft6,
            Dialect::Draft7 => Draft::Draft7,
            Dialect::Draft2019_09 => Draft::Draft201909,
            Dialect::Draft2020_12 => Draft::Draft202012,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Draft4 => "draft-04",
            Dialect::Draft6 => "draft-06",
            Dialect::Draft7 => "draft-07",
            Dialect::Draft2019_09 => "2019-09",
            Dialect::Draft2020_12 => "2020-12",
        })
    }
}

/// How schemas are compiled. `CompileOptions::default()` is what the filter uses.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// Dialect for schemas without `$schema`.
    pub default_dialect: Dialect,
    /// How many violations [`Schema::validate`] reports at most (the first N, in schema order).
    pub max_errors: usize,
    /// Whether `format` asserts (`Some(true)`), only annotates (`Some(false)`), or follows the
    /// dialect's default (`None`: annotation in 2020-12, assertion in draft-07 and older).
    pub validate_formats: Option<bool>,
    resources: Arc<BTreeMap<String, Value>>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            default_dialect: Dialect::Draft2020_12,
            max_errors: 5,
            validate_formats: None,
            resources: Arc::new(BTreeMap::new()),
        }
    }
}

impl CompileOptions {
    /// Registers a schema document under an absolute URI, so that `$ref`s to that URI resolve
    /// offline. Nothing is ever fetched; unregistered remote URIs are compile errors.
    pub fn with_resource(mut self, uri: impl Into<String>, document: Value) -> Self {
        let uri = uri.into();
        let key = uri.trim_end_matches('#').to_string();
        Arc::make_mut(&mut self.resources).insert(key, document);
        self
    }

    /// Sets the dialect used for schemas without `$schema`.
    pub fn with_default_dialect(mut self, dialect: Dialect) -> Self {
        self.default_dialect = dialect;
        self
    }

    /// Sets how many violations are reported at most (at least 1).
    pub fn with_max_errors(mut self, max_errors: usize) -> Self {
        self.max_errors = max_errors.max(1);
        self
    }
}

/// Resolves `$ref`s to the offline resource map and refuses everything else.
struct OfflineResources(Arc<BTreeMap<String, Value>>);

impl Retrieve for OfflineResources {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let key = uri.as_str().trim_end_matches('#');
        match self.0.get(key) {
            Some(document) => Ok(document.clone()),
            None => Err(format!(
                "remote $ref `{key}` is not fetched: Parapet never loads schemas over the network \
                 (define it under $defs/definitions instead)"
            )
            .into()),
        }
    }
}

/// Why a schema did not compile. Displayed as `schema "<name>": <problem> (at <pointer>)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The name the schema was compiled under (a config path such as `routes[0].schema`).
    pub schema: String,
    /// What is wrong.
    pub problem: String,
    /// JSON Pointer into the schema where the problem sits, when known.
    pub at: Option<String>,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "schema \"{}\": {}", self.schema, self.problem)?;
        match &self.at {
            Some(at) if !at.is_empty() => write!(f, " (at {at})"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for SchemaError {}

/// A compiled schema: validate as many instances as you like against it.
///
/// ```
/// use parapet_schema::{CompileOptions, Schema};
/// use serde_json::json;
///
/// let schema = Schema::compile(
///     "example",
///     &json!({"type": "object", "required": ["model"]}),
///     &CompileOptions::default(),
/// )
/// .unwrap();
/// let violations = schema.validate(&json!({"messages": []})).unwrap_err();
/// assert_eq!(violations.items[0].schema_path, "/required");
/// ```
pub struct Schema {
    name: String,
    dialect: Dialect,
    max_errors: usize,
    validator: jsonschema::Validator,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.name)
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl Schema {
    /// Compiles `schema` (named `name` in errors). Fails on an invalid schema, an unknown
    /// `$schema` dialect, an unresolvable or remote `$ref`, or a pattern the linear-time regex
    /// engine cannot compile.
    pub fn compile(
        name: &str,
        schema: &Value,
        options: &CompileOptions,
    ) -> Result<Schema, SchemaError> {
        let error = |problem: String, at: Option<String>| SchemaError {
            schema: name.to_string(),
            problem,
            at,
        };
        let dialect = match schema.get("$schema") {
            None => Some(options.default_dialect),
            Some(Value::String(uri)) => {
                match Dialect::from_draft(options.default_dialect.draft().detect(schema)) {
                    Some(dialect) => Some(dialect),
                    // A custom meta-schema is usable only when registered offline; its
                    // `$vocabulary` then decides which keywords apply.
                    None if options.resources.contains_key(uri.trim_end_matches('#')) => None,
                    None => {
                        return Err(error(
                            format!(
                                "unsupported $schema `{uri}` (supported: draft 2020-12, 2019-09, \
                                 draft-07, draft-06, draft-04, or a meta-schema registered offline)"
                            ),
                            Some("/$schema".into()),
                        ))
                    }
                }
            }
            Some(_) => {
                return Err(error(
                    "$schema must be a string".into(),
                    Some("/$schema".into()),
                ))
            }
        };
        let registry;
        let mut builder = jsonschema::options()
            .with_retriever(OfflineResources(Arc::clone(&options.resources)))
            .with_pattern_options(
                PatternOptions::regex()
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .dfa_size_limit(PATTERN_DFA_LIMIT),
            );
        match dialect {
            Some(dialect) => builder = builder.with_draft(dialect.draft()),
            None => {
                registry = jsonschema::Registry::new()
                    .retriever(OfflineResources(Arc::clone(&options.resources)))
                    .extend(meta_chain(schema, &options.resources))
                    .and_then(|b| b.prepare())
                    .map_err(|e| error(format!("offline resources: {e}"), None))?;
                builder = builder.with_registry(&registry);
            }
        }
        if let Some(formats) = options.validate_formats {
            builder = builder.should_validate_formats(formats);
        }
        let validator = builder.build(schema).map_err(|e| {
            error(
                describe_build_error(&e),
                Some(e.instance_path().to_string()),
            )
        })?;
        let dialect = dialect.unwrap_or_else(|| meta_dialect(schema, &options.resources));
        Ok(Schema {
            name: name.to_string(),
            dialect,
            max_errors: options.max_errors.max(1),
            validator,
        })
    }

    /// The name given at compile time.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The dialect the schema was compiled as.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// True when `instance` matches. Cheaper than [`Schema::validate`] (stops at the first failure).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Validates `instance`; on failure returns the first `max_errors` violations.
    pub fn validate(&self, instance: &Value) -> Result<(), Violations> {
        if self.validator.is_valid(instance) {
            return Ok(());
        }
        let mut items = Vec::new();
        let mut truncated = false;
        for e in self.validator.iter_errors(instance) {
            if items.len() == self.max_errors {
                truncated = true;
                break;
            }
            items.push(Violation::from_error(&e));
        }
        if items.is_empty() {
            // is_valid and iter_errors disagree only if the validator has a bug; never pass
            // silently.
            items.push(Violation {
                instance_path: String::new(),
                schema_path: String::new(),
                keyword: "schema".into(),
                message: "instance does not match the schema".into(),
            });
        }
        Err(Violations { items, truncated })
    }
}

/// The registered meta-schemas that `schema`'s `$schema` leads to, in order.
fn meta_chain<'a>(
    schema: &Value,
    resources: &'a BTreeMap<String, Value>,
) -> Vec<(&'a str, &'a Value)> {
    let mut chain = Vec::new();
    let mut uri = schema.get("$schema").and_then(Value::as_str);
    while let Some(u) = uri {
        match resources.get_key_value(u.trim_end_matches('#')) {
            Some((key, doc))
                if chain.len() < 8 && !chain.iter().any(|(k, _)| *k == key.as_str()) =>
            {
                chain.push((key.as_str(), doc));
                uri = doc.get("$schema").and_then(Value::as_str);
            }
            _ => break,
        }
    }
    chain
}

/// The standard dialect a custom meta-schema builds on (following `$schema` links offline).
fn meta_dialect(schema: &Value, resources: &BTreeMap<String, Value>) -> Dialect {
    let mut current = schema;
    for _ in 0..8 {
        let Some(uri) = current.get("$schema").and_then(Value::as_str) else {
            break;
        };
        if let Some(d) = Dialect::from_draft(Draft::Draft202012.detect(current)) {
            return d;
        }
        match resources.get(uri.trim_end_matches('#')) {
            Some(next) => current = next,
            None => break,
        }
    }
    Dialect::Draft2020_12
}

/// True when a schema location is a `pattern` or a `patternProperties` key.
fn is_pattern_location(at: &str) -> bool {
    at.ends_with("/pattern") || at.contains("/patternProperties")
}

/// A compile error in words an operator can act on.
fn describe_build_error(e: &ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as Kind;
    match e.kind() {
        Kind::Referencing(inner) => {
            let text = inner.to_string();
            if text.contains("not fetched") {
                text
            } else {
                format!("unresolvable $ref: {text}")
            }
        }
        _ if is_pattern_location(&e.instance_path().to_string()) => format!(
            "invalid schema: {e} (patterns are compiled by a linear-time regex engine: \
             look-around and back-references are not supported)"
        ),
        _ => format!("invalid schema: {e}"),
    }
}
