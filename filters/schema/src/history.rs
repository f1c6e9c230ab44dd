//! Tool calls replayed in a request's conversation history, with the exact JSON Pointer of
//! their arguments — so a violation inside them points at the byte the developer must fix.

use parapet_core::{Api, Operation};
use serde_json::Value;

/// One tool call found in a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryToolCall {
    pub name: String,
    /// JSON Pointer of the arguments in the body (a string for OpenAI formats, an object elsewhere).
    pub pointer: String,
    /// The arguments as a value: decoded from the JSON string (OpenAI), or the object itself.
    /// `Err` carries the decode problem when an OpenAI arguments string is not JSON.
    pub arguments: Result<Value, String>,
}

/// Every tool call in `body`'s history, in document order.
pub fn history_tool_calls(api: Api, body: &Value) -> Vec<HistoryToolCall> {
    let mut out = Vec::new();
    match api.operation {
        Operation::ChatCompletions => {
            for (m, msg) in items(body.get("messages")) {
                for (k, call) in items(msg.get("tool_calls")) {
                    push_string(
                        &mut out,
                        call.pointer("/function/name"),
                        call.pointer("/function/arguments"),
                        format!("/messages/{m}/tool_calls/{k}/function/arguments"),
                    );
                }
                if let Some(fc) = msg.get("function_call") {
                    push_string(
                        &mut out,
                        fc.get("name"),
                        fc.get("arguments"),
                        format!("/messages/{m}/function_call/arguments"),
                    );
                }
            }
        }
        Operation::Responses => {
            for (i, item) in items(body.get("input")) {
                if item.get("type").and_then(Value::as_str) == Some("function_call") {
                    push_string(
                        &mut out,
                        item.get("name"),
                        item.get("arguments"),
                        format!("/input/{i}/arguments"),
                    );
                }
            }
        }
        Operation::Messages => {
            for (m, msg) in items(body.get("messages")) {
                for (b, block) in items(msg.get("content")) {
                    if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                        push_object(
                            &mut out,
                            block.get("name"),
                            block.get("input"),
                            format!("/messages/{m}/content/{b}/input"),
                        );
                    }
                }
            }
        }
        Operation::GenerateContent => {
            for (c, content) in items(body.get("contents")) {
                for (p, part) in items(content.get("parts")) {
                    for key in ["functionCall", "function_call"] {
                        if let Some(call) = part.get(key) {
                            push_object(
                                &mut out,
                                call.get("name"),
                                call.get("args"),
                                format!("/contents/{c}/parts/{p}/{key}/args"),
                            );
                        }
                    }
                }
            }
        }
        Operation::Converse => {
            for (m, msg) in items(body.get("messages")) {
                for (b, block) in items(msg.get("content")) {
                    if let Some(call) = block.get("toolUse") {
                        push_object(
                            &mut out,
                            call.get("name"),
                            call.get("input"),
                            format!("/messages/{m}/content/{b}/toolUse/input"),
                        );
                    }
                }
            }
        }
        Operation::OllamaChat => {
            for (m, msg) in items(body.get("messages")) {
                for (k, call) in items(msg.get("tool_calls")) {
                    push_object(
                        &mut out,
                        call.pointer("/function/name"),
                        call.pointer("/function/arguments"),
                        format!("/messages/{m}/tool_calls/{k}/function/arguments"),
                    );
                }
            }
        }
        _ => {}
    }
    out
}

fn items(v: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn push_string(
    out: &mut Vec<HistoryToolCall>,
    name: Option<&Value>,
    args: Option<&Value>,
    pointer: String,
) {
    let name = name.and_then(Value::as_str).unwrap_or_default().to_string();
    let arguments = match args {
        Some(Value::String(text)) => {
            serde_json::from_str(text).map_err(|e| format!("arguments are not valid JSON: {e}"))
        }
        Some(other) => Err(format!(
            "arguments must be a JSON-encoded string, found {}",
            type_name(other)
        )),
        None => Err("arguments are missing".to_string()),
    };
    out.push(HistoryToolCall {
        name,
        pointer,
        arguments,
    });
}

fn push_object(
    out: &mut Vec<HistoryToolCall>,
    name: Option<&Value>,
    args: Option<&Value>,
    pointer: String,
) {
    let name = name.and_then(Value::as_str).unwrap_or_default().to_string();
    let arguments = Ok(args.cloned().unwrap_or(Value::Object(Default::default())));
    out.push(HistoryToolCall {
        name,
        pointer,
        arguments,
    });
}

pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
