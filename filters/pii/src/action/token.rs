use super::{hex, HmacKey};
use crate::entity::EntityType;
use std::collections::HashMap;

/// Hex digits in a token's tag (48 bits).
pub(crate) const TOKEN_HEX: usize = 12;

/// Issues reversible tokens and remembers what they stand for.
///
/// A token is `<EMAIL_3f9a1c2e4b5d>`: `<`, the entity name, `_`, 12 lower-case hex digits of
/// HMAC-SHA256(key, entity, value), `>`. Tokens are deterministic (the same value gets the
/// same token in every turn of a conversation), keyed (a dictionary of likely values does not
/// reverse them without the key), fixed-shape, and delimited so no token is a prefix of
/// another. Only tokens issued by this vault are ever restored.
#[derive(Clone, Debug)]
pub struct TokenVault {
    key: HmacKey,
    by_token: HashMap<String, String>,
    by_value: HashMap<(EntityType, String), String>,
}

impl TokenVault {
    /// An empty vault issuing tokens under `key`.
    pub fn new(key: HmacKey) -> TokenVault {
        TokenVault {
            key,
            by_token: HashMap::new(),
            by_value: HashMap::new(),
        }
    }

    /// The token for `value`, issuing it on first use.
    pub fn tokenize(&mut self, entity: &EntityType, value: &str) -> String {
        if let Some(t) = self.by_value.get(&(entity.clone(), value.to_owned())) {
            return t.clone();
        }
        // A 48-bit collision between two values in one conversation is astronomically
        // unlikely; if it happens, derive again with a counter rather than alias two values.
        let mut counter: u32 = 0;
        let token = loop {
            let c = counter.to_be_bytes();
            let mac = self.key.mac(&[
                b"parapet-token",
                entity.name().as_bytes(),
                value.as_bytes(),
                &c,
            ]);
            let t = format!("<{}_{}>", entity.name(), &hex(&mac[..TOKEN_HEX / 2]));
            match self.by_token.get(&t) {
                Some(v) if v != value => counter += 1,
                _ => break t,
            }
        };
        self.by_token.insert(token.clone(), value.to_owned());
        self.by_value
            .insert((entity.clone(), value.to_owned()), token.clone());
        token
    }

    /// The original value of a token this vault issued.
    pub fn lookup(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(String::as_str)
    }

    /// True when `value` is one of the values this vault tokenized (the user's own data, which
    /// a response may legitimately contain once restored).
    pub fn contains_value(&self, value: &str) -> bool {
        self.by_token.values().any(|v| v == value)
    }

    /// Number of distinct tokens issued.
    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    /// True when no token was issued.
    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }
}
