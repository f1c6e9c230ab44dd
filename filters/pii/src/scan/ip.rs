//! IP_ADDRESS: dotted-quad IPv4 (octets 0–255, no leading zeros) and IPv6 (parsed by the
//! standard library). Version strings are not addresses: a quad preceded by `v`, `version`,
//! `release`, `build` and the like, or one that is part of a longer dotted number, is skipped.

use super::{Candidate, DigitStarts};
use crate::entity::EntityType;
use crate::text::Positions;
use crate::text::{boundary_after, continues_number};

pub(crate) const VERSION_CUES: &[&str] =
    &["version", "ver", "v", "release", "firmware", "sdk", "patch"];

fn parse_octet(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() && j - i < 4 {
        j += 1;
    }
    let len = j - i;
    if len == 0 || len > 3 || (len > 1 && b[i] == b'0') {
        return None;
    }
    let v: u32 = b[i..j].iter().fold(0, |a, d| a * 10 + u32::from(d - b'0'));
    (v <= 255).then_some(j)
}

#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan_v4(text: &str, digit_starts: &DigitStarts, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    // A quad starts a digit run; `i` is where a byte-by-byte scan would resume.
    let mut i = 0;
    for p in digit_starts.iter() {
        if p < i {
            continue;
        }
        i = p;
        let starts = i == 0
            || !(b[i - 1].is_ascii_alphanumeric()
                || b[i - 1] == b'.'
                || b[i - 1] == b'_'
                || b[i - 1] >= 0x80);
        if !starts {
            continue;
        }
        let mut j = i;
        let mut ok = true;
        for k in 0..4 {
            match parse_octet(b, j) {
                Some(e) => j = e,
                None => {
                    ok = false;
                    break;
                }
            }
            if k < 3 {
                if j < b.len() && b[j] == b'.' {
                    j += 1;
                } else {
                    ok = false;
                    break;
                }
            }
        }
        if ok
            && boundary_after(b, j)
            && !continues_number(b, j)
            && !crate::text::has_whole_word_before(text, i, 20, VERSION_CUES)
        {
            out.push(Candidate::new(EntityType::IpAddress, i, j, 0.95));
            i = j;
            continue;
        }
        // Skip the rest of this number so its inner digits are not re-tried as starts.
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
    }
}

fn is_v6_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Candidates are runs of up to 46 address bytes that start after a non-word byte (not `:`
/// or `.`). Such starts never lie inside another start's run, so each is judged on its own;
/// and a run without a `:` cannot be an address, so only runs holding a colon are looked at:
/// from each colon, back to the start of its run.
///
/// `colons`: every `:` in `text`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan_v6(text: &str, colons: Positions<'_>, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    let mut done = 0; // runs starting before this were already judged
    for colon in colons.iter() {
        if colon < done {
            continue;
        }
        let mut i = colon;
        while i > 0 && is_v6_byte(b[i - 1]) && colon - (i - 1) < 46 {
            i -= 1;
        }
        if i > 0 && (crate::text::is_word_byte(b[i - 1]) || matches!(b[i - 1], b':' | b'.')) {
            // Not a start (or the colon is beyond the 46-byte run of the real start).
            done = colon + 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && j - i < 46 && is_v6_byte(b[j]) {
            j += 1;
        }
        let run_end = j;
        done = run_end.max(colon + 1);
        if j < b.len() && crate::text::is_word_byte(b[j]) {
            continue;
        }
        // Trailing sentence punctuation (`fe80::1.` or `…:`) is not part of the address,
        // except the `::` shorthand itself.
        while j > i && (b[j - 1] == b'.' || (b[j - 1] == b':' && !(j >= 2 && b[j - 2] == b':'))) {
            j -= 1;
        }
        let cand = &text[i..j];
        let colons = cand.bytes().filter(|c| *c == b':').count();
        let hex_digits = cand.bytes().filter(u8::is_ascii_hexdigit).count();
        if colons >= 2
            && (hex_digits >= 4 || cand == "::1")
            && cand.parse::<std::net::Ipv6Addr>().is_ok()
        {
            out.push(Candidate::new(EntityType::IpAddress, i, j, 0.95));
        }
    }
}
