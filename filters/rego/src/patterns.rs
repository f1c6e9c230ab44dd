//! The `regex.*` and `glob.*` builtins, on `regex-lite`, with compiled patterns kept across
//! evaluations.
//!
//! Why not regorus's own: its `regex` and `glob` features link the `regex` crate (lazy DFA,
//! Unicode tables) and `globset` on top of it — 0.6 MB of policy.wasm's 2.3 MB, for patterns
//! that are a few dozen bytes long and run over a few hundred bytes of tool-call arguments.
//! `regex-lite` is linear-time too (no backtracking on untrusted text), and its syntax is the
//! RE2 syntax OPA's Go `regexp` speaks, with the same ASCII-only `\d`, `\s`, `\w` and `\b`
//! (regorus's `regex` made them Unicode-aware). What it lacks: Unicode classes (`\p{Greek}`)
//! and Unicode case folding under `(?i)` (ASCII letters only); a pattern using a class is an
//! "invalid regex" error, which fails the decision closed.
//!
//! Also why: regorus's builtins hand out a *clone* of the cached compiled pattern per call,
//! which starts with an empty matching cache. Here the compiled pattern is borrowed, never cloned.
//!
//! They are installed as engine extensions under the builtins' names; a policy's own function of
//! that name still wins, and Rego tests can still replace them with `with`. Bad arguments and
//! bad patterns are errors (the policy always runs with strict builtin errors), except where
//! regorus and OPA answer otherwise (`regex.is_valid` is false, `regex.replace` undefined).
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Result};
use regex_lite::{Regex, RegexBuilder};
use regorus::{Engine, Value};

/// regorus's limit on a compiled regex (`REGEX_SIZE_LIMIT`): a pattern it refused, this refuses.
const REGEX_SIZE_LIMIT: usize = 100 * 1024;

/// Patterns kept per policy. Patterns normally come from the policy or its data (a handful); one
/// built from input could be new on every request, so past this many a pattern is compiled for
/// the call and dropped.
const MAX_CACHED: usize = 256;

/// Compiled patterns by source text, shared by the clones of one extension.
struct Compiled<T> {
    by_pattern: Mutex<HashMap<String, T>>,
}

impl<T> Compiled<T> {
    fn new() -> Arc<Self> {
        Arc::new(Compiled {
            by_pattern: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `f` on the compiled `key`, compiling it first when it is not kept yet.
    fn with<R>(
        &self,
        key: &str,
        compile: impl FnOnce(&str) -> Result<T>,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R> {
        // A poisoned lock only means an earlier call panicked; the map itself is intact.
        let mut map = self.by_pattern.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(compiled) = map.get(key) {
            return Ok(f(compiled));
        }
        let compiled = compile(key)?;
        let result = f(&compiled);
        if map.len() < MAX_CACHED {
            map.insert(key.to_string(), compiled);
        }
        Ok(result)
    }
}

/// Installs the builtins on `engine` (before any evaluation).
pub(crate) fn install(engine: &mut Engine) -> Result<()> {
    let regexes = Compiled::<Regex>::new();
    let with_regexes = |f: fn(&Compiled<Regex>, &[Value]) -> Result<Value>| {
        let regexes = Arc::clone(&regexes);
        Box::new(move |args: Vec<Value>| f(&regexes, &args))
    };
    engine.add_extension("regex.match".into(), 2, with_regexes(regex_match))?;
    engine.add_extension("regex.find_n".into(), 3, with_regexes(regex_find_n))?;
    engine.add_extension(
        "regex.find_all_string_submatch_n".into(),
        3,
        with_regexes(regex_find_all_string_submatch_n),
    )?;
    engine.add_extension("regex.split".into(), 2, with_regexes(regex_split))?;
    engine.add_extension("regex.replace".into(), 3, with_regexes(regex_replace))?;
    engine.add_extension("regex.is_valid".into(), 1, with_regexes(regex_is_valid))?;
    engine.add_extension(
        "regex.template_match".into(),
        4,
        with_regexes(regex_template_match),
    )?;
    let globs = Compiled::<Regex>::new();
    engine.add_extension(
        "glob.match".into(),
        3,
        Box::new(move |args: Vec<Value>| glob_match(&globs, &args)),
    )?;
    engine.add_extension(
        "glob.quote_meta".into(),
        1,
        Box::new(|args: Vec<Value>| glob_quote_meta(&args)),
    )?;
    Ok(())
}

pub(crate) fn string<'a>(name: &str, position: usize, v: &'a Value) -> Result<&'a str> {
    match v {
        Value::String(s) => Ok(s.as_ref()),
        _ => bail!("`{name}` expects string argument {position}"),
    }
}

/// A pattern over [`REGEX_SIZE_LIMIT`]: an error even for the builtins that answer a bad
/// pattern with false or undefined (a resource limit, as regorus treats it).
#[derive(Debug)]
struct SizeLimitExceeded;

impl std::fmt::Display for SizeLimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "regex exceeds the size limit of {REGEX_SIZE_LIMIT} bytes"
        )
    }
}

impl std::error::Error for SizeLimitExceeded {}

fn compile_regex(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            // regex-lite has one error type; its message tells a size refusal from a syntax one.
            if e.to_string().contains("size limit") {
                anyhow::Error::new(SizeLimitExceeded)
            } else {
                anyhow!("invalid regex")
            }
        })
}

/// `n` of the `_n` builtins: at most `n` results, all when negative; an error when fractional.
fn count_arg(name: &str, v: &Value) -> Result<Option<usize>> {
    let n = match v {
        Value::Number(n) => n,
        _ => bail!("`{name}` expects numeric argument 3"),
    };
    Ok(match n.as_i64() {
        _ if !n.is_integer() => None,
        Some(n) if n < 0 => Some(usize::MAX),
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => Some(usize::MAX),
    })
}

/// `regex.match(pattern, value)`.
fn regex_match(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let pattern = string("regex.match", 1, &args[0])?;
    let value = string("regex.match", 2, &args[1])?;
    regexes
        .with(pattern, compile_regex, |re| re.is_match(value))
        .map(Value::Bool)
}

/// `regex.find_n(pattern, value, n)`: the first `n` matches.
fn regex_find_n(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let pattern = string("regex.find_n", 1, &args[0])?;
    let value = string("regex.find_n", 2, &args[1])?;
    let n = count_arg("regex.find_n", &args[2])?;
    // The pattern is compiled before `n` is checked, as regorus does: an invalid pattern is the
    // error named.
    regexes.with(pattern, compile_regex, |re| {
        let n = n.ok_or_else(|| anyhow!("n must be an integer"))?;
        Ok(Value::from(
            re.find_iter(value)
                .take(n)
                .map(|m| Value::from(m.as_str()))
                .collect::<Vec<Value>>(),
        ))
    })?
}

/// `regex.find_all_string_submatch_n(pattern, value, n)`: the first `n` matches, each as the
/// array of its groups (the whole match first; "" for a group that did not take part).
fn regex_find_all_string_submatch_n(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    const NAME: &str = "regex.find_all_string_submatch_n";
    let pattern = string(NAME, 1, &args[0])?;
    let value = string(NAME, 2, &args[1])?;
    let n = count_arg(NAME, &args[2])?;
    regexes.with(pattern, compile_regex, |re| {
        let n = n.ok_or_else(|| anyhow!("n must be an integer"))?;
        Ok(Value::from(
            re.captures_iter(value)
                .take(n)
                .map(|groups| {
                    Value::from(
                        groups
                            .iter()
                            .map(|g| Value::from(g.map_or("", |m| m.as_str())))
                            .collect::<Vec<Value>>(),
                    )
                })
                .collect::<Vec<Value>>(),
        ))
    })?
}

/// `regex.split(pattern, value)`.
fn regex_split(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let pattern = string("regex.split", 1, &args[0])?;
    let value = string("regex.split", 2, &args[1])?;
    regexes.with(pattern, compile_regex, |re| {
        Value::from(re.split(value).map(Value::from).collect::<Vec<Value>>())
    })
}

/// `regex.replace(value, pattern, replacement)`: every match replaced (`$1`, `${name}` expand).
/// An invalid pattern gives undefined, as in regorus (OPA's own tests expect no error).
fn regex_replace(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let value = string("regex.replace", 1, &args[0])?;
    let pattern = string("regex.replace", 2, &args[1])?;
    let replacement = string("regex.replace", 3, &args[2])?;
    match regexes.with(pattern, compile_regex, |re| {
        Value::from(re.replace_all(value, replacement).into_owned())
    }) {
        Ok(v) => Ok(v),
        Err(e) if e.is::<SizeLimitExceeded>() => Err(e),
        Err(_) => Ok(Value::Undefined),
    }
}

/// `regex.is_valid(pattern)`: false for a bad pattern or a non-string.
fn regex_is_valid(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let Value::String(pattern) = &args[0] else {
        return Ok(Value::Bool(false));
    };
    match regexes.with(pattern, compile_regex, |_| ()) {
        Ok(()) => Ok(Value::Bool(true)),
        Err(e) if e.is::<SizeLimitExceeded>() => Err(e),
        Err(_) => Ok(Value::Bool(false)),
    }
}

/// `regex.template_match(template, value, start, end)`: the template's literal text must equal
/// the value's, and each `start`…`end` part is a pattern that must match the value there.
/// Follows regorus 0.14's algorithm, without its out-of-range slicing (a value shorter than the
/// template's literal text is simply no match).
fn regex_template_match(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    const NAME: &str = "regex.template_match";
    let mut template = string(NAME, 1, &args[0])?;
    let mut value = string(NAME, 2, &args[1])?;
    let open = string(NAME, 3, &args[2])?;
    let close = string(NAME, 4, &args[3])?;
    while let (Some(start), Some(end)) = (template.find(open), template.find(close)) {
        if start >= end {
            return Ok(Value::Undefined);
        }
        if value.get(..start) != Some(&template[..start]) {
            return Ok(Value::Bool(false));
        }
        value = &value[start..];
        let pattern = template.get(start + open.len()..end).unwrap_or_default();
        let matched = regexes.with(pattern, compile_regex, |re| {
            re.find(value).filter(|m| m.start() == 0).map(|m| m.end())
        })?;
        let Some(matched) = matched else {
            return Ok(Value::Bool(false));
        };
        value = &value[matched..];
        template = &template[end + close.len()..];
    }
    Ok(Value::Bool(template == value))
}

/// `glob.match(pattern, delimiters, value)`: OPA's glob syntax (`*` stays within delimiters,
/// `**` crosses them, `?` is one character other than a delimiter, `[a-z]`, `[!a-z]`, `{a,b}`,
/// `\` escapes). `delimiters` null means none; an empty array means `["."]`.
fn glob_match(globs: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let pattern = string("glob.match", 1, &args[0])?;
    let value = string("glob.match", 3, &args[2])?;
    let delimiters = match &args[1] {
        Value::Null => String::new(),
        Value::Array(items) => {
            let mut delimiters = String::new();
            for item in items.iter() {
                let Value::String(d) = item else {
                    bail!("`glob.match` expects array of strings as argument 2");
                };
                // One byte, as regorus checks it: a delimiter outside ASCII is refused too.
                if d.len() > 1 {
                    bail!("delimiters must be single character");
                }
                delimiters.push_str(d);
            }
            if delimiters.is_empty() {
                delimiters.push('.');
            }
            delimiters
        }
        _ => bail!("glob.match requires string array"),
    };
    // The cache key: how many delimiters (each one byte, checked above), them, the pattern.
    let key = format!("{}:{delimiters}{pattern}", delimiters.len());
    let compile = |_: &str| {
        compile_regex(&glob_to_regex(pattern, &delimiters).ok_or_else(|| anyhow!("invalid glob"))?)
    };
    globs
        .with(&key, compile, |re| re.is_match(value))
        .map(Value::Bool)
}

/// The anchored regex for a glob, or None when the glob is malformed (an unclosed `[` or `{`,
/// a trailing `\`, an empty class).
pub(crate) fn glob_to_regex(pattern: &str, delimiters: &str) -> Option<String> {
    // One character other than a delimiter, and any run of them.
    let single = if delimiters.is_empty() {
        "(?s:.)".to_string()
    } else {
        let mut class = String::from("[^");
        for d in delimiters.chars() {
            push_class_char(&mut class, d);
        }
        class.push(']');
        class
    };
    let mut out = String::from("^(?:");
    let mut chars = pattern.chars().peekable();
    // Open `{` groups: inside one, `,` separates alternatives.
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("(?s:.)*");
            }
            '*' => {
                out.push_str(&single);
                out.push('*');
            }
            '?' => out.push_str(&single),
            '\\' => push_literal(&mut out, chars.next()?),
            '[' => {
                let mut class = String::from("[");
                if chars.peek() == Some(&'!') {
                    chars.next();
                    class.push('^');
                }
                let mut members = 0;
                loop {
                    match chars.next()? {
                        ']' => break,
                        '-' if members > 0 && chars.peek().is_some_and(|&n| n != ']') => {
                            class.push('-');
                        }
                        m => {
                            push_class_char(&mut class, m);
                            members += 1;
                        }
                    }
                }
                if members == 0 {
                    return None;
                }
                class.push(']');
                out.push_str(&class);
            }
            '{' => {
                depth += 1;
                out.push_str("(?:");
            }
            '}' if depth > 0 => {
                depth -= 1;
                out.push(')');
            }
            ',' if depth > 0 => out.push('|'),
            c => push_literal(&mut out, c),
        }
    }
    if depth > 0 {
        return None;
    }
    out.push_str(")$");
    Some(out)
}

fn push_literal(out: &mut String, c: char) {
    let mut buf = [0u8; 4];
    out.push_str(&regex_lite::escape(c.encode_utf8(&mut buf)));
}

fn push_class_char(class: &mut String, c: char) {
    if matches!(c, '\\' | ']' | '[' | '^' | '-' | '&' | '~') {
        class.push('\\');
    }
    class.push(c);
}

/// `glob.quote_meta(pattern)`: the glob's special characters escaped, so it matches itself.
fn glob_quote_meta(args: &[Value]) -> Result<Value> {
    let pattern = string("glob.quote_meta", 1, &args[0])?;
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if matches!(c, '*' | '?' | '\\' | '[' | ']' | '{' | '}') {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::glob_to_regex;

    #[test]
    fn globs_become_anchored_regexes_that_stop_at_delimiters() {
        assert_eq!(
            glob_to_regex("*.example.com", ".").unwrap(),
            r"^(?:[^.]*\.example\.com)$"
        );
        assert_eq!(glob_to_regex("a**b", "/").unwrap(), "^(?:a(?s:.)*b)$");
        assert_eq!(glob_to_regex("?", "").unwrap(), "^(?:(?s:.))$");
        assert_eq!(glob_to_regex("{a,b*}", "").unwrap(), "^(?:(?:a|b(?s:.)*))$");
        assert_eq!(glob_to_regex("[!a-c]", ".").unwrap(), "^(?:[^a-c])$");
        assert_eq!(glob_to_regex(r"\*,}", ".").unwrap(), r"^(?:\*,\})$");
        for bad in ["[a-", "[]", "{a,b", "a\\"] {
            assert_eq!(glob_to_regex(bad, "."), None, "{bad}");
        }
    }
}
