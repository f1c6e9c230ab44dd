//! Inspector configuration (JSON via serde) and its validation.
//!
//! `{}` is a complete configuration: every category on, user and tool content inspected,
//! thresholds tuned for ≤1% false positives on ordinary prompts.

use crate::types::{Category, Source};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A configuration error naming the field path (relative to the inspector config) and the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Per-category settings.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CategoryConfig {
    /// Off: the category's rules never fire.
    pub enabled: bool,
    /// Multiplies every weight of the category (0–2). 1 = built-in calibration.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 2.0)))]
    pub weight: f32,
    /// When set, a category score at or above this blocks whatever the combined score is.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub block_threshold: Option<f32>,
}

impl Default for CategoryConfig {
    fn default() -> Self {
        CategoryConfig {
            enabled: true,
            weight: 1.0,
            block_threshold: None,
        }
    }
}

/// Score thresholds for one source of text.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceThresholds {
    /// At or above: monitor (event, optional upstream header).
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub monitor: f32,
    /// At or above: block.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub block: f32,
}

/// Thresholds per source. Indirect content (tool results, documents) is stricter by default:
/// it should contain no instructions to the model at all.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    pub user: SourceThresholds,
    pub tool: SourceThresholds,
    pub system: SourceThresholds,
    pub assistant: SourceThresholds,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            user: SourceThresholds {
                monitor: 0.4,
                block: 0.7,
            },
            tool: SourceThresholds {
                monitor: 0.3,
                block: 0.5,
            },
            system: SourceThresholds {
                monitor: 0.6,
                block: 0.9,
            },
            assistant: SourceThresholds {
                monitor: 0.6,
                block: 0.9,
            },
        }
    }
}

impl Thresholds {
    pub fn for_source(&self, s: Source) -> SourceThresholds {
        match s {
            Source::User => self.user,
            Source::Tool => self.tool,
            Source::System => self.system,
            Source::Assistant => self.assistant,
        }
    }
}

/// Everything the detector can be told.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct InspectorConfig {
    /// Per-category overrides; categories not listed keep their defaults.
    pub categories: BTreeMap<Category, CategoryConfig>,
    pub thresholds: Thresholds,
    /// Sources inspected by `inspect_conversation`. Default: user and tool.
    pub sources: Vec<Source>,
    /// Extra phrases that count as an attack (matched on normalized text, word boundaries).
    pub deny_phrases: Vec<String>,
    /// Extra regexes (regex-lite syntax) matched on the normalized (lower-cased) text.
    pub deny_regexes: Vec<String>,
    /// Weight of a deny phrase/regex hit (category `custom`).
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub deny_weight: f32,
    /// Phrases whose matches suppress any overlapping hit (known-good templates).
    pub allow_phrases: Vec<String>,
    /// Regexes (normalized text) whose matches suppress any overlapping hit.
    pub allow_regexes: Vec<String>,
    /// Longer texts are scanned on their first and last `max_scan_bytes / 2` bytes.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 64)))]
    pub max_scan_bytes: usize,
    /// How many nested encodings are decoded (base64 inside URL-encoding …). 0 = no decoding.
    #[cfg_attr(feature = "config-schema", schemars(range(max = 4)))]
    pub max_decode_depth: u8,
    /// Total decoded bytes re-scanned per inspection.
    pub max_decoded_bytes: usize,
    /// How many recent user turns are concatenated to catch attacks split across messages.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 1, max = 64)))]
    pub recent_user_turns: usize,
    /// Restrict the phrase lexicon to these languages (codes: en es fr de pt it ru zh ja).
    /// Default: all.
    #[cfg_attr(feature = "config-schema", schemars(length(min = 1)))]
    pub languages: Option<Vec<String>>,
}

impl Default for InspectorConfig {
    fn default() -> Self {
        InspectorConfig {
            categories: BTreeMap::new(),
            thresholds: Thresholds::default(),
            sources: vec![Source::User, Source::Tool],
            deny_phrases: Vec::new(),
            deny_regexes: Vec::new(),
            deny_weight: 1.0,
            allow_phrases: Vec::new(),
            allow_regexes: Vec::new(),
            max_scan_bytes: 256 * 1024,
            max_decode_depth: 2,
            max_decoded_bytes: 64 * 1024,
            recent_user_turns: 4,
            languages: None,
        }
    }
}

fn check_unit(path: &str, v: f32) -> Result<(), ConfigError> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::new(
            path,
            format!("must be a number between 0 and 1, got {v}"),
        ))
    }
}

impl InspectorConfig {
    /// Parses a JSON config. Errors name the field path.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let cfg: InspectorConfig = serde_json::from_str(json).map_err(|e| {
            ConfigError::new(
                format!("(line {}, column {})", e.line(), e.column()),
                e.to_string(),
            )
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks value ranges and regex syntax.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (cat, c) in &self.categories {
            let base = format!("categories.{}", cat.as_str());
            if !(c.weight.is_finite() && (0.0..=2.0).contains(&c.weight)) {
                return Err(ConfigError::new(
                    format!("{base}.weight"),
                    format!("must be a number between 0 and 2, got {}", c.weight),
                ));
            }
            if let Some(t) = c.block_threshold {
                check_unit(&format!("{base}.block_threshold"), t)?;
            }
        }
        for (name, s) in [
            ("user", self.thresholds.user),
            ("tool", self.thresholds.tool),
            ("system", self.thresholds.system),
            ("assistant", self.thresholds.assistant),
        ] {
            check_unit(&format!("thresholds.{name}.monitor"), s.monitor)?;
            check_unit(&format!("thresholds.{name}.block"), s.block)?;
            if s.monitor > s.block {
                return Err(ConfigError::new(
                    format!("thresholds.{name}.monitor"),
                    format!(
                        "must not exceed thresholds.{name}.block ({} > {})",
                        s.monitor, s.block
                    ),
                ));
            }
        }
        check_unit("deny_weight", self.deny_weight)?;
        for (i, p) in self.deny_phrases.iter().enumerate() {
            if p.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("deny_phrases[{i}]"),
                    "must not be empty",
                ));
            }
        }
        for (i, p) in self.allow_phrases.iter().enumerate() {
            if p.trim().is_empty() {
                return Err(ConfigError::new(
                    format!("allow_phrases[{i}]"),
                    "must not be empty",
                ));
            }
        }
        for (field, list) in [
            ("deny_regexes", &self.deny_regexes),
            ("allow_regexes", &self.allow_regexes),
        ] {
            for (i, r) in list.iter().enumerate() {
                let re = regex_lite::Regex::new(r).map_err(|e| {
                    ConfigError::new(format!("{field}[{i}]"), format!("invalid regex: {e}"))
                })?;
                if re.is_match("") {
                    return Err(ConfigError::new(
                        format!("{field}[{i}]"),
                        "regex matches the empty string",
                    ));
                }
            }
        }
        if self.max_scan_bytes < 64 {
            return Err(ConfigError::new("max_scan_bytes", "must be at least 64"));
        }
        if self.max_decode_depth > 4 {
            return Err(ConfigError::new("max_decode_depth", "must be at most 4"));
        }
        if self.recent_user_turns == 0 || self.recent_user_turns > 64 {
            return Err(ConfigError::new(
                "recent_user_turns",
                "must be between 1 and 64",
            ));
        }
        if let Some(langs) = &self.languages {
            if langs.is_empty() {
                return Err(ConfigError::new(
                    "languages",
                    "must list at least one language",
                ));
            }
            for (i, l) in langs.iter().enumerate() {
                if crate::lexicon::lang_bit(l).is_none() || l == "*" {
                    return Err(ConfigError::new(
                        format!("languages[{i}]"),
                        format!(
                            "unknown language {l:?}; known: {}",
                            crate::lexicon::LANGUAGES.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) fn category(&self, c: Category) -> CategoryConfig {
        self.categories.get(&c).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_a_complete_config() {
        let c = InspectorConfig::from_json("{}").unwrap();
        assert_eq!(c, InspectorConfig::default());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let e = InspectorConfig::from_json(r#"{"treshold": 1}"#).unwrap_err();
        assert!(e.message.contains("treshold"), "{e}");
    }

    #[test]
    fn errors_name_the_field_path() {
        let e =
            InspectorConfig::from_json(r#"{"thresholds":{"user":{"monitor":0.9,"block":0.5}}}"#)
                .unwrap_err();
        assert_eq!(e.path, "thresholds.user.monitor");
        let e = InspectorConfig::from_json(r#"{"categories":{"role_hijack":{"weight":7}}}"#)
            .unwrap_err();
        assert_eq!(e.path, "categories.role_hijack.weight");
        let e = InspectorConfig::from_json(r#"{"deny_regexes":["ok","(unclosed"]}"#).unwrap_err();
        assert_eq!(e.path, "deny_regexes[1]");
        let e = InspectorConfig::from_json(r#"{"allow_regexes":["a*"]}"#).unwrap_err();
        assert_eq!(e.path, "allow_regexes[0]");
        let e = InspectorConfig::from_json(r#"{"languages":["en","xx"]}"#).unwrap_err();
        assert_eq!(e.path, "languages[1]");
        let e = InspectorConfig::from_json(r#"{"categories":{"nope":{}}}"#).unwrap_err();
        assert!(e.message.contains("nope"), "{e}");
    }
}
