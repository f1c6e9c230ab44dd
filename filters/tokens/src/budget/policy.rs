//! What is limited: buckets of (dimension, window, limit).

use std::fmt;

/// A budget window. A limit of N per window refills at N per window length, continuously.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    /// Every window, shortest first.
    pub const ALL: [Window; 3] = [Window::Minute, Window::Hour, Window::Day];

    /// The window's length in milliseconds.
    pub fn millis(self) -> u64 {
        match self {
            Window::Minute => 60_000,
            Window::Hour => 3_600_000,
            Window::Day => 86_400_000,
        }
    }

    /// `min`, `hour` or `day`, as used in messages ("tokens per min").
    pub fn name(self) -> &'static str {
        match self {
            Window::Minute => "min",
            Window::Hour => "hour",
            Window::Day => "day",
        }
    }
}

/// What a bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Requests admitted.
    Requests,
    /// Prompt (input) tokens.
    InputTokens,
    /// Completion (output) tokens, reasoning included.
    OutputTokens,
    /// Input plus output tokens.
    TotalTokens,
}

impl Dimension {
    /// Every dimension.
    pub const ALL: [Dimension; 4] = [
        Dimension::Requests,
        Dimension::InputTokens,
        Dimension::OutputTokens,
        Dimension::TotalTokens,
    ];

    /// Whether the dimension counts tokens (everything but requests).
    pub fn is_tokens(self) -> bool {
        self != Dimension::Requests
    }

    /// Short name for messages and metrics: `requests`, `input_tokens`, `output_tokens`, `tokens`.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Requests => "requests",
            Dimension::InputTokens => "input_tokens",
            Dimension::OutputTokens => "output_tokens",
            Dimension::TotalTokens => "tokens",
        }
    }
}

/// One limited quantity: `limit` units of `dimension` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketSpec {
    pub dimension: Dimension,
    pub window: Window,
    pub limit: u64,
}

impl BucketSpec {
    /// Capacity in milli-units (the unit the counters store).
    pub(crate) fn capacity_milli(&self) -> u64 {
        self.limit.saturating_mul(1000)
    }
}

/// Largest accepted limit: keeps every milli-unit computation inside 64 bits with room for
/// debt (a day's worth of 10^12 tokens is far beyond any real budget).
pub const MAX_LIMIT: u64 = 1_000_000_000_000;

/// Why a policy was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// A limit of zero (use no bucket instead: zero would refuse everything).
    ZeroLimit {
        dimension: Dimension,
        window: Window,
    },
    /// A limit above [`MAX_LIMIT`].
    LimitTooLarge {
        dimension: Dimension,
        window: Window,
        limit: u64,
    },
    /// The same dimension and window twice.
    Duplicate {
        dimension: Dimension,
        window: Window,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::ZeroLimit { dimension, window } => {
                write!(
                    f,
                    "{} per {} must be at least 1",
                    dimension.name(),
                    window.name()
                )
            }
            PolicyError::LimitTooLarge {
                dimension,
                window,
                limit,
            } => write!(
                f,
                "{} per {} is {limit}, above the maximum {MAX_LIMIT}",
                dimension.name(),
                window.name()
            ),
            PolicyError::Duplicate { dimension, window } => {
                write!(
                    f,
                    "{} per {} is given twice",
                    dimension.name(),
                    window.name()
                )
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// The set of buckets every identity under this policy gets. An empty policy limits nothing.
///
/// ```
/// use parapet_tokens::budget::{Dimension, Policy, Window};
/// let p = Policy::new([(Dimension::TotalTokens, Window::Minute, 30_000)]).unwrap();
/// assert_eq!(p.buckets().len(), 1);
/// assert!(Policy::new([(Dimension::TotalTokens, Window::Minute, 0)]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Policy {
    buckets: Vec<BucketSpec>,
}

impl Policy {
    /// Builds a policy from (dimension, window, limit) triples, validating each.
    pub fn new(
        buckets: impl IntoIterator<Item = (Dimension, Window, u64)>,
    ) -> Result<Policy, PolicyError> {
        let mut v: Vec<BucketSpec> = Vec::new();
        for (dimension, window, limit) in buckets {
            if limit == 0 {
                return Err(PolicyError::ZeroLimit { dimension, window });
            }
            if limit > MAX_LIMIT {
                return Err(PolicyError::LimitTooLarge {
                    dimension,
                    window,
                    limit,
                });
            }
            if v.iter()
                .any(|b| b.dimension == dimension && b.window == window)
            {
                return Err(PolicyError::Duplicate { dimension, window });
            }
            v.push(BucketSpec {
                dimension,
                window,
                limit,
            });
        }
        // A canonical order makes the fingerprint independent of how the config listed them.
        v.sort_by_key(|b| (b.dimension, b.window));
        Ok(Policy { buckets: v })
    }

    /// A policy that limits nothing (usage is still counted and reported by the filter).
    pub fn unlimited() -> Policy {
        Policy {
            buckets: Vec::new(),
        }
    }

    /// The buckets, in canonical order (dimension, then window).
    pub fn buckets(&self) -> &[BucketSpec] {
        &self.buckets
    }

    /// Whether the policy limits nothing.
    pub fn is_unlimited(&self) -> bool {
        self.buckets.is_empty()
    }

    /// A stable 32-bit fingerprint of the buckets: stored with the counters, so counters written
    /// under another policy (after a config change) are not misread.
    pub fn fingerprint(&self) -> u32 {
        // FNV-1a over a canonical byte form; stable across builds and hosts.
        let mut h: u32 = 0x811C_9DC5;
        let mut eat = |b: u8| {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        };
        for b in &self.buckets {
            eat(b.dimension as u8);
            eat(b.window as u8);
            for byte in b.limit.to_le_bytes() {
                eat(byte);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_zero_huge_and_duplicate_limits() {
        use Dimension::*;
        use Window::*;
        assert_eq!(
            Policy::new([(TotalTokens, Minute, 0)]),
            Err(PolicyError::ZeroLimit {
                dimension: TotalTokens,
                window: Minute
            })
        );
        assert!(matches!(
            Policy::new([(InputTokens, Day, MAX_LIMIT + 1)]),
            Err(PolicyError::LimitTooLarge { .. })
        ));
        assert_eq!(
            Policy::new([(Requests, Hour, 5), (Requests, Hour, 6)]),
            Err(PolicyError::Duplicate {
                dimension: Requests,
                window: Hour
            })
        );
        let msg = PolicyError::ZeroLimit {
            dimension: TotalTokens,
            window: Minute,
        }
        .to_string();
        assert_eq!(msg, "tokens per min must be at least 1");
    }

    #[test]
    fn fingerprint_ignores_order_but_not_limits() {
        use Dimension::*;
        use Window::*;
        let a = Policy::new([(TotalTokens, Minute, 100), (Requests, Day, 5)]).unwrap();
        let b = Policy::new([(Requests, Day, 5), (TotalTokens, Minute, 100)]).unwrap();
        let c = Policy::new([(Requests, Day, 5), (TotalTokens, Minute, 101)]).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_ne!(a.fingerprint(), Policy::unlimited().fingerprint());
    }
}
