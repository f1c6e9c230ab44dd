//! Kong's `<filter>.meta.json` for every Parapet filter, generated from the filter's own config
//! types (one source of truth), and the means to check that schema and filter agree.
//!
//! Kong (3.5+) reads `<name>.meta.json` beside `<name>.wasm`. With a `config_schema` it accepts
//! object configs in `filter_chains[].filters[].config` (and, from 3.9, filter plugins), validates
//! them against the schema at load time (Draft 4), and hands the filter their JSON text.
//!
//! ```no_run
//! for filter in parapet_meta::FILTERS {
//!     let meta = parapet_meta::meta_json(filter).unwrap();
//!     assert!(meta["config_schema"]["properties"].get("mode").is_some());
//! }
//! ```
//!
//! The schema is structural (names, types, enums, nesting, unknown fields). Each filter's
//! [`FilterMeta::checked_by_filter`] says what only the filter checks when it loads the config; it
//! is the schema's `description`, so Kong's `GET /schemas/filters/:name` shows it.

use parapet_runtime::config::schema::config_schema;
use parapet_runtime::engine::Plugin;
use parapet_runtime::{ConfigError, Filter};
use serde_json::{json, Value};

/// One filter: its name (= `.wasm` basename), how to build its schema, and its own parser.
pub struct FilterMeta {
    pub name: &'static str,
    /// What the filter checks beyond the schema (the schema's `description`).
    pub checked_by_filter: &'static str,
    schema: fn(&str, &str) -> Result<Value, String>,
    configure: fn(&[u8]) -> Result<(), ConfigError>,
}

impl FilterMeta {
    /// The Draft 4 JSON Schema of the whole plugin configuration.
    pub fn config_schema(&self) -> Result<Value, String> {
        (self.schema)(self.name, self.checked_by_filter)
    }

    /// Parses and builds the filter exactly as `on_configure` does (`Plugin::configure`).
    pub fn configure(&self, raw: &[u8]) -> Result<(), ConfigError> {
        (self.configure)(raw)
    }
}

const fn filter<F: Filter>(checked_by_filter: &'static str) -> FilterMeta
where
    F::Config: schemars::JsonSchema,
{
    FilterMeta {
        name: F::NAME,
        checked_by_filter,
        schema: config_schema::<F::Config>,
        configure: configure::<F>,
    }
}

fn configure<F: Filter>(raw: &[u8]) -> Result<(), ConfigError> {
    Plugin::<F>::configure(Some(raw), env!("CARGO_PKG_VERSION")).map(|_| ())
}

/// The six filters, in the recommended chain order. The common settings (`mode`, `match`,
/// `max_body_bytes`, …) are checked by the schema entirely; each description lists what only the
/// filter itself checks of its own section.
pub static FILTERS: &[FilterMeta] = &[
    filter::<parapet_schema_guard::SchemaGuard>(
        "Parapet schema-guard. Checked by the filter when it loads the config, beyond this \
         schema: schemas (`schema`, `routes[].schema`, `routes[].response_schema`, \
         `limits.tool_arguments.*`) compile in their dialect (`draft`: \"2020-12\" or \
         \"draft-07\"); `strict` needs the built-in schemas; globs and JSON Pointers are \
         well-formed; limits are in range.",
    ),
    filter::<parapet_prompt_guard::PromptGuard>(
        "Parapet prompt-guard. Checked by the filter when it loads the config, beyond this \
         schema: monitor at most block for each source; deny/allow phrases not blank; deny/allow \
         regexes compile (regex-lite) and do not match the empty string; languages known (en es \
         fr de pt it ru zh ja).",
    ),
    filter::<parapet_pii_redact::PiiRedact>(
        "Parapet pii-redact. Checked by the filter when it loads the config, beyond this schema: \
         key at least 16 bytes (an `env` variable must be set and non-empty in the VM); \
         `entities` keys are built-in entity names (upper-case, e.g. EMAIL, CREDIT_CARD) or \
         names declared in `custom`; `tokenize` is a request action only; custom entities: \
         names `[A-Z][A-Z0-9_]*` (at most 40 characters, not built-in), patterns compile \
         (regex-lite), known validators, scores between 0 and 1.",
    ),
    filter::<parapet_policy::PolicyFilter>(
        "Parapet policy. Checked by the filter when it loads the config, beyond this schema: \
         `rego` or `modules`, not both, and `modules` not empty; `data` is an object; the Rego \
         compiles (regorus); `entrypoint` and `response_entrypoint` are rules the policy \
         defines; `decision_cache_entries` at most 100000.",
    ),
    filter::<parapet_token_limit::TokenLimit>(
        "Parapet token-limit. Checked by the filter when it loads the config, beyond this \
         schema: limits (`tokens_per_*`, `requests_per_*`, …) greater than 0; no tier named \
         `default`; `tier_by_identity` names tiers that exist; `tier_header` is a lower-case \
         header name; default_output_reservation at most max_output_reservation.",
    ),
    filter::<parapet_response_guard::ResponseGuard>(
        "Parapet response-guard. Checked by the filter when it loads the config, beyond this \
         schema: `categories` and `terms` keys are category names (`terms`: harmful-content \
         ones); sexual_minors stays `block` and its threshold may only be lowered; thresholds \
         greater than 0 and at most 100, harmful categories only; terms 2 to 200 bytes; \
         replacement at most 200 bytes; canaries 8 to 200 bytes; links.allow_hosts are host \
         names (`example.com`, `*.example.com`); refusal_message at most 2000 bytes; \
         stream.hold_back_bytes at least 128.",
    ),
];

/// The filter called `name`.
pub fn find(name: &str) -> Option<&'static FilterMeta> {
    FILTERS.iter().find(|f| f.name == name)
}

/// Label patterns for Kong's Prometheus plugin (3.9+), which sees the filter's metrics as
/// `pw:<filter>:<name>`: the tag parts of `parapet_<f>_<thing>.<tag>.<value>` become labels
/// (the same regexes as Envoy's `stats_tags`; see `parapet_runtime::metrics`).
fn label_patterns() -> Value {
    let patterns: Vec<Value> = ["action", "mode", "category", "kind"]
        .iter()
        .map(|tag| json!({"label": tag, "pattern": format!(r"(\.{tag}\.([a-z0-9_]+))")}))
        .collect();
    Value::Array(patterns)
}

/// The whole `<filter>.meta.json` document.
pub fn meta_json(filter: &FilterMeta) -> Result<Value, String> {
    Ok(json!({
        "config_schema": filter.config_schema()?,
        "metrics": {"label_patterns": label_patterns()},
    }))
}

/// `<filter>.meta.json` as written to disk: pretty JSON and a final newline.
pub fn render(filter: &FilterMeta) -> Result<String, String> {
    let meta = meta_json(filter)?;
    let mut text = serde_json::to_string_pretty(&meta).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_shipped_filters_and_each_schema_says_what_the_filter_checks() {
        let names: Vec<&str> = FILTERS.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                "schema-guard",
                "prompt-guard",
                "pii-redact",
                "policy",
                "token-limit",
                "response-guard"
            ]
        );
        for f in FILTERS {
            assert!(f
                .checked_by_filter
                .starts_with(&format!("Parapet {}.", f.name)));
            let schema = f.config_schema().unwrap();
            assert_eq!(schema["description"], f.checked_by_filter, "{}", f.name);
        }
    }
}
