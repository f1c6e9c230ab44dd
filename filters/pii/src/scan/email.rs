//! EMAIL: `local@domain.tld` with RFC 5321 length limits and a real-looking domain.

use super::Candidate;
use crate::entity::EntityType;
use crate::text::Positions;

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// `ats`: every `@` in `text`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, ats: Positions<'_>, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    for at in ats.iter() {
        // Local part: up to 64 bytes to the left.
        let mut s = at;
        while s > 0 && at - s < 64 && is_local_byte(b[s - 1]) {
            s -= 1;
        }
        if s > 0 && at - s == 64 && is_local_byte(b[s - 1]) {
            continue; // longer than RFC 5321 allows
        }
        while s < at && matches!(b[s], b'.' | b'\'' | b'-' | b'+') {
            s += 1;
        }
        if s == at || b[at - 1] == b'.' || text[s..at].contains("..") {
            continue;
        }
        if s > 0 && b[s - 1] >= 0x80 {
            continue; // non-ASCII local parts are not supported; do not report half of one
        }
        // Domain: labels separated by single dots, up to 253 bytes.
        let mut e = at + 1;
        let mut labels = 0;
        let mut last_label = (e, e);
        loop {
            let ls = e;
            while e < b.len() && e - at <= 253 && is_label_byte(b[e]) {
                e += 1;
            }
            if e == ls || b[ls] == b'-' || b[e - 1] == b'-' || e - ls > 63 {
                e = ls;
                break;
            }
            labels += 1;
            last_label = (ls, e);
            if e + 1 < b.len() && b[e] == b'.' && is_label_byte(b[e + 1]) {
                e += 1;
            } else {
                break;
            }
        }
        // The loop may stop right after a dot on an invalid label; drop that dot.
        if e > at + 1 && b[e - 1] == b'.' {
            e -= 1;
        }
        let (ts, te) = last_label;
        let tld = &b[ts..te];
        if labels < 2
            || te != e
            || !(2..=24).contains(&tld.len())
            || !tld.iter().all(u8::is_ascii_alphabetic)
        {
            continue;
        }
        if e < b.len() && (b[e] == b'@' || b[e] >= 0x80 || b[e] == b'_') {
            continue;
        }
        out.push(Candidate::new(EntityType::Email, s, e, 1.0));
    }
}
