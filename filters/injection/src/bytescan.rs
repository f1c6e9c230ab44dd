//! Finding bytes eight at a time (SWAR on `u64` words, portable to wasm without SIMD).
//!
//! Several passes only need to know where a few trigger bytes are (`%` for URL escapes,
//! brackets for suffixes, `](` and `<img` for exfiltration links) and most texts have few or
//! none of them: a byte-by-byte search with an early exit was one of the larger costs of
//! ordinary prompts, the word-at-a-time test is several times cheaper.

pub const LO: u64 = 0x0101_0101_0101_0101;
pub const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `v` equal to `b`, exact up to the lowest one: a false
/// positive needs a borrow, and borrows only start at a true match below it.
#[inline(always)]
fn eq_bits(v: u64, b: u8) -> u64 {
    let x = v ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

/// Offset of the first byte of `hay` that is one of `needles`.
#[inline]
pub fn find_any<const N: usize>(hay: &[u8], needles: [u8; N]) -> Option<usize> {
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        let hits = needles.iter().fold(0, |m, &n| m | eq_bits(v, n));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|k| at + k)
}

/// The eight bytes of `hay` at `at` as a little-endian word, padded with `pad` past the end.
#[inline(always)]
pub fn load_padded(hay: &[u8], at: usize, pad: u8) -> u64 {
    match hay.get(at..at + 8) {
        Some(chunk) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            u64::from_le_bytes(word)
        }
        None => {
            let mut word = [pad; 8];
            let rest = hay.get(at..).unwrap_or_default();
            word[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(word)
        }
    }
}

/// High bit set in each byte of `v` that is at least `c`, for `v` of ASCII bytes (no byte
/// sum carries into the next byte).
#[inline(always)]
pub fn ascii_ge(v: u64, c: u8) -> u64 {
    v.wrapping_add(LO * u64::from(0x80 - c)) & HI
}

/// High bit set in each byte of `v` equal to `c`, for `v` of ASCII bytes and ASCII `c`.
#[inline(always)]
pub fn ascii_eq(v: u64, c: u8) -> u64 {
    !(v ^ (LO * u64::from(c))).wrapping_add(LO * 0x7F) & HI
}

/// High bit set in each ASCII letter of `v` (ASCII bytes), either case.
#[inline(always)]
pub fn ascii_letters(v: u64) -> u64 {
    let x = v | (LO * 0x20);
    ascii_ge(x, b'a') & !ascii_ge(x, b'z' + 1)
}

/// High bit set in each ASCII digit of `v` (ASCII bytes).
#[inline(always)]
pub fn ascii_digits(v: u64) -> u64 {
    ascii_ge(v, b'0') & !ascii_ge(v, b'9' + 1)
}

/// `v` (ASCII bytes) with its upper-case letters lower-cased; `letters` is
/// [`ascii_letters`]`(v)`.
#[inline(always)]
pub fn ascii_lowercase(v: u64, letters: u64) -> u64 {
    // Bit 5 of a letter is set in lower case; shifted to the high bit of the same byte.
    let upper = letters & !(v << 2);
    v | (upper >> 2)
}

/// Offset of the first ASCII whitespace or control byte (below 0x21, or 0x7F) at or after
/// `from`.
#[inline]
pub fn find_ascii_ws(hay: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(chunk) = hay.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        // Seven-bit parts, so no sum carries into the next byte; bytes from 0x80 left out.
        let x = v & !HI;
        let hits = (!x.wrapping_add(LO * 0x5F) | ascii_eq(x, 0x7F)) & !v & HI;
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = hay.get(at..).unwrap_or_default();
    rest.iter()
        .position(|&b| b < 0x21 || b == 0x7F)
        .map(|k| at + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_word_classes_agree_with_bytewise_tests() {
        // Every ASCII byte at every position of a word of other bytes.
        for b in 0..0x80u8 {
            for at in 0..8 {
                for fill in [b'a', b'Z', b'0', b' ', 0, 0x7F, b'@', b'['] {
                    let mut word = [fill; 8];
                    word[at] = b;
                    let v = u64::from_le_bytes(word);
                    let bits = |f: &dyn Fn(u8) -> bool| {
                        word.iter()
                            .enumerate()
                            .fold(0u64, |m, (k, &x)| m | (u64::from(f(x)) << (8 * k + 7)))
                    };
                    let letters = bits(&|x| x.is_ascii_alphabetic());
                    assert_eq!(ascii_letters(v), letters, "{word:?}");
                    assert_eq!(ascii_digits(v), bits(&|x| x.is_ascii_digit()), "{word:?}");
                    for c in [b' ', b'a', 0x21, 0x7F, 0] {
                        assert_eq!(ascii_eq(v, c), bits(&|x| x == c), "{word:?} {c}");
                        assert_eq!(ascii_ge(v, c), bits(&|x| x >= c), "{word:?} {c}");
                    }
                    let lower = word.map(|x| x.to_ascii_lowercase());
                    assert_eq!(ascii_lowercase(v, letters), u64::from_le_bytes(lower));
                }
            }
        }
    }

    #[test]
    fn finds_whitespace_and_loads_padded_words() {
        // Bytes from 0x80 whose low seven bits would be whitespace or a control: no match.
        for (len, high) in (0..40).flat_map(|len| [0xC3, 0x80, 0x9F, 0xFF].map(|h| (len, h))) {
            for at in 0..=len {
                let mut hay = vec![b'a'; len];
                if at < len {
                    hay[at] = high;
                }
                for from in 0..=len {
                    for ws in [b' ', 0, b'\n', 0x7F] {
                        let mut hay = hay.clone();
                        if at + 1 < len {
                            hay[at + 1] = ws;
                        }
                        let want = hay[from..]
                            .iter()
                            .position(|&b| b < 0x21 || b == 0x7F)
                            .map(|k| from + k);
                        assert_eq!(find_ascii_ws(&hay, from), want, "{hay:?}");
                    }
                    let mut word = [b'!'; 8];
                    for (k, w) in word.iter_mut().enumerate() {
                        if let Some(&b) = hay.get(from + k) {
                            *w = b;
                        }
                    }
                    assert_eq!(load_padded(&hay, from, b'!'), u64::from_le_bytes(word));
                }
            }
        }
    }

    #[test]
    fn finds_the_first_needle_at_every_offset_and_length() {
        let needles = [b'%', b'(', b'}'];
        // Bytes next to the needles (and 0x00/0x01/0x80, where borrows start) around them.
        let fill = [b'a', 0, 1, 0x80, 0xFF, b'$', b'&', b'|', b'~', b')'];
        for len in 0..40 {
            for at in 0..=len {
                for &f in &fill {
                    for &n in &needles {
                        let mut hay = vec![f; len];
                        if at < len {
                            hay[at] = n;
                        }
                        // A second needle after the first must not move the answer.
                        if at + 3 < len {
                            hay[at + 3] = needles[0];
                        }
                        let want = hay.iter().position(|b| needles.contains(b));
                        assert_eq!(find_any(&hay, needles), want, "{hay:?}");
                    }
                }
            }
        }
    }
}
