//! Parapet's PII and secrets detector.
//!
//! Finds personal data and credentials in text — each candidate **validated**, not only
//! pattern-matched (Luhn for cards, mod-97 for IBANs, base58check/bech32/EIP-55 for wallets,
//! SSN area rules, JWT headers that decode to JSON, entropy checks for keys) — and provides the
//! actions a proxy applies to them: [`redact`], [`mask`], keyed [`hash`], and reversible
//! tokenization with a [`TokenVault`] plus a streaming [`Restorer`] that puts the original
//! values back into the model's answer, whatever way the answer is chunked.
//!
//! Every scanner is a hand-written linear pass (plus bounded look-around per trigger) or an
//! Aho-Corasick / `regex-lite` search, so detection time is linear in the input: no
//! backtracking engine ever sees untrusted text. The crate has no proxy-wasm dependency and
//! builds for `wasm32-wasip1`.
//!
//! ```
//! use parapet_pii::{Detector, DetectorConfig, EntityType, HmacKey, TokenVault, Restorer};
//! use std::sync::Arc;
//!
//! let detector = Detector::new(&DetectorConfig::default()).unwrap();
//! let prompt = "Refund card 4111 1111 1111 1111 for jane.roe@example.com";
//! let findings = detector.find(prompt);
//! assert_eq!(findings[0].entity, EntityType::CreditCard);
//! assert_eq!(findings[1].entity, EntityType::Email);
//! assert_eq!(findings[1].masked_excerpt(), "****.***@*******.*om");
//!
//! // Tokenize the request …
//! let mut vault = TokenVault::new(HmacKey::new(*b"a sixteen+ byte key").unwrap());
//! let sent = parapet_pii::rewrite(prompt, &findings, |f, v| Some(vault.tokenize(&f.entity, v)));
//! assert!(!sent.contains("jane.roe"));
//!
//! // … and restore the streamed answer, even when a token is split across chunks.
//! let token = vault.tokenize(&EntityType::Email, "jane.roe@example.com");
//! let mut restorer = Restorer::new(Arc::new(vault));
//! let (a, b) = token.split_at(9);
//! let mut answer = restorer.push(&format!("Mail sent to {a}"));
//! answer += &restorer.push(&format!("{b}."));
//! answer += &restorer.finish();
//! assert_eq!(answer, "Mail sent to jane.roe@example.com.");
//! ```

mod action;
mod config;
mod detector;
mod entity;
mod excerpt;
mod scan;
mod tail;
mod text;
pub mod validate;

pub use action::{
    hash, mask, redact, restore_all, rewrite, HmacKey, Restorer, TokenMatch, TokenVault,
};
pub use config::{ConfigError, CustomEntityConfig, DetectorConfig};
pub use detector::Detector;
pub use entity::{Category, EntityType, Finding};
