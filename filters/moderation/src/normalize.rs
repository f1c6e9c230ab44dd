//! Incremental text normalisation with a map back to the original bytes.
//!
//! Every detector looks at the *normalised* text: lower case, runs of whitespace collapsed to one
//! space, zero-width characters dropped, curly quotes made straight, full-width ASCII folded. The
//! normaliser works one character at a time and keeps only the state of the previous character,
//! so the normalised bytes never depend on where the input was split. Each normalised byte records
//! the byte range of the original character it came from, so spans found in normalised text map
//! back to exact spans of the original output.

use std::collections::VecDeque;

/// Normalised text with absolute positions, trimmed from the front as the scanner moves on.
#[derive(Debug, Default)]
pub(crate) struct NormText {
    /// Absolute normalised position of `bytes[0]`.
    base: usize,
    bytes: Vec<u8>,
    /// Where the normalised bytes came from, in runs (the first one covers `base`). Most output
    /// is ASCII, one normalised byte per original byte, so a run usually spans many words: a
    /// table entry per normalised byte cost more to fill and to trim than the rest of the
    /// normalisation.
    runs: VecDeque<Run>,
    /// Absolute positions of collapsed-whitespace bytes whose run contained a line break.
    line_breaks: VecDeque<usize>,
    in_space: bool,
}

/// Normalised bytes from absolute position `norm` up to the next run's start.
#[derive(Debug, Clone, Copy)]
struct Run {
    norm: usize,
    /// Absolute original offset of the run's first character.
    raw: usize,
    /// 0: the run's byte `i` came from the one-byte character at `raw + i`. Otherwise every
    /// byte of the run came from the one character of this many bytes at `raw`.
    char_len: u8,
}

/// Word bytes for boundary checks: ASCII alphanumerics, `_`, and any non-ASCII byte (letters of
/// other scripts must not be split into "words" by their UTF-8 continuation bytes).
pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// ASCII bytes that `char::is_whitespace` accepts (with vertical tab, unlike
/// `u8::is_ascii_whitespace`).
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Eight bytes as a little-endian `u64` (byte 0 lowest), if there are eight.
fn block(s: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = s.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Length of the stretch at the start of `s` that normalises to itself lower-cased, byte for
/// byte: ASCII without whitespace other than single spaces (`after_space`: a space came just
/// before `s`). Eight bytes at a time (SWAR): per byte, bit 7 of each mask says whether it is
/// non-ASCII, one of `\t \n \x0B \x0C \r`, or a space (the adds on 7-bit bytes cannot carry).
fn plain_ascii_len(s: &[u8], mut after_space: bool) -> usize {
    let mut n = 0;
    while let Some(x) = block(s, n) {
        let high = x & HIGH_BITS;
        let y = x & !HIGH_BITS;
        let control_space = (y + 0x77 * LOW_BITS) & !(y + 0x72 * LOW_BITS) & HIGH_BITS;
        let space = !((y ^ (0x20 * LOW_BITS)) + 0x7F * LOW_BITS) & HIGH_BITS & !high;
        let space_before = space << 8 | u64::from(after_space) << 7;
        let stop = high | control_space | (space & space_before);
        if stop != 0 {
            return n + (stop.trailing_zeros() / 8) as usize;
        }
        after_space = space >> 63 != 0;
        n += 8;
    }
    for &c in &s[n..] {
        let space = c == b' ';
        if c >= 0x80 || (space && after_space) || (!space && is_ascii_space(c)) {
            break;
        }
        after_space = space;
        n += 1;
    }
    n
}

/// Appends ASCII `s` lower-cased, eight bytes at a time.
fn push_lowercase(out: &mut Vec<u8>, s: &[u8]) {
    let mut n = 0;
    while let Some(x) = block(s, n) {
        // Bit 5 added to the bytes in `A..=Z` (bit 7 of the mask, shifted down).
        let upper = (x + 0x3F * LOW_BITS) & !(x + 0x25 * LOW_BITS) & HIGH_BITS;
        out.extend_from_slice(&(x | upper >> 2).to_le_bytes());
        n += 8;
    }
    out.extend(s[n..].iter().map(u8::to_ascii_lowercase));
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Characters that are their own lower case, by range: spares CJK text a search of the case
/// tables per character (a test checks the ranges against `char::to_lowercase`).
fn is_own_lowercase(c: char) -> bool {
    matches!(c as u32, 0xDF..=0xFF | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3)
}

fn fold(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

impl NormText {
    /// Absolute position one past the last normalised byte.
    pub(crate) fn end(&self) -> usize {
        self.base + self.bytes.len()
    }

    pub(crate) fn base(&self) -> usize {
        self.base
    }

    /// Records that the next normalised bytes come from the one-byte characters at `raw..`.
    fn map_ascii(&mut self, raw: usize) {
        let end = self.end();
        let continues = self
            .runs
            .back()
            .is_some_and(|r| r.char_len == 0 && r.raw + (end - r.norm) == raw);
        if !continues {
            self.runs.push_back(Run {
                norm: end,
                raw,
                char_len: 0,
            });
        }
    }

    /// Records that the next normalised bytes come from the `len`-byte character at `raw`.
    fn map_char(&mut self, raw: usize, len: usize) {
        self.runs.push_back(Run {
            norm: self.end(),
            raw,
            char_len: len as u8,
        });
    }

    /// Appends `text`, whose first byte is at absolute original offset `raw_offset`.
    pub(crate) fn push(&mut self, text: &str, raw_offset: usize) {
        self.bytes.reserve(text.len());
        let src = text.as_bytes();
        let mut i = 0;
        while let Some(&b) = src.get(i) {
            let start = raw_offset + i;
            if b < 0x80 && (b == b' ' && !self.in_space || !is_ascii_space(b)) {
                // A stretch of ASCII that needs no more than lower-casing, one byte per byte:
                // neither invisible, nor folded, nor whitespace beyond single spaces.
                let n = plain_ascii_len(&src[i..], self.in_space);
                self.in_space = src[i + n - 1] == b' ';
                self.map_ascii(start);
                push_lowercase(&mut self.bytes, &src[i..i + n]);
                i += n;
                continue;
            }
            if b < 0x80 {
                if !self.in_space {
                    self.in_space = true;
                    self.map_ascii(start);
                    self.bytes.push(b' ');
                }
                if b == b'\n' {
                    let at = self.end() - 1;
                    if self.line_breaks.back() != Some(&at) {
                        self.line_breaks.push_back(at);
                    }
                }
                i += 1;
                continue;
            }
            let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
                break;
            };
            let len = c.len_utf8();
            i += len;
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                if !self.in_space {
                    self.in_space = true;
                    self.map_char(start, len);
                    self.bytes.push(b' ');
                }
                continue;
            }
            self.in_space = false;
            self.map_char(start, len);
            let c = fold(c);
            if c.is_ascii() {
                self.bytes.push(c.to_ascii_lowercase() as u8);
            } else if is_own_lowercase(c) {
                let mut buf = [0u8; 4];
                self.bytes
                    .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            } else {
                let mut buf = [0u8; 4];
                for lc in c.to_lowercase() {
                    self.bytes
                        .extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }

    /// Bytes in the absolute range `[from, to)`, clamped to what is kept.
    pub(crate) fn slice(&self, from: usize, to: usize) -> &[u8] {
        let from = from.clamp(self.base, self.end()) - self.base;
        let to = to.clamp(self.base, self.end()) - self.base;
        if from >= to {
            return &[];
        }
        &self.bytes[from..to]
    }

    /// The byte at absolute position `at`, if kept.
    pub(crate) fn byte(&self, at: usize) -> Option<u8> {
        if at < self.base {
            return None;
        }
        self.bytes.get(at - self.base).copied()
    }

    /// Original range of the character that produced normalised byte `at`.
    pub(crate) fn raw_range(&self, at: usize) -> Option<(usize, usize)> {
        if at < self.base || at >= self.end() {
            return None;
        }
        let i = self.runs.partition_point(|r| r.norm <= at).checked_sub(1)?;
        let r = self.runs.get(i)?;
        Some(match r.char_len {
            0 => (r.raw + (at - r.norm), r.raw + (at - r.norm) + 1),
            n => (r.raw, r.raw + usize::from(n)),
        })
    }

    /// Original byte span of the normalised span `[start, end)`.
    pub(crate) fn raw_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let (s, _) = self.raw_range(start)?;
        let (_, e) = self.raw_range(end.checked_sub(1)?)?;
        Some((s, e))
    }

    /// Whether a line break lies in the absolute range `[from, to)`.
    pub(crate) fn has_line_break(&self, from: usize, to: usize) -> bool {
        self.line_breaks.iter().any(|&p| p >= from && p < to)
    }

    /// Position of the last line break strictly before `at` (the start of `at`'s line is one after).
    pub(crate) fn last_line_break_before(&self, at: usize) -> Option<usize> {
        self.line_breaks.iter().rev().find(|&&p| p < at).copied()
    }

    /// Drops everything before absolute position `keep_from`.
    pub(crate) fn trim_front(&mut self, keep_from: usize) {
        if keep_from <= self.base {
            return;
        }
        let n = (keep_from - self.base).min(self.bytes.len());
        self.bytes.drain(..n);
        self.base += n;
        while self.runs.get(1).is_some_and(|r| r.norm <= self.base) {
            self.runs.pop_front();
        }
        while self.line_breaks.front().is_some_and(|&p| p < self.base) {
            self.line_breaks.pop_front();
        }
    }
}

/// Normalises a whole string (used for system prompts and configuration patterns).
pub(crate) fn normalize_str(text: &str) -> Vec<u8> {
    let mut n = NormText::default();
    n.push(text, 0);
    n.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_quotes_and_invisibles() {
        let s = "Hello,\u{200B}  WORLD\n\n\u{201C}Quote\u{201D} don\u{2019}t \u{FF21}";
        assert_eq!(normalize_str(s), b"hello, world \"quote\" don't a".to_vec());
    }

    #[test]
    fn maps_back_to_original_bytes() {
        let mut n = NormText::default();
        n.push("Ab  \u{00C9}x", 10);
        // "ab éx": 'é' is two normalised bytes that map to the two-byte original 'É'.
        assert_eq!(n.slice(0, 100), "ab éx".as_bytes());
        assert_eq!(n.raw_span(0, 2), Some((10, 12)));
        assert_eq!(n.raw_span(3, 5), Some((14, 16)));
        assert_eq!(n.raw_span(2, 3), Some((12, 13)));
    }

    #[test]
    fn every_ascii_character_normalises_as_the_rules_say() {
        for b in 0u8..0x80 {
            let c = b as char;
            let text = format!("A{c}{c}B");
            let mut n = NormText::default();
            n.push(&text, 0);
            if c.is_whitespace() {
                // Runs of any whitespace (including vertical tab) collapse to one space.
                assert_eq!(n.slice(0, 100), b"a b", "{b:#x}");
                assert_eq!(n.raw_span(1, 2), Some((1, 2)), "{b:#x}");
                assert_eq!(n.has_line_break(0, 100), c == '\n', "{b:#x}");
            } else {
                let l = c.to_ascii_lowercase() as u8;
                assert_eq!(n.slice(0, 100), [b'a', l, l, b'b'], "{b:#x}");
                assert_eq!(n.raw_span(2, 3), Some((2, 3)), "{b:#x}");
            }
        }
    }

    /// The normalisation one character at a time with a range per normalised byte, as it was
    /// first written: (bytes, original range of each byte, line-break positions).
    fn by_char(text: &str) -> (Vec<u8>, Vec<(usize, usize)>, Vec<usize>) {
        let (mut bytes, mut raw, mut breaks) = (Vec::new(), Vec::new(), Vec::new());
        let mut in_space = false;
        for (i, c) in text.char_indices() {
            let range = (i, i + c.len_utf8());
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                if !in_space {
                    in_space = true;
                    bytes.push(b' ');
                    raw.push(range);
                }
                if c == '\n' && breaks.last() != Some(&(bytes.len() - 1)) {
                    breaks.push(bytes.len() - 1);
                }
                continue;
            }
            in_space = false;
            let mut buf = [0u8; 4];
            for lc in fold(c).to_lowercase() {
                for b in lc.encode_utf8(&mut buf).bytes() {
                    bytes.push(b);
                    raw.push(range);
                }
            }
        }
        (bytes, raw, breaks)
    }

    #[test]
    fn runs_map_every_byte_like_a_table_per_byte() {
        let mixed: Vec<char> = "aZ09 .,\n\t\r\x0B\x0C_-éÉİẞΣЖ東🙂\u{200B}\u{00AD}\u{2019}\u{201C}\u{FF21}\u{FF41}\u{3000}\u{85}\u{2028}\u{A0}"
            .chars()
            .collect();
        // Mostly ASCII, so that stretches of eight plain bytes and more are common.
        let ascii: Vec<char> = "abcdefghijklmnopqrstuvwxyzABCXYZ019    ,.-_\n\t\r\x0B\x0C\u{A0}é"
            .chars()
            .collect();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for round in 0..6000 {
            let alphabet = if round % 2 == 0 { &mixed } else { &ascii };
            let len = next(120);
            let text: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let (bytes, raw, breaks) = by_char(&text);
            let mut n = NormText::default();
            let mut at = 0;
            while at < text.len() {
                // Whole texts too: pieces of eight bytes and more take the SWAR paths.
                let step = if round % 3 == 0 {
                    text.len()
                } else {
                    1 + next(12)
                };
                let mut cut = (at + step).min(text.len());
                while !text.is_char_boundary(cut) {
                    cut += 1;
                }
                n.push(&text[at..cut], at);
                at = cut;
            }
            assert_eq!(n.slice(0, usize::MAX), bytes.as_slice(), "{text:?}");
            let keep = next(bytes.len() + 1);
            n.trim_front(keep);
            for (i, &r) in raw.iter().enumerate() {
                let want = (i >= keep).then_some(r);
                assert_eq!(n.raw_range(i), want, "{text:?} byte {i}");
            }
            assert_eq!(n.raw_range(bytes.len()), None);
            for p in 0..=bytes.len() + 1 {
                let want = breaks.iter().rev().find(|&&b| b < p && b >= keep).copied();
                assert_eq!(n.last_line_break_before(p), want, "{text:?} at {p}");
            }
        }
    }

    #[test]
    fn own_lowercase_ranges_agree_with_the_case_tables() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if is_own_lowercase(c) {
                assert!(c.to_lowercase().eq([c]), "{:#x}", c as u32);
            }
        }
    }

    #[test]
    fn split_does_not_change_output() {
        let s = "a \n b\u{200B}c  D\u{2019}e";
        let whole = normalize_str(s);
        for cut in (0..=s.len()).filter(|&i| s.is_char_boundary(i)) {
            let mut n = NormText::default();
            n.push(&s[..cut], 0);
            n.push(&s[cut..], cut);
            assert_eq!(n.slice(0, 1000), whole.as_slice(), "cut {cut}");
            assert!(n.has_line_break(0, 100));
        }
    }
}
