//! Parapet token-limit: token budgets per consumer, model and tier, enforced by reservation
//! before the upstream and settled on the exact usage the response reports.
//!
//! Built on `parapet-runtime` (config, identity, body parsing, stream decoding, provider-shaped
//! 429s, events, metrics) and `parapet-tokens` (estimation, token buckets, shared-data ledger).
//! See `README.md` for behaviour, configuration, headers, events and metrics.
//!
//! ```
//! use parapet_token_limit::TokenLimit;
//! use parapet_runtime::engine::Plugin;
//! // The simplest config: 30k total tokens per minute for every identity.
//! let plugin = Plugin::<TokenLimit>::configure(Some(br#"{"tokens_per_minute": 30000}"#), "test");
//! assert!(plugin.is_ok());
//! let bad = Plugin::<TokenLimit>::configure(Some(br#"{"tokens_per_minute": 0}"#), "test");
//! assert!(bad.err().unwrap().to_string().contains("tokens_per_minute"));
//! ```

mod config;
mod filter;
mod glue;
mod usage_chunk;

pub use config::{Config, Limits};
pub use filter::{Ticket, TicketRef, TokenLimit};
pub use usage_chunk::UsageChunkStripper;

/// The filter's root context (configuration, ticks, HTTP contexts): the module's entry point,
/// and token-limit's member of parapet-bundle.
pub fn root_context() -> Box<dyn proxy_wasm::traits::RootContext> {
    Box::new(glue::Root::new())
}

// Without `export`, parapet-bundle links this crate into one module with the other filters.
// Small blocks from size-class free lists: the per-request allocations skip wasi-libc's malloc.
#[cfg(feature = "export")]
parapet_alloc::global!();

#[cfg(feature = "export")]
proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
    proxy_wasm::set_root_context(|_| root_context());
}}
