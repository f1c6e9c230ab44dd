//! The input document a policy sees (`filters/policy/input.schema.json` describes it).
use parapet_runtime::core::{RequestView, ResponseView, Role, SegmentKind};
use parapet_runtime::engine::{operation_name, provider_name};
use parapet_runtime::RequestInfo;
use serde_json::{json, Map, Value};

/// The Parapet filters whose recorded decisions appear under `input.findings`.
pub const DEFAULT_FINDINGS_FROM: &[&str] = &[
    "schema-guard",
    "prompt-guard",
    "pii-redact",
    "token-limit",
    "response-guard",
];

/// Fields every Parapet filter records for its request-phase decision, plus the extra ones
/// individual filters share. Comma-separated values become arrays.
const FINDING_FIELDS: &[&str] = &[
    "action",
    "mode",
    "categories",
    "rule_ids",
    "risk",
    "entities",
    "estimate",
    "estimated_tokens",
];
const LIST_FIELDS: &[&str] = &["categories", "rule_ids", "entities"];

/// `request`, `identity`, `llm` and `findings` for a request.
pub fn request_input(
    info: &RequestInfo,
    view: &RequestView,
    source_address: Option<String>,
    headers: &[String],
    findings: Map<String, Value>,
) -> Value {
    let mut selected = Map::new();
    for name in headers {
        if let Some(v) = info.header(name) {
            selected.insert(name.to_ascii_lowercase(), Value::String(v.to_string()));
        }
    }
    let identity = info.identity.as_ref().map_or(
        Value::Null,
        |id| json!({"id": id.value, "source": id.source.as_str()}),
    );
    json!({
        "request": {
            "method": info.method,
            "path": parapet_runtime::config::path_without_query(&info.path),
            "authority": info.authority,
            "headers": selected,
            "source_address": source_address,
        },
        "identity": identity,
        "llm": llm(view),
        "findings": findings,
    })
}

fn llm(view: &RequestView) -> Value {
    let mut per_role = [0usize; 5];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    let mut prompt_chars = 0usize;
    for s in &view.segments {
        if matches!(
            s.kind,
            SegmentKind::Prompt | SegmentKind::Instructions | SegmentKind::ToolResult
        ) {
            prompt_chars += s.text.chars().count();
        }
        let role = role_index(s.role);
        if let Some(m) = s.message_index {
            if !seen.contains(&(role, m)) {
                seen.push((role, m));
                per_role[role] += 1;
            }
        }
    }
    let tools: Vec<&str> = view.tools.iter().map(|t| t.name.as_str()).collect();
    json!({
        "provider": provider_name(view.api.provider),
        "operation": operation_name(view.api.operation),
        "model": view.model,
        "stream": view.stream,
        "max_tokens": view.max_tokens,
        "message_count": view.message_count,
        "messages": {
            "system": per_role[0], "developer": per_role[1], "user": per_role[2],
            "assistant": per_role[3], "tool": per_role[4],
        },
        "prompt_chars": prompt_chars,
        "tools": tools,
        "tool_calls_in_history": view.tool_calls.len(),
        "response_format": view.response_format.as_ref().map(|f| f.kind.clone()),
    })
}

fn role_index(role: Role) -> usize {
    match role {
        Role::System => 0,
        Role::Developer => 1,
        Role::User => 2,
        Role::Assistant => 3,
        Role::Tool => 4,
    }
}

/// What earlier filters recorded, read through `read(filter, field)`.
///
/// Each read is a host call (two when the value is absent: the runtime also tries the `wasmx.`
/// name Kong needs), and a filter that did not run records nothing. The runtime records `action`
/// with every request-phase decision, and a filter shares its own fields (prompt-guard's `risk`)
/// only on the way to such a decision, so `action` is read first and a filter without one is
/// skipped: 2 host calls instead of 16 for each filter that is not in the chain.
pub fn findings(
    filters: &[String],
    read: impl Fn(&str, &str) -> Option<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for f in filters {
        let Some(action) = read(f, "action") else {
            continue;
        };
        let mut fields = Map::new();
        for field in FINDING_FIELDS {
            let value = if *field == "action" {
                action.clone()
            } else {
                match read(f, field) {
                    Some(v) => v,
                    None => continue,
                }
            };
            fields.insert(field.to_string(), finding_value(field, value));
        }
        out.insert(f.clone(), Value::Object(fields));
    }
    out
}

/// A recorded value as JSON: lists split on commas, numbers as numbers, the rest as strings.
fn finding_value(field: &str, v: String) -> Value {
    if LIST_FIELDS.contains(&field) {
        Value::Array(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
        )
    } else if let Ok(n) = v.parse::<f64>() {
        json!(n)
    } else {
        Value::String(v)
    }
}

/// `response` for the response phase: the model's tool calls (arguments parsed when they are
/// JSON), finish reasons and usage.
pub fn response_input(view: &ResponseView) -> Value {
    let calls: Vec<Value> = view
        .tool_calls
        .iter()
        .map(|c| {
            json!({
                "name": c.name.as_str(),
                "id": c.id.as_deref(),
                "choice": c.choice,
                "arguments": serde_json::from_str::<Value>(&c.arguments).unwrap_or(Value::Null),
                "arguments_text": c.arguments.as_str(),
            })
        })
        .collect();
    let usage = view.usage.as_ref().map_or(Value::Null, |u| {
        json!({"input_tokens": u.input_tokens, "output_tokens": u.output_tokens, "total_tokens": u.total_tokens})
    });
    json!({
        "model": view.model,
        "tool_calls": calls,
        "finish_reasons": view.finish_reasons,
        "usage": usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn findings_of_filters_that_decided() {
        let recorded = [
            ("prompt-guard", "action", "allow"),
            ("prompt-guard", "mode", "enforce"),
            ("prompt-guard", "categories", ""),
            ("prompt-guard", "rule_ids", ""),
            ("prompt-guard", "risk", "0.125"),
            ("pii-redact", "action", "rewrite"),
            ("pii-redact", "mode", "monitor"),
            ("pii-redact", "categories", "EMAIL, PHONE"),
        ];
        let out = findings(
            &names(&["prompt-guard", "pii-redact", "token-limit"]),
            |f, k| {
                recorded
                    .iter()
                    .find(|(rf, rk, _)| *rf == f && *rk == k)
                    .map(|(_, _, v)| v.to_string())
            },
        );
        assert_eq!(
            Value::Object(out),
            json!({
                "prompt-guard": {"action": "allow", "mode": "enforce", "categories": [],
                                 "rule_ids": [], "risk": 0.125},
                "pii-redact": {"action": "rewrite", "mode": "monitor",
                               "categories": ["EMAIL", "PHONE"]}
            })
        );
    }

    #[test]
    fn a_filter_that_recorded_no_action_costs_one_read() {
        let reads = RefCell::new(Vec::new());
        let out = findings(&names(&["schema-guard", "token-limit"]), |f, k| {
            reads.borrow_mut().push(format!("{f}.{k}"));
            None
        });
        assert!(out.is_empty());
        assert_eq!(
            reads.into_inner(),
            vec!["schema-guard.action", "token-limit.action"]
        );
    }
}
