//! Who is calling: one helper that finds the caller's identity for rate-limit keys and events.
//!
//! Parapet does not authenticate. It reuses what the proxy already established:
//! - `kong_consumer`: Kong's auth plugins set `x-consumer-id`, `x-consumer-username`,
//!   `x-credential-identifier` (an anonymous consumer, `x-anonymous-consumer: true`, is ignored);
//! - `jwt`: Envoy's `jwt_authn` with `forward_payload_header` puts the base64url JSON payload in a
//!   header; the identity is one claim of it (`sub` by default, dotted paths like `org.id` work);
//! - `api_key`: the API key header, kept only as its SHA-256 digest (`sha256:<hex>`);
//! - `source_address`: the client address (`source.address` property), port dropped.
//!
//! Sources are tried in the configured order; the first that yields a value wins.
//! Only list header sources the proxy itself sets or strips: otherwise a client can send them.
//! The default is `["source_address"]`, which a client cannot choose.

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Identity settings (`identity` in the plugin configuration).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// Sources in priority order.
    pub sources: Vec<IdentitySource>,
    /// Header `jwt_authn` forwards the payload in (`forward_payload_header`).
    pub jwt_payload_header: String,
    /// Claim of the JWT payload to use; dotted path for nested claims.
    pub jwt_claim: String,
    /// Headers that carry an API key, in order (`Bearer ` prefixes are removed before hashing).
    pub api_key_headers: Vec<String>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            sources: vec![IdentitySource::SourceAddress],
            jwt_payload_header: "x-jwt-payload".into(),
            jwt_claim: "sub".into(),
            api_key_headers: vec![
                "authorization".into(),
                "x-api-key".into(),
                "x-goog-api-key".into(),
                "api-key".into(),
            ],
        }
    }
}

/// Where an identity came from.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentitySource {
    KongConsumer,
    Jwt,
    ApiKey,
    SourceAddress,
}

impl IdentitySource {
    pub fn as_str(self) -> &'static str {
        match self {
            IdentitySource::KongConsumer => "kong_consumer",
            IdentitySource::Jwt => "jwt",
            IdentitySource::ApiKey => "api_key",
            IdentitySource::SourceAddress => "source_address",
        }
    }
}

/// The caller's identity. `value` is safe to log and to use as a key (API keys are digests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub source: IdentitySource,
    pub value: String,
}

impl Identity {
    /// `source:value`, e.g. `jwt:alice` or `api_key:sha256:3a7b...`: a stable key for counters.
    pub fn key(&self) -> String {
        format!("{}:{}", self.source.as_str(), self.value)
    }
}

/// Finds the identity from captured request headers (lower-case names) and the source address.
pub fn resolve(
    config: &IdentityConfig,
    headers: &[(String, String)],
    source_address: Option<&str>,
) -> Option<Identity> {
    config.sources.iter().find_map(|source| {
        let value = match source {
            IdentitySource::KongConsumer => kong_consumer(headers),
            IdentitySource::Jwt => header(headers, &config.jwt_payload_header)
                .and_then(|payload| jwt_claim(payload, &config.jwt_claim)),
            IdentitySource::ApiKey => config
                .api_key_headers
                .iter()
                .find_map(|name| header(headers, name))
                .and_then(api_key_digest),
            IdentitySource::SourceAddress => source_address.and_then(address_without_port),
        }?;
        Some(Identity {
            source: *source,
            value,
        })
    })
}

/// Case-insensitive lookup of a non-empty header value.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn kong_consumer(headers: &[(String, String)]) -> Option<String> {
    if header(headers, "x-anonymous-consumer").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    [
        "x-consumer-id",
        "x-consumer-username",
        "x-credential-identifier",
    ]
    .iter()
    .find_map(|name| header(headers, name))
    .map(str::to_string)
}

/// Reads a claim from a base64url-encoded JWT payload (as `jwt_authn` forwards it).
fn jwt_claim(payload_b64: &str, claim: &str) -> Option<String> {
    let json = base64url_decode(payload_b64)?;
    let root: serde_json::Value = serde_json::from_slice(&json).ok()?;
    let mut value = &root;
    for part in claim.split('.') {
        value = value.get(part)?;
    }
    match value {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `sha256:<hex>` of the key (after removing an `Authorization` scheme such as `Bearer `).
pub fn api_key_digest(raw: &str) -> Option<String> {
    let key = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => raw.trim(),
    };
    if key.is_empty() {
        return None;
    }
    Some(format!("sha256:{}", sha256_hex(key.as_bytes())))
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

/// `10.0.0.1:5555` → `10.0.0.1`, `[::1]:5555` → `::1`, `10.0.0.1` (Kong) → `10.0.0.1`.
fn address_without_port(addr: &str) -> Option<String> {
    let addr = addr.trim();
    if addr.is_empty() {
        return None;
    }
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split_once(']').map(|(ip, _)| ip.to_string());
    }
    match addr.rsplit_once(':') {
        // One colon: IPv4 with port. Several: a bare IPv6 address.
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            Some(ip.to_string())
        }
        _ => Some(addr.to_string()),
    }
}

/// Decodes base64url (padding optional; the standard alphabet's `+/` accepted too).
pub fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in input.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn cfg(sources: &[IdentitySource]) -> IdentityConfig {
        IdentityConfig {
            sources: sources.to_vec(),
            ..IdentityConfig::default()
        }
    }

    // {"sub":"alice","org":{"id":42}} base64url without padding
    const PAYLOAD: &str = "eyJzdWIiOiJhbGljZSIsIm9yZyI6eyJpZCI6NDJ9fQ";

    #[test]
    fn default_uses_the_source_address_only() {
        let h = hdrs(&[("x-consumer-id", "spoofed")]);
        let id = resolve(&IdentityConfig::default(), &h, Some("10.1.2.3:5555")).unwrap();
        assert_eq!(id.source, IdentitySource::SourceAddress);
        assert_eq!(id.value, "10.1.2.3");
        assert_eq!(id.key(), "source_address:10.1.2.3");
    }

    #[test]
    fn kong_consumer_headers_in_order_and_anonymous_ignored() {
        let c = cfg(&[IdentitySource::KongConsumer]);
        let h = hdrs(&[("x-consumer-username", "bob"), ("x-consumer-id", "c-1")]);
        assert_eq!(resolve(&c, &h, None).unwrap().value, "c-1");
        let h = hdrs(&[("x-credential-identifier", "cred-9")]);
        assert_eq!(resolve(&c, &h, None).unwrap().value, "cred-9");
        let h = hdrs(&[("x-consumer-id", "anon"), ("x-anonymous-consumer", "true")]);
        assert_eq!(resolve(&c, &h, None), None);
    }

    #[test]
    fn jwt_claim_from_forwarded_payload() {
        let mut c = cfg(&[IdentitySource::Jwt]);
        let h = hdrs(&[("X-JWT-Payload", PAYLOAD)]);
        assert_eq!(resolve(&c, &h, None).unwrap().value, "alice");
        c.jwt_claim = "org.id".into();
        assert_eq!(resolve(&c, &h, None).unwrap().value, "42");
        c.jwt_claim = "missing".into();
        assert_eq!(resolve(&c, &h, None), None);
        let bad = hdrs(&[("x-jwt-payload", "%%%")]);
        assert_eq!(resolve(&cfg(&[IdentitySource::Jwt]), &bad, None), None);
    }

    #[test]
    fn api_key_is_stored_only_as_a_digest() {
        let c = cfg(&[IdentitySource::ApiKey]);
        let h = hdrs(&[("authorization", "Bearer sk-secret-123")]);
        let id = resolve(&c, &h, None).unwrap();
        assert_eq!(id.value, format!("sha256:{}", sha256_hex(b"sk-secret-123")));
        assert!(!id.key().contains("sk-secret"));
        // Same key in Anthropic's header gives the same identity.
        let h2 = hdrs(&[("x-api-key", "sk-secret-123")]);
        assert_eq!(resolve(&c, &h2, None), Some(id));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sources_fall_through_in_order() {
        let c = cfg(&[
            IdentitySource::KongConsumer,
            IdentitySource::Jwt,
            IdentitySource::ApiKey,
            IdentitySource::SourceAddress,
        ]);
        assert_eq!(
            resolve(&c, &[], Some("[2001:db8::1]:443")).unwrap().value,
            "2001:db8::1"
        );
        let h = hdrs(&[("x-api-key", "k")]);
        assert_eq!(
            resolve(&c, &h, Some("1.1.1.1")).unwrap().source,
            IdentitySource::ApiKey
        );
        assert_eq!(resolve(&c, &[], None), None);
    }

    #[test]
    fn addresses_lose_their_port() {
        assert_eq!(
            address_without_port("1.2.3.4:80").as_deref(),
            Some("1.2.3.4")
        );
        assert_eq!(address_without_port("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(address_without_port("::1").as_deref(), Some("::1"));
        assert_eq!(address_without_port("[::1]:9").as_deref(), Some("::1"));
        assert_eq!(address_without_port(""), None);
    }

    #[test]
    fn base64url_round_trips() {
        assert_eq!(base64url_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64url_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64url_decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(base64url_decode("a b"), None);
    }
}
