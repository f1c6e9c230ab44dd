//! Counting a text's characters (`llm.prompt_chars`): the part of the filter's own work that
//! grows with the prompt.
//!
//! `str::chars().count()` works a machine word at a time, and a word is four bytes in wasm32
//! (which has no SIMD in Parapet's build): the module counted at half the native speed. In wasm
//! the count runs on `u64` words (wasm has 64-bit integer ops), four at a time; natively the
//! standard library's count (vectorised) stays.

/// One byte set in each lane.
#[cfg(any(test, target_arch = "wasm32"))]
const LANES: u64 = 0x0101_0101_0101_0101;

/// The number of `char`s in `text`, as `text.chars().count()`.
pub fn count(text: &str) -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        count_by_u64(text)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.chars().count()
    }
}

/// The bytes of `text` that do not continue a UTF-8 sequence (are not `0b10xx_xxxx`), counted
/// 32 bytes per step.
#[cfg(any(test, target_arch = "wasm32"))]
fn count_by_u64(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut blocks = bytes.chunks_exact(32);
    let mut total = 0usize;
    // Each block adds at most 4 to a lane; fold the lanes into `total` before they reach 256.
    let mut lanes = 0u64;
    let mut pending = 0;
    for block in &mut blocks {
        lanes += starts(&block[0..8])
            + starts(&block[8..16])
            + starts(&block[16..24])
            + starts(&block[24..32]);
        pending += 1;
        if pending == 63 {
            total += sum_lanes(lanes);
            lanes = 0;
            pending = 0;
        }
    }
    let mut words = blocks.remainder().chunks_exact(8);
    for word in &mut words {
        lanes += starts(word);
    }
    total += sum_lanes(lanes);
    total
        + words
            .remainder()
            .iter()
            .filter(|&&b| (b as i8) >= -0x40)
            .count()
}

/// Eight bytes as lanes holding 1 where a character starts (bit 7 clear, or bit 6 set).
#[cfg(any(test, target_arch = "wasm32"))]
#[inline(always)]
fn starts(word: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(word);
    let x = u64::from_le_bytes(bytes);
    ((!x >> 7) | (x >> 6)) & LANES
}

/// The sum of the eight byte lanes of `lanes` (each below 256).
#[cfg(any(test, target_arch = "wasm32"))]
fn sum_lanes(lanes: u64) -> usize {
    let pairs = (lanes & 0x00ff_00ff_00ff_00ff) + ((lanes >> 8) & 0x00ff_00ff_00ff_00ff);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize
}

#[cfg(test)]
mod tests {
    use super::count_by_u64 as count;

    #[test]
    fn counts_as_chars_does_at_every_length_and_offset() {
        let text = "plain ASCII, h\u{e9}llo, \u{4e2d}\u{6587}, \u{1f600} emoji \u{0}\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}";
        for start in 0..text.len() {
            for end in start..=text.len() {
                if let Some(s) = text.get(start..end) {
                    assert_eq!(count(s), s.chars().count(), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn long_texts_fold_their_lanes() {
        for unit in [
            "a",
            "\u{e9}",
            "\u{4e2d}",
            "\u{1f600}",
            "a\u{e9}\u{4e2d}\u{1f600}",
        ] {
            for n in [62 * 32, 63 * 32, 64 * 32 + 11, 70_000] {
                let s = unit.repeat(n);
                assert_eq!(count(&s), s.chars().count(), "{unit:?} x {n}");
            }
        }
    }
}
