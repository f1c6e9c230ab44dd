//! How much of a streamed text must stay pending: [`crate::Detector::undecided_tail`].
//!
//! The cut is placed after a whitespace byte (space, tab, newline, carriage return). Most
//! values cannot contain one (emails, URLs, IPs, MACs, wallets, provider tokens, JWTs), so for
//! them a cut after the last blank is already safe: whatever follows can neither extend nor
//! shorten a value before it, and the scanners only look at the byte before a start to see a
//! word boundary, which a blank and the start of a text give alike. The rules below move the
//! cut back (to the previous blank) wherever one enabled scanner could still join text across
//! it, read past it, or use text before it as context for a value after it; then all rules are
//! asked again about the new cut. Candidates then lie wholly on one side of the cut, and the
//! overlap resolution, which only compares overlapping candidates, decides each side alone.
//!
//! Every rule looks at a bounded stretch before the cut (the longest: a key name 280 bytes back
//! whose `= "value"` may still be open), so one call costs a few hundred byte comparisons per
//! blank it moves back over.

use std::sync::OnceLock;

use crate::entity::EntityType;
use crate::scan::{card, dob, ip, person, phone, secrets, ssn_iban};
use crate::text::boundary_before;

/// Past this much tail the search gives up and holds everything (always allowed): it bounds
/// the work on hostile input, and a runtime holds far less than this anyway.
const MAX_TAIL: usize = 1024;

/// See [`crate::Detector::undecided_tail`]. `on` tells whether a built-in type is enabled;
/// `custom`: custom entities are configured.
pub(crate) fn undecided_tail(text: &str, on: impl Fn(EntityType) -> bool, custom: bool) -> usize {
    let b = text.as_bytes();
    let len = b.len();
    // A regex can match across anything and read any context: no cut is provably safe.
    if custom {
        return len;
    }
    let mut limit = len;
    if on(EntityType::PrivateKey) {
        // A PEM block runs over lines and blanks up to an END line that may be 64 KB away (and
        // a BEGIN without key material hides the token prefixes up to the end of its line).
        // Most text has no `-` at all: one quick pass instead of setting up a substring search.
        let pem = memchr::memchr(b'-', b)
            .and_then(|d| memchr::memmem::find(&b[d..], b"-----BEGIN ").map(|q| d + q));
        if let Some(q) = pem {
            limit = q;
        }
    }
    let mut s = prev_cut(b, limit);
    // Where the first number at or after the cut could start; updated from the bytes the cut
    // moves back over, so the loop stays linear in the tail.
    let mut first_number = len;
    let mut scanned = len;
    while s > 0 && len - s <= MAX_TAIL {
        if let Some(p) = (s..scanned).find(|&p| matches!(b[p], b'0'..=b'9' | b'+' | b'(')) {
            first_number = p;
        }
        scanned = s;
        match unsafe_below(text, s, first_number, &on) {
            None => return len - s,
            Some(q) => s = prev_cut(b, q.min(s - 1)),
        }
    }
    len
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// The last cut at or before `x`: the start of the text or just after a blank.
fn prev_cut(b: &[u8], mut x: usize) -> usize {
    while x > 0 && !is_blank(b[x - 1]) {
        x -= 1;
    }
    x
}

/// `None` when the cut `s` (just after a blank) is safe for every enabled scanner, else a
/// position the cut must not be after. `first_number`: the first digit, `+` or `(` at or
/// after `s` (the text's length if none).
fn unsafe_below(
    text: &str,
    s: usize,
    first_number: usize,
    on: &impl Fn(EntityType) -> bool,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut bound: Option<usize> = None;
    let card = on(EntityType::CreditCard);
    let ssn = on(EntityType::UsSsn);
    let phone = on(EntityType::Phone);
    // Digit groups joined by one space: `4111 1111 ` + `1111 1111` is one card, `415 555 ` +
    // `0132` one phone number, `(415) ` + `555-0132` too.
    let after_group = s >= 2 && b[s - 1] == b' ';
    if (card || ssn)
        && after_group
        && b[s - 2].is_ascii_digit()
        && b.get(s).is_none_or(u8::is_ascii_digit)
    {
        lower(&mut bound, Some(s - 1));
    }
    if phone
        && after_group
        && (b[s - 2].is_ascii_digit() || b[s - 2] == b')')
        && b.get(s)
            .is_none_or(|c| c.is_ascii_digit() || matches!(c, b'(' | b'x' | b'X' | b'e' | b'E'))
    {
        lower(&mut bound, Some(s - 1));
    }
    if phone {
        lower(&mut bound, extension_open(b, s));
    }
    if card || ssn || phone {
        lower(&mut bound, number_context_open(b, s));
    }
    // Cue words before a number decide whether it is reported (`order` hides a card, `call`
    // allows a bare ten-digit phone, `version` hides a quad). A number at or after the cut
    // reads its window of context before it, which the next scan will no longer see: the
    // window must hold no cue. The window starts `W` (+3 for a char boundary) bytes before
    // the number, and may start inside a word, which makes any occurrence a match.
    let window = |w: usize| first_number.saturating_sub(w + 3);
    let mut from = [usize::MAX; CUE_WINDOWS];
    if phone {
        from[PHONE] = window(40);
    }
    if card {
        from[NOT_A_CARD] = window(24);
        from[CARD] = window(32);
    }
    if ssn {
        from[SSN] = window(40);
    }
    if on(EntityType::IpAddress) {
        from[VERSION] = window(20);
    }
    if on(EntityType::DateOfBirth) {
        // A birth cue is followed by a date starting within 32 bytes of its end and at most 24
        // bytes long: a cue up to 13 + 32 + 24 bytes back still decides a date at the cut.
        from[DOB] = s.saturating_sub(70);
    }
    if on(EntityType::Iban) {
        lower(&mut bound, iban_open(b, s));
    }
    if on(EntityType::StreetAddress) {
        lower(&mut bound, address_open(b, s));
    }
    if on(EntityType::Person) {
        lower(&mut bound, person_open(b, s));
    }
    // Only the lowest bound counts: the scans below stop where one is known already.
    let upto = bound.unwrap_or(s);
    lower(&mut bound, first_cue_in_windows(b, &from, upto));
    if on(EntityType::GenericSecret) || on(EntityType::AwsSecretKey) {
        let upto = bound.unwrap_or(s);
        lower(&mut bound, key_value_open(text, s, upto, on));
    }
    bound
}

/// Lowers `bound` to `q`.
fn lower(bound: &mut Option<usize>, q: Option<usize>) {
    if let Some(q) = q {
        *bound = Some(bound.map_or(q, |x| x.min(q)));
    }
}

/// True when `cue` (lower-case) occurs at `q` ignoring ASCII case, or its start does and the
/// text ends before the rest of it.
fn cue_at(b: &[u8], q: usize, cue: &str) -> bool {
    let c = cue.as_bytes();
    let n = c.len().min(b.len() - q);
    b[q..q + n]
        .iter()
        .zip(c)
        .all(|(x, y)| x.to_ascii_lowercase() == *y)
}

/// The cue lists whose occurrences in a window before a number decide it.
const PHONE: usize = 0;
const NOT_A_CARD: usize = 1;
const CARD: usize = 2;
const SSN: usize = 3;
const VERSION: usize = 4;
const DOB: usize = 5;
const CUE_WINDOWS: usize = 6;
static WINDOW_CUES: CueLists<CUE_WINDOWS> = CueLists::new([
    &PHONE_CUES,
    &NOT_A_CARD_CUES,
    &CARD_CUES,
    &SSN_CUES,
    &VERSION_CUES,
    &DOB_CUES,
]);

/// The person cue lists that may span the cut.
static PERSON_CUES: CueLists<3> = CueLists::new([&NAME_CUES, &HONORIFICS, &AFTER_NAME_CUES]);

/// The key names a secret value may follow.
static KEY_CUES: CueLists<1> = CueLists::new([&KEY_NAMES]);

/// Several cue lists searched in one pass: for a lower-case byte or byte pair, which lists have
/// a cue that may start with it, a bit per list. One table lookup per position instead of one
/// filter test per list.
struct CueLists<const N: usize> {
    lists: [&'static Cues; N],
    /// By [`pair_bit`] of a position's first two bytes.
    pairs: [u8; 4096],
    /// By first byte: lists with a one-byte cue.
    singles: [u8; 256],
    /// By first byte: lists with any cue starting with it (at the last byte of the text).
    starts: [u8; 256],
    /// Each list's cues grouped by first byte, made on first use: a position is compared with
    /// the few cues starting with its byte, not the whole list (this runs on every streamed
    /// event, and a list passing the pair test held up to 40 cues to go through).
    by_first: OnceLock<Vec<Grouped>>,
}

/// Cues grouped by one of their bytes (the first, or the last). No cue is empty (tested).
struct Grouped {
    cues: Vec<&'static str>,
    /// Cues whose byte is `c` are `cues[starts[c]..starts[c + 1]]`.
    starts: Vec<usize>,
}

impl Grouped {
    fn new(list: Vec<&'static str>, byte: fn(&str) -> u8) -> Grouped {
        let mut starts = vec![0; 257];
        for c in &list {
            starts[usize::from(byte(c)) + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        // A counting sort (a sort call brought 10 KB of code into response-guard.wasm).
        let mut next = starts.clone();
        let mut cues = vec![""; list.len()];
        for c in list {
            let k = usize::from(byte(c));
            cues[next[k]] = c;
            next[k] += 1;
        }
        Grouped { cues, starts }
    }

    fn by_first(list: &'static [&'static str]) -> Grouped {
        Grouped::new(list.to_vec(), |c| {
            c.as_bytes().first().copied().unwrap_or(0)
        })
    }

    /// The cues whose byte is `b`.
    fn with(&self, b: u8) -> &[&'static str] {
        &self.cues[self.starts[usize::from(b)]..self.starts[usize::from(b) + 1]]
    }
}

impl<const N: usize> CueLists<N> {
    const fn new(lists: [&'static Cues; N]) -> Self {
        assert!(N <= 8);
        let mut t = CueLists {
            lists,
            pairs: [0; 4096],
            singles: [0; 256],
            starts: [0; 256],
            by_first: OnceLock::new(),
        };
        let mut i = 0;
        while i < N {
            let list = lists[i].list;
            let mut k = 0;
            while k < list.len() {
                let c = list[k].as_bytes();
                if !c.is_empty() {
                    t.starts[c[0] as usize] |= 1 << i;
                }
                if c.len() == 1 {
                    t.singles[c[0] as usize] |= 1 << i;
                } else if c.len() > 1 {
                    t.pairs[pair_bit(c[0], c[1])] |= 1 << i;
                }
                k += 1;
            }
            i += 1;
        }
        t
    }

    fn by_first(&self) -> &[Grouped] {
        self.by_first.get_or_init(|| {
            self.lists
                .iter()
                .map(|c| Grouped::by_first(c.list))
                .collect()
        })
    }

    /// The lists (bits) with a cue that may start at `b[q]` (matching ignores ASCII case; at
    /// the end of the text a cue's first byte is enough, as `cue_at` accepts a cue cut off by
    /// the end).
    fn may_start(&self, b: &[u8], q: usize) -> u8 {
        let c = b[q].to_ascii_lowercase();
        match b.get(q + 1) {
            None => self.starts[usize::from(c)],
            Some(n) => {
                self.singles[usize::from(c)] | self.pairs[pair_bit(c, n.to_ascii_lowercase())]
            }
        }
    }

    /// The first position `q` in `range` where, for a list `i` in `lists` (bits) with
    /// `q >= from[i]`, `hit(i, q, cue)` holds for one of list `i`'s cues.
    fn first(
        &self,
        b: &[u8],
        range: std::ops::Range<usize>,
        from: &[usize; N],
        hit: impl Fn(usize, usize, &str) -> bool,
    ) -> Option<usize> {
        range.into_iter().find(|&q| {
            let mut lists = self.may_start(b, q);
            if lists == 0 {
                return false;
            }
            let first = b[q].to_ascii_lowercase();
            let by_first = self.by_first();
            while lists != 0 {
                let i = lists.trailing_zeros() as usize;
                lists &= lists - 1;
                if q >= from[i] && by_first[i].with(first).iter().any(|cue| hit(i, q, cue)) {
                    return true;
                }
            }
            false
        })
    }
}

/// The first position before `to` where a cue of list `i` of [`WINDOW_CUES`] occurs at or
/// after `from[i]` (`usize::MAX`: list not searched), or may be occurring, at the end of the
/// text. Version cues only count as whole words (not followed by a letter or digit).
///
/// One pass for all lists: the same as searching each list's window on its own and taking
/// the lowest hit.
fn first_cue_in_windows(b: &[u8], from: &[usize; CUE_WINDOWS], to: usize) -> Option<usize> {
    let start = *from.iter().min()?;
    WINDOW_CUES.first(b, start..to.min(b.len()), from, |i, q, cue| {
        cue_at(b, q, cue)
            && (i != VERSION
                || b.get(q + cue.len())
                    .is_none_or(|c| !c.is_ascii_alphanumeric()))
    })
}

/// The first occurrence of a person cue ([`PERSON_CUES`], lower-case) that starts before the
/// blank at `s - 1` and goes on past it. The cue lists are matched leftmost-longest: such an
/// occurrence would hide the ones starting inside it, which the next scan would see.
fn spanning_person_cue(b: &[u8], s: usize) -> Option<usize> {
    let from = PERSON_CUES
        .lists
        .map(|cues| s.saturating_sub(cues.longest.saturating_sub(1)));
    let start = from.iter().copied().min().unwrap_or(s);
    // Ascending positions: the first one where a cue spans the blank is the leftmost.
    PERSON_CUES.first(b, start..s.saturating_sub(1), &from, |_, q, cue| {
        q + cue.len() > s && cue_at(b, q, cue)
    })
}

/// A cue list, with what [`CueLists`] and [`spanning_person_cue`] need to know of it.
struct Cues {
    list: &'static [&'static str],
    longest: usize,
}

const fn pair_bit(a: u8, b: u8) -> usize {
    (((a as usize) << 5) ^ (b as usize)) & 4095
}

impl Cues {
    const fn new(list: &'static [&'static str]) -> Cues {
        let mut longest = 0;
        let mut i = 0;
        while i < list.len() {
            if list[i].len() > longest {
                longest = list[i].len();
            }
            i += 1;
        }
        Cues { list, longest }
    }
}

const PHONE_CUES: Cues = Cues::new(phone::PHONE_CUES);
const NOT_A_CARD_CUES: Cues = Cues::new(card::NOT_A_CARD_CUES);
const CARD_CUES: Cues = Cues::new(card::CARD_CUES);
const SSN_CUES: Cues = Cues::new(ssn_iban::SSN_CUES);
const VERSION_CUES: Cues = Cues::new(ip::VERSION_CUES);
const DOB_CUES: Cues = Cues::new(dob::DOB_CUES);
const NAME_CUES: Cues = Cues::new(person::NAME_CUES);
const HONORIFICS: Cues = Cues::new(person::HONORIFICS);
const AFTER_NAME_CUES: Cues = Cues::new(person::AFTER_NAME_CUES);
const KEY_NAMES: Cues = Cues::new(secrets::KEY_NAMES);

/// `415-555-0132 ext. ` before the cut: the extension's digits would be part of the number.
fn extension_open(b: &[u8], s: usize) -> Option<usize> {
    let before = &b[..s];
    for pat in [&b"ext. "[..], b"ext "] {
        if before.len() >= pat.len() && before[s - pat.len()..].eq_ignore_ascii_case(pat) {
            let mut x = s - pat.len();
            if x > 0 && b[x - 1] == b' ' {
                x -= 1;
            }
            if x > 0 && b[x - 1].is_ascii_digit() {
                return Some(x - 1);
            }
        }
    }
    None
}

/// A card, SSN or phone number is also judged by cue words in the 16 (card) or 20 bytes after
/// it (`4111… card` overrides `order 4111…`). When such a number ends so near the end of the
/// text that this window is not complete, what follows decides it: the cut goes before it.
/// Any such number has nine or more digits and spans at most 48 bytes.
fn number_context_open(b: &[u8], s: usize) -> Option<usize> {
    let from = b.len().saturating_sub(24);
    if !b[from.min(s)..s].iter().any(u8::is_ascii_digit) {
        return None;
    }
    let w0 = from.saturating_sub(48);
    let first = (w0..s).find(|&i| b[i].is_ascii_digit())?;
    let digits = b[w0..s].iter().filter(|c| c.is_ascii_digit()).count();
    // A number starts at most two bytes (`+(`) before its first digit.
    (digits >= 9).then(|| first.saturating_sub(2))
}

/// A grouped IBAN (`GB82 WEST 1234 `) goes on after a space that follows a group of four.
/// Walks back over the groups of four to a possible start (two capitals, two digits).
fn iban_open(b: &[u8], s: usize) -> Option<usize> {
    if b[s - 1] != b' ' || !b.get(s).is_none_or(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut end = s - 1;
    // The longest IBAN has 34 characters: nine groups.
    for _ in 0..9 {
        if end < 4 || !b[end - 4..end].iter().all(u8::is_ascii_alphanumeric) {
            return None;
        }
        let t = end - 4;
        if t > 0 && b[t - 1].is_ascii_alphanumeric() {
            return None;
        }
        if b[t].is_ascii_uppercase()
            && b[t + 1].is_ascii_uppercase()
            && b[t + 2].is_ascii_digit()
            && b[t + 3].is_ascii_digit()
            && boundary_before(b, t)
        {
            return Some(t);
        }
        if t == 0 || b[t - 1] != b' ' {
            return None;
        }
        end = t - 1;
    }
    None
}

/// A street address is a house number followed by space-separated words, a unit, and a city
/// line after `, ` or a newline: up to 13 blank-separated tokens of letters, digits and
/// `' , . # -`. Walks back over up to 14 such tokens from the cut; a house number among them
/// (at most six digits at a word boundary, a space and a capital or digit after it) may still
/// grow an address across the cut.
fn address_open(b: &[u8], s: usize) -> Option<usize> {
    let is_address_byte =
        |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'\'' | b',' | b'.' | b'#' | b'-');
    let mut found = None;
    let mut end = s - 1;
    // First byte of the token after `end`; unknown at the end of the text.
    let mut next = b.get(s).copied();
    for _ in 0..14 {
        let sep = b[end];
        if sep != b' ' && sep != b'\n' {
            break;
        }
        let mut t = end;
        while t > 0 && is_address_byte(b[t - 1]) {
            t -= 1;
        }
        if t == end {
            break;
        }
        if sep == b' ' && next.is_none_or(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
            let mut d = end;
            while d > t && b[d - 1].is_ascii_digit() {
                d -= 1;
            }
            if d < end && end - d <= 6 && boundary_before(b, d) {
                found = Some(d);
            }
        }
        next = Some(b[t]);
        if t == 0 {
            break;
        }
        end = t - 1;
    }
    found
}

/// The name cues and honorifics, by last byte.
fn name_cues_by_last() -> &'static Grouped {
    static BY_LAST: OnceLock<Grouped> = OnceLock::new();
    BY_LAST.get_or_init(|| {
        let cues = person::NAME_CUES.iter().chain(person::HONORIFICS).copied();
        Grouped::new(cues.collect(), |c| {
            c.as_bytes().last().copied().unwrap_or(0)
        })
    })
}

/// PERSON: a cue or honorific right before the cut (`my name is `, `Dr. `, `Regards,\n`)
/// introduces a name after it; a name word or initial right before a space (`Jane `,
/// `Mary J. `) may go on with a surname, or be confirmed by a verb (`Zoe Foo ` + `wrote`);
/// a cue or verb phrase with a space in it (`this is`, ` will follow up`) may span the cut.
fn person_open(b: &[u8], s: usize) -> Option<usize> {
    let mut bound = spanning_person_cue(b, s);
    let e = s - 1;
    let ends = [
        Some(e),
        (e > 0 && matches!(b[e - 1], b'.' | b':' | b',')).then(|| e - 1),
    ];
    for end in ends.into_iter().flatten() {
        if end == 0 {
            continue;
        }
        for cue in name_cues_by_last().with(b[end - 1].to_ascii_lowercase()) {
            let n = cue.len();
            if end >= n
                && b[end - n..end].eq_ignore_ascii_case(cue.as_bytes())
                && boundary_before(b, end - n)
            {
                lower(&mut bound, Some(end - n));
            }
        }
    }
    // A name goes on with a capitalised word or initial, or is confirmed by a verb.
    let may_go_on = b.get(s).is_none_or(u8::is_ascii_uppercase)
        || person::AFTER_NAME_CUES.iter().any(|c| cue_at(b, e, c));
    if b[e] == b' ' && may_go_on {
        let shaped = |x: usize| {
            b[x].is_ascii_alphabetic()
                || (matches!(b[x], b'\'' | b'-')
                    && b.get(x + 1).is_some_and(u8::is_ascii_uppercase))
        };
        let mut i = e;
        while i > 0 && shaped(i - 1) {
            i -= 1;
        }
        if let Some(x) = (i..e).find(|&x| {
            b[x].is_ascii_uppercase() && boundary_before(b, x) && person::name_word(b, x) == Some(e)
        }) {
            lower(&mut bound, Some(x));
        }
        if e >= 2
            && b[e - 1] == b'.'
            && b[e - 2].is_ascii_uppercase()
            && (e == 2 || b[e - 3] == b' ')
        {
            lower(&mut bound, Some(e - 2));
        }
    }
    bound
}

/// Secrets after a key name: `password = ` or `Bearer ` before the cut puts the value after
/// it, and an AWS secret cue looks 64 bytes ahead for its key. Every occurrence of a key name
/// that [`secrets::assigned_value`]'s walk (or the AWS look-ahead) could carry to the cut, or
/// that spans the cut, holds the cut before it.
/// Only occurrences before `upto` are looked for.
fn key_value_open(
    text: &str,
    s: usize,
    upto: usize,
    on: &impl Fn(EntityType) -> bool,
) -> Option<usize> {
    let b = text.as_bytes();
    let generic = on(EntityType::GenericSecret);
    let aws = on(EntityType::AwsSecretKey);
    // A key name is at most 21 bytes, its value at most 246 bytes after it.
    (s.saturating_sub(280)..upto.min(s)).find(|&q| {
        if KEY_CUES.may_start(b, q) == 0 {
            return false;
        }
        KEY_CUES.by_first()[0]
            .with(b[q].to_ascii_lowercase())
            .iter()
            .any(|&key| {
                if !cue_at(b, q, key) {
                    return false;
                }
                let key_end = q + key.len();
                if key_end > s {
                    return true;
                }
                if secrets::AWS_SECRET_CUES.contains(&key) {
                    // The first 40-character run in the 64 bytes after the cue is its key: decided
                    // once one ends before the cut, or once no run can still reach 40 characters.
                    return aws
                        && match secrets::aws_secret_after(text, key_end) {
                            Some((_, e)) => e >= s,
                            None => key_end + 64 + 41 > b.len(),
                        };
                }
                if q > 0 && b[q - 1].is_ascii_alphanumeric() {
                    return false;
                }
                generic
                    && secrets::assigned_value_reaches(
                        text,
                        key_end,
                        secrets::PASSWORD_KEYS.contains(&key),
                        key == "bearer",
                        s,
                    )
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The grouped lookups skip empty cues (which `cue_at` would match anywhere).
    #[test]
    fn no_cue_is_empty() {
        let lists = WINDOW_CUES
            .lists
            .iter()
            .chain(&PERSON_CUES.lists)
            .chain(&KEY_CUES.lists);
        for cues in lists {
            assert!(cues.list.iter().all(|c| !c.is_empty()), "{:?}", cues.list);
        }
    }
}
