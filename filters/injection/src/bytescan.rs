//! Finding bytes eight at a time (SWAR on `u64` words, portable to wasm without SIMD).
//!
//! Several passes only need to know where a few trigger bytes are (`%` for URL escapes,
//! brackets for suffixes, `](` and `<img` for exfiltration links) and most texts have few or
//! none of them: a byte-by-byte search with an early exit was one of the larger costs of
//! ordinary prompts, the word-at-a-time test is several times cheaper.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

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

/// End of the run of ASCII letters starting at `at` (`at` itself when it holds none).
#[inline]
pub fn ascii_letters_end(hay: &[u8], mut at: usize) -> usize {
    while let Some(chunk) = hay.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let v = u64::from_le_bytes(word);
        // Per byte below 0x80, folded to lower case: at least `a` and below `{`. Seven-bit
        // bytes plus 0x1F or 0x05 stay below 0x100, so no carry crosses into the next byte.
        let x = (v & !HI) | (LO * 0x20);
        let letters = x.wrapping_add(LO * 0x1F) & !x.wrapping_add(LO * 0x05) & !v & HI;
        let others = !letters & HI;
        if others != 0 {
            return at + (others.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while hay.get(at).is_some_and(u8::is_ascii_alphabetic) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_runs_end_where_bytewise_scans_end() {
        // Every byte value at every offset of a run of letters, runs of every length.
        for len in 0..20 {
            for at in 0..=len {
                for b in 0..=255u8 {
                    let mut hay: Vec<u8> = (0..len).map(|k| b"aZqM"[k % 4]).collect();
                    if at < len {
                        hay[at] = b;
                    }
                    for from in 0..=len {
                        let mut want = from;
                        while hay.get(want).is_some_and(u8::is_ascii_alphabetic) {
                            want += 1;
                        }
                        assert_eq!(ascii_letters_end(&hay, from), want, "{hay:?} from {from}");
                    }
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
