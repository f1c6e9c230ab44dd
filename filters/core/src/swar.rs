//! Finding bytes eight at a time (SWAR on little-endian `u64` words; portable to wasm, which
//! the modules use without SIMD). The JSON scanner, its string decoder and the SSE framing all
//! look for a few bytes over long runs of other bytes.

/// `0x01` in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in the lane of every byte of `w` equal to `b`, exact up to and including the
/// lowest such lane (a false positive needs a borrow, and borrows only start at a true match
/// below it), so `trailing_zeros() / 8` is the index of the first match.
#[inline(always)]
pub(crate) fn eq_bits(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The index of the first byte at or after `from` that is one of `needles`, or `hay.len()`.
#[inline(always)]
pub(crate) fn find_any<const N: usize>(hay: &[u8], mut from: usize, needles: [u8; N]) -> usize {
    while let Some(chunk) = hay.get(from..from + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let hits = needles.iter().fold(0, |m, &n| m | eq_bits(w, n));
        if hits != 0 {
            return from + (hits.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while from < hay.len() && !needles.contains(&hay[from]) {
        from += 1;
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_any_finds_the_first_needle_at_every_position() {
        // Every offset of a needle in a run longer than a word, every start, and bytes around
        // it that differ from a needle by one bit (0x0b, 0x0c, 0x8a, 0x8d, 0x5d).
        for len in 0..40 {
            for at in 0..=len {
                for b in [b'\n', b'\r', b'\\'] {
                    let mut hay: Vec<u8> = (0..len)
                        .map(|i| [b'a', 0x0b, 0x0c, 0x8a, 0x8d, 0x5d][i % 6])
                        .collect();
                    if at < len {
                        hay[at] = b;
                    }
                    for from in 0..=len {
                        let first = |needles: &[u8]| {
                            (from..len)
                                .find(|&i| needles.contains(&hay[i]))
                                .unwrap_or(len)
                        };
                        let lines = find_any(&hay, from, [b'\n', b'\r']);
                        assert_eq!(lines, first(b"\n\r"), "len {len} at {at} from {from}");
                        let slash = find_any(&hay, from, [b'\\']);
                        assert_eq!(slash, first(b"\\"), "len {len} at {at} from {from}");
                    }
                }
            }
        }
    }
}
