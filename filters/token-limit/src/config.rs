//! The filter's own configuration (beside the runtime's common settings).
//!
//! ```json
//! {
//!   "tokens_per_minute": 30000,            // limits of the default tier (any of the 12 keys)
//!   "requests_per_day": 5000,
//!   "tiers": {"gold": {"tokens_per_minute": 200000}},
//!   "tier_by_identity": {"alice": "gold"}, // identity value (or source:value) -> tier
//!   "tier_header": "x-parapet-tier",       // trusted header naming the tier (set by the gateway)
//!   "models": {"gpt-4o": {"tokens_per_minute": 10000}},  // extra budget per (identity, model)
//!   "default_output_reservation": 1024,    // when the request sets no max_tokens
//!   "max_output_reservation": 4096,
//!   "mid_stream": true,                    // end streams whose budget runs out
//!   "include_usage": true,                 // add stream_options.include_usage to OpenAI streams
//!   "max_identities": 10000, "shards": 16, "cleanup_interval_ms": 10000
//! }
//! ```

use std::collections::BTreeMap;

use parapet_runtime::ConfigError;
use parapet_tokens::budget::{Dimension, Policy, Window};
use serde::Deserialize;

/// Budgets of one tier or model: any combination of the 12 keys; none = unlimited.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub tokens_per_minute: Option<u64>,
    pub tokens_per_hour: Option<u64>,
    pub tokens_per_day: Option<u64>,
    pub input_tokens_per_minute: Option<u64>,
    pub input_tokens_per_hour: Option<u64>,
    pub input_tokens_per_day: Option<u64>,
    pub output_tokens_per_minute: Option<u64>,
    pub output_tokens_per_hour: Option<u64>,
    pub output_tokens_per_day: Option<u64>,
    pub requests_per_minute: Option<u64>,
    pub requests_per_hour: Option<u64>,
    pub requests_per_day: Option<u64>,
}

impl Limits {
    /// `(json key, dimension, window, value)` of every key.
    fn entries(&self) -> [(&'static str, Dimension, Window, Option<u64>); 12] {
        use Dimension::*;
        use Window::*;
        [
            (
                "tokens_per_minute",
                TotalTokens,
                Minute,
                self.tokens_per_minute,
            ),
            ("tokens_per_hour", TotalTokens, Hour, self.tokens_per_hour),
            ("tokens_per_day", TotalTokens, Day, self.tokens_per_day),
            (
                "input_tokens_per_minute",
                InputTokens,
                Minute,
                self.input_tokens_per_minute,
            ),
            (
                "input_tokens_per_hour",
                InputTokens,
                Hour,
                self.input_tokens_per_hour,
            ),
            (
                "input_tokens_per_day",
                InputTokens,
                Day,
                self.input_tokens_per_day,
            ),
            (
                "output_tokens_per_minute",
                OutputTokens,
                Minute,
                self.output_tokens_per_minute,
            ),
            (
                "output_tokens_per_hour",
                OutputTokens,
                Hour,
                self.output_tokens_per_hour,
            ),
            (
                "output_tokens_per_day",
                OutputTokens,
                Day,
                self.output_tokens_per_day,
            ),
            (
                "requests_per_minute",
                Requests,
                Minute,
                self.requests_per_minute,
            ),
            ("requests_per_hour", Requests, Hour, self.requests_per_hour),
            ("requests_per_day", Requests, Day, self.requests_per_day),
        ]
    }

    /// The budget policy, with errors naming `prefix.key`.
    pub fn policy(&self, prefix: &str) -> Result<Policy, ConfigError> {
        let mut buckets = Vec::new();
        for (key, dimension, window, value) in self.entries() {
            if let Some(v) = value {
                let one = Policy::new([(dimension, window, v)])
                    .map_err(|e| ConfigError::at(format!("{prefix}{key}"), e.to_string()))?;
                buckets.extend(
                    one.buckets()
                        .iter()
                        .map(|b| (b.dimension, b.window, b.limit)),
                );
            }
        }
        Policy::new(buckets)
            .map_err(|e| ConfigError::at(prefix.trim_end_matches('.'), e.to_string()))
    }
}

/// The whole filter-specific config. The default-tier limits sit at the top level so that
/// `{"tokens_per_minute": N}` is a complete config.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub tokens_per_minute: Option<u64>,
    pub tokens_per_hour: Option<u64>,
    pub tokens_per_day: Option<u64>,
    pub input_tokens_per_minute: Option<u64>,
    pub input_tokens_per_hour: Option<u64>,
    pub input_tokens_per_day: Option<u64>,
    pub output_tokens_per_minute: Option<u64>,
    pub output_tokens_per_hour: Option<u64>,
    pub output_tokens_per_day: Option<u64>,
    pub requests_per_minute: Option<u64>,
    pub requests_per_hour: Option<u64>,
    pub requests_per_day: Option<u64>,
    pub tiers: BTreeMap<String, Limits>,
    pub tier_by_identity: BTreeMap<String, String>,
    pub tier_header: Option<String>,
    pub models: BTreeMap<String, Limits>,
    pub default_output_reservation: u64,
    #[cfg_attr(feature = "config-schema", schemars(range(min = 1)))]
    pub max_output_reservation: u64,
    pub mid_stream: bool,
    pub include_usage: bool,
    #[cfg_attr(feature = "config-schema", schemars(range(min = 1)))]
    pub max_identities: usize,
    #[cfg_attr(feature = "config-schema", schemars(range(min = 1, max = 1024)))]
    pub shards: u32,
    #[cfg_attr(feature = "config-schema", schemars(range(min = 100)))]
    pub cleanup_interval_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tokens_per_minute: None,
            tokens_per_hour: None,
            tokens_per_day: None,
            input_tokens_per_minute: None,
            input_tokens_per_hour: None,
            input_tokens_per_day: None,
            output_tokens_per_minute: None,
            output_tokens_per_hour: None,
            output_tokens_per_day: None,
            requests_per_minute: None,
            requests_per_hour: None,
            requests_per_day: None,
            tiers: BTreeMap::new(),
            tier_by_identity: BTreeMap::new(),
            tier_header: None,
            models: BTreeMap::new(),
            default_output_reservation: 1024,
            max_output_reservation: 4096,
            mid_stream: true,
            include_usage: true,
            max_identities: 10_000,
            shards: 16,
            cleanup_interval_ms: 10_000,
        }
    }
}

/// The name of the tier the top-level limits define.
pub const DEFAULT_TIER: &str = "default";

impl Config {
    /// The top-level (default tier) limits.
    pub fn default_limits(&self) -> Limits {
        Limits {
            tokens_per_minute: self.tokens_per_minute,
            tokens_per_hour: self.tokens_per_hour,
            tokens_per_day: self.tokens_per_day,
            input_tokens_per_minute: self.input_tokens_per_minute,
            input_tokens_per_hour: self.input_tokens_per_hour,
            input_tokens_per_day: self.input_tokens_per_day,
            output_tokens_per_minute: self.output_tokens_per_minute,
            output_tokens_per_hour: self.output_tokens_per_hour,
            output_tokens_per_day: self.output_tokens_per_day,
            requests_per_minute: self.requests_per_minute,
            requests_per_hour: self.requests_per_hour,
            requests_per_day: self.requests_per_day,
        }
    }

    /// Checks what serde cannot: ranges and cross references.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.tiers.contains_key(DEFAULT_TIER) {
            return Err(ConfigError::at(
                "tiers.default",
                "the default tier is given by the top-level limits; choose another name",
            ));
        }
        for (who, tier) in &self.tier_by_identity {
            if tier != DEFAULT_TIER && !self.tiers.contains_key(tier) {
                return Err(ConfigError::at(
                    format!("tier_by_identity.{who}"),
                    format!("unknown tier `{tier}` (not in `tiers`)"),
                ));
            }
        }
        if let Some(h) = &self.tier_header {
            if h.is_empty()
                || h.bytes()
                    .any(|b| b.is_ascii_uppercase() || b == b' ' || b == b':')
            {
                return Err(ConfigError::at(
                    "tier_header",
                    "must be a lower-case header name",
                ));
            }
        }
        if self.max_output_reservation == 0 {
            return Err(ConfigError::at(
                "max_output_reservation",
                "must be at least 1",
            ));
        }
        if self.default_output_reservation > self.max_output_reservation {
            return Err(ConfigError::at(
                "default_output_reservation",
                "must not exceed max_output_reservation",
            ));
        }
        if self.max_identities == 0 {
            return Err(ConfigError::at("max_identities", "must be at least 1"));
        }
        if !(1..=1024).contains(&self.shards) {
            return Err(ConfigError::at("shards", "must be between 1 and 1024"));
        }
        if self.cleanup_interval_ms < 100 {
            return Err(ConfigError::at(
                "cleanup_interval_ms",
                "must be at least 100",
            ));
        }
        Ok(())
    }
}
