//! Parapet token estimation and token budgets: pure logic, no proxy-wasm, time passed in.
//!
//! * [`estimate`]: how many tokens a text is, for OpenAI's o200k / cl100k encodings and a
//!   margin-padded estimate for other vendors, biased to err high.
//! * [`budget`]: token-bucket budgets per window (minute/hour/day) and dimension (requests,
//!   input, output, total tokens), reservations before the upstream, reconciliation with the real
//!   usage, rate-limit header values, and the compact shared-data encoding used with
//!   compare-and-swap.
//!
//! ```
//! use parapet_tokens::{estimate_tokens, Encoding};
//! assert!(estimate_tokens("How many tokens is this?", Encoding::O200k) >= 6);
//! ```

pub mod budget;
pub mod estimate;

pub use estimate::{
    estimate_tokens, Encoding, PromptEstimate, StreamCounter, MESSAGE_OVERHEAD_TOKENS,
    REPLY_PRIMING_TOKENS,
};
