//! URL_CREDENTIALS: `scheme://user:password@host…`. The whole URL is the finding so that a
//! redacted or tokenized value never leaves half a credential behind.

use super::Candidate;
use crate::entity::EntityType;
use crate::text::Positions;

fn ends_url(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`' | b'\\')
}

/// `colons`: every `:` in `text`; `ats`: every `@`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(
    text: &str,
    colons: Positions<'_>,
    ats: Positions<'_>,
    out: &mut Vec<Candidate>,
) {
    // Credentials end at an `@`: without one (most texts, with URLs or not) nothing is found.
    if ats.is_empty() {
        return;
    }
    let b = text.as_bytes();
    let mut covered = 0;
    // `://` cannot overlap itself, so the colons followed by `//` are exactly
    // `match_indices`'s matches.
    for at in colons.iter() {
        if b.get(at + 1..at + 3) != Some(b"//") {
            continue;
        }
        if at < covered {
            continue; // inside the previous URL's path
        }
        let mut s = at;
        while s > 0
            && at - s < 32
            && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'+' | b'.' | b'-'))
        {
            s -= 1;
        }
        while s < at && !b[s].is_ascii_alphabetic() {
            s += 1;
        }
        if s == at {
            continue;
        }
        let auth_start = at + 3;
        // Authority ends at the first '/', '?', '#' or URL terminator; credentials end at its
        // last '@' (a raw '@' in a password is common even though RFC 3986 forbids it).
        let mut e = auth_start;
        let mut last_at = None;
        while e < b.len()
            && e - auth_start < 512
            && !ends_url(b[e])
            && !matches!(b[e], b'/' | b'?' | b'#')
        {
            if b[e] == b'@' {
                last_at = Some(e);
            }
            e += 1;
        }
        let Some(at_sign) = last_at else { continue };
        let userinfo = &text[auth_start..at_sign];
        let Some((user, pass)) = userinfo.split_once(':') else {
            continue;
        };
        if user.is_empty() || pass.is_empty() || at_sign + 1 >= e {
            continue;
        }
        // Host must look like a host name, IPv4 or bracketed IPv6.
        let host = &b[at_sign + 1..e];
        if !host.iter().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        }) {
            continue;
        }
        // Extend over path/query/fragment until a terminator (bounded: URLs are short, and
        // an unbounded walk per `://` would be quadratic on hostile input).
        let path_limit = e + 4096;
        while e < b.len() && e < path_limit && !ends_url(b[e]) {
            e += 1;
        }
        while e > at_sign + 1
            && matches!(
                b[e - 1],
                b'.' | b',' | b';' | b':' | b'!' | b'?' | b')' | b']'
            )
        {
            e -= 1;
        }
        covered = e;
        out.push(Candidate::new(EntityType::UrlCredentials, s, e, 1.0));
    }
}
