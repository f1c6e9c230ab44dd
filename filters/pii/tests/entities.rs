//! Per-entity behaviour: valid values are found with the right span, values with a broken
//! checksum are not, and confusable look-alikes (order numbers, UUIDs, timestamps, version
//! strings, 16-digit non-Luhn numbers) are left alone.

mod common;
use common::{b64url, body};
use parapet_pii::{Detector, DetectorConfig, EntityType};

fn detector() -> &'static Detector {
    static D: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    D.get_or_init(|| Detector::new(&DetectorConfig::default()).unwrap())
}

/// The (entity, value) pairs found in `text`.
fn found(text: &str) -> Vec<(EntityType, String)> {
    detector()
        .find(text)
        .into_iter()
        .map(|f| (f.entity.clone(), f.value(text).to_owned()))
        .collect()
}

fn assert_found(text: &str, entity: EntityType, value: &str) {
    let f = found(text);
    assert!(
        f.iter().any(|(e, v)| *e == entity && v == value),
        "expected {entity} {value:?} in {text:?}, got {f:?}"
    );
}

fn assert_not_found(text: &str, entity: EntityType) {
    let f = found(text);
    assert!(
        !f.iter().any(|(e, _)| *e == entity),
        "unexpected {entity} in {text:?}: {f:?}"
    );
}

#[test]
fn email() {
    assert_found(
        "mail jane.roe+tag@mail.example.co.uk now",
        EntityType::Email,
        "jane.roe+tag@mail.example.co.uk",
    );
    assert_found("<a@b.io>", EntityType::Email, "a@b.io");
    assert_not_found("ping @someone on slack", EntityType::Email);
    assert_not_found("user@localhost is not routable", EntityType::Email);
    assert_not_found("decorator @app.route('/x')", EntityType::Email);
    assert_not_found("jane..roe@example.com", EntityType::Email);
}

#[test]
fn credit_card() {
    assert_found(
        "card 4111 1111 1111 1111 exp 12/29",
        EntityType::CreditCard,
        "4111 1111 1111 1111",
    );
    assert_found(
        "visa 4111-1111-1111-1111.",
        EntityType::CreditCard,
        "4111-1111-1111-1111",
    );
    assert_found(
        "amex 3782 822463 10005",
        EntityType::CreditCard,
        "3782 822463 10005",
    );
    assert_found(
        "mc 5555555555554444",
        EntityType::CreditCard,
        "5555555555554444",
    );
    assert_found(
        "qty 2 4111 1111 1111 1111",
        EntityType::CreditCard,
        "4111 1111 1111 1111",
    );
    // One digit changed: Luhn fails.
    assert_not_found("card 4111 1111 1111 1112", EntityType::CreditCard);
    // 16 digits, no brand prefix.
    assert_not_found("ref 9111111111111111", EntityType::CreditCard);
    // Luhn-valid but introduced as an order number.
    assert_not_found(
        "Order number 4111111111111111 shipped",
        EntityType::CreditCard,
    );
    // Mixed separators and odd grouping are not how cards are printed.
    assert_not_found("4111-1111 1111-1111", EntityType::CreditCard);
    assert_not_found("41 111111 11111111", EntityType::CreditCard);
    // Part of a longer number.
    assert_not_found("41111111111111110000", EntityType::CreditCard);
    // Timestamps / epoch millis.
    assert_not_found(
        "ts=1700000000000 at 2024-01-15T10:20:30Z",
        EntityType::CreditCard,
    );
}

#[test]
fn us_ssn() {
    assert_found("SSN 536-22-8745", EntityType::UsSsn, "536-22-8745");
    assert_found(
        "social security number: 536228745",
        EntityType::UsSsn,
        "536228745",
    );
    assert_not_found("666-22-8745", EntityType::UsSsn);
    assert_not_found("000-22-8745", EntityType::UsSsn);
    assert_not_found("936-22-8745", EntityType::UsSsn);
    assert_not_found("536-00-8745", EntityType::UsSsn);
    assert_not_found("536-22-0000", EntityType::UsSsn);
    // Nine digits without an SSN cue are an order number.
    assert_not_found("order 536228745", EntityType::UsSsn);
    // Mixed separators.
    assert_not_found("536-22 8745", EntityType::UsSsn);
}

#[test]
fn iban() {
    assert_found(
        "pay to GB82 WEST 1234 5698 7654 32 today",
        EntityType::Iban,
        "GB82 WEST 1234 5698 7654 32",
    );
    assert_found(
        "IBAN: DE89370400440532013000.",
        EntityType::Iban,
        "DE89370400440532013000",
    );
    assert_not_found("GB83 WEST 1234 5698 7654 32", EntityType::Iban);
    assert_not_found("DE8937040044053201300", EntityType::Iban);
    assert_not_found("XX89370400440532013000", EntityType::Iban);
}

#[test]
fn ip_address() {
    assert_found(
        "server 10.20.30.40 down",
        EntityType::IpAddress,
        "10.20.30.40",
    );
    assert_found(
        "connect to [2001:db8::8a2e:370:7334]:443",
        EntityType::IpAddress,
        "2001:db8::8a2e:370:7334",
    );
    assert_found(
        "ssh fe80::1ff:fe23:4567:890a.",
        EntityType::IpAddress,
        "fe80::1ff:fe23:4567:890a",
    );
    assert_not_found("upgrade to version 1.2.3.4 today", EntityType::IpAddress);
    assert_not_found("v1.2.3.4", EntityType::IpAddress);
    assert_not_found("256.1.1.1 and 1.2.3 and 1.2.3.4.5", EntityType::IpAddress);
    assert_not_found("01.02.03.04", EntityType::IpAddress);
    assert_not_found(
        "meeting at 12:30:45 and Vec::new and std::io",
        EntityType::IpAddress,
    );
    assert_not_found(
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        EntityType::IpAddress,
    );
}

#[test]
fn mac_address() {
    assert_found(
        "nic 00:1A:2B:3C:4D:5E up",
        EntityType::MacAddress,
        "00:1A:2B:3C:4D:5E",
    );
    assert_found(
        "nic 00-1a-2b-3c-4d-5e",
        EntityType::MacAddress,
        "00-1a-2b-3c-4d-5e",
    );
    assert_found(
        "cisco 001a.2b3c.4d5e",
        EntityType::MacAddress,
        "001a.2b3c.4d5e",
    );
    assert_not_found("00:1A:2B:3C:4D", EntityType::MacAddress);
    assert_not_found("00:1A:2B-3C:4D:5E", EntityType::MacAddress);
    assert_not_found("12:30:45", EntityType::MacAddress);
}

#[test]
fn url_credentials() {
    assert_found(
        "db: postgres://admin:s3cr3t@db.internal:5432/app?ssl=1, ok",
        EntityType::UrlCredentials,
        "postgres://admin:s3cr3t@db.internal:5432/app?ssl=1",
    );
    assert_not_found("see https://example.com/a@b", EntityType::UrlCredentials);
    assert_not_found("https://user@example.com/", EntityType::UrlCredentials);
}

#[test]
fn crypto_wallet() {
    assert_found(
        "send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        EntityType::CryptoWallet,
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    );
    assert_found(
        "btc bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        EntityType::CryptoWallet,
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    );
    assert_found(
        "eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        EntityType::CryptoWallet,
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    );
    assert_not_found(
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        EntityType::CryptoWallet,
    );
    assert_not_found(
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
        EntityType::CryptoWallet,
    );
    assert_not_found(
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        EntityType::CryptoWallet,
    );
    // A SHA-1 commit hash is not an address (no 0x, 40 hex).
    assert_not_found(
        "commit 5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        EntityType::CryptoWallet,
    );
}

#[test]
fn phone() {
    assert_found(
        "call (415) 555-0132 now",
        EntityType::Phone,
        "(415) 555-0132",
    );
    assert_found(
        "call 415-555-0132 x204",
        EntityType::Phone,
        "415-555-0132 x204",
    );
    assert_found(
        "intl +44 20 7946 0958",
        EntityType::Phone,
        "+44 20 7946 0958",
    );
    assert_found(
        "uk +44 (0)20 7946 0958",
        EntityType::Phone,
        "+44 (0)20 7946 0958",
    );
    assert_found("+1-415-555-0132", EntityType::Phone, "+1-415-555-0132");
    assert_found("de +4930123456789", EntityType::Phone, "+4930123456789");
    assert_found("phone: 020 7946 0958", EntityType::Phone, "020 7946 0958");
    // Invalid NANP area code (starts with 1) and N11 exchange.
    assert_not_found("call 123-555-0132", EntityType::Phone);
    assert_not_found("call 415-911-0132", EntityType::Phone);
    // Unknown country code / too long.
    assert_not_found("+0 123 456 789", EntityType::Phone);
    assert_not_found("+44 20 7946 0958 1234 5678", EntityType::Phone);
    // Dates, bare numbers without cue.
    assert_not_found("on 2024-01-15 order 4155550132", EntityType::Phone);
}

#[test]
fn date_of_birth() {
    assert_found("DOB: 03/14/1985", EntityType::DateOfBirth, "03/14/1985");
    assert_found(
        "born on March 14, 1985 in Ohio",
        EntityType::DateOfBirth,
        "March 14, 1985",
    );
    assert_found(
        "Date of birth 1985-03-14",
        EntityType::DateOfBirth,
        "1985-03-14",
    );
    assert_not_found("invoice dated 03/14/1985", EntityType::DateOfBirth);
    assert_not_found("DOB: 02/30/1985", EntityType::DateOfBirth);
}

#[test]
fn person_and_address() {
    assert_found(
        "Please ask Dr. Jane Roe about it",
        EntityType::Person,
        "Jane Roe",
    );
    assert_found(
        "Hello, my name is Priya Raman and",
        EntityType::Person,
        "Priya Raman",
    );
    assert_found(
        "Then Michael Johnson called",
        EntityType::Person,
        "Michael Johnson",
    );
    assert_not_found("The Quick Brown Fox", EntityType::Person);
    assert_found(
        "ship to 742 Evergreen Terrace, Springfield, IL 62704.",
        EntityType::StreetAddress,
        "742 Evergreen Terrace, Springfield, IL 62704",
    );
    assert_found(
        "at 1600 Pennsylvania Ave NW",
        EntityType::StreetAddress,
        "1600 Pennsylvania Ave",
    );
    assert_not_found("we sold 300 Units Last quarter", EntityType::StreetAddress);
}

#[test]
fn provider_secrets() {
    let cases = [
        (
            format!("AKIA{}", "Z7QX2M4PLK9RT3WB"),
            EntityType::AwsAccessKey,
        ),
        (format!("ghp_{}", body(36, 1)), EntityType::GithubToken),
        (format!("gho_{}", body(36, 2)), EntityType::GithubToken),
        (format!("ghs_{}", body(36, 3)), EntityType::GithubToken),
        (
            format!("github_pat_{}_{}", body(22, 4), body(59, 5)),
            EntityType::GithubToken,
        ),
        (format!("glpat-{}", body(20, 6)), EntityType::GitlabToken),
        (
            format!("xoxb-123456789012-1234567890123-{}", body(24, 7)),
            EntityType::SlackToken,
        ),
        (format!("sk_live_{}", body(24, 8)), EntityType::StripeKey),
        (format!("rk_live_{}", body(24, 9)), EntityType::StripeKey),
        (format!("AIza{}", body(35, 10)), EntityType::GoogleApiKey),
        (format!("sk-proj-{}", body(64, 11)), EntityType::OpenaiKey),
        (
            format!("sk-{}T3BlbkFJ{}", body(20, 12), body(20, 13)),
            EntityType::OpenaiKey,
        ),
        (
            format!("sk-ant-api03-{}AA", body(93, 14)),
            EntityType::AnthropicKey,
        ),
    ];
    for (secret, entity) in cases {
        assert_found(&format!("key = \"{secret}\" ok"), entity.clone(), &secret);
        assert_found(&format!("token {secret}."), entity.clone(), &secret);
        // Placeholders with the right prefix and length are not secrets.
        let prefix_len = secret.find(['_', '-']).map_or(4, |p| p + 1);
        let placeholder = format!(
            "{}{}",
            &secret[..prefix_len],
            "x".repeat(secret.len() - prefix_len)
        );
        assert_not_found(&format!("key = {placeholder}"), entity.clone());
        // Glued to a longer identifier.
        assert_not_found(&format!("my{secret}"), entity);
    }
}

#[test]
fn aws_secret_key_needs_context() {
    let secret = format!("{}/{}+{}", body(20, 20), body(9, 21), body(9, 22));
    assert_eq!(secret.len(), 40);
    assert_found(
        &format!("aws_secret_access_key = {secret}"),
        EntityType::AwsSecretKey,
        &secret,
    );
    assert_not_found(&format!("checksum {secret}"), EntityType::AwsSecretKey);
}

#[test]
fn jwt() {
    let t = format!(
        "{}.{}.{}",
        b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(r#"{"sub":"1234567890","name":"Jane"}"#),
        body(43, 30)
    );
    assert_found(&format!("Authorization: Bearer {t}"), EntityType::Jwt, &t);
    // Header without alg, or not JSON.
    let no_alg = format!(
        "{}.{}.{}",
        b64url(r#"{"typ":"JWT"}"#),
        b64url(r#"{"a":1}"#),
        body(43, 31)
    );
    assert_not_found(&no_alg, EntityType::Jwt);
    let not_json = format!("eyJ{}.{}.{}", body(20, 32), body(20, 33), body(20, 34));
    assert_not_found(&not_json, EntityType::Jwt);
}

#[test]
fn pem_private_key() {
    let block = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n{}\n-----END RSA PRIVATE KEY-----",
        body(64, 40),
        body(40, 41)
    );
    let text = format!("here is my key:\n{block}\nthanks");
    assert_found(&text, EntityType::PrivateKey, &block);
    // Truncated paste still covers the key material.
    let truncated = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n{}",
        body(70, 42),
        body(70, 43)
    );
    assert_found(
        &format!("{truncated}\n"),
        EntityType::PrivateKey,
        &truncated,
    );
    assert_not_found(
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
        EntityType::PrivateKey,
    );
}

#[test]
fn generic_secret_assignments() {
    assert_found(
        "DB_PASSWORD=Tr0ub4dor&3x",
        EntityType::GenericSecret,
        "Tr0ub4dor&3x",
    );
    assert_found(
        r#"{"api_key": "a8f5f167f44f4964e6c998dee827110c"}"#,
        EntityType::GenericSecret,
        "a8f5f167f44f4964e6c998dee827110c",
    );
    assert_found(
        "my password is hunter2!",
        EntityType::GenericSecret,
        "hunter2!",
    );
    assert_not_found("password=${DB_PASSWORD}", EntityType::GenericSecret);
    assert_not_found("password: changeme", EntityType::GenericSecret);
    assert_not_found("api_key = config.api_key", EntityType::GenericSecret);
    assert_not_found("if password == other:", EntityType::GenericSecret);
    assert_not_found("max_tokens: 4096", EntityType::GenericSecret);
    assert_not_found("api_key: aaaaaaaaaaaaaaaaaaaa", EntityType::GenericSecret);
}

#[test]
fn confusables_produce_no_findings_at_all() {
    let text = "Order #100045 shipped 2024-01-15T10:20:30Z, tracking 1Z999AA10123456784. \
                UUID 123e4567-e89b-12d3-a456-426614174000, build 1.22.3, version 10.0.19045.1, \
                epoch 1700000000, total $1,234.56, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08, \
                ISBN 978-3-16-148410-0, numbers 1234567812345678 and 0000 0000 0000 0000.";
    assert_eq!(found(text), vec![], "look-alikes must not be reported");
}

#[test]
fn findings_are_sorted_non_overlapping_and_deterministic() {
    let text = "creds https://bob:hunter2pass@bob@example.com/x and bob@example.com, card 4111111111111111";
    let a = detector().find(text);
    let b = detector().find(text);
    assert_eq!(a, b);
    for w in a.windows(2) {
        assert!(w[0].span.end <= w[1].span.start);
    }
    // The URL wins over the e-mail-shaped part inside it.
    assert_eq!(a[0].entity, EntityType::UrlCredentials);
}

#[test]
fn masked_excerpts_never_contain_the_value() {
    let secret = format!("ghp_{}", body(36, 50));
    let text = format!(
        "card 4111 1111 1111 1111, mail jane.roe@example.com, token {secret}, ssn 536-22-8745"
    );
    for f in detector().find(&text) {
        let v = f.value(&text);
        let ex = f.masked_excerpt();
        assert_ne!(ex, v);
        assert!(!ex.contains(&v[v.len() / 2..]), "{ex} leaks {v}");
    }
}

#[test]
fn non_ascii_text_is_handled() {
    let text = "Grüße von José — 電話 +81 3-1234-5678, mail josé@exämple.com, 4111 1111 1111 1111é";
    let f = detector().find(text);
    for x in &f {
        assert!(text.is_char_boundary(x.span.start) && text.is_char_boundary(x.span.end));
    }
    assert!(f.iter().any(|x| x.entity == EntityType::Phone));
}
