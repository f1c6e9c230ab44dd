//! Configuration: what to detect and what to do about it, with validation that names the field.

use crate::category::{Action, Category};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The moderation configuration. `{}` is a complete, protective configuration: harmful
/// categories blocked at default thresholds, exfiltration links and `data:` URIs neutralised,
/// prompt-leak checks off until a canary or system-prompt overlap is configured.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationConfig {
    /// Per-category overrides, keyed by [`Category::name`].
    pub categories: BTreeMap<String, CategoryConfig>,
    /// Extra strong terms per harmful category (each reaches the threshold alone). A trailing `*`
    /// matches word prefixes.
    pub terms: BTreeMap<String, Vec<String>>,
    /// Replacement text for redacted spans; `{category}` is substituted.
    pub replacement: String,
    /// Canary and system-prompt overlap checks.
    pub leak: LeakConfig,
    /// Link and `data:` URI checks.
    pub links: LinkConfig,
    /// Upper bound on the text held back from the client while a possible match is undecided.
    pub max_holdback_bytes: usize,
    /// Scores of one category within this many (normalised) bytes add up.
    pub aggregation_window_bytes: usize,
}

/// Override of one category's action and threshold.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CategoryConfig {
    pub action: Option<Action>,
    pub threshold: Option<f32>,
}

/// System-prompt leakage checks.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LeakConfig {
    /// Fixed canary strings that must never appear in output.
    pub canaries: Vec<String>,
    /// Insert a fresh canary into each request's system prompt (the filter does this).
    pub insert_canary: bool,
    /// Flag long verbatim runs of the request's system prompt in the output.
    pub system_prompt_overlap: bool,
    /// Minimum run length, in words, for an overlap to count.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 4, max = 200)))]
    pub min_overlap_words: usize,
}

impl Default for LeakConfig {
    fn default() -> Self {
        LeakConfig {
            canaries: Vec::new(),
            insert_canary: false,
            system_prompt_overlap: false,
            min_overlap_words: 12,
        }
    }
}

/// Link checks.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LinkConfig {
    /// Hosts links may point to; `*.example.com` also allows subdomains.
    pub allow_hosts: Vec<String>,
    /// Also allow the host the request was sent to.
    pub allow_request_host: bool,
    /// Action for raw (non-markdown) URLs carrying data to outside hosts. Markdown and HTML links
    /// and images use `categories.exfiltration`.
    pub raw_url_with_data: Action,
    /// URLs longer than this are judged on their first `max_url_bytes` bytes.
    pub max_url_bytes: usize,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            allow_hosts: Vec::new(),
            allow_request_host: true,
            raw_url_with_data: Action::Annotate,
            max_url_bytes: 2048,
        }
    }
}

impl Default for ModerationConfig {
    fn default() -> Self {
        ModerationConfig {
            categories: BTreeMap::new(),
            terms: BTreeMap::new(),
            replacement: "[removed: {category}]".to_string(),
            leak: LeakConfig::default(),
            links: LinkConfig::default(),
            max_holdback_bytes: 8192,
            aggregation_window_bytes: 300,
        }
    }
}

/// A configuration error: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn err(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        message: message.into(),
    }
}

/// Default action of a category.
pub fn default_action(category: Category) -> Action {
    match category {
        Category::UntrustedLink => Action::Log,
        Category::Exfiltration | Category::DataUri => Action::Redact,
        Category::DangerousShell => Action::Off,
        _ => Action::Block,
    }
}

/// Default threshold of a category (harm scores; other categories fire at 1.0).
pub fn default_threshold(category: Category) -> f32 {
    match category {
        Category::SexualMinors => 0.5,
        _ => 1.0,
    }
}

/// The validated per-category policy.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub actions: [Action; Category::ALL.len()],
    pub thresholds: [f32; Category::ALL.len()],
}

impl Policy {
    pub fn action(&self, c: Category) -> Action {
        self.actions[c.index()]
    }
    pub fn threshold(&self, c: Category) -> f32 {
        self.thresholds[c.index()]
    }
}

impl ModerationConfig {
    /// Checks every field; the error names the first bad field's path.
    pub(crate) fn validate(&self) -> Result<Policy, ConfigError> {
        let mut actions = Category::ALL.map(default_action);
        let mut thresholds = Category::ALL.map(default_threshold);
        for (key, cc) in &self.categories {
            let path = format!("categories.{key}");
            let Some(cat) = Category::from_name(key) else {
                return Err(err(
                    path,
                    format!(
                        "unknown category; expected one of {}",
                        names(&Category::ALL)
                    ),
                ));
            };
            if let Some(action) = cc.action {
                if cat == Category::SexualMinors && action != Action::Block {
                    return Err(err(
                        format!("{path}.action"),
                        "sexual content involving minors is always blocked; only \"block\" is accepted",
                    ));
                }
                actions[cat.index()] = action;
            }
            if let Some(t) = cc.threshold {
                if !(t.is_finite() && t > 0.0 && t <= 100.0) {
                    return Err(err(
                        format!("{path}.threshold"),
                        "must be a number greater than 0 and at most 100",
                    ));
                }
                if cat == Category::SexualMinors && t > default_threshold(cat) {
                    return Err(err(
                        format!("{path}.threshold"),
                        "may only be lowered (sexual content involving minors is always blocked)",
                    ));
                }
                if !cat.is_harm() {
                    return Err(err(
                        format!("{path}.threshold"),
                        "thresholds apply to the harmful-content categories only",
                    ));
                }
                thresholds[cat.index()] = t;
            }
        }
        for (key, terms) in &self.terms {
            let path = format!("terms.{key}");
            match Category::from_name(key) {
                Some(c) if c.is_harm() => {}
                _ => {
                    return Err(err(
                        path,
                        format!(
                            "not a harmful-content category; expected one of {}",
                            names(&Category::HARM)
                        ),
                    ))
                }
            }
            for (i, t) in terms.iter().enumerate() {
                let core = t.trim_end_matches('*');
                if core.trim().len() < 2 || core.len() > 200 {
                    return Err(err(
                        format!("{path}[{i}]"),
                        "a term must have 2 to 200 bytes",
                    ));
                }
            }
        }
        if !self.replacement.is_empty() && self.replacement.len() > 200 {
            return Err(err("replacement", "at most 200 bytes"));
        }
        for (i, c) in self.leak.canaries.iter().enumerate() {
            if c.trim().len() < 8 || c.len() > 200 {
                return Err(err(
                    format!("leak.canaries[{i}]"),
                    "a canary must have 8 to 200 bytes (short canaries match by accident)",
                ));
            }
        }
        if !(4..=200).contains(&self.leak.min_overlap_words) {
            return Err(err("leak.min_overlap_words", "must be between 4 and 200"));
        }
        for (i, h) in self.links.allow_hosts.iter().enumerate() {
            let core = h.strip_prefix("*.").unwrap_or(h);
            if core.is_empty()
                || core.contains(['/', ' ', ':', '*', '?', '#', '@'])
                || core.starts_with('.')
            {
                return Err(err(
                    format!("links.allow_hosts[{i}]"),
                    "expected a host name like \"example.com\" or \"*.example.com\"",
                ));
            }
        }
        if !(32..=65536).contains(&self.links.max_url_bytes) {
            return Err(err("links.max_url_bytes", "must be between 32 and 65536"));
        }
        if !(64..=1 << 20).contains(&self.max_holdback_bytes) {
            return Err(err("max_holdback_bytes", "must be between 64 and 1048576"));
        }
        if self.links.max_url_bytes > self.max_holdback_bytes {
            return Err(err(
                "links.max_url_bytes",
                "must not exceed max_holdback_bytes (a URL must fit in the hold-back window)",
            ));
        }
        if !(16..=4096).contains(&self.aggregation_window_bytes) {
            return Err(err(
                "aggregation_window_bytes",
                "must be between 16 and 4096",
            ));
        }
        Ok(Policy {
            actions,
            thresholds,
        })
    }
}

fn names(cats: &[Category]) -> String {
    cats.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Policy, String> {
        let c: ModerationConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
        c.validate().map_err(|e| e.to_string())
    }

    #[test]
    fn empty_config_has_protective_defaults() {
        let p = parse("{}").unwrap();
        assert_eq!(p.action(Category::Hate), Action::Block);
        assert_eq!(p.action(Category::Exfiltration), Action::Redact);
        assert_eq!(p.action(Category::DangerousShell), Action::Off);
        assert_eq!(p.threshold(Category::SexualMinors), 0.5);
    }

    #[test]
    fn errors_name_the_field() {
        let e = parse(r#"{"categories":{"hats":{}}}"#).unwrap_err();
        assert!(e.starts_with("categories.hats: unknown category"), "{e}");
        let e = parse(r#"{"categories":{"sexual_minors":{"action":"log"}}}"#).unwrap_err();
        assert!(e.starts_with("categories.sexual_minors.action:"), "{e}");
        let e = parse(r#"{"categories":{"violence":{"threshold":-1}}}"#).unwrap_err();
        assert!(e.starts_with("categories.violence.threshold:"), "{e}");
        let e = parse(r#"{"leak":{"canaries":["abc"]}}"#).unwrap_err();
        assert!(e.starts_with("leak.canaries[0]:"), "{e}");
        let e = parse(r#"{"links":{"allow_hosts":["https://x.com/"]}}"#).unwrap_err();
        assert!(e.starts_with("links.allow_hosts[0]:"), "{e}");
        let e = parse(r#"{"terms":{"prompt_leak":["xx"]}}"#).unwrap_err();
        assert!(e.starts_with("terms.prompt_leak:"), "{e}");
        assert!(parse(r#"{"bogus":1}"#)
            .unwrap_err()
            .contains("unknown field"));
    }
}
