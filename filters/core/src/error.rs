//! The one error type of the crate: what went wrong and at which byte.

use std::fmt;

/// Hard limits applied to every body and every stream event, so hostile input
/// can neither blow the stack (nesting) nor the heap (size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of arrays/objects. The scanner is iterative, so this is a
    /// policy limit, not a stack-safety requirement.
    pub max_depth: usize,
    /// Maximum size in bytes of one JSON body or one stream event.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// What kind of problem a [`FormatError`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatErrorKind {
    /// Malformed JSON; the text says what the scanner expected.
    InvalidJson(&'static str),
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// Arrays/objects nested deeper than [`Limits::max_depth`].
    TooDeep(usize),
    /// Body or event larger than [`Limits::max_bytes`].
    TooLarge(usize),
    /// The stream ended in the middle of an event, or before its terminal event.
    TruncatedStream(&'static str),
    /// A binary event-stream frame is malformed (length, header or CRC).
    InvalidFrame(String),
    /// An edit cannot be applied (overlap, out of range, not a string literal, bad raw JSON).
    InvalidEdit(String),
    /// A JSON Pointer does not resolve in the body.
    PointerNotFound(String),
    /// A stream carried text for more distinct choices and tool calls than this
    /// ([`crate::stream::MAX_STREAM_CHANNELS`]).
    TooManyChannels(usize),
}

/// An error with the byte offset (in the body, or in the whole stream) where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub offset: usize,
    pub kind: FormatErrorKind,
}

impl FormatError {
    pub fn new(offset: usize, kind: FormatErrorKind) -> Self {
        FormatError { offset, kind }
    }

    pub(crate) fn json(offset: usize, expected: &'static str) -> Self {
        FormatError::new(offset, FormatErrorKind::InvalidJson(expected))
    }

    pub(crate) fn edit(offset: usize, msg: impl Into<String>) -> Self {
        FormatError::new(offset, FormatErrorKind::InvalidEdit(msg.into()))
    }

    /// Same error, with its offset moved by `base` (used when a payload sits inside a stream).
    pub fn shifted(mut self, base: usize) -> Self {
        self.offset += base;
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.offset;
        match &self.kind {
            FormatErrorKind::InvalidJson(what) => write!(f, "invalid JSON at byte {at}: {what}"),
            FormatErrorKind::InvalidUtf8 => write!(f, "invalid UTF-8 at byte {at}"),
            FormatErrorKind::TooDeep(max) => {
                write!(f, "JSON nested deeper than {max} levels at byte {at}")
            }
            FormatErrorKind::TooLarge(max) => {
                write!(f, "body larger than the {max}-byte limit at byte {at}")
            }
            FormatErrorKind::TruncatedStream(what) => {
                write!(f, "truncated stream at byte {at}: {what}")
            }
            FormatErrorKind::InvalidFrame(what) => {
                write!(f, "invalid event-stream frame at byte {at}: {what}")
            }
            FormatErrorKind::InvalidEdit(what) => write!(f, "invalid edit at byte {at}: {what}"),
            FormatErrorKind::PointerNotFound(p) => {
                write!(f, "JSON pointer {p:?} not found (byte {at})")
            }
            FormatErrorKind::TooManyChannels(max) => write!(
                f,
                "stream carries more than {max} distinct choices and tool calls (at byte {at})"
            ),
        }
    }
}

impl std::error::Error for FormatError {}
