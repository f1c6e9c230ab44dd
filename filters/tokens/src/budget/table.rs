//! A shard of identities' counters, and its compact byte form for proxy-wasm shared data.
//!
//! Why shards and not one shared-data key per identity: proxy-wasm 0.2 has no call to delete a
//! key, so per-identity keys would grow host memory with every identity ever seen (think source
//! addresses); and a key that does not exist yet cannot be created under compare-and-swap (Envoy
//! accepts any CAS value for a new key), so two workers creating the same identity at once could
//! lose an update. A fixed set of shard keys per policy is created once and then only ever
//! updated with CAS, and its entries are capped.
//!
//! Byte form (little endian, varint = unsigned LEB128):
//!
//! ```text
//! u8      format version (1)
//! u32     policy fingerprint
//! varint  entry count
//! entry*  u64 identity hash | varint last_ms | varint deficit (milli-units) per bucket
//! ```
//!
//! A fully refilled bucket is a one-byte zero, so idle identities cost about 10 bytes.

use std::fmt;

use sha2::{Digest, Sha256};

use super::counters::Counters;
use super::policy::Policy;

const FORMAT_VERSION: u8 = 1;

/// A 64-bit identity hash: the first 8 bytes of SHA-256 over the key parts, so crafted
/// identities cannot be made to collide with someone else's budget.
pub fn identity_hash(parts: &[&str]) -> u64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    u64::from_le_bytes(b)
}

/// Which of `shards` shards an identity hash lives in.
pub fn shard_of(hash: u64, shards: u32) -> u32 {
    // The low bits feed the shard, the full hash stays the key inside the shard.
    (hash % u64::from(shards.max(1))) as u32
}

/// Why stored bytes could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header or an entry needs.
    Truncated,
    /// An unknown format version.
    Version(u8),
    /// A varint longer than 64 bits.
    Varint,
    /// More bytes than the entries account for.
    TrailingBytes,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => write!(f, "budget table is truncated"),
            DecodeError::Version(v) => write!(f, "budget table has unknown format version {v}"),
            DecodeError::Varint => write!(f, "budget table has an over-long number"),
            DecodeError::TrailingBytes => write!(f, "budget table has trailing bytes"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What making room for a new identity cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// Nothing was evicted.
    None,
    /// An identity whose buckets were not yet full was dropped to respect the cap: it gets a
    /// fresh budget next time (count this in a metric; raise the cap if it happens often).
    Evicted { hash: u64 },
}

/// The counters of the identities in one shard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    entries: Vec<(u64, Counters)>,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        if self.bytes.len() < N {
            return Err(DecodeError::Truncated);
        }
        let mut a = [0u8; N];
        a.copy_from_slice(&self.bytes[..N]);
        self.bytes = &self.bytes[N..];
        Ok(a)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let [b] = self.take::<1>()?;
            let bits = u64::from(b & 0x7F);
            if i == 9 && b > 1 {
                return Err(DecodeError::Varint);
            }
            v |= bits << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError::Varint)
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Reads stored bytes. Empty bytes (never written, or cleared) and bytes written under
    /// another policy (the config changed) give an empty table.
    pub fn decode(bytes: &[u8], policy: &Policy) -> Result<Table, DecodeError> {
        if bytes.is_empty() {
            return Ok(Table::new());
        }
        let mut r = Reader { bytes };
        let [version] = r.take::<1>()?;
        if version != FORMAT_VERSION {
            return Err(DecodeError::Version(version));
        }
        if u32::from_le_bytes(r.take::<4>()?) != policy.fingerprint() {
            return Ok(Table::new());
        }
        let count = r.varint()?;
        let buckets = policy.buckets().len();
        // Every entry needs at least 8 + 1 + buckets bytes: refuse absurd counts up front.
        if count > (r.bytes.len() / (9 + buckets)) as u64 {
            return Err(DecodeError::Truncated);
        }
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let hash = u64::from_le_bytes(r.take::<8>()?);
            let last_ms = r.varint()?;
            let mut deficits = Vec::with_capacity(buckets);
            for _ in 0..buckets {
                deficits.push(r.varint()?);
            }
            entries.push((hash, Counters { last_ms, deficits }));
        }
        if !r.bytes.is_empty() {
            return Err(DecodeError::TrailingBytes);
        }
        Ok(Table { entries })
    }

    /// The byte form (see the module docs).
    pub fn encode(&self, policy: &Policy) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + self.entries.len() * (12 + policy.buckets().len()));
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&policy.fingerprint().to_le_bytes());
        put_varint(&mut out, self.entries.len() as u64);
        for (hash, c) in &self.entries {
            out.extend_from_slice(&hash.to_le_bytes());
            put_varint(&mut out, c.last_ms);
            for d in &c.deficits {
                put_varint(&mut out, *d);
            }
        }
        out
    }

    /// Number of identities held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no identity is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The counters of `hash`, if held.
    pub fn get(&self, hash: u64) -> Option<&Counters> {
        self.entries
            .iter()
            .find(|(h, _)| *h == hash)
            .map(|(_, c)| c)
    }

    /// The counters of `hash`, created full when absent. Before creating, identities whose
    /// buckets are all full again are dropped (that loses nothing); if the table still holds
    /// `cap` identities, the one that would be full soonest is evicted (it loses the least).
    pub fn entry(
        &mut self,
        hash: u64,
        policy: &Policy,
        cap: usize,
        now_ms: u64,
    ) -> (&mut Counters, Eviction) {
        let mut eviction = Eviction::None;
        let pos = match self.entries.iter().position(|(h, _)| *h == hash) {
            Some(i) => i,
            None => {
                if self.entries.len() >= cap.max(1) {
                    self.prune(policy, now_ms);
                }
                if self.entries.len() >= cap.max(1) {
                    let victim = self
                        .entries
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (_, c))| c.full_at_ms(policy))
                        .map(|(i, (h, _))| (i, *h));
                    if let Some((i, h)) = victim {
                        self.entries.swap_remove(i);
                        eviction = Eviction::Evicted { hash: h };
                    }
                }
                self.entries.push((hash, Counters::new(policy, now_ms)));
                self.entries.len() - 1
            }
        };
        (&mut self.entries[pos].1, eviction)
    }

    /// Drops identities whose buckets are all full at `now_ms`; returns how many.
    pub fn prune(&mut self, policy: &Policy, now_ms: u64) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(_, c)| c.full_at_ms(policy) > now_ms);
        before - self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{Amounts, Dimension, Window};

    fn policy() -> Policy {
        Policy::new([
            (Dimension::TotalTokens, Window::Minute, 600),
            (Dimension::Requests, Window::Day, 10),
        ])
        .unwrap()
    }

    #[test]
    fn round_trips_through_bytes() {
        let p = policy();
        let mut t = Table::new();
        for (i, h) in [7u64, 1 << 63, 42].into_iter().enumerate() {
            let (c, ev) = t.entry(h, &p, 100, 1_000);
            assert_eq!(ev, Eviction::None);
            c.charge(
                &p,
                Amounts {
                    requests: 1,
                    input_tokens: 10 * i as u64,
                    output_tokens: 5,
                },
                1_000,
            );
        }
        let bytes = t.encode(&p);
        assert_eq!(Table::decode(&bytes, &p).unwrap(), t);
        // Compact: header 6 bytes, then 8 + 2 + a few bytes per entry.
        assert!(bytes.len() < 6 + 3 * 16, "{}", bytes.len());
    }

    #[test]
    fn empty_or_foreign_policy_bytes_give_an_empty_table() {
        let p = policy();
        assert!(Table::decode(&[], &p).unwrap().is_empty());
        let other = Policy::new([(Dimension::TotalTokens, Window::Minute, 601)]).unwrap();
        let mut t = Table::new();
        t.entry(1, &other, 10, 0)
            .0
            .charge(&other, Amounts::tokens(5, 0), 0);
        assert!(Table::decode(&t.encode(&other), &p).unwrap().is_empty());
    }

    #[test]
    fn malformed_bytes_are_errors_not_panics() {
        let p = policy();
        let mut t = Table::new();
        t.entry(9, &p, 10, 0)
            .0
            .charge(&p, Amounts::tokens(1000, 0), 0);
        let good = t.encode(&p);
        for cut in 1..good.len() {
            assert!(Table::decode(&good[..cut], &p).is_err(), "cut at {cut}");
        }
        let mut long = good.clone();
        long.push(0);
        assert_eq!(Table::decode(&long, &p), Err(DecodeError::TrailingBytes));
        let mut v2 = good.clone();
        v2[0] = 2;
        assert_eq!(Table::decode(&v2, &p), Err(DecodeError::Version(2)));
        // A huge entry count with no entries behind it.
        let mut huge = good[..5].to_vec();
        huge.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        assert_eq!(Table::decode(&huge, &p), Err(DecodeError::Truncated));
        let mut bad_varint = good[..5].to_vec();
        bad_varint.extend_from_slice(&[0xFF; 11]);
        assert!(Table::decode(&bad_varint, &p).is_err());
    }

    #[test]
    fn cap_evicts_the_identity_closest_to_full() {
        let p = policy();
        let mut t = Table::new();
        // Identity 1 spent a lot (full in 60 s), identity 2 a little (full in 1 s).
        t.entry(1, &p, 2, 0)
            .0
            .charge(&p, Amounts::tokens(600, 0), 0);
        t.entry(2, &p, 2, 0).0.charge(&p, Amounts::tokens(10, 0), 0);
        let (_, ev) = t.entry(3, &p, 2, 500);
        assert_eq!(ev, Eviction::Evicted { hash: 2 });
        assert!(t.get(1).is_some() && t.get(3).is_some() && t.get(2).is_none());
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn full_identities_make_room_without_eviction() {
        let p = policy();
        let mut t = Table::new();
        t.entry(1, &p, 2, 0).0.charge(&p, Amounts::tokens(6, 0), 0); // full again at 600 ms
        t.entry(2, &p, 2, 0)
            .0
            .charge(&p, Amounts::tokens(600, 0), 0);
        let (_, ev) = t.entry(3, &p, 2, 600);
        assert_eq!(ev, Eviction::None);
        assert!(t.get(1).is_none());
    }

    #[test]
    fn prune_drops_only_full_identities() {
        let p = policy();
        let mut t = Table::new();
        t.entry(1, &p, 10, 0)
            .0
            .charge(&p, Amounts::tokens(60, 0), 0); // full at 6 s
        t.entry(2, &p, 10, 0).0.charge(
            &p,
            Amounts {
                requests: 1,
                ..Amounts::default()
            },
            0,
        ); // 2.4 h
        assert_eq!(t.prune(&p, 5_999), 0);
        assert_eq!(t.prune(&p, 6_000), 1);
        assert_eq!(t.len(), 1);
        assert_eq!(t.prune(&p, 8_640_000), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn identity_hash_separates_parts() {
        assert_ne!(identity_hash(&["ab", "c"]), identity_hash(&["a", "bc"]));
        assert_eq!(
            identity_hash(&["tier", "alice"]),
            identity_hash(&["tier", "alice"])
        );
        assert!(shard_of(identity_hash(&["x"]), 16) < 16);
        assert_eq!(shard_of(5, 0), 0);
    }
}
