//! What a filter decides: allow, rewrite some text, or block — plus the findings behind it.
//!
//! One decision type for requests, JSON responses and streamed responses.

use std::ops::Range;

/// Why a request or response is blocked; decides the HTTP status and the provider error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// 400: the request is not valid for its API (schema violations, unparseable body).
    InvalidRequest,
    /// 403: a policy or guardrail forbids it (prompt injection, PII policy, denied tool...).
    Policy,
    /// 413: the body is over the configured limit.
    TooLarge,
    /// 429: a rate or token budget is exhausted (send `retry_after`).
    RateLimited,
    /// 502: the upstream's output is unsafe to deliver.
    UnsafeOutput,
    /// 503: the filter failed and is configured to fail closed.
    Unavailable,
}

impl Reason {
    /// The HTTP status of the local reply.
    pub fn status(self) -> u16 {
        match self {
            Reason::InvalidRequest => 400,
            Reason::Policy => 403,
            Reason::TooLarge => 413,
            Reason::RateLimited => 429,
            Reason::UnsafeOutput => 502,
            Reason::Unavailable => 503,
        }
    }

    /// A short stable name (events, metric tags).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InvalidRequest => "invalid_request",
            Reason::Policy => "policy",
            Reason::TooLarge => "too_large",
            Reason::RateLimited => "rate_limited",
            Reason::UnsafeOutput => "unsafe_output",
            Reason::Unavailable => "unavailable",
        }
    }
}

/// A block: the reason and the message the client sees (in the provider's error format).
/// The message must not quote the offending content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub reason: Reason,
    pub message: String,
    /// Seconds, sent as `retry-after` (rate limits).
    pub retry_after: Option<u64>,
}

impl Block {
    pub fn new(reason: Reason, message: impl Into<String>) -> Self {
        Block {
            reason,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 403.
    pub fn policy(message: impl Into<String>) -> Self {
        Self::new(Reason::Policy, message)
    }
    /// 400.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(Reason::InvalidRequest, message)
    }
    /// 429 with `retry-after`.
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u64) -> Self {
        Block {
            retry_after: Some(retry_after_secs),
            ..Self::new(Reason::RateLimited, message)
        }
    }
    /// 502.
    pub fn unsafe_output(message: impl Into<String>) -> Self {
        Self::new(Reason::UnsafeOutput, message)
    }
}

/// Replace bytes `range` of one text segment by `replacement`.
///
/// In `on_request` and `on_response`, `segment` is the index into the view's `segments`.
/// In `on_output` there is one text, so `segment` is ignored (use [`TextEdit::at`]).
/// Ranges are byte offsets into the segment's decoded text, on character boundaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub segment: usize,
    pub range: Range<usize>,
    pub replacement: String,
}

impl TextEdit {
    pub fn new(segment: usize, range: Range<usize>, replacement: impl Into<String>) -> Self {
        TextEdit {
            segment,
            range,
            replacement: replacement.into(),
        }
    }
    /// An edit of the single text in `on_output`.
    pub fn at(range: Range<usize>, replacement: impl Into<String>) -> Self {
        Self::new(0, range, replacement)
    }
}

/// One thing a detector found. The runtime turns findings into the security event and metrics;
/// it computes masked excerpts itself from `location`, so raw matches never reach a log.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable rule id, e.g. `pii.email` or `injection.ignore_previous`.
    pub rule_id: String,
    /// Category for metrics and policies, e.g. `pii`, `prompt_injection`, `secret`.
    pub category: String,
    pub score: Option<f64>,
    /// Entity type for PII-like findings (`email`, `credit_card`, ...): counted per type.
    pub entity: Option<String>,
    /// Where: segment index and byte range in that segment's text (for `on_output`: in the text).
    pub location: Option<(usize, Range<usize>)>,
}

impl Finding {
    pub fn new(rule_id: impl Into<String>, category: impl Into<String>) -> Self {
        Finding {
            rule_id: rule_id.into(),
            category: category.into(),
            score: None,
            entity: None,
            location: None,
        }
    }
    pub fn score(mut self, score: f64) -> Self {
        self.score = Some(score);
        self
    }
    pub fn entity(mut self, entity: impl Into<String>) -> Self {
        self.entity = Some(entity.into());
        self
    }
    /// Location in a segment (requests, JSON responses) or in the `on_output` text (segment 0).
    pub fn at(mut self, segment: usize, range: Range<usize>) -> Self {
        self.location = Some((segment, range));
        self
    }
}

/// The decision itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Allow,
    Rewrite(Vec<TextEdit>),
    /// Replace the whole body (request in `on_request`, JSON response in `on_response`) by
    /// these bytes — for changes that are not text edits: clamping `max_tokens`, switching
    /// `model`. Build them from `Cx::body()` with the core's byte-preserving helpers
    /// (`parapet_core::clamp_max_tokens`, `set_model`), never by re-serialising a JSON value.
    /// Not available for streams (an internal error there).
    ReplaceBody(Vec<u8>),
    Block(Block),
}

/// A decision with its findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub findings: Vec<Finding>,
}

impl Verdict {
    pub fn allow() -> Self {
        Verdict {
            decision: Decision::Allow,
            findings: Vec::new(),
        }
    }
    pub fn block(block: Block) -> Self {
        Verdict {
            decision: Decision::Block(block),
            findings: Vec::new(),
        }
    }
    /// Rewrite; an empty list of edits is an allow.
    pub fn rewrite(edits: Vec<TextEdit>) -> Self {
        let decision = if edits.is_empty() {
            Decision::Allow
        } else {
            Decision::Rewrite(edits)
        };
        Verdict {
            decision,
            findings: Vec::new(),
        }
    }
    /// Replace the whole body; see [`Decision::ReplaceBody`].
    pub fn replace_body(body: Vec<u8>) -> Self {
        Verdict {
            decision: Decision::ReplaceBody(body),
            findings: Vec::new(),
        }
    }
    pub fn with_finding(mut self, finding: Finding) -> Self {
        self.findings.push(finding);
        self
    }
    pub fn with_findings(mut self, findings: impl IntoIterator<Item = Finding>) -> Self {
        self.findings.extend(findings);
        self
    }
    /// A plain allow (no findings): no event unless `events.log_allows`.
    pub fn is_plain_allow(&self) -> bool {
        matches!(self.decision, Decision::Allow) && self.findings.is_empty()
    }
    /// The action name in events and metrics: `allow`, `rewrite`, `block`.
    pub fn action(&self) -> &'static str {
        match self.decision {
            Decision::Allow => "allow",
            Decision::Rewrite(_) | Decision::ReplaceBody(_) => "rewrite",
            Decision::Block(_) => "block",
        }
    }
}

/// An internal failure of a filter (bug, detector error). Applied per `on_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError(pub String);

impl FilterError {
    pub fn new(message: impl Into<String>) -> Self {
        FilterError(message.into())
    }
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for FilterError {
    fn from(e: E) -> Self {
        FilterError(e.to_string())
    }
}

/// What filter hooks return.
pub type Outcome = Result<Verdict, FilterError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_issue() {
        let pairs = [
            (Reason::InvalidRequest, 400),
            (Reason::Policy, 403),
            (Reason::TooLarge, 413),
            (Reason::RateLimited, 429),
            (Reason::UnsafeOutput, 502),
            (Reason::Unavailable, 503),
        ];
        for (r, s) in pairs {
            assert_eq!(r.status(), s);
        }
    }

    #[test]
    fn empty_rewrite_is_an_allow_and_findings_make_it_not_plain() {
        assert_eq!(Verdict::rewrite(vec![]).decision, Decision::Allow);
        assert!(Verdict::allow().is_plain_allow());
        let v = Verdict::allow().with_finding(Finding::new("r", "c"));
        assert!(!v.is_plain_allow());
        assert_eq!(v.action(), "allow");
        assert_eq!(Verdict::block(Block::policy("no")).action(), "block");
        let b = Block::rate_limited("slow down", 7);
        assert_eq!(b.retry_after, Some(7));
    }

    #[test]
    fn errors_convert_with_question_mark() {
        fn parse(s: &str) -> Result<u8, FilterError> {
            Ok(s.parse::<u8>()?)
        }
        assert!(parse("x").unwrap_err().0.contains("invalid digit"));
    }
}
