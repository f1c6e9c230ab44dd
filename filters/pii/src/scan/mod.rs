//! Hand-written scanners, one per entity family. Each is linear in the input length (plus
//! bounded look-around per trigger).
//!
//! Most scanners can only start next to a rare byte: a digit run (cards, SSNs, phones, IPv4,
//! street numbers, IBAN check digits, wallets), a `:` (IPv6), a `:`/`-`/`.` separator (MAC).
//! The detector finds these positions once ([`crate::text::ByteMap`]) and the scanners jump
//! from one candidate position to the next instead of each walking every byte; each keeps its
//! byte-by-byte scan's exact semantics (the same start conditions and the same skips).
//!
//! In wasm each scanner (and each shared pass) stays a function of its own
//! (`#[cfg_attr(target_arch = "wasm32", inline(never))]`): inlined, LTO and wasm-opt merge them
//! all into `Detector::find`, and in that one huge function wasmtime's register allocator
//! spills inside the hot loops. A dozen calls per text cost nothing; natively LLVM keeps
//! inlining them as before.

pub(crate) mod address;
pub(crate) mod card;
pub(crate) mod crypto;
pub(crate) mod cues;
pub(crate) mod custom;
pub(crate) mod dob;
pub(crate) mod email;
pub(crate) mod ip;
pub(crate) mod mac;
pub(crate) mod person;
pub(crate) mod phone;
pub(crate) mod secrets;
pub(crate) mod ssn_iban;
pub(crate) mod url;

use crate::entity::EntityType;

/// A possible finding before overlap resolution.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub entity: EntityType,
    pub start: usize,
    pub end: usize,
    pub score: f32,
}

impl Candidate {
    pub fn new(entity: EntityType, start: usize, end: usize, score: f32) -> Self {
        Candidate {
            entity,
            start,
            end,
            score,
        }
    }
}

/// Groups of ASCII digits separated by one separator byte, e.g. `4111 1111 1111 1111` or
/// `536-22-8745`. Produced once and shared by the card and SSN scanners.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DigitRun<'a> {
    /// `(start, end)` byte offsets of each group.
    pub groups: &'a [(usize, usize)],
    /// Separator bytes between consecutive groups (`groups.len() - 1` of them).
    pub seps: &'a [u8],
}

/// Every [`DigitRun`] of a text, in three vectors however many runs there are (most texts
/// have a run per number, and most numbers are no card or SSN).
#[derive(Default)]
pub(crate) struct DigitRuns {
    groups: Vec<(usize, usize)>,
    /// `seps[k]`: the separator after group `k` (0 after a run's last group).
    seps: Vec<u8>,
    /// Each run's groups: `groups[first..end]`.
    runs: Vec<(usize, usize)>,
}

impl DigitRuns {
    pub fn iter(&self) -> impl Iterator<Item = DigitRun<'_>> + '_ {
        self.runs.iter().map(|&(first, end)| DigitRun {
            groups: &self.groups[first..end],
            seps: &self.seps[first..end - 1],
        })
    }
}

impl DigitRun<'_> {
    pub fn start(&self) -> usize {
        self.groups[0].0
    }

    pub fn end(&self) -> usize {
        self.groups[self.groups.len() - 1].1
    }
}

/// Positions where a run of ASCII digits begins (a digit not preceded by a digit), in
/// increasing order: the one shared list digit-anchored scanners start from. Taken out of the
/// [`crate::text::ByteMap`] mask once: six scanners walk it, and a walk of a short list is
/// cheaper than a walk of a mask word per 64 bytes of text.
pub(crate) struct DigitStarts(Vec<usize>);

impl DigitStarts {
    pub fn new(starts: crate::text::Positions<'_>) -> DigitStarts {
        let mut v = Vec::with_capacity(starts.count());
        v.extend(starts.iter());
        DigitStarts(v)
    }

    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().copied()
    }
}

/// Finds maximal runs of digit groups joined by single `' '` or `'-'` separators that start
/// and end at word boundaries. A run that continues into another number through `.`, `/`,
/// `:` or `,` (dates, versions, times, amounts) is skipped whole. Only runs of at least
/// [`MIN_RUN_DIGITS`] digits are kept: no shorter one is a card or an SSN, and most numbers
/// in a text are short (nothing is allocated for them).
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn digit_runs(text: &str, starts: &DigitStarts) -> DigitRuns {
    use crate::text::{boundary_after, boundary_before, continued_number_before, continues_number};
    let b = text.as_bytes();
    let mut runs = DigitRuns::default();
    // `i`: where the byte-by-byte scan would resume; a run starts at a digit-run start.
    let mut i = 0;
    for p in starts.iter() {
        if p < i {
            continue;
        }
        i = p;
        if !boundary_before(b, i) {
            continue;
        }
        // The run's extent first; its groups are stored only when it is kept.
        let mut j = i;
        let mut digits = 0;
        loop {
            let g = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            digits += j - g;
            if j + 1 < b.len() && matches!(b[j], b' ' | b'-') && b[j + 1].is_ascii_digit() {
                j += 1;
            } else {
                break;
            }
        }
        let ok = digits >= MIN_RUN_DIGITS
            && boundary_after(b, j)
            && !continues_number(b, j)
            && !continued_number_before(b, i);
        if ok {
            let first = runs.groups.len();
            let mut k = i;
            loop {
                let g = k;
                while k < j && b[k].is_ascii_digit() {
                    k += 1;
                }
                runs.groups.push((g, k));
                if k < j {
                    runs.seps.push(b[k]);
                    k += 1;
                } else {
                    runs.seps.push(0);
                    break;
                }
            }
            runs.runs.push((first, runs.groups.len()));
        }
        i = j.max(i + 1);
    }
    runs
}

/// Digits of the shortest number the run consumers report: an SSN's nine (a card has 13 to 19).
const MIN_RUN_DIGITS: usize = 9;
