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
        return match c {
            'a'..='z' => Class::Lower,
            'A'..='Z' => Class::Upper,
            '0'..='9' => Class::Digit,
            '\r' | '\n' => Class::Newline,
            ' ' | '\t' | '\x0B' | '\x0C' => Class::Space,
            _ => Class::Punct,
        };
    }
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

fn add_letter(p: &mut Piece, c: char) {
    p.non_ascii_letters |= !c.is_ascii();
    match c as u32 {
        0..=0x7F => {
            p.ascii_letters += 1;
            p.ascii_upper += u32::from(c.is_ascii_uppercase());
        }
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

/// A cursor over the text with two characters of look-ahead (all the patterns need).
struct Cursor<'a> {
    rest: std::str::Chars<'a>,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.rest.clone().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut c = self.rest.clone();
        c.next();
        c.next()
    }

    fn bump(&mut self) -> Option<char> {
        self.rest.next()
    }
}

/// Calls `sink` with every piece of `text`, in order.
pub(crate) fn for_each_piece(text: &str, encoding: Encoding, mut sink: impl FnMut(Piece)) {
    for_each_piece_at(text, encoding, |p, _| sink(p));
}

/// Calls `sink` with every piece of `text` and the byte offset where it starts, in order.
pub(crate) fn for_each_piece_at(
    text: &str,
    encoding: Encoding,
    mut sink: impl FnMut(Piece, usize),
) {
    let case_split = encoding == Encoding::O200k;
    let slash_after_punct = encoding == Encoding::O200k;
    let mut cur = Cursor { rest: text.chars() };
    loop {
        let start = text.len() - cur.rest.as_str().len();
        let Some(c) = cur.bump() else { break };
        let k = class(c);
        let next = cur.peek().map(class);
        let mut p = Piece::default();
        match k {
            Class::Upper | Class::Lower | Class::Caseless => {
                add_letter(&mut p, c);
                scan_word(&mut p, k, &mut cur, case_split);
            }
            Class::Space | Class::Punct if next.is_some_and(is_letter) => {
                // `[^\r\n\p{L}\p{N}]?` then letters: the single character is the word's prefix.
                if k == Class::Space {
                    p.spaces += 1;
                } else {
                    p.punct_prefix = true;
                    add_punct(&mut p, c);
                }
                if let Some(l) = cur.bump() {
                    add_letter(&mut p, l);
                    scan_word(&mut p, class(l), &mut cur, case_split);
                }
            }
            Class::Digit => {
                p.kind = Some(PieceKind::Digits);
                p.digits = 1;
                while p.digits < 3 && cur.peek().is_some_and(|n| class(n) == Class::Digit) {
                    cur.bump();
                    p.digits += 1;
                }
            }
            Class::Punct => {
                add_punct(&mut p, c);
                scan_punct(&mut p, &mut cur, slash_after_punct);
            }
            Class::Space if c == ' ' && next == Some(Class::Punct) => {
                p.spaces = 1;
                scan_punct(&mut p, &mut cur, slash_after_punct);
            }
            Class::Space | Class::Newline => scan_space(&mut p, k, &mut cur),
        }
        sink(p, start);
    }
}

fn scan_word(p: &mut Piece, first: Class, cur: &mut Cursor<'_>, case_split: bool) {
    p.kind = Some(PieceKind::Word);
    let mut seen_lower = first == Class::Lower;
    // Most words are ASCII: take their letters straight from the bytes (no char decoding, no
    // class lookup per letter). The first byte that is not an ASCII letter hands over to the
    // general loop below, which ends the word or continues it with non-ASCII letters.
    let rest = cur.rest.as_str();
    let mut taken = 0;
    for &b in rest.as_bytes() {
        let upper = b.is_ascii_uppercase();
        if !(upper || b.is_ascii_lowercase()) || (case_split && upper && seen_lower) {
            break;
        }
        seen_lower |= !upper;
        p.ascii_letters += 1;
        p.ascii_upper += u32::from(upper);
        taken += 1;
    }
    // `taken` counts ASCII bytes, so it is a char boundary.
    cur.rest = rest[taken..].chars();
    while let Some(n) = cur.peek() {
        let k = class(n);
        if !is_letter(k) {
            break;
        }
        if case_split && k == Class::Upper && seen_lower {
            break; // `camelCase` is two pieces in o200k
        }
        seen_lower |= k == Class::Lower;
        add_letter(p, n);
        cur.bump();
    }
}

fn scan_punct(p: &mut Piece, cur: &mut Cursor<'_>, slash: bool) {
    p.kind = Some(PieceKind::Punct);
    while let Some(n) = cur.peek() {
        if class(n) != Class::Punct {
            break;
        }
        add_punct(p, n);
        cur.bump();
    }
    while let Some(n) = cur.peek() {
        match n {
            '\r' | '\n' => p.newlines += 1,
            '/' if slash => p.ascii_punct += 1,
            _ => break,
        }
        cur.bump();
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
    // Does the run contain a line break at or after the cursor?
    let mut last_break_ahead = None;
    for (i, n) in cur.rest.clone().enumerate() {
        match class(n) {
            Class::Newline => last_break_ahead = Some(i),
            Class::Space => {}
            _ => break,
        }
    }
    if first == Class::Newline || last_break_ahead.is_some() {
        p.kind = Some(PieceKind::Newline);
        if let Some(last) = last_break_ahead {
            for _ in 0..=last {
                if let Some(n) = cur.bump() {
                    count(p, class(n));
                }
            }
        }
        return;
    }
    p.kind = Some(PieceKind::Space);
    // Spaces only: keep all but the last one when a non-space follows the run.
    while let (Some(n), Some(after)) = (cur.peek(), cur.peek2()) {
        if class(n) != Class::Space || !matches!(class(after), Class::Space) {
            break;
        }
        count(p, Class::Space);
        cur.bump();
    }
    // Now either the run ends here, or exactly one space is left before a non-space.
    if let (Some(n), None) = (cur.peek(), cur.peek2()) {
        if class(n) == Class::Space {
            count(p, Class::Space);
            cur.bump();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `scan_word` as it was before its ASCII fast path: one char at a time.
    fn scan_word_by_char(p: &mut Piece, first: Class, cur: &mut Cursor<'_>, case_split: bool) {
        p.kind = Some(PieceKind::Word);
        let mut seen_lower = first == Class::Lower;
        while let Some(n) = cur.peek() {
            let k = class(n);
            if !is_letter(k) || (case_split && k == Class::Upper && seen_lower) {
                break;
            }
            seen_lower |= k == Class::Lower;
            add_letter(p, n);
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
            let mut a = Cursor { rest: text.chars() };
            let mut b = Cursor { rest: text.chars() };
            scan_word(&mut fast, first, &mut a, case_split);
            scan_word_by_char(&mut slow, first, &mut b, case_split);
            prop_assert_eq!(fast, slow);
            prop_assert_eq!(a.rest.as_str(), b.rest.as_str());
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
