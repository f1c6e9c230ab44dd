//! The `base64.*`, `base64url.*` and `hex.*` builtins, on the `base64` crate the modules already
//! link (parapet-core decodes base64 in request bodies).
//!
//! Why not regorus's own: its `base64`, `base64url` and `hex` features link `data-encoding`
//! (50 KB of policy.wasm) for the same work. The answers are regorus's: padded standard base64
//! with canonical trailing bits, base64url with or without padding, hex in either case (lower
//! case out); decoded bytes that are not UTF-8 become U+FFFD, as there.
use anyhow::{anyhow, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use regorus::{Engine, Value};

use crate::patterns::string;

/// A one-string-argument builtin.
type Builtin = fn(&str) -> Result<Value>;

/// Installs the builtins on `engine` (before any evaluation).
pub(crate) fn install(engine: &mut Engine) -> Result<()> {
    let builtins: [(&str, Builtin); 8] = [
        ("base64.encode", |s| Ok(Value::from(STANDARD.encode(s)))),
        ("base64.decode", |s| {
            decoded(
                STANDARD
                    .decode(s)
                    .map_err(|e| anyhow!("decode failed: {e}")),
            )
        }),
        ("base64.is_valid", |s| {
            Ok(Value::Bool(STANDARD.decode(s).is_ok()))
        }),
        ("base64url.encode", |s| Ok(Value::from(URL_SAFE.encode(s)))),
        ("base64url.encode_no_pad", |s| {
            Ok(Value::from(URL_SAFE_NO_PAD.encode(s)))
        }),
        ("base64url.decode", |s| {
            decoded(
                URL_SAFE
                    .decode(s)
                    .or_else(|_| URL_SAFE_NO_PAD.decode(s))
                    .map_err(|_| anyhow!("not a valid url")),
            )
        }),
        ("hex.encode", |s| Ok(Value::from(hex_encode(s.as_bytes())))),
        ("hex.decode", |s| decoded(hex_decode(s))),
    ];
    for (name, f) in builtins {
        engine.add_extension(
            name.to_string(),
            1,
            Box::new(move |args: Vec<Value>| f(string(name, 1, &args[0])?)),
        )?;
    }
    Ok(())
}

fn decoded(bytes: Result<Vec<u8>>) -> Result<Value> {
    Ok(Value::from(String::from_utf8_lossy(&bytes?).into_owned()))
}

fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

fn hex_decode(s: &str) -> Result<Vec<u8>> {
    let digits = s.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return Err(anyhow!("decode failure: odd length"));
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            hex_byte(pair[0], pair[1])
                .ok_or_else(|| anyhow!("decode failure: invalid hex at byte {}", 2 * i))
        })
        .collect()
}

/// The byte two hex digits (either case) spell, if they are hex digits.
pub(crate) fn hex_byte(hi: u8, lo: u8) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    u8::try_from(digit(hi)? * 16 + digit(lo)?).ok()
}
