//! PHONE: North American numbers (NPA/NXX rules), E.164 international numbers (known country
//! code, national length for that country) and national formats with a trunk `0` — the last,
//! and bare ten-digit numbers, only next to a phone cue (they look like any other number).

use super::{Candidate, DigitStarts};
use crate::entity::EntityType;
use crate::text::{
    boundary_after, continued_number_before, continues_number, has_context, is_word_byte,
};

pub(crate) const PHONE_CUES: &[&str] = &[
    "phone", "tel", "call", "mobile", "cell", "fax", "contact", "reach", "whatsapp", "sms", "text",
    "ph", "mob", "landline", "dial", "ring",
];

/// `(country code, min, max)` national significant number lengths.
const COUNTRIES: &[(u32, usize, usize)] = &[
    (1, 10, 10),
    (7, 10, 10),
    (20, 9, 10),
    (27, 9, 9),
    (30, 10, 10),
    (31, 9, 9),
    (32, 8, 9),
    (33, 9, 9),
    (34, 9, 9),
    (36, 8, 9),
    (39, 6, 11),
    (40, 9, 9),
    (41, 9, 9),
    (43, 4, 13),
    (44, 9, 10),
    (45, 8, 8),
    (46, 7, 13),
    (47, 8, 8),
    (48, 9, 9),
    (49, 6, 13),
    (51, 8, 11),
    (52, 10, 10),
    (53, 6, 8),
    (54, 10, 11),
    (55, 10, 11),
    (56, 9, 9),
    (57, 8, 10),
    (58, 10, 10),
    (60, 7, 10),
    (61, 9, 9),
    (62, 7, 12),
    (63, 8, 10),
    (64, 8, 10),
    (65, 8, 8),
    (66, 8, 9),
    (81, 9, 10),
    (82, 8, 10),
    (84, 9, 10),
    (86, 10, 11),
    (90, 10, 10),
    (91, 10, 10),
    (92, 9, 10),
    (93, 9, 9),
    (94, 9, 9),
    (95, 7, 10),
    (98, 10, 10),
];

/// Two-digit prefixes of three-digit country codes (ITU-T E.164 zones).
const THREE_DIGIT_PREFIXES: &[u32] = &[
    21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50, 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99,
];

/// A number has at most this many digit groups: [`parse`] gives up beyond. Fixed-size arrays
/// instead of vectors: every digit run in the text is parsed, and most are no phone number.
const MAX_GROUPS: usize = 7;

/// Digit groups of one phone-number candidate.
struct Parsed {
    plus: bool,
    /// Digit groups `(start, end)`, including a parenthesised trunk `(0)` if present; the
    /// first `n` are used.
    groups: [(usize, usize); MAX_GROUPS],
    n: usize,
    /// Index of a group written in parentheses.
    paren_group: Option<usize>,
    /// Separator byte before each group after the first (`b' '`, `b'-'`, `b'.'`, `b')'`, or 0
    /// for none): the first `n - 1` are used.
    seps: [u8; MAX_GROUPS],
    /// Digits in all groups.
    digits: usize,
    end: usize,
}

impl Parsed {
    fn groups(&self) -> &[(usize, usize)] {
        &self.groups[..self.n]
    }

    fn seps(&self) -> &[u8] {
        &self.seps[..self.n - 1]
    }
}

fn parse(b: &[u8], i: usize) -> Option<Parsed> {
    let mut j = i;
    let plus = b[j] == b'+';
    if plus {
        j += 1;
    }
    let mut groups = [(0, 0); MAX_GROUPS];
    let mut n = 0;
    let mut seps = [0u8; MAX_GROUPS];
    let mut paren_group = None;
    let mut open = false;
    if j < b.len() && b[j] == b'(' {
        open = true;
        j += 1;
    }
    let mut digits = 0;
    loop {
        let g = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == g {
            return None;
        }
        digits += j - g;
        if digits > 15 || n > 6 {
            return None;
        }
        if open {
            if paren_group.is_some() || j >= b.len() || b[j] != b')' {
                return None;
            }
            paren_group = Some(n);
        }
        groups[n] = (g, j);
        n += 1;
        let end = j;
        let mut k = j;
        let mut sep = 0u8;
        if open {
            k += 1; // the ')'
            open = false;
            sep = b')';
        }
        if k < b.len() && matches!(b[k], b' ' | b'-' | b'.') {
            if sep == 0 {
                sep = b[k];
            }
            k += 1;
        }
        if k < b.len() && b[k] == b'(' && paren_group.is_none() {
            open = true;
            k += 1;
        }
        if k < b.len() && b[k].is_ascii_digit() && (k > end) {
            seps[n - 1] = sep;
            j = k;
            continue;
        }
        if open {
            return None;
        }
        return Some(Parsed {
            plus,
            groups,
            n,
            paren_group,
            seps,
            digits,
            end,
        });
    }
}

/// The digits' values into `buf` (at most 15: [`parse`] gives up beyond); returns how many.
fn digits_of(b: &[u8], groups: &[(usize, usize)], buf: &mut [u8; 16]) -> usize {
    let mut n = 0;
    for &(s, e) in groups {
        for d in &b[s..e] {
            buf[n] = d - b'0';
            n += 1;
        }
    }
    n
}

fn nanp_ok(d: &[u8]) -> bool {
    d.len() == 10
        && (2..=9).contains(&d[0])
        && d[1] != 9
        && (2..=9).contains(&d[3])
        && !(d[4] == 1 && d[5] == 1)
}

fn country(d: &[u8]) -> Option<(usize, usize, usize)> {
    let two = d.get(..2).map(|x| u32::from(x[0]) * 10 + u32::from(x[1]))?;
    let lookup = |cc: u32| COUNTRIES.iter().find(|c| c.0 == cc).map(|c| (c.1, c.2));
    if d[0] == 1 || d[0] == 7 {
        let (lo, hi) = lookup(u32::from(d[0]))?;
        return Some((1, lo, hi));
    }
    if let Some((lo, hi)) = lookup(two) {
        return Some((2, lo, hi));
    }
    THREE_DIGIT_PREFIXES.contains(&two).then_some((3, 6, 12))
}

/// Extension: ` x123`, `x123`, ` ext. 123`, ` ext 123` — part of the number.
fn extension(b: &[u8], end: usize) -> usize {
    let rest = &b[end..];
    for pat in [&b" ext. "[..], b" ext ", b" ext.", b"ext. ", b" x", b"x"] {
        if rest.len() > pat.len() && rest[..pat.len()].eq_ignore_ascii_case(pat) {
            let s = end + pat.len();
            let mut e = s;
            while e < b.len() && b[e].is_ascii_digit() && e - s < 6 {
                e += 1;
            }
            if e > s && e - s <= 5 && boundary_after(b, e) {
                return e;
            }
        }
    }
    end
}

fn classify(text: &str, p: &Parsed, start: usize) -> Option<f32> {
    let b = text.as_bytes();
    let mut lens_buf = [0usize; MAX_GROUPS];
    for (l, (s, e)) in lens_buf.iter_mut().zip(p.groups()) {
        *l = e - s;
    }
    let lens = &lens_buf[..p.n];
    let mut d_buf = [0u8; 16];
    let mut dn = digits_of(b, p.groups(), &mut d_buf);
    if p.plus {
        // Drop a parenthesised trunk zero: +44 (0)20 7946 0958.
        if let Some(pg) = p.paren_group {
            if b[p.groups[pg].0..p.groups[pg].1] == *b"0" {
                let offset: usize = lens[..pg].iter().sum();
                d_buf.copy_within(offset + 1..dn, offset);
                dn -= 1;
            }
        }
        let d = &d_buf[..dn];
        let (cc_len, lo, hi) = country(d)?;
        let nsn = d.len() - cc_len;
        if !(lo..=hi).contains(&nsn) || d.len() > 15 {
            return None;
        }
        if cc_len == 1 && d[0] == 1 && !nanp_ok(&d[1..]) {
            return None;
        }
        // The country code must be its own group or the start of the only group.
        if lens.len() > 1 && lens[0] != cc_len && !(cc_len == 1 && d[0] == 1 && lens[0] == 11) {
            return None;
        }
        return Some(0.95);
    }
    let d = &d_buf[..dn];
    let consistent = |seps: &[u8]| seps.windows(2).all(|w| w[0] == w[1] || w[0] == b')');
    // NANP with separators: [3,3,4], [1,3,3,4] with leading 1, [3,3,3,4] with leading 001.
    let nanp = match lens {
        [3, 3, 4] => consistent(p.seps()).then_some(d),
        [1, 3, 3, 4] if d[0] == 1 => consistent(&p.seps()[1..]).then(|| &d[1..]),
        [3, 3, 3, 4] if d[..3] == [0, 0, 1] => consistent(&p.seps()[1..]).then(|| &d[3..]),
        _ => None,
    };
    if let Some(n) = nanp {
        if p.paren_group.is_some_and(|g| lens[g] != 3) {
            return None;
        }
        return nanp_ok(n).then_some(0.9);
    }
    let cue = || has_context(text, start, p.end, 40, PHONE_CUES);
    if lens == [10] && nanp_ok(d) && cue() {
        return Some(0.75);
    }
    if lens == [11] && d[0] == 1 && nanp_ok(&d[1..]) && cue() {
        return Some(0.75);
    }
    // National format with trunk 0, grouped or not, next to a cue.
    if d[0] == 0
        && d.get(1).is_some_and(|x| *x != 0)
        && (9..=11).contains(&d.len())
        && lens.iter().all(|l| *l >= 2)
        && cue()
    {
        return Some(0.7);
    }
    None
}

/// A number starts with a digit, `+` or `(`, and its first digit is at most two bytes in
/// (`+(`): so every start is at, or one or two bytes before, a digit-run start.
fn candidate_starts(digit_starts: &DigitStarts) -> impl Iterator<Item = usize> + '_ {
    digit_starts.iter().flat_map(|p| p.saturating_sub(2)..p + 1)
}

/// At least the digits [`parse`] collects from `i`: the digits of the chain of digit groups
/// from `i` joined by up to three bytes of `+()` and separators (a parse joins its groups by
/// at most `)`, a separator and `(`). Every number [`classify`] accepts has six or more, and a
/// later start inside the chain has no more than this one: a start with fewer can be passed
/// over without changing what is found, or where the scan resumes for any start that finds
/// something.
fn digits_bound(b: &[u8], mut i: usize) -> usize {
    let mut digits = 0;
    loop {
        let gap = i;
        while i < b.len() && i - gap < 3 && matches!(b[i], b'+' | b'(' | b')' | b' ' | b'-' | b'.')
        {
            i += 1;
        }
        let group = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == group {
            return digits;
        }
        digits += i - group;
    }
}

/// Fewest digits of a number [`classify`] accepts (with a `+`; nine without).
const MIN_DIGITS: usize = 6;

#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, digit_starts: &DigitStarts, out: &mut Vec<Candidate>) {
    scan_with::<true>(text, digit_starts, out);
}

/// [`scan`], and without `PASS_SHORT` the scan that parses at every start (the tests'
/// reference).
#[inline(always)]
fn scan_with<const PASS_SHORT: bool>(
    text: &str,
    digit_starts: &DigitStarts,
    out: &mut Vec<Candidate>,
) {
    let b = text.as_bytes();
    // `i`: where a byte-by-byte scan would resume. Candidates come in increasing order except
    // for repeats, which `s < i` or a repeated no-match absorbs.
    let mut i = 0;
    for s in candidate_starts(digit_starts) {
        if s < i {
            continue;
        }
        let c = b[s];
        let starts = (c.is_ascii_digit() || c == b'+' || c == b'(')
            && (s == 0 || !(is_word_byte(b[s - 1]) || b[s - 1] == b'+' || b[s - 1] == b'('))
            && !continued_number_before(b, s);
        // Most numbers in a text are short: no parse for them (see `digits_bound`).
        if !starts || (PASS_SHORT && digits_bound(b, s) < MIN_DIGITS) {
            continue;
        }
        i = s;
        let Some(p) = parse(b, i) else {
            // Skip to the end of this number-ish run.
            i += 1;
            while i < b.len() && (b[i].is_ascii_digit()) {
                i += 1;
            }
            continue;
        };
        let end = p.end;
        // Every number [`classify`] accepts has at least nine digits (six after a `+`): most
        // digit runs are shorter, and they need neither its work nor an extension's.
        if p.digits >= if p.plus { MIN_DIGITS } else { 9 } {
            let e = extension(b, end);
            if boundary_after(b, e) && !continues_number(b, e) {
                if let Some(score) = classify(text, &p, i) {
                    out.push(Candidate::new(EntityType::Phone, i, e, score));
                    i = e;
                    continue;
                }
            }
        }
        i = end.max(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn phones(text: &str, pass_short: bool) -> Vec<(usize, usize, u32)> {
        let starts = DigitStarts::new(crate::text::ByteMap::new(text.as_bytes()).digit_starts());
        let mut out = Vec::new();
        if pass_short {
            scan_with::<true>(text, &starts, &mut out);
        } else {
            scan_with::<false>(text, &starts, &mut out);
        }
        out.iter()
            .map(|c| (c.start, c.end, c.score.to_bits()))
            .collect()
    }

    proptest! {
        /// Passing over starts with too few digits finds what parsing at every start finds,
        /// on texts of digit groups, separators, `+()`, extensions, cues and noise.
        #[test]
        fn passing_short_numbers_over_changes_nothing(
            parts in prop::collection::vec(
                prop_oneof![
                    "[0-9]{1,4}",
                    "[0-9]{5,11}",
                    "[ .()+-]{1,3}",
                    prop::sample::select(vec![
                        "+1 ", "+44 (0)", "+43 ", "+39 ", "(555) ", "call ", " ext. ", "x",
                        "phone: ", "a", "/", ":", ",", "é", "tel ",
                    ])
                    .prop_map(str::to_string),
                ],
                0..30,
            )
        ) {
            let text = parts.concat();
            prop_assert_eq!(phones(&text, true), phones(&text, false));
        }
    }

    #[test]
    fn fixed_numbers_are_found_either_way() {
        for text in [
            "call +44 (0)20 7946 0958 or (415) 555-0132 ext. 12, 1 2 3 4 5 6 7 8 9 0",
            "12 415-555-0132 3 +1 415 555 0132 +49 30 901820 0.1.2.3.4.5.6",
            // The shortest numbers found: six digits after a `+`.
            "Austria +43 1234, Italy +39 1234",
        ] {
            let found = phones(text, true);
            assert!(!found.is_empty(), "{text}");
            assert_eq!(found, phones(text, false), "{text}");
        }
    }
}
