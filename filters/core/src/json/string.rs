//! Decoding and encoding of JSON string literals.

use std::borrow::Cow;

use super::scan::BLOCK;

/// Decodes a string literal (quotes included) that the scanner already validated.
/// Lone surrogates (legal in JSON syntax, not representable in UTF-8) become U+FFFD.
///
/// Works on text the scanner validated as UTF-8: literals without escapes are
/// borrowed, escaped ones are assembled from `&str` runs (every cut is at an ASCII
/// backslash, so at a char boundary) — no byte is validated twice.
pub(crate) fn decode_literal(lit: &str, escaped: bool) -> Cow<'_, str> {
    let inner = lit.get(1..lit.len().saturating_sub(1)).unwrap_or_default();
    if !escaped {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    decode_escaped_into(inner, &mut out);
    Cow::Owned(out)
}

/// Appends the decoded text of a literal's inside (`inner`, quotes excluded) to `out`.
fn decode_escaped_into(inner: &str, out: &mut String) {
    let bytes = inner.as_bytes();
    let mut i = next_backslash(bytes, 0);
    let mut run_start = 0;
    while i < bytes.len() {
        out.push_str(inner.get(run_start..i).unwrap_or_default());
        let (ch, next) = decode_escape(bytes, i);
        out.push(ch);
        run_start = next.min(bytes.len());
        i = next_backslash(bytes, run_start);
    }
    out.push_str(inner.get(run_start..).unwrap_or_default());
}

/// Decodes the escape sequence at `bytes[at]` (a backslash the scanner validated):
/// the character and the index just after the sequence. A high surrogate takes the
/// low surrogate escape that follows it, if any; a lone surrogate becomes U+FFFD.
#[inline]
pub(crate) fn decode_escape(bytes: &[u8], at: usize) -> (char, usize) {
    let esc = bytes.get(at + 1).copied().unwrap_or(b'\\');
    let mut i = at + 2;
    let ch = match esc {
        b'n' => '\n',
        b't' => '\t',
        b'r' => '\r',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'u' => {
            let hi = hex4(bytes, i);
            i += 4;
            if (0xD800..0xDC00).contains(&hi) {
                // A high surrogate is only meaningful followed by `\uDC00`..`\uDFFF`.
                let lo = if bytes.get(i) == Some(&b'\\')
                    && bytes.get(i + 1) == Some(&b'u')
                    && bytes
                        .get(i + 2..i + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
                {
                    hex4(bytes, i + 2)
                } else {
                    0
                };
                if (0xDC00..0xE000).contains(&lo) {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        .unwrap_or('\u{FFFD}')
                } else {
                    '\u{FFFD}'
                }
            } else {
                char::from_u32(hi).unwrap_or('\u{FFFD}')
            }
        }
        other => other as char,
    };
    (ch, i)
}

/// Index of the next `\\` at or after `from` (or `b.len()`): vector blocks, then eight bytes
/// at a time.
fn next_backslash(b: &[u8], mut from: usize) -> usize {
    if super::scan::VECTOR_BLOCKS {
        while let Some(block) = b.get(from..from + BLOCK) {
            if block_has_backslash(block) {
                break;
            }
            from += BLOCK;
        }
    }
    crate::swar::find_any(b, from, [b'\\'])
}

/// Whether a [`BLOCK`]-byte block holds a backslash (vector compares; see the scanner).
#[inline(always)]
fn block_has_backslash(block: &[u8]) -> bool {
    let Ok(block) = <&[u8; BLOCK]>::try_from(block) else {
        return true;
    };
    let mut low = [0xffu8; BLOCK / 2];
    for half in block.chunks_exact(BLOCK / 2) {
        for (lane, &b) in low.iter_mut().zip(half) {
            *lane = (*lane).min(b ^ b'\\');
        }
    }
    let mut hit = false;
    for lane in low {
        hit |= lane == 0;
    }
    hit
}

/// The value of four hex digits at `b[at..]` (non-digits and missing bytes count as 0;
/// the scanner has validated them).
#[inline]
fn hex4(b: &[u8], at: usize) -> u32 {
    let Some(digits) = b.get(at..at + 4) else {
        return hex4_slow(b, at);
    };
    digits
        .iter()
        .fold(0u32, |v, &c| v * 16 + HEX_VALUE[c as usize] as u32)
}

fn hex4_slow(b: &[u8], at: usize) -> u32 {
    (0..4).fold(0u32, |v, k| {
        v * 16 + b.get(at + k).map_or(0, |&c| HEX_VALUE[c as usize]) as u32
    })
}

/// Hex digit values by byte (0 for non-digits).
static HEX_VALUE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Appends `text` as a JSON string literal (quotes included) to `out`.
/// Non-ASCII is kept as raw UTF-8; quotes, backslashes and control characters are
/// escaped, as are U+2028/U+2029 so the output is also safe inside JavaScript.
pub fn encode_string_into(text: &str, out: &mut Vec<u8>) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, ch) in text.char_indices() {
        let esc: Option<&[u8]> = match ch {
            '"' => Some(b"\\\""),
            '\\' => Some(b"\\\\"),
            '\n' => Some(b"\\n"),
            '\r' => Some(b"\\r"),
            '\t' => Some(b"\\t"),
            '\u{8}' => Some(b"\\b"),
            '\u{c}' => Some(b"\\f"),
            '\u{2028}' => Some(b"\\u2028"),
            '\u{2029}' => Some(b"\\u2029"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => {
                let hex = b"0123456789abcdef";
                let c = ch as u32;
                out.extend_from_slice(b"\\u00");
                out.push(hex[(c >> 4) as usize]);
                out.push(hex[(c & 0xf) as usize]);
            }
        }
        run = i + ch.len_utf8();
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// `text` as a JSON string literal.
pub fn encode_string(text: &str) -> String {
    let mut out = Vec::new();
    encode_string_into(text, &mut out);
    // Only ASCII escapes were added to valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Escapes one reference token of a JSON Pointer (RFC 6901).
pub fn escape_pointer_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let lit = r#""a\"b\\c\n\u00e9\ud83d\ude00\/""#;
        assert_eq!(decode_literal(lit, true), "a\"b\\c\né😀/");
    }

    #[test]
    fn hex_digits_decode_in_either_case() {
        assert_eq!(hex4(b"00e9", 0), 0xe9);
        assert_eq!(hex4(b"x09AfZ", 1), 0x09af);
        assert_eq!(hex4(b"FFFF", 0), 0xffff);
        assert_eq!(hex4(b"12", 0), 0x1200);
    }

    #[test]
    fn lone_surrogate_becomes_replacement_char() {
        assert_eq!(decode_literal(r#""x\ud800y""#, true), "x\u{FFFD}y");
        assert_eq!(decode_literal(r#""\udc00""#, true), "\u{FFFD}");
        assert_eq!(decode_literal(r#""\ud800\u0041""#, true), "\u{FFFD}A");
    }

    #[test]
    fn encodes_controls_quotes_and_keeps_unicode() {
        assert_eq!(
            encode_string("he said \"hi\"\n\u{1}é😀\u{2028}"),
            r#""he said \"hi\"\n\u0001é😀\u2028""#
        );
    }

    #[test]
    fn encode_then_decode_round_trips() {
        for s in [
            "",
            "plain",
            "\\\"",
            "\u{0}\u{1f}\u{7f}",
            "日本語 😀",
            "a\u{2029}b",
        ] {
            let enc = encode_string(s);
            assert_eq!(decode_literal(&enc, true), s);
        }
    }
}
