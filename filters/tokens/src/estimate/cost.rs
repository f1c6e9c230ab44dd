//! Per-piece token cost, in thousandths of a token, per encoding.
//!
//! The numbers were fitted against the real o200k / cl100k tokenizers on the corpus in
//! `tests/corpus/` (see `examples/estimate_error.rs`), then rounded up: the estimator must err
//! high, because an under-estimate lets a request reserve less than it will spend.

use super::scan::{Piece, PieceKind};
use super::Encoding;

/// Cost parameters of one encoding (all in milli-tokens).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CostModel {
    /// An ASCII word of up to this many letters is usually one token.
    short_word: u32,
    /// Extra cost per ASCII letter beyond `short_word`.
    per_long_letter: u32,
    /// Extra cost per upper-case ASCII letter after the first (ALL-CAPS, random strings).
    per_extra_upper: u32,
    /// Extra cost when a word carries a punctuation prefix (`_name`, `.field`).
    punct_prefix: u32,
    /// Per letter of each non-ASCII script group (see [`Piece`]).
    per_latin_ext: u32,
    per_cyrillic: u32,
    per_greek_arabic: u32,
    per_other_letter: u32,
    per_han: u32,
    per_kana: u32,
    per_hangul: u32,
    /// First ASCII punctuation character of a run, and each further one.
    punct_first: u32,
    punct_more: u32,
    /// Per non-ASCII symbol that is not pictographic (quotes, arrows, CJK punctuation, ...).
    per_symbol: u32,
    /// Per emoji / pictograph.
    per_emoji: u32,
    /// Per joiner / variation selector / skin tone.
    per_joiner: u32,
    /// Whitespace: per piece, and per character beyond the first.
    space_piece: u32,
    per_extra_space: u32,
    /// Multiplier applied to the sum, in thousandths (1000 = none).
    margin: u32,
}

const O200K: CostModel = CostModel {
    short_word: 8,
    per_long_letter: 350,
    per_extra_upper: 250,
    punct_prefix: 300,
    per_latin_ext: 800,
    per_cyrillic: 220,
    per_greek_arabic: 480,
    per_other_letter: 330,
    per_han: 750,
    per_kana: 780,
    per_hangul: 720,
    punct_first: 1000,
    punct_more: 250,
    per_symbol: 1000,
    per_emoji: 2000,
    per_joiner: 1000,
    space_piece: 1000,
    per_extra_space: 100,
    margin: 1030,
};

const CL100K: CostModel = CostModel {
    short_word: 7,
    per_long_letter: 350,
    per_extra_upper: 300,
    punct_prefix: 300,
    per_latin_ext: 1500,
    per_cyrillic: 500,
    per_greek_arabic: 1050,
    per_other_letter: 1300,
    per_han: 1350,
    per_kana: 1350,
    per_hangul: 1400,
    punct_first: 1000,
    punct_more: 250,
    per_symbol: 1200,
    per_emoji: 3000,
    per_joiner: 2500,
    space_piece: 1000,
    per_extra_space: 100,
    margin: 1030,
};

/// Other vendors' tokenizers: cl100k prices with a wider margin.
const GENERIC: CostModel = CostModel {
    margin: 1250,
    ..CL100K
};

impl CostModel {
    pub(crate) fn for_encoding(e: Encoding) -> &'static CostModel {
        match e {
            Encoding::O200k => &O200K,
            Encoding::Cl100k => &CL100K,
            Encoding::Generic => &GENERIC,
        }
    }

    /// Cost of one piece in milli-tokens (never zero for a non-empty piece).
    #[inline(always)]
    pub(crate) fn piece_cost_milli(&self, p: &Piece) -> u64 {
        let c = match p.kind {
            Some(PieceKind::Word) => self.word(p),
            Some(PieceKind::Digits) => 1000,
            Some(PieceKind::Punct) => self.punct(p),
            Some(PieceKind::Space) | Some(PieceKind::Newline) => {
                let n = p.spaces + p.newlines;
                self.space_piece + self.per_extra_space * n.saturating_sub(1)
            }
            None => 0,
        };
        u64::from(c)
    }

    #[inline(always)]
    fn word(&self, p: &Piece) -> u32 {
        let mut c = 0u32;
        if p.ascii_letters > 0 {
            c += 1000
                + self.per_long_letter * p.ascii_letters.saturating_sub(self.short_word)
                + self.per_extra_upper * p.ascii_upper.saturating_sub(1);
        }
        if p.non_ascii_letters {
            c += self.per_latin_ext * p.latin_ext
                + self.per_cyrillic * p.cyrillic
                + self.per_greek_arabic * p.greek_arabic
                + self.per_other_letter * p.other_letters
                + self.per_han * p.han
                + self.per_kana * p.kana
                + self.per_hangul * p.hangul;
        }
        if p.punct_prefix {
            // Never more than the prefix would cost as a piece of its own (keeps estimates
            // subadditive: splitting a text never lowers its estimate).
            c += self.punct_prefix.max(self.symbols(p));
        }
        c.max(1000)
    }

    #[inline]
    fn punct(&self, p: &Piece) -> u32 {
        let symbols = self.symbols(p);
        let mut c = symbols + self.punct_more * p.ascii_punct + 200 * p.newlines;
        if p.ascii_punct > 0 && symbols == 0 {
            // The first character of a plain ASCII run; after a symbol it merges like the rest.
            // (Each further character must cost no more than it would as a word prefix, or
            // splitting a text could lower its estimate.)
            c += self.punct_first - self.punct_more;
        }
        c.max(1000)
    }

    #[inline]
    fn symbols(&self, p: &Piece) -> u32 {
        self.per_symbol * p.symbols + self.per_emoji * p.emoji + self.per_joiner * p.joiners
    }

    /// Applies the margin and rounds up to whole tokens.
    pub(crate) fn finish(&self, milli: u64) -> u64 {
        (milli * u64::from(self.margin)).div_ceil(1_000_000)
    }
}
