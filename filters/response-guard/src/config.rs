//! The filter's own configuration (beside the runtime's common keys).

use parapet_moderation::{Action, CategoryConfig, LeakConfig, LinkConfig, ModerationConfig};
use parapet_runtime::prelude::*;
use std::collections::BTreeMap;

/// What a block looks like to the client of a JSON response. Streams always end with a
/// provider-shaped error event (their headers are already gone).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnBlock {
    /// Replace the body with the provider's error format (status stays as sent upstream).
    #[default]
    Error,
    /// Replace the blocked output text with `refusal_message`, keeping the response shape.
    Refusal,
}

/// Secrets and PII in output (detected by `parapet-pii`).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PiiConfig {
    /// Action for secrets and checksum-validated PII.
    pub action: Action,
    /// Action for PII recognised only by context (names, addresses): `log` by default.
    pub context_action: Action,
    /// Built-in entity names to detect (absent: all).
    pub entities: Option<Vec<String>>,
    /// Findings below this score are ignored.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub min_score: f32,
    /// Values never reported (the company's support address, test card numbers).
    pub allow_values: Vec<String>,
}

impl Default for PiiConfig {
    fn default() -> Self {
        PiiConfig {
            action: Action::Redact,
            context_action: Action::Log,
            entities: None,
            min_score: 0.5,
            allow_values: Vec::new(),
        }
    }
}

/// Prompt-injection rules applied to model output (agent pipelines, by `parapet-injection`).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InjectionConfig {
    /// `off`, `log`, `annotate` or `block` (whole output; streams: at the end of the stream).
    pub action: Action,
}

impl Default for InjectionConfig {
    fn default() -> Self {
        InjectionConfig {
            action: Action::Log,
        }
    }
}

/// response-guard's configuration. `{}` protects: harmful categories blocked, secrets and
/// validated PII redacted, exfiltration links neutralised, prompt-leak checks off until
/// configured.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Per-category `{action, threshold}` (see `parapet_moderation::Category` names).
    pub categories: BTreeMap<String, CategoryConfig>,
    /// Extra strong terms per harmful category.
    pub terms: BTreeMap<String, Vec<String>>,
    /// Replacement for redacted spans; `{category}` is substituted.
    pub replacement: String,
    pub leak: LeakConfig,
    pub links: LinkConfig,
    #[cfg_attr(feature = "config-schema", schemars(range(min = 16, max = 4096)))]
    pub aggregation_window_bytes: usize,
    pub pii: PiiConfig,
    pub injection: InjectionConfig,
    pub on_block: OnBlock,
    /// The text that replaces blocked output when `on_block` is `refusal`.
    pub refusal_message: String,
    /// Also moderate reasoning / thinking text (`Other` channels).
    pub scan_reasoning: bool,
}

impl Default for Config {
    fn default() -> Self {
        let m = ModerationConfig::default();
        Config {
            categories: m.categories,
            terms: m.terms,
            replacement: m.replacement,
            leak: m.leak,
            links: m.links,
            aggregation_window_bytes: m.aggregation_window_bytes,
            pii: PiiConfig::default(),
            injection: InjectionConfig::default(),
            on_block: OnBlock::Error,
            refusal_message: "I can't help with that.".to_string(),
            scan_reasoning: true,
        }
    }
}

impl Config {
    /// The detector configuration, with the hold-back cap set to the stream window.
    pub fn moderation(&self, hold_back_bytes: usize) -> ModerationConfig {
        let mut links = self.links.clone();
        // A URL must be judged while it is still held: at most half the window.
        links.max_url_bytes = links.max_url_bytes.min(hold_back_bytes / 2).max(32);
        ModerationConfig {
            categories: self.categories.clone(),
            terms: self.terms.clone(),
            replacement: self.replacement.clone(),
            leak: self.leak.clone(),
            links,
            max_holdback_bytes: hold_back_bytes.max(64),
            aggregation_window_bytes: self.aggregation_window_bytes,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=1.0).contains(&self.pii.min_score) {
            return Err(ConfigError::at("pii.min_score", "must be between 0 and 1"));
        }
        if self.refusal_message.len() > 2000 {
            return Err(ConfigError::at("refusal_message", "at most 2000 bytes"));
        }
        Ok(())
    }
}
