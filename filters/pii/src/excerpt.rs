//! Log-safe renderings of detected values.

use crate::entity::{Category, EntityType};

/// Known public prefixes of secrets: naming them in logs helps triage and reveals nothing.
const PUBLIC_PREFIXES: &[&str] = &[
    "github_pat_",
    "sk-ant-api03-",
    "sk-ant-",
    "sk-proj-",
    "sk_live_",
    "rk_live_",
    "sk_test_",
    "rk_test_",
    "glpat-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "xapp-",
    "AIza",
    "AKIA",
    "ASIA",
    "sk-",
    "eyJ",
    "-----BEGIN",
];

const MAX_EXCERPT_CHARS: usize = 24;

/// Masks `value` for logs: keeps a public secret prefix, keeps the last two characters of
/// non-secret values of ten characters or more, replaces every other letter and digit by `*`
/// (punctuation kept so the shape stays recognisable) and shortens long values with `…`.
pub(crate) fn masked_excerpt(entity: &EntityType, value: &str) -> String {
    let secret = entity.category() == Category::Secret;
    let prefix = if secret {
        PUBLIC_PREFIXES
            .iter()
            .find(|p| value.starts_with(**p))
            .copied()
            .unwrap_or("")
    } else {
        ""
    };
    let rest = &value[prefix.len()..];
    let chars: Vec<char> = rest.chars().collect();
    let keep_tail = if !secret && chars.len() >= 10 { 2 } else { 0 };
    let mut out = String::from(prefix);
    let shown = chars.len().min(MAX_EXCERPT_CHARS);
    for (i, c) in chars.iter().enumerate().take(shown) {
        let in_tail = i >= chars.len() - keep_tail;
        if in_tail || !c.is_alphanumeric() && !c.is_whitespace() {
            out.push(*c);
        } else if c.is_whitespace() {
            out.push(' ');
        } else {
            out.push('*');
        }
    }
    if shown < chars.len() {
        out.push('…');
        for c in &chars[chars.len() - keep_tail..] {
            out.push(*c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_keeps_only_two_last_digits() {
        let e = masked_excerpt(&EntityType::CreditCard, "4111 1111 1111 1111");
        assert_eq!(e, "**** **** **** **11");
    }

    #[test]
    fn secret_keeps_public_prefix_only() {
        let e = masked_excerpt(
            &EntityType::GithubToken,
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        );
        assert!(e.starts_with("ghp_****"));
        assert!(!e.contains("xyz"));
        assert!(!e.contains('9'));
    }

    #[test]
    fn long_values_are_shortened() {
        let e = masked_excerpt(
            &EntityType::Email,
            &format!("{}@example.com", "a".repeat(60)),
        );
        assert!(e.chars().count() <= MAX_EXCERPT_CHARS + 3);
        assert!(e.contains('…'));
    }
}
