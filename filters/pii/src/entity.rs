//! What the detector reports: entity types and findings.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The kind of sensitive value a [`Finding`] is about.
///
/// `name()` is the stable upper-case identifier used in configs, events, placeholders
/// (`[EMAIL]`) and tokens (`<EMAIL_…>`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Email,
    Phone,
    CreditCard,
    UsSsn,
    Iban,
    IpAddress,
    MacAddress,
    UrlCredentials,
    CryptoWallet,
    DateOfBirth,
    Person,
    StreetAddress,
    AwsAccessKey,
    AwsSecretKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    OpenaiKey,
    AnthropicKey,
    Jwt,
    PrivateKey,
    GenericSecret,
    /// A custom entity from the configuration; the name is upper-case `[A-Z][A-Z0-9_]*`.
    Custom(Arc<str>),
}

/// Broad families of entity types, used for defaults (`secrets are redacted, validated PII is
/// tokenized, context-only types are monitored`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// Credentials: API keys, tokens, private keys, passwords.
    Secret,
    /// Personal data whose format is checked by a checksum or strict structural rules.
    ValidatedPii,
    /// Personal data recognised by context cues and heuristics only (names, addresses, birth dates).
    ContextPii,
    /// Configured by the operator.
    Custom,
}

impl EntityType {
    /// Every built-in entity type, in a fixed order.
    pub const BUILT_IN: [EntityType; 24] = [
        EntityType::Email,
        EntityType::Phone,
        EntityType::CreditCard,
        EntityType::UsSsn,
        EntityType::Iban,
        EntityType::IpAddress,
        EntityType::MacAddress,
        EntityType::UrlCredentials,
        EntityType::CryptoWallet,
        EntityType::DateOfBirth,
        EntityType::Person,
        EntityType::StreetAddress,
        EntityType::AwsAccessKey,
        EntityType::AwsSecretKey,
        EntityType::GithubToken,
        EntityType::GitlabToken,
        EntityType::SlackToken,
        EntityType::StripeKey,
        EntityType::GoogleApiKey,
        EntityType::OpenaiKey,
        EntityType::AnthropicKey,
        EntityType::Jwt,
        EntityType::PrivateKey,
        EntityType::GenericSecret,
    ];

    /// Position in [`EntityType::BUILT_IN`]; `None` for custom types. A bit index for cheap
    /// per-call "is this type enabled" checks.
    pub(crate) fn builtin_index(&self) -> Option<usize> {
        Some(match self {
            EntityType::Email => 0,
            EntityType::Phone => 1,
            EntityType::CreditCard => 2,
            EntityType::UsSsn => 3,
            EntityType::Iban => 4,
            EntityType::IpAddress => 5,
            EntityType::MacAddress => 6,
            EntityType::UrlCredentials => 7,
            EntityType::CryptoWallet => 8,
            EntityType::DateOfBirth => 9,
            EntityType::Person => 10,
            EntityType::StreetAddress => 11,
            EntityType::AwsAccessKey => 12,
            EntityType::AwsSecretKey => 13,
            EntityType::GithubToken => 14,
            EntityType::GitlabToken => 15,
            EntityType::SlackToken => 16,
            EntityType::StripeKey => 17,
            EntityType::GoogleApiKey => 18,
            EntityType::OpenaiKey => 19,
            EntityType::AnthropicKey => 20,
            EntityType::Jwt => 21,
            EntityType::PrivateKey => 22,
            EntityType::GenericSecret => 23,
            EntityType::Custom(_) => return None,
        })
    }

    /// The stable upper-case name (`EMAIL`, `CREDIT_CARD`, …).
    pub fn name(&self) -> &str {
        match self {
            EntityType::Email => "EMAIL",
            EntityType::Phone => "PHONE",
            EntityType::CreditCard => "CREDIT_CARD",
            EntityType::UsSsn => "US_SSN",
            EntityType::Iban => "IBAN",
            EntityType::IpAddress => "IP_ADDRESS",
            EntityType::MacAddress => "MAC_ADDRESS",
            EntityType::UrlCredentials => "URL_CREDENTIALS",
            EntityType::CryptoWallet => "CRYPTO_WALLET",
            EntityType::DateOfBirth => "DATE_OF_BIRTH",
            EntityType::Person => "PERSON",
            EntityType::StreetAddress => "STREET_ADDRESS",
            EntityType::AwsAccessKey => "AWS_ACCESS_KEY",
            EntityType::AwsSecretKey => "AWS_SECRET_KEY",
            EntityType::GithubToken => "GITHUB_TOKEN",
            EntityType::GitlabToken => "GITLAB_TOKEN",
            EntityType::SlackToken => "SLACK_TOKEN",
            EntityType::StripeKey => "STRIPE_KEY",
            EntityType::GoogleApiKey => "GOOGLE_API_KEY",
            EntityType::OpenaiKey => "OPENAI_KEY",
            EntityType::AnthropicKey => "ANTHROPIC_KEY",
            EntityType::Jwt => "JWT",
            EntityType::PrivateKey => "PRIVATE_KEY",
            EntityType::GenericSecret => "GENERIC_SECRET",
            EntityType::Custom(name) => name,
        }
    }

    /// Parses a built-in name (as returned by [`EntityType::name`]). Custom names are not
    /// known here; the detector resolves them against its configuration.
    pub fn from_builtin_name(name: &str) -> Option<EntityType> {
        EntityType::BUILT_IN.into_iter().find(|e| e.name() == name)
    }

    /// The family this type belongs to.
    pub fn category(&self) -> Category {
        match self {
            EntityType::Email
            | EntityType::Phone
            | EntityType::CreditCard
            | EntityType::UsSsn
            | EntityType::Iban
            | EntityType::IpAddress
            | EntityType::MacAddress
            | EntityType::CryptoWallet => Category::ValidatedPii,
            EntityType::DateOfBirth | EntityType::Person | EntityType::StreetAddress => {
                Category::ContextPii
            }
            EntityType::UrlCredentials
            | EntityType::AwsAccessKey
            | EntityType::AwsSecretKey
            | EntityType::GithubToken
            | EntityType::GitlabToken
            | EntityType::SlackToken
            | EntityType::StripeKey
            | EntityType::GoogleApiKey
            | EntityType::OpenaiKey
            | EntityType::AnthropicKey
            | EntityType::Jwt
            | EntityType::PrivateKey
            | EntityType::GenericSecret => Category::Secret,
            EntityType::Custom(_) => Category::Custom,
        }
    }

    /// When two candidates overlap, the one with the higher priority wins (then the longer,
    /// then the earlier). Specific, prefix-anchored secrets beat generic shapes.
    pub(crate) fn priority(&self) -> u8 {
        match self {
            EntityType::PrivateKey => 100,
            EntityType::UrlCredentials => 95,
            EntityType::AnthropicKey => 92,
            EntityType::Jwt
            | EntityType::AwsAccessKey
            | EntityType::GithubToken
            | EntityType::GitlabToken
            | EntityType::SlackToken
            | EntityType::StripeKey
            | EntityType::GoogleApiKey
            | EntityType::OpenaiKey => 90,
            EntityType::Custom(_) => 85,
            EntityType::AwsSecretKey => 80,
            EntityType::GenericSecret => 75,
            EntityType::Email => 70,
            EntityType::CryptoWallet | EntityType::Iban | EntityType::CreditCard => 65,
            EntityType::UsSsn => 62,
            EntityType::MacAddress | EntityType::IpAddress => 60,
            EntityType::Phone => 55,
            EntityType::DateOfBirth => 50,
            EntityType::StreetAddress => 45,
            EntityType::Person => 40,
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One detected value.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// What was found.
    pub entity: EntityType,
    /// Byte range in the scanned text (always on `char` boundaries).
    pub span: Range<usize>,
    /// Confidence in `0.0..=1.0`: 1.0 for checksum-validated values, lower for heuristics.
    pub score: f32,
    masked: String,
}

impl Finding {
    pub(crate) fn new(entity: EntityType, span: Range<usize>, score: f32, value: &str) -> Self {
        let masked = crate::excerpt::masked_excerpt(&entity, value);
        Finding {
            entity,
            span,
            score,
            masked,
        }
    }

    /// A short rendering that is safe to log: most characters replaced by `*`, at most a
    /// non-secret prefix (`ghp_`, `sk-ant-`) and a two-character tail kept, long values
    /// shortened. Never contains the full value.
    pub fn masked_excerpt(&self) -> &str {
        &self.masked
    }

    /// The finding's text within the scanned input.
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.span.clone()).unwrap_or("")
    }
}

#[cfg(test)]
mod builtin_index_tests {
    use super::EntityType;

    #[test]
    fn builtin_index_is_the_position_in_built_in() {
        for (i, e) in EntityType::BUILT_IN.iter().enumerate() {
            assert_eq!(e.builtin_index(), Some(i), "{e}");
        }
        assert_eq!(EntityType::Custom("X".into()).builtin_index(), None);
    }
}
