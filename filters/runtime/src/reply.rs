//! Local replies in the provider's own error format, so SDK clients show a clear message.

use parapet_core::errors::{error_body, error_headers, stream_error_event, ErrorKind};
use parapet_core::{Api, Framing, Provider};

use crate::verdict::{Block, Reason};

/// A complete local reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The core's error kind for a block reason.
pub fn error_kind(reason: Reason) -> ErrorKind {
    match reason {
        Reason::InvalidRequest => ErrorKind::InvalidRequest,
        Reason::Policy | Reason::UnsafeOutput => ErrorKind::PolicyViolation,
        Reason::TooLarge => ErrorKind::TooLarge,
        Reason::RateLimited => ErrorKind::RateLimited,
        Reason::Unavailable => ErrorKind::Unavailable,
    }
}

/// The message the client sees: Parapet's prefix, the filter's message, and the request id
/// where the provider's envelope has no field for it (Anthropic has `request_id`).
fn client_message(api: Api, block: &Block, request_id: Option<&str>, filter: &str) -> String {
    let mut message = format!("{} (parapet {filter})", block.message);
    if let (Some(id), false) = (request_id, api.provider == Provider::Anthropic) {
        message.push_str(&format!(" [request id: {id}]"));
    }
    message
}

/// Builds the local reply for a block: status, provider error body, `retry-after`,
/// `x-request-id`, `x-parapet-filter` and the provider's own error headers.
pub fn local_reply(api: Api, block: &Block, request_id: Option<&str>, filter: &str) -> Reply {
    let status = block.reason.status();
    let kind = error_kind(block.reason);
    let message = client_message(api, block, request_id, filter);
    let (content_type, body) = error_body(api, status, kind, &message, request_id);
    let mut headers = vec![
        ("content-type".to_string(), content_type.to_string()),
        ("x-parapet-filter".to_string(), filter.to_string()),
    ];
    if let Some(secs) = block.retry_after {
        headers.push(("retry-after".to_string(), secs.to_string()));
    }
    if let Some(id) = request_id {
        headers.push(("x-request-id".to_string(), id.to_string()));
    }
    for (name, value) in error_headers(api, kind) {
        headers.push((name.to_string(), value));
    }
    Reply {
        status,
        headers,
        body,
    }
}

/// A terminal error event for a stream (after HTTP 200 the status cannot change).
pub fn stream_error(api: Api, framing: Framing, block: &Block, filter: &str) -> Vec<u8> {
    let message = format!("{} (parapet {filter})", block.message);
    stream_error_event(api, framing, error_kind(block.reason), &message)
}

/// The body that replaces a blocked JSON response (response headers have already gone out, so
/// the status cannot change; the body carries the error in the provider's envelope).
pub fn response_error_body(
    api: Api,
    block: &Block,
    request_id: Option<&str>,
    filter: &str,
) -> Vec<u8> {
    let message = client_message(api, block, request_id, filter);
    error_body(
        api,
        block.reason.status(),
        error_kind(block.reason),
        &message,
        request_id,
    )
    .1
}

#[cfg(test)]
mod tests {
    use super::*;
    use parapet_core::Operation;
    use serde_json::Value;

    fn json(body: &[u8]) -> Value {
        serde_json::from_slice(body).unwrap()
    }

    #[test]
    fn openai_shape_with_request_id() {
        let api = Api::new(Provider::OpenAi, Operation::ChatCompletions);
        let r = local_reply(
            api,
            &Block::policy("prompt injection"),
            Some("rid-1"),
            "prompt-guard",
        );
        assert_eq!(r.status, 403);
        let v = json(&r.body);
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("prompt injection") && msg.contains("rid-1"),
            "{msg}"
        );
        for key in ["type", "code", "param"] {
            assert!(v["error"].get(key).is_some(), "{v}");
        }
        assert!(r.headers.contains(&("x-request-id".into(), "rid-1".into())));
    }

    #[test]
    fn anthropic_gemini_bedrock_shapes() {
        let b = Block::rate_limited("budget exhausted", 30);
        let a = local_reply(
            Api::new(Provider::Anthropic, Operation::Messages),
            &b,
            Some("r"),
            "t",
        );
        let v = json(&a.body);
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "rate_limit_error");
        assert_eq!(v["request_id"], "r");
        assert!(a.headers.contains(&("retry-after".into(), "30".into())));
        assert_eq!(a.status, 429);

        let g = local_reply(
            Api::new(Provider::Gemini, Operation::GenerateContent),
            &b,
            None,
            "t",
        );
        let v = json(&g.body);
        assert_eq!(v["error"]["code"], 429);
        assert_eq!(v["error"]["status"], "RESOURCE_EXHAUSTED");

        let br = local_reply(
            Api::new(Provider::Bedrock, Operation::Converse),
            &Block::invalid("bad"),
            None,
            "t",
        );
        assert!(json(&br.body)["message"].as_str().unwrap().contains("bad"));
        assert!(br
            .headers
            .iter()
            .any(|(k, v)| k == "x-amzn-errortype" && v == "ValidationException"));
        assert_eq!(br.status, 400);
    }
}
