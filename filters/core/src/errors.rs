//! Provider-shaped error bodies and terminal stream error events, so a client SDK
//! raises its normal exception type when Parapet blocks or fails a request.

use crate::api::{Api, Framing, Provider};
use crate::json::encode_string;
use crate::stream::eventstream;

/// Why Parapet answers with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Malformed request (400).
    InvalidRequest,
    /// A policy / guard blocked the content (usually 400).
    PolicyViolation,
    Unauthorized,
    Forbidden,
    NotFound,
    /// Body or context too large (413).
    TooLarge,
    /// Rate or token budget exhausted (429).
    RateLimited,
    Internal,
    /// Overloaded / upstream unavailable (503).
    Unavailable,
    Timeout,
}

impl ErrorKind {
    /// The HTTP status a provider uses for this kind.
    pub fn default_status(self) -> u16 {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::PolicyViolation => 400,
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::TooLarge => 413,
            ErrorKind::RateLimited => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
            ErrorKind::Timeout => 504,
        }
    }

    /// OpenAI `(type, code)`.
    fn openai(self) -> (&'static str, &'static str) {
        match self {
            ErrorKind::InvalidRequest => ("invalid_request_error", "invalid_request"),
            ErrorKind::PolicyViolation => ("invalid_request_error", "content_policy_violation"),
            ErrorKind::Unauthorized => ("authentication_error", "invalid_api_key"),
            ErrorKind::Forbidden => ("permission_error", "permission_denied"),
            ErrorKind::NotFound => ("not_found_error", "not_found"),
            ErrorKind::TooLarge => ("invalid_request_error", "request_too_large"),
            ErrorKind::RateLimited => ("rate_limit_error", "rate_limit_exceeded"),
            ErrorKind::Internal => ("server_error", "internal_error"),
            ErrorKind::Unavailable => ("server_error", "service_unavailable"),
            ErrorKind::Timeout => ("server_error", "timeout"),
        }
    }

    fn anthropic(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::PolicyViolation => "invalid_request_error",
            ErrorKind::Unauthorized => "authentication_error",
            ErrorKind::Forbidden => "permission_error",
            ErrorKind::NotFound => "not_found_error",
            ErrorKind::TooLarge => "request_too_large",
            ErrorKind::RateLimited => "rate_limit_error",
            ErrorKind::Internal => "api_error",
            ErrorKind::Unavailable => "overloaded_error",
            ErrorKind::Timeout => "timeout_error",
        }
    }

    fn gemini(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::PolicyViolation | ErrorKind::TooLarge => {
                "INVALID_ARGUMENT"
            }
            ErrorKind::Unauthorized => "UNAUTHENTICATED",
            ErrorKind::Forbidden => "PERMISSION_DENIED",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::RateLimited => "RESOURCE_EXHAUSTED",
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::Unavailable => "UNAVAILABLE",
            ErrorKind::Timeout => "DEADLINE_EXCEEDED",
        }
    }

    /// Bedrock exception name (the `x-amzn-ErrorType` header / `:exception-type`, PascalCase).
    fn bedrock(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest | ErrorKind::PolicyViolation | ErrorKind::TooLarge => {
                "ValidationException"
            }
            ErrorKind::Unauthorized | ErrorKind::Forbidden => "AccessDeniedException",
            ErrorKind::NotFound => "ResourceNotFoundException",
            ErrorKind::RateLimited => "ThrottlingException",
            ErrorKind::Internal => "InternalServerException",
            ErrorKind::Unavailable => "ServiceUnavailableException",
            ErrorKind::Timeout => "ModelTimeoutException",
        }
    }
}

/// Extra response headers the provider's error carries (Bedrock: `x-amzn-errortype`).
pub fn error_headers(api: Api, kind: ErrorKind) -> Vec<(&'static str, String)> {
    match api.provider {
        Provider::Bedrock => vec![("x-amzn-errortype", kind.bedrock().to_string())],
        _ => Vec::new(),
    }
}

/// A complete error response body `(content_type, body)` in the provider's envelope.
pub fn error_body(
    api: Api,
    status: u16,
    kind: ErrorKind,
    message: &str,
    request_id: Option<&str>,
) -> (&'static str, Vec<u8>) {
    let msg = encode_string(message);
    let body = match api.provider {
        Provider::OpenAi | Provider::Generic => {
            let (ty, code) = kind.openai();
            format!(r#"{{"error":{{"message":{msg},"type":"{ty}","param":null,"code":"{code}"}}}}"#)
        }
        Provider::Anthropic => {
            let rid = request_id
                .map(|r| format!(r#","request_id":{}"#, encode_string(r)))
                .unwrap_or_default();
            format!(
                r#"{{"type":"error","error":{{"type":"{}","message":{msg}}}{rid}}}"#,
                kind.anthropic()
            )
        }
        Provider::Gemini => format!(
            r#"{{"error":{{"code":{status},"message":{msg},"status":"{}"}}}}"#,
            kind.gemini()
        ),
        Provider::Bedrock => format!(r#"{{"message":{msg}}}"#),
        Provider::Ollama => format!(r#"{{"error":{msg}}}"#),
    };
    ("application/json", body.into_bytes())
}

/// A terminal error event, framed for the stream being forwarded (after HTTP 200 the
/// status cannot change, so this is how a mid-stream block reaches the client).
/// With [`Framing::Json`] it is the plain error body.
pub fn stream_error_event(api: Api, framing: Framing, kind: ErrorKind, message: &str) -> Vec<u8> {
    let msg = encode_string(message);
    match framing {
        Framing::Json => error_body(api, kind.default_status(), kind, message, None).1,
        Framing::Sse => {
            let (event, data) = match (api.provider, api.operation) {
                (Provider::Anthropic, _) => (
                    Some("error"),
                    format!(
                        r#"{{"type":"error","error":{{"type":"{}","message":{msg}}}}}"#,
                        kind.anthropic()
                    ),
                ),
                (Provider::OpenAi, crate::api::Operation::Responses) => {
                    let (_, code) = kind.openai();
                    (
                        Some("error"),
                        format!(
                            r#"{{"type":"error","code":"{code}","message":{msg},"param":null}}"#
                        ),
                    )
                }
                (Provider::Gemini, _) => (
                    None,
                    String::from_utf8_lossy(
                        &error_body(api, kind.default_status(), kind, message, None).1,
                    )
                    .into_owned(),
                ),
                _ => (
                    None,
                    String::from_utf8_lossy(
                        &error_body(
                            Api::new(Provider::OpenAi, api.operation),
                            kind.default_status(),
                            kind,
                            message,
                            None,
                        )
                        .1,
                    )
                    .into_owned(),
                ),
            };
            let mut out = String::new();
            if let Some(e) = event {
                out.push_str("event: ");
                out.push_str(e);
                out.push('\n');
            }
            out.push_str("data: ");
            out.push_str(&data);
            out.push_str("\n\n");
            out.into_bytes()
        }
        Framing::Ndjson => {
            let mut out = format!(r#"{{"error":{msg}}}"#).into_bytes();
            out.push(b'\n');
            out
        }
        Framing::EventStream => {
            let name = kind.bedrock();
            // Stream exception members are lowerCamelCase (`throttlingException`).
            let mut member = name[..1].to_ascii_lowercase();
            member.push_str(&name[1..]);
            eventstream::encode_frame(
                &[
                    (":exception-type", member.as_str()),
                    (":content-type", "application/json"),
                    (":message-type", "exception"),
                ],
                format!(r#"{{"message":{msg}}}"#).as_bytes(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Operation;

    fn body(api: Api, kind: ErrorKind) -> String {
        let (ct, b) = error_body(
            api,
            kind.default_status(),
            kind,
            "blocked \"x\"",
            Some("req_1"),
        );
        assert_eq!(ct, "application/json");
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn provider_envelopes() {
        assert_eq!(
            body(
                Api::new(Provider::OpenAi, Operation::ChatCompletions),
                ErrorKind::PolicyViolation
            ),
            r#"{"error":{"message":"blocked \"x\"","type":"invalid_request_error","param":null,"code":"content_policy_violation"}}"#
        );
        assert_eq!(
            body(
                Api::new(Provider::Anthropic, Operation::Messages),
                ErrorKind::RateLimited
            ),
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"blocked \"x\""},"request_id":"req_1"}"#
        );
        assert_eq!(
            body(
                Api::new(Provider::Gemini, Operation::GenerateContent),
                ErrorKind::RateLimited
            ),
            r#"{"error":{"code":429,"message":"blocked \"x\"","status":"RESOURCE_EXHAUSTED"}}"#
        );
        let bedrock = Api::new(Provider::Bedrock, Operation::Converse);
        assert_eq!(
            body(bedrock, ErrorKind::RateLimited),
            r#"{"message":"blocked \"x\""}"#
        );
        assert_eq!(
            error_headers(bedrock, ErrorKind::RateLimited),
            vec![("x-amzn-errortype", "ThrottlingException".to_string())]
        );
        assert_eq!(
            body(
                Api::new(Provider::Ollama, Operation::OllamaChat),
                ErrorKind::NotFound
            ),
            r#"{"error":"blocked \"x\""}"#
        );
    }

    #[test]
    fn stream_events_are_framed() {
        let a = stream_error_event(
            Api::new(Provider::Anthropic, Operation::Messages),
            Framing::Sse,
            ErrorKind::Unavailable,
            "Overloaded",
        );
        assert_eq!(
            a,
            b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
        );
        let o = stream_error_event(
            Api::new(Provider::OpenAi, Operation::ChatCompletions),
            Framing::Sse,
            ErrorKind::PolicyViolation,
            "no",
        );
        assert!(o.starts_with(b"data: {\"error\":{\"message\":\"no\""));
        assert!(o.ends_with(b"}}\n\n"));
        let n = stream_error_event(
            Api::new(Provider::Ollama, Operation::OllamaChat),
            Framing::Ndjson,
            ErrorKind::Internal,
            "boom",
        );
        assert_eq!(n, b"{\"error\":\"boom\"}\n");
    }
}
