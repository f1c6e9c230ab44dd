//! Detector configuration (deserialised from the filter's JSON config) and its validation.

use serde::Deserialize;
use std::fmt;

/// What to detect. `DetectorConfig::default()` (or `{}` in JSON) detects every built-in type.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DetectorConfig {
    /// Built-in entity type names to detect (`["EMAIL", "CREDIT_CARD"]`); absent = all.
    pub entities: Option<Vec<String>>,
    /// Operator-defined entity types.
    pub custom: Vec<CustomEntityConfig>,
    /// Findings scoring below this (0.0–1.0) are dropped.
    pub min_score: f32,
    /// Exact values that are never reported (test card numbers, the company's support address).
    pub allow_values: Vec<String>,
}

/// A custom entity: `{"name":"EMPLOYEE_ID","pattern":"\\bEMP-[0-9]{6}\\b","validator":"luhn",
/// "context":["employee"]}`.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomEntityConfig {
    /// Upper-case name `[A-Z][A-Z0-9_]*`, at most 40 characters, not a built-in name.
    pub name: String,
    /// A `regex-lite` pattern (linear-time; no look-around or back-references).
    pub pattern: String,
    /// Optional validator run on each match: `luhn`, `mod97`, `iban`, `us_ssn`, `entropy`.
    #[serde(default)]
    pub validator: Option<String>,
    /// When non-empty, one of these words (case-insensitive) must occur near the match.
    #[serde(default)]
    pub context: Vec<String>,
    /// Bytes before the match searched for context words (half as many after it).
    #[serde(default = "default_context_window")]
    pub context_window: usize,
    /// Score given to matches (0.0–1.0).
    #[serde(default = "default_score")]
    pub score: f32,
}

fn default_context_window() -> usize {
    64
}

fn default_score() -> f32 {
    0.9
}

/// A configuration problem, naming the field path (`custom[1].pattern`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted/indexed path of the offending field, relative to the detector config.
    pub path: String,
    /// Human-readable problem.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error with `prefix.` prepended to its path (for embedding in a bigger config).
    pub fn under(self, prefix: &str) -> Self {
        ConfigError {
            path: if prefix.is_empty() {
                self.path
            } else {
                format!("{prefix}.{}", self.path)
            },
            message: self.message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// True for names usable as entity types and in tokens: `[A-Z][A-Z0-9_]{0,39}`.
pub(crate) fn valid_entity_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 40
        && b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}
