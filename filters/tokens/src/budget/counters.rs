//! The token buckets of one identity: reserve, charge, refund, report.
//!
//! Each bucket stores its *deficit*: how far below full it is, in milli-units. A full bucket has
//! deficit 0, refilling lowers the deficit at `limit` units per window, spending raises it, and
//! it may rise above the capacity (debt: real usage beyond what was reserved is always charged).
//! Storing the deficit rather than the level makes a fully refilled identity all zeros: it
//! carries no information and can be forgotten (see [`Counters::full_at_ms`]).

use std::fmt;

use super::policy::{BucketSpec, Dimension, Policy, Window};

/// Quantities to reserve, charge or refund, per dimension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

impl Amounts {
    /// Token amounts without a request (usage, refunds).
    pub fn tokens(input_tokens: u64, output_tokens: u64) -> Amounts {
        Amounts {
            requests: 0,
            input_tokens,
            output_tokens,
        }
    }

    /// The amount a bucket of `dimension` sees.
    pub fn of(&self, dimension: Dimension) -> u64 {
        match dimension {
            Dimension::Requests => self.requests,
            Dimension::InputTokens => self.input_tokens,
            Dimension::OutputTokens => self.output_tokens,
            Dimension::TotalTokens => self.input_tokens.saturating_add(self.output_tokens),
        }
    }
}

/// Why a reservation was refused, with what a client needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The bucket that could not cover the reservation (the one with the longest wait).
    pub bucket: BucketSpec,
    /// Units the reservation needed from that bucket.
    pub requested: u64,
    /// Units left in that bucket (0 when in debt).
    pub remaining: u64,
    /// Milliseconds until the bucket can cover the reservation; `None` when it never can,
    /// because the reservation is larger than the whole limit.
    pub retry_after_ms: Option<u64>,
}

impl Refusal {
    /// Whole seconds for a `retry-after` header: rounded up, at least 1. When the request can
    /// never fit, the time until the bucket is completely full (as good a hint as any).
    pub fn retry_after_secs(&self) -> u64 {
        let ms = self.retry_after_ms.unwrap_or(self.bucket.window.millis());
        ms.div_ceil(1000).max(1)
    }

    /// Whether the request can never be admitted under this limit.
    pub fn exceeds_limit(&self) -> bool {
        self.retry_after_ms.is_none()
    }
}

impl fmt::Display for Refusal {
    /// An OpenAI-style message: `Rate limit reached for tokens per min: Limit 100, Remaining 7,
    /// Requested 412.`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.bucket.dimension.name().replace('_', " ");
        let window = self.bucket.window.name();
        if self.exceeds_limit() {
            write!(
                f,
                "Request too large for {what} per {window}: Limit {}, Requested {}.",
                self.bucket.limit, self.requested
            )
        } else {
            write!(
                f,
                "Rate limit reached for {what} per {window}: Limit {}, Remaining {}, Requested {}. Please try again in {}s.",
                self.bucket.limit,
                self.remaining,
                self.requested,
                self.retry_after_secs()
            )
        }
    }
}

/// Where one bucket stands right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketStatus {
    pub bucket: BucketSpec,
    /// Whole units left (0 when in debt).
    pub remaining: u64,
    /// Milliseconds until the bucket is full again.
    pub reset_ms: u64,
}

/// The counters of one identity under one [`Policy`]: one deficit per bucket, in the policy's
/// bucket order, and the time they were last brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counters {
    pub(crate) last_ms: u64,
    pub(crate) deficits: Vec<u64>,
}

/// Milli-units refilled into `b` over `elapsed_ms` (rounded down: refill never runs ahead).
fn refill_milli(b: &BucketSpec, elapsed_ms: u64) -> u64 {
    let r = u128::from(b.capacity_milli()) * u128::from(elapsed_ms) / u128::from(b.window.millis());
    u64::try_from(r).unwrap_or(u64::MAX)
}

/// Milliseconds for `b` to refill `milli` milli-units (rounded up: never promise too early).
fn time_to_refill_ms(b: &BucketSpec, milli: u64) -> u64 {
    let cap = u128::from(b.capacity_milli()).max(1);
    let t = (u128::from(milli) * u128::from(b.window.millis())).div_ceil(cap);
    u64::try_from(t).unwrap_or(u64::MAX)
}

impl Counters {
    /// Full buckets for every bucket of `policy`.
    pub fn new(policy: &Policy, now_ms: u64) -> Counters {
        Counters {
            last_ms: now_ms,
            deficits: vec![0; policy.buckets().len()],
        }
    }

    /// Brings the deficits up to `now_ms`. A clock that goes backwards (another worker wrote a
    /// slightly later time) refills nothing.
    fn refill(&mut self, policy: &Policy, now_ms: u64) {
        if self.deficits.len() != policy.buckets().len() {
            // Counters of another policy: start fresh rather than misread them.
            *self = Counters::new(policy, now_ms);
            return;
        }
        let elapsed = now_ms.saturating_sub(self.last_ms);
        if elapsed > 0 {
            for (d, b) in self.deficits.iter_mut().zip(policy.buckets()) {
                *d = d.saturating_sub(refill_milli(b, elapsed));
            }
        }
        self.last_ms = self.last_ms.max(now_ms);
    }

    /// Takes `amounts` from every bucket if every bucket can cover it, else takes nothing and
    /// says which bucket refused and when to retry.
    pub fn try_reserve(
        &mut self,
        policy: &Policy,
        amounts: Amounts,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        self.refill(policy, now_ms);
        let mut worst: Option<Refusal> = None;
        for (d, b) in self.deficits.iter().zip(policy.buckets()) {
            let need = amounts.of(b.dimension);
            if need == 0 {
                continue;
            }
            let need_milli = need.saturating_mul(1000);
            let cap = b.capacity_milli();
            let available = cap.saturating_sub(*d);
            if need_milli <= available {
                continue;
            }
            let retry_after_ms = if need > b.limit {
                None
            } else {
                // Wait until the deficit has fallen to cap - need.
                Some(time_to_refill_ms(b, d.saturating_sub(cap - need_milli)))
            };
            let refusal = Refusal {
                bucket: *b,
                requested: need,
                remaining: available / 1000,
                retry_after_ms,
            };
            let longer = match &worst {
                None => true,
                Some(w) => match (w.retry_after_ms, refusal.retry_after_ms) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(a), Some(b)) => b > a,
                },
            };
            if longer {
                worst = Some(refusal);
            }
        }
        if let Some(r) = worst {
            return Err(r);
        }
        self.charge(policy, amounts, now_ms);
        Ok(())
    }

    /// Takes `amounts` unconditionally (may put buckets into debt): usage that already happened.
    pub fn charge(&mut self, policy: &Policy, amounts: Amounts, now_ms: u64) {
        self.refill(policy, now_ms);
        for (d, b) in self.deficits.iter_mut().zip(policy.buckets()) {
            *d = d.saturating_add(amounts.of(b.dimension).saturating_mul(1000));
        }
    }

    /// Gives `amounts` back (never above full).
    pub fn refund(&mut self, policy: &Policy, amounts: Amounts, now_ms: u64) {
        self.refill(policy, now_ms);
        for (d, b) in self.deficits.iter_mut().zip(policy.buckets()) {
            *d = d.saturating_sub(amounts.of(b.dimension).saturating_mul(1000));
        }
    }

    /// Replaces what was reserved by what was really used: per bucket, refunds the difference
    /// when less was used, charges it when more was (so `total` nets input against output).
    pub fn reconcile(&mut self, policy: &Policy, reserved: Amounts, used: Amounts, now_ms: u64) {
        self.refill(policy, now_ms);
        for (d, b) in self.deficits.iter_mut().zip(policy.buckets()) {
            let r = reserved.of(b.dimension).saturating_mul(1000);
            let u = used.of(b.dimension).saturating_mul(1000);
            *d = if u >= r {
                d.saturating_add(u - r)
            } else {
                d.saturating_sub(r - u)
            };
        }
    }

    /// Whether some bucket that counts `dimension`'s tokens has nothing left (mid-stream
    /// enforcement asks this about output tokens after charging the overflow).
    pub fn exhausted(&self, policy: &Policy, dimension: Dimension, now_ms: u64) -> bool {
        self.status(policy, now_ms).iter().any(|s| {
            let counts = s.bucket.dimension == dimension
                || (s.bucket.dimension == Dimension::TotalTokens && dimension.is_tokens());
            counts && s.remaining == 0
        })
    }

    /// Every bucket's remaining units and reset time, as of `now_ms` (does not modify).
    pub fn status(&self, policy: &Policy, now_ms: u64) -> Vec<BucketStatus> {
        let mut c = self.clone();
        c.refill(policy, now_ms);
        c.deficits
            .iter()
            .zip(policy.buckets())
            .map(|(d, b)| BucketStatus {
                bucket: *b,
                remaining: b.capacity_milli().saturating_sub(*d) / 1000,
                reset_ms: time_to_refill_ms(b, *d),
            })
            .collect()
    }

    /// When every bucket will be full again: from then on these counters equal fresh ones and
    /// can be dropped without changing any decision.
    pub fn full_at_ms(&self, policy: &Policy) -> u64 {
        let wait = self
            .deficits
            .iter()
            .zip(policy.buckets())
            .map(|(d, b)| time_to_refill_ms(b, *d))
            .max()
            .unwrap_or(0);
        self.last_ms.saturating_add(wait)
    }

    /// The time the counters were last brought up to date.
    pub fn last_ms(&self) -> u64 {
        self.last_ms
    }

    /// Remaining whole units of the most constrained bucket of `window` and `dimension`, if the
    /// policy has one.
    pub fn remaining(
        &self,
        policy: &Policy,
        dimension: Dimension,
        window: Window,
        now_ms: u64,
    ) -> Option<u64> {
        self.status(policy, now_ms)
            .into_iter()
            .find(|s| s.bucket.dimension == dimension && s.bucket.window == window)
            .map(|s| s.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dimension::*;
    use Window::*;

    fn tpm(n: u64) -> Policy {
        Policy::new([(TotalTokens, Minute, n)]).unwrap()
    }

    #[test]
    fn reserve_until_empty_then_refuse_with_exact_retry_after() {
        let p = tpm(600); // refills 10 tokens per second
        let mut c = Counters::new(&p, 0);
        assert!(c.try_reserve(&p, Amounts::tokens(500, 0), 0).is_ok());
        let r = c.try_reserve(&p, Amounts::tokens(150, 0), 0).unwrap_err();
        assert_eq!(r.remaining, 100);
        assert_eq!(r.requested, 150);
        // 50 missing tokens at 10 tokens/s: 5 s.
        assert_eq!(r.retry_after_ms, Some(5_000));
        assert_eq!(r.retry_after_secs(), 5);
        // A refusal takes nothing.
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 0), Some(100));
        // One millisecond early is still too early; on time succeeds.
        assert!(c.try_reserve(&p, Amounts::tokens(150, 0), 4_999).is_err());
        assert!(c.try_reserve(&p, Amounts::tokens(150, 0), 5_000).is_ok());
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 5_000), Some(0));
    }

    #[test]
    fn window_rolls_over_to_full() {
        let p = tpm(1000);
        let mut c = Counters::new(&p, 1_000_000);
        c.charge(&p, Amounts::tokens(400, 600), 1_000_000);
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 1_000_000), Some(0));
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 1_030_000), Some(500));
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 1_060_000), Some(1000));
        // Refill stops at the limit.
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 9_000_000), Some(1000));
        assert_eq!(c.full_at_ms(&p), 1_060_000);
    }

    #[test]
    fn reservation_larger_than_the_limit_is_refused_for_good() {
        let p = tpm(100);
        let mut c = Counters::new(&p, 0);
        let r = c.try_reserve(&p, Amounts::tokens(101, 0), 0).unwrap_err();
        assert!(r.exceeds_limit());
        assert_eq!(r.retry_after_ms, None);
        assert_eq!(r.retry_after_secs(), 60);
        assert_eq!(
            r.to_string(),
            "Request too large for tokens per min: Limit 100, Requested 101."
        );
    }

    #[test]
    fn reconcile_refunds_overestimate_and_charges_overspend() {
        let p = Policy::new([(TotalTokens, Minute, 1000), (OutputTokens, Minute, 500)]).unwrap();
        let mut c = Counters::new(&p, 0);
        let reserved = Amounts {
            requests: 1,
            input_tokens: 100,
            output_tokens: 400,
        };
        c.try_reserve(&p, reserved, 0).unwrap();
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 0), Some(500));
        assert_eq!(c.remaining(&p, OutputTokens, Minute, 0), Some(100));
        // Real usage: input 120, output 30 -> total 150.
        c.reconcile(&p, reserved, Amounts::tokens(120, 30), 0);
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 0), Some(850));
        assert_eq!(c.remaining(&p, OutputTokens, Minute, 0), Some(470));
        // Overspend beyond the reservation goes into debt.
        let r2 = Amounts::tokens(0, 10);
        c.try_reserve(&p, r2, 0).unwrap();
        c.reconcile(&p, r2, Amounts::tokens(0, 900), 0);
        assert_eq!(c.remaining(&p, OutputTokens, Minute, 0), Some(0));
        let st = c.status(&p, 0);
        let out = st
            .iter()
            .find(|s| s.bucket.dimension == OutputTokens)
            .unwrap();
        // Debt of 430 tokens on a 500/min bucket: 930 tokens to refill = 111.6 s.
        assert_eq!(out.reset_ms, 111_600);
    }

    #[test]
    fn the_longest_wait_is_reported() {
        let p = Policy::new([(TotalTokens, Minute, 100), (TotalTokens, Hour, 100)]).unwrap();
        let mut c = Counters::new(&p, 0);
        c.charge(&p, Amounts::tokens(100, 0), 0);
        let r = c.try_reserve(&p, Amounts::tokens(10, 0), 0).unwrap_err();
        assert_eq!(r.bucket.window, Hour);
        assert_eq!(r.retry_after_ms, Some(360_000));
    }

    #[test]
    fn requests_per_window() {
        let p = Policy::new([(Requests, Minute, 2)]).unwrap();
        let mut c = Counters::new(&p, 0);
        let one = Amounts {
            requests: 1,
            ..Amounts::default()
        };
        assert!(c.try_reserve(&p, one, 0).is_ok());
        assert!(c.try_reserve(&p, one, 0).is_ok());
        let r = c.try_reserve(&p, one, 0).unwrap_err();
        assert_eq!(r.bucket.dimension, Requests);
        assert_eq!(r.retry_after_ms, Some(30_000));
        assert_eq!(
            r.to_string(),
            "Rate limit reached for requests per min: Limit 2, Remaining 0, Requested 1. Please try again in 30s."
        );
        // Token usage does not touch a request bucket.
        c.charge(&p, Amounts::tokens(1_000_000, 1_000_000), 30_000);
        assert!(c.try_reserve(&p, one, 30_000).is_ok());
    }

    #[test]
    fn input_and_output_are_limited_separately() {
        let p = Policy::new([(InputTokens, Minute, 100), (OutputTokens, Minute, 50)]).unwrap();
        let mut c = Counters::new(&p, 0);
        assert!(c.try_reserve(&p, Amounts::tokens(100, 50), 0).is_ok());
        let r = c.try_reserve(&p, Amounts::tokens(0, 1), 0).unwrap_err();
        assert_eq!(r.bucket.dimension, OutputTokens);
        let r = c.try_reserve(&p, Amounts::tokens(1, 0), 0).unwrap_err();
        assert_eq!(r.bucket.dimension, InputTokens);
    }

    #[test]
    fn exhausted_after_streamed_overflow() {
        let p = tpm(100);
        let mut c = Counters::new(&p, 0);
        c.try_reserve(&p, Amounts::tokens(20, 50), 0).unwrap();
        assert!(!c.exhausted(&p, OutputTokens, 0));
        c.charge(&p, Amounts::tokens(0, 30), 0);
        assert!(c.exhausted(&p, OutputTokens, 0));
        assert!(!c.exhausted(&p, Requests, 0));
    }

    #[test]
    fn clock_going_backwards_refills_nothing() {
        let p = tpm(60);
        let mut c = Counters::new(&p, 10_000);
        c.charge(&p, Amounts::tokens(60, 0), 10_000);
        c.charge(&p, Amounts::tokens(0, 0), 5_000);
        assert_eq!(c.last_ms(), 10_000);
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 10_000), Some(0));
        assert_eq!(c.remaining(&p, TotalTokens, Minute, 11_000), Some(1));
    }

    #[test]
    fn counters_of_another_policy_start_fresh() {
        let p1 = tpm(10);
        let p2 = Policy::new([(TotalTokens, Minute, 10), (Requests, Minute, 1)]).unwrap();
        let mut c = Counters::new(&p1, 0);
        c.charge(&p1, Amounts::tokens(10, 0), 0);
        assert!(c.try_reserve(&p2, Amounts::tokens(10, 0), 0).is_ok());
    }

    #[test]
    fn day_window_at_the_maximum_limit_does_not_overflow() {
        let p = Policy::new([(TotalTokens, Day, super::super::policy::MAX_LIMIT)]).unwrap();
        let mut c = Counters::new(&p, 0);
        c.charge(&p, Amounts::tokens(u64::MAX, u64::MAX), 0);
        assert_eq!(
            c.remaining(&p, TotalTokens, Day, u64::MAX),
            Some(p.buckets()[0].limit)
        );
        assert!(c.try_reserve(&p, Amounts::tokens(1, 0), 1).is_err());
    }
}
