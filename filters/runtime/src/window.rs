//! The hold-back window for streamed responses.
//!
//! Stream events (SSE events, NDJSON lines, event-stream frames) are queued in arrival order.
//! Each event carries text pieces on channels (a channel = one choice's text, or one tool call's
//! arguments). The filter looks at a channel's *pending* text: everything not yet released to
//! the client. An event is released only once at least `window` bytes of later text follow each
//! of its pieces on the same channel, so a pattern split across events is still entirely pending
//! when its last part arrives, and can be rewritten (or the stream terminated) before any of it
//! leaves. Events are released whole and in order; an event without text waits behind earlier
//! held events. At the end of the stream everything is released.
//!
//! Rewrites are byte ranges over the pending text of a channel; the runtime maps them onto the
//! pieces (a range spanning several events puts the replacement in the first and removes the rest
//! from the others) and marks those events edited so they are re-encoded.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;

/// A piece of text an event carries on a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<K> {
    pub channel: K,
    pub text: String,
}

/// An event leaving the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released<E, K> {
    pub event: E,
    /// The (possibly rewritten) pieces, in the event's original order.
    pub pieces: Vec<Piece<K>>,
    /// True when a rewrite touched one of this event's pieces.
    pub edited: bool,
}

/// Replacements over one text: `(byte range, replacement)`, in order.
pub type RangeEdits = Vec<(Range<usize>, String)>;

/// An edit that cannot be applied to the pending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

struct Held<E, K> {
    event: E,
    pieces: Vec<Piece<K>>,
    edited: bool,
}

/// The hold-back queue.
pub struct HoldBack<E, K> {
    window: usize,
    queue: VecDeque<Held<E, K>>,
    pending_len: BTreeMap<K, usize>,
    /// Channels whose filter said only their last N pending bytes can still change (N below
    /// `window`): their earlier text need not wait for a full window behind it.
    tails: BTreeMap<K, usize>,
    /// Channels known to have ended: their pieces need no later text to leave the window.
    closed: BTreeSet<K>,
}

impl<E, K: Ord + Clone> HoldBack<E, K> {
    /// A window of `window` bytes per channel (0: release each event right after its decision).
    pub fn new(window: usize) -> Self {
        HoldBack {
            window,
            queue: VecDeque::new(),
            pending_len: BTreeMap::new(),
            tails: BTreeMap::new(),
            closed: BTreeSet::new(),
        }
    }

    /// Queues an event. Returns, per channel it touches, the pending-text offset where its new text
    /// starts.
    pub fn push(&mut self, event: E, pieces: Vec<Piece<K>>) -> Vec<(K, usize)> {
        let mut starts: Vec<(K, usize)> = Vec::new();
        for piece in &pieces {
            if !piece.text.is_empty() {
                self.closed.remove(&piece.channel);
                // New text has not been judged yet: the full window applies until the filter
                // looks at it and says otherwise.
                self.tails.remove(&piece.channel);
            }
            let len = self.pending_len.entry(piece.channel.clone()).or_insert(0);
            if !starts.iter().any(|(k, _)| *k == piece.channel) {
                starts.push((piece.channel.clone(), *len));
            }
            *len += piece.text.len();
        }
        self.queue.push_back(Held {
            event,
            pieces,
            edited: false,
        });
        starts
    }

    /// Channels that currently have pending text or pending pieces, in order.
    pub fn channels(&self) -> Vec<K> {
        self.pending_len.keys().cloned().collect()
    }

    /// Length of a channel's pending text.
    pub fn pending_len(&self, channel: &K) -> usize {
        self.pending_len.get(channel).copied().unwrap_or(0)
    }

    /// The pending (unreleased) text of a channel.
    pub fn pending(&self, channel: &K) -> String {
        let mut out = String::new();
        for held in &self.queue {
            for p in held.pieces.iter().filter(|p| p.channel == *channel) {
                out.push_str(&p.text);
            }
        }
        out
    }

    /// Declares that only the last `tail` bytes of a channel's pending text can still change
    /// (the filter decided everything before them): its events leave once that many bytes follow
    /// them rather than a whole window. Never more than the window is held; new text on the
    /// channel restores the window until the next call.
    pub fn hold_only(&mut self, channel: &K, tail: usize) {
        if tail < self.window {
            self.tails.insert(channel.clone(), tail);
        } else {
            self.tails.remove(channel);
        }
    }

    /// Marks a channel as ended: no more text will follow it (until it receives some), so
    /// its held pieces wait for nothing — otherwise a channel that stops growing (a tool-call
    /// name, a reasoning block before the answer) would hold back everything queued after it.
    pub fn close(&mut self, channel: &K) {
        self.closed.insert(channel.clone());
    }

    /// Is anything held?
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Applies edits (`range` over the channel's pending text, replacement) to the held pieces.
    /// Ranges must be on character boundaries, in order and not overlapping.
    pub fn apply_edits(
        &mut self,
        channel: &K,
        edits: &[(Range<usize>, String)],
    ) -> Result<(), EditError> {
        if edits.is_empty() {
            return Ok(());
        }
        let pending = self.pending(channel);
        check_edits(&pending, edits)?;
        // Piece coordinates: (queue index, piece index, start, end) over the pending text.
        let mut coords = Vec::new();
        let mut offset = 0;
        for (qi, held) in self.queue.iter().enumerate() {
            for (pi, p) in held.pieces.iter().enumerate() {
                if p.channel == *channel {
                    coords.push((qi, pi, offset, offset + p.text.len()));
                    offset += p.text.len();
                }
            }
        }
        let Some(&last) = coords.last() else {
            return Err(EditError("no pending text on this channel".into()));
        };
        // The piece that receives each edit's replacement: the one containing its start.
        let owners: Vec<(usize, usize)> = edits
            .iter()
            .map(|(r, _)| {
                coords
                    .iter()
                    .find(|c| c.2 <= r.start && r.start < c.3)
                    .map_or((last.0, last.1), |c| (c.0, c.1))
            })
            .collect();
        for &(qi, pi, start, end) in &coords {
            let original = &self.queue[qi].pieces[pi].text;
            let mut out = String::with_capacity(original.len());
            let mut cursor = start;
            let mut touched = false;
            for ((range, replacement), owner) in edits.iter().zip(&owners) {
                let clip_start = range.start.clamp(start, end);
                let clip_end = range.end.clamp(start, end);
                if *owner == (qi, pi) {
                    out.push_str(&original[cursor - start..clip_start - start]);
                    out.push_str(replacement);
                    cursor = clip_end.max(cursor);
                    touched = true;
                } else if clip_start < clip_end {
                    out.push_str(&original[cursor - start..clip_start - start]);
                    cursor = clip_end;
                    touched = true;
                }
            }
            if touched {
                out.push_str(&original[cursor - start..]);
                let held = &mut self.queue[qi];
                held.pieces[pi].text = out;
                held.edited = true;
            }
        }
        let new_len = self.pending(channel).len();
        self.pending_len.insert(channel.clone(), new_len);
        Ok(())
    }

    /// Releases the events that have at least `window` bytes (or the tail set by
    /// [`HoldBack::hold_only`]) of later text on every channel they carry text on (all events
    /// when `end_of_stream`).
    pub fn release(&mut self, end_of_stream: bool) -> Vec<Released<E, K>> {
        let mut out = Vec::new();
        while let Some(front) = self.queue.front() {
            if !end_of_stream {
                let mut used: BTreeMap<&K, usize> = BTreeMap::new();
                let releasable = front.pieces.iter().all(|p| {
                    let end = used.entry(&p.channel).or_insert(0);
                    *end += p.text.len();
                    let pending = self.pending_len.get(&p.channel).copied().unwrap_or(0);
                    let hold = self.tails.get(&p.channel).copied().unwrap_or(self.window);
                    self.closed.contains(&p.channel) || *end + hold <= pending
                });
                if !releasable {
                    break;
                }
            }
            let Some(held) = self.queue.pop_front() else {
                break;
            };
            for p in &held.pieces {
                if let Some(len) = self.pending_len.get_mut(&p.channel) {
                    *len -= p.text.len();
                }
            }
            out.push(Released {
                event: held.event,
                pieces: held.pieces,
                edited: held.edited,
            });
        }
        if self.queue.is_empty() {
            self.pending_len.clear();
        }
        out
    }

    /// Drops everything held (the stream is being terminated).
    pub fn discard(&mut self) {
        self.queue.clear();
        self.pending_len.clear();
        self.tails.clear();
        self.closed.clear();
    }
}

/// Where a tail of `tail` bytes of a `len`-byte text ends up once `edits` are applied: edits
/// before its start shift it, an edit reaching into it pulls its start back to the edit's start
/// (the replacement is held with it).
pub fn tail_after_edits(len: usize, tail: usize, edits: &[(Range<usize>, String)]) -> usize {
    let start = len.saturating_sub(tail);
    let grow = |r: &Range<usize>, rep: &String| rep.len() as isize - r.len() as isize;
    let new_len = len as isize + edits.iter().map(|(r, t)| grow(r, t)).sum::<isize>();
    let mut new_start = start as isize;
    for (r, rep) in edits.iter().rev() {
        if r.end <= start {
            new_start += grow(r, rep);
        } else if r.start < start {
            new_start = r.start as isize;
        }
    }
    (new_len - new_start).max(0) as usize
}

/// Validates edits against a text: in bounds, on char boundaries, sorted, not overlapping.
pub fn check_edits(text: &str, edits: &[(Range<usize>, String)]) -> Result<(), EditError> {
    let mut previous_end = 0;
    for (i, (r, _)) in edits.iter().enumerate() {
        if r.start > r.end || r.end > text.len() {
            return Err(EditError(format!(
                "edit {i}: range {}..{} is outside the text (length {})",
                r.start,
                r.end,
                text.len()
            )));
        }
        if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
            return Err(EditError(format!(
                "edit {i}: range {}..{} splits a UTF-8 character",
                r.start, r.end
            )));
        }
        if i > 0 && r.start < previous_end {
            return Err(EditError(format!(
                "edit {i}: range {}..{} overlaps or precedes the previous edit",
                r.start, r.end
            )));
        }
        previous_end = r.end;
    }
    Ok(())
}

/// Applies checked edits to a text.
pub fn apply_text_edits(text: &str, edits: &[(Range<usize>, String)]) -> Result<String, EditError> {
    check_edits(text, edits)?;
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for (r, replacement) in edits {
        out.push_str(&text[cursor..r.start]);
        out.push_str(replacement);
        cursor = r.end;
    }
    out.push_str(&text[cursor..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Hb = HoldBack<usize, u8>;

    fn piece(channel: u8, text: &str) -> Piece<u8> {
        Piece {
            channel,
            text: text.to_string(),
        }
    }

    fn released_text(released: &[Released<usize, u8>], channel: u8) -> String {
        released
            .iter()
            .flat_map(|r| r.pieces.iter())
            .filter(|p| p.channel == channel)
            .map(|p| p.text.as_str())
            .collect()
    }

    /// Every way of cutting `text` into deltas (2^(n-1) for small n), every window size:
    /// output text equals input, order kept, and less than `window` + the longest delta is held.
    #[test]
    fn every_split_and_window_releases_everything_in_order() {
        let text = "héllo wörld";
        let cuts: Vec<usize> = (1..text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for mask in 0u32..(1 << cuts.len()) {
            let mut deltas = Vec::new();
            let mut start = 0;
            for (bit, &cut) in cuts.iter().enumerate() {
                if mask & (1 << bit) != 0 {
                    deltas.push(&text[start..cut]);
                    start = cut;
                }
            }
            deltas.push(&text[start..]);
            let longest = deltas.iter().map(|d| d.len()).max().unwrap_or(0);
            for window in [0, 1, 3, 5, 100] {
                let mut hb = Hb::new(window);
                let mut out = Vec::new();
                for (i, d) in deltas.iter().enumerate() {
                    hb.push(i, vec![piece(0, d)]);
                    out.extend(hb.release(false));
                    // An event stays only while less than `window` bytes follow it.
                    let held = hb.pending(&0).len();
                    assert!(
                        held < window + longest || held == 0,
                        "held {held}, window {window}"
                    );
                }
                out.extend(hb.release(true));
                assert_eq!(released_text(&out, 0), text);
                let order: Vec<usize> = out.iter().map(|r| r.event).collect();
                assert_eq!(order, (0..deltas.len()).collect::<Vec<_>>());
                assert!(hb.is_empty());
            }
        }
    }

    #[test]
    fn window_zero_releases_immediately_and_textless_events_wait_their_turn() {
        let mut hb = Hb::new(4);
        hb.push(0, vec![piece(0, "ab")]);
        assert!(hb.release(false).is_empty(), "2 bytes < window 4: held");
        hb.push(1, vec![]); // e.g. a keep-alive or a usage event
        assert!(hb.release(false).is_empty(), "must not overtake event 0");
        hb.push(2, vec![piece(0, "cdef")]);
        let out = hb.release(false);
        assert_eq!(out.iter().map(|r| r.event).collect::<Vec<_>>(), vec![0, 1]);
        assert_eq!(hb.pending(&0), "cdef");
        let mut hb0 = Hb::new(0);
        hb0.push(7, vec![piece(0, "x")]);
        assert_eq!(hb0.release(false).len(), 1);
    }

    #[test]
    fn edit_spanning_three_events_puts_replacement_in_the_first() {
        let mut hb = Hb::new(100);
        hb.push(0, vec![piece(0, "my se")]);
        hb.push(1, vec![piece(0, "cr")]);
        hb.push(2, vec![piece(0, "et is x")]);
        let pending = hb.pending(&0);
        let at = pending.find("secret").unwrap();
        hb.apply_edits(&0, &[(at..at + 6, "[REDACTED]".into())])
            .unwrap();
        assert_eq!(hb.pending(&0), "my [REDACTED] is x");
        let out = hb.release(true);
        let texts: Vec<&str> = out.iter().map(|r| r.pieces[0].text.as_str()).collect();
        assert_eq!(texts, vec!["my [REDACTED]", "", " is x"]);
        assert!(out.iter().all(|r| r.edited));
    }

    #[test]
    fn every_split_of_a_secret_is_redacted_before_release() {
        let text = "say the secret now";
        let word = "secret";
        for a in 1..text.len() {
            for b in a + 1..text.len() {
                let deltas = [&text[..a], &text[a..b], &text[b..]];
                let mut hb = Hb::new(word.len() - 1);
                let mut out = Vec::new();
                for (i, d) in deltas.iter().enumerate() {
                    hb.push(i, vec![piece(0, d)]);
                    let pending = hb.pending(&0);
                    if let Some(p) = pending.find(word) {
                        hb.apply_edits(&0, &[(p..p + word.len(), "******".into())])
                            .unwrap();
                    }
                    out.extend(hb.release(false));
                    // Nothing released so far may contain a prefix of the word that is
                    // later completed: the released text must be a prefix of the redacted text.
                    let so_far = released_text(&out, 0);
                    assert!(
                        "say the ****** now".starts_with(&so_far),
                        "split {a},{b}: leaked {so_far:?}"
                    );
                }
                out.extend(hb.release(true));
                assert_eq!(
                    released_text(&out, 0),
                    "say the ****** now",
                    "split {a},{b}"
                );
            }
        }
    }

    #[test]
    fn channels_are_independent() {
        let mut hb = Hb::new(2);
        hb.push(0, vec![piece(0, "aaa"), piece(1, "b")]);
        // channel 1 has only 1 byte: the event waits for it.
        assert!(hb.release(false).is_empty());
        hb.push(1, vec![piece(1, "bbb")]);
        assert_eq!(
            hb.release(false).len(),
            0,
            "channel 0 needs 2 more bytes after 'aaa'"
        );
        hb.push(2, vec![piece(0, "cc")]);
        let out = hb.release(false);
        assert_eq!(
            out.len(),
            1,
            "event 1 still has only 'bbb' minus window after it"
        );
        assert_eq!(hb.pending(&0), "cc");
        assert_eq!(hb.pending(&1), "bbb");
    }

    #[test]
    fn bad_edits_are_errors() {
        let mut hb = Hb::new(10);
        hb.push(0, vec![piece(0, "héllo")]);
        assert!(
            hb.apply_edits(&0, &[(0..2, String::new())]).is_err(),
            "splits é"
        );
        assert!(hb.apply_edits(&0, &[(0..99, String::new())]).is_err());
        assert!(hb
            .apply_edits(&0, &[(2..4, String::new()), (1..3, String::new())])
            .is_err());
        assert!(hb.apply_edits(&9, &[(0..0, "x".into())]).is_err());
        assert_eq!(hb.pending(&0), "héllo", "failed edits change nothing");
    }

    #[test]
    fn insertions_and_edits_at_piece_boundaries() {
        let mut hb = Hb::new(10);
        hb.push(0, vec![piece(0, "ab")]);
        hb.push(1, vec![piece(0, "cd")]);
        hb.apply_edits(&0, &[(2..2, "-".into()), (4..4, "!".into())])
            .unwrap();
        assert_eq!(hb.pending(&0), "ab-cd!");
        let out = hb.release(true);
        assert_eq!(out[0].pieces[0].text, "ab");
        assert_eq!(out[1].pieces[0].text, "-cd!");
        assert!(!out[0].edited);
    }

    #[test]
    fn text_edits_apply_in_order() {
        let edits = vec![(0..1, "X".to_string()), (3..5, String::new())];
        assert_eq!(apply_text_edits("abcdef", &edits).unwrap(), "Xbcf");
        let reversed = Range { start: 2, end: 1 };
        assert!(apply_text_edits("abc", &[(reversed, String::new())]).is_err());
    }

    #[test]
    fn hold_only_releases_decided_events_and_new_text_restores_the_window() {
        let mut hb: Hb = HoldBack::new(100);
        hb.push(1, vec![piece(0, "hello ")]);
        hb.push(2, vec![piece(0, "wor")]);
        assert!(hb.release(false).is_empty(), "the window holds both");
        hb.hold_only(&0, 3);
        let out = hb.release(false);
        assert_eq!(
            released_text(&out, 0),
            "hello ",
            "\"wor\" is the undecided tail"
        );
        // New text has not been judged: the whole window again.
        hb.push(3, vec![piece(0, "ld")]);
        assert!(hb.release(false).is_empty());
        hb.hold_only(&0, 0);
        assert_eq!(released_text(&hb.release(false), 0), "world");
        // A tail at or above the window is the window.
        hb.push(4, vec![piece(0, "x")]);
        hb.hold_only(&0, 500);
        assert!(hb.release(false).is_empty());
    }

    #[test]
    fn a_tail_follows_the_edits_before_it_and_swallows_one_reaching_into_it() {
        let e = |a: usize, b: usize, t: &str| (a..b, t.to_string());
        // "my secret is he" (15 bytes), tail "he": edits before it move it, not its length.
        assert_eq!(tail_after_edits(15, 2, &[e(3, 9, "[X]")]), 2);
        // An edit reaching into the tail: the tail starts at the edit and holds its output.
        assert_eq!(tail_after_edits(15, 4, &[e(10, 13, "[SECRET]")]), 10);
        // An edit inside the tail changes the tail's length with it.
        assert_eq!(tail_after_edits(15, 6, &[e(10, 12, "")]), 4);
        assert_eq!(tail_after_edits(15, 0, &[e(0, 15, "")]), 0);
    }
}
