//! The `urlquery.*` builtins, as OPA defines them (Go's `url.QueryEscape`, `QueryUnescape`,
//! `Values.Encode` and `ParseQuery`).
//!
//! Why not regorus's own: its `urlquery` feature links the `url` crate with IDNA and Unicode
//! normalisation tables (180 KB of policy.wasm) to escape a query string. And it answers
//! differently from OPA: `urlquery.encode("~*")` is `%7E*` there and `~%2A` in OPA, and
//! `urlquery.decode("a=1&b=2")` loses the `&` there.
use std::collections::BTreeMap;

use anyhow::{bail, Result};
use regorus::{Engine, Value};

use crate::encoding::hex_byte;
use crate::patterns::string;

/// Installs the builtins on `engine` (before any evaluation).
pub(crate) fn install(engine: &mut Engine) -> Result<()> {
    engine.add_extension("urlquery.encode".into(), 1, Box::new(encode_builtin))?;
    engine.add_extension("urlquery.decode".into(), 1, Box::new(decode_builtin))?;
    engine.add_extension(
        "urlquery.encode_object".into(),
        1,
        Box::new(encode_object_builtin),
    )?;
    engine.add_extension(
        "urlquery.decode_object".into(),
        1,
        Box::new(decode_object_builtin),
    )?;
    Ok(())
}

fn encode_builtin(args: Vec<Value>) -> Result<Value> {
    Ok(Value::from(escape(string("urlquery.encode", 1, &args[0])?)))
}

fn decode_builtin(args: Vec<Value>) -> Result<Value> {
    Ok(Value::from(unescape(string(
        "urlquery.decode",
        1,
        &args[0],
    )?)?))
}

/// `urlquery.encode_object({"k": "v" | ["v", …] | {"v", …}})`: `k=v` pairs sorted by key,
/// joined by `&`.
fn encode_object_builtin(args: Vec<Value>) -> Result<Value> {
    const NAME: &str = "urlquery.encode_object";
    let Value::Object(object) = &args[0] else {
        bail!("`{NAME}` expects object argument");
    };
    let mut out = String::new();
    for (key, value) in object.iter_sorted() {
        let key = escape(string(NAME, 1, key)?);
        let values: Vec<&Value> = match value {
            Value::String(_) => vec![value],
            Value::Array(items) => items.iter().collect(),
            Value::Set(items) => items.iter().collect(),
            _ => bail!("`{NAME}` expects string, array of strings or set of strings values"),
        };
        for v in values {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&key);
            out.push('=');
            out.push_str(&escape(string(NAME, 1, v)?));
        }
    }
    Ok(Value::from(out))
}

/// `urlquery.decode_object("a=1&a=2&b")`: `{"a": ["1", "2"], "b": [""]}`.
fn decode_object_builtin(args: Vec<Value>) -> Result<Value> {
    let query = string("urlquery.decode_object", 1, &args[0])?;
    let mut map: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        if pair.contains(';') {
            bail!("invalid semicolon separator in query");
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        map.entry(Value::from(unescape(key)?))
            .or_default()
            .push(Value::from(unescape(value)?));
    }
    Ok(Value::from(
        map.into_iter()
            .map(|(k, v)| (k, Value::from(v)))
            .collect::<BTreeMap<Value, Value>>(),
    ))
}

/// Go's `url.QueryEscape`: letters, digits and `-_.~` stay, a space becomes `+`, every other
/// byte `%XX`.
pub(crate) fn escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    out
}

/// Go's `url.QueryUnescape`: `%XX` and `+` decoded; a malformed escape, or bytes that are not
/// UTF-8 once decoded (Rego strings are text), are an error.
pub(crate) fn unescape(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let pair = bytes.get(i + 1).zip(bytes.get(i + 2));
                let Some(byte) = pair.and_then(|(&hi, &lo)| hex_byte(hi, lo)) else {
                    bail!("invalid URL escape at byte {i}");
                };
                out.push(byte);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| anyhow::anyhow!("decoded query is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::{escape, unescape};

    #[test]
    fn escapes_as_go_query_escape() {
        assert_eq!(escape("a b&c=d/é~*"), "a+b%26c%3Dd%2F%C3%A9~%2A");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn unescape_inverts_escape_and_refuses_malformed_escapes() {
        for s in ["a b&c=d/é~*", "", "100%", "+%+"] {
            assert_eq!(unescape(&escape(s)).unwrap(), s);
        }
        assert_eq!(unescape("a%2fb+c").unwrap(), "a/b c");
        for bad in ["%", "%2", "%zz", "%ff"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }
}
