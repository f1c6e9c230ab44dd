//! pii-redact: finds PII and secrets in LLM requests (prompts, tool results, tool-call
//! arguments) with [`parapet_pii`], applies a per-entity, per-direction action — `redact`,
//! `mask`, `hash`, `tokenize`, `block`, `report`, `allow` — and restores tokenized values in the
//! model's answer, JSON or streamed, so the user sees their own data and the provider never does.
//!
//! This crate is the policy only; buffering, parsing, rewriting (byte-preserving, JSON-correct),
//! streams, events, metrics and fail modes come from `parapet-runtime`. See `README.md` for the
//! configuration and its defaults.

mod actions;
mod config;
mod filter;

pub use actions::{Action, Direction, EntityActions};
pub use config::PiiConfig;
pub use filter::PiiRedact;

// Without `export` (parapet-bundle links this crate into one module with the others).
#[cfg(feature = "export")]
parapet_runtime::export_filter!(PiiRedact);
