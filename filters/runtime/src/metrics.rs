//! Metric names: one convention across filters.
//!
//! `parapet_<filter>_<thing>_total[.<tag>.<value>]...` for counters and
//! `parapet_<filter>_<thing>` for histograms and gauges, where `<filter>` is the filter name with
//! `-` turned into `_`. Tag values are `[a-z0-9_]` (anything else becomes `_`).
//!
//! | metric | type | tags |
//! |---|---|---|
//! | `parapet_<f>_requests_total` | counter | — (requests the filter inspected) |
//! | `parapet_<f>_actions_total` | counter | `action` (allow/rewrite/block/error), `mode` |
//! | `parapet_<f>_detections_total` | counter | `category` |
//! | `parapet_<f>_errors_total` | counter | `kind` |
//! | `parapet_<f>_bytes_scanned_total` | counter | — |
//! | `parapet_<f>_work_us` | histogram | — (microseconds of the filter's own work per call) |
//!
//! Envoy shows them as `wasmcustom.parapet_prompt_guard_actions_total.action.block.mode.enforce`.
//! With these `stats_config.stats_tags` the tag parts become Prometheus labels
//! (`parapet_prompt_guard_actions_total{action="block",mode="enforce"}`):
//! ```yaml
//! stats_config:
//!   stats_tags:
//!   - {tag_name: action,   regex: '^wasmcustom\.parapet_.*?(\.action\.([a-z0-9_]+))'}
//!   - {tag_name: mode,     regex: '^wasmcustom\.parapet_.*?(\.mode\.([a-z0-9_]+))'}
//!   - {tag_name: category, regex: '^wasmcustom\.parapet_.*?(\.category\.([a-z0-9_]+))'}
//!   - {tag_name: kind,     regex: '^wasmcustom\.parapet_.*?(\.kind\.([a-z0-9_]+))'}
//! ```
//! Kong's Prometheus plugin sees `pw:<filter>:<name>`; the same regexes go into the filter's
//! `<filter>.meta.json` `metrics.label_patterns`.

use std::cell::RefCell;
use std::rc::Rc;

/// Prefix for all of a filter's metrics: `parapet_prompt_guard`.
pub fn prefix(filter: &str) -> String {
    format!("parapet_{}", sanitize(filter))
}

/// A metric name with tags: `name(filter, "actions_total", &[("action","block")])`.
pub fn name(filter: &str, thing: &str, tags: &[(&str, &str)]) -> String {
    let mut out = format!("{}_{}", prefix(filter), sanitize(thing));
    for (tag, value) in tags {
        out.push('.');
        out.push_str(&sanitize(tag));
        out.push('.');
        out.push_str(&sanitize(value));
    }
    out
}

/// [`name`], memoized per VM: the same few names are asked for on every request, and building
/// one (formatting and sanitizing each part) cost more than some filters' own work. A hit
/// allocates nothing; the cache holds one entry per distinct (filter, thing, tags), which
/// is bounded by the filters' fixed metric set and the configured categories.
pub fn cached(filter: &str, thing: &str, tags: &[(&str, &str)]) -> Rc<str> {
    /// Cap on distinct names kept (tag values come from config, but stay safe if they did not).
    const MAX_ENTRIES: usize = 256;
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        let hit = names.iter().find(|e| {
            e.thing == thing
                && e.filter == filter
                && e.tags.len() == tags.len()
                && e.tags
                    .iter()
                    .zip(tags)
                    .all(|((k, v), (tk, tv))| k == tk && v == tv)
        });
        if let Some(e) = hit {
            return e.name.clone();
        }
        let name: Rc<str> = Rc::from(self::name(filter, thing, tags));
        if names.len() < MAX_ENTRIES {
            names.push(CachedName {
                filter: filter.to_string(),
                thing: thing.to_string(),
                tags: tags
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                name: name.clone(),
            });
        }
        name
    })
}

struct CachedName {
    filter: String,
    thing: String,
    tags: Vec<(String, String)>,
    name: Rc<str>,
}

thread_local! {
    static NAMES: RefCell<Vec<CachedName>> = const { RefCell::new(Vec::new()) };
}

/// Lower-case `[a-z0-9_]`; everything else becomes `_`; empty becomes `unknown`.
pub fn sanitize(s: &str) -> String {
    if s.is_empty() {
        return "unknown".to_string();
    }
    s.chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_convention() {
        assert_eq!(
            name("prompt-guard", "requests_total", &[]),
            "parapet_prompt_guard_requests_total"
        );
        assert_eq!(
            name(
                "pii-redact",
                "actions_total",
                &[("action", "block"), ("mode", "enforce")]
            ),
            "parapet_pii_redact_actions_total.action.block.mode.enforce"
        );
        assert_eq!(
            name(
                "x",
                "detections_total",
                &[("category", "Prompt Injection!")]
            ),
            "parapet_x_detections_total.category.prompt_injection_"
        );
        assert_eq!(sanitize(""), "unknown");
    }

    #[test]
    fn cached_names_equal_built_names() {
        for _ in 0..2 {
            assert_eq!(
                &*cached(
                    "pii-redact",
                    "actions_total",
                    &[("action", "block"), ("mode", "enforce")]
                ),
                name(
                    "pii-redact",
                    "actions_total",
                    &[("action", "block"), ("mode", "enforce")]
                )
            );
            assert_eq!(
                &*cached(
                    "pii-redact",
                    "actions_total",
                    &[("action", "allow"), ("mode", "enforce")]
                ),
                "parapet_pii_redact_actions_total.action.allow.mode.enforce"
            );
            assert_eq!(&*cached("x", "work_us", &[]), "parapet_x_work_us");
        }
    }
}
