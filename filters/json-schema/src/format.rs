//! `format` checks (applied when formats assert). Compact by design: no IDNA tables, so the
//! `idn-*` and `iri*` formats, like every unknown format, pass.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The formats this validator checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    DateTime,
    Date,
    Time,
    Duration,
    Email,
    Hostname,
    IdnHostname,
    Ipv4,
    Ipv6,
    Uri,
    UriReference,
    Iri,
    IriReference,
    UriTemplate,
    Uuid,
    JsonPointer,
    RelativeJsonPointer,
    Regex,
}

impl Format {
    pub(crate) fn from_name(name: &str) -> Option<Format> {
        Some(match name {
            "date-time" => Format::DateTime,
            "date" => Format::Date,
            "time" => Format::Time,
            "duration" => Format::Duration,
            "email" => Format::Email,
            "hostname" => Format::Hostname,
            "idn-hostname" => Format::IdnHostname,
            "ipv4" => Format::Ipv4,
            "ipv6" => Format::Ipv6,
            "uri" => Format::Uri,
            "uri-reference" => Format::UriReference,
            "iri" => Format::Iri,
            "iri-reference" => Format::IriReference,
            "uri-template" => Format::UriTemplate,
            "uuid" => Format::Uuid,
            "json-pointer" => Format::JsonPointer,
            "relative-json-pointer" => Format::RelativeJsonPointer,
            "regex" => Format::Regex,
            _ => return None,
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::DateTime => "date-time",
            Format::Date => "date",
            Format::Time => "time",
            Format::Duration => "duration",
            Format::Email => "email",
            Format::Hostname => "hostname",
            Format::IdnHostname => "idn-hostname",
            Format::Ipv4 => "ipv4",
            Format::Ipv6 => "ipv6",
            Format::Uri => "uri",
            Format::UriReference => "uri-reference",
            Format::Iri => "iri",
            Format::IriReference => "iri-reference",
            Format::UriTemplate => "uri-template",
            Format::Uuid => "uuid",
            Format::JsonPointer => "json-pointer",
            Format::RelativeJsonPointer => "relative-json-pointer",
            Format::Regex => "regex",
        }
    }

    /// Whether `s` is in this format.
    pub(crate) fn check(self, s: &str) -> bool {
        match self {
            Format::DateTime => date_time(s),
            Format::Date => date(s),
            Format::Time => time(s),
            Format::Duration => duration(s),
            Format::Email => email(s),
            Format::Hostname => hostname(s),
            Format::IdnHostname => idn_hostname(s),
            Format::Ipv4 => ipv4(s),
            Format::Ipv6 => ipv6(s),
            Format::Uri => s.is_ascii() && uri(s, true),
            Format::UriReference => s.is_ascii() && uri(s, false),
            // IRIs are URIs that may also carry non-ASCII characters (as-is, not escaped).
            Format::Iri => uri(s, true),
            Format::IriReference => uri(s, false),
            Format::UriTemplate => uri_template(s),
            Format::Uuid => uuid(s),
            Format::JsonPointer => json_pointer(s),
            Format::RelativeJsonPointer => relative_json_pointer(s),
            Format::Regex => crate::pattern::compile(s, 1 << 20).is_ok(),
        }
    }
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 `full-date`.
fn date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    match (
        digits(&s[0..4], 4),
        digits(&s[5..7], 2),
        digits(&s[8..10], 2),
    ) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
}

/// RFC 3339 `full-time` (offset required; a leap second only at 23:59:60 UTC).
fn time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' || !s.is_ascii() {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (
        digits(&s[0..2], 2),
        digits(&s[3..5], 2),
        digits(&s[6..8], 2),
    ) else {
        return false;
    };
    let mut rest = &s[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let offset_minutes: i64 = if rest.eq_ignore_ascii_case("z") {
        0
    } else {
        let rb = rest.as_bytes();
        if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
            return false;
        }
        let (Some(oh), Some(om)) = (digits(&rest[1..3], 2), digits(&rest[4..6], 2)) else {
            return false;
        };
        if oh > 23 || om > 59 {
            return false;
        }
        let v = i64::from(oh * 60 + om);
        if rb[0] == b'+' {
            v
        } else {
            -v
        }
    };
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    if sec == 60 {
        let utc = (i64::from(h * 60 + m) - offset_minutes).rem_euclid(24 * 60);
        return utc == 23 * 60 + 59;
    }
    true
}

fn date_time(s: &str) -> bool {
    match s.as_bytes().get(10) {
        Some(b'T' | b't') => s.is_char_boundary(11) && date(&s[..10]) && time(&s[11..]),
        _ => false,
    }
}

/// ISO 8601 duration as in RFC 3339 appendix A (`P1Y2M3DT4H5M6S`, `P2W`).
fn duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    // Units in their required order; `W` stands alone.
    let units = |text: &str, order: &[u8]| -> Option<usize> {
        let mut pos = 0;
        let mut count = 0;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let n = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 || i + n >= bytes.len() {
                return None;
            }
            let unit = bytes[i + n];
            let at = order[pos..].iter().position(|&u| u == unit)?;
            // Units are consecutive: `P1Y2D` (no months) and `PT1H2S` (no minutes) are invalid.
            if count > 0 && at != 0 {
                return None;
            }
            pos += at + 1;
            count += 1;
            i += n + 1;
        }
        Some(count)
    };
    if date_part.ends_with('W') {
        return time_part.is_none() && units(date_part, b"W") == Some(1);
    }
    let Some(d) = units(date_part, b"YMD") else {
        return false;
    };
    match time_part {
        None => d > 0,
        Some(t) => units(t, b"HMS").is_some_and(|n| n > 0),
    }
}

fn hostname(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
            // "--" in positions 3-4 is reserved for A-labels (`xn--`).
            && (b.len() < 4 || &b[2..4] != b"--" || label[..2].eq_ignore_ascii_case("xn"))
    })
}

/// The structure of an internationalized host name (RFC 5890): labels separated by any of the
/// four IDNA full stops, none empty, none longer than 63 bytes, no leading or trailing hyphen.
/// The IDNA code-point rules (contextual joiners, Bidi) need Unicode tables and are not checked.
fn idn_hostname(s: &str) -> bool {
    if s.is_empty() || s.len() > 253 {
        return false;
    }
    s.split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'])
        .all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| !c.is_ascii() || c.is_ascii_alphanumeric() || c == '-')
        })
}

fn ipv4(s: &str) -> bool {
    // Leading zeros are ambiguous (octal in some parsers) and not allowed; std refuses them.
    s.parse::<Ipv4Addr>().is_ok()
}

fn ipv6(s: &str) -> bool {
    s.parse::<Ipv6Addr>().is_ok()
}

fn email(s: &str) -> bool {
    let Some(at) = s.rfind('@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        local[1..local.len() - 1]
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b))
    } else {
        !local.is_empty()
            && local.split('.').all(|atom| {
                !atom.is_empty()
                    && atom
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b))
            })
    };
    if !local_ok {
        return false;
    }
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return match literal.strip_prefix("IPv6:") {
            Some(v6) => ipv6(v6),
            None => ipv4(literal),
        };
    }
    hostname(domain)
}

fn uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn json_pointer(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    s.starts_with('/') && escapes_ok(s)
}

fn escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

fn relative_json_pointer(s: &str) -> bool {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (n > 1 && s.starts_with('0')) {
        return false;
    }
    let mut rest = &s[n..];
    // Index manipulation (`1+2`, `0-1`), from the 2020-12 version of the draft.
    if let Some(r) = rest.strip_prefix(['+', '-']) {
        let m = r.bytes().take_while(u8::is_ascii_digit).count();
        if m == 0 || (m > 1 && r.starts_with('0')) {
            return false;
        }
        rest = &r[m..];
    }
    rest == "#" || json_pointer(rest)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

fn is_sub_delim(b: u8) -> bool {
    b"!$&'()*+,;=".contains(&b)
}

/// Every byte is allowed by `extra` or is unreserved, a sub-delimiter or a `%XX` escape.
fn chars_ok(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if i + 2 >= b.len() || !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
                return false;
            }
            i += 3;
            continue;
        }
        if !(is_unreserved(c) || is_sub_delim(c) || extra.contains(&c) || c >= 0x80) {
            return false;
        }
        i += 1;
    }
    true
}

fn authority_ok(a: &str) -> bool {
    let (userinfo, hostport) = match a.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, a),
    };
    if userinfo.is_some_and(|u| !chars_ok(u, b":")) {
        return false;
    }
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else {
            return false;
        };
        if !ipv6(literal) && !literal.starts_with(['v', 'V']) {
            return false;
        }
        match after {
            "" => ("", None),
            p => match p.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    chars_ok(host, b"") && port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// RFC 3986 URI (`absolute`) or URI-reference.
fn uri(s: &str, absolute: bool) -> bool {
    let (rest, fragment) = match s.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (s, None),
    };
    if fragment.is_some_and(|f| !chars_ok(f, b":@/?")) {
        return false;
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    if query.is_some_and(|q| !chars_ok(q, b":@/?")) {
        return false;
    }
    let scheme_end = rest.find(':').filter(|&i| {
        let scheme = &rest[..i];
        !scheme.contains('/')
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    let hier = match scheme_end {
        Some(i) => &rest[i + 1..],
        None if absolute => return false,
        None => {
            // A relative reference's first segment may not contain ':'.
            let first = rest.split('/').next().unwrap_or("");
            if first.contains(':') {
                return false;
            }
            rest
        }
    };
    let path = match hier.strip_prefix("//") {
        Some(r) => {
            let end = r.find('/').unwrap_or(r.len());
            if !authority_ok(&r[..end]) {
                return false;
            }
            &r[end..]
        }
        None => hier,
    };
    chars_ok(path, b":@/")
}

/// RFC 6570 URI Template (level 4 syntax).
fn uri_template(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => return literal_ok(rest),
            Some(i) if rest.as_bytes()[i] == b'}' => return false,
            Some(i) => {
                if !literal_ok(&rest[..i]) {
                    return false;
                }
                let Some(end) = rest[i..].find('}') else {
                    return false;
                };
                if !expression_ok(&rest[i + 1..i + end]) {
                    return false;
                }
                rest = &rest[i + end + 1..];
            }
        }
    }
    true
}

fn literal_ok(s: &str) -> bool {
    s.chars()
        .all(|c| !(c.is_control() || c == ' ' || "\"<>\\^`|{}".contains(c)))
}

fn expression_ok(e: &str) -> bool {
    let e = e
        .strip_prefix(['+', '#', '.', '/', ';', '?', '&', '=', ',', '!', '@', '|'])
        .unwrap_or(e);
    !e.is_empty()
        && e.split(',').all(|spec| {
            let (name, modifier) = match spec.find([':', '*']) {
                Some(i) => (&spec[..i], &spec[i..]),
                None => (spec, ""),
            };
            let name_ok = !name.is_empty()
                && !name.starts_with('.')
                && !name.ends_with('.')
                && !name.contains("..")
                && chars_ok(name, b"")
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.%".contains(&b));
            let modifier_ok = match modifier {
                "" | "*" => true,
                m => m.strip_prefix(':').is_some_and(|n| {
                    (1..=4).contains(&n.len())
                        && !n.starts_with('0')
                        && n.bytes().all(|b| b.is_ascii_digit())
                }),
            };
            name_ok && modifier_ok
        })
}

#[cfg(test)]
mod tests {
    use super::Format;

    fn check(name: &str, good: &[&str], bad: &[&str]) {
        let f = Format::from_name(name).unwrap();
        for s in good {
            assert!(f.check(s), "{name}: {s:?} should pass");
        }
        for s in bad {
            assert!(!f.check(s), "{name}: {s:?} should fail");
        }
    }

    #[test]
    fn each_format() {
        check(
            "date-time",
            &[
                "1963-06-19T08:30:06.283185Z",
                "1990-12-31T15:59:60-08:00",
                "1963-06-19t08:30:06z",
            ],
            &[
                "1990-02-31T15:59:59.123-08:00",
                "1990-12-31T15:59:60Z",
                "06/19/1963 08:30:06 PST",
                "2013-350T01:01:01",
            ],
        );
        check(
            "date",
            &["2020-02-29", "1963-06-19"],
            &["2021-02-29", "2020-13-01", "1963-6-19", "2020-01-32"],
        );
        check(
            "time",
            &["08:30:06Z", "23:59:60Z", "08:30:06.5+01:30"],
            &["08:30:06", "24:00:00Z", "22:59:60Z", "08:30:06+24:00"],
        );
        check(
            "duration",
            &["P4DT12H30M5S", "P2W", "PT1M", "P1Y"],
            &[
                "P", "PT", "P1W1D", "P1D2H", "PT1D", "4DT12H", "P1Y2D", "PT1H2S",
            ],
        );
        check(
            "email",
            &[
                "joe.bloggs@example.com",
                "\"joe bloggs\"@example.com",
                "joe@[127.0.0.1]",
                "joe@[IPv6:::1]",
            ],
            &[
                "2962",
                ".test@example.com",
                "te..st@example.com",
                "test.@example.com",
                "a@-bad-.com",
            ],
        );
        check(
            "hostname",
            &["www.example.com", "xn--4gbwdl.xn--wgbh1c", "a"],
            &[
                "-a.com",
                "a-.com",
                "",
                "ab--cd.com",
                &"a".repeat(64),
                "example.com.",
            ],
        );
        check(
            "ipv4",
            &["192.168.0.1"],
            &["256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5"],
        );
        check(
            "ipv6",
            &["::1", "fe80::1:2", "::ffff:192.168.0.1"],
            &["12345::", "::1%eth0", "1:2:3"],
        );
        check(
            "uri",
            &[
                "http://foo.bar/?baz=qux#quux",
                "urn:isbn:0451450523",
                "http://[2001:db8::1]:80/x",
            ],
            &[
                "//foo.bar/x",
                "http:// shouldfail.com",
                "\\\\WINDOWS\\fileshare",
                "abc",
                "http://a.com:8a/",
            ],
        );
        check(
            "uri-reference",
            &["/abc", "#fragment", "", "../x?y"],
            &["\\\\WINDOWS\\fileshare", "#frag^ment", "a:b:c d"],
        );
        check(
            "uuid",
            &["2EB8AA08-AA98-11EA-B4AA-73B441D16380"],
            &[
                "2eb8aa08-aa98-11ea-b4aa-73b441d1638",
                "2eb8aa08aa9811eab4aa73b441d16380",
            ],
        );
        check(
            "json-pointer",
            &["", "/foo/0", "/a~1b/~0"],
            &["foo", "/foo/~2", "/~"],
        );
        check(
            "relative-json-pointer",
            &["1", "0/foo", "2#", "0+1/x"],
            &["", "01", "-1", "/foo", "1##"],
        );
        check("regex", &["^[a-z]+$"], &["^(abc"]);
        assert!(
            Format::from_name("idn-email").is_none(),
            "unknown formats pass"
        );
    }
}
