use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A secret HMAC key for `hash` and `tokenize`. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct HmacKey(Vec<u8>);

impl HmacKey {
    /// Shortest accepted key, in bytes.
    pub const MIN_LEN: usize = 16;

    /// Wraps key bytes; `None` when shorter than [`HmacKey::MIN_LEN`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Option<HmacKey> {
        let bytes = bytes.into();
        (bytes.len() >= Self::MIN_LEN).then_some(HmacKey(bytes))
    }

    /// HMAC-SHA256 over the parts, each length-prefixed so `("ab","c")` ≠ `("a","bc")`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        // HMAC accepts keys of any length; new_from_slice cannot fail for it.
        let mut m = match <Hmac<Sha256> as Mac>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => return [0; 32],
        };
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HmacKey(<{} bytes>)", self.0.len())
    }
}
