//! Size and nesting bounds on instances, checked before parsing so a hostile body costs one
//! linear scan and produces a clear error instead of a deep recursion.

use std::fmt;

use serde_json::Value;

/// serde_json refuses documents nested deeper than this; a configured depth above it could never
/// be reached, so configuration is capped here.
pub const MAX_SUPPORTED_DEPTH: usize = 127;

/// Limits on an instance document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Largest accepted document, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of arrays/objects (the top-level value is depth 1).
    pub max_depth: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// Why a document was not accepted as an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceError {
    /// Larger than [`Bounds::max_bytes`].
    TooLarge { bytes: usize, limit: usize },
    /// Nested deeper than [`Bounds::max_depth`]; `at` is the byte offset where the limit was crossed.
    TooDeep { limit: usize, at: usize },
    /// Not JSON (or not UTF-8).
    Malformed {
        line: usize,
        column: usize,
        problem: String,
    },
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceError::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "body of {bytes} bytes exceeds the limit of {limit} bytes"
                )
            }
            InstanceError::TooDeep { limit, at } => {
                write!(f, "JSON nested deeper than {limit} levels (at byte {at})")
            }
            InstanceError::Malformed {
                line,
                column,
                problem,
            } => {
                write!(
                    f,
                    "body is not valid JSON: {problem} at line {line} column {column}"
                )
            }
        }
    }
}

impl std::error::Error for InstanceError {}

/// Where the first `"` or `\\` of `text` is.
fn find_quote_or_backslash(text: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
    {
        wasm_find::quote_or_backslash(text)
    }
    #[cfg(not(all(target_arch = "wasm32", not(target_feature = "simd128"))))]
    {
        memchr::memchr2(b'"', b'\\', text)
    }
}

/// memchr's wasm SIMD search is compiled only into a module built with `simd128` as a whole,
/// which slowed Envoy's V8 (scripts/build); without it memchr2 steps 4 bytes at a time, and this
/// pass over a 64 KB prompt was most of what made schema-guard's growing work 2.3× its native
/// time in wasmtime. So this one function uses SIMD, as parapet-core's JSON string scan does;
/// a host without SIMD refuses the module when it loads it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
mod wasm_find {
    use core::arch::wasm32::*;

    /// Where the first `"` or `\\` of `text` is: 32 bytes per step, then memchr2 on the tail.
    #[target_feature(enable = "simd128")]
    pub(super) fn quote_or_backslash(text: &[u8]) -> Option<usize> {
        let quote = u8x16_splat(b'"');
        let backslash = u8x16_splat(b'\\');
        let mut i = 0;
        while i + 32 <= text.len() {
            // SAFETY: i + 32 <= len; v128_load takes unaligned addresses.
            let (a, b) = unsafe {
                let p = text.as_ptr().add(i);
                (
                    v128_load(p as *const v128),
                    v128_load(p.add(16) as *const v128),
                )
            };
            let hit_a = v128_or(u8x16_eq(a, quote), u8x16_eq(a, backslash));
            let hit_b = v128_or(u8x16_eq(b, quote), u8x16_eq(b, backslash));
            if v128_any_true(v128_or(hit_a, hit_b)) {
                // Lane k's bit is bit k: the lowest set bit is the first byte found.
                let lanes =
                    u32::from(u8x16_bitmask(hit_a)) | (u32::from(u8x16_bitmask(hit_b)) << 16);
                return Some(i + lanes.trailing_zeros() as usize);
            }
            i += 32;
        }
        memchr::memchr2(b'"', b'\\', &text[i..]).map(|k| i + k)
    }
}

impl Bounds {
    /// Checks size and nesting depth without parsing. Strings (and escapes in them) are skipped
    /// so brackets inside text do not count.
    pub fn check(&self, body: &[u8]) -> Result<(), InstanceError> {
        if body.len() > self.max_bytes {
            return Err(InstanceError::TooLarge {
                bytes: body.len(),
                limit: self.max_bytes,
            });
        }
        let limit = self.max_depth.min(MAX_SUPPORTED_DEPTH);
        let mut depth = 0usize;
        let mut i = 0;
        while let Some(&b) = body.get(i) {
            i += 1;
            match b {
                // Text is most of a body: jump from quote to backslash to quote.
                b'"' => loop {
                    let next = body.get(i..).and_then(find_quote_or_backslash);
                    match next {
                        Some(k) if body[i + k] == b'\\' => i += k + 2,
                        Some(k) => {
                            i += k + 1;
                            break;
                        }
                        None => return Ok(()),
                    }
                },
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Err(InstanceError::TooDeep { limit, at: i - 1 });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks the bounds, then parses.
    pub fn parse(&self, body: &[u8]) -> Result<Value, InstanceError> {
        self.check(body)?;
        serde_json::from_slice(body).map_err(|e| InstanceError::Malformed {
            line: e.line(),
            column: e.column(),
            problem: malformed_reason(&e),
        })
    }

    /// Checks the depth of an already parsed value (e.g. tool arguments decoded from a string).
    pub fn check_value(&self, value: &Value) -> Result<(), InstanceError> {
        let limit = self.max_depth.min(MAX_SUPPORTED_DEPTH);
        if depth_of(value, limit + 1) > limit {
            return Err(InstanceError::TooDeep { limit, at: 0 });
        }
        Ok(())
    }
}

/// Nesting depth of `value`, counting stops at `cap` (so the walk is bounded).
fn depth_of(value: &Value, cap: usize) -> usize {
    // Iterative walk: no recursion on untrusted shapes.
    let mut deepest = 0;
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Array(items) => {
                deepest = deepest.max(d);
                if d < cap {
                    stack.extend(items.iter().map(|x| (x, d + 1)));
                }
            }
            Value::Object(map) => {
                deepest = deepest.max(d);
                if d < cap {
                    stack.extend(map.values().map(|x| (x, d + 1)));
                }
            }
            _ => deepest = deepest.max(d.saturating_sub(1)),
        }
    }
    deepest
}

/// serde_json's message without its own " at line X column Y" suffix (we add it uniformly).
fn malformed_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_containers_not_brackets_in_strings() {
        let b = Bounds {
            max_bytes: 1000,
            max_depth: 2,
        };
        assert!(b.check(br#"{"a":[1,"[[[[{{"]}"#).is_ok());
        assert_eq!(
            b.check(br#"{"a":[[1]]}"#),
            Err(InstanceError::TooDeep { limit: 2, at: 6 })
        );
        assert!(b.check(br#"{"a":"\"[[["}"#).is_ok());
    }

    /// The depth check byte by byte, as it was written first: the reference for the jumps.
    fn deepest_byte_by_byte(body: &[u8], limit: usize) -> Result<(), InstanceError> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in body.iter().enumerate() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > limit {
                        return Err(InstanceError::TooDeep { limit, at: i });
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    #[test]
    fn jumping_through_strings_agrees_with_the_byte_scan() {
        // Every sequence of up to six of these pieces (escapes, brackets in and out of
        // strings, a trailing backslash, an unterminated string), at depth limits 0 to 3.
        let pieces: [&[u8]; 7] = [b"\"", b"\\", b"[", b"]", b"{", b"\\\"", b"a"];
        let mut bodies: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..6 {
            let longer: Vec<Vec<u8>> = bodies
                .iter()
                .flat_map(|b| pieces.iter().map(move |p| [b.as_slice(), p].concat()))
                .collect();
            bodies.extend(longer.into_iter().filter(|b| b.len() <= 9));
            bodies.sort();
            bodies.dedup();
        }
        assert!(bodies.len() > 10_000, "{}", bodies.len());
        for limit in 0..4 {
            let b = Bounds {
                max_bytes: 100,
                max_depth: limit,
            };
            for body in &bodies {
                assert_eq!(
                    b.check(body),
                    deepest_byte_by_byte(body, limit),
                    "{:?}",
                    String::from_utf8_lossy(body)
                );
            }
        }
    }

    #[test]
    fn size_is_checked_first() {
        let b = Bounds {
            max_bytes: 3,
            max_depth: 10,
        };
        assert_eq!(
            b.check(b"[1,2]"),
            Err(InstanceError::TooLarge { bytes: 5, limit: 3 })
        );
    }

    #[test]
    fn malformed_reports_position() {
        let err = Bounds::default().parse(b"{\"a\":\n tru}").unwrap_err();
        assert!(
            matches!(err, InstanceError::Malformed { line: 2, .. }),
            "{err}"
        );
        assert!(Bounds::default().parse(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn value_depth_matches_text_depth() {
        let b = Bounds {
            max_bytes: 1000,
            max_depth: 3,
        };
        let ok: Value = serde_json::from_str(r#"{"a":[{"b":1}]}"#).unwrap();
        let deep: Value = serde_json::from_str(r#"{"a":[{"b":[1]}]}"#).unwrap();
        assert!(b.check_value(&ok).is_ok());
        assert!(b.check_value(&deep).is_err());
        assert!(b.check(br#"{"a":[{"b":1}]}"#).is_ok());
        assert!(b.check(br#"{"a":[{"b":[1]}]}"#).is_err());
    }
}
