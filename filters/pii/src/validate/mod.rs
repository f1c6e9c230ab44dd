//! Checksums and structural rules that turn a pattern match into a validated value.
//!
//! Each validator takes the candidate text and answers yes/no; none allocates more than the
//! candidate's length and all run in linear time.

mod crypto;
mod date;
mod iban;
mod luhn;
mod ssn;

pub use crypto::{is_base58check_address, is_bech32_address, is_ethereum_address};
pub use date::{parse_date, Date};
pub(crate) use iban::iban_length as iban_length_of;
pub use iban::is_valid_iban;
pub use luhn::luhn_valid;
pub use ssn::is_valid_ssn;

/// A validator that a custom entity can name in its configuration (`"validator": "luhn"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidatorKind {
    /// Luhn mod-10 over the digits of the match (separators ignored).
    Luhn,
    /// ISO 7064 mod 97-10 over the match read as an IBAN-like string (letters = 10..35).
    Mod97,
    /// Full IBAN validation (country length + mod-97).
    Iban,
    /// US SSN area/group/serial rules over the digits of the match.
    UsSsn,
    /// Shannon entropy of at least 3.0 bits per character.
    Entropy,
}

impl ValidatorKind {
    /// Parses the configuration name.
    pub fn from_name(name: &str) -> Option<ValidatorKind> {
        match name {
            "luhn" => Some(ValidatorKind::Luhn),
            "mod97" => Some(ValidatorKind::Mod97),
            "iban" => Some(ValidatorKind::Iban),
            "us_ssn" => Some(ValidatorKind::UsSsn),
            "entropy" => Some(ValidatorKind::Entropy),
            _ => None,
        }
    }

    /// The names accepted by [`ValidatorKind::from_name`], for error messages.
    pub const NAMES: &'static str = "luhn, mod97, iban, us_ssn, entropy";

    /// Runs the validator on a match.
    pub fn check(self, value: &str) -> bool {
        match self {
            ValidatorKind::Luhn => {
                let digits: Vec<u8> = value
                    .bytes()
                    .filter(u8::is_ascii_digit)
                    .map(|b| b - b'0')
                    .collect();
                digits.len() >= 2 && luhn_valid(&digits)
            }
            ValidatorKind::Mod97 => {
                iban::mod97(value.bytes().filter(|b| !b.is_ascii_whitespace())) == Some(1)
            }
            ValidatorKind::Iban => is_valid_iban(value),
            ValidatorKind::UsSsn => {
                let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).collect();
                digits.len() == 9 && is_valid_ssn(&digits)
            }
            ValidatorKind::Entropy => crate::text::shannon_entropy(value) >= 3.0,
        }
    }
}
