//! Secrets and PII in output, by `parapet-pii`.

use crate::config::PiiConfig;
use parapet_moderation::Action;
use parapet_pii::{Category as PiiCategory, Detector, DetectorConfig};
use parapet_runtime::prelude::ConfigError;
use std::ops::Range;

/// One secret or PII value found in output.
#[derive(Debug, Clone)]
pub struct PiiHit {
    pub rule_id: String,
    pub entity: String,
    pub score: f32,
    pub range: Range<usize>,
    pub action: Action,
    /// The replacement when the action redacts.
    pub replacement: Option<String>,
}

/// The configured PII detector and actions.
pub struct PiiScan {
    detector: Detector,
    action: Action,
    context_action: Action,
}

impl PiiScan {
    /// `None` when both actions are `off`.
    pub fn new(cfg: &PiiConfig) -> Result<Option<PiiScan>, ConfigError> {
        if cfg.action == Action::Off && cfg.context_action == Action::Off {
            return Ok(None);
        }
        let dc = DetectorConfig {
            entities: cfg.entities.clone(),
            min_score: cfg.min_score,
            allow_values: cfg.allow_values.clone(),
            ..DetectorConfig::default()
        };
        let detector = Detector::new(&dc)
            .map_err(|e| ConfigError::at(format!("pii.{}", e.path), e.message.clone()))?;
        Ok(Some(PiiScan {
            detector,
            action: cfg.action,
            context_action: cfg.context_action,
        }))
    }

    /// Bytes at the end of streamed `text` whose PII is still undecided (a value that may be
    /// growing, and the context a later value would be judged on).
    pub fn undecided_tail(&self, text: &str) -> usize {
        self.detector.undecided_tail(text)
    }

    /// Findings in `text` with their action; redactions carry their replacement.
    pub fn find(&self, text: &str) -> Vec<PiiHit> {
        self.detector
            .find(text)
            .into_iter()
            .filter_map(|f| {
                let action = match f.entity.category() {
                    PiiCategory::ContextPii => self.context_action,
                    _ => self.action,
                };
                if action == Action::Off {
                    return None;
                }
                let replacement =
                    (action == Action::Redact).then(|| parapet_pii::redact(&f.entity));
                Some(PiiHit {
                    rule_id: format!("pii.{}", f.entity.name().to_ascii_lowercase()),
                    entity: f.entity.name().to_string(),
                    score: f.score,
                    range: f.span.clone(),
                    action,
                    replacement,
                })
            })
            .collect()
    }
}
