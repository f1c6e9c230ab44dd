//! Hand-written scanners, one per entity family. Each walks the text once (plus bounded
//! look-around per trigger), so detection is linear in the input length.

pub(crate) mod address;
pub(crate) mod card;
pub(crate) mod crypto;
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
#[derive(Clone, Debug)]
pub(crate) struct DigitRun {
    /// `(start, end)` byte offsets of each group.
    pub groups: Vec<(usize, usize)>,
    /// Separator bytes between consecutive groups (`groups.len() - 1` of them).
    pub seps: Vec<u8>,
}

impl DigitRun {
    pub fn start(&self) -> usize {
        self.groups[0].0
    }

    pub fn end(&self) -> usize {
        self.groups[self.groups.len() - 1].1
    }
}

/// Finds maximal runs of digit groups joined by single `' '` or `'-'` separators that start
/// and end at word boundaries. A run that continues into another number through `.`, `/`,
/// `:` or `,` (dates, versions, times, amounts) is skipped whole.
pub(crate) fn digit_runs(text: &str) -> Vec<DigitRun> {
    use crate::text::{boundary_after, boundary_before, continued_number_before, continues_number};
    let b = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || !boundary_before(b, i) {
            i += 1;
            continue;
        }
        let mut groups = Vec::new();
        let mut seps = Vec::new();
        let mut j = i;
        loop {
            let g = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            groups.push((g, j));
            if j + 1 < b.len() && matches!(b[j], b' ' | b'-') && b[j + 1].is_ascii_digit() {
                seps.push(b[j]);
                j += 1;
            } else {
                break;
            }
        }
        let ok = boundary_after(b, j) && !continues_number(b, j) && !continued_number_before(b, i);
        if ok {
            runs.push(DigitRun { groups, seps });
        }
        i = j.max(i + 1);
    }
    runs
}
