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

/// Bytes per mask word: bit `k` of word `w` stands for byte `64 * w + k` of the text.
const WORD: usize = 64;

/// Where the scanners can start, found in one pass over the text and kept as bit masks (one
/// `u64` per 64 bytes, so there is one allocation per text however many positions there are,
/// and walking a mask costs nothing per byte that is not in it):
/// - every digit-run start (a digit not preceded by a digit): cards, SSNs, phones, IPv4,
///   street numbers, IBAN check digits, wallets;
/// - every ASCII capital: PERSON's first-name + surname search begins at those after a space
///   (the second word of a name, back from there to the first word's capital);
/// - every `:` (IPv6, URL credentials), every `@` (email), every `:`, `-` or `.` (MAC).
///
/// The pass tests 16 bytes at once (SSE2 natively on x86-64, wasm SIMD in a function of its own
/// in a module built without `simd128`, a byte at a time elsewhere). It replaced a SWAR search
/// for the digit starts, another for PERSON's capitals and a search per rare byte that each
/// returned to its caller at every hit (in prose, at every `.`) and grew a vector of positions.
pub(crate) struct ByteMap {
    /// Mask words per list.
    words: usize,
    /// The five lists, `words` each, in [`List`] order.
    masks: Vec<u64>,
}

#[derive(Clone, Copy)]
enum List {
    DigitStarts,
    Capitals,
    Colons,
    Ats,
    MacSeps,
}

const LISTS: usize = 5;

/// One 64-byte block's byte classes: bit `k` for byte `k` of the block.
#[derive(Clone, Copy, Default)]
struct Classes {
    digit: u64,
    upper: u64,
    colon: u64,
    at: u64,
    /// `:`, `-` or `.`.
    sep: u64,
}

impl ByteMap {
    pub fn new(hay: &[u8]) -> ByteMap {
        let words = hay.len().div_ceil(WORD);
        let mut masks = vec![0u64; LISTS * words];
        fill(hay, &mut masks, words);
        ByteMap { words, masks }
    }

    fn list(&self, list: List) -> Positions<'_> {
        let w = list as usize * self.words;
        Positions(&self.masks[w..w + self.words])
    }

    /// Every position whose byte is an ASCII digit and the byte before it is not.
    pub fn digit_starts(&self) -> Positions<'_> {
        self.list(List::DigitStarts)
    }

    /// Every ASCII capital.
    pub fn capitals(&self) -> Positions<'_> {
        self.list(List::Capitals)
    }

    /// Every `:`.
    pub fn colons(&self) -> Positions<'_> {
        self.list(List::Colons)
    }

    /// Every `@`.
    pub fn ats(&self) -> Positions<'_> {
        self.list(List::Ats)
    }

    /// Every `:`, `-` and `.`.
    pub fn mac_seps(&self) -> Positions<'_> {
        self.list(List::MacSeps)
    }
}

/// The masks of every 64-byte block, from one [`Classes`] per block (the last block padded
/// with zero bytes, which are in no class).
#[inline(always)]
fn fill_with(
    hay: &[u8],
    masks: &mut [u64],
    words: usize,
    classify: impl Fn(&[u8; WORD]) -> Classes,
) {
    // The lists in `List` order.
    let (digit_starts, rest) = masks.split_at_mut(words);
    let (capitals, rest) = rest.split_at_mut(words);
    let (colons, rest) = rest.split_at_mut(words);
    let (ats, mac_seps) = rest.split_at_mut(words);
    let lists = digit_starts
        .iter_mut()
        .zip(capitals.iter_mut())
        .zip(colons.iter_mut())
        .zip(ats.iter_mut())
        .zip(mac_seps.iter_mut());
    let mut digit_before = 0u64;
    for (chunk, ((((digit_start, capital), colon), at), mac_sep)) in hay.chunks(WORD).zip(lists) {
        let c = match <&[u8; WORD]>::try_from(chunk) {
            Ok(block) => classify(block),
            Err(_) => {
                let mut block = [0u8; WORD];
                block[..chunk.len()].copy_from_slice(chunk);
                classify(&block)
            }
        };
        *digit_start = c.digit & !(c.digit << 1 | digit_before);
        *capital = c.upper;
        *colon = c.colon;
        *at = c.at;
        *mac_sep = c.sep;
        digit_before = c.digit >> 63;
    }
}

#[cfg(target_arch = "x86_64")]
fn fill(hay: &[u8], masks: &mut [u64], words: usize) {
    // SAFETY: SSE2 is part of x86-64.
    unsafe { fill_sse2(hay, masks, words) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn fill_sse2(hay: &[u8], masks: &mut [u64], words: usize) {
    use core::arch::x86_64::*;
    fill_with(hay, masks, words, |block| {
        let mut c = Classes::default();
        for k in 0..WORD / 16 {
            // SAFETY: bytes 16k..16k+16 lie inside the block; loadu takes any alignment.
            let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * k).cast()) };
            // `lo..=hi` (ASCII) as one signed compare: `v + (0x80 - lo)` is at most
            // `-128 + (hi - lo)` exactly for the bytes in range.
            let in_range = |lo: u8, hi: u8| {
                let t = _mm_add_epi8(v, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8));
                _mm_cmpgt_epi8(_mm_set1_epi8((0x81 + hi - lo) as i8), t)
            };
            let eq = |x: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(x as i8));
            let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16) << (16 * k);
            let colon = eq(b':');
            c.digit |= bits(in_range(b'0', b'9'));
            c.upper |= bits(in_range(b'A', b'Z'));
            c.colon |= bits(colon);
            c.at |= bits(eq(b'@'));
            c.sep |= bits(_mm_or_si128(colon, _mm_or_si128(eq(b'-'), eq(b'.'))));
        }
        c
    });
}

/// Wasm SIMD in a module built without `simd128` (which, module-wide, made Envoy's V8 slower:
/// see parapet-core's JSON scanner): the whole pass is one `#[target_feature]` function, so
/// the per-block work is inlined into it. Safe to call without the feature: a host without
/// SIMD refuses the module when it loads it.
#[cfg(target_arch = "wasm32")]
#[target_feature(enable = "simd128")]
fn fill(hay: &[u8], masks: &mut [u64], words: usize) {
    use core::arch::wasm32::*;
    fill_with(hay, masks, words, |block| {
        let mut c = Classes::default();
        for k in 0..WORD / 16 {
            // SAFETY: bytes 16k..16k+16 lie inside the block; v128_load takes any alignment.
            let v = unsafe { v128_load(block.as_ptr().add(16 * k).cast()) };
            let in_range = |lo: u8, hi: u8| {
                v128_and(u8x16_ge(v, u8x16_splat(lo)), u8x16_le(v, u8x16_splat(hi)))
            };
            let eq = |x: u8| u8x16_eq(v, u8x16_splat(x));
            let bits = |m: v128| u64::from(u8x16_bitmask(m)) << (16 * k);
            let colon = eq(b':');
            c.digit |= bits(in_range(b'0', b'9'));
            c.upper |= bits(in_range(b'A', b'Z'));
            c.colon |= bits(colon);
            c.at |= bits(eq(b'@'));
            c.sep |= bits(v128_or(colon, v128_or(eq(b'-'), eq(b'.'))));
        }
        c
    })
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
fn fill(hay: &[u8], masks: &mut [u64], words: usize) {
    fill_with(hay, masks, words, classify_bytes);
}

/// The classes a byte at a time: the other targets' pass, and the tests' reference.
#[cfg_attr(any(target_arch = "x86_64", target_arch = "wasm32"), allow(dead_code))]
fn classify_bytes(block: &[u8; WORD]) -> Classes {
    let mut c = Classes::default();
    for (k, &x) in block.iter().enumerate() {
        let bit = |yes: bool| u64::from(yes) << k;
        c.digit |= bit(x.is_ascii_digit());
        c.upper |= bit(x.is_ascii_uppercase());
        c.colon |= bit(x == b':');
        c.at |= bit(x == b'@');
        c.sep |= bit(matches!(x, b':' | b'-' | b'.'));
    }
    c
}

/// One list of a [`ByteMap`]: positions in increasing order.
#[derive(Clone, Copy)]
pub(crate) struct Positions<'a>(&'a [u64]);

impl<'a> Positions<'a> {
    pub fn iter(self) -> PositionIter<'a> {
        PositionIter {
            words: self.0,
            base: 0,
            bits: 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    pub fn count(self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
}

pub(crate) struct PositionIter<'a> {
    /// Words not yet loaded.
    words: &'a [u64],
    /// Position of bit 0 of the next word.
    base: usize,
    /// Bits of the current word not yet reported.
    bits: u64,
}

impl Iterator for PositionIter<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            let (&w, rest) = self.words.split_first()?;
            self.words = rest;
            self.bits = w;
            self.base += WORD;
        }
        let k = self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(self.base - WORD + k)
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

    /// Every length around the 16- and 64-byte blocks, each class of byte in every position,
    /// against the definitions byte by byte.
    #[test]
    fn byte_map_equals_a_byte_by_byte_search() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let alphabet = b":-.@a0 9AZ[`/\xc3\xa9\x80\xff";
        for len in 0..200 {
            for _ in 0..20 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let of = |at: &dyn Fn(usize) -> bool| -> Vec<usize> {
                    (0..hay.len()).filter(|&i| at(i)).collect()
                };
                let map = ByteMap::new(&hay);
                let got = |p: Positions| p.iter().collect::<Vec<_>>();
                let digit = |i: usize| hay[i].is_ascii_digit();
                assert_eq!(
                    got(map.digit_starts()),
                    of(&|i| digit(i) && (i == 0 || !digit(i - 1))),
                    "{hay:?}"
                );
                assert_eq!(
                    got(map.capitals()),
                    of(&|i| hay[i].is_ascii_uppercase()),
                    "{hay:?}"
                );
                assert_eq!(got(map.colons()), of(&|i| hay[i] == b':'), "{hay:?}");
                assert_eq!(got(map.ats()), of(&|i| hay[i] == b'@'), "{hay:?}");
                assert_eq!(map.ats().is_empty(), !hay.contains(&b'@'), "{hay:?}");
                assert_eq!(
                    got(map.mac_seps()),
                    of(&|i| matches!(hay[i], b':' | b'-' | b'.')),
                    "{hay:?}"
                );
            }
        }
    }

    /// The SIMD classes equal the byte-at-a-time ones for every byte value in every lane.
    #[test]
    fn block_classes_equal_the_bytewise_ones() {
        for v in 0..=255u8 {
            for lane in [0, 1, 15, 16, 31, 47, 62, 63] {
                let mut block = [b'x'; WORD];
                block[lane] = v;
                let mut masks = vec![0u64; LISTS];
                fill(&block, &mut masks, 1);
                let mut want = vec![0u64; LISTS];
                fill_with(&block, &mut want, 1, classify_bytes);
                assert_eq!(masks, want, "byte {v} lane {lane}");
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
