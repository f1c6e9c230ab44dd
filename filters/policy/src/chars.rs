//! Counting a prompt's characters (`llm.prompt_chars`): the part of the filter's own work that
//! grows with the prompt, besides parsing it.
//!
//! `str::chars().count()` counts a machine word at a time, and a word is four bytes in wasm32
//! (no SIMD in Parapet's build). wasm has 64-bit integer operations, so the module counts eight
//! bytes per step. The words are read as `[u8; 8]` arrays: a load of a fixed size compiles to
//! one `i64.load` (four per 32-byte block), where copying from a slice (an earlier version) left a `memcpy` call per word
//! at the wasm profile's opt-level and was slower than the standard count. Natively the
//! standard library's vectorised count stays.

/// The number of `char`s in `text`, as `text.chars().count()`.
pub fn count(text: &str) -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        count_by_words(text)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.chars().count()
    }
}

/// One byte set in each lane.
#[cfg(any(test, target_arch = "wasm32"))]
const LANES: u64 = 0x0101_0101_0101_0101;

/// Counts the bytes that start a character (every byte but the `0b10xx_xxxx` continuations).
#[cfg(any(test, target_arch = "wasm32"))]
fn count_by_words(text: &str) -> usize {
    let (blocks, rest) = text.as_bytes().as_chunks::<32>();
    let (words, tail) = rest.as_chunks::<8>();
    let starts = |word: [u8; 8]| {
        let x = u64::from_le_bytes(word);
        ((!x >> 7) | (x >> 6)) & LANES
    };
    let mut total = 0;
    // A lane gains at most four per block: fold the lanes into `total` before any reaches 256.
    for run in blocks.chunks(63) {
        let mut lanes = 0u64;
        for block in run {
            let (w, _) = block.as_chunks::<8>();
            lanes += starts(w[0]) + starts(w[1]) + starts(w[2]) + starts(w[3]);
        }
        total += sum_lanes(lanes);
    }
    total += sum_lanes(words.iter().map(|&w| starts(w)).sum());
    total + tail.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// The sum of the eight byte lanes of `lanes` (each below 256).
#[cfg(any(test, target_arch = "wasm32"))]
fn sum_lanes(lanes: u64) -> usize {
    let pairs = (lanes & 0x00ff_00ff_00ff_00ff) + ((lanes >> 8) & 0x00ff_00ff_00ff_00ff);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize
}

#[cfg(test)]
mod tests {
    use super::count_by_words;

    #[test]
    fn counts_as_the_standard_library_does_for_every_length_and_script() {
        let pieces = ["a", "é", "€", "𝄞", "\n", "日本", "ß"];
        for seed in 0..pieces.len() {
            let mut text = String::new();
            for i in 0..2_200 {
                assert_eq!(count_by_words(&text), text.chars().count(), "{text:?}");
                text.push_str(pieces[(i * 7 + seed * 3 + i / 5) % pieces.len()]);
            }
        }
    }

    #[test]
    fn lanes_do_not_overflow_on_long_runs_of_ascii_or_multibyte_text() {
        for unit in ["a", "é", "𝄞"] {
            let text = unit.repeat(10_000);
            assert_eq!(count_by_words(&text), 10_000);
        }
    }
}
