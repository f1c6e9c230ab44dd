//! Streamed responses: the core's incremental decoder feeding the hold-back window.
//!
//! Chunks go in exactly as the host delivers them (split anywhere); complete events come out of
//! the core's [`StreamParser`], their text deltas go to the filter channel by channel, and events
//! leave through the [`HoldBack`] window — unchanged (raw bytes), re-encoded after a rewrite, or
//! not at all once the stream is terminated with a provider-shaped error event.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use parapet_core::stream::{rewrite_event, Delta, DeltaKind, StreamEvent, StreamParser};
use parapet_core::{Api, FormatError, Framing, Limits, ResponseView, Role, Segment, SegmentKind};

use crate::filter::Output;
use crate::reply;
use crate::verdict::Block;
use crate::window::{tail_after_edits, HoldBack, Piece};

/// What the engine decided for one look at a channel's pending text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamAction {
    Keep,
    /// Edits over the pending text handed to the filter.
    Rewrite(Vec<(Range<usize>, String)>),
    /// End the stream now with an error event; held events are dropped.
    Terminate(Block),
}

/// The engine's answer to one look: the action, and how much of the pending text the filter
/// still needs held (`None`: the whole window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    pub action: StreamAction,
    /// Bytes at the end of the text shown to the filter that can still change.
    pub hold_only: Option<usize>,
}

impl From<StreamAction> for Look {
    fn from(action: StreamAction) -> Look {
        Look {
            action,
            hold_only: None,
        }
    }
}

/// Why the stream could not be processed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamError {
    Decode(FormatError),
    /// A rewrite could not be applied (bad ranges, or the event could not be re-encoded).
    Edit(String),
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Decode(e) => write!(f, "{e}"),
            StreamError::Edit(e) => write!(f, "{e}"),
        }
    }
}

/// A channel of text: one choice's output, one tool call's arguments, ... Text that repeats
/// earlier deltas (OpenAI Responses `*.done` events) is its own channel, so every copy is
/// inspected and none is counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Channel {
    pub choice: usize,
    kind_rank: u8,
    pub tool_call: Option<usize>,
    pub repeat: bool,
}

fn kind_rank(kind: DeltaKind) -> u8 {
    match kind {
        DeltaKind::Text => 0,
        DeltaKind::Refusal => 1,
        DeltaKind::ToolCallName => 2,
        DeltaKind::ToolCallArguments => 3,
        DeltaKind::Reasoning => 4,
    }
}

fn channel_of(d: &Delta) -> Channel {
    Channel {
        choice: d.choice,
        kind_rank: kind_rank(d.kind),
        tool_call: d.tool_call,
        repeat: d.repeat,
    }
}

/// The segment kind a delta's text has in a JSON response.
pub fn segment_kind(kind: DeltaKind) -> SegmentKind {
    match kind {
        DeltaKind::Text => SegmentKind::Output,
        DeltaKind::Refusal => SegmentKind::Refusal,
        DeltaKind::ToolCallName => SegmentKind::ToolCallName,
        DeltaKind::ToolCallArguments => SegmentKind::ToolCallArguments,
        DeltaKind::Reasoning => SegmentKind::Other,
    }
}

/// The stream state of one response.
pub struct StreamProc {
    filter: &'static str,
    api: Api,
    framing: Framing,
    parser: StreamParser,
    hold: HoldBack<StreamEvent, Channel>,
    kinds: BTreeMap<Channel, SegmentKind>,
    /// Text released per channel (for the view handed to `on_response` at the end).
    released_text: BTreeMap<Channel, String>,
    /// Bytes received but not yet part of a decoded event (for fail-open pass-through):
    /// `tail[tail_head..]`, which starts at stream offset `tail_start`. Events advance the head;
    /// the consumed prefix is dropped once per chunk, so a chunk of many events costs linear
    /// time (dropping it per event moved the rest of a 36 KB chunk 200 times).
    tail: Vec<u8>,
    tail_head: usize,
    tail_start: usize,
    output: Vec<u8>,
    terminated: bool,
    finalized: bool,
    /// Channels that had their final look (and have not received text since).
    finals: BTreeSet<Channel>,
    /// Monitor mode: nothing is held, but each look still sees up to this many bytes of the
    /// channel's already released text before the pending text, so matches that straddle
    /// events are reported as they would be enforced.
    context: usize,
    /// The filter never looks at output text ([`StreamProc::pass_through`]).
    pass: bool,
}

impl StreamProc {
    pub fn new(
        filter: &'static str,
        api: Api,
        framing: Framing,
        limits: Limits,
        window: usize,
        context: usize,
    ) -> Self {
        StreamProc {
            filter,
            api,
            framing,
            parser: StreamParser::new(api, framing, limits),
            hold: HoldBack::new(window),
            kinds: BTreeMap::new(),
            released_text: BTreeMap::new(),
            tail: Vec::new(),
            tail_head: 0,
            tail_start: 0,
            output: Vec::new(),
            terminated: false,
            finalized: false,
            finals: BTreeSet::new(),
            context,
            pass: false,
        }
    }

    /// For a filter that never looks at output text (`Filter::inspects_output` false): each
    /// event passes on as it arrives and only its text is kept, for [`Self::assembled_view`].
    /// `decide` is never asked. What leaves is what the window would release with a filter
    /// that always keeps everything, without splitting events into channels to hold them.
    pub fn pass_through(&mut self) {
        self.pass = true;
    }

    /// Shares event scans and decoded events with the other streams of this thread in `scope`
    /// (a request), when the thread shares them (a bundle): see `parapet_core::stream::shared`.
    pub fn share_within(&mut self, scope: u64) {
        self.parser.share_within(scope);
    }

    pub fn is_terminated(&self) -> bool {
        self.terminated
    }

    /// Feeds one chunk; returns the bytes to forward now. `decide` is asked about each new
    /// piece of text, with the channel's pending text.
    pub fn push(
        &mut self,
        chunk: &[u8],
        end_of_stream: bool,
        decide: &mut dyn FnMut(&Output) -> Look,
    ) -> Result<Vec<u8>, StreamError> {
        if self.terminated {
            return Ok(Vec::new());
        }
        self.tail.drain(..self.tail_head);
        self.tail_head = 0;
        self.tail.extend_from_slice(chunk);
        if !chunk.is_empty() {
            let events = self.parser.push(chunk).map_err(StreamError::Decode)?;
            self.on_events(events, decide)?;
        }
        if end_of_stream && !self.terminated {
            match self.parser.finish() {
                Ok(events) => self.on_events(events, decide)?,
                Err(e) => {
                    // Truncated stream: still decide on and release what was complete.
                    self.finalize(decide)?;
                    return Err(StreamError::Decode(e));
                }
            }
            if !self.terminated && !self.finalized {
                self.finalize(decide)?;
            }
        }
        Ok(self.take_output())
    }

    fn on_events(
        &mut self,
        events: Vec<StreamEvent>,
        decide: &mut dyn FnMut(&Output) -> Look,
    ) -> Result<(), StreamError> {
        for event in events {
            self.consume_tail(event.offset.end);
            self.on_event(event, decide)?;
            if self.terminated {
                break;
            }
        }
        Ok(())
    }

    fn consume_tail(&mut self, stream_offset: usize) {
        let n = stream_offset
            .saturating_sub(self.tail_start)
            .min(self.tail.len() - self.tail_head);
        self.tail_head += n;
        self.tail_start += n;
    }

    fn on_event(
        &mut self,
        event: StreamEvent,
        decide: &mut dyn FnMut(&Output) -> Look,
    ) -> Result<(), StreamError> {
        let done = event.done;
        if self.pass {
            for d in &event.deltas {
                let channel = channel_of(d);
                self.kinds.insert(channel, segment_kind(d.kind));
                self.note_released(channel, &d.text);
            }
            self.output.extend_from_slice(&event.raw);
            self.finalized |= done;
            return Ok(());
        }
        let pieces: Vec<Piece<Channel>> = event
            .deltas
            .iter()
            .map(|d| {
                let channel = channel_of(d);
                self.kinds.insert(channel, segment_kind(d.kind));
                Piece {
                    channel,
                    text: d.text.clone(),
                }
            })
            .collect();
        let starts = self.hold.push(event, pieces);
        for (channel, start) in starts {
            let pending = self.hold.pending(&channel);
            if pending.len() == start {
                continue; // empty delta: nothing new to look at
            }
            self.finals.remove(&channel);
            // Text on one channel of a choice ends its other channels (a model writes its
            // reasoning, text and tool calls one after the other): give them their final look
            // and stop holding them.
            let ended: Vec<Channel> = self
                .kinds
                .keys()
                .filter(|c| c.choice == channel.choice && **c != channel)
                .filter(|c| !self.finals.contains(c))
                .copied()
                .collect();
            for other in ended {
                self.final_look(&other, decide)?;
                if self.terminated {
                    return Ok(());
                }
                self.hold.close(&other);
            }
            // Edits on the ended channels leave this channel's pending text as it was.
            let look = self.look(&channel, &pending, start, false, decide);
            self.apply(&channel, look)?;
            if self.terminated {
                return Ok(());
            }
        }
        if done || self.finalized {
            self.finalize(decide)?;
        } else {
            self.release(false)?;
        }
        Ok(())
    }

    /// Last look at every channel (`is_final`), then release everything.
    fn finalize(&mut self, decide: &mut dyn FnMut(&Output) -> Look) -> Result<(), StreamError> {
        if !self.finalized && !self.pass {
            // Every channel seen, not only those with text still held: with a small window a
            // channel's text may all be released already, and filters still need their final
            // look (e.g. validating the whole output once it is complete).
            let channels: Vec<Channel> = self
                .kinds
                .keys()
                .filter(|c| !self.finals.contains(c))
                .copied()
                .collect();
            for channel in channels {
                self.final_look(&channel, decide)?;
                if self.terminated {
                    return Ok(());
                }
            }
        }
        self.finalized = true;
        self.release(true)
    }

    /// The last look at a channel (`is_final`, nothing new), applied.
    fn final_look(
        &mut self,
        channel: &Channel,
        decide: &mut dyn FnMut(&Output) -> Look,
    ) -> Result<(), StreamError> {
        let pending = self.hold.pending(channel);
        let look = self.look(channel, &pending, pending.len(), true, decide);
        self.finals.insert(*channel);
        self.apply(channel, look)
    }

    /// One look at a channel: its pending text (after up to `context` bytes of released text
    /// in monitor mode), new text from `start` of the pending text.
    fn look(
        &self,
        channel: &Channel,
        pending: &str,
        start: usize,
        is_final: bool,
        decide: &mut dyn FnMut(&Output) -> Look,
    ) -> Look {
        let released = self.released_text.get(channel).map_or("", String::as_str);
        let mut from = released.len().saturating_sub(self.context);
        while !released.is_char_boundary(from) {
            from += 1;
        }
        let prefix = &released[from..];
        if prefix.is_empty() {
            return decide(&self.output_for(channel, pending, start, is_final));
        }
        let text = format!("{prefix}{pending}");
        let mut look = decide(&self.output_for(channel, &text, prefix.len() + start, is_final));
        // Edits would be over released text too; only monitor mode has context, and it never
        // edits.
        if let StreamAction::Rewrite(_) = look.action {
            look.action = StreamAction::Keep;
        }
        look
    }

    fn output_for<'a>(
        &self,
        channel: &Channel,
        pending: &'a str,
        new_from: usize,
        is_final: bool,
    ) -> Output<'a> {
        Output {
            choice: channel.choice,
            kind: self
                .kinds
                .get(channel)
                .copied()
                .unwrap_or(SegmentKind::Output),
            tool_call: channel.tool_call,
            text: pending,
            new_from,
            is_final,
            streamed: true,
        }
    }

    fn apply(&mut self, channel: &Channel, look: Look) -> Result<(), StreamError> {
        let pending_len = self.hold.pending_len(channel);
        match look.action {
            StreamAction::Keep => {
                if let Some(tail) = look.hold_only {
                    self.hold.hold_only(channel, tail.min(pending_len));
                }
                Ok(())
            }
            StreamAction::Rewrite(edits) => {
                self.hold
                    .apply_edits(channel, &edits)
                    .map_err(|e| StreamError::Edit(e.0))?;
                if let Some(tail) = look.hold_only {
                    let tail = tail_after_edits(pending_len, tail, &edits);
                    self.hold.hold_only(channel, tail);
                }
                Ok(())
            }
            StreamAction::Terminate(block) => {
                self.hold.discard();
                let event = self.error_event(&block);
                self.output.extend(event);
                self.terminated = true;
                Ok(())
            }
        }
    }

    fn release(&mut self, all: bool) -> Result<(), StreamError> {
        for released in self.hold.release(all) {
            for p in &released.pieces {
                self.note_released(p.channel, &p.text);
            }
            if released.edited {
                let new_texts: Vec<(usize, String)> = released
                    .pieces
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| {
                        released
                            .event
                            .deltas
                            .get(*i)
                            .is_some_and(|d| d.text != p.text)
                    })
                    .map(|(i, p)| (i, p.text.clone()))
                    .collect();
                let bytes = rewrite_event(&released.event, self.framing, &new_texts)
                    .map_err(|e| StreamError::Edit(e.to_string()))?;
                self.output.extend(bytes);
            } else {
                self.output.extend_from_slice(&released.event.raw);
            }
        }
        Ok(())
    }

    /// Text of `channel` that left for the client (for [`Self::assembled_view`]).
    fn note_released(&mut self, channel: Channel, text: &str) {
        self.released_text
            .entry(channel)
            .or_default()
            .push_str(text);
    }

    /// Bytes ready to forward.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// A provider-shaped terminal error event for this stream.
    pub fn error_event(&self, block: &Block) -> Vec<u8> {
        reply::stream_error(self.api, self.framing, block, self.filter)
    }

    /// On a processing error with fail-open: the held events (as received) and the bytes not yet
    /// decoded, so the client still gets the whole stream.
    pub fn drain_unprocessed(&mut self) -> Vec<u8> {
        let mut out = self.take_output();
        for released in self.hold.release(true) {
            out.extend_from_slice(&released.event.raw);
        }
        out.extend_from_slice(&self.tail[self.tail_head..]);
        self.tail.clear();
        self.tail_head = 0;
        out
    }

    /// The whole response as a view (for `on_response` at the end of the stream).
    pub fn assembled_view(&self, model: Option<String>) -> ResponseView<'static> {
        let segments = self
            .released_text
            .iter()
            .filter(|(channel, _)| !channel.repeat)
            .map(|(channel, text)| Segment {
                role: Role::Assistant,
                kind: self
                    .kinds
                    .get(channel)
                    .copied()
                    .unwrap_or(SegmentKind::Output),
                message_index: None,
                choice_index: Some(channel.choice),
                span: 0..0,
                text: text.clone().into(),
                pointer: Default::default(),
            })
            .collect();
        ResponseView {
            api: self.api,
            model,
            segments,
            tool_calls: self.parser.tool_calls(),
            finish_reasons: self
                .parser
                .finish_reasons()
                .into_iter()
                .map(|(_, reason)| reason)
                .collect(),
            usage: self.parser.usage(),
            error: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat_event(text: &str) -> String {
        format!("data: {{\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}}}}]}}\n\n")
    }

    /// A stream with two choices, text, reasoning, a tool call and usage, split in two
    /// at `split`, through a window that keeps everything and through `pass_through`: the
    /// same bytes leave after each chunk and `on_response` gets the same view; the pass never
    /// asks `decide`.
    #[test]
    fn pass_through_forwards_and_assembles_what_a_keeping_window_does_at_every_split() {
        let api = Api::from_name("openai.chat").expect("api");
        let events = [
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"think first"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Hello "}},{"index":1,"delta":{"content":"Bonjour"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"woréld"}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"f","arguments":"{\"a\":"}}]}}]}"#,
            r#"{"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#,
        ];
        let mut stream = String::new();
        for e in events {
            stream.push_str(&format!("data: {e}\n\n"));
        }
        stream.push_str(": keep-alive\n\ndata: [DONE]\n\n");
        let run = |pass: bool, split: usize| {
            let mut proc = StreamProc::new("t", api, Framing::Sse, Limits::default(), 0, 0);
            if pass {
                proc.pass_through();
            }
            let mut asked = 0;
            let mut keep = |_: &Output| {
                asked += 1;
                Look::from(StreamAction::Keep)
            };
            let (a, b) = stream.as_bytes().split_at(split);
            let first = proc.push(a, false, &mut keep).expect("first chunk");
            let second = proc.push(b, true, &mut keep).expect("second chunk");
            (
                first,
                second,
                format!("{:?}", proc.assembled_view(None)),
                asked,
            )
        };
        for split in 0..=stream.len() {
            let (a1, b1, view1, asked1) = run(false, split);
            let (a2, b2, view2, asked2) = run(true, split);
            assert_eq!((a1, b1), (a2, b2), "split {split}: forwarded bytes differ");
            assert_eq!(view1, view2, "split {split}: assembled views differ");
            assert!(asked1 > 0, "split {split}: the window was asked nothing");
            assert_eq!(asked2, 0, "split {split}: pass_through asked decide");
        }
        let (.., view, _) = run(true, 10);
        for part in [
            "think first",
            "Hello world",
            "Bonjour",
            "output_tokens: 5",
            "arguments: \"{\\\"a\\\":1}\"",
        ] {
            assert!(
                view.replace('\u{e9}', "").contains(part),
                "{part} missing from {view}"
            );
        }
    }

    /// Fail open after a bad event in the middle of a chunk: the bytes forwarded before the
    /// error plus `drain_unprocessed` are the stream as received, each byte once — with the
    /// decoded events consumed from the chunk's buffered copy one by one.
    #[test]
    fn fail_open_forwards_every_byte_once_after_an_undecodable_event() {
        let api = Api::from_name("openai.chat").expect("api");
        let mut stream = String::new();
        for w in ["alpha ", "beta ", "gamma ", "delta "] {
            stream.push_str(&chat_event(w));
        }
        stream.push_str("data: {\"choices\": [\n\n");
        stream.push_str(&chat_event("after"));
        for split in [stream.len(), 30, 150] {
            let mut proc = StreamProc::new("t", api, Framing::Sse, Limits::default(), 8, 0);
            let mut keep = |_: &Output| Look::from(StreamAction::Keep);
            let (a, b) = stream.as_bytes().split_at(split);
            let mut forwarded = Vec::new();
            let mut failed = false;
            for (chunk, eos) in [(a, b.is_empty()), (b, true)] {
                if failed || (chunk.is_empty() && !eos) {
                    continue;
                }
                match proc.push(chunk, eos, &mut keep) {
                    Ok(out) => forwarded.extend(out),
                    Err(StreamError::Decode(_)) => {
                        forwarded.extend(proc.drain_unprocessed());
                        failed = true;
                    }
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
            assert!(failed, "split {split}: the bad event must be reported");
            assert_eq!(
                String::from_utf8_lossy(&forwarded),
                stream,
                "split {split}: forwarded bytes differ from the stream"
            );
        }
    }
}
