//! US_SSN (area/group/serial rules) and IBAN (country length + ISO 7064 mod-97).

use super::{Candidate, DigitRuns, DigitStarts};
use crate::entity::EntityType;
use crate::text::{boundary_after, boundary_before, has_context};
use crate::validate::{is_valid_iban, is_valid_ssn};

pub(crate) const SSN_CUES: &[&str] = &[
    "ssn",
    "social security",
    "social sec",
    "ss#",
    "ss #",
    "taxpayer",
    "tin",
];

/// `AAA-GG-SSSS` and `AAA GG SSSS` are reported on shape and rules alone; nine bare digits
/// only next to an SSN cue (they are more often order or account numbers).
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan_ssn(text: &str, runs: &DigitRuns, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    for run in runs.iter() {
        // Only one or three groups can be an SSN: the others are ruled out before anything is
        // collected (this runs for every number in the text). Groups are never empty, so a
        // lone group's `[n, 0, 0]` is no three groups' lengths.
        let lens = match run.groups {
            [(s, e)] => [e - s, 0, 0],
            [x, y, z] => [x.1 - x.0, y.1 - y.0, z.1 - z.0],
            _ => continue,
        };
        let (start, end) = (run.start(), run.end());
        let score = if lens == [3, 2, 4] && run.seps[0] == run.seps[1] {
            if run.seps[0] == b'-' {
                0.95
            } else {
                0.85
            }
        } else if lens == [9, 0, 0] && has_context(text, start, end, 40, SSN_CUES) {
            0.9
        } else {
            continue;
        };
        let mut digits = [0u8; 9];
        for (d, &c) in digits
            .iter_mut()
            .zip(b[start..end].iter().filter(|c| c.is_ascii_digit()))
        {
            *d = c;
        }
        if is_valid_ssn(&digits) {
            out.push(Candidate::new(EntityType::UsSsn, start, end, score));
        }
    }
}

/// IBANs are written compact (`DE89370400440532013000`) or in groups of four separated by
/// single spaces. The candidate takes exactly the country's registered length.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan_iban(text: &str, digit_starts: &DigitStarts, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    // The check digits start a digit run two bytes after the start; `i` is where a
    // byte-by-byte scan would resume (after a match it skips the match).
    let mut i = 0;
    for p in digit_starts.iter() {
        if p < 2 || p - 2 < i {
            continue;
        }
        i = p - 2;
        if !(i + 4 <= b.len()
            && b[i].is_ascii_uppercase()
            && b[i + 1].is_ascii_uppercase()
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && boundary_before(b, i))
        {
            continue;
        }
        let Some(len) = crate::validate::iban_length_of(&b[i..i + 2]) else {
            continue;
        };
        // Consume `len` alphanumerics, allowing a single space only after each group of four.
        let mut j = i;
        let mut count = 0;
        let mut grouped = None;
        while j < b.len() && count < len {
            if b[j].is_ascii_alphanumeric() {
                count += 1;
                j += 1;
            } else if b[j] == b' '
                && count % 4 == 0
                && grouped != Some(false)
                && j + 1 < b.len()
                && b[j + 1].is_ascii_alphanumeric()
            {
                grouped = Some(true);
                j += 1;
            } else {
                break;
            }
            if count == 4 && grouped.is_none() && j < b.len() && b[j] != b' ' {
                grouped = Some(false);
            }
        }
        if count == len && boundary_after(b, j) && is_valid_iban(&text[i..j]) {
            // Upper-case letters only in the BBAN (lower-case is prose, not an IBAN).
            if !b[i..j].iter().any(u8::is_ascii_lowercase) {
                out.push(Candidate::new(EntityType::Iban, i, j, 1.0));
                i = j;
                continue;
            }
        }
    }
}
