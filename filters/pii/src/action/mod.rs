//! What to do with a finding: replace it with a placeholder, a masked form, a keyed hash or a
//! reversible token — and put tokens back in the model's answer.

mod key;
mod mask;
mod restore;
mod rewrite;
mod token;

pub use key::HmacKey;
pub use mask::mask;
pub use restore::{restore_all, Restorer, TokenMatch};
pub use rewrite::rewrite;
pub use token::TokenVault;

use crate::entity::EntityType;

/// `[EMAIL]`: the placeholder the `redact` action writes.
pub fn redact(entity: &EntityType) -> String {
    format!("[{}]", entity.name())
}

/// `<EMAIL_3f9a1c2e>`: HMAC-SHA256 of the entity type and value under `key`, truncated to
/// 32 bits. Stable for the same value and key (joinable in logs), not reversible, and shaped
/// differently from tokens (8 hex digits, tokens have 12) so it is never "restored".
pub fn hash(key: &HmacKey, entity: &EntityType, value: &str) -> String {
    let mac = key.mac(&[b"parapet-hash", entity.name().as_bytes(), value.as_bytes()]);
    format!("<{}_{}>", entity.name(), hex(&mac[..4]))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
