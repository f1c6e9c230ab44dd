//! Which provider API a request speaks, detected from its path and body shape.

use crate::error::Limits;
use crate::json::{Doc, Kind, NodeRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// OpenAI, Azure OpenAI and OpenAI-compatible servers (vLLM, Mistral, Groq, Ollama `/v1`…).
    OpenAi,
    Anthropic,
    Gemini,
    Bedrock,
    Ollama,
    /// Unknown JSON: every string value is a segment.
    Generic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    ChatCompletions,
    Responses,
    Completions,
    Embeddings,
    Messages,
    GenerateContent,
    Converse,
    OllamaChat,
    OllamaGenerate,
    Unknown,
}

/// A provider + operation pair: everything the parsers need to know about a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Api {
    pub provider: Provider,
    pub operation: Operation,
}

impl Api {
    pub const fn new(provider: Provider, operation: Operation) -> Self {
        Api {
            provider,
            operation,
        }
    }

    /// The generic "every string is a segment" mode.
    pub const GENERIC: Api = Api::new(Provider::Generic, Operation::Unknown);

    /// Parses names used in configuration: `"openai"`, `"openai.responses"`, `"anthropic"`,
    /// `"gemini"`, `"bedrock"`, `"ollama.chat"`, `"generic"`… (case-insensitive).
    /// A bare provider name selects its main operation.
    pub fn from_name(name: &str) -> Option<Api> {
        use Operation::*;
        use Provider::*;
        let lower = name.trim().to_ascii_lowercase();
        let api = match lower.as_str() {
            "openai" | "openai.chat" | "openai.chat_completions" | "azure" | "mistral" | "vllm" => {
                Api::new(OpenAi, ChatCompletions)
            }
            "openai.responses" => Api::new(OpenAi, Responses),
            "openai.completions" => Api::new(OpenAi, Completions),
            "openai.embeddings" => Api::new(OpenAi, Embeddings),
            "anthropic" | "anthropic.messages" => Api::new(Anthropic, Messages),
            "gemini" | "gemini.generate_content" | "vertex" => Api::new(Gemini, GenerateContent),
            "bedrock" | "bedrock.converse" => Api::new(Bedrock, Converse),
            "ollama" | "ollama.chat" => Api::new(Ollama, OllamaChat),
            "ollama.generate" => Api::new(Ollama, OllamaGenerate),
            "ollama.embeddings" | "ollama.embed" => Api::new(Ollama, Embeddings),
            "generic" => Api::GENERIC,
            _ => return None,
        };
        Some(api)
    }
}

/// Detects the API from the request path (query string ignored) and, when the path
/// says nothing, from the body's shape. Never fails: unknown → [`Api::GENERIC`].
pub fn detect(path: &str, body: Option<&[u8]>) -> Api {
    if let Some(api) = detect_path(path) {
        return api;
    }
    body.and_then(detect_body).unwrap_or(Api::GENERIC)
}

/// True when the path itself selects a streaming operation (Gemini
/// `:streamGenerateContent`, Bedrock `/converse-stream`, Vertex `:streamRawPredict`),
/// where the body carries no `stream` flag.
pub fn is_streaming_path(path: &str) -> bool {
    let p = path_only(path);
    p.ends_with(":streamGenerateContent")
        || p.ends_with("/converse-stream")
        || p.ends_with(":streamRawPredict")
        || p.ends_with("/invoke-with-response-stream")
}

fn path_only(path: &str) -> &str {
    let p = path.split(['?', '#']).next().unwrap_or("");
    p.trim_end_matches('/')
}

fn detect_path(path: &str) -> Option<Api> {
    use Operation::*;
    use Provider::*;
    let p = path_only(path);
    if p.ends_with(":generateContent") || p.ends_with(":streamGenerateContent") {
        return Some(Api::new(Gemini, GenerateContent));
    }
    if p.ends_with(":rawPredict") || p.ends_with(":streamRawPredict") {
        return Some(Api::new(Anthropic, Messages));
    }
    if p.contains("/model/") && (p.ends_with("/converse") || p.ends_with("/converse-stream")) {
        return Some(Api::new(Bedrock, Converse));
    }
    if p.ends_with("/api/chat") {
        return Some(Api::new(Ollama, OllamaChat));
    }
    if p.ends_with("/api/generate") {
        return Some(Api::new(Ollama, OllamaGenerate));
    }
    if p.ends_with("/api/embed") || p.ends_with("/api/embeddings") {
        return Some(Api::new(Ollama, Embeddings));
    }
    if p.ends_with("/chat/completions") {
        return Some(Api::new(OpenAi, ChatCompletions));
    }
    if p.ends_with("/completions") {
        return Some(Api::new(OpenAi, Completions));
    }
    if p.ends_with("/embeddings") {
        return Some(Api::new(OpenAi, Embeddings));
    }
    if p.ends_with("/responses") {
        return Some(Api::new(OpenAi, Responses));
    }
    if p.ends_with("/v1/messages") || p.ends_with("/messages/count_tokens") {
        return Some(Api::new(Anthropic, Messages));
    }
    None
}

fn detect_body(body: &[u8]) -> Option<Api> {
    use Operation::*;
    use Provider::*;
    let doc = Doc::parse(body, &Limits::default()).ok()?;
    let root = doc.root();
    if root.kind() != Some(Kind::Object) {
        return None;
    }
    if root.get("contents").exists() {
        return Some(Api::new(Gemini, GenerateContent));
    }
    let messages = root.get("messages");
    if messages.exists() {
        if looks_bedrock(&root) {
            return Some(Api::new(Bedrock, Converse));
        }
        if looks_anthropic(&root) {
            return Some(Api::new(Anthropic, Messages));
        }
        return Some(Api::new(OpenAi, ChatCompletions));
    }
    if root.get("input").exists()
        && (root.get("instructions").exists() || root.get("max_output_tokens").exists())
    {
        return Some(Api::new(OpenAi, Responses));
    }
    if root.get("prompt").kind() == Some(Kind::String) && root.get("model").exists() {
        return Some(Api::new(OpenAi, Completions));
    }
    None
}

fn looks_bedrock(root: &NodeRef) -> bool {
    if root.get("inferenceConfig").exists() || root.get("toolConfig").exists() {
        return true;
    }
    // Converse content blocks are single-key unions without a "type" discriminator.
    root.get("messages").items().any(|m| {
        m.get("content")
            .items()
            .any(|b| b.kind() == Some(Kind::Object) && !b.get("type").exists())
    }) || root.get("system").items().any(|b| !b.get("type").exists())
}

fn looks_anthropic(root: &NodeRef) -> bool {
    if root.get("anthropic_version").exists() || root.get("system").exists() {
        return true;
    }
    root.get("messages").items().any(|m| {
        m.get("content").items().any(|b| {
            matches!(
                b.get("type").str().as_deref(),
                Some("tool_use" | "tool_result" | "document" | "thinking")
            ) || b.get("source").exists()
        })
    })
}

/// How a response body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framing {
    /// One JSON document.
    Json,
    /// `text/event-stream`.
    Sse,
    /// Newline-delimited JSON (Ollama native streams).
    Ndjson,
    /// AWS `application/vnd.amazon.eventstream` binary frames.
    EventStream,
}

/// Framing from the response `content-type` (parameters and case ignored); when the
/// type is missing or generic, from what the API is known to send.
pub fn framing_for(content_type: &str, api: Api) -> Framing {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match ct.as_str() {
        "text/event-stream" => Framing::Sse,
        "application/vnd.amazon.eventstream" => Framing::EventStream,
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/x-jsonlines" => Framing::Ndjson,
        "" if api.provider == Provider::Ollama => Framing::Ndjson,
        _ => Framing::Json,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;
    use Provider::*;

    #[test]
    fn detects_paths() {
        let cases = [
            ("/v1/chat/completions", OpenAi, ChatCompletions),
            (
                "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
                OpenAi,
                ChatCompletions,
            ),
            ("/openai/v1/responses", OpenAi, Responses),
            ("/v1/completions", OpenAi, Completions),
            ("/v1/embeddings", OpenAi, Embeddings),
            ("/v1/messages", Anthropic, Messages),
            (
                "/v1beta/models/gemini-2.5-flash:generateContent",
                Gemini,
                GenerateContent,
            ),
            (
                "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                Gemini,
                GenerateContent,
            ),
            (
                "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
                Gemini,
                GenerateContent,
            ),
            (
                "/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse",
                Bedrock,
                Converse,
            ),
            ("/model/us.amazon.nova-pro-v1:0/converse-stream", Bedrock, Converse),
            ("/api/chat", Ollama, OllamaChat),
            ("/api/generate", Ollama, OllamaGenerate),
            ("/api/embed", Ollama, Embeddings),
        ];
        for (path, p, o) in cases {
            assert_eq!(detect(path, None), Api::new(p, o), "{path}");
        }
        assert_eq!(detect("/whatever", None), Api::GENERIC);
        assert!(is_streaming_path(
            "/v1beta/models/x:streamGenerateContent?alt=sse"
        ));
        assert!(is_streaming_path("/model/m/converse-stream"));
        assert!(!is_streaming_path("/model/m/converse"));
    }

    #[test]
    fn detects_body_shapes_when_path_is_unknown() {
        let cases: [(&str, Api); 6] = [
            (
                r#"{"contents":[{"parts":[{"text":"hi"}]}]}"#,
                Api::new(Gemini, GenerateContent),
            ),
            (
                r#"{"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":5}}"#,
                Api::new(Bedrock, Converse),
            ),
            (
                r#"{"model":"claude","max_tokens":9,"system":"s","messages":[{"role":"user","content":"hi"}]}"#,
                Api::new(Anthropic, Messages),
            ),
            (
                r#"{"model":"gpt","messages":[{"role":"user","content":"hi"}]}"#,
                Api::new(OpenAi, ChatCompletions),
            ),
            (
                r#"{"model":"gpt","instructions":"x","input":"hi"}"#,
                Api::new(OpenAi, Responses),
            ),
            (
                r#"{"model":"m","prompt":"hi"}"#,
                Api::new(OpenAi, Completions),
            ),
        ];
        for (body, api) in cases {
            assert_eq!(detect("/proxy", Some(body.as_bytes())), api, "{body}");
        }
        assert_eq!(detect("/proxy", Some(b"{not json")), Api::GENERIC);
        assert_eq!(detect("/proxy", Some(br#"{"a":1}"#)), Api::GENERIC);
    }

    #[test]
    fn config_names() {
        assert_eq!(
            Api::from_name("OpenAI.Responses"),
            Some(Api::new(OpenAi, Responses))
        );
        assert_eq!(Api::from_name("bedrock"), Some(Api::new(Bedrock, Converse)));
        assert_eq!(Api::from_name("nope"), None);
    }

    #[test]
    fn framing_from_content_type() {
        let chat = Api::new(OpenAi, ChatCompletions);
        assert_eq!(
            framing_for("text/event-stream; charset=utf-8", chat),
            Framing::Sse
        );
        assert_eq!(framing_for("application/json", chat), Framing::Json);
        assert_eq!(
            framing_for(
                "application/vnd.amazon.eventstream",
                Api::new(Bedrock, Converse)
            ),
            Framing::EventStream
        );
        assert_eq!(
            framing_for("application/x-ndjson", Api::new(Ollama, OllamaChat)),
            Framing::Ndjson
        );
        assert_eq!(
            framing_for("", Api::new(Ollama, OllamaChat)),
            Framing::Ndjson
        );
    }
}
