//! Incremental stream decoders: SSE, NDJSON and AWS event-stream, fed with arbitrary
//! chunk splits, yielding complete events with their exact bytes, position, text
//! deltas, usage and terminal/error flags — and re-encoding events after rewriting.
//!
//! ```
//! use parapet_core::{detect, Framing, Limits, stream::{StreamParser, rewrite_event, DeltaKind}};
//!
//! let api = detect("/v1/chat/completions", None);
//! let mut p = StreamParser::new(api, Framing::Sse, Limits::default());
//! let wire = b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"my pin is 1234\"}}]}\n\ndata: [DONE]\n\n";
//! let mut events = p.push(&wire[..20]).unwrap();          // nothing complete yet
//! assert!(events.is_empty());
//! events.extend(p.push(&wire[20..]).unwrap());
//! events.extend(p.finish().unwrap());
//! assert_eq!(events.len(), 2);
//! let d = &events[0].deltas[0];
//! assert_eq!((d.kind, d.text.as_str()), (DeltaKind::Text, "my pin is 1234"));
//! let out = rewrite_event(&events[0], Framing::Sse, &[(0, "my pin is ****".into())]).unwrap();
//! assert_eq!(out, b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"my pin is ****\"}}]}\n\n");
//! assert!(events[1].done);
//! ```

mod crc32;
pub mod eventstream;
mod interpret;
mod ndjson;
pub mod shared;
mod sse;

use std::ops::Range;

use crate::api::{Api, Framing};
use crate::error::{FormatError, FormatErrorKind, Limits};
use crate::json::{self, encode_string_into, Doc};
use crate::view::{ToolCall, Usage};

pub use interpret::DeltaKind;

/// Distinct (choice, tool call) pairs a stream may carry text for. Real answers have a few
/// (OpenAI allows 128 choices; parallel tool calls are a handful); every consumer keeps state
/// per pair and looks at pairs per event, so an upstream that opened thousands (one 700 KB
/// event with 16,000 tool calls took 24 s through parapet-runtime's window) would stall the
/// proxy. Beyond this the stream fails with [`FormatErrorKind::TooManyChannels`].
pub const MAX_STREAM_CHANNELS: usize = 256;

/// A piece of streamed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub kind: DeltaKind,
    /// Choice / candidate index (0 for single-choice APIs).
    pub choice: usize,
    /// The tool call this piece belongs to (same numbering as [`ToolCall::index`]).
    pub tool_call: Option<usize>,
    /// Decoded text (for `json` deltas: the raw JSON text of the value).
    pub text: String,
    /// Byte range in [`StreamEvent::raw`] of the JSON value carrying the text (for
    /// Bedrock InvokeModelWithResponseStream `chunk` events: in the base64-decoded
    /// provider event; [`rewrite_event`] handles the re-encoding).
    pub span: Range<usize>,
    /// The value is a JSON object/array (Gemini `functionCall.args`, Ollama tool
    /// arguments), not a string; a rewrite must supply valid JSON.
    pub json: bool,
    /// The text repeats text already streamed by earlier deltas (OpenAI Responses
    /// `*.done` events and the final `response.completed` object). Scan it if you must
    /// rewrite every copy; do not count it twice.
    pub repeat: bool,
}

/// One complete event of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamEvent {
    /// Position of `raw` in the whole stream.
    pub offset: Range<usize>,
    /// The event's exact bytes, framing included; concatenating every event's `raw`
    /// gives back the stream.
    pub raw: Vec<u8>,
    /// SSE `event:` name or event-stream `:event-type` / `:exception-type`.
    pub name: Option<String>,
    pub deltas: Vec<Delta>,
    /// Usage after this event (normalised; see [`Usage::cumulative`]), when it carried any.
    pub usage: Option<Usage>,
    /// Finish reasons this event reported, per choice.
    pub finish_reasons: Vec<(usize, String)>,
    /// The provider's end-of-stream marker (`[DONE]`, `message_stop`,
    /// `response.completed`, Bedrock `metadata`, Ollama `done:true`).
    pub done: bool,
    /// An error reported inside the stream (after HTTP 200).
    pub error: bool,
}

/// Incremental decoder for one response stream.
///
/// * `Sse`: one event per blank-line-terminated block (comments and keep-alives are
///   events without deltas, so every byte is accounted for); `data: [DONE]` is `done`.
/// * `Ndjson`: one event per line; a last line without newline is an event at `finish`.
/// * `EventStream`: one event per binary frame, both CRCs checked.
/// * `Json`: the whole body is one event, delivered by `finish` (used for non-streamed
///   bodies and Gemini's `:streamGenerateContent` JSON-array form, which is therefore
///   buffered, not incremental).
pub struct StreamParser {
    api: Api,
    framing: Framing,
    limits: Limits,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    consumed: usize,
    /// Where to resume looking for the end of the current event.
    resume: usize,
    state: interpret::State,
    failed: Option<FormatError>,
    finished: bool,
    /// Scope of the event scans and events shared with other parsers of this thread
    /// ([`json::shared`], [`shared`]).
    share: Option<u64>,
    /// Events cut so far.
    seq: u64,
    follower: shared::Follower,
}

impl StreamParser {
    pub fn new(api: Api, framing: Framing, limits: Limits) -> Self {
        StreamParser {
            api,
            framing,
            limits,
            buf: Vec::new(),
            consumed: 0,
            resume: 0,
            state: interpret::State::default(),
            failed: None,
            finished: false,
            share: None,
            seq: 0,
            follower: shared::Follower::default(),
        }
    }

    /// Shares this stream's events (their scans, and while the bytes are the same event for
    /// event, the decoded events: [`shared`]) with the other parsers of this thread that read
    /// them in the same `scope` (a request: [`json::shared::scope_of`]), when sharing is on
    /// for the thread ([`json::shared::share`]). Events come out the same.
    pub fn share_within(&mut self, scope: u64) {
        self.share = Some(scope);
    }

    /// Feeds the next chunk; returns the events it completed, in order. When a chunk
    /// completes valid events and then hits a malformed one, the valid events are
    /// returned and the error comes from the next `push`/`finish`. After an error the
    /// parser stays failed and keeps returning it. Results do not depend on how the
    /// stream is split.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<StreamEvent>, FormatError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.buf.extend_from_slice(chunk);
        let r = self.drain(false);
        self.record(r)
    }

    /// Ends the stream: returns the last events, or an error if the stream stopped in
    /// the middle of an event or before the provider's terminal event.
    pub fn finish(&mut self) -> Result<Vec<StreamEvent>, FormatError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.finished {
            return Ok(Vec::new());
        }
        self.finished = true;
        let r = self.drain(true).and_then(|events| {
            if !self.buf.is_empty() {
                return Err(FormatError::new(
                    self.consumed,
                    FormatErrorKind::TruncatedStream("stream ended inside an event"),
                ));
            }
            if self.state.needs_terminal(self.api) && !self.state.terminal {
                return Err(FormatError::new(
                    self.consumed,
                    FormatErrorKind::TruncatedStream("stream ended before its terminal event"),
                ));
            }
            Ok(events)
        });
        self.record(r)
    }

    fn record(
        &mut self,
        r: Result<Vec<StreamEvent>, FormatError>,
    ) -> Result<Vec<StreamEvent>, FormatError> {
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    /// Tool calls reassembled so far, ordered by (choice, index).
    pub fn tool_calls(&self) -> Vec<ToolCall<'static>> {
        self.state.tool_calls()
    }

    /// Latest usage seen (final once the stream is done).
    pub fn usage(&self) -> Option<Usage> {
        self.state.usage
    }

    /// Finish reason per choice, ordered by choice.
    pub fn finish_reasons(&self) -> Vec<(usize, String)> {
        self.state
            .finish
            .iter()
            .map(|(c, r)| (*c, r.clone()))
            .collect()
    }

    /// Whether the provider's terminal event (or an in-stream error) was seen.
    pub fn is_complete(&self) -> bool {
        self.state.terminal
    }

    /// Total bytes that formed complete events so far.
    pub fn offset(&self) -> usize {
        self.consumed
    }

    fn drain(&mut self, eof: bool) -> Result<Vec<StreamEvent>, FormatError> {
        let mut events = Vec::new();
        // Events are cut from `buf[head..]`; the consumed prefix is dropped once at the
        // end, so a chunk holding many events costs linear time.
        let mut head = 0;
        let result = loop {
            let rest = &self.buf[head..];
            let found = match self.framing {
                Framing::Sse => sse::next_event(rest, self.resume, eof),
                Framing::Ndjson => match ndjson::next_event(rest, self.resume) {
                    Err(_) if eof && !rest.is_empty() => Ok(rest.len()),
                    other => other,
                },
                Framing::EventStream => match eventstream::frame_len(rest, self.limits.max_bytes) {
                    Err(e) => break Err(e.shifted(self.consumed)),
                    Ok(Some(len)) if len <= rest.len() => Ok(len),
                    Ok(_) => Err(0),
                },
                Framing::Json => {
                    if eof && !rest.is_empty() {
                        Ok(rest.len())
                    } else {
                        Err(0)
                    }
                }
            };
            match found {
                Ok(len) => {
                    if len > self.limits.max_bytes {
                        break Err(self.too_large());
                    }
                    let raw = rest[..len].to_vec();
                    head += len;
                    let start = self.consumed;
                    self.consumed += len;
                    self.resume = 0;
                    match self.next(raw, start) {
                        Ok(ev) => events.push(ev),
                        Err(e) => break Err(e),
                    }
                }
                Err(resume) => {
                    self.resume = resume;
                    if rest.len() > self.limits.max_bytes {
                        break Err(self.too_large());
                    }
                    break Ok(());
                }
            }
        };
        self.buf.drain(..head);
        match result {
            Ok(()) => Ok(events),
            // Events before a bad one are valid and may be forwarded: return them now,
            // report the error on the next call.
            Err(e) if !events.is_empty() => {
                self.failed = Some(e);
                Ok(events)
            }
            Err(e) => Err(e),
        }
    }

    fn too_large(&self) -> FormatError {
        FormatError::new(
            self.consumed,
            FormatErrorKind::TooLarge(self.limits.max_bytes),
        )
    }

    /// The next event: copied when another parser of the scope decoded the very same one
    /// ([`shared`]), else decoded (and maybe recorded for the others).
    fn next(&mut self, raw: Vec<u8>, start: usize) -> Result<StreamEvent, FormatError> {
        let Some(scope) = self.share else {
            return self.event(raw, start);
        };
        let seq = self.seq;
        self.seq += 1;
        let setting = shared::Setting {
            api: self.api,
            framing: self.framing,
            limits: self.limits,
        };
        if let Some((event, state)) = shared::replay(scope, setting, &mut self.follower, seq, &raw)
        {
            self.state = state;
            return Ok(StreamEvent {
                offset: start..start + raw.len(),
                raw,
                ..event
            });
        }
        let event = self.event(raw, start)?;
        shared::record(scope, setting, &mut self.follower, seq, &event, &self.state);
        Ok(event)
    }

    /// Interprets one complete raw event that starts at stream offset `start`.
    fn event(&mut self, raw: Vec<u8>, start: usize) -> Result<StreamEvent, FormatError> {
        let mut ev = StreamEvent {
            offset: start..start + raw.len(),
            raw: Vec::new(),
            name: None,
            deltas: Vec::new(),
            usage: None,
            finish_reasons: Vec::new(),
            done: false,
            error: false,
        };
        // `payload` = the JSON text; `map` turns payload ranges into raw ranges.
        let limits = self.limits;
        let share = self.share;
        match self.framing {
            Framing::Sse => {
                let f = sse::fields(&raw);
                ev.name = f.event.clone();
                let map = |r: Range<usize>| f.to_raw(r);
                match &f.data {
                    Some(data) if &**data == b"[DONE]" => {
                        self.state.sentinel_done(&mut ev);
                    }
                    Some(data) if data.iter().all(|b| b.is_ascii_whitespace()) => {}
                    Some(data) => {
                        let doc = parse_event(share, data, &limits).map_err(|e| {
                            let at = f.to_raw(e.offset..e.offset).start;
                            FormatError {
                                offset: start + at,
                                ..e
                            }
                        })?;
                        let name = ev.name.clone();
                        self.state
                            .interpret(self.api, &doc, name.as_deref(), &map, &mut ev);
                    }
                    None => {
                        if let Some(r) = sse::bare_json(&raw) {
                            if let Ok(doc) = parse_event(share, &raw[r.clone()], &limits) {
                                let base = r.start;
                                let map = |x: Range<usize>| x.start + base..x.end + base;
                                self.state.interpret(self.api, &doc, None, &map, &mut ev);
                            }
                        }
                    }
                }
            }
            Framing::Ndjson | Framing::Json => {
                if let Some(r) = ndjson::payload(&raw) {
                    let doc = parse_event(share, &raw[r.clone()], &limits)
                        .map_err(|e| e.shifted(start + r.start))?;
                    let base = r.start;
                    let map = |x: Range<usize>| x.start + base..x.end + base;
                    self.state.interpret(self.api, &doc, None, &map, &mut ev);
                }
            }
            Framing::EventStream => {
                let frame = eventstream::decode_frame(&raw).map_err(|e| e.shifted(start))?;
                let message_type = frame.header(":message-type").unwrap_or("event");
                ev.name = frame
                    .header(":event-type")
                    .or(frame.header(":exception-type"))
                    .map(str::to_string);
                if message_type != "event" {
                    ev.error = true;
                    ev.done = true;
                    self.state.terminal = true;
                } else if ev.name.as_deref() == Some("chunk") {
                    // InvokeModelWithResponseStream: a provider-native event in base64.
                    // Delta spans then refer to the decoded bytes; `rewrite_event`
                    // re-encodes them.
                    let p = frame.payload.clone();
                    let found = eventstream::chunk_inner(&raw[p.clone()], &limits)
                        .map_err(|e| e.shifted(start + p.start))?;
                    if let Some((at, inner)) = found {
                        let doc = parse_event(share, &inner, &limits).map_err(|e| FormatError {
                            offset: start + p.start + at.start,
                            ..e
                        })?;
                        let map = |x: Range<usize>| x;
                        self.state.interpret(self.api, &doc, None, &map, &mut ev);
                    }
                } else {
                    let p = frame.payload.clone();
                    if !raw[p.clone()].iter().all(|b| b.is_ascii_whitespace()) {
                        let doc = parse_event(share, &raw[p.clone()], &limits)
                            .map_err(|e| e.shifted(start + p.start))?;
                        let base = p.start;
                        let map = |x: Range<usize>| x.start + base..x.end + base;
                        let name = ev.name.clone();
                        self.state
                            .interpret(self.api, &doc, name.as_deref(), &map, &mut ev);
                    }
                }
            }
        }
        for d in &ev.deltas {
            if !self
                .state
                .note_channel(d.choice, d.tool_call, MAX_STREAM_CHANNELS)
            {
                return Err(FormatError::new(
                    start,
                    FormatErrorKind::TooManyChannels(MAX_STREAM_CHANNELS),
                ));
            }
        }
        ev.raw = raw;
        Ok(ev)
    }
}

/// Applies sorted, non-overlapping replacements to `bytes`.
fn splice_all(
    bytes: &[u8],
    repl: &[(Range<usize>, Vec<u8>)],
    at: usize,
) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut pos = 0;
    for (r, new) in repl {
        if r.start < pos || r.end > bytes.len() || r.start > r.end {
            return Err(FormatError::edit(
                at + r.start.min(bytes.len()),
                "edits overlap",
            ));
        }
        out.extend_from_slice(&bytes[pos..r.start]);
        out.extend_from_slice(new);
        pos = r.end;
    }
    out.extend_from_slice(&bytes[pos..]);
    Ok(out)
}

/// Rewrites a Bedrock `chunk` frame: edits apply to the base64-decoded event.
fn rewrite_chunk(
    event: &StreamEvent,
    frame: &eventstream::Frame,
    repl: &[(Range<usize>, Vec<u8>)],
) -> Result<Vec<u8>, FormatError> {
    let at = event.offset.start;
    let payload = &event.raw[frame.payload.clone()];
    let (span, inner) = eventstream::chunk_inner(payload, &Limits::default())?
        .ok_or_else(|| FormatError::edit(at, "chunk without bytes"))?;
    let new_inner = splice_all(&inner, repl, at)?;
    let new_payload = eventstream::replace_chunk_inner(payload, span, &new_inner);
    Ok(eventstream::reframe(
        &event.raw[12..frame.payload.start],
        &new_payload,
    ))
}

/// Re-encodes `event` with the texts of some deltas replaced (`(delta index, new text)`).
/// Every other byte of the event is kept; event-stream frames get new lengths and CRCs.
pub fn rewrite_event(
    event: &StreamEvent,
    framing: Framing,
    new_texts: &[(usize, String)],
) -> Result<Vec<u8>, FormatError> {
    let mut repl: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    for (idx, text) in new_texts {
        let d = event.deltas.get(*idx).ok_or_else(|| {
            FormatError::edit(event.offset.start, format!("event has no delta {idx}"))
        })?;
        if d.text == *text {
            continue;
        }
        let mut bytes = Vec::new();
        if d.json {
            json::validate(text.as_bytes(), &Limits::default()).map_err(|e| {
                FormatError::edit(event.offset.start + d.span.start, format!("not JSON: {e}"))
            })?;
            bytes.extend_from_slice(text.as_bytes());
        } else {
            encode_string_into(text, &mut bytes);
        }
        repl.push((d.span.clone(), bytes));
    }
    repl.sort_by_key(|(r, _)| r.start);
    if framing == Framing::EventStream && !repl.is_empty() {
        if let Ok(frame) = eventstream::decode_frame(&event.raw) {
            if frame.header(":event-type") == Some("chunk") {
                return rewrite_chunk(event, &frame, &repl);
            }
        }
    }
    let raw = &event.raw;
    let out = splice_all(raw, &repl, event.offset.start)?;
    if framing == Framing::EventStream && !repl.is_empty() {
        if raw.len() < eventstream::MIN_FRAME {
            return Err(FormatError::edit(
                event.offset.start,
                "event is not a frame",
            ));
        }
        let headers_len = u32::from_be_bytes([raw[4], raw[5], raw[6], raw[7]]) as usize;
        if 12 + headers_len + 4 > out.len() {
            return Err(FormatError::edit(
                event.offset.start,
                "event is not a frame",
            ));
        }
        let headers = &out[12..12 + headers_len];
        let payload = &out[12 + headers_len..out.len() - 4];
        return Ok(eventstream::reframe(headers, payload));
    }
    Ok(out)
}

/// One event's JSON, scanned or (in a shared scope) copied from a scan of the same bytes.
fn parse_event<'a>(
    share: Option<u64>,
    src: &'a [u8],
    limits: &Limits,
) -> Result<Doc<'a>, FormatError> {
    match share {
        Some(scope) => Doc::parse_in(scope, src, limits),
        None => Doc::parse(src, limits),
    }
}
