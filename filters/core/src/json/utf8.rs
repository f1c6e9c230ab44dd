//! UTF-8 validation inside the scanner's string loop.
//!
//! The scanner does not run a separate validation pass over the body: outside
//! strings the JSON grammar admits only ASCII, and inside strings the fast path
//! stops at every non-ASCII byte, where [`utf8_sequence_len`] checks one sequence
//! exactly (the same rules as [`std::str::from_utf8`]). A body the scanner accepts
//! is therefore valid UTF-8 — which [`scanned_text`] relies on.

/// Length of the well-formed UTF-8 sequence starting at `b[at]` (a byte ≥ 0x80), or
/// `None` when it is not one: a stray continuation byte, an overlong form
/// (C0, C1, E0 80–9F, F0 80–8F), a surrogate (ED A0–BF), above U+10FFFF (F4 90–,
/// F5–FF) or a truncated sequence. Unicode Table 3-7.
// Always: at the wasm profile's opt-level "s" a plain hint was ignored and every non-ASCII
// character in a string paid a call.
#[inline(always)]
pub(crate) fn utf8_sequence_len(b: &[u8], at: usize) -> Option<usize> {
    let cont = |k: usize| b.get(at + k).is_some_and(|&c| c & 0xc0 == 0x80);
    let second_in = |lo: u8, hi: u8| b.get(at + 1).is_some_and(|&c| (lo..=hi).contains(&c));
    let ok = match *b.get(at)? {
        0xc2..=0xdf => return cont(1).then_some(2),
        0xe0 => second_in(0xa0, 0xbf),
        0xed => second_in(0x80, 0x9f),
        0xe1..=0xec | 0xee..=0xef => cont(1),
        0xf0 => second_in(0x90, 0xbf) && cont(2) && cont(3),
        0xf1..=0xf3 => cont(1) && cont(2) && cont(3),
        0xf4 => second_in(0x80, 0x8f) && cont(2) && cont(3),
        _ => return None,
    };
    match b[at] {
        0xe0..=0xef => (ok && cont(2)).then_some(3),
        _ => ok.then_some(4),
    }
}

/// `bytes` as text, without validating them again.
///
/// Only for bytes the scanner has accepted (a whole body after a successful scan, or
/// a span of one that starts and ends on ASCII bytes): see the module docs for why
/// they are valid UTF-8. Debug builds check it.
#[inline]
pub(crate) fn scanned_text(bytes: &[u8]) -> &str {
    debug_assert!(
        std::str::from_utf8(bytes).is_ok(),
        "scanner accepted invalid UTF-8"
    );
    // SAFETY: the scanner only accepts ASCII outside strings and UTF-8 sequences
    // checked by `utf8_sequence_len` (tested against `std::str::from_utf8` on every
    // lead byte and on random bytes) inside them; callers pass accepted bytes cut at
    // ASCII bytes, hence at char boundaries.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Validates `b` the scanner's way: ASCII passes, other bytes by sequences.
    fn validate(b: &[u8]) -> Result<(), usize> {
        let mut i = 0;
        while i < b.len() {
            if b[i] < 0x80 {
                i += 1;
            } else {
                i += utf8_sequence_len(b, i).ok_or(i)?;
            }
        }
        Ok(())
    }

    fn agrees_with_std(b: &[u8]) {
        let std = std::str::from_utf8(b)
            .map(|_| ())
            .map_err(|e| e.valid_up_to());
        assert_eq!(validate(b), std, "bytes {b:02x?}");
    }

    #[test]
    fn every_byte_value_at_every_position() {
        for v in 0..=255u8 {
            for pos in 0..8 {
                // Alone, after ASCII, and followed by continuation bytes of each range.
                let mut b = vec![b'a'; 8];
                b[pos] = v;
                agrees_with_std(&b);
                agrees_with_std(&b[..=pos]);
                for tail in [0x80u8, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0] {
                    let mut b = b.clone();
                    for slot in b.iter_mut().skip(pos + 1) {
                        *slot = tail;
                    }
                    agrees_with_std(&b);
                }
            }
        }
    }

    #[test]
    fn every_two_and_three_byte_prefix() {
        // Every lead byte with every second byte, then (for 3- and 4-byte leads)
        // every third byte after a continuation: all overlong, surrogate and
        // out-of-range boundaries are crossed.
        for lead in 0x80..=0xffu8 {
            for second in 0..=255u8 {
                agrees_with_std(&[lead, second]);
                agrees_with_std(&[lead, second, 0x80, 0x80]);
                agrees_with_std(&[lead, second, 0x80, 0x80, b'x']);
                for third in [0x00u8, 0x7f, 0x80, 0xbf, 0xc0, 0xff] {
                    agrees_with_std(&[lead, second, third]);
                    agrees_with_std(&[lead, second, third, 0x80]);
                }
            }
        }
    }

    #[test]
    fn named_cases() {
        let valid: [&[u8]; 6] = [
            "é".as_bytes(),
            "日本".as_bytes(),
            "😀".as_bytes(),
            "\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}".as_bytes(),
            "\u{d7ff}\u{e000}".as_bytes(),
            b"plain",
        ];
        for b in valid {
            assert_eq!(validate(b), Ok(()), "{b:02x?}");
        }
        let invalid: [(&[u8], usize); 9] = [
            (b"\xc0\xaf", 0),         // overlong '/'
            (b"a\xc1\xbf", 1),        // overlong
            (b"\xe0\x80\xaf", 0),     // overlong 3-byte
            (b"\xf0\x80\x80\xaf", 0), // overlong 4-byte
            (b"x\xed\xa0\x80", 1),    // surrogate D800
            (b"\xed\xbf\xbf", 0),     // surrogate DFFF
            (b"\xf4\x90\x80\x80", 0), // U+110000
            (b"ab\xe6\x97", 2),       // truncated
            (b"\xf0\x9f\x98", 0),     // truncated 4-byte
        ];
        for (b, at) in invalid {
            assert_eq!(validate(b), Err(at), "{b:02x?}");
            agrees_with_std(b);
        }
    }

    #[test]
    fn random_byte_strings() {
        // xorshift: deterministic, no dependency. Strings mix ASCII, valid multibyte
        // text and raw random bytes, so both valid and invalid ones are common.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: [&[u8]; 8] = [
            b"a",
            "é".as_bytes(),
            "日".as_bytes(),
            "😀".as_bytes(),
            "\u{10ffff}".as_bytes(),
            b"\xed\x9f\xbf",
            b"\xee\x80\x80",
            b"\xf4\x8f\xbf\xbf",
        ];
        let (mut valid, mut invalid) = (0, 0);
        for _ in 0..50_000 {
            let len = (next() % 24) as usize;
            let mut b = Vec::new();
            while b.len() < len {
                let r = next();
                match r % 4 {
                    0 => b.push((r >> 8) as u8),
                    1 => b.push(0x80 | (r >> 8) as u8 & 0x7f),
                    _ => b.extend_from_slice(pieces[(r >> 8) as usize % pieces.len()]),
                }
            }
            if std::str::from_utf8(&b).is_ok() {
                valid += 1;
            } else {
                invalid += 1;
            }
            agrees_with_std(&b);
        }
        assert!(
            valid > 1000 && invalid > 1000,
            "{valid} valid, {invalid} invalid"
        );
    }
}
