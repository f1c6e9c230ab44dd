//! OpenAI-style rate-limit response headers.
//!
//! `x-ratelimit-limit-tokens`, `x-ratelimit-remaining-tokens`, `x-ratelimit-reset-tokens` and the
//! `-requests` variants. With several token buckets (say per minute and per day), the headers
//! describe the *binding* one: the bucket with the fewest units left, ties broken by the longer
//! reset, because that is the one the client will run into first.

use super::counters::BucketStatus;
use super::policy::Dimension;

/// Values for one family of headers (tokens or requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitHeader {
    pub limit: u64,
    pub remaining: u64,
    pub reset_ms: u64,
}

/// The rate-limit header values of one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub tokens: Option<LimitHeader>,
    pub requests: Option<LimitHeader>,
}

fn binding<'a>(it: impl Iterator<Item = &'a BucketStatus>) -> Option<LimitHeader> {
    it.min_by(|a, b| {
        a.remaining
            .cmp(&b.remaining)
            .then(b.reset_ms.cmp(&a.reset_ms))
    })
    .map(|s| LimitHeader {
        limit: s.bucket.limit,
        remaining: s.remaining,
        reset_ms: s.reset_ms,
    })
}

impl RateLimitHeaders {
    /// Picks the binding bucket per family from a [`super::Counters::status`] result. Total-token
    /// buckets are preferred for the tokens family; input- or output-only policies report those.
    pub fn from_status(status: &[BucketStatus]) -> RateLimitHeaders {
        let total = binding(
            status
                .iter()
                .filter(|s| s.bucket.dimension == Dimension::TotalTokens),
        );
        let tokens =
            total.or_else(|| binding(status.iter().filter(|s| s.bucket.dimension.is_tokens())));
        let requests = binding(
            status
                .iter()
                .filter(|s| s.bucket.dimension == Dimension::Requests),
        );
        RateLimitHeaders { tokens, requests }
    }

    /// `(name, value)` pairs ready to add to a response, tokens first.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::with_capacity(6);
        if let Some(t) = self.tokens {
            v.push(("x-ratelimit-limit-tokens", t.limit.to_string()));
            v.push(("x-ratelimit-remaining-tokens", t.remaining.to_string()));
            v.push(("x-ratelimit-reset-tokens", go_duration(t.reset_ms)));
        }
        if let Some(r) = self.requests {
            v.push(("x-ratelimit-limit-requests", r.limit.to_string()));
            v.push(("x-ratelimit-remaining-requests", r.remaining.to_string()));
            v.push(("x-ratelimit-reset-requests", go_duration(r.reset_ms)));
        }
        v
    }
}

/// Formats milliseconds the way OpenAI (Go's `time.Duration`) does: `0s`, `20ms`, `1s`, `1.5s`,
/// `6m0s`, `1h2m3.5s`.
pub fn go_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let h = ms / 3_600_000;
    let m = ms / 60_000 % 60;
    let s = ms / 1000 % 60;
    let frac = ms % 1000;
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if frac == 0 {
        out.push_str(&format!("{s}s"));
    } else {
        let f = format!("{frac:03}");
        out.push_str(&format!("{s}.{}s", f.trim_end_matches('0')));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{Amounts, Counters, Policy, Window};

    #[test]
    fn go_durations_match_openai_samples() {
        assert_eq!(go_duration(0), "0s");
        assert_eq!(go_duration(20), "20ms");
        assert_eq!(go_duration(1000), "1s");
        assert_eq!(go_duration(1500), "1.5s");
        assert_eq!(go_duration(1250), "1.25s");
        assert_eq!(go_duration(360_000), "6m0s");
        assert_eq!(go_duration(3_723_500), "1h2m3.5s");
        assert_eq!(go_duration(3_600_000), "1h0m0s");
    }

    #[test]
    fn headers_report_the_binding_bucket() {
        use Dimension::*;
        use Window::*;
        let p = Policy::new([
            (TotalTokens, Minute, 1000),
            (TotalTokens, Day, 1500),
            (Requests, Minute, 10),
        ])
        .unwrap();
        let mut c = Counters::new(&p, 0);
        c.try_reserve(
            &p,
            Amounts {
                requests: 1,
                input_tokens: 600,
                output_tokens: 0,
            },
            0,
        )
        .unwrap();
        let h = RateLimitHeaders::from_status(&c.status(&p, 0));
        // Minute: 400 left; day: 900 left -> the minute bucket binds.
        assert_eq!(
            h.tokens,
            Some(LimitHeader {
                limit: 1000,
                remaining: 400,
                reset_ms: 36_000
            })
        );
        assert_eq!(
            h.requests,
            Some(LimitHeader {
                limit: 10,
                remaining: 9,
                reset_ms: 6_000
            })
        );
        // A minute later the minute bucket is full again and the day bucket binds.
        let h = RateLimitHeaders::from_status(&c.status(&p, 60_000));
        assert_eq!(h.tokens.map(|t| (t.limit, t.remaining)), Some((1500, 901)));
        let pairs = h.pairs();
        assert_eq!(pairs[0], ("x-ratelimit-limit-tokens", "1500".to_string()));
        assert_eq!(
            pairs[1],
            ("x-ratelimit-remaining-tokens", "901".to_string())
        );
        assert_eq!(pairs[2].0, "x-ratelimit-reset-tokens");
        assert_eq!(pairs[3], ("x-ratelimit-limit-requests", "10".to_string()));
        assert_eq!(
            pairs[4],
            ("x-ratelimit-remaining-requests", "10".to_string())
        );
        assert_eq!(pairs[5], ("x-ratelimit-reset-requests", "0s".to_string()));
    }

    #[test]
    fn input_only_policy_reports_input_bucket_and_no_requests() {
        let p = Policy::new([(Dimension::InputTokens, Window::Hour, 50)]).unwrap();
        let c = Counters::new(&p, 0);
        let h = RateLimitHeaders::from_status(&c.status(&p, 0));
        assert_eq!(h.tokens.map(|t| t.limit), Some(50));
        assert_eq!(h.requests, None);
        assert_eq!(h.pairs().len(), 3);
        assert!(RateLimitHeaders::from_status(&[]).pairs().is_empty());
    }
}
