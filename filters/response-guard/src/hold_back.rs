//! How much streamed output must stay held back from the client, derived from what this
//! configuration can match.
//!
//! A match is decided only once the bytes that could still change the decision have arrived:
//! for a phrase, about its length after its start (context rules look at what follows), so the
//! scanner's undecided tail is at most about twice the longest active phrase or canary. URLs are
//! judged once they end, or on their first `window / 2` bytes (a longer URL to an outside host
//! counts as carrying data). The runtime's `stream.hold_back_bytes` is the cap: it must hold at
//! least the [`HoldBackPlan::floor`], and the scanner never keeps more than the cap.

use crate::config::Config;
use parapet_moderation::{Action, Category, Moderator};
use parapet_runtime::prelude::ConfigError;

/// Default `stream.hold_back_bytes` (the cap): room for the longest built-in phrase with its
/// context, and for URLs to be judged on their first 128 bytes.
pub const DEFAULT_HOLD_BACK_BYTES: usize = 256;

/// Length of the canary the filter inserts into system prompts (`pcn-` + 20 hex digits).
pub const INSERTED_CANARY_BYTES: usize = 24;

/// Bytes after a decided span's end the runtime may still have released with it (event
/// granularity) — a margin on top of twice the longest pattern.
const MARGIN_BYTES: usize = 32;

/// Shortest URL prefix worth judging when links are checked: shorter windows would treat most
/// ordinary links to outside hosts as too long to judge.
const MIN_URL_JUDGED_BYTES: usize = 64;

/// What a configuration needs held back, and what drives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldBackPlan {
    /// Bytes the scanner may need to hold: twice the longest active phrase or canary plus a
    /// margin, and twice the URL prefix judged when links are checked.
    pub floor: usize,
    /// The pattern that sets the floor (for error messages and docs).
    pub driver: String,
    /// Bytes a URL is judged on: `min(links.max_url_bytes, window / 2)`.
    pub url_judged_bytes: usize,
    /// The window in effect: the runtime's `stream.hold_back_bytes`.
    pub window: usize,
}

impl HoldBackPlan {
    /// Derives the plan of `cfg` (compiled into `moderator`) under the cap `window`; an error
    /// names `stream.hold_back_bytes` when the cap is below what the active patterns need.
    pub fn derive(
        cfg: &Config,
        moderator: &Moderator,
        window: usize,
    ) -> Result<HoldBackPlan, ConfigError> {
        let mut needs: Vec<(usize, String)> = vec![(
            2 * moderator.max_pattern_bytes() + MARGIN_BYTES,
            format!(
                "the longest lexicon phrase or configured term ({} bytes)",
                moderator.max_pattern_bytes()
            ),
        )];
        if moderator.action(Category::PromptLeak) != Action::Off {
            let configured = cfg.leak.canaries.iter().map(|c| c.len()).max();
            let inserted = cfg.leak.insert_canary.then_some(INSERTED_CANARY_BYTES);
            if let Some(longest) = configured.max(inserted) {
                needs.push((
                    2 * longest + MARGIN_BYTES,
                    format!("the longest canary ({longest} bytes)"),
                ));
            }
        }
        let links_checked = [
            Category::Exfiltration,
            Category::UntrustedLink,
            Category::DataUri,
        ]
        .into_iter()
        .any(|c| moderator.action(c) != Action::Off)
            || cfg.links.raw_url_with_data != Action::Off;
        if links_checked {
            let url = cfg.links.max_url_bytes.min(MIN_URL_JUDGED_BYTES);
            needs.push((
                2 * url,
                format!("judging links on at least their first {url} bytes"),
            ));
        }
        let (floor, driver) = needs
            .into_iter()
            .max_by_key(|(n, _)| *n)
            .unwrap_or((0, String::new()));
        if window < floor {
            return Err(ConfigError::at(
                "stream.hold_back_bytes",
                format!(
                    "response-guard needs at least {floor} bytes to catch {driver} across stream events (got {window})"
                ),
            ));
        }
        Ok(HoldBackPlan {
            floor,
            driver,
            url_judged_bytes: cfg.links.max_url_bytes.min(window / 2),
            window,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(json: &str, window: usize) -> Result<HoldBackPlan, ConfigError> {
        let cfg: Config = serde_json::from_str(json).unwrap();
        let m = Moderator::new(&cfg.moderation(window)).unwrap();
        HoldBackPlan::derive(&cfg, &m, window)
    }

    #[test]
    fn the_default_cap_holds_what_the_default_config_needs() {
        let p = plan("{}", DEFAULT_HOLD_BACK_BYTES).unwrap();
        assert!(p.floor <= DEFAULT_HOLD_BACK_BYTES, "{p:?}");
        assert_eq!(p.url_judged_bytes, DEFAULT_HOLD_BACK_BYTES / 2);
    }

    #[test]
    fn longer_terms_and_canaries_raise_the_floor() {
        let base = plan("{}", 4096).unwrap().floor;
        let term = "x".repeat(150);
        let p = plan(&format!(r#"{{"terms":{{"violence":["{term}"]}}}}"#), 4096).unwrap();
        assert_eq!(p.floor, 2 * 150 + MARGIN_BYTES);
        assert!(p.floor > base);
        let canary = "c".repeat(120);
        let p = plan(&format!(r#"{{"leak":{{"canaries":["{canary}"]}}}}"#), 4096).unwrap();
        assert_eq!(p.floor, 2 * 120 + MARGIN_BYTES);
        assert!(p.driver.contains("canary"), "{p:?}");
        // A cap below the floor is a config error naming the field and the need.
        let e = plan(&format!(r#"{{"terms":{{"violence":["{term}"]}}}}"#), 256).unwrap_err();
        assert_eq!(e.path, "stream.hold_back_bytes");
        assert!(e.message.contains("332"), "{}", e.message);
    }

    #[test]
    fn without_link_checks_only_phrases_count() {
        let off = r#"{"categories":{"exfiltration":{"action":"off"},"untrusted_link":{"action":"off"},
            "data_uri":{"action":"off"}},"links":{"raw_url_with_data":"off"}}"#;
        let with = plan("{}", 4096).unwrap();
        let without = plan(off, 4096).unwrap();
        assert!(without.floor <= with.floor);
        assert!(!without.driver.contains("link"), "{without:?}");
    }
}
