//! Token budgets: token buckets per identity, reservations, reconciliation, shared state.
//!
//! # Algorithm: token buckets with continuous refill
//!
//! Every limit `N per window W` is a bucket of capacity N that refills at N/W continuously. A
//! request is admitted when every bucket can cover its reservation; the reservation is taken
//! at once; when the response's real usage is known the difference is refunded or charged.
//!
//! Why a token bucket rather than a sliding window:
//! * It is what the clients already expect: OpenAI's limits replenish continuously and its
//!   `x-ratelimit-reset-*` header means "time until the bucket is full again", which is exactly
//!   a bucket's deficit divided by its rate. `retry-after` is exact too: the missing units
//!   divided by the rate, so a client that waits that long is admitted.
//! * Refunds and debt are natural: reconciliation adds or removes units; a sliding-window log
//!   would have to find and edit the right timestamps, a sliding-window counter cannot refund
//!   into the previous window correctly.
//! * State is one number per bucket plus one timestamp per identity (compact shared data, cheap
//!   compare-and-swap), and a bucket that has refilled completely carries no information, so
//!   idle identities are dropped without changing any decision.
//!
//! The cost: a burst of up to N is allowed after a quiet period, so over an arbitrary interval
//! of length W up to 2N can pass (N in the burst, N refilled). Fixed or sliding windows have the
//! same 2N edge at window boundaries; a token bucket at least spreads the second N evenly.
//!
//! # Fleet-wide budgets (later)
//!
//! These counters are per Envoy instance (shared by its worker threads). Fleet-wide limits are an
//! addition on top: the exact usage passed to [`Ledger::reconcile`] is what the filter hands to
//! Envoy's rate-limit filter as `hits_addend` (filter state, `apply_on_stream_done`), while the
//! local reservation keeps doing admission before the upstream. Nothing here changes for that.
//!
//! ```
//! use parapet_tokens::budget::{Amounts, Ledger, MemoryStore, Policy, Dimension, Window};
//! let policy = Policy::new([(Dimension::TotalTokens, Window::Minute, 1000)]).unwrap();
//! let ledger = Ledger::new(policy, "parapet.tl.", 4, 1000);
//! let store = MemoryStore::new();
//! let who = ledger.key(&["default", "alice"]);
//! let want = Amounts { requests: 1, input_tokens: 300, output_tokens: 500 };
//! let admitted = ledger.reserve(&store, &who, want, 0).unwrap();
//! assert!(admitted.refusal.is_none());
//! // The response used 320 + 80 tokens: 400 of the 800 reserved come back.
//! let done = ledger.reconcile(&store, &who, want, Amounts::tokens(320, 80), 1).unwrap();
//! assert_eq!(done.headers.tokens.unwrap().remaining, 600);
//! ```

mod counters;
mod headers;
mod policy;
mod store;
mod table;

pub use counters::{Amounts, BucketStatus, Counters, Refusal};
pub use headers::{go_duration, LimitHeader, RateLimitHeaders};
pub use policy::{BucketSpec, Dimension, Policy, PolicyError, Window, MAX_LIMIT};
pub use store::{update, Change, MemoryStore, SharedStore, UpdateError, Updated, WriteError};
pub use table::{identity_hash, shard_of, DecodeError, Eviction, Table};

/// Where one identity's counters live: the shard key and the identity's hash inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetKey {
    pub shard_key: String,
    pub hash: u64,
}

/// The result of one ledger operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `Some` when a reservation was refused (nothing was taken).
    pub refusal: Option<Refusal>,
    /// Header values after the operation.
    pub headers: RateLimitHeaders,
    /// For charges: whether an output/total bucket has nothing left (mid-stream enforcement).
    pub exhausted: bool,
    /// Whether making room for this identity evicted another one that was not yet full.
    pub evicted: bool,
    /// The stored table was unreadable and was replaced by an empty one.
    pub reset_corrupt: bool,
    /// CAS conflicts it took.
    pub conflicts: u32,
}

/// Budgets of one policy over a sharded shared store.
#[derive(Debug, Clone)]
pub struct Ledger {
    policy: Policy,
    prefix: String,
    shards: u32,
    cap_per_shard: usize,
    max_attempts: u32,
}

#[derive(Clone, Copy)]
enum Op {
    Reserve(Amounts),
    Charge(Amounts),
    Reconcile { reserved: Amounts, used: Amounts },
    Look,
}

impl Ledger {
    /// A ledger for `policy` whose shard keys start with `prefix`, spread over `shards` keys,
    /// holding at most `max_identities` identities in total (split evenly over the shards).
    pub fn new(policy: Policy, prefix: &str, shards: u32, max_identities: usize) -> Ledger {
        let shards = shards.max(1);
        Ledger {
            cap_per_shard: max_identities.div_ceil(shards as usize).max(1),
            policy,
            prefix: prefix.to_string(),
            shards,
            max_attempts: 32,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The shared-data keys of every shard (for cleanup on a tick).
    pub fn shard_keys(&self) -> Vec<String> {
        (0..self.shards).map(|s| self.shard_key(s)).collect()
    }

    fn shard_key(&self, shard: u32) -> String {
        format!("{}{:08x}.{}", self.prefix, self.policy.fingerprint(), shard)
    }

    /// The key of an identity described by `parts` (tier, identity, model, ... as configured).
    pub fn key(&self, parts: &[&str]) -> BudgetKey {
        let hash = identity_hash(parts);
        BudgetKey {
            shard_key: self.shard_key(shard_of(hash, self.shards)),
            hash,
        }
    }

    fn run(
        &self,
        store: &dyn SharedStore,
        key: &BudgetKey,
        op: Op,
        now_ms: u64,
    ) -> Result<Outcome, UpdateError> {
        let policy = &self.policy;
        let updated = update(store, &key.shard_key, self.max_attempts, |bytes| {
            let (mut table, reset_corrupt) = match Table::decode(bytes, policy) {
                Ok(t) => (t, false),
                Err(_) => (Table::new(), true),
            };
            let (counters, eviction) = table.entry(key.hash, policy, self.cap_per_shard, now_ms);
            let mut refusal = None;
            match op {
                Op::Reserve(a) => refusal = counters.try_reserve(policy, a, now_ms).err(),
                Op::Charge(a) => counters.charge(policy, a, now_ms),
                Op::Reconcile { reserved, used } => {
                    counters.reconcile(policy, reserved, used, now_ms)
                }
                Op::Look => {}
            }
            let status = counters.status(policy, now_ms);
            let exhausted = counters.exhausted(policy, Dimension::OutputTokens, now_ms);
            let outcome = Outcome {
                refusal,
                headers: RateLimitHeaders::from_status(&status),
                exhausted,
                evicted: matches!(eviction, Eviction::Evicted { .. }),
                reset_corrupt,
                conflicts: 0,
            };
            let changed = matches!(op, Op::Charge(_) | Op::Reconcile { .. })
                || (matches!(op, Op::Reserve(_)) && outcome.refusal.is_none());
            if changed || reset_corrupt || outcome.evicted {
                table.prune(policy, now_ms);
                Change::Write(table.encode(policy), outcome)
            } else {
                Change::Keep(outcome)
            }
        })?;
        Ok(Outcome {
            conflicts: updated.conflicts,
            ..updated.value
        })
    }

    /// Reserves `amounts` for `key` if every bucket can cover it (see [`Outcome::refusal`]).
    /// An unlimited policy admits without touching the store.
    pub fn reserve(
        &self,
        store: &dyn SharedStore,
        key: &BudgetKey,
        amounts: Amounts,
        now_ms: u64,
    ) -> Result<Outcome, UpdateError> {
        if self.policy.is_unlimited() {
            return Ok(Outcome::unlimited());
        }
        self.run(store, key, Op::Reserve(amounts), now_ms)
    }

    /// Charges usage that already happened (a stream's output beyond its reservation, usage
    /// charged without a reservation); sets [`Outcome::exhausted`].
    pub fn charge(
        &self,
        store: &dyn SharedStore,
        key: &BudgetKey,
        amounts: Amounts,
        now_ms: u64,
    ) -> Result<Outcome, UpdateError> {
        if self.policy.is_unlimited() {
            return Ok(Outcome::unlimited());
        }
        self.run(store, key, Op::Charge(amounts), now_ms)
    }

    /// Replaces the `reserved` amounts by the `used` ones (refund or charge the difference).
    pub fn reconcile(
        &self,
        store: &dyn SharedStore,
        key: &BudgetKey,
        reserved: Amounts,
        used: Amounts,
        now_ms: u64,
    ) -> Result<Outcome, UpdateError> {
        if self.policy.is_unlimited() {
            return Ok(Outcome::unlimited());
        }
        self.run(store, key, Op::Reconcile { reserved, used }, now_ms)
    }

    /// The header values for `key` without changing anything.
    pub fn look(
        &self,
        store: &dyn SharedStore,
        key: &BudgetKey,
        now_ms: u64,
    ) -> Result<Outcome, UpdateError> {
        if self.policy.is_unlimited() {
            return Ok(Outcome::unlimited());
        }
        self.run(store, key, Op::Look, now_ms)
    }

    /// Creates every shard key that does not exist yet, empty. Call it when the plugin is
    /// configured, before traffic: a key that does not exist cannot be written under CAS (Envoy
    /// accepts any write to a new key), so only existing keys make updates race-free.
    pub fn prepare(&self, store: &dyn SharedStore) -> Result<(), UpdateError> {
        let empty = Table::new().encode(&self.policy);
        for key in self.shard_keys() {
            let (bytes, _) = store.get(&key).map_err(UpdateError::Host)?;
            if bytes.is_none() {
                match store.set(&key, &empty, None) {
                    Ok(()) | Err(WriteError::CasMismatch) => {}
                    Err(WriteError::Host(e)) => return Err(UpdateError::Host(e)),
                }
            }
        }
        Ok(())
    }

    /// Drops fully refilled identities from every shard; returns how many were dropped.
    /// Shards that are empty or have nothing to drop are not written.
    pub fn cleanup(&self, store: &dyn SharedStore, now_ms: u64) -> Result<usize, UpdateError> {
        let mut dropped = 0;
        for key in self.shard_keys() {
            let u = update(store, &key, self.max_attempts, |bytes| {
                if bytes.is_empty() {
                    return Change::Keep(0);
                }
                match Table::decode(bytes, &self.policy) {
                    Ok(mut t) => match t.prune(&self.policy, now_ms) {
                        0 => Change::Keep(0),
                        n => Change::Write(t.encode(&self.policy), n),
                    },
                    Err(_) => Change::Write(Table::new().encode(&self.policy), 0),
                }
            })?;
            dropped += u.value;
        }
        Ok(dropped)
    }
}

impl Outcome {
    fn unlimited() -> Outcome {
        Outcome {
            refusal: None,
            headers: RateLimitHeaders::default(),
            exhausted: false,
            evicted: false,
            reset_corrupt: false,
            conflicts: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dimension::*;
    use Window::*;

    fn ledger(n: u64) -> Ledger {
        Ledger::new(
            Policy::new([(TotalTokens, Minute, n)]).unwrap(),
            "t.",
            4,
            100,
        )
    }

    #[test]
    fn two_workers_interleaving_lose_no_update() {
        // Worker B reserves between worker A's read and write, on every attempt of A's first
        // two: A must retry on top of B's reservations, and the total must be exact.
        let l = ledger(1000);
        let s = std::rc::Rc::new(MemoryStore::new());
        l.prepare(&*s).unwrap();
        let key = l.key(&["alice"]);
        let (lb, kb) = (l.clone(), key.clone());
        let left = std::rc::Rc::new(std::cell::Cell::new(2));
        let left2 = left.clone();
        s.interfere(move |store, _| {
            if left2.get() > 0 {
                left2.set(left2.get() - 1);
                lb.reserve(store, &kb, Amounts::tokens(100, 0), 0).unwrap();
            }
        });
        let out = l.reserve(&*s, &key, Amounts::tokens(100, 0), 0).unwrap();
        assert_eq!(out.conflicts, 2);
        assert_eq!(out.headers.tokens.unwrap().remaining, 700);
        s.stop_interfering();
        assert_eq!(
            l.look(&*s, &key, 0)
                .unwrap()
                .headers
                .tokens
                .unwrap()
                .remaining,
            700
        );
    }

    #[test]
    fn prepare_creates_missing_shards_and_keeps_existing_ones() {
        let l = ledger(100);
        let s = MemoryStore::new();
        let k = l.key(&["x"]);
        l.prepare(&s).unwrap();
        for key in l.shard_keys() {
            assert_eq!(s.bytes(&key), Some(Table::new().encode(l.policy())));
        }
        l.reserve(&s, &k, Amounts::tokens(30, 0), 0).unwrap();
        l.prepare(&s).unwrap(); // a second VM starting later must not wipe anything
        assert_eq!(
            l.look(&s, &k, 0).unwrap().headers.tokens.unwrap().remaining,
            70
        );
    }

    #[test]
    fn refused_reservation_takes_nothing_and_writes_nothing() {
        let l = ledger(100);
        let s = MemoryStore::new();
        let k = l.key(&["bob"]);
        l.reserve(&s, &k, Amounts::tokens(90, 0), 0).unwrap();
        let before = s.bytes(&k.shard_key);
        let out = l.reserve(&s, &k, Amounts::tokens(20, 0), 0).unwrap();
        let r = out.refusal.unwrap();
        assert_eq!((r.remaining, r.requested), (10, 20));
        assert_eq!(r.retry_after_ms, Some(6_000));
        assert_eq!(s.bytes(&k.shard_key), before);
    }

    #[test]
    fn identities_do_not_share_budgets() {
        let l = ledger(100);
        let s = MemoryStore::new();
        let (a, b) = (l.key(&["t", "a"]), l.key(&["t", "b"]));
        l.reserve(&s, &a, Amounts::tokens(100, 0), 0).unwrap();
        assert!(l
            .reserve(&s, &a, Amounts::tokens(1, 0), 0)
            .unwrap()
            .refusal
            .is_some());
        assert!(l
            .reserve(&s, &b, Amounts::tokens(100, 0), 0)
            .unwrap()
            .refusal
            .is_none());
    }

    #[test]
    fn streamed_overflow_charges_and_reports_exhaustion() {
        let l = ledger(100);
        let s = MemoryStore::new();
        let k = l.key(&["c"]);
        let reserved = Amounts {
            requests: 1,
            input_tokens: 10,
            output_tokens: 40,
        };
        l.reserve(&s, &k, reserved, 0).unwrap();
        assert!(
            !l.charge(&s, &k, Amounts::tokens(0, 49), 0)
                .unwrap()
                .exhausted
        );
        assert!(
            l.charge(&s, &k, Amounts::tokens(0, 1), 0)
                .unwrap()
                .exhausted
        );
        // Final usage: 10 in, 90 out = 40 reserved + 50 charged mid-stream.
        let already = Amounts::tokens(10, 90);
        let out = l
            .reconcile(&s, &k, already, Amounts::tokens(10, 90), 0)
            .unwrap();
        assert_eq!(out.headers.tokens.unwrap().remaining, 0);
    }

    #[test]
    fn cleanup_empties_shards_of_refilled_identities() {
        let l = ledger(600);
        let s = MemoryStore::new();
        for i in 0..20 {
            let k = l.key(&[&i.to_string()]);
            l.reserve(&s, &k, Amounts::tokens(60, 0), 0).unwrap(); // full again after 6 s
        }
        assert_eq!(l.cleanup(&s, 5_999).unwrap(), 0);
        assert_eq!(l.cleanup(&s, 6_000).unwrap(), 20);
        for key in l.shard_keys() {
            if let Some(b) = s.bytes(&key) {
                assert!(Table::decode(&b, l.policy()).unwrap().is_empty());
            }
        }
    }

    #[test]
    fn corrupt_shard_is_replaced_and_reported() {
        let l = ledger(100);
        let s = MemoryStore::new();
        let k = l.key(&["d"]);
        s.set(&k.shard_key, b"\x09garbage", None).unwrap();
        let out = l.reserve(&s, &k, Amounts::tokens(10, 0), 0).unwrap();
        assert!(out.reset_corrupt);
        assert_eq!(out.headers.tokens.unwrap().remaining, 90);
    }

    #[test]
    fn unlimited_policy_never_touches_the_store() {
        let l = Ledger::new(Policy::unlimited(), "t.", 4, 10);
        let s = MemoryStore::new();
        let k = l.key(&["e"]);
        let out = l.reserve(&s, &k, Amounts::tokens(1 << 40, 0), 0).unwrap();
        assert!(out.refusal.is_none());
        assert!(out.headers.pairs().is_empty());
        assert_eq!(s.bytes(&k.shard_key), None);
    }

    #[test]
    fn eviction_at_the_cap_is_reported() {
        let l = Ledger::new(Policy::new([(Requests, Day, 5)]).unwrap(), "t.", 1, 2);
        let s = MemoryStore::new();
        let one = Amounts {
            requests: 1,
            ..Amounts::default()
        };
        assert!(!l.reserve(&s, &l.key(&["a"]), one, 0).unwrap().evicted);
        assert!(!l.reserve(&s, &l.key(&["b"]), one, 0).unwrap().evicted);
        assert!(l.reserve(&s, &l.key(&["c"]), one, 0).unwrap().evicted);
    }
}
