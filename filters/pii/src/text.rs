//! Small byte-level helpers shared by the scanners.
//!
//! Scanners work on UTF-8 bytes: every pattern they look for is ASCII, so any span that starts
//! and ends on ASCII bytes is a valid `str` range.

/// True when the byte before `at` does not continue a word (start of text, or not a letter,
/// digit or `_`). Non-ASCII bytes count as word characters so `é1234` is not a boundary.
#[inline]
pub(crate) fn boundary_before(bytes: &[u8], at: usize) -> bool {
    at == 0 || !is_word_byte(bytes[at - 1])
}

/// True when the byte at `at` does not continue a word.
#[inline]
pub(crate) fn boundary_after(bytes: &[u8], at: usize) -> bool {
    at >= bytes.len() || !is_word_byte(bytes[at])
}

#[inline]
pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// True when a digit group continues at `at` through a separator: `-1`, `.1`, `/1`.
/// Numbers that continue this way are longer identifiers (dates, versions, order numbers).
#[inline]
pub(crate) fn continues_number(bytes: &[u8], at: usize) -> bool {
    at + 1 < bytes.len()
        && matches!(bytes[at], b'-' | b'.' | b'/' | b',' | b':')
        && bytes[at + 1].is_ascii_digit()
}

/// Same as [`continues_number`], looking left of `at`.
#[inline]
pub(crate) fn continued_number_before(bytes: &[u8], at: usize) -> bool {
    at >= 2
        && matches!(bytes[at - 1], b'-' | b'.' | b'/' | b',' | b':')
        && bytes[at - 2].is_ascii_digit()
}

/// The lower-cased ASCII text in `[start - before, end + after)`, clamped to the text and to
/// char boundaries. Context words are matched in this window.
pub(crate) fn context_window(
    text: &str,
    start: usize,
    end: usize,
    before: usize,
    after: usize,
) -> String {
    let mut s = start.saturating_sub(before);
    while s > 0 && !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = (end + after).min(text.len());
    while e < text.len() && !text.is_char_boundary(e) {
        e += 1;
    }
    text[s..e].to_ascii_lowercase()
}

/// True when any of `words` (lower-case) occurs in the window before `start` (or right after
/// `end`) as a whole word or word prefix.
pub(crate) fn has_context(
    text: &str,
    start: usize,
    end: usize,
    window: usize,
    words: &[&str],
) -> bool {
    let before = context_window(text, start, start, window, 0);
    let after = context_window(text, end, end, 0, window / 2);
    words
        .iter()
        .any(|w| contains_word(&before, w) || contains_word(&after, w))
}

/// True when one of `words` (lower-case) starts a word in the `window` bytes before `start`.
pub(crate) fn has_word_before(text: &str, start: usize, window: usize, words: &[&str]) -> bool {
    let before = context_window(text, start, start, window, 0);
    words.iter().any(|w| contains_word(&before, w))
}

/// True when one of `words` (lower-case) occurs as a whole word in the `window` bytes before
/// `start`.
pub(crate) fn has_whole_word_before(
    text: &str,
    start: usize,
    window: usize,
    words: &[&str],
) -> bool {
    let before = context_window(text, start, start, window, 0);
    before
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| words.contains(&w))
}

/// `hay` contains `word` starting at a word boundary.
pub(crate) fn contains_word(hay: &str, word: &str) -> bool {
    let hb = hay.as_bytes();
    let mut from = 0;
    while let Some(pos) = hay[from..].find(word) {
        let at = from + pos;
        if at == 0 || !hb[at - 1].is_ascii_alphanumeric() {
            return true;
        }
        from = at + 1;
        while from < hay.len() && !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// High bit set in each byte of the little-endian word `w` that lies in `lo..=hi` (ASCII,
/// `lo > 0`): a SWAR test, exact per byte (no carries cross bytes for these ranges), so eight
/// bytes are ruled out at once. Bytes `>= 0x80` never match.
#[inline]
fn bytes_in_range(w: u64, lo: u8, hi: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7F;
    let below = ONES * (127 + u64::from(hi) + 1) - (w & LOW7); // high bit: byte <= hi
    let above = (w & LOW7) + ONES * (127 - (u64::from(lo) - 1)); // high bit: byte >= lo
    below & above & !w & (ONES * 0x80)
}

/// The first position at or after `from` whose byte is in `lo..=hi` (ASCII, `lo > 0`), or
/// `b.len()`.
#[inline]
pub(crate) fn next_in_range(b: &[u8], from: usize, lo: u8, hi: u8) -> usize {
    // In wasm, 16 bytes per SIMD compare instead of 8 per SWAR word: the digit-run starts and
    // PERSON's capitals are searched this way over the whole text.
    #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
    let from = wasm_simd::skip_out_of_range(b, from, lo, hi);
    next_in_range_swar(b, from, lo, hi)
}

/// [`next_in_range`] eight bytes at a time only, for bytes that are seldom far apart (PERSON's
/// capitals): in wasm the SIMD skip is a call whose setup costs more than it saves there.
#[inline]
pub(crate) fn next_in_range_swar(b: &[u8], from: usize, lo: u8, hi: u8) -> usize {
    let mut i = from;
    while i + 8 <= b.len() {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&b[i..i + 8]);
        let hits = bytes_in_range(u64::from_le_bytes(chunk), lo, hi);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !(lo..=hi).contains(&b[i]) {
        i += 1;
    }
    i
}

/// Where the scanners that start next to a rare byte can start: every `:` (IPv6, URL
/// credentials), every `@` (email) and every `:`, `-` or `.` (MAC separators), each list in
/// increasing order. Lists not asked for stay empty.
#[derive(Default)]
pub(crate) struct RareBytes {
    pub colons: Vec<usize>,
    pub ats: Vec<usize>,
    pub mac_seps: Vec<usize>,
}

impl RareBytes {
    pub fn new(hay: &[u8], colons: bool, ats: bool, mac_seps: bool) -> RareBytes {
        // memchr has no wasm SIMD path in a module built without `simd128`: its fallback tests
        // four bytes (a wasm32 `usize`) per step, for each needle, and the MAC scanner's three
        // needles made it the detector's second most expensive pass in wasmtime. In wasm one
        // SIMD pass fills the three lists (each search was a pass of its own).
        #[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
        {
            wasm_simd::rare_bytes(hay, [colons, ats, mac_seps])
        }
        #[cfg(not(all(target_arch = "wasm32", not(target_feature = "simd128"))))]
        {
            let or_empty =
                |want: bool, v: &dyn Fn() -> Vec<usize>| if want { v() } else { Vec::new() };
            RareBytes {
                colons: or_empty(colons, &|| memchr::memchr_iter(b':', hay).collect()),
                ats: or_empty(ats, &|| memchr::memchr_iter(b'@', hay).collect()),
                mac_seps: or_empty(mac_seps, &|| {
                    memchr::memchr3_iter(b':', b'-', b'.', hay).collect()
                }),
            }
        }
    }
}

/// Wasm SIMD for single functions of a module built without `simd128` (which, module-wide,
/// made Envoy's V8 slower: see parapet-core's JSON scanner). Safe to call without the feature:
/// a host without SIMD refuses the module when it loads it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "simd128")))]
mod wasm_simd {
    use core::arch::wasm32::*;

    /// The first index from `from` on, in steps of 16 bytes, whose block holds a byte in
    /// `lo..=hi` (or that has no whole block left): no such byte is skipped.
    #[target_feature(enable = "simd128")]
    pub(super) fn skip_out_of_range(hay: &[u8], from: usize, lo: u8, hi: u8) -> usize {
        let (vlo, vhi) = (u8x16_splat(lo), u8x16_splat(hi));
        let mut i = from;
        while i + 16 <= hay.len() {
            // SAFETY: i + 16 <= len; v128_load takes unaligned addresses.
            let v = unsafe { v128_load(hay.as_ptr().add(i) as *const v128) };
            if v128_any_true(v128_and(u8x16_ge(v, vlo), u8x16_le(v, vhi))) {
                break;
            }
            i += 16;
        }
        i
    }

    #[target_feature(enable = "simd128")]
    pub(super) fn rare_bytes(hay: &[u8], want: [bool; 3]) -> super::RareBytes {
        let mut out = super::RareBytes::default();
        let splat = u8x16_splat;
        let (colon, at, dash, dot) = (splat(b':'), splat(b'@'), splat(b'-'), splat(b'.'));
        // Lanes of the lists not asked for are cleared, so they are never pushed.
        let keep = |w: bool| if w { u8x16_splat(0xff) } else { u8x16_splat(0) };
        let (keep_colons, keep_ats, keep_seps) = (keep(want[0]), keep(want[1]), keep(want[2]));
        let push = |v: &mut Vec<usize>, base: usize, mut bits: u16| {
            while bits != 0 {
                v.push(base + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        };
        let mut i = 0;
        while i + 16 <= hay.len() {
            // SAFETY: i + 16 <= len; v128_load takes unaligned addresses.
            let v = unsafe { v128_load(hay.as_ptr().add(i) as *const v128) };
            let c = u8x16_eq(v, colon);
            let seps = v128_and(
                keep_seps,
                v128_or(c, v128_or(u8x16_eq(v, dash), u8x16_eq(v, dot))),
            );
            let (c, a) = (
                v128_and(keep_colons, c),
                v128_and(keep_ats, u8x16_eq(v, at)),
            );
            if v128_any_true(v128_or(v128_or(c, seps), a)) {
                push(&mut out.colons, i, u8x16_bitmask(c));
                push(&mut out.ats, i, u8x16_bitmask(a));
                push(&mut out.mac_seps, i, u8x16_bitmask(seps));
            }
            i += 16;
        }
        for (k, &c) in hay[i..].iter().enumerate() {
            if want[0] && c == b':' {
                out.colons.push(i + k);
            }
            if want[1] && c == b'@' {
                out.ats.push(i + k);
            }
            if want[2] && matches!(c, b':' | b'-' | b'.') {
                out.mac_seps.push(i + k);
            }
        }
        out
    }
}

/// Shannon entropy in bits per character.
pub(crate) fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Number of character classes (lower, upper, digit, other) present.
pub(crate) fn char_classes(s: &str) -> usize {
    let b = s.as_bytes();
    [
        b.iter().any(u8::is_ascii_lowercase),
        b.iter().any(u8::is_ascii_uppercase),
        b.iter().any(u8::is_ascii_digit),
        b.iter().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_words_match_at_word_starts_only() {
        assert!(contains_word("my ssn is", "ssn"));
        assert!(!contains_word("lessn is", "ssn"));
    }

    #[test]
    fn entropy_of_repeated_char_is_zero() {
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!(shannon_entropy("a8Kz2pQ9") > 2.9);
    }

    #[test]
    fn next_in_range_finds_the_first_byte_in_range_at_any_offset() {
        let text = "ab\u{e9}c-+/:;@[`{\u{7f}\u{80}xyzQ0 1 9 Z Aé".as_bytes();
        for (lo, hi) in [(b'0', b'9'), (b'A', b'Z'), (b'a', b'z'), (1, 0x7f)] {
            for from in 0..=text.len() {
                let want = (from..text.len())
                    .find(|&i| (lo..=hi).contains(&text[i]))
                    .unwrap_or(text.len());
                assert_eq!(
                    next_in_range(text, from, lo, hi),
                    want,
                    "{lo}..{hi} from {from}"
                );
            }
        }
        // Every byte value, in every lane.
        for v in 0..=255u8 {
            for lane in 0..8 {
                let mut b = [b' '; 8];
                b[lane] = v;
                let want = if v.is_ascii_digit() { lane } else { 8 };
                assert_eq!(
                    next_in_range(&b, 0, b'0', b'9'),
                    want,
                    "byte {v} lane {lane}"
                );
            }
        }
    }

    /// Every length around the 16-byte blocks, the rare bytes in every position.
    #[test]
    fn rare_bytes_equal_a_byte_by_byte_search() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let alphabet = b":-.@a0 \xc3\xa9\x80\xff";
        for len in 0..80 {
            for _ in 0..40 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let of = |set: &[u8]| -> Vec<usize> {
                    (0..hay.len()).filter(|&i| set.contains(&hay[i])).collect()
                };
                let got = RareBytes::new(&hay, true, true, true);
                assert_eq!(got.colons, of(b":"), "{hay:?}");
                assert_eq!(got.ats, of(b"@"), "{hay:?}");
                assert_eq!(got.mac_seps, of(b":-."), "{hay:?}");
            }
        }
    }

    #[test]
    fn window_respects_char_boundaries() {
        let t = "ééééé 123";
        let w = context_window(t, 11, 14, 3, 0);
        assert!(w.ends_with("123"));
    }
}
