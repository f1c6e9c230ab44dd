//! Security events: one JSON line per decision that is not a plain allow (and for allows when
//! `events.log_allows` is set), written through `proxy_log` at info level.
//!
//! The schema is `filters/runtime/event.schema.json` (`"schema": "parapet.security_event.v1"`).
//! Events carry rule ids, categories, scores, entity counts, byte spans and *masked* excerpts —
//! never raw matched text, secrets, whole prompts or query strings.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::identity::Identity;
use crate::verdict::{Decision, Finding, Verdict};

/// Value of the `schema` field; bump on incompatible changes.
pub const SCHEMA_ID: &str = "parapet.security_event.v1";

/// Longest masked excerpt (characters).
const EXCERPT_MAX_CHARS: usize = 32;

/// Where in the exchange the decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Request,
    Response,
    Stream,
}

/// Request facts the event repeats (captured in the request-headers phase).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Route {
    pub method: String,
    pub authority: String,
    /// Path without the query string.
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IdentityOut {
    pub source: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SpanOut {
    pub segment: usize,
    pub start: usize,
    pub end: usize,
}

/// One security event (field order is the JSON order).
#[derive(Debug, Clone, Serialize)]
pub struct SecurityEvent {
    pub schema: &'static str,
    pub timestamp: String,
    pub filter: String,
    pub version: String,
    pub request_id: Option<String>,
    pub route: Route,
    pub identity: Option<IdentityOut>,
    pub provider: Option<String>,
    pub api: Option<String>,
    pub model: Option<String>,
    pub phase: Phase,
    /// `allow`, `rewrite`, `block`, or `error` (the filter could not decide).
    pub action: &'static str,
    pub mode: &'static str,
    /// Whether the action was applied (false in monitor mode and for fail-open errors).
    pub enforced: bool,
    /// HTTP status sent to the client when a block was enforced.
    pub status: Option<u16>,
    /// `policy`, `invalid_request`, ... for blocks and errors.
    pub reason: Option<&'static str>,
    /// The message the client was (or would have been) given; authored by the filter.
    pub message: Option<String>,
    pub rule_ids: Vec<String>,
    pub categories: Vec<String>,
    pub scores: BTreeMap<String, f64>,
    pub entities: BTreeMap<String, u64>,
    pub spans: Vec<SpanOut>,
    pub excerpts: Vec<String>,
}

/// Everything about the stream an event needs besides the verdict.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    pub filter: &'static str,
    pub version: &'static str,
    pub request_id: Option<String>,
    pub route: Route,
    pub identity: Option<Identity>,
    pub provider: Option<String>,
    pub api: Option<String>,
    pub model: Option<String>,
}

/// How a decision was carried out.
#[derive(Debug, Clone, Copy)]
pub struct Applied {
    pub phase: Phase,
    pub mode: crate::config::Mode,
    pub enforced: bool,
    pub status: Option<u16>,
}

impl SecurityEvent {
    /// Builds the event for a verdict. `text_of(segment)` gives the text findings point into,
    /// used only to compute masked excerpts.
    pub fn for_verdict<'t>(
        cx: &EventContext,
        verdict: &Verdict,
        applied: Applied,
        now: SystemTime,
        text_of: impl Fn(usize) -> Option<&'t str>,
    ) -> Self {
        let (reason, message) = match &verdict.decision {
            Decision::Block(b) => (Some(b.reason.as_str()), Some(b.message.clone())),
            _ => (None, None),
        };
        let mut event = Self::base(cx, verdict.action(), applied, now);
        event.reason = reason;
        event.message = message;
        event.add_findings(&verdict.findings, text_of);
        event
    }

    /// An event for a failure to decide (`action: "error"`).
    pub fn for_error(
        cx: &EventContext,
        reason: crate::verdict::Reason,
        message: &str,
        applied: Applied,
        now: SystemTime,
    ) -> Self {
        let mut event = Self::base(cx, "error", applied, now);
        event.reason = Some(reason.as_str());
        event.message = Some(message.to_string());
        event
    }

    fn base(cx: &EventContext, action: &'static str, applied: Applied, now: SystemTime) -> Self {
        SecurityEvent {
            schema: SCHEMA_ID,
            timestamp: rfc3339_millis(now),
            filter: cx.filter.to_string(),
            version: cx.version.to_string(),
            request_id: cx.request_id.clone(),
            route: cx.route.clone(),
            identity: cx.identity.as_ref().map(|i| IdentityOut {
                source: i.source.as_str(),
                value: i.value.clone(),
            }),
            provider: cx.provider.clone(),
            api: cx.api.clone(),
            model: cx.model.clone(),
            phase: applied.phase,
            action,
            mode: applied.mode.as_str(),
            enforced: applied.enforced,
            status: applied.status,
            reason: None,
            message: None,
            rule_ids: Vec::new(),
            categories: Vec::new(),
            scores: BTreeMap::new(),
            entities: BTreeMap::new(),
            spans: Vec::new(),
            excerpts: Vec::new(),
        }
    }

    fn add_findings<'t>(
        &mut self,
        findings: &[Finding],
        text_of: impl Fn(usize) -> Option<&'t str>,
    ) {
        for f in findings {
            push_unique(&mut self.rule_ids, &f.rule_id);
            push_unique(&mut self.categories, &f.category);
            if let Some(score) = f.score.filter(|s| s.is_finite()) {
                let best = self.scores.entry(f.rule_id.clone()).or_insert(score);
                *best = best.max(score);
            }
            if let Some(entity) = &f.entity {
                *self.entities.entry(entity.clone()).or_insert(0) += 1;
            }
            if let Some((segment, range)) = &f.location {
                self.spans.push(SpanOut {
                    segment: *segment,
                    start: range.start,
                    end: range.end,
                });
                if let Some(excerpt) = text_of(*segment)
                    .and_then(|t| t.get(range.clone()))
                    .map(mask)
                {
                    self.excerpts.push(excerpt);
                }
            }
        }
    }

    /// The JSON line.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            format!(r#"{{"schema":"{SCHEMA_ID}","error":"event serialization failed: {e}"}}"#)
        })
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// Masks matched text: keeps the first and last character of matches of 8+ characters, stars the
/// rest, and caps the length. `john.doe@example.com` → `j******************m`.
pub fn mask(matched: &str) -> String {
    // Only the first `EXCERPT_MAX_CHARS` characters and the last one are looked at: a finding
    // can span a whole 64 KB text (a flooding prompt), so nothing here walks it twice or copies it.
    let n = matched.chars().count();
    let shown = n.min(EXCERPT_MAX_CHARS);
    let mut out = String::with_capacity(shown + 3);
    for (i, c) in matched.chars().take(shown).enumerate() {
        let keep = n >= 8 && (i == 0 || i == n - 1) && !c.is_whitespace();
        out.push(if keep { c } else { '*' });
    }
    if n > shown {
        out.push('…');
        if let Some(last) = matched.chars().next_back() {
            out.push(last);
        }
    }
    out
}

/// `2026-11-26T05:00:00.123Z`.
pub fn rfc3339_millis(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;
    use crate::verdict::{Block, Finding, Verdict};
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_795_928_400_123);
        assert_eq!(rfc3339_millis(t), "2026-11-29T05:00:00.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339_millis(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn masks_hide_the_match() {
        assert_eq!(mask("john.doe@example.com"), "j******************m");
        assert_eq!(mask("1234"), "****");
        let long = "x".repeat(100);
        let m = mask(&long);
        assert!(m.chars().count() <= EXCERPT_MAX_CHARS + 2);
        assert_eq!(mask("ünïcødé✓"), "ü******✓");
        // A long match: the capped stars, then the ellipsis and its real last character.
        let long = format!("{}é", "ab".repeat(40_000));
        assert_eq!(
            mask(&long),
            format!("a{}…é", "*".repeat(EXCERPT_MAX_CHARS - 1))
        );
    }

    #[test]
    fn event_aggregates_findings_without_raw_text() {
        let text = "mail john@example.com or jane@example.org now";
        let a = text.find("john").unwrap();
        let b = text.find("jane").unwrap();
        let verdict = Verdict::block(Block::policy("PII is not allowed"))
            .with_finding(
                Finding::new("pii.email", "pii")
                    .entity("email")
                    .score(0.9)
                    .at(0, a..a + 16),
            )
            .with_finding(
                Finding::new("pii.email", "pii")
                    .entity("email")
                    .score(0.95)
                    .at(0, b..b + 16),
            );
        let cx = EventContext {
            filter: "pii-redact",
            version: "0.1.0",
            request_id: Some("req-1".into()),
            ..EventContext::default()
        };
        let applied = Applied {
            phase: Phase::Request,
            mode: Mode::Enforce,
            enforced: true,
            status: Some(403),
        };
        let ev = SecurityEvent::for_verdict(&cx, &verdict, applied, UNIX_EPOCH, |_| Some(text));
        assert_eq!(ev.rule_ids, vec!["pii.email"]);
        assert_eq!(ev.entities.get("email"), Some(&2));
        assert_eq!(ev.scores.get("pii.email"), Some(&0.95));
        assert_eq!(ev.spans.len(), 2);
        let json = ev.to_json();
        assert!(
            !json.contains("john@example.com") && !json.contains("jane@"),
            "{json}"
        );
        assert!(json.contains(r#""action":"block""#) && json.contains(r#""reason":"policy""#));
    }
}
