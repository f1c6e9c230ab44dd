//! The input document a policy sees (`filters/policy/input.schema.json` describes it).
use parapet_rego::{value_from_json, Footprint, Input, Object, PolicyError, Value};
use parapet_runtime::core::{RequestView, ResponseView, Role, SegmentKind};
use parapet_runtime::engine::{operation_name, provider_name};
use parapet_runtime::RequestInfo;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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

/// The keys of one kind of object, allocated once: a document is built by cloning the shape
/// (one allocation for all its entries, the keys shared) and setting the values, instead of
/// allocating every key string and a tree per object per request.
struct Shape<const N: usize> {
    keys: [Value; N],
    empty: Object,
}

impl<const N: usize> Shape<N> {
    fn new(names: [&str; N]) -> Self {
        let keys = names.map(Value::from);
        let empty = keys
            .iter()
            .map(|k| (k.clone(), Value::Null))
            .collect::<Object>();
        // Frozen (compact, sorted) once, so that each clone is one allocation.
        let empty = match Value::from(empty) {
            Value::Object(o) => (*o).clone(),
            _ => Object::new(),
        };
        Shape { keys, empty }
    }

    /// The object with `values` in the order of the names given to [`Shape::new`].
    fn with(&self, values: [Value; N]) -> Value {
        let mut object = self.empty.clone();
        for (key, value) in self.keys.iter().zip(values) {
            if let Some(slot) = object.get_mut(key) {
                *slot = value;
            }
        }
        Value::from(object)
    }
}

/// Every fixed-key object of the input document.
struct Shapes {
    document: Shape<4>,
    request: Shape<5>,
    identity: Shape<2>,
    llm: Shape<11>,
    messages: Shape<5>,
    response: Shape<4>,
    tool_call: Shape<5>,
    usage: Shape<3>,
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| Shapes {
        document: Shape::new(["request", "identity", "llm", "findings"]),
        request: Shape::new(["method", "path", "authority", "headers", "source_address"]),
        identity: Shape::new(["id", "source"]),
        llm: Shape::new([
            "provider",
            "operation",
            "model",
            "stream",
            "max_tokens",
            "message_count",
            "messages",
            "prompt_chars",
            "tools",
            "tool_calls_in_history",
            "response_format",
        ]),
        messages: Shape::new(["system", "developer", "user", "assistant", "tool"]),
        response: Shape::new(["model", "tool_calls", "finish_reasons", "usage"]),
        tool_call: Shape::new(["name", "id", "choice", "arguments", "arguments_text"]),
        usage: Shape::new(["input_tokens", "output_tokens", "total_tokens"]),
    })
}

fn string_or_null(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

fn count(n: usize) -> Value {
    Value::from(n as u64)
}

/// `request`, `identity`, `llm` and `findings` for a request, built directly in the engine's
/// values (the same document `serde_json` then a conversion produced, at half the work).
pub fn request_input(
    info: &RequestInfo,
    view: &RequestView,
    headers: &[String],
    findings: Value,
) -> Input {
    let mut selected = BTreeMap::new();
    for name in headers {
        if let Some(v) = info.header(name) {
            selected.insert(Value::from(name.to_ascii_lowercase()), Value::from(v));
        }
    }
    let shapes = shapes();
    let identity = info.identity.as_ref().map_or(Value::Null, |id| {
        shapes.identity.with([
            Value::from(id.value.as_str()),
            Value::from(id.source.as_str()),
        ])
    });
    Input::from_value(shapes.document.with([
        shapes.request.with([
            Value::from(info.method.as_str()),
            Value::from(parapet_runtime::config::path_without_query(&info.path)),
            Value::from(info.authority.as_str()),
            Value::from(selected),
            string_or_null(info.source_address.as_deref()),
        ]),
        identity,
        llm(shapes, view),
        findings,
    ]))
}

fn llm(shapes: &Shapes, view: &RequestView) -> Value {
    let mut per_role = [0usize; 5];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    let mut prompt_chars = 0usize;
    for s in &view.segments {
        if matches!(
            s.kind,
            SegmentKind::Prompt | SegmentKind::Instructions | SegmentKind::ToolResult
        ) {
            prompt_chars += crate::chars::count(&s.text);
        }
        let role = role_index(s.role);
        if let Some(m) = s.message_index {
            if !seen.contains(&(role, m)) {
                seen.push((role, m));
                per_role[role] += 1;
            }
        }
    }
    let tools: Vec<Value> = view
        .tools
        .iter()
        .map(|t| Value::from(t.name.as_str()))
        .collect();
    shapes.llm.with([
        Value::from(provider_name(view.api.provider)),
        Value::from(operation_name(view.api.operation)),
        string_or_null(view.model.as_deref()),
        Value::from(view.stream),
        view.max_tokens.map_or(Value::Null, Value::from),
        count(view.message_count),
        shapes.messages.with(per_role.map(count)),
        count(prompt_chars),
        Value::from(tools),
        count(view.tool_calls.len()),
        string_or_null(view.response_format.as_ref().map(|f| f.kind.as_str())),
    ])
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

/// The recorded fields of one earlier filter that a policy can read (`action` is always read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingReads {
    pub filter: String,
    pub fields: Vec<&'static str>,
}

/// Which findings to read per request: every field of every filter in `findings_from`, less
/// what the policy's footprint shows it never reads. Each read is a host call (about 1.5 µs in
/// Envoy); the example policy reads three of the forty it used to.
pub fn finding_reads(findings_from: &[String], footprint: &Footprint) -> Vec<FindingReads> {
    let all = |f: &String| FindingReads {
        filter: f.clone(),
        fields: FINDING_FIELDS[1..].to_vec(),
    };
    let paths = match footprint {
        Footprint::Paths(paths) => paths,
        Footprint::Unbounded(_) => return findings_from.iter().map(all).collect(),
    };
    let under_findings: Vec<&[String]> = paths
        .iter()
        .filter(|p| p.first().is_some_and(|s| s == "findings"))
        .map(|p| &p[1..])
        .collect();
    if under_findings.iter().any(|p| p.is_empty()) {
        return findings_from.iter().map(all).collect();
    }
    findings_from
        .iter()
        .filter_map(|f| {
            let of_f: Vec<&[String]> = under_findings
                .iter()
                .filter(|p| p[0] == *f)
                .map(|p| &p[1..])
                .collect();
            if of_f.is_empty() {
                return None;
            }
            if of_f.iter().any(|p| p.is_empty()) {
                return Some(all(f));
            }
            let fields = FINDING_FIELDS[1..]
                .iter()
                .copied()
                .filter(|field| of_f.iter().any(|p| p[0] == *field))
                .collect();
            Some(FindingReads {
                filter: f.clone(),
                fields,
            })
        })
        .collect()
}

/// What earlier filters recorded, read through `read(filter, field)`.
///
/// Each read is a host call (until the runtime has learned which property names the host
/// accepts, two when the value is absent: it also tries the `wasmx.` name Kong needs), and a
/// filter that did not run records nothing. The runtime records `action` with every
/// request-phase decision, and a filter shares its own fields (prompt-guard's `risk`) only on
/// the way to such a decision, so `action` is read first and a filter without one is skipped:
/// one read instead of eight for each filter that is not in the chain.
pub fn findings(reads: &[FindingReads], read: impl Fn(&str, &str) -> Option<String>) -> Value {
    let mut out = BTreeMap::new();
    for FindingReads {
        filter: f,
        fields: wanted,
    } in reads
    {
        let Some(action) = read(f, "action") else {
            continue;
        };
        let mut fields = BTreeMap::new();
        fields.insert(Value::from("action"), finding_value("action", action));
        for field in wanted {
            match read(f, field) {
                Some(v) => {
                    fields.insert(Value::from(*field), finding_value(field, v));
                }
                // The runtime writes these two with every decision, but not when empty.
                None if matches!(*field, "categories" | "rule_ids") => {
                    fields.insert(Value::from(*field), Value::from(Vec::<Value>::new()));
                }
                // And the mode only when it is not the default.
                None if *field == "mode" => {
                    fields.insert(Value::from("mode"), Value::from("enforce"));
                }
                None => {}
            }
        }
        out.insert(Value::from(f.as_str()), Value::from(fields));
    }
    Value::from(out)
}

/// A recorded value: lists split on commas, numbers as numbers, the rest as strings.
fn finding_value(field: &str, v: String) -> Value {
    if LIST_FIELDS.contains(&field) {
        Value::from(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Value::from)
                .collect::<Vec<Value>>(),
        )
    } else if let Ok(n) = v.parse::<f64>() {
        // As JSON has no NaN or infinity, a recorded "NaN" or "inf" reads as null.
        if n.is_finite() {
            Value::from(n)
        } else {
            Value::Null
        }
    } else {
        Value::from(v)
    }
}

/// `response` for the response phase: the model's tool calls (arguments parsed when they are
/// JSON), finish reasons and usage.
pub fn response_input(view: &ResponseView) -> Result<Value, PolicyError> {
    let shapes = shapes();
    let mut calls = Vec::with_capacity(view.tool_calls.len());
    for c in &view.tool_calls {
        // Arguments go through serde_json exactly as before: what JSON text means (numbers,
        // escapes) is serde_json's reading, and what the engine refuses is an error.
        let arguments = match serde_json::from_str::<serde_json::Value>(&c.arguments) {
            Ok(json) => value_from_json(&json)?,
            Err(_) => Value::Null,
        };
        calls.push(shapes.tool_call.with([
            Value::from(c.name.as_str()),
            string_or_null(c.id.as_deref()),
            count(c.choice),
            arguments,
            Value::from(c.arguments.as_str()),
        ]));
    }
    let usage = view.usage.as_ref().map_or(Value::Null, |u| {
        shapes.usage.with([
            Value::from(u.input_tokens),
            Value::from(u.output_tokens),
            Value::from(u.total_tokens),
        ])
    });
    Ok(shapes.response.with([
        string_or_null(view.model.as_deref()),
        Value::from(calls),
        Value::from(
            view.finish_reasons
                .iter()
                .map(|r| Value::from(r.as_str()))
                .collect::<Vec<Value>>(),
        ),
        usage,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::RefCell;

    fn from_json(json: serde_json::Value) -> Value {
        value_from_json(&json).unwrap()
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn every_field(list: &[&str]) -> Vec<FindingReads> {
        finding_reads(&names(list), &Footprint::Unbounded(String::new()))
    }

    fn footprint(paths: &[&str]) -> Footprint {
        Footprint::Paths(
            paths
                .iter()
                .map(|p| p.split('.').map(str::to_string).collect())
                .collect(),
        )
    }

    #[test]
    fn only_the_findings_a_policy_reads_are_read() {
        let from = names(DEFAULT_FINDINGS_FROM);
        // The example policy: three fields of pii-redact (action is always read).
        let fp = footprint(&[
            "findings.pii-redact.action",
            "findings.pii-redact.categories",
            "findings.pii-redact.mode",
            "llm.model",
        ]);
        assert_eq!(
            finding_reads(&from, &fp),
            vec![FindingReads {
                filter: "pii-redact".into(),
                fields: vec!["mode", "categories"],
            }]
        );
        // No findings read: none fetched. A filter's whole record, or all findings: every field.
        assert!(finding_reads(&from, &footprint(&["llm.model"])).is_empty());
        let whole = finding_reads(&from, &footprint(&["findings.prompt-guard"]));
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].fields, FINDING_FIELDS[1..].to_vec());
        assert_eq!(
            finding_reads(&from, &footprint(&["findings"])).len(),
            from.len()
        );
        // A field no filter records is never fetched, but the filter's action is.
        assert_eq!(
            finding_reads(&from, &footprint(&["findings.token-limit.nope"]))[0].fields,
            Vec::<&str>::new()
        );
    }

    /// The document built directly equals the one the JSON route (`json!` then the engine's
    /// conversion) gives for the same request: numbers, nulls and strings alike, so a policy
    /// decides exactly as before.
    #[test]
    fn request_document_equals_the_json_route() {
        use parapet_runtime::core::{detect, parse_request, Limits};
        use parapet_runtime::{Identity, IdentitySource};
        let body = br#"{"model":"gpt-4o-mini","max_tokens":200,"stream":false,
            "messages":[{"role":"system","content":"Be brief."},
                        {"role":"user","content":"h\u00e9llo"},
                        {"role":"assistant","content":"hi"},
                        {"role":"user","content":"and again"}],
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}]}"#;
        let api = detect("/v1/chat/completions", None);
        let view = parse_request(api, body, &Limits::default()).unwrap();
        let info = RequestInfo {
            method: "POST".into(),
            path: "/v1/chat/completions?key=secret".into(),
            authority: "llm.internal".into(),
            request_id: None,
            headers: vec![("x-team".into(), "ops".into())],
            identity: Some(Identity {
                source: IdentitySource::SourceAddress,
                value: "10.0.0.7".into(),
            }),
            source_address: Some("10.0.0.7:51234".into()),
            api,
            model: view.model.clone(),
            streaming: false,
        };
        let findings = findings(&every_field(&["prompt-guard"]), |_, k| match k {
            "action" => Some("allow".into()),
            "risk" => Some("0.25".into()),
            "estimated_tokens" => Some("NaN".into()),
            _ => None,
        });
        let input = request_input(&info, &view, &names(&["X-Team", "x-absent"]), findings);
        let want = json!({
            "request": {"method": "POST", "path": "/v1/chat/completions",
                        "authority": "llm.internal", "headers": {"x-team": "ops"},
                        "source_address": "10.0.0.7:51234"},
            "identity": {"id": "10.0.0.7", "source": "source_address"},
            "llm": {"provider": "openai", "operation": "chat_completions",
                    "model": "gpt-4o-mini", "stream": false, "max_tokens": 200u64,
                    "message_count": 4u64,
                    "messages": {"system": 1u64, "developer": 0u64, "user": 2u64,
                                 "assistant": 1u64, "tool": 0u64},
                    "prompt_chars": 23u64, "tools": ["get_weather"],
                    "tool_calls_in_history": 0u64, "response_format": null},
            "findings": {"prompt-guard": {"action": "allow", "mode": "enforce", "risk": 0.25,
                                          "estimated_tokens": null,
                                          "categories": [], "rule_ids": []}}
        });
        assert_eq!(input.value(), &from_json(want));
    }

    #[test]
    fn findings_of_filters_that_decided() {
        let recorded = [
            // An allow: the runtime does not write empty categories and rule_ids, nor the
            // default mode (enforce).
            ("prompt-guard", "action", "allow"),
            ("prompt-guard", "risk", "0.125"),
            ("pii-redact", "action", "rewrite"),
            ("pii-redact", "mode", "monitor"),
            ("pii-redact", "categories", "EMAIL, PHONE"),
        ];
        let out = findings(
            &every_field(&["prompt-guard", "pii-redact", "token-limit"]),
            |f, k| {
                recorded
                    .iter()
                    .find(|(rf, rk, _)| *rf == f && *rk == k)
                    .map(|(_, _, v)| v.to_string())
            },
        );
        assert_eq!(
            out,
            from_json(json!({
                "prompt-guard": {"action": "allow", "mode": "enforce", "categories": [],
                                 "rule_ids": [], "risk": 0.125},
                "pii-redact": {"action": "rewrite", "mode": "monitor",
                               "categories": ["EMAIL", "PHONE"], "rule_ids": []}
            }))
        );
    }

    #[test]
    fn a_filter_that_recorded_no_action_costs_one_read() {
        let reads = RefCell::new(Vec::new());
        let out = findings(&every_field(&["schema-guard", "token-limit"]), |f, k| {
            reads.borrow_mut().push(format!("{f}.{k}"));
            None
        });
        assert_eq!(out, Value::new_object());
        assert_eq!(
            reads.into_inner(),
            vec!["schema-guard.action", "token-limit.action"]
        );
    }
}
