//! A bounded cache of decisions, keyed by the entry point and the part of the input the policy
//! reads (its [footprint](crate::footprint)).
//!
//! Two generations instead of an LRU list: new and recently used entries live in `hot`; when
//! `hot` holds half the capacity it becomes `cold` (the old `cold` is dropped) and a hit in
//! `cold` moves the entry back to `hot`. Entries in use survive, the rest age out, at most
//! `capacity` are held, and each lookup is one or two hash probes with no bookkeeping.
use std::collections::HashMap;

use regorus::Value;

use crate::Decision;

pub(crate) struct DecisionCache {
    /// The footprint's paths, each part already an engine value (no allocation per lookup).
    paths: Vec<Vec<Value>>,
    capacity: usize,
    /// `hot` turns cold at this size: at most `capacity` entries in the two.
    half: usize,
    hot: HashMap<String, Decision>,
    cold: HashMap<String, Decision>,
    key: String,
    pub(crate) stats: CacheStats,
}

/// How the cache has done since the policy was compiled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
}

impl DecisionCache {
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn new(paths: &[Vec<String>], capacity: usize) -> Self {
        DecisionCache {
            paths: paths
                .iter()
                .map(|p| p.iter().map(|part| Value::from(part.as_str())).collect())
                .collect(),
            capacity,
            half: (capacity / 2).max(1),
            hot: HashMap::new(),
            cold: HashMap::new(),
            key: String::new(),
            stats: CacheStats::default(),
        }
    }

    /// Looks up the decision of `entrypoint` for `input`, keeping the key for [`Self::insert`].
    pub(crate) fn get(&mut self, entrypoint: &str, input: &Value) -> Option<Decision> {
        self.key = key(entrypoint, &self.paths, input);
        if let Some(d) = self.hot.get(&self.key) {
            self.stats.hits += 1;
            return Some(d.clone());
        }
        if let Some(d) = self.cold.remove(&self.key) {
            self.stats.hits += 1;
            self.put(self.key.clone(), d.clone());
            return Some(d);
        }
        self.stats.misses += 1;
        None
    }

    /// Stores the decision for the key of the last [`Self::get`].
    pub(crate) fn insert(&mut self, decision: &Decision) {
        let key = std::mem::take(&mut self.key);
        self.put(key, decision.clone());
    }

    fn put(&mut self, key: String, decision: Decision) {
        if self.hot.len() >= self.half {
            self.cold = std::mem::take(&mut self.hot);
        }
        self.hot.insert(key, decision);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.hot.len() + self.cold.len()
    }
}

/// The entry point, then each path's value as JSON (`\u{1}` when the path is undefined), split
/// by NUL: JSON text never holds a raw NUL or `\u{1}`, so distinct inputs give distinct keys.
fn key(entrypoint: &str, paths: &[Vec<Value>], input: &Value) -> String {
    let mut key = String::with_capacity(128);
    key.push_str(entrypoint);
    for path in paths {
        key.push('\0');
        let mut v = input;
        for part in path {
            v = &v[part];
        }
        match v {
            Value::Undefined => key.push('\u{1}'),
            v => match serde_json::to_string(v) {
                Ok(json) => key.push_str(&json),
                // Not expected for values built from JSON; an unrepresentable value only costs
                // distinctness with other unrepresentable values, so mark it by its debug form.
                Err(_) => key.push_str(&format!("\u{2}{v:?}")),
            },
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> Value {
        Value::from_json_str(json).unwrap()
    }

    fn decision(allow: bool) -> Decision {
        Decision::from_json(&serde_json::json!({"allow": allow})).unwrap()
    }

    #[test]
    fn inputs_that_agree_on_the_footprint_share_an_entry() {
        let paths = vec![vec!["llm".to_string(), "model".to_string()]];
        let mut c = DecisionCache::new(&paths, 8);
        assert!(c
            .get("e", &input(r#"{"llm":{"model":"a"},"id":1}"#))
            .is_none());
        c.insert(&decision(true));
        assert!(c
            .get("e", &input(r#"{"llm":{"model":"a"},"id":2}"#))
            .is_some());
        assert!(c
            .get("e", &input(r#"{"llm":{"model":"b"},"id":1}"#))
            .is_none());
        assert!(c.get("other", &input(r#"{"llm":{"model":"a"}}"#)).is_none());
        assert_eq!(c.stats, CacheStats { hits: 1, misses: 3 });
    }

    #[test]
    fn undefined_null_and_the_string_null_are_three_keys() {
        let paths = vec![vec!["a".to_string()]];
        let keys: Vec<String> = [
            r#"{}"#,
            r#"{"a":null}"#,
            r#"{"a":"null"}"#,
            r#"{"a":"\u0001"}"#,
        ]
        .iter()
        .map(|j| key("e", &DecisionCache::new(&paths, 2).paths, &input(j)))
        .collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn at_most_capacity_entries_are_held_and_entries_in_use_survive() {
        let paths = vec![vec!["n".to_string()]];
        let mut c = DecisionCache::new(&paths, 4);
        let hot = input(r#"{"n":0}"#);
        for n in 0..100 {
            if c.get("e", &hot).is_none() {
                c.insert(&decision(true));
            }
            if c.get("e", &input(&format!(r#"{{"n":{}}}"#, n + 1)))
                .is_none()
            {
                c.insert(&decision(false));
            }
            assert!(c.len() <= 4, "{} entries", c.len());
        }
        // The entry looked up every round was evaluated once.
        assert_eq!(c.stats.misses, 1 + 100);
    }
}
