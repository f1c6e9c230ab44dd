//! Stream events scanned once for the filters of a bundle.
//!
//! In a bundle (one module, one VM per worker) every filter that reads a streamed answer runs
//! its own [`crate::StreamParser`] over the same events: a 200-event chat stream through the
//! four filters that read answers was 800 scans of the same ~180-byte JSON texts. With sharing
//! on, a scan keeps its nodes (with the bytes they index) for a while, and a later scan of the
//! very same bytes in the same scope (the request), under limits no stricter, copies them
//! instead. Same bytes give the same nodes, so nothing a filter sees changes; a filter that
//! rewrote an event hands different bytes to the filters after it, and they scan those.
//!
//! The scope keeps a load that repeats one answer from measuring scans saved across requests:
//! each request scans its events at least once, as separate modules would.
//!
//! Off by default (a module with one filter would only pay for the copies). Bounded: documents
//! over [`MAX_SRC`] bytes are not kept, and the oldest go first once [`MAX_KEPT`] bytes are kept.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

use super::scan::Node;
use crate::error::Limits;

/// Larger documents are not kept: one would evict many events, and a large body is parsed
/// once per filter anyway (through the runtime's shared views, not here).
pub const MAX_SRC: usize = 16 * 1024;

/// Bytes kept (sources plus nodes) per thread before the oldest documents go.
pub const MAX_KEPT: usize = 256 * 1024;

thread_local! {
    static ENABLED: Cell<bool> = const { Cell::new(false) };
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
    static HITS: Cell<u64> = const { Cell::new(0) };
}

/// Turns sharing on for this thread (a bundle's VM).
pub fn share() {
    ENABLED.set(true);
}

/// Scans copied on this thread so far (a diagnostic, and how tests see sharing work).
pub fn hits() -> u64 {
    HITS.get()
}

/// Whether sharing is on for this thread. Never without the crate's `bundle` feature: a
/// module with one filter has nobody to share with, and the sharing code (this module's and
/// [`crate::stream::shared`]'s) then compiles away instead of adding kilobytes to it.
pub fn is_shared() -> bool {
    (cfg!(feature = "bundle") || cfg!(test)) && ENABLED.get()
}

struct Entry {
    key: u64,
    scope: u64,
    limits: Limits,
    src: Box<[u8]>,
    nodes: Box<[Node]>,
}

impl Entry {
    fn size(&self) -> usize {
        self.src.len() + std::mem::size_of_val(&*self.nodes)
    }
}

#[derive(Default)]
struct Kept {
    /// Oldest first; `entries[i]` has sequence number `first + i`.
    entries: VecDeque<Entry>,
    first: u64,
    bytes: usize,
    /// Key (scope, bytes) → the sequence number of the newest entry with that key.
    index: HashMap<u64, u64, BuildHasherDefault<KeyHasher>>,
}

/// The keys are hashes already.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// The key under which a scan of `src` in `scope` is looked up and kept; `None` when nothing
/// is shared (sharing off, or a document too large to keep).
pub(super) fn key(scope: u64, src: &[u8]) -> Option<u64> {
    (is_shared() && src.len() <= MAX_SRC).then(|| key_of(scope, src))
}

/// The nodes of a kept scan of `src` under `limits` in `scope` (`key`: [`key`]).
pub(super) fn find(key: u64, scope: u64, limits: &Limits, src: &[u8]) -> Option<Vec<Node>> {
    KEPT.with(|k| {
        let k = k.try_borrow().ok()?;
        let seq = *k.index.get(&key)?;
        let e = k
            .entries
            .get(usize::try_from(seq.checked_sub(k.first)?).ok()?)?;
        // A scan that passed under limits no looser than these passes under these too.
        let within =
            e.limits.max_depth <= limits.max_depth && e.limits.max_bytes <= limits.max_bytes;
        let hit = e.scope == scope && within && *e.src == *src;
        HITS.set(hits() + u64::from(hit));
        hit.then(|| e.nodes.to_vec())
    })
}

/// Keeps the nodes of a scan of `src` under `limits` in `scope` (`key`: [`key`]).
pub(super) fn keep(key: u64, scope: u64, limits: &Limits, src: &[u8], nodes: &[Node]) {
    KEPT.with(|k| {
        let Ok(mut k) = k.try_borrow_mut() else {
            return;
        };
        let entry = Entry {
            key,
            scope,
            limits: *limits,
            src: src.into(),
            nodes: nodes.into(),
        };
        k.bytes += entry.size();
        k.entries.push_back(entry);
        let seq = k.first + k.entries.len() as u64 - 1;
        k.index.insert(key, seq);
        while k.bytes > MAX_KEPT {
            let Some(old) = k.entries.pop_front() else {
                break;
            };
            let old_seq = k.first;
            k.first += 1;
            k.bytes -= old.size();
            if k.index.get(&old.key) == Some(&old_seq) {
                k.index.remove(&old.key);
            }
        }
    });
}

/// A hash of the scope and the bytes (FNV-style, eight bytes a step). Not a secret: a
/// collision only costs a byte comparison, never a wrong document.
fn key_of(scope: u64, src: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = scope ^ (src.len() as u64).wrapping_mul(K);
    let mut words = src.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(b)).wrapping_mul(K).rotate_left(29);
    }
    for &x in words.remainder() {
        h = (h ^ u64::from(x)).wrapping_mul(K);
    }
    h
}

/// A scope for a request id (what the runtime passes to [`crate::StreamParser::share_within`]).
pub fn scope_of(request_id: &str) -> u64 {
    key_of(0x5eed, request_id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Doc;
    use crate::{Api, Framing, StreamParser};

    fn stream() -> String {
        let mut s = String::new();
        for (i, w) in ["Hello", " there", ", how", " are", " you", "?"]
            .iter()
            .enumerate()
        {
            s.push_str(&format!(
                "data: {{\"id\":\"c1\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{w}\"}},\"finish_reason\":null}}],\"n\":{i}}}\n\n"
            ));
        }
        s.push_str("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":6,\"total_tokens\":9}}\n\ndata: [DONE]\n\n");
        s
    }

    const LOOSER: Limits = Limits {
        max_depth: 200,
        max_bytes: 1 << 30,
    };

    fn events(
        scope: Option<u64>,
        stream: &str,
        split: usize,
        limits: Limits,
    ) -> Vec<crate::StreamEvent> {
        let api = Api::from_name("openai.chat").expect("api");
        let mut p = StreamParser::new(api, Framing::Sse, limits);
        if let Some(s) = scope {
            p.share_within(s);
        }
        let (a, b) = stream.as_bytes().split_at(split);
        let mut out = p.push(a).expect("first part");
        out.extend(p.push(b).expect("second part"));
        out.extend(p.finish().expect("finish"));
        out
    }

    /// Parsers that share scans give the events a parser on its own gives, however the stream
    /// is split, and the one after the first copies every event's scan. (Under the same limits
    /// the second would copy whole decoded events, `stream::shared`; looser ones still take
    /// the scans.)
    #[test]
    fn shared_scans_give_the_same_events_at_every_split() {
        share();
        let s = stream();
        let (strict, loose) = (Limits::default(), LOOSER);
        let alone = events(None, &s, s.len(), strict);
        for split in 0..=s.len() {
            let scope = scope_of(&format!("request-{split}"));
            let first = events(Some(scope), &s, split, strict);
            let before = hits();
            let second = events(Some(scope), &s, s.len() - split, loose);
            assert_eq!(first, alone, "split {split}: first parser");
            assert_eq!(second, alone, "split {split}: second parser");
            // Seven JSON events; `[DONE]` is not JSON.
            assert_eq!(
                hits() - before,
                7,
                "split {split}: the second parser scans again"
            );
        }
    }

    /// The next request with the same bytes scans its own events.
    #[test]
    fn another_scope_scans_again() {
        share();
        let s = stream();
        events(Some(scope_of("request-a")), &s, s.len(), Limits::default());
        let before = hits();
        events(Some(scope_of("request-b")), &s, s.len(), LOOSER);
        assert_eq!(hits(), before);
    }

    /// A scan kept under loose limits is not used under stricter ones: the stricter parse
    /// still fails. A scan under strict limits serves a looser parse.
    #[test]
    fn stricter_limits_scan_again_and_fail() {
        share();
        let src = br#"{"a":{"b":{"c":1}}}"#;
        let loose = Limits::default();
        let strict = Limits {
            max_depth: 1,
            ..Limits::default()
        };
        assert!(Doc::parse_in(1, src, &loose).is_ok());
        assert!(Doc::parse(src, &strict).is_err());
        assert!(Doc::parse_in(1, src, &strict).is_err());
        let before = hits();
        let flat = br#"{"a":1}"#;
        assert!(Doc::parse_in(1, flat, &strict).is_ok());
        assert!(Doc::parse_in(1, flat, &loose).is_ok());
        assert_eq!(hits(), before + 1);
    }

    /// What is kept stays under its bound, and large documents are not kept.
    #[test]
    fn kept_bytes_stay_bounded() {
        share();
        for i in 0..5000 {
            let src = format!(r#"{{"i":{i},"pad":"{}"}}"#, "x".repeat(100));
            Doc::parse_in(2, src.as_bytes(), &Limits::default()).expect("scan");
        }
        KEPT.with(|k| {
            let k = k.borrow();
            assert!(k.bytes <= MAX_KEPT, "{} bytes kept", k.bytes);
            assert_eq!(k.bytes, k.entries.iter().map(Entry::size).sum::<usize>());
            assert!(k.index.len() <= k.entries.len());
        });
        let big = format!(r#"{{"pad":"{}"}}"#, "y".repeat(MAX_SRC));
        Doc::parse_in(3, big.as_bytes(), &Limits::default()).expect("scan");
        let before = hits();
        Doc::parse_in(3, big.as_bytes(), &Limits::default()).expect("scan");
        assert_eq!(hits(), before);
    }

    /// Off unless turned on: nothing is kept or copied.
    #[test]
    fn off_unless_turned_on() {
        // A thread of its own, which never calls `share`.
        std::thread::spawn(|| {
            let src = br#"{"a":1}"#;
            Doc::parse_in(4, src, &Limits::default()).expect("scan");
            Doc::parse_in(4, src, &Limits::default()).expect("scan");
            assert_eq!(hits(), 0);
            KEPT.with(|k| assert!(k.borrow().entries.is_empty()));
        })
        .join()
        .expect("no sharing without share()");
    }
}
