//! [`JsonPointer`]: a segment's JSON Pointer, stored inline.

use std::fmt;
use std::ops::Deref;

/// Bytes a pointer can hold without a heap allocation: enough for
/// `/messages/1234/tool_calls/12/function/arguments` and every other path the
/// provider formats produce; deeper paths (generic mode) go to the heap.
const INLINE: usize = 54;

/// An RFC 6901 JSON Pointer (`/messages/3/content/0/text`), as text.
///
/// Every segment has one, so it is kept inline rather than as a `String`: building a
/// view allocates nothing per pointer. Use it like a `&str` (it derefs to one, and
/// compares with `&str` and `String`).
///
/// ```
/// use parapet_core::JsonPointer;
/// let p = JsonPointer::from("/messages/0/content");
/// assert_eq!(p, "/messages/0/content");
/// assert!(p.ends_with("/content"));
/// assert_eq!(p.to_string(), "/messages/0/content");
/// ```
#[derive(Clone)]
pub struct JsonPointer(Repr);

#[derive(Clone)]
enum Repr {
    /// `bytes[..len]` is the pointer; the rest is zero.
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl JsonPointer {
    /// The empty pointer (the whole document).
    pub const ROOT: JsonPointer = JsonPointer(Repr::Inline {
        len: 0,
        bytes: [0; INLINE],
    });

    /// `parts` concatenated (each already escaped per RFC 6901), without an
    /// intermediate `String` when the result fits inline.
    pub(crate) fn concat(parts: &[&str]) -> JsonPointer {
        let mut bytes = [0u8; INLINE];
        let mut at = 0;
        for part in parts {
            let Some(dst) = bytes.get_mut(at..at + part.len()) else {
                return JsonPointer(Repr::Heap(parts.concat().into_boxed_str()));
            };
            copy_short(dst, part.as_bytes());
            at += part.len();
        }
        JsonPointer(Repr::Inline {
            len: at as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only whole `&str`s are ever copied in, so the bytes are UTF-8.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

/// `dst.copy_from_slice(src)` for the few-byte parts of a pointer, inline: at most
/// two overlapping moves up to 32 bytes, where a `memcpy` call would cost more
/// than the copy. (Lengths differ only on a caller bug: nothing is copied then.)
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n != dst.len() {
        return;
    }
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..].copy_from_slice(&src[n - 4..]);
        }
        8..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..].copy_from_slice(&src[n - 8..]);
        }
        17..=32 => {
            dst[..16].copy_from_slice(&src[..16]);
            dst[n - 16..].copy_from_slice(&src[n - 16..]);
        }
        _ => dst.copy_from_slice(src),
    }
}

impl Default for JsonPointer {
    fn default() -> Self {
        JsonPointer::ROOT
    }
}

impl Deref for JsonPointer {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for JsonPointer {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for JsonPointer {
    fn from(s: &str) -> Self {
        JsonPointer::concat(&[s])
    }
}

impl From<String> for JsonPointer {
    fn from(s: String) -> Self {
        if s.len() > INLINE {
            JsonPointer(Repr::Heap(s.into_boxed_str()))
        } else {
            JsonPointer::concat(&[&s])
        }
    }
}

impl From<&String> for JsonPointer {
    fn from(s: &String) -> Self {
        JsonPointer::concat(&[s])
    }
}

impl From<JsonPointer> for String {
    fn from(p: JsonPointer) -> Self {
        p.as_str().to_string()
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for JsonPointer {
    fn eq(&self, other: &JsonPointer) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for JsonPointer {}

impl std::hash::Hash for JsonPointer {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for JsonPointer {
    fn partial_cmp(&self, other: &JsonPointer) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsonPointer {
    fn cmp(&self, other: &JsonPointer) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for JsonPointer {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for JsonPointer {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for JsonPointer {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<JsonPointer> for &str {
    fn eq(&self, other: &JsonPointer) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<JsonPointer> for String {
    fn eq(&self, other: &JsonPointer) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_pointers_read_back_the_same() {
        let short = "/messages/12/tool_calls/0/function/arguments";
        let long = "/a/very/deep/generic/path/with/many/segments/beyond/the/inline/capacity/0/1/2";
        assert!(short.len() <= INLINE && long.len() > INLINE);
        for s in [short, long, ""] {
            let p = JsonPointer::from(s);
            assert_eq!(p, s);
            assert_eq!(JsonPointer::from(s.to_string()), p);
            assert_eq!(format!("{p}"), s);
            assert_eq!(format!("{p:?}"), format!("{s:?}"));
        }
        assert_eq!(
            JsonPointer::concat(&["/messages/", "3", "/content"]),
            "/messages/3/content"
        );
        let at_limit = "x".repeat(INLINE);
        assert_eq!(
            JsonPointer::concat(&[&at_limit[..1], &at_limit[1..]]),
            at_limit.as_str()
        );
        assert_eq!(JsonPointer::from("é/ü"), "é/ü");
        assert_eq!(JsonPointer::default(), "");
    }

    #[test]
    fn parts_of_every_short_length_concatenate_exactly() {
        let text = "/abcdefghijklmnopqrstuvwxyz0123456789~0~1é";
        for a in 0..=20 {
            for b in 0..=(text.len() - a).min(20) {
                let (x, y) = (&text[..a], &text[a..a + b]);
                let p = JsonPointer::concat(&[x, y, "/", y]);
                assert_eq!(p, format!("{x}{y}/{y}"));
            }
        }
    }
}
