//! SECRETS: provider credentials recognised by their documented prefixes and shapes (found
//! with the cue words in [`super::cues::CueAutomaton`]'s one pass), AWS secret keys and generic `password=` /
//! `api_key:` assignments next to their key names, PEM private-key blocks and JWTs whose
//! header decodes to JSON with an `alg`. Placeholders (`ghp_xxxx…`, `${TOKEN}`) are rejected
//! by an entropy check.

use super::Candidate;
use crate::entity::EntityType;
use crate::text::{char_classes, shannon_entropy};
use base64::Engine;

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    AwsKeyId,
    GithubClassic,
    GithubPat,
    Gitlab,
    Slack,
    SlackWebhook,
    Stripe,
    Google,
    OpenAi,
    Anthropic,
    Jwt,
    Pem,
}

/// Token prefixes (case-sensitive), searched leftmost-longest: `sk-proj-` wins over `sk-`.
pub(crate) const PREFIXES: &[(&str, Kind)] = &[
    ("AKIA", Kind::AwsKeyId),
    ("ASIA", Kind::AwsKeyId),
    ("ABIA", Kind::AwsKeyId),
    ("ACCA", Kind::AwsKeyId),
    ("AGPA", Kind::AwsKeyId),
    ("AIDA", Kind::AwsKeyId),
    ("AIPA", Kind::AwsKeyId),
    ("ANPA", Kind::AwsKeyId),
    ("ANVA", Kind::AwsKeyId),
    ("AROA", Kind::AwsKeyId),
    ("APKA", Kind::AwsKeyId),
    ("ASCA", Kind::AwsKeyId),
    ("ghp_", Kind::GithubClassic),
    ("gho_", Kind::GithubClassic),
    ("ghu_", Kind::GithubClassic),
    ("ghs_", Kind::GithubClassic),
    ("ghr_", Kind::GithubClassic),
    ("github_pat_", Kind::GithubPat),
    ("glpat-", Kind::Gitlab),
    ("glrt-", Kind::Gitlab),
    ("gldt-", Kind::Gitlab),
    ("glptt-", Kind::Gitlab),
    ("xoxb-", Kind::Slack),
    ("xoxp-", Kind::Slack),
    ("xoxa-", Kind::Slack),
    ("xoxr-", Kind::Slack),
    ("xoxs-", Kind::Slack),
    ("xoxe-", Kind::Slack),
    ("xapp-", Kind::Slack),
    ("hooks.slack.com/services/", Kind::SlackWebhook),
    ("sk_live_", Kind::Stripe),
    ("rk_live_", Kind::Stripe),
    ("sk_test_", Kind::Stripe),
    ("rk_test_", Kind::Stripe),
    ("AIza", Kind::Google),
    ("sk-proj-", Kind::OpenAi),
    ("sk-svcacct-", Kind::OpenAi),
    ("sk-admin-", Kind::OpenAi),
    ("sk-", Kind::OpenAi),
    ("sk-ant-", Kind::Anthropic),
    ("eyJ", Kind::Jwt),
    ("-----BEGIN ", Kind::Pem),
];

/// Key names that introduce a password-like value (lower entropy accepted).
pub(crate) const PASSWORD_KEYS: &[&str] = &["password", "passwd", "pwd", "passphrase", "passcode"];
/// Cues for AWS secret access keys (40 base64 characters, no prefix).
pub(crate) const AWS_SECRET_CUES: &[&str] = &[
    "aws_secret_access_key",
    "aws_secret_key",
    "secret_access_key",
    "secretaccesskey",
    "aws secret",
    "secret access key",
    "aws_secret",
];

const PLACEHOLDERS: &[&str] = &[
    "password",
    "changeme",
    "null",
    "none",
    "nil",
    "true",
    "false",
    "undefined",
    "example",
    "redacted",
    "secret",
    "placeholder",
    "required",
    "optional",
    "string",
    "your_password",
    "your_api_key",
    "your-api-key",
    "yourpassword",
    "xxxxxx",
    "hidden",
    "masked",
    "notset",
];

/// Every key name the scanner looks for (found by [`super::cues::CueAutomaton`]): the
/// [`PASSWORD_KEYS`], key names that introduce a token-like value, and the
/// [`AWS_SECRET_CUES`].
pub(crate) const KEY_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "passcode",
    "secret",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "auth_token",
    "client_secret",
    "token",
    "private_key",
    "access_key",
    "secret_key",
    "bearer",
    "aws_secret_access_key",
    "aws_secret_key",
    "secret_access_key",
    "secretaccesskey",
    "aws secret",
    "secret access key",
    "aws_secret",
];

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn run_end(b: &[u8], from: usize, max: usize, ok: impl Fn(u8) -> bool) -> usize {
    let mut j = from;
    while j < b.len() && j - from < max && ok(b[j]) {
        j += 1;
    }
    j
}

fn random_enough(body: &str, min_entropy: f64) -> bool {
    shannon_entropy(body) >= min_entropy
}

/// The end of a prefixed token starting at `start` whose body begins at `body`.
fn prefixed(
    text: &str,
    kind: Kind,
    start: usize,
    body: usize,
    ends: &mut EndMarkers,
) -> Option<(EntityType, usize, f32)> {
    let b = text.as_bytes();
    let alnum = |c: u8| c.is_ascii_alphanumeric();
    match kind {
        Kind::AwsKeyId => {
            let e = run_end(b, body, 40, |c| {
                c.is_ascii_uppercase() || c.is_ascii_digit()
            });
            (e - body == 16
                && crate::text::boundary_after(b, e)
                && random_enough(&text[body..e], 2.5))
            .then_some((EntityType::AwsAccessKey, e, 0.95))
        }
        Kind::GithubClassic => {
            let e = run_end(b, body, 300, alnum);
            (e - body >= 36
                && e - body <= 255
                && crate::text::boundary_after(b, e)
                && random_enough(&text[body..e], 3.0))
            .then_some((EntityType::GithubToken, e, 0.99))
        }
        Kind::GithubPat => {
            let e = run_end(b, body, 300, |c| c.is_ascii_alphanumeric() || c == b'_');
            (e - body >= 60 && random_enough(&text[body..e], 3.0)).then_some((
                EntityType::GithubToken,
                e,
                0.99,
            ))
        }
        Kind::Gitlab => {
            let e = run_end(b, body, 200, |c| is_token_byte(c) || c == b'.');
            let e = trim_trailing_dots(b, body, e);
            (e - body >= 20 && random_enough(&text[body..e], 3.0)).then_some((
                EntityType::GitlabToken,
                e,
                0.97,
            ))
        }
        Kind::Slack => {
            let e = run_end(b, body, 250, |c| c.is_ascii_alphanumeric() || c == b'-');
            (e - body >= 10
                && text[body..e].bytes().any(|c| c.is_ascii_digit())
                && random_enough(&text[body..e], 2.5))
            .then_some((EntityType::SlackToken, e, 0.95))
        }
        Kind::SlackWebhook => {
            let e = run_end(b, body, 120, |c| c.is_ascii_alphanumeric() || c == b'/');
            let parts = text[body..e].split('/').filter(|p| !p.is_empty()).count();
            (parts == 3 && e - body >= 40).then_some((EntityType::SlackToken, e, 0.97))
        }
        Kind::Stripe => {
            let e = run_end(b, body, 250, alnum);
            (e - body >= 20
                && crate::text::boundary_after(b, e)
                && random_enough(&text[body..e], 3.0))
            .then_some((EntityType::StripeKey, e, 0.98))
        }
        Kind::Google => {
            let e = run_end(b, body, 60, is_token_byte);
            (e - body == 35 && random_enough(&text[body..e], 3.0)).then_some((
                EntityType::GoogleApiKey,
                e,
                0.97,
            ))
        }
        Kind::OpenAi => {
            let e = run_end(b, body, 400, is_token_byte);
            let tail = &text[body..e];
            let named = text[start..body].len() > 3; // sk-proj-, sk-svcacct-, sk-admin-
            let legacy = tail.len() == 48 && tail.contains("T3BlbkFJ");
            let ok = (named && tail.len() >= 40)
                || legacy
                || (tail.len() >= 32 && char_classes(tail) >= 2);
            (ok && random_enough(tail, 3.5)).then_some((
                EntityType::OpenaiKey,
                e,
                if named || legacy { 0.99 } else { 0.85 },
            ))
        }
        Kind::Anthropic => {
            let e = run_end(b, body, 400, is_token_byte);
            (e - body >= 40 && random_enough(&text[body..e], 3.5)).then_some((
                EntityType::AnthropicKey,
                e,
                0.99,
            ))
        }
        Kind::Jwt => jwt(text, start).map(|e| (EntityType::Jwt, e, 0.98)),
        Kind::Pem => pem(text, body, ends).map(|e| (EntityType::PrivateKey, e, 1.0)),
    }
}

fn trim_trailing_dots(b: &[u8], body: usize, mut e: usize) -> usize {
    while e > body && b[e - 1] == b'.' {
        e -= 1;
    }
    e
}

fn b64url_json_object(seg: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bytes = engine.decode(seg.trim_end_matches('=')).ok()?;
    match serde_json::from_slice::<serde_json::Value>(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// `header.payload.signature`; header must be JSON with a string `alg`, payload JSON.
fn jwt(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let seg = |from: usize| {
        run_end(b, from, 16 * 1024, |c| {
            c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'='
        })
    };
    let h_end = seg(start);
    if h_end >= b.len() || b[h_end] != b'.' {
        return None;
    }
    let p_end = seg(h_end + 1);
    if p_end == h_end + 1 || p_end >= b.len() || b[p_end] != b'.' {
        return None;
    }
    let s_end = seg(p_end + 1);
    if s_end < b.len()
        && b[s_end] == b'.'
        && s_end + 1 < b.len()
        && b[s_end + 1].is_ascii_alphanumeric()
    {
        return None; // more than three segments: JWE or something else
    }
    let header = b64url_json_object(&text[start..h_end])?;
    if !header.get("alg").is_some_and(serde_json::Value::is_string) {
        return None;
    }
    b64url_json_object(&text[h_end + 1..p_end])?;
    let alg_none = header.get("alg").and_then(|v| v.as_str()) == Some("none");
    if s_end == p_end + 1 && !alg_none {
        return None;
    }
    Some(if s_end == p_end + 1 { p_end + 1 } else { s_end })
}

/// Memoised search for the next `-----END ` line, so many BEGIN lines cost one pass.
#[derive(Default)]
struct EndMarkers {
    /// `(searched from, first END at or after it)`.
    last: Option<(usize, Option<usize>)>,
}

impl EndMarkers {
    fn next_after(&mut self, text: &str, from: usize) -> Option<usize> {
        if let Some((searched, found)) = self.last {
            match found {
                Some(p) if searched <= from && p >= from => return Some(p),
                None if searched <= from => return None,
                _ => {}
            }
        }
        let found = text[from..].find("-----END ").map(|p| p + from);
        self.last = Some((from, found));
        found
    }
}

/// A PEM block whose label names a private key. Ends at the matching END line, or — for a
/// truncated paste — after the last base64 line.
fn pem(text: &str, label_start: usize, ends: &mut EndMarkers) -> Option<usize> {
    let b = text.as_bytes();
    let label_end = label_start
        + text
            .get(label_start..(label_start + 64).min(text.len()))?
            .find("-----")?;
    let label = &text[label_start..label_end];
    if !label.contains("PRIVATE KEY") {
        return None;
    }
    let after = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    if let Some(pos) = ends.next_after(text, after) {
        if pos - after <= 64 * 1024 && text[pos..].starts_with(&end_marker) {
            return Some(pos + end_marker.len());
        }
    }
    // Truncated: consume lines of base64 (or `Header: value`) separated by real or escaped newlines.
    let mut e = after;
    let mut last_good = after;
    while e < b.len() {
        if b[e] == b'\n' || b[e] == b'\r' {
            e += 1;
            continue;
        }
        if b[e] == b'\\' && e + 1 < b.len() && matches!(b[e + 1], b'n' | b'r') {
            e += 2;
            continue;
        }
        let line_end = run_end(b, e, 4096, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b':' | b',' | b'-' | b' ')
        });
        if line_end == e {
            break;
        }
        let line = &text[e..line_end];
        if line.contains(' ') && !line.contains(": ") {
            break; // prose, not key material
        }
        e = line_end;
        last_good = e;
    }
    (last_good > after + 16).then_some(last_good)
}

/// Value after `key` `=`/`:`/`:=`/`=>` (or ` is ` for passwords, a space for `Bearer`),
/// quoted or bare.
fn assigned_value(
    text: &str,
    key_end: usize,
    password: bool,
    bearer: bool,
) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut k = run_end(b, key_end, 32, |c| {
        c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
    });
    if k < b.len() && matches!(b[k], b'"' | b'\'') {
        k += 1;
    }
    k = run_end(b, k, 4, |c| c == b' ' || c == b'\t');
    let rest = &b[k..];
    let op_len = operator_len(rest, password, bearer && k > key_end)?;
    if rest.get(op_len) == Some(&b'=') {
        return None; // `==` comparison
    }
    k += op_len;
    k = run_end(b, k, 4, |c| c == b' ' || c == b'\t');
    let quote = b
        .get(k)
        .copied()
        .filter(|c| matches!(c, b'"' | b'\'' | b'`'));
    if quote.is_some() {
        k += 1;
    }
    let e = value_end(b, k, quote);
    let mut e = e;
    // A bare value at the end of a sentence: drop the full stop.
    if quote.is_none() {
        while e > k && b[e - 1] == b'.' {
            e -= 1;
        }
    }
    if let Some(q) = quote {
        if e >= b.len() || b[e] != q {
            return None;
        }
    }
    Some((k, e))
}

/// Length of the assignment operator `rest` starts with (`=`, `:`, `:=`, `=>`; ` is `/`was `
/// after a password key; nothing after `Bearer` and a gap), or `None` when there is none.
fn operator_len(rest: &[u8], password: bool, bearer_gap: bool) -> Option<usize> {
    if rest.starts_with(b":=") || rest.starts_with(b"=>") {
        Some(2)
    } else if rest.starts_with(b"=") || rest.starts_with(b":") {
        Some(1)
    } else if password && (rest.starts_with(b"is ") || rest.starts_with(b"was ")) {
        Some(if rest[0] == b'i' { 2 } else { 3 })
    } else if bearer_gap {
        Some(0)
    } else {
        None
    }
}

/// End of a value starting at `k`: up to the closing quote (no line break or space inside),
/// or for a bare value up to whitespace or punctuation; at most 200 bytes.
fn value_end(b: &[u8], k: usize, quote: Option<u8>) -> usize {
    match quote {
        Some(q) => run_end(b, k, 200, |c| c != q && c != b'\n' && c != b' '),
        None => run_end(b, k, 200, |c| {
            !c.is_ascii_whitespace()
                && !matches!(
                    c,
                    b',' | b';' | b'"' | b'\'' | b'`' | b'<' | b'>' | b')' | b']' | b'}'
                )
        }),
    }
}

/// True when [`assigned_value`] after a key ending at `key_end` is not decided by `text` (the
/// text ends inside its walk, so what follows decides it) or gives a value that reaches `cut`
/// (which then depends on the key before the cut). Follows `assigned_value` step by step.
pub(crate) fn assigned_value_reaches(
    text: &str,
    key_end: usize,
    password: bool,
    bearer: bool,
    cut: usize,
) -> bool {
    let b = text.as_bytes();
    let len = b.len();
    if key_end >= len {
        return true;
    }
    let mut k = run_end(b, key_end, 32, |c| {
        c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
    });
    if k >= len {
        return true;
    }
    if matches!(b[k], b'"' | b'\'') {
        k += 1;
    }
    k = run_end(b, k, 4, |c| c == b' ' || c == b'\t');
    if k >= len {
        return true;
    }
    let rest = &b[k..];
    let ops: &[&[u8]] = if password {
        &[b":=", b"=>", b"=", b":", b"is ", b"was "]
    } else {
        &[b":=", b"=>", b"=", b":"]
    };
    if ops
        .iter()
        .any(|op| rest.len() < op.len() && op.starts_with(rest))
    {
        return true; // `:` may become `:=`, `i` may become `is `
    }
    let Some(op_len) = operator_len(rest, password, bearer && k > key_end) else {
        return false;
    };
    match rest.get(op_len) {
        None => return true,
        Some(b'=') => return false,
        Some(_) => {}
    }
    k += op_len;
    k = run_end(b, k, 4, |c| c == b' ' || c == b'\t');
    if k >= len {
        return true;
    }
    let quote = Some(b[k]).filter(|c| matches!(c, b'"' | b'\'' | b'`'));
    if quote.is_some() {
        k += 1;
        if k >= len {
            return true;
        }
    }
    let e = value_end(b, k, quote);
    e >= cut
}

/// `${DB_PASS}`, `$DB_PASS`, `{{ password }}`, `<your-key>`, `%(pw)s`, `%PASSWORD%`, `****`,
/// `os.environ["X"]`, `getenv(...)`: references and templates, not values.
fn is_reference_or_template(v: &str) -> bool {
    let b = v.as_bytes();
    let masked = b
        .iter()
        .filter(|c| matches!(c, b'*' | b'x' | b'X' | b'.'))
        .count();
    (b[0] == b'$'
        && b.get(1)
            .is_some_and(|c| *c == b'{' || c.is_ascii_uppercase())
        && b[1..].iter().all(|c| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, b'_' | b'{' | b'}')
        }))
        || matches!(b[0], b'{' | b'[' | b'(')
        || (b[0] == b'<' && b[b.len() - 1] == b'>')
        || v.starts_with("%(")
        || (b[0] == b'%' && b[b.len() - 1] == b'%')
        || v == "%s"
        || masked * 2 >= b.len()
        || (v.contains("env") && v.contains(['.', '(', '[']))
}

fn plausible_secret_value(v: &str, password: bool) -> bool {
    if v.len() < 6 {
        return false;
    }
    if is_reference_or_template(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDERS.contains(&lower.as_str())
        || lower.bytes().all(|c| c == lower.as_bytes()[0])
        || lower.starts_with("your")
    {
        return false;
    }
    // `config.password`, `self.api_key`: a reference, not a value.
    if v.contains('.')
        && v.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_alphabetic() || c == b'_'))
    {
        return false;
    }
    if password {
        shannon_entropy(v) >= 2.0 && (char_classes(v) >= 2 || v.len() >= 10)
    } else {
        v.len() >= 12 && shannon_entropy(v) >= 3.0 && char_classes(v) >= 2
    }
}

/// `prefixes`: the leftmost-longest matches of [`PREFIXES`] in `text` (span, index);
/// `key_names`: the leftmost-longest matches of [`KEY_NAMES`].
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(
    text: &str,
    prefixes: &[((usize, usize), usize)],
    key_names: &[(usize, usize)],
    out: &mut Vec<Candidate>,
) {
    let b = text.as_bytes();
    // Key blocks and JWTs can be long; prefixes inside one already reported are not
    // re-examined (that would be quadratic on hostile input).
    let mut covered = 0;
    let mut ends = EndMarkers::default();
    for &((m_start, m_end), index) in prefixes {
        let kind = PREFIXES[index].1;
        if m_start < covered {
            continue;
        }
        let needs_boundary = !matches!(kind, Kind::SlackWebhook | Kind::Pem);
        if needs_boundary
            && m_start > 0
            && (is_token_byte(b[m_start - 1]) || b[m_start - 1] == b'.')
        {
            continue;
        }
        if let Some((entity, end, score)) = prefixed(text, kind, m_start, m_end, &mut ends) {
            let start = if matches!(kind, Kind::SlackWebhook)
                && m_start >= 8
                && &text[m_start - 8..m_start] == "https://"
            {
                m_start - 8
            } else {
                m_start
            };
            if matches!(kind, Kind::Pem | Kind::Jwt) {
                covered = end;
            }
            out.push(Candidate::new(entity, start, end, score));
        } else if matches!(kind, Kind::Pem) {
            // A BEGIN line without key material: skip to the end of the line.
            covered = text[m_end..].find('\n').map_or(text.len(), |p| m_end + p);
        }
    }
    for &(key_start, key_end) in key_names {
        let key = text[key_start..key_end].to_ascii_lowercase();
        if AWS_SECRET_CUES.contains(&key.as_str()) {
            if let Some((s, e)) = aws_secret_after(text, key_end) {
                out.push(Candidate::new(EntityType::AwsSecretKey, s, e, 0.9));
            }
            continue;
        }
        // The key name must start a word or follow `_`/`-`/`.` (db_password, x-api-key).
        if key_start > 0 && b[key_start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let password = PASSWORD_KEYS.contains(&key.as_str());
        let bearer = key == "bearer";
        if let Some((s, e)) = assigned_value(text, key_end, password, bearer) {
            if plausible_secret_value(&text[s..e], password) {
                out.push(Candidate::new(
                    EntityType::GenericSecret,
                    s,
                    e,
                    if password { 0.8 } else { 0.85 },
                ));
            }
        }
    }
}

// Inlined into the scanner as when it had one caller: once the stream tail rules called it
// too, LLVM (opt-level 2, wasm) stopped inlining it and the rest of the scanner's inlining
// shifted with it — pii-redact's 64 KB request ran 1.65x slower in wasm (parapet-bench ab,
// natively no change).
#[inline(always)]
pub(crate) fn aws_secret_after(text: &str, from: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let is_b64 = |c: u8| c.is_ascii_alphanumeric() || c == b'/' || c == b'+';
    let limit = (from + 64).min(b.len());
    let mut i = from;
    while i < limit {
        if is_b64(b[i]) && (i == 0 || !is_b64(b[i - 1])) {
            let e = run_end(b, i, 41, is_b64);
            if e - i == 40 && (e >= b.len() || !(is_b64(b[e]) || b[e] == b'=')) {
                let v = &text[i..e];
                if shannon_entropy(v) >= 3.5 && char_classes(v) >= 2 {
                    return Some((i, e));
                }
            }
            i = e.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The combined cue automaton searches KEY_NAMES: the password keys and AWS cues must be
    /// in it (a missing name would silently stop that key's detection), each once.
    #[test]
    fn key_names_hold_every_key_class_once() {
        for k in PASSWORD_KEYS.iter().chain(AWS_SECRET_CUES) {
            assert_eq!(KEY_NAMES.iter().filter(|n| *n == k).count(), 1, "{k}");
        }
        let mut names = KEY_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KEY_NAMES.len());
    }
}
