//! Parapet's detection core: knows the LLM wire formats.
//!
//! Every Parapet filter first needs to know *which texts in this body are prompts,
//! outputs, tool calls and tool results, with which role, at which byte span* — and
//! to rewrite those texts without touching any other byte. This crate does that for
//! OpenAI (Chat, Responses, Completions, Embeddings), Anthropic Messages, Google
//! Gemini, AWS Bedrock Converse (and InvokeModel streams) and Ollama, plus a generic
//! mode for unknown JSON. It has no proxy-wasm dependency and builds natively and for
//! `wasm32-wasip1`.
//!
//! Hostile input is bounded by [`Limits`] (nesting depth, body/event size) and always
//! yields a [`FormatError`] with a byte offset, never a panic. Objects with duplicate
//! keys are rejected: parsers disagree on which duplicate wins, so such a body could
//! show a guard one conversation and the model another.
//!
//! * [`detect`] picks the [`Api`] from the path (and body shape).
//! * [`parse_request`] / [`parse_response`] build a view: ordered [`Segment`]s with
//!   role, kind and the byte span of each JSON string literal, plus model, stream
//!   flag, token limit, tools, response format, tool calls and [`Usage`]. Views
//!   borrow from the body: texts are [`Text`]s (read like `&str`; no copy per text)
//!   and pointers inline [`JsonPointer`]s; `into_owned()` detaches a view.
//! * [`apply_edits`] replaces segment texts, keeping every other byte;
//!   [`replace_value`] / [`insert_member`] change control fields the same way, and
//!   [`clamp_max_tokens`], [`request_stream_usage`], [`set_model`] know where each
//!   format keeps them.
//! * [`json::Doc`] is the span-tracking scanner underneath (no `serde_json::Value`).
//! * [`StreamParser`] decodes SSE, NDJSON and AWS event-stream responses incrementally
//!   (any chunk split), yielding [`StreamEvent`]s with text [`Delta`]s, reassembled
//!   tool calls and usage; [`rewrite_event`] re-encodes an event with new texts.
//! * [`errors`] builds provider-shaped error bodies and terminal stream error events.
//!
//! ```
//! use parapet_core::{detect, parse_request, apply_edits, Edit, Limits, Role, SegmentKind};
//!
//! let body = br#"{"model":"gpt-4o","messages":[
//!   {"role":"system","content":"Be brief."},
//!   {"role":"user","content":"My card is 4111 1111 1111 1111, caf\u00e9?"}]}"#;
//! let api = detect("/v1/chat/completions", Some(body));
//! let view = parse_request(api, body, &Limits::default()).unwrap();
//! let user = &view.segments[1];
//! assert_eq!((user.role, user.kind), (Role::User, SegmentKind::Prompt));
//! assert_eq!(user.text, "My card is 4111 1111 1111 1111, café?");
//! assert_eq!(user.pointer, "/messages/1/content");
//!
//! let redacted = user.text.replace("4111 1111 1111 1111", "[CARD]");
//! let out = apply_edits(body, &[Edit::new(user.span.clone(), redacted)]).unwrap();
//! let expected = r#"{"model":"gpt-4o","messages":[
//!   {"role":"system","content":"Be brief."},
//!   {"role":"user","content":"My card is [CARD], café?"}]}"#;
//! assert_eq!(out, expected.as_bytes());
//! ```

mod api;
mod error;
pub mod errors;
mod formats;
pub mod json;
mod request_edits;
mod rewrite;
pub mod stream;
mod swar;
mod view;

pub use api::{detect, framing_for, is_streaming_path, Api, Framing, Operation, Provider};
pub use error::{FormatError, FormatErrorKind, Limits};
pub use request_edits::{clamp_max_tokens, request_stream_usage, set_model};
pub use rewrite::{apply_edits, insert_member, replace_value, Edit};
pub use stream::{rewrite_event, Delta, DeltaKind, StreamEvent, StreamParser};
pub use view::{
    parse_request, parse_response, JsonPointer, RequestView, ResponseFormat, ResponseView, Role,
    Segment, SegmentKind, Text, ToolCall, ToolDef, Usage,
};
