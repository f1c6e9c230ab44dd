//! Compiling a JSON Schema once, offline, into a [`Schema`] that validates many instances.
//!
//! Three decisions live here:
//! - **Dialect** comes from the schema's own `$schema`; a schema without one gets
//!   [`CompileOptions::default_dialect`] (draft 2020-12 unless configured otherwise).
//! - **No network**: a `$ref` to anything outside the schema document is resolved only from the
//!   offline resource map ([`CompileOptions::with_resource`]); otherwise compilation fails with an
//!   error that names the URI. Local `$defs` / `definitions` / anchors need nothing.
//! - **Linear-time patterns**: `pattern` / `patternProperties` are compiled with the `regex`
//!   engine (finite automata, no backtracking) with a 2 MiB size cap. A pattern that needs
//!   backtracking features (look-around, back-references) is a compile error, not a DoS risk.
//!
//! The validator itself is `parapet-json-schema` (Parapet's own compact validator; see its
//! crate docs for the keyword semantics).

use std::fmt;

use parapet_json_schema::{Draft, Options, Validator};
use serde_json::Value;

use crate::violation::{Violation, Violations};

/// Upper bound on the size of one compiled `pattern` (bytes of automaton). Keeps a hostile
/// schema from exhausting the filter's memory; real-world patterns are far below it.
const PATTERN_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// The JSON Schema dialects Parapet compiles: parapet-json-schema's drafts. Draft 2020-12 and
/// draft-07 are the supported, suite-tested ones; 2019-09, draft-06 and draft-04 are accepted
/// because the validator knows them.
pub type Dialect = Draft;

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
    /// The offline resources (and the validator's other settings).
    validator: Options,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            default_dialect: Dialect::Draft2020_12,
            max_errors: 5,
            validate_formats: None,
            validator: {
                let mut validator = Options::default();
                validator.pattern_size_limit = PATTERN_SIZE_LIMIT;
                validator
            },
        }
    }
}

impl CompileOptions {
    /// Registers a schema document under an absolute URI, so that `$ref`s to that URI resolve
    /// offline. Nothing is ever fetched; unregistered remote URIs are compile errors.
    pub fn with_resource(mut self, uri: impl Into<String>, document: Value) -> Self {
        self.validator = self.validator.with_resource(uri, document);
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
    max_errors: usize,
    validator: Validator,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.name)
            .field("dialect", &self.dialect())
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
        let mut validator_options = options.validator.clone();
        validator_options.default_draft = options.default_dialect;
        validator_options.validate_formats = options.validate_formats;
        let validator =
            Validator::compile(schema, &validator_options).map_err(|e| SchemaError {
                schema: name.to_string(),
                problem: e.problem,
                at: e.at,
            })?;
        Ok(Schema {
            name: name.to_string(),
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
        self.validator.draft()
    }

    /// True when `instance` matches. Cheaper than [`Schema::validate`] (stops at the first failure).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Validates `instance`; on failure returns the first `max_errors` violations.
    pub fn validate(&self, instance: &Value) -> Result<(), Violations> {
        self.validator
            .validate(instance, self.max_errors)
            .map_err(|e| Violations {
                items: e.errors.iter().map(Violation::from_error).collect(),
                truncated: e.truncated,
            })
    }
}
