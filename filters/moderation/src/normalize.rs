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
    /// For each byte in `bytes`: the original character's absolute byte range.
    raw: Vec<(usize, usize)>,
    /// Absolute positions of collapsed-whitespace bytes whose run contained a line break.
    line_breaks: VecDeque<usize>,
    in_space: bool,
}

/// Word bytes for boundary checks: ASCII alphanumerics, `_`, and any non-ASCII byte (letters of
/// other scripts must not be split into "words" by their UTF-8 continuation bytes).
pub(crate) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
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

    /// Appends `text`, whose first byte is at absolute original offset `raw_offset`.
    pub(crate) fn push(&mut self, text: &str, raw_offset: usize) {
        // Most output is ASCII: one normalised byte per input byte.
        self.bytes.reserve(text.len());
        self.raw.reserve(text.len());
        for (i, c) in text.char_indices() {
            let start = raw_offset + i;
            if c.is_ascii() && !c.is_ascii_whitespace() && c != '\u{0B}' {
                // Neither invisible, nor folded, nor whitespace: lower-cased as is.
                self.in_space = false;
                self.bytes.push(c.to_ascii_lowercase() as u8);
                self.raw.push((start, start + 1));
                continue;
            }
            let range = (start, start + c.len_utf8());
            if is_invisible(c) {
                continue;
            }
            if c.is_whitespace() {
                if !self.in_space {
                    self.in_space = true;
                    self.bytes.push(b' ');
                    self.raw.push(range);
                }
                if c == '\n' {
                    let at = self.end() - 1;
                    if self.line_breaks.back() != Some(&at) {
                        self.line_breaks.push_back(at);
                    }
                }
                continue;
            }
            self.in_space = false;
            let c = fold(c);
            if c.is_ascii() {
                self.bytes.push(c.to_ascii_lowercase() as u8);
                self.raw.push(range);
            } else {
                let mut buf = [0u8; 4];
                for lc in c.to_lowercase() {
                    for b in lc.encode_utf8(&mut buf).bytes() {
                        self.bytes.push(b);
                        self.raw.push(range);
                    }
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
        if at < self.base {
            return None;
        }
        self.raw.get(at - self.base).copied()
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
        self.raw.drain(..n);
        self.base += n;
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
