//! Actions: redact/mask/hash shapes, token determinism and keying, and the streaming restorer
//! at every split point.

use parapet_pii::{hash, mask, redact, restore_all, EntityType, HmacKey, Restorer, TokenVault};
use proptest::prelude::*;
use std::sync::Arc;

fn key(k: &str) -> HmacKey {
    HmacKey::new(k.as_bytes().to_vec()).unwrap()
}

fn vault_with(values: &[(EntityType, &str)]) -> (Arc<TokenVault>, Vec<String>) {
    let mut v = TokenVault::new(key("test-key-0123456789"));
    let tokens = values.iter().map(|(e, x)| v.tokenize(e, x)).collect();
    (Arc::new(v), tokens)
}

#[test]
fn redact_and_mask_shapes() {
    assert_eq!(redact(&EntityType::Email), "[EMAIL]");
    assert_eq!(mask("4242 4242 4242 4242", 4, '*'), "**** **** **** 4242");
}

#[test]
fn hash_is_stable_keyed_and_shaped() {
    let a = hash(
        &key("key-aaaaaaaaaaaaaaaa"),
        &EntityType::Email,
        "jane@example.com",
    );
    let b = hash(
        &key("key-aaaaaaaaaaaaaaaa"),
        &EntityType::Email,
        "jane@example.com",
    );
    let c = hash(
        &key("key-bbbbbbbbbbbbbbbb"),
        &EntityType::Email,
        "jane@example.com",
    );
    let d = hash(
        &key("key-aaaaaaaaaaaaaaaa"),
        &EntityType::Email,
        "john@example.com",
    );
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, d);
    assert!(
        a.starts_with("<EMAIL_") && a.ends_with('>') && a.len() == "<EMAIL_>".len() + 8,
        "{a}"
    );
}

#[test]
fn short_keys_are_rejected() {
    assert!(HmacKey::new(b"short".to_vec()).is_none());
    assert!(!format!("{:?}", key("super-secret-key-material")).contains("super"));
}

#[test]
fn tokens_are_deterministic_keyed_and_distinct_per_value_and_type() {
    let mut v1 = TokenVault::new(key("k1-0123456789abcdef"));
    let mut v2 = TokenVault::new(key("k1-0123456789abcdef"));
    let mut v3 = TokenVault::new(key("k2-0123456789abcdef"));
    let t1 = v1.tokenize(&EntityType::Email, "jane@example.com");
    assert_eq!(t1, v1.tokenize(&EntityType::Email, "jane@example.com"));
    assert_eq!(t1, v2.tokenize(&EntityType::Email, "jane@example.com"));
    assert_ne!(t1, v3.tokenize(&EntityType::Email, "jane@example.com"));
    assert_ne!(t1, v1.tokenize(&EntityType::Email, "john@example.com"));
    assert_ne!(t1, v1.tokenize(&EntityType::Phone, "jane@example.com"));
    assert_eq!(v1.len(), 3);
    assert_eq!(v1.lookup(&t1), Some("jane@example.com"));
    // Tokens and hashes never share a shape.
    let h = hash(
        &key("k1-0123456789abcdef"),
        &EntityType::Email,
        "jane@example.com",
    );
    assert_ne!(h.len(), t1.len());
}

#[test]
fn restores_only_issued_tokens() {
    let (vault, t) = vault_with(&[(EntityType::Email, "jane@example.com")]);
    let token = &t[0];
    let hex_start = token.len() - 13;
    let mut flipped = token.clone().into_bytes();
    flipped[hex_start] = if flipped[hex_start] == b'a' {
        b'b'
    } else {
        b'a'
    };
    let flipped = String::from_utf8(flipped).unwrap();
    let lower = token.to_lowercase();
    let truncated = format!("{}>", &token[..token.len() - 2]);
    let other_type = token.replacen("EMAIL", "PHONE", 1);
    for fake in [
        flipped,
        lower,
        truncated,
        other_type,
        "<EMAIL_000000000000>".to_owned(),
    ] {
        assert_eq!(
            restore_all(&vault, &format!("x {fake} y")),
            format!("x {fake} y")
        );
    }
    assert_eq!(
        restore_all(&vault, &format!("x {token} y")),
        "x jane@example.com y"
    );
}

fn answer_and_expected() -> (Arc<TokenVault>, String, String) {
    let (vault, t) = vault_with(&[
        (EntityType::Email, "jane@example.com"),
        (EntityType::CreditCard, "4111 1111 1111 1111"),
        (EntityType::Custom("EMPLOYEE_ID".into()), "EMP-<42>"),
    ]);
    let answer = format!(
        "Hi <b>{}</b>, card {} on file ({}); a<b <EMAIL_ and <{}{}. 😀 {}",
        t[0], t[1], t[2], t[0], "x", t[0]
    );
    let expected = "Hi <b>jane@example.com</b>, card 4111 1111 1111 1111 on file (EMP-<42>); \
                    a<b <EMAIL_ and <jane@example.comx. 😀 jane@example.com"
        .to_owned();
    (vault, answer, expected)
}

fn restore_chunks(vault: &Arc<TokenVault>, chunks: &[&str]) -> String {
    let mut r = Restorer::new(Arc::clone(vault));
    let mut out = String::new();
    for c in chunks {
        out.push_str(&r.push(c));
        assert!(r.held_back() <= 55, "held back {} bytes", r.held_back());
    }
    out.push_str(&r.finish());
    out
}

#[test]
fn restorer_every_single_split_point() {
    let (vault, answer, expected) = answer_and_expected();
    assert_eq!(restore_all(&vault, &answer), expected);
    for i in 0..=answer.len() {
        if !answer.is_char_boundary(i) {
            continue;
        }
        let (a, b) = answer.split_at(i);
        assert_eq!(restore_chunks(&vault, &[a, b]), expected, "split at {i}");
    }
}

#[test]
fn restorer_one_byte_chunks() {
    let (vault, answer, expected) = answer_and_expected();
    let chunks: Vec<String> = answer.chars().map(String::from).collect();
    let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
    assert_eq!(restore_chunks(&vault, &refs), expected);
}

#[test]
fn restorer_releases_text_without_tokens_immediately() {
    let (vault, t) = vault_with(&[(EntityType::Email, "jane@example.com")]);
    let mut r = Restorer::new(vault);
    assert_eq!(r.push("hello world "), "hello world ");
    // A possible token prefix is held back, and released verbatim once it cannot be one.
    assert_eq!(r.push("<EMA"), "");
    assert_eq!(r.push("IL x"), "<EMAIL x");
    assert_eq!(r.push(&t[0][..10]), "");
    assert_eq!(r.finish(), t[0][..10].to_owned());
    assert_eq!(r.restored(), 0);
}

proptest! {
    #[test]
    fn restorer_random_multi_splits(cuts in proptest::collection::vec(0usize..400, 0..12)) {
        let (vault, answer, expected) = answer_and_expected();
        let mut points: Vec<usize> = cuts.into_iter().map(|c| c % (answer.len() + 1)).filter(|c| answer.is_char_boundary(*c)).collect();
        points.sort_unstable();
        points.dedup();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&answer[last..p]);
            last = p;
        }
        chunks.push(&answer[last..]);
        prop_assert_eq!(restore_chunks(&vault, &chunks), expected);
    }
}

#[test]
fn find_tokens_handles_raw_and_json_escaped_delimiters_and_ignores_unissued() {
    let (vault, t) = vault_with(&[
        (EntityType::Email, "jane@example.com"),
        (EntityType::Phone, "+1 415 555 0132"),
    ]);
    let escaped = t[1].replace('<', "\\u003c").replace('>', "\\u003E");
    let text = format!(
        "{{\"to\":\"{}\",\"tel\":\"{}\",\"x\":\"<EMAIL_000000000000>\"}}",
        t[0], escaped
    );
    let found = vault.find_tokens(&text);
    assert_eq!(found.len(), 2, "{text}");
    assert_eq!(&text[found[0].range.clone()], t[0]);
    assert_eq!(found[0].value, "jane@example.com");
    assert_eq!(&text[found[1].range.clone()], escaped);
    assert_eq!(found[1].value, "+1 415 555 0132");
    assert!(vault.contains_value("jane@example.com"));
    assert!(!vault.contains_value("john@example.com"));
}
