//! schema-guard's own configuration keys (beside the runtime's common ones), as JSON.
//!
//! Every field has a default, so `{}` is a valid config: built-in provider schemas, lenient,
//! output validation on, violations blocked.

use parapet_runtime::config::Match;
use serde::Deserialize;
use serde_json::Value;

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// One schema for every request body (the simplest config).
    pub schema: Option<Value>,
    /// Dialect of schemas without `$schema`: `"2020-12"` (default) or `"draft-07"`.
    pub draft: Option<String>,
    /// Documents that remote `$ref`s resolve to, by URI (`{"https://schemas.example.com/address.json": {...}}`).
    /// Nothing is ever fetched: a `$ref` to a URI not listed here is a config error.
    pub resources: serde_json::Map<String, Value>,
    /// Per path/method schemas; the first matching route wins over `schema`.
    pub routes: Vec<RouteConfig>,
    /// The built-in provider request schemas (default: on).
    pub builtin: Option<bool>,
    /// Built-ins reject unknown top-level fields.
    pub strict: bool,
    /// How many violations the 400 lists (default 5).
    pub max_errors: Option<usize>,
    /// Deepest JSON nesting accepted in bodies, tool arguments and model output (default 64).
    pub max_depth: Option<usize>,
    pub limits: LimitsConfig,
    pub output: OutputConfig,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouteConfig {
    /// Which requests: `paths` (exact or `prefix*`), `methods`, `providers`.
    #[serde(rename = "match")]
    pub matcher: Match,
    /// Schema for the request body.
    pub schema: Option<Value>,
    /// Schema the model's output content must match on this route (replaces the request's own).
    pub response_schema: Option<Value>,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Model names or globs (`gpt-4o*`); empty = any.
    pub allowed_models: Vec<String>,
    pub max_tokens: Option<MaxTokensConfig>,
    pub max_messages: Option<usize>,
    pub max_prompt_chars: Option<usize>,
    /// `"logit_bias"` (forbidden when present) or `{"param": "n", "above": 1}` /
    /// `{"param": "stream", "equals": true}`; `param` may be a JSON Pointer.
    pub forbidden_params: Vec<ForbiddenParamConfig>,
    /// Tool names or globs a request may declare or replay; absent = any.
    pub allowed_tools: Option<Vec<String>>,
    /// Tool name (or glob) → JSON Schema for the arguments of its calls in the history.
    pub tool_arguments: serde_json::Map<String, Value>,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaxTokensConfig {
    pub max: u64,
    #[serde(default)]
    pub action: CeilingActionConfig,
    /// Also act when the request sets no limit.
    #[serde(default)]
    pub require: bool,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CeilingActionConfig {
    #[default]
    Reject,
    Clamp,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ForbiddenParamConfig {
    Name(String),
    Rule(ForbiddenRule),
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForbiddenRule {
    pub param: String,
    pub above: Option<f64>,
    pub equals: Option<Value>,
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Validate model output against the schema the request asked for (default: on).
    pub validate: bool,
    /// `block` (502 / stream error event) or `annotate` (event only).
    pub on_violation: OnViolation,
    /// Largest assembled output validated; larger output is a violation (default 1 MiB).
    pub max_bytes: usize,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            validate: true,
            on_violation: OnViolation::Block,
            max_bytes: 1024 * 1024,
        }
    }
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OnViolation {
    #[default]
    Block,
    Annotate,
}
