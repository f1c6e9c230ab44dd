//! Parapet's shared proxy-wasm runtime: every filter is a thin adapter on it, so a filter's own
//! code is its policy and nothing else, and every filter behaves the same at its edges.
//!
//! The runtime does: typed JSON config (unknown fields rejected, errors name the field path,
//! `{"env":"NAME"}` secrets), the common settings (`mode`, `on_error`, `max_body_bytes`, `match`,
//! `identity`, `events`, `stream`, `unknown_api`), request buffering and `content-length`
//! handling, parsing through `parapet-core`, applying verdicts (allow / rewrite / block with a
//! provider-shaped local reply), JSON and streamed responses (hold-back window, rewrite,
//! termination with a provider error event), security events, metrics, identity, findings shared
//! with later filters, and the Envoy/Kong host differences.
//!
//! A filter:
//!
//! ```
//! use parapet_runtime::prelude::*;
//!
//! #[derive(Deserialize, Default)]
//! #[serde(deny_unknown_fields, default)]
//! struct Config { words: Vec<String> }
//!
//! struct WordGuard { words: Vec<String> }
//!
//! impl Filter for WordGuard {
//!     const NAME: &'static str = "word-guard";
//!     type Config = Config;
//!     type State = ();
//!
//!     fn new(config: Config, _common: &Common) -> Result<Self, ConfigError> {
//!         if config.words.iter().any(|w| w.is_empty()) {
//!             return Err(ConfigError::at("words", "words must not be empty"));
//!         }
//!         Ok(WordGuard { words: config.words })
//!     }
//!
//!     fn on_request(&self, _cx: &mut Cx<()>, request: &RequestView) -> Outcome {
//!         for (i, segment) in request.segments.iter().enumerate() {
//!             for word in &self.words {
//!                 if let Some(at) = segment.text.find(word.as_str()) {
//!                     return Ok(Verdict::block(Block::policy("forbidden word"))
//!                         .with_finding(Finding::new("word.match", "word").at(i, at..at + word.len())));
//!                 }
//!             }
//!         }
//!         Ok(Verdict::allow())
//!     }
//! }
//!
//! // In the filter's cdylib crate:
//! // parapet_runtime::export_filter!(WordGuard);
//! ```
//!
//! See `README.md` beside this crate for the whole guide.

pub mod bundle;
pub mod config;
pub mod engine;
#[cfg(test)]
mod engine_tests;
pub mod event;
pub mod filter;
pub mod findings;
pub mod host;
pub mod identity;
pub mod metrics;
pub mod proxy;
pub mod reply;
pub mod secret;
pub mod stream;
pub mod testing;
pub mod verdict;
pub mod views;
pub mod window;

pub use config::{Common, ConfigError, Mode, OnError};
pub use filter::{Cx, Filter, Output, RequestInfo};
pub use identity::{Identity, IdentitySource};
pub use secret::Secret;
pub use verdict::{Block, Decision, FilterError, Finding, Outcome, Reason, TextEdit, Verdict};

/// Re-exported for [`export_filter!`]; not part of the API.
#[doc(hidden)]
pub use proxy_wasm as __proxy_wasm;

/// Re-exported for [`export_filter!`]'s global allocator; not part of the API.
#[doc(hidden)]
pub use parapet_alloc as __alloc;

/// Re-exported so filters use the same core version as the runtime.
pub use parapet_core as core;

/// Everything a filter usually needs.
pub mod prelude {
    pub use crate::config::{Common, ConfigError, Mode, OnError};
    pub use crate::filter::{Cx, Filter, Output, RequestInfo};
    pub use crate::identity::Identity;
    pub use crate::secret::Secret;
    pub use crate::verdict::{
        Block, Decision, FilterError, Finding, Outcome, Reason, TextEdit, Verdict,
    };
    pub use parapet_core::{RequestView, ResponseView, Role, Segment, SegmentKind};
    pub use serde::Deserialize;
}
