//! `glob.match`, `regex.match` and `regex.find_n` with their compiled automata kept across
//! evaluations.
//!
//! Why: regorus's own builtins keep compiled patterns in an LRU cache (its `cache` feature), but
//! hand out a *clone* of the cached `Regex`/`GlobMatcher` per call, and cloning a `regex::Regex`
//! gives it a fresh, empty matching cache: every call allocated new lazy-DFA tables and built
//! its DFA states again (measured: half the cost of the example policy's request decision's
//! `glob.match`, most of a tool-call response decision). Here the compiled pattern is borrowed,
//! never cloned, so its matching cache warms once per policy.
//!
//! They are installed as engine extensions under the builtins' own names; regorus looks an
//! extension up before a builtin of the same name, and a policy's own function of that name still
//! wins over both, as it did over the builtin. Arguments, results and how patterns are compiled
//! (the same `regex` and `globset` builders, the same size limit, the same delimiter handling)
//! follow regorus 0.14's builtins line by line; a bad argument or pattern is an error, as the
//! builtins' are under `strict_builtin_errors`, which [`crate::Policy`] always sets.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Result};
use globset::{GlobBuilder, GlobMatcher};
use regex::{Regex, RegexBuilder};
use regorus::{Engine, Value};

/// regorus's limit on a compiled regex (`REGEX_SIZE_LIMIT`): a pattern it refuses, this refuses.
const REGEX_SIZE_LIMIT: usize = 100 * 1024;

/// Patterns kept per policy. Patterns normally come from the policy or its data (a handful); one
/// built from input could be new on every request, so past this many a pattern is compiled for
/// the call and dropped, as before.
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

    /// Runs `f` on the compiled `pattern`, compiling it first when it is not kept yet.
    fn with<R>(
        &self,
        pattern: &str,
        compile: impl FnOnce(&str) -> Result<T>,
        f: impl FnOnce(&T) -> R,
    ) -> Result<R> {
        // A poisoned lock only means an earlier call panicked; the map itself is intact.
        let mut map = self.by_pattern.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(compiled) = map.get(pattern) {
            return Ok(f(compiled));
        }
        let compiled = compile(pattern)?;
        let result = f(&compiled);
        if map.len() < MAX_CACHED {
            map.insert(pattern.to_string(), compiled);
        }
        Ok(result)
    }
}

/// Installs the three builtins on `engine` (before any evaluation).
pub(crate) fn install(engine: &mut Engine) -> Result<()> {
    let globs = Compiled::<GlobMatcher>::new();
    engine.add_extension(
        "glob.match".to_string(),
        3,
        Box::new(move |args: Vec<Value>| glob_match(&globs, &args)),
    )?;
    let regexes = Compiled::<Regex>::new();
    let shared = Arc::clone(&regexes);
    engine.add_extension(
        "regex.match".to_string(),
        2,
        Box::new(move |args: Vec<Value>| regex_match(&shared, &args)),
    )?;
    engine.add_extension(
        "regex.find_n".to_string(),
        3,
        Box::new(move |args: Vec<Value>| regex_find_n(&regexes, &args)),
    )?;
    Ok(())
}

fn string<'a>(name: &str, position: usize, v: &'a Value) -> Result<&'a str> {
    match v {
        Value::String(s) => Ok(s.as_ref()),
        _ => bail!("`{name}` expects string argument {position}"),
    }
}

fn compile_regex(pattern: &str) -> Result<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                anyhow!("regex exceeds the size limit of {REGEX_SIZE_LIMIT} bytes")
            }
            _ => anyhow!("invalid regex"),
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

/// `regex.find_n(pattern, value, n)`: at most `n` matches (all when `n` is negative).
fn regex_find_n(regexes: &Compiled<Regex>, args: &[Value]) -> Result<Value> {
    let pattern = string("regex.find_n", 1, &args[0])?;
    let value = string("regex.find_n", 2, &args[1])?;
    let n = match &args[2] {
        Value::Number(n) => n,
        _ => bail!("`regex.find_n` expects numeric argument 3"),
    };
    let n = match n.as_i64() {
        _ if !n.is_integer() => None,
        Some(n) if n < 0 => Some(usize::MAX),
        Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        None => Some(usize::MAX),
    };
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

/// Stands in for `/` while `/` is not a delimiter (globset treats `/` as the separator).
const PLACE_HOLDER: &str = "\0";

/// `glob.match(pattern, delimiters, value)`: `delimiters` null means none, an empty array means
/// `["."]`.
fn glob_match(globs: &Compiled<GlobMatcher>, args: &[Value]) -> Result<Value> {
    let pattern = string("glob.match", 1, &args[0])?;
    let value = string("glob.match", 3, &args[2])?;
    let (pattern, value) = match &args[1] {
        Value::Null => (
            pattern.replace('/', PLACE_HOLDER),
            value.replace('/', PLACE_HOLDER),
        ),
        Value::Array(items) => {
            let mut delimiters = Vec::with_capacity(items.len());
            for item in items.iter() {
                let Value::String(d) = item else {
                    bail!("`glob.match` expects array of strings as argument 2");
                };
                // One byte, as regorus checks it: a delimiter outside ASCII is refused too.
                if d.len() > 1 {
                    bail!("delimiters must be single character");
                }
                delimiters.extend(d.chars().next());
            }
            if delimiters.is_empty() {
                delimiters.push('.');
            }
            (
                with_unix_delimiters(pattern, &delimiters)?,
                with_unix_delimiters(value, &delimiters)?,
            )
        }
        _ => bail!("glob.match requires string array"),
    };
    globs
        .with(&pattern, compile_glob, |glob| glob.is_match(&value))
        .map(Value::Bool)
}

fn compile_glob(pattern: &str) -> Result<GlobMatcher> {
    Ok(GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|_| anyhow!("invalid glob"))?
        .compile_matcher())
}

/// Rewrites `s` so that each delimiter separates path components for globset (`*` never crosses
/// one): `/` is kept only when it is a delimiter, `:` becomes the placeholder, any other
/// delimiter `d` becomes `/d/`.
fn with_unix_delimiters(s: &str, delimiters: &[char]) -> Result<String> {
    if s.contains(PLACE_HOLDER) {
        bail!("string contains internal glob placeholder");
    }
    let mut s = if delimiters.contains(&'/') {
        s.to_string()
    } else {
        s.replace('/', PLACE_HOLDER)
    };
    for d in delimiters {
        if *d == ':' {
            s = s.replace(*d, PLACE_HOLDER);
        } else if *d != '/' {
            s = s.replace(*d, &format!("/{d}/"));
        }
    }
    Ok(s)
}
