//! DATE_OF_BIRTH: a real calendar date (years 1900–2030) that follows a birth cue
//! (`born`, `DOB`, `date of birth`, `birthday`, …) within a short window. Dates without a cue
//! are not personal data on their own (invoices, logs and timestamps are full of them).

use super::Candidate;
use crate::entity::EntityType;
use crate::validate::parse_date;

pub(crate) const DOB_CUES: &[&str] = &[
    "date of birth",
    "birth date",
    "birthdate",
    "birthday",
    "dob",
    "d.o.b",
    "born",
    "birth",
    "geburtsdatum",
    "né le",
    "née le",
];

/// Bytes after the end of a cue in which the date must start.
const WINDOW: usize = 32;

fn is_date_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b' ' | b',')
}

/// Finds the first date starting within `WINDOW` bytes after `from`.
fn date_after(text: &str, from: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let limit = (from + WINDOW).min(b.len());
    let mut i = from;
    while i < limit {
        if !b[i].is_ascii_alphanumeric() || !crate::text::boundary_before(b, i) {
            i += 1;
            continue;
        }
        // Longest prefix of the date-ish run (max 24 bytes) that parses as a date,
        // ending at a word boundary.
        let mut j = i;
        while j < b.len() && j - i < 24 && is_date_byte(b[j]) {
            j += 1;
        }
        let mut e = j;
        while e > i {
            if b[e - 1].is_ascii_alphanumeric() && crate::text::boundary_after(b, e) {
                if let Some(d) = parse_date(&text[i..e]) {
                    if (1900..=2030).contains(&d.year) {
                        return Some((i, e));
                    }
                }
            }
            e -= 1;
        }
        i += 1;
    }
    None
}

/// `cues`: the leftmost-longest matches of [`DOB_CUES`] in `text`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, cues: &[(usize, usize)], out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    let mut last_end = 0;
    for &(cue_start, cue_end) in cues {
        if !crate::text::boundary_before(b, cue_start) || cue_end < last_end {
            continue;
        }
        if let Some((s, e)) = date_after(text, cue_end) {
            out.push(Candidate::new(EntityType::DateOfBirth, s, e, 0.85));
            last_end = e;
        }
    }
}
