//! The filter's own configuration section (beside the runtime's common settings).

use crate::actions::{default_actions, Action, ActionSpec, EntityActions};
use parapet_pii::{CustomEntityConfig, Detector, DetectorConfig, EntityType, HmacKey};
use parapet_runtime::prelude::*;
use std::collections::BTreeMap;

/// ```json
/// {"key": {"env": "PARAPET_PII_KEY"},
///  "entities": {"EMAIL": "tokenize", "CREDIT_CARD": {"request": "mask", "response": "redact"},
///               "PERSON": "redact", "US_SSN": "block"},
///  "mask": {"keep": 4, "char": "*"},
///  "custom": [{"name": "EMPLOYEE_ID", "pattern": "\\bEMP-[0-9]{6}\\b"}],
///  "allow_values": ["support@example.com"], "min_score": 0.0,
///  "restore_responses": true, "scan_responses": true}
/// ```
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PiiConfig {
    /// HMAC key for `hash` and `tokenize` (at least 16 bytes). Absent: a random key per VM.
    pub key: Option<Secret>,
    /// Actions per entity type name (built-in or custom).
    pub entities: BTreeMap<String, ActionSpecJson>,
    pub mask: MaskConfig,
    /// Custom entity types (regex + optional validator + context words).
    pub custom: Vec<CustomEntityConfig>,
    /// Exact values never reported.
    pub allow_values: Vec<String>,
    /// Findings below this score (0.0–1.0) are ignored.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 0.0, max = 1.0)))]
    pub min_score: f32,
    /// Put tokenized values back into the response (JSON and streams).
    pub restore_responses: bool,
    /// Scan model output for leaks with the `response` actions.
    pub scan_responses: bool,
}

/// Opaque wrapper so the untagged enum stays private.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ActionSpecJson(ActionSpec);

impl Default for PiiConfig {
    fn default() -> Self {
        PiiConfig {
            key: None,
            entities: BTreeMap::new(),
            mask: MaskConfig::default(),
            custom: Vec::new(),
            allow_values: Vec::new(),
            min_score: 0.0,
            restore_responses: true,
            scan_responses: true,
        }
    }
}

/// `mask` action settings.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MaskConfig {
    /// Letters/digits kept at the end.
    #[cfg_attr(feature = "config-schema", schemars(range(max = 32)))]
    pub keep: usize,
    /// Replacement character.
    #[serde(rename = "char")]
    pub mask_char: char,
}

impl Default for MaskConfig {
    fn default() -> Self {
        MaskConfig {
            keep: 4,
            mask_char: '*',
        }
    }
}

/// Everything `PiiRedact` needs, validated.
pub(crate) struct Resolved {
    pub detector: Detector,
    pub actions: EntityActions,
    pub key: HmacKey,
}

fn random_key() -> Result<HmacKey, ConfigError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        ConfigError::at(
            "key",
            format!("no key configured and no randomness available for one: {e}"),
        )
    })?;
    HmacKey::new(bytes.to_vec())
        .ok_or_else(|| ConfigError::at("key", "internal: random key too short"))
}

impl PiiConfig {
    pub(crate) fn resolve(self) -> Result<Resolved, ConfigError> {
        if self.mask.keep > 32 {
            return Err(ConfigError::at("mask.keep", "must be at most 32"));
        }
        let key = match &self.key {
            Some(secret) => {
                let k = HmacKey::new(secret.expose().as_bytes().to_vec()).ok_or_else(|| {
                    ConfigError::at(
                        "key",
                        format!("must be at least {} bytes", HmacKey::MIN_LEN),
                    )
                })?;
                k
            }
            None => random_key()?,
        };
        // The detector first (custom names are needed to resolve `entities`).
        let probe = Detector::new(&DetectorConfig {
            entities: None,
            custom: self.custom.clone(),
            min_score: self.min_score,
            allow_values: Vec::new(),
        })
        .map_err(|e| ConfigError::at(e.path, e.message))?;
        let mut actions = EntityActions::default();
        for (name, ActionSpecJson(spec)) in &self.entities {
            let entity = EntityType::from_builtin_name(name)
                .or_else(|| probe.custom_entity(name))
                .ok_or_else(|| {
                    ConfigError::at(
                        format!("entities.{name}"),
                        "unknown entity type (built-in names are upper-case, e.g. EMAIL, CREDIT_CARD; custom ones must be declared in `custom`)",
                    )
                })?;
            let (def_req, def_resp) = default_actions(&entity);
            let (req, resp) = match spec {
                ActionSpec::One(a) => (*a, def_resp),
                ActionSpec::Both(p) => {
                    (p.request.unwrap_or(def_req), p.response.unwrap_or(def_resp))
                }
            };
            if resp == Action::Tokenize {
                return Err(ConfigError::at(
                    format!("entities.{name}.response"),
                    "tokenize applies to requests only (responses are where tokens are restored)",
                ));
            }
            actions.set(entity, req, resp);
        }
        // Detect only what some direction acts on.
        let enabled: Vec<String> = EntityType::BUILT_IN
            .iter()
            .filter(|e| {
                actions.get(e, crate::Direction::Request) != Action::Allow
                    || (self.scan_responses
                        && actions.get(e, crate::Direction::Response) != Action::Allow)
            })
            .map(|e| e.name().to_owned())
            .collect();
        let detector = Detector::new(&DetectorConfig {
            entities: Some(enabled),
            custom: self.custom,
            min_score: self.min_score,
            allow_values: self.allow_values,
        })
        .map_err(|e| ConfigError::at(e.path, e.message))?;
        Ok(Resolved {
            detector,
            actions,
            key,
        })
    }
}
