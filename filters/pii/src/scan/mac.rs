//! MAC_ADDRESS: six hex pairs joined by one consistent `:` or `-`, or Cisco's three dotted
//! groups of four (`0011.2233.4455`).

use super::Candidate;
use crate::entity::EntityType;
use crate::text::Positions;

fn hex_run(b: &[u8], i: usize, n: usize) -> bool {
    i + n <= b.len() && b[i..i + n].iter().all(u8::is_ascii_hexdigit)
}

fn sep_continues(b: &[u8], at: usize) -> bool {
    at + 1 < b.len() && matches!(b[at], b':' | b'-' | b'.') && b[at + 1].is_ascii_hexdigit()
}

/// A MAC address starts at a hex digit that does not continue a word or an address, and
/// both shapes start with two hex digits.
fn at_start(b: &[u8], i: usize) -> bool {
    b[i].is_ascii_hexdigit()
        && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
        && (i == 0
            || !(crate::text::is_word_byte(b[i - 1]) || matches!(b[i - 1], b':' | b'-' | b'.')))
}

/// Where a MAC address could start: two bytes before a `:`/`-`, four before a `.`, and only
/// there [`at_start`] holds. Dropping the other positions changes nothing: the scan only
/// remembers the last start it tried, which a later (greater) start can never be below. In
/// prose (a `.` ends every sentence) this leaves the list empty.
fn candidate_starts(b: &[u8], seps: Positions<'_>) -> Vec<usize> {
    let mut starts = Vec::new();
    for p in seps.iter() {
        let back = if b[p] == b'.' { 4 } else { 2 };
        if p >= back && at_start(b, p - back) {
            starts.push(p - back);
        }
    }
    // A `.` adds a start further back than a later `:` does; keep them in order.
    starts.sort_unstable();
    starts
}

/// `seps`: every `:`, `-` and `.` in `text`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, seps: Positions<'_>, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    // `i`: where a byte-by-byte scan would resume (after a match it skips the match).
    let mut i = 0;
    for s in candidate_starts(b, seps) {
        if s < i {
            continue;
        }
        i = s;
        // aa:bb:cc:dd:ee:ff / aa-bb-cc-dd-ee-ff
        if hex_run(b, i, 2) && i + 17 <= b.len() && matches!(b[i + 2], b':' | b'-') {
            let sep = b[i + 2];
            let ok =
                (0..6).all(|k| hex_run(b, i + 3 * k, 2)) && (0..5).all(|k| b[i + 3 * k + 2] == sep);
            let end = i + 17;
            if ok && crate::text::boundary_after(b, end) && !sep_continues(b, end) {
                out.push(Candidate::new(EntityType::MacAddress, i, end, 0.95));
                i = end;
                continue;
            }
        }
        // aabb.ccdd.eeff
        if i + 14 <= b.len()
            && hex_run(b, i, 4)
            && b[i + 4] == b'.'
            && hex_run(b, i + 5, 4)
            && b[i + 9] == b'.'
            && hex_run(b, i + 10, 4)
        {
            let end = i + 14;
            let has_hex_letter = b[i..end].iter().any(u8::is_ascii_alphabetic);
            // All-digit `1234.5678.9012` is a number, not a MAC.
            if has_hex_letter && crate::text::boundary_after(b, end) && !sep_continues(b, end) {
                out.push(Candidate::new(EntityType::MacAddress, i, end, 0.9));
                i = end;
                continue;
            }
        }
    }
}
