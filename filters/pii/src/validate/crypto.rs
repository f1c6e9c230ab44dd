//! Cryptocurrency address checksums: Bitcoin base58check and bech32/bech32m, Ethereum EIP-55.

use sha2::{Digest, Sha256};
use sha3::Keccak256;

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58_value(c: u8) -> Option<u8> {
    BASE58
        .iter()
        .position(|b| *b == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// Decodes base58 (Bitcoin alphabet). Quadratic in the length, so callers bound the input
/// (addresses are at most 35 characters).
fn base58_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for c in s {
        let mut carry = u32::from(base58_value(*c)?);
        for byte in out.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.iter().take_while(|c| **c == b'1').count();
    let mut full = vec![0u8; zeros];
    full.extend_from_slice(&out);
    Some(full)
}

/// A legacy (P2PKH, `1…`) or script (P2SH, `3…`) Bitcoin address: 25–35 base58 characters
/// that decode to version byte + 20-byte hash + 4-byte double-SHA-256 checksum.
pub fn is_base58check_address(s: &str) -> bool {
    let b = s.as_bytes();
    if !(25..=35).contains(&b.len()) || !matches!(b[0], b'1' | b'3') {
        return false;
    }
    let Some(raw) = base58_decode(b) else {
        return false;
    };
    if raw.len() != 25 || !matches!(raw[0], 0x00 | 0x05) {
        return false;
    }
    let (payload, check) = raw.split_at(21);
    let digest = Sha256::digest(Sha256::digest(payload));
    digest[..4] == *check
}

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ u32::from(*v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A native SegWit Bitcoin address (`bc1…`): bech32 for witness version 0 (20- or 32-byte
/// program), bech32m for versions 1–16, single-case, valid checksum.
pub fn is_bech32_address(s: &str) -> bool {
    if !(14..=74).contains(&s.len()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if s != lower && s != s.to_ascii_uppercase() {
        return false;
    }
    let Some(data_part) = lower.strip_prefix("bc1") else {
        return false;
    };
    let mut data = Vec::with_capacity(data_part.len());
    for c in data_part.bytes() {
        let Some(v) = BECH32_CHARSET.iter().position(|x| *x == c) else {
            return false;
        };
        data.push(v as u8);
    }
    if data.len() < 7 {
        return false;
    }
    // Human-readable part "bc" expanded: high bits, 0, low bits.
    let mut values = vec![b'b' >> 5, b'c' >> 5, 0, b'b' & 31, b'c' & 31];
    values.extend_from_slice(&data);
    let polymod = bech32_polymod(&values);
    let version = data[0];
    let expected = if version == 0 { 1 } else { 0x2bc830a3 };
    if polymod != expected || version > 16 {
        return false;
    }
    // Witness program length from the 5-bit groups (excluding version and 6 checksum chars).
    let program_bits = (data.len() - 7) * 5;
    let program_len = program_bits / 8;
    if program_bits % 8 >= 5 {
        return false;
    }
    match version {
        0 => program_len == 20 || program_len == 32,
        _ => (2..=40).contains(&program_len),
    }
}

/// An Ethereum address `0x` + 40 hex digits. All-lower and all-upper addresses carry no
/// checksum and are accepted; mixed case must match the EIP-55 Keccak-256 checksum.
pub fn is_ethereum_address(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("0x") else {
        return false;
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if !(has_lower && has_upper) {
        return true;
    }
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    hex.bytes().enumerate().all(|(i, c)| {
        let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
        if c.is_ascii_digit() {
            true
        } else if nibble >= 8 {
            c.is_ascii_uppercase()
        } else {
            c.is_ascii_lowercase()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base58check_known_addresses() {
        assert!(is_base58check_address("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(is_base58check_address("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        // One character changed breaks the checksum.
        assert!(!is_base58check_address(
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"
        ));
    }

    #[test]
    fn bech32_known_addresses() {
        assert!(is_bech32_address(
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ));
        assert!(is_bech32_address(
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
        ));
        assert!(is_bech32_address(
            "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
        ));
        assert!(!is_bech32_address(
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"
        ));
        assert!(!is_bech32_address(
            "bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ));
    }

    #[test]
    fn eip55() {
        assert!(is_ethereum_address(
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        ));
        assert!(is_ethereum_address(
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
        ));
        // Mixed case with one letter's case flipped fails the checksum.
        assert!(!is_ethereum_address(
            "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        ));
        assert!(!is_ethereum_address(
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae"
        ));
    }
}
