//! Decoded stream events shared by the parsers of a bundle within one request.
//!
//! In a bundle every filter that reads a streamed answer runs its own [`super::StreamParser`]
//! over the events the filter before it released: without rewrites, the very same bytes, event
//! after event. [`crate::json::shared`] already saves the later parsers the JSON scan of each
//! event; this saves them the rest of the decoding (SSE fields, reading the provider's JSON into
//! deltas, usage and finish reasons, tool-call state).
//!
//! The first parser of a scope (a request) to decode an event is the scope's *recorder*: it
//! keeps a transcript of its events, each with the parser state right after it. Another
//! parser of the scope *follows* the transcript: its event `k` is copied from the transcript's
//! event `k` when the bytes are the same, under the same API, framing and limits. What a parser
//! decodes depends only on those and on the bytes of every earlier event, so a follower that
//! matched events `0..k` byte for byte gets from event `k` exactly what it would have decoded
//! itself. The first event that differs (a filter before it rewrote one), is missing (evicted,
//! or the recorder failed on it) or comes before the recorder got there ends the following for
//! good: from then on the parser decodes on its own, from a state that is still its own.
//!
//! Off unless the thread shares scans ([`crate::json::shared::share`], a bundle). Bounded:
//! [`MAX_KEPT`] bytes per thread, oldest transcripts first; a transcript stops growing once
//! the state it would copy with every event outgrows [`MAX_STATE`] (long tool-call arguments).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::interpret::State;
use super::StreamEvent;
use crate::api::{Api, Framing};
use crate::error::Limits;

/// Bytes of transcripts kept per thread (events, their bytes and states).
pub const MAX_KEPT: usize = 256 * 1024;

/// A recorder stops recording when the state it would copy with each event is larger:
/// copying it per event would cost quadratic time in a long tool call.
pub const MAX_STATE: usize = 4 * 1024;

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
    static HITS: Cell<u64> = const { Cell::new(0) };
}

/// Events copied from transcripts on this thread so far (a diagnostic, and how tests see
/// sharing work).
pub fn hits() -> u64 {
    HITS.get()
}

/// A parser's side of the sharing: what it does.
#[derive(Debug, Default)]
pub(super) struct Follower {
    role: Role,
}

/// Recorders are told apart by a number of their own (a transcript names its recorder).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Before the stream's first event.
    #[default]
    New,
    /// Keeps the transcript this recorder number names.
    Recorder(u64),
    /// Has copied every event so far from the transcript of this recorder.
    Following(u64),
    /// Decodes on its own, for good.
    Alone,
}

fn next_recorder() -> u64 {
    let id = NEXT_ID.get();
    NEXT_ID.set(id + 1);
    id
}

/// What a transcript's parser reads: events decode the same only under the same three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Setting {
    pub api: Api,
    pub framing: Framing,
    pub limits: Limits,
}

struct Recorded {
    event: StreamEvent,
    state: State,
    /// Bytes it holds, about ([`Recorded::new`]), counted against [`MAX_KEPT`].
    size: usize,
}

impl Recorded {
    /// `weight`: the state's ([`State::weight`]).
    fn new(event: &StreamEvent, state: &State, weight: usize) -> Recorded {
        let texts: usize = event.deltas.iter().map(|d| d.text.len() + 96).sum();
        Recorded {
            event: event.clone(),
            state: state.clone(),
            size: 256 + event.raw.len() + texts + weight,
        }
    }
}

struct Transcript {
    scope: u64,
    setting: Setting,
    recorder: u64,
    /// Sequence number of `events[0]` (events evicted from the front).
    first: u64,
    events: VecDeque<Recorded>,
    bytes: usize,
}

#[derive(Default)]
struct Kept {
    /// Oldest first; a request has one transcript per scope, few are live at once.
    transcripts: VecDeque<Transcript>,
    bytes: usize,
}

impl Kept {
    fn find(&mut self, scope: u64) -> Option<&mut Transcript> {
        self.transcripts.iter_mut().rev().find(|t| t.scope == scope)
    }

    /// Evicts until the bytes kept fit: whole transcripts, oldest first, then the oldest
    /// events of the last one.
    fn trim(&mut self) {
        while self.bytes > MAX_KEPT && self.transcripts.len() > 1 {
            if let Some(t) = self.transcripts.pop_front() {
                self.bytes -= t.bytes;
            }
        }
        if let Some(t) = self.transcripts.front_mut() {
            while self.bytes > MAX_KEPT {
                let Some(r) = t.events.pop_front() else {
                    break;
                };
                let size = r.size;
                t.first += 1;
                t.bytes -= size;
                self.bytes -= size;
            }
        }
    }
}

/// The event `seq` of the scope's transcript when `raw` are its bytes under `setting`, and the
/// state after it: what the parser would decode. `None` when the parser must decode (and
/// then, see [`record`], maybe record) the event itself.
pub(super) fn replay(
    scope: u64,
    setting: Setting,
    follower: &mut Follower,
    seq: u64,
    raw: &[u8],
) -> Option<(StreamEvent, State)> {
    if !crate::json::shared::is_shared() {
        follower.role = Role::Alone;
        return None;
    }
    let recorder = match follower.role {
        Role::Recorder(_) | Role::Alone => return None,
        Role::Following(recorder) => Some(recorder),
        // A parser can follow only from the first event on: the state before event `k` is
        // known to be the transcript's only if events `0..k` were the transcript's too.
        Role::New if seq != 0 => {
            follower.role = Role::Alone;
            return None;
        }
        Role::New => None,
    };
    let copied = KEPT.with(|k| {
        let mut k = k.try_borrow_mut().ok()?;
        // No transcript yet: the parser may start one (`record`).
        let t = k.find(scope)?;
        if recorder.is_some_and(|r| r != t.recorder) {
            // The transcript followed was evicted; this one recorded other bytes.
            return Some(None);
        }
        let r = (t.setting == setting)
            .then(|| {
                t.events
                    .get(usize::try_from(seq.checked_sub(t.first)?).ok()?)
            })
            .flatten()
            .filter(|r| *r.event.raw == *raw);
        Some(r.map(|r| (t.recorder, copy_event(&r.event), r.state.clone())))
    });
    match copied {
        Some(Some((recorder, event, state))) => {
            follower.role = Role::Following(recorder);
            HITS.set(hits() + 1);
            Some((event, state))
        }
        // The event differs from the transcript's or is not in it.
        Some(None) => {
            follower.role = Role::Alone;
            None
        }
        None => None,
    }
}

/// The event without its bytes (the caller has its own copy of them).
fn copy_event(ev: &StreamEvent) -> StreamEvent {
    StreamEvent {
        offset: ev.offset.clone(),
        raw: Vec::new(),
        name: ev.name.clone(),
        deltas: ev.deltas.clone(),
        usage: ev.usage,
        finish_reasons: ev.finish_reasons.clone(),
        done: ev.done,
        error: ev.error,
    }
}

/// Records the event `seq` the parser decoded itself, with its state after it, when the
/// parser records the scope's transcript (or starts it, at the stream's first event).
pub(super) fn record(
    scope: u64,
    setting: Setting,
    follower: &mut Follower,
    seq: u64,
    event: &StreamEvent,
    state: &State,
) {
    let mine = match follower.role {
        Role::Recorder(id) => Some(id),
        Role::New if seq == 0 => None,
        _ => {
            follower.role = Role::Alone;
            return;
        }
    };
    if !crate::json::shared::is_shared() {
        follower.role = Role::Alone;
        return;
    }
    KEPT.with(|k| {
        let Ok(mut k) = k.try_borrow_mut() else {
            follower.role = Role::Alone;
            return;
        };
        let k = &mut *k;
        let transcript = match (k.find(scope), mine) {
            (Some(t), Some(id)) if t.recorder == id && seq == t.first + t.events.len() as u64 => {
                Some(t)
            }
            (None, None) => None,
            // Another parser records this scope, or this one's transcript was evicted.
            _ => {
                follower.role = Role::Alone;
                return;
            }
        };
        // The state is weighed only while recording: once recording stops, the recorder
        // decodes alone like any parser.
        let weight = state.weight();
        if weight > MAX_STATE {
            follower.role = Role::Alone;
            return;
        }
        let r = Recorded::new(event, state, weight);
        let size = r.size;
        match transcript {
            Some(t) => {
                t.events.push_back(r);
                t.bytes += size;
            }
            None => {
                let id = next_recorder();
                follower.role = Role::Recorder(id);
                k.transcripts.push_back(Transcript {
                    scope,
                    setting,
                    recorder: id,
                    first: 0,
                    events: VecDeque::from([r]),
                    bytes: size,
                });
            }
        }
        k.bytes += size;
        k.trim();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamParser;
    use crate::{detect, Limits};

    fn chat_event(text: &str) -> String {
        format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}}}}]}}\n\n")
    }

    fn stream(words: &[&str]) -> String {
        let mut s: String = words.iter().map(|w| chat_event(w)).collect();
        s.push_str("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3,\"total_tokens\":5}}\n\n");
        s.push_str("data: [DONE]\n\n");
        s
    }

    fn parser(scope: Option<u64>, limits: Limits) -> StreamParser {
        let mut p = StreamParser::new(
            detect("/v1/chat/completions", None),
            crate::Framing::Sse,
            limits,
        );
        if let Some(scope) = scope {
            p.share_within(scope);
        }
        p
    }

    /// Events, tool calls, usage and finish reasons of `wire` split at `split`.
    fn decode(p: &mut StreamParser, wire: &[u8], split: usize) -> String {
        let (a, b) = wire.split_at(split);
        let mut events = p.push(a).expect("a");
        events.extend(p.push(b).expect("b"));
        events.extend(p.finish().expect("finish"));
        format!(
            "{events:?} {:?} {:?} {:?} {}",
            p.tool_calls(),
            p.usage(),
            p.finish_reasons(),
            p.is_complete()
        )
    }

    #[test]
    fn followers_copy_the_recorders_events_and_end_in_its_state_at_every_split() {
        crate::json::shared::share();
        let wire = stream(&["Hello", " wor", "ld", " \\u00e9t\\u00e9"]);
        let wire = wire.as_bytes();
        let alone = decode(&mut parser(None, Limits::default()), wire, wire.len());
        for split in 0..=wire.len() {
            let scope = 1_000 + split as u64;
            let recorded = decode(&mut parser(Some(scope), Limits::default()), wire, split);
            let before = hits();
            // Followers cut the stream elsewhere: the filter before them released other chunks.
            let followed = decode(
                &mut parser(Some(scope), Limits::default()),
                wire,
                wire.len() - split,
            );
            assert_eq!(
                recorded, alone,
                "split {split}: the recorder decoded otherwise"
            );
            assert_eq!(
                followed, alone,
                "split {split}: the follower decoded otherwise"
            );
            assert_eq!(hits() - before, 6, "split {split}: every event copied");
        }
    }

    #[test]
    fn a_follower_decodes_on_its_own_from_the_first_event_that_differs() {
        crate::json::shared::share();
        let original = stream(&["my", " token", " is", " here"]);
        // A filter before the follower rewrote the second event.
        let rewritten = stream(&["my", " T0KEN", " is", " here"]);
        let scope = 77;
        decode(
            &mut parser(Some(scope), Limits::default()),
            original.as_bytes(),
            original.len(),
        );
        let before = hits();
        let followed = decode(
            &mut parser(Some(scope), Limits::default()),
            rewritten.as_bytes(),
            9,
        );
        let alone = decode(
            &mut parser(None, Limits::default()),
            rewritten.as_bytes(),
            9,
        );
        assert_eq!(followed, alone);
        assert!(followed.contains("T0KEN"), "{followed}");
        // Only the first event matched; the later ones are equal again but not copied: the
        // state before them came from different bytes.
        assert_eq!(hits() - before, 1);
    }

    #[test]
    fn other_limits_other_requests_and_the_unshared_decode_alone() {
        crate::json::shared::share();
        let wire = stream(&["a", "b"]);
        let wire = wire.as_bytes();
        decode(&mut parser(Some(5), Limits::default()), wire, 3);
        let before = hits();
        let strict = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        decode(&mut parser(Some(5), strict), wire, 3);
        decode(&mut parser(Some(6), Limits::default()), wire, 3);
        decode(&mut parser(None, Limits::default()), wire, 3);
        assert_eq!(hits(), before);
        // The same scope and setting again does follow.
        decode(&mut parser(Some(5), Limits::default()), wire, 3);
        assert_eq!(hits() - before, 4);
    }

    #[test]
    fn a_failed_event_is_not_recorded_and_the_follower_fails_the_same() {
        crate::json::shared::share();
        let mut wire = chat_event("fine");
        wire.push_str("data: {\"choices\": [\n\n");
        let run = |scope| {
            let mut p = parser(Some(scope), Limits::default());
            let first = p.push(wire.as_bytes()).map(|e| e.len());
            (first, p.push(b"").map(|e| e.len()))
        };
        let recorder = run(9);
        let follower = run(9);
        assert_eq!(recorder, follower);
        assert!(follower.1.is_err(), "{follower:?}");
    }

    #[test]
    fn transcripts_stay_within_their_bounds() {
        crate::json::shared::share();
        // Each stream alone is larger than what a thread keeps.
        let words: Vec<String> = (0..1200)
            .map(|i| format!("word{i:04} ").repeat(20))
            .collect();
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        let wire = stream(&refs);
        let alone = decode(
            &mut parser(None, Limits::default()),
            wire.as_bytes(),
            wire.len(),
        );
        for scope in 0..3 {
            decode(
                &mut parser(Some(10_000 + scope), Limits::default()),
                wire.as_bytes(),
                wire.len(),
            );
            let kept = KEPT.with(|k| k.borrow().bytes);
            assert!(kept <= MAX_KEPT, "{kept} bytes kept");
        }
        // The transcript's first events are gone: a follower decodes alone, and the same.
        let before = hits();
        let followed = decode(
            &mut parser(Some(10_002), Limits::default()),
            wire.as_bytes(),
            wire.len(),
        );
        assert_eq!(followed, alone);
        assert_eq!(hits(), before);
    }
}
