//! Text views of requests and responses: which texts a body carries, with role, kind
//! and exact byte span — plus the control fields filters care about.

mod collect;
mod pointer;
mod text;
mod usage;

pub(crate) use collect::{ptr, push_index, At, Collector, PtrToken};
pub use pointer::JsonPointer;
pub use text::Text;
pub use usage::Usage;
pub(crate) use usage::{AnthropicUsage, UsageFields};

use std::ops::Range;

use crate::api::{Api, Operation, Provider};
use crate::error::{FormatError, Limits};
use crate::formats;
use crate::json::Doc;

/// Who a text is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// System-level text: system prompts, instructions, tool definitions.
    System,
    /// OpenAI `developer` messages (treat like `System`).
    Developer,
    User,
    Assistant,
    /// Tool results: third-party text fed back to the model (untrusted).
    Tool,
}

impl Role {
    /// Maps a provider role string; unknown roles count as `User` (the least trusted
    /// role a guard scans with prompt rules).
    pub fn from_wire(role: &str) -> Role {
        // The spellings providers send, before the case-insensitive comparisons.
        match role {
            "user" => return Role::User,
            "assistant" => return Role::Assistant,
            "system" => return Role::System,
            "tool" => return Role::Tool,
            _ => {}
        }
        let is = |name: &str| role.eq_ignore_ascii_case(name);
        if is("system") {
            Role::System
        } else if is("developer") {
            Role::Developer
        } else if is("assistant") || is("model") {
            Role::Assistant
        } else if is("tool") || is("function") {
            Role::Tool
        } else {
            Role::User
        }
    }
}

/// What a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// Text a user (or a replayed turn) sends to the model.
    Prompt,
    /// System / developer instructions.
    Instructions,
    /// Model-written text (responses, and assistant turns replayed in requests).
    Output,
    /// A refusal, in its own field.
    Refusal,
    ToolCallName,
    /// Tool-call arguments: a JSON-encoded string (OpenAI) or each string inside an
    /// arguments object (Anthropic, Gemini, Bedrock, Ollama).
    ToolCallArguments,
    /// Output of a tool sent back to the model.
    ToolResult,
    /// Tool descriptions and the `description`s inside their parameter schemas.
    ToolDefinition,
    /// Any other text: message `name`s, reasoning/thinking text, unknown part types,
    /// and every string in generic mode.
    Other,
}

/// One text in a body.
///
/// The text borrows from the body (`'a`) when its JSON literal has no escapes (see
/// [`Text`]); either way `segment.text` reads as a `&str`. [`Segment::into_owned`]
/// detaches a segment from the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    pub role: Role,
    pub kind: SegmentKind,
    /// Position of the message/turn/item in the request's conversation, if any.
    pub message_index: Option<usize>,
    /// Choice / candidate index in a response, if any.
    pub choice_index: Option<usize>,
    /// Byte range of the JSON string literal in the raw body, quotes included.
    pub span: Range<usize>,
    /// Decoded text.
    pub text: Text<'a>,
    /// JSON Pointer of the string value.
    pub pointer: JsonPointer,
}

impl Segment<'_> {
    /// The same segment, owning its text.
    pub fn into_owned(self) -> Segment<'static> {
        Segment {
            text: self.text.into_owned(),
            ..self
        }
    }
}

/// A tool the request declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolDef {
    pub name: String,
    pub description: Option<String>,
    /// The parameters JSON Schema, raw bytes of the body as text.
    pub parameters: Option<String>,
    /// JSON Pointer of the tool definition object.
    pub pointer: String,
}

/// The structured-output format a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFormat {
    /// `json_schema`, `json_object`, `text`, `json` (Ollama), or a Gemini MIME type.
    pub kind: String,
    pub name: Option<String>,
    /// The JSON Schema, raw JSON text (Bedrock's schema-as-a-string is decoded to JSON text).
    pub schema: Option<String>,
    pub pointer: String,
}

/// A tool call: requested by the model in a response/stream, or replayed in a request's history.
/// Texts borrow from the body like [`Segment::text`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolCall<'a> {
    /// Choice / candidate index (0 for requests and single-choice APIs).
    pub choice: usize,
    /// Position of the call: `tool_calls[].index` (OpenAI), content-block index
    /// (Anthropic, Bedrock), output index (Responses), order of appearance otherwise.
    pub index: usize,
    pub id: Option<Text<'a>>,
    pub name: Text<'a>,
    /// Arguments as JSON text: the decoded string (OpenAI) or the raw object (others).
    pub arguments: Text<'a>,
    /// Message / item index in a request's history.
    pub message_index: Option<usize>,
}

impl ToolCall<'_> {
    /// The same call, owning its texts.
    pub fn into_owned(self) -> ToolCall<'static> {
        ToolCall {
            id: self.id.map(Text::into_owned),
            name: self.name.into_owned(),
            arguments: self.arguments.into_owned(),
            ..self
        }
    }
}

/// What a request carries. Borrows texts from the body (`'a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView<'a> {
    pub api: Api,
    pub model: Option<String>,
    /// `stream: true` in the body (Ollama defaults to true). Gemini and Bedrock put the
    /// stream choice in the path: see [`crate::is_streaming_path`].
    pub stream: bool,
    /// The effective output-token limit (the smaller one when several fields are set).
    pub max_tokens: Option<u64>,
    /// JSON Pointer of the field `max_tokens` came from.
    pub max_tokens_pointer: Option<String>,
    pub tools: Vec<ToolDef>,
    pub response_format: Option<ResponseFormat>,
    pub segments: Vec<Segment<'a>>,
    /// Tool calls replayed in the conversation history.
    pub tool_calls: Vec<ToolCall<'a>>,
    /// OpenAI `stream_options.include_usage` (None when absent).
    pub include_usage: Option<bool>,
    /// Number of messages / turns / input items.
    pub message_count: usize,
}

/// What a (non-streamed) response carries. Borrows texts from the body (`'a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseView<'a> {
    pub api: Api,
    pub model: Option<String>,
    pub segments: Vec<Segment<'a>>,
    pub tool_calls: Vec<ToolCall<'a>>,
    /// Per choice/candidate, in order (`stop`, `end_turn`, `SAFETY`, a Gemini prompt
    /// `blockReason`, a Responses `status`…).
    pub finish_reasons: Vec<String>,
    pub usage: Option<Usage>,
    /// The body is a provider error envelope rather than a result.
    pub error: bool,
}

/// The texts both views borrow, detached from the body.
fn owned_texts(
    segments: Vec<Segment<'_>>,
    tool_calls: Vec<ToolCall<'_>>,
) -> (Vec<Segment<'static>>, Vec<ToolCall<'static>>) {
    (
        segments.into_iter().map(Segment::into_owned).collect(),
        tool_calls.into_iter().map(ToolCall::into_owned).collect(),
    )
}

impl RequestView<'_> {
    /// The same view, owning its texts (to keep it after the body is gone).
    pub fn into_owned(self) -> RequestView<'static> {
        let (segments, tool_calls) = owned_texts(self.segments, self.tool_calls);
        RequestView {
            segments,
            tool_calls,
            ..self
        }
    }

    pub(crate) fn empty(api: Api) -> Self {
        RequestView {
            api,
            model: None,
            stream: false,
            max_tokens: None,
            max_tokens_pointer: None,
            tools: Vec::new(),
            response_format: None,
            segments: Vec::new(),
            tool_calls: Vec::new(),
            include_usage: None,
            message_count: 0,
        }
    }

    /// Records a token-limit field, keeping the smallest limit seen.
    pub(crate) fn offer_max_tokens(&mut self, node: crate::json::NodeRef, pointer: &str) {
        if let Some(v) = node.as_u64() {
            if self.max_tokens.is_none_or(|cur| v < cur) {
                self.max_tokens = Some(v);
                self.max_tokens_pointer = Some(pointer.to_string());
            }
        }
    }
}

impl ResponseView<'_> {
    /// The same view, owning its texts (to keep it after the body is gone).
    pub fn into_owned(self) -> ResponseView<'static> {
        let (segments, tool_calls) = owned_texts(self.segments, self.tool_calls);
        ResponseView {
            segments,
            tool_calls,
            ..self
        }
    }

    pub(crate) fn empty(api: Api) -> Self {
        ResponseView {
            api,
            model: None,
            segments: Vec::new(),
            tool_calls: Vec::new(),
            finish_reasons: Vec::new(),
            usage: None,
            error: false,
        }
    }
}

/// Builds the text view of a request body.
///
/// Errors only for bodies that are not JSON (or break the limits). Valid JSON of an
/// unexpected shape never fails: fields that are not where the format puts them are
/// skipped, and unknown content-part types are surfaced as `Other` segments.
pub fn parse_request<'a>(
    api: Api,
    body: &'a [u8],
    limits: &Limits,
) -> Result<RequestView<'a>, FormatError> {
    let doc = Doc::parse_decoded(body, limits)?;
    let root = doc.root();
    let view = match api.operation {
        Operation::ChatCompletions => formats::openai_chat::request(api, root),
        Operation::OllamaChat => formats::ollama::chat_request(api, root),
        Operation::OllamaGenerate => formats::ollama::generate_request(api, root),
        Operation::Responses => formats::openai_responses::request(api, root),
        Operation::Completions => formats::openai_legacy::completions_request(api, root),
        Operation::Embeddings => formats::openai_legacy::embeddings_request(api, root),
        Operation::Messages => formats::anthropic::request(api, root),
        Operation::GenerateContent => formats::gemini::request(api, root),
        Operation::Converse => formats::bedrock::request(api, root),
        Operation::Unknown => formats::generic::request(api, root),
    };
    Ok(view)
}

/// Builds the text view of a non-streamed response body.
pub fn parse_response<'a>(
    api: Api,
    body: &'a [u8],
    limits: &Limits,
) -> Result<ResponseView<'a>, FormatError> {
    let doc = Doc::parse_decoded(body, limits)?;
    let root = doc.root();
    let view = match api.operation {
        Operation::OllamaChat | Operation::OllamaGenerate => formats::ollama::response(api, root),
        Operation::Embeddings if api.provider == Provider::Ollama => {
            formats::ollama::response(api, root)
        }
        Operation::ChatCompletions => formats::openai_chat::response(api, root),
        Operation::Responses => formats::openai_responses::response(api, root),
        Operation::Completions => formats::openai_legacy::completions_response(api, root),
        Operation::Embeddings => formats::openai_legacy::embeddings_response(api, root),
        Operation::Messages => formats::anthropic::response(api, root),
        Operation::GenerateContent => formats::gemini::response(api, root),
        Operation::Converse => formats::bedrock::response(api, root),
        Operation::Unknown => formats::generic::response(api, root),
    };
    Ok(view)
}
