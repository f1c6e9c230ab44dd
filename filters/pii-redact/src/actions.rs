//! Actions per entity type and direction, and the defaults for `{}`.

use parapet_pii::{Category, EntityType};
use serde::Deserialize;
use std::collections::HashMap;

/// What to do with one finding.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Do nothing, report nothing.
    Allow,
    /// Leave the value, report the finding (event + metrics).
    Report,
    /// Replace with `[EMAIL]`.
    Redact,
    /// Keep the last `mask.keep` letters/digits: `****-****-****-4242`.
    Mask,
    /// Replace with a keyed, truncated HMAC: `<EMAIL_3f9a1c2e>` (stable, not reversible).
    Hash,
    /// Replace with a reversible token `<EMAIL_3f9a1c2e4b5d>`, restored in the response.
    /// Requests only.
    Tokenize,
    /// Refuse the request (403) or end the response (502 / error event), naming the type only.
    Block,
}

/// Request (prompt, tool results, tool-call arguments) or response (model output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// `"tokenize"` (request only; the response keeps its default) or
/// `{"request": "tokenize", "response": "redact"}`.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum ActionSpec {
    One(Action),
    Both(PerDirection),
}

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PerDirection {
    #[serde(default)]
    pub request: Option<Action>,
    #[serde(default)]
    pub response: Option<Action>,
}

/// The resolved action table.
#[derive(Clone, Debug, Default)]
pub struct EntityActions {
    table: HashMap<EntityType, (Action, Action)>,
}

/// The defaults for `{}`: secrets redacted both ways; validated PII tokenized in requests and
/// reported (never rewritten) in responses; context-only types (person, address, date of birth)
/// reported in requests only; custom entities redacted in requests and reported in responses.
pub fn default_actions(entity: &EntityType) -> (Action, Action) {
    match entity.category() {
        Category::Secret => (Action::Redact, Action::Redact),
        Category::ValidatedPii => (Action::Tokenize, Action::Report),
        Category::ContextPii => (Action::Report, Action::Allow),
        Category::Custom => (Action::Redact, Action::Report),
    }
}

impl EntityActions {
    pub(crate) fn set(&mut self, entity: EntityType, request: Action, response: Action) {
        self.table.insert(entity, (request, response));
    }

    /// The action for `entity` in `direction`.
    pub fn get(&self, entity: &EntityType, direction: Direction) -> Action {
        let (req, resp) = self
            .table
            .get(entity)
            .copied()
            .unwrap_or_else(|| default_actions(entity));
        match direction {
            Direction::Request => req,
            Direction::Response => resp,
        }
    }
}
