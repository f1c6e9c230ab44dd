//! CRYPTO_WALLET: Bitcoin base58check (`1…`, `3…`) and bech32/bech32m (`bc1…`) addresses,
//! Ethereum `0x` + 40 hex (EIP-55 checksum when mixed case).

use super::{Candidate, DigitStarts};
use crate::entity::EntityType;
use crate::validate::{is_base58check_address, is_bech32_address, is_ethereum_address};

/// Tokens are maximal alphanumeric runs; a wallet token starts with `0x`, `1`, `3` (a digit
/// run starts at the token) or `bc1`/`BC1` (a digit run starts two bytes in). Tokens never
/// overlap, so each candidate is judged on its own.
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn scan(text: &str, digit_starts: &DigitStarts, out: &mut Vec<Candidate>) {
    let b = text.as_bytes();
    let mut done = 0;
    for p in digit_starts.iter() {
        let i = if p >= 2 && (&b[p - 2..p] == b"bc" || &b[p - 2..p] == b"BC") {
            p - 2
        } else {
            p
        };
        if i < done || !crate::text::boundary_before(b, i) {
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        done = j;
        if crate::text::boundary_after(b, j) {
            let tok = &text[i..j];
            let len = tok.len();
            let score = if len == 42 && tok.starts_with("0x") && is_ethereum_address(tok) {
                let mixed = tok[2..].bytes().any(|c| c.is_ascii_lowercase())
                    && tok[2..].bytes().any(|c| c.is_ascii_uppercase());
                Some(if mixed { 1.0 } else { 0.9 })
            } else if ((14..=74).contains(&len)
                && (tok.starts_with("bc1") || tok.starts_with("BC1"))
                && is_bech32_address(tok))
                || ((25..=35).contains(&len)
                    && matches!(b[i], b'1' | b'3')
                    && is_base58check_address(tok))
            {
                Some(1.0)
            } else {
                None
            };
            if let Some(score) = score {
                out.push(Candidate::new(EntityType::CryptoWallet, i, j, score));
            }
        }
    }
}
