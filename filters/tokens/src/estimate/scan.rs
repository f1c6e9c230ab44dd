//! The pre-tokenizer split of OpenAI's o200k / cl100k encodings, done by hand in one pass.
//!
//! The real encoders split with these patterns (o200k shown; cl100k has no case split and
//! accepts only `[\r\n]*` after punctuation):
//!
//! ```text
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+('s|'t|...)?
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*('s|'t|...)?
//! \p{N}{1,3}
//!  ?[^\s\p{L}\p{N}]+[\r\n/]*
//! \s*[\r\n]+
//! \s+(?!\S)
//! \s+
//! ```
//!
//! Pieces are what BPE never merges across, so they are the unit the cost model prices. The scan
//! does not allocate and never fails; contractions are not split off (they cost the same).

use super::Encoding;

/// What kind of piece the scanner found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PieceKind {
    /// Letters, with at most one leading non-letter character.
    Word,
    /// One to three digits.
    Digits,
    /// Punctuation or symbols, with an optional leading space and trailing newlines.
    Punct,
    /// Whitespace without a line break.
    Space,
    /// Whitespace ending in a line break.
    Newline,
}

/// One piece with the character counts the cost model needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Piece {
    pub kind: Option<PieceKind>,
    /// ASCII letters.
    pub ascii_letters: u32,
    /// ASCII upper-case letters (a subset of `ascii_letters`).
    pub ascii_upper: u32,
    /// Accented Latin letters.
    pub latin_ext: u32,
    /// Cyrillic letters.
    pub cyrillic: u32,
    /// Greek, Armenian, Hebrew and Arabic letters.
    pub greek_arabic: u32,
    /// Any other non-ASCII letter outside CJK (Indic, Thai, marks, ...).
    pub other_letters: u32,
    /// Han characters.
    pub han: u32,
    /// Hiragana and katakana.
    pub kana: u32,
    /// Hangul.
    pub hangul: u32,
    /// ASCII punctuation characters.
    pub ascii_punct: u32,
    /// Non-ASCII symbols below the emoji planes (quotes, arrows, CJK punctuation, ...).
    pub symbols: u32,
    /// Emoji and pictographic symbols (dingbats, miscellaneous symbols, astral planes).
    pub emoji: u32,
    /// Joiners and variation selectors (parts of emoji sequences).
    pub joiners: u32,
    /// Whitespace characters.
    pub spaces: u32,
    /// Line breaks.
    pub newlines: u32,
    /// Digits.
    pub digits: u32,
    /// A leading non-space character was attached (word prefix such as `_` or `(`).
    pub punct_prefix: bool,
    /// Some letter is not ASCII (one of the script counters above is not zero): lets the cost
    /// model skip them for the common all-ASCII word.
    pub non_ascii_letters: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Upper,
    Lower,
    /// Letters without case (CJK, Arabic, marks): they fit either side of the o200k case split.
    Caseless,
    Digit,
    Newline,
    Space,
    Punct,
}

const fn ascii_class(b: u8) -> Class {
    match b {
        b'a'..=b'z' => Class::Lower,
        b'A'..=b'Z' => Class::Upper,
        b'0'..=b'9' => Class::Digit,
        b'\r' | b'\n' => Class::Newline,
        b' ' | b'\t' | b'\x0B' | b'\x0C' => Class::Space,
        _ => Class::Punct,
    }
}

/// The class of every ASCII byte: one load per character instead of a chain of range tests.
static ASCII_CLASS: [Class; 128] = {
    let mut t = [Class::Punct; 128];
    let mut i = 0;
    while i < 128 {
        t[i] = ascii_class(i as u8);
        i += 1;
    }
    t
};

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // hiragana, katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0x1100..=0x11FF    // Hangul jamo
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F  // CJK extensions B..F, compatibility supplement
    )
}

fn is_joiner(c: char) -> bool {
    matches!(c as u32, 0x200D | 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F)
}

fn class(c: char) -> Class {
    if c.is_ascii() {
        return ASCII_CLASS[c as usize];
    }
    // Every code point of these ranges is a caseless letter, or punctuation: saying so by range
    // spares CJK text and typographic punctuation up to five Unicode table look-ups per
    // character (a test checks the ranges against the tables for every code point).
    match c as u32 {
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7A3 => return Class::Caseless,
        // General punctuation (dashes, quotes, bullets, ellipsis) and the CJK comma and stops.
        0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 => return Class::Punct,
        _ => {}
    }
    class_by_tables(c)
}

/// A non-ASCII character's class from Unicode's own tables (what the ranges above shortcut).
fn class_by_tables(c: char) -> Class {
    if is_joiner(c) {
        Class::Punct
    } else if c.is_uppercase() {
        Class::Upper
    } else if c.is_lowercase() {
        Class::Lower
    } else if c.is_alphabetic() {
        Class::Caseless
    } else if c.is_numeric() {
        Class::Digit
    } else if c.is_whitespace() {
        if matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}') {
            Class::Newline
        } else {
            Class::Space
        }
    } else {
        Class::Punct
    }
}

fn is_letter(k: Class) -> bool {
    matches!(k, Class::Upper | Class::Lower | Class::Caseless)
}

#[inline(always)]
fn add_letter(p: &mut Piece, c: char) {
    if c.is_ascii() {
        p.ascii_letters += 1;
        p.ascii_upper += u32::from(c.is_ascii_uppercase());
    } else {
        add_wide_letter(p, c);
    }
}

fn add_wide_letter(p: &mut Piece, c: char) {
    p.non_ascii_letters = true;
    match c as u32 {
        0x80..=0x24F | 0x1E00..=0x1EFF => p.latin_ext += 1,
        0x370..=0x3FF | 0x530..=0x6FF | 0x750..=0x77F => p.greek_arabic += 1,
        0x400..=0x52F => p.cyrillic += 1,
        0x3040..=0x30FF => p.kana += 1,
        0xAC00..=0xD7AF | 0x1100..=0x11FF => p.hangul += 1,
        _ if is_cjk(c) => p.han += 1,
        _ => p.other_letters += 1,
    }
}

fn add_punct(p: &mut Piece, c: char) {
    if c.is_ascii() {
        p.ascii_punct += 1;
    } else if is_joiner(c) {
        p.joiners += 1;
    } else if matches!(c as u32, 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x1F000..) {
        p.emoji += 1;
    } else {
        p.symbols += 1;
    }
}

/// One character with its class and UTF-8 length.
#[derive(Debug, Clone, Copy)]
struct Ch {
    c: char,
    k: Class,
    len: usize,
}

/// A byte cursor over the text with two characters of look-ahead (all the patterns need).
/// ASCII characters are classified from their byte alone; only non-ASCII ones are decoded.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    #[inline(always)]
    fn at(&self, i: usize) -> Option<Ch> {
        match self.text.as_bytes().get(i) {
            Some(&b) if b < 0x80 => Some(Ch {
                c: char::from(b),
                k: ASCII_CLASS[usize::from(b)],
                len: 1,
            }),
            Some(_) => self.wide_at(i),
            None => None,
        }
    }

    fn wide_at(&self, i: usize) -> Option<Ch> {
        let c = self.text.get(i..)?.chars().next()?;
        Some(Ch {
            c,
            k: class(c),
            len: c.len_utf8(),
        })
    }

    #[inline(always)]
    fn peek(&self) -> Option<Ch> {
        self.at(self.pos)
    }

    fn peek2(&self) -> Option<Ch> {
        let a = self.peek()?;
        self.at(self.pos + a.len)
    }

    #[inline(always)]
    fn bump(&mut self) -> Option<Ch> {
        let a = self.peek()?;
        self.pos += a.len;
        Some(a)
    }

    /// The bytes not yet consumed.
    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or(&[])
    }
}

/// Receives the pieces of a text with the byte offset where each starts, in order.
///
/// A trait rather than a closure so that implementations can demand inlining: the scan hands
/// pieces over from two places (the ASCII-word fast path and the general match), and only
/// inlined at both does the cost model fold away what the fast path's piece kind settles.
pub(crate) trait PieceSink {
    fn piece(&mut self, p: Piece, start: usize);
}

impl<F: FnMut(Piece, usize)> PieceSink for F {
    fn piece(&mut self, p: Piece, start: usize) {
        self(p, start)
    }
}

/// Calls `sink` with every piece of `text`, in order.
#[cfg(test)]
pub(crate) fn for_each_piece(text: &str, encoding: Encoding, mut sink: impl FnMut(Piece)) {
    for_each_piece_at(text, encoding, &mut |p, _| sink(p));
}

/// Hands every piece of `text` to `sink`, in order.
pub(crate) fn for_each_piece_at(text: &str, encoding: Encoding, sink: &mut impl PieceSink) {
    scan_pieces::<true>(text, encoding, sink)
}

/// The scan; without `ASCII_FAST_PATH` every piece takes the general path (tests compare both).
fn scan_pieces<const ASCII_FAST_PATH: bool>(
    text: &str,
    encoding: Encoding,
    sink: &mut impl PieceSink,
) {
    let case_split = encoding == Encoding::O200k;
    let slash_after_punct = encoding == Encoding::O200k;
    let mut cur = Cursor::new(text);
    loop {
        let start = cur.pos;
        if let Some(p) = ASCII_FAST_PATH
            .then(|| ascii_word(&mut cur, case_split))
            .flatten()
        {
            sink.piece(p, start);
            continue;
        }
        let Some(Ch { c, k, .. }) = cur.bump() else {
            break;
        };
        let next = cur.peek().map(|n| n.k);
        let mut p = Piece::default();
        match k {
            Class::Upper | Class::Lower | Class::Caseless => {
                p.kind = Some(PieceKind::Word);
                add_letter(&mut p, c);
                scan_word(&mut p, k, &mut cur, case_split);
            }
            Class::Space | Class::Punct if next.is_some_and(is_letter) => {
                // `[^\r\n\p{L}\p{N}]?` then letters: the single character is the word's prefix.
                p.kind = Some(PieceKind::Word);
                if k == Class::Space {
                    p.spaces += 1;
                } else {
                    p.punct_prefix = true;
                    add_punct(&mut p, c);
                }
                if let Some(l) = cur.bump() {
                    add_letter(&mut p, l.c);
                    scan_word(&mut p, l.k, &mut cur, case_split);
                }
            }
            Class::Digit => {
                p.kind = Some(PieceKind::Digits);
                p.digits = 1;
                while p.digits < 3 && cur.peek().is_some_and(|n| n.k == Class::Digit) {
                    cur.bump();
                    p.digits += 1;
                }
            }
            Class::Punct => {
                p.kind = Some(PieceKind::Punct);
                add_punct(&mut p, c);
                scan_punct(&mut p, &mut cur, slash_after_punct);
            }
            Class::Space if c == ' ' && next == Some(Class::Punct) => {
                p.kind = Some(PieceKind::Punct);
                p.spaces = 1;
                scan_punct(&mut p, &mut cur, slash_after_punct);
            }
            Class::Space | Class::Newline => scan_space(&mut p, k, &mut cur),
        }
        sink.piece(p, start);
    }
}

/// The common piece of ASCII text, an ASCII word with at most one ASCII space or punctuation
/// character before it, scanned from the bytes alone. `None` (and the cursor unmoved) when the
/// piece is anything else, or when the word stops at a non-ASCII character (which may be a
/// letter that continues it): the general scan takes it from the same position.
#[inline(always)]
fn ascii_word(cur: &mut Cursor<'_>, case_split: bool) -> Option<Piece> {
    let rest = cur.rest();
    let b0 = *rest.first()?;
    let mut p = Piece::default();
    let from = if b0.is_ascii_alphabetic() {
        0
    } else {
        match ASCII_CLASS.get(usize::from(b0)) {
            Some(Class::Space) => p.spaces = 1,
            Some(Class::Punct) => {
                p.punct_prefix = true;
                p.ascii_punct = 1;
            }
            _ => return None,
        }
        1
    };
    let word = rest.get(from..)?;
    let (n, upper, _) = ascii_letter_run(word, false, case_split);
    if n == 0 || word.get(n).is_some_and(|&b| b >= 0x80) {
        return None;
    }
    cur.pos += from + n;
    p.kind = Some(PieceKind::Word);
    p.ascii_letters = n as u32;
    p.ascii_upper = upper;
    Some(p)
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The run of ASCII letters at the start of `s`, ended early (o200k: `case_split`) by an
/// upper-case letter after a lower-case one (`seen_lower`: one came before `s`). Returns its
/// length, its upper-case count and whether it saw a lower-case letter. Eight bytes at a time:
/// each byte's letter and case tests are done at once on a `u64` (SWAR), words rarely need more
/// than one step, and the loop exit is the only branch per step.
#[inline(always)]
fn ascii_letter_run(s: &[u8], mut seen_lower: bool, case_split: bool) -> (usize, u32, bool) {
    let (mut n, mut upper) = (0usize, 0u32);
    while let Some(chunk) = s.get(n..n + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        // Per byte, bit 7 set when: ASCII, >= 'a', > 'z', >= 'A', > 'Z' (the adds cannot carry
        // into the next byte once bit 7 is cleared).
        let ascii = !x & HIGH_BITS;
        let y = x & !HIGH_BITS;
        let lower = (y + 0x1F * LOW_BITS) & !(y + 0x05 * LOW_BITS) & ascii;
        let upper_bits = (y + 0x3F * LOW_BITS) & !(y + 0x25 * LOW_BITS) & ascii;
        let mut len = (!(lower | upper_bits) & HIGH_BITS).trailing_zeros() / 8;
        if case_split {
            // Upper-case bytes after the first lower-case one (or all, if one came before).
            let after_lower = if seen_lower {
                !0
            } else {
                let first = lower & lower.wrapping_neg();
                // (no lower-case byte: `first` is 0 and so is the mask)
                !((first << 1).wrapping_sub(1))
            };
            len = len.min((upper_bits & after_lower).trailing_zeros() / 8);
        }
        let keep = if len >= 8 {
            !0
        } else {
            (1u64 << (len * 8)) - 1
        };
        // One bit per upper-case byte, summed into the top byte by the multiplication.
        upper += (((upper_bits & keep) >> 7).wrapping_mul(LOW_BITS) >> 56) as u32;
        seen_lower |= lower & keep != 0;
        n += len as usize;
        if len < 8 {
            return (n, upper, seen_lower);
        }
    }
    for &b in &s[n..] {
        let up = b.is_ascii_uppercase();
        if !(up || b.is_ascii_lowercase()) || (case_split && up && seen_lower) {
            break;
        }
        seen_lower |= !up;
        upper += u32::from(up);
        n += 1;
    }
    (n, upper, seen_lower)
}

/// The rest of a word after its first letter (the piece's kind is set by the caller).
fn scan_word(p: &mut Piece, first: Class, cur: &mut Cursor<'_>, case_split: bool) {
    // Most words are ASCII: their letters come straight from the bytes. The first byte that is
    // not an ASCII letter hands over to the general loop below, which ends the word or continues
    // it with non-ASCII letters.
    let (taken, upper, mut seen_lower) =
        ascii_letter_run(cur.rest(), first == Class::Lower, case_split);
    p.ascii_letters += taken as u32;
    p.ascii_upper += upper;
    cur.pos += taken;
    while let Some(n) = cur.peek() {
        if !is_letter(n.k) {
            break;
        }
        if case_split && n.k == Class::Upper && seen_lower {
            break; // `camelCase` is two pieces in o200k
        }
        seen_lower |= n.k == Class::Lower;
        add_letter(p, n.c);
        cur.pos += n.len;
    }
}

/// The rest of a punctuation run (the piece's kind is set by the caller).
fn scan_punct(p: &mut Piece, cur: &mut Cursor<'_>, slash: bool) {
    // ASCII punctuation straight from the bytes, then the general loop for the rest of the run.
    let taken = cur
        .rest()
        .iter()
        .take_while(|&&b| b < 0x80 && ASCII_CLASS[usize::from(b)] == Class::Punct)
        .count();
    p.ascii_punct += taken as u32;
    cur.pos += taken;
    while let Some(n) = cur.peek() {
        if n.k != Class::Punct {
            break;
        }
        add_punct(p, n.c);
        cur.pos += n.len;
    }
    while let Some(&b) = cur.rest().first() {
        match b {
            b'\r' | b'\n' => p.newlines += 1,
            b'/' if slash => p.ascii_punct += 1,
            _ => break,
        }
        cur.pos += 1;
    }
}

/// `\s*[\r\n]+` (up to the last line break of the run), else `\s+(?!\S)` (the run minus the
/// last character when something follows), else `\s+`.
fn scan_space(p: &mut Piece, first: Class, cur: &mut Cursor<'_>) {
    let count = |p: &mut Piece, k: Class| {
        if k == Class::Newline {
            p.newlines += 1
        } else {
            p.spaces += 1
        }
    };
    count(p, first);
    // Does the run contain a line break at or after the cursor? (Where the last one ends.)
    let mut last_break_end = None;
    let mut i = cur.pos;
    while let Some(n) = cur.at(i) {
        match n.k {
            Class::Newline => last_break_end = Some(i + n.len),
            Class::Space => {}
            _ => break,
        }
        i += n.len;
    }
    if first == Class::Newline || last_break_end.is_some() {
        p.kind = Some(PieceKind::Newline);
        if let Some(end) = last_break_end {
            while cur.pos < end {
                match cur.bump() {
                    Some(n) => count(p, n.k),
                    None => break,
                }
            }
        }
        return;
    }
    p.kind = Some(PieceKind::Space);
    // Spaces only: keep all but the last one when a non-space follows the run.
    while let (Some(n), Some(after)) = (cur.peek(), cur.peek2()) {
        if n.k != Class::Space || after.k != Class::Space {
            break;
        }
        count(p, Class::Space);
        cur.pos += n.len;
    }
    // Now either the run ends here, or exactly one space is left before a non-space.
    if let (Some(n), None) = (cur.peek(), cur.peek2()) {
        if n.k == Class::Space {
            count(p, Class::Space);
            cur.pos += n.len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `scan_word` as it was before its ASCII fast path: one char at a time.
    fn scan_word_by_char(p: &mut Piece, first: Class, cur: &mut Cursor<'_>, case_split: bool) {
        let mut seen_lower = first == Class::Lower;
        while let Some(n) = cur.peek() {
            let k = class(n.c);
            if !is_letter(k) || (case_split && k == Class::Upper && seen_lower) {
                break;
            }
            seen_lower |= k == Class::Lower;
            add_letter(p, n.c);
            cur.bump();
        }
    }

    proptest! {
        // Words mixing ASCII and non-ASCII letters of both cases, digits, marks and spaces:
        // the fast path must count the same letters and stop at the same byte.
        #[test]
        fn ascii_fast_path_scans_words_like_the_char_loop(
            text in "[a-zA-ZéÉЖж東́ǅʰǆ0-9_ .🙂]{0,24}",
            first in 0..3usize,
            case_split: bool,
        ) {
            let first = [Class::Lower, Class::Upper, Class::Caseless][first];
            let (mut fast, mut slow) = (Piece::default(), Piece::default());
            let mut a = Cursor::new(&text);
            let mut b = Cursor::new(&text);
            scan_word(&mut fast, first, &mut a, case_split);
            scan_word_by_char(&mut slow, first, &mut b, case_split);
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(a.pos, b.pos);
        }

        // Mostly ASCII text with long words, case changes and the odd non-ASCII letter or
        // symbol: the ASCII-word fast path must yield exactly the pieces of the general path.
        #[test]
        fn ascii_fast_path_yields_the_general_pieces(
            text in "([a-zA-Z]{0,20}|[ .,(_\t\n0-9]|[éÉЖ東ǅ🙂́]){0,40}",
        ) {
            for e in [Encoding::O200k, Encoding::Cl100k] {
                let (mut fast, mut general) = (Vec::new(), Vec::new());
                scan_pieces::<true>(&text, e, &mut |p, at| fast.push((p, at)));
                scan_pieces::<false>(&text, e, &mut |p, at| general.push((p, at)));
                prop_assert_eq!(fast, general);
            }
        }
    }

    #[test]
    fn class_shortcuts_agree_with_the_unicode_tables_for_every_code_point() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let by_tables = if c.is_ascii() {
                ascii_class(c as u8)
            } else {
                class_by_tables(c)
            };
            assert_eq!(class(c), by_tables, "{:#x}", c as u32);
        }
    }

    fn kinds(text: &str, e: Encoding) -> Vec<PieceKind> {
        let mut v = Vec::new();
        for_each_piece(text, e, |p| v.push(p.kind.unwrap_or(PieceKind::Space)));
        v
    }

    #[test]
    fn words_take_one_leading_space_or_punct() {
        use PieceKind::*;
        assert_eq!(kinds("hello world", Encoding::O200k), vec![Word, Word]);
        assert_eq!(kinds("(word", Encoding::O200k), vec![Word]);
        assert_eq!(kinds("((word", Encoding::O200k), vec![Punct, Word]);
        assert_eq!(kinds("a, b", Encoding::O200k), vec![Word, Punct, Word]);
    }

    #[test]
    fn o200k_splits_camel_case_cl100k_does_not() {
        use PieceKind::*;
        assert_eq!(
            kinds("camelCaseName", Encoding::O200k),
            vec![Word, Word, Word]
        );
        assert_eq!(kinds("camelCaseName", Encoding::Cl100k), vec![Word]);
        assert_eq!(kinds("HTTPServer", Encoding::O200k), vec![Word]);
    }

    #[test]
    fn digits_group_by_three() {
        let mut groups = Vec::new();
        for_each_piece("1234567", Encoding::O200k, |p| groups.push(p.digits));
        assert_eq!(groups, vec![3, 3, 1]);
    }

    #[test]
    fn whitespace_runs() {
        use PieceKind::*;
        assert_eq!(
            kinds("a\n\n    b", Encoding::O200k),
            vec![Word, Newline, Space, Word]
        );
        assert_eq!(kinds("a   ", Encoding::O200k), vec![Word, Space]);
        assert_eq!(
            kinds("x = 1", Encoding::O200k),
            vec![Word, Punct, Space, Digits]
        );
    }

    #[test]
    fn every_character_is_counted_once() {
        let text = "Hi (there)!\n\t x_y = [1234, \"東京\"] 🙂\u{200D}🙂 -> café  \r\n end   ";
        for e in [Encoding::O200k, Encoding::Cl100k] {
            let mut n = 0u32;
            for_each_piece(text, e, |p| {
                n += p.ascii_letters
                    + p.latin_ext
                    + p.cyrillic
                    + p.greek_arabic
                    + p.other_letters
                    + p.han
                    + p.kana
                    + p.hangul
                    + p.ascii_punct
                    + p.symbols
                    + p.emoji
                    + p.joiners
                    + p.spaces
                    + p.newlines
                    + p.digits;
            });
            assert_eq!(n as usize, text.chars().count());
        }
    }

    #[test]
    fn space_runs_lend_their_last_space() {
        let mut spaces = Vec::new();
        for_each_piece("a    b", Encoding::O200k, |p| spaces.push(p.spaces));
        assert_eq!(spaces, vec![0, 3, 1]);
        let mut pairs = Vec::new();
        for_each_piece("a \n  b", Encoding::O200k, |p| {
            pairs.push((p.spaces, p.newlines))
        });
        assert_eq!(pairs, vec![(0, 0), (1, 1), (1, 0), (1, 0)]);
    }
}
