//! Declarative request limits — policy without writing a schema.
//!
//! [`check_request`] is a pure function of the limits, parapet-core's [`RequestView`], the parsed
//! body and the raw body: it returns the violations and, when a `max_tokens` ceiling clamps,
//! the rewritten body (every other byte untouched, via [`parapet_core::replace_value`]).

use parapet_core::{insert_member, replace_value, Api, Operation, RequestView};
use serde_json::Value;

use crate::bounds::Bounds;
use crate::compile::Schema;
use crate::glob::{glob_any, glob_match};
use crate::history::{history_tool_calls, type_name, HistoryToolCall};
use crate::violation::{truncate, Violation};

/// What to do with a request whose output-token limit is above the ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CeilingAction {
    /// Refuse the request.
    Reject,
    /// Lower the limit to the ceiling and let the request through.
    Clamp,
}

/// A ceiling on `max_tokens` / `max_completion_tokens` / `max_output_tokens` /
/// `maxOutputTokens` / `maxTokens` / `num_predict` (whichever the format uses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCeiling {
    pub max: u64,
    pub action: CeilingAction,
    /// Also act when the request sets no limit at all (the provider default may be far above
    /// the ceiling): reject, or with `Clamp` insert the ceiling.
    pub require: bool,
}

/// When a parameter is forbidden.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamCondition {
    /// Whenever the field is present (e.g. `logit_bias`).
    Present,
    /// When it is a number above this (e.g. `n` above 1).
    Above(f64),
    /// When it equals this value (e.g. `stream` equal to `true`).
    Equals(Value),
}

/// A forbidden parameter: a JSON Pointer into the body (`/n`, `/generationConfig/candidateCount`)
/// and when it is forbidden.
#[derive(Debug, Clone, PartialEq)]
pub struct ForbiddenParam {
    pub pointer: String,
    pub condition: ParamCondition,
}

impl ForbiddenParam {
    /// `name` is a top-level field name or a JSON Pointer (starting with `/`).
    pub fn new(name: &str, condition: ParamCondition) -> ForbiddenParam {
        let pointer = if name.starts_with('/') {
            name.to_string()
        } else {
            format!("/{}", name.replace('~', "~0").replace('/', "~1"))
        };
        ForbiddenParam { pointer, condition }
    }
}

/// A JSON Schema for the arguments of tool calls of one tool (name glob).
#[derive(Debug)]
pub struct ToolArgumentSchema {
    pub tool: String,
    pub schema: Schema,
}

/// The declarative limits. `RequestLimits::default()` imposes nothing.
#[derive(Debug, Default)]
pub struct RequestLimits {
    /// Model name globs; empty = any model.
    pub allowed_models: Vec<String>,
    pub max_tokens: Option<TokenCeiling>,
    /// Most messages / turns / input items.
    pub max_messages: Option<usize>,
    /// Most characters (Unicode scalar values) of text the model would read: every text
    /// segment parapet-core finds (prompts, instructions, history, tool results, tool
    /// definitions).
    pub max_prompt_chars: Option<usize>,
    pub forbidden_params: Vec<ForbiddenParam>,
    /// Tool name globs a request may declare or replay; `None` = any tool.
    pub allowed_tools: Option<Vec<String>>,
    /// Schemas for the arguments of tool calls replayed in the history.
    pub tool_arguments: Vec<ToolArgumentSchema>,
    /// Bounds on decoded tool arguments.
    pub argument_bounds: Bounds,
}

/// One broken limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitViolation {
    /// Stable rule id for events and metrics: `model`, `max_tokens`, `max_messages`,
    /// `max_prompt_chars`, `forbidden_param`, `tool_not_allowed`, `tool_arguments`.
    pub rule: &'static str,
    pub violation: Violation,
}

/// The result of [`check_request`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitOutcome {
    pub violations: Vec<LimitViolation>,
    /// The body with token limits clamped, when a clamp happened (and nothing was violated).
    pub rewritten: Option<Vec<u8>>,
    /// `(pointer, old value, new value)` of every clamp, for events.
    pub clamped: Vec<(String, String, u64)>,
}

/// Checks `view` / `json` (the same request, as core's view and parsed) against `limits`.
/// `body` is the raw request, used only to build a clamped rewrite.
///
/// The model comes from `view.model`; for formats that carry it in the path (Gemini, Bedrock)
/// the caller sets `view.model` from the path first.
pub fn check_request(
    limits: &RequestLimits,
    view: &RequestView,
    json: &Value,
    body: &[u8],
) -> LimitOutcome {
    check(limits, view, Some((json, body)))
}

/// [`check_request`] for callers that have only the view, not the body:
/// - forbidden parameters are checked only for `stream` (the view's flag);
/// - tool calls come from the view, located at their message (`/messages/3`);
/// - the token ceiling uses the view's (smallest) limit, and a `Clamp` ceiling rejects,
///   since nothing can be rewritten without the body.
pub fn check_view(limits: &RequestLimits, view: &RequestView) -> LimitOutcome {
    check(limits, view, None)
}

fn check(
    limits: &RequestLimits,
    view: &RequestView,
    body: Option<(&Value, &[u8])>,
) -> LimitOutcome {
    let mut out = LimitOutcome::default();
    let mut schema_violations = Vec::new();
    let mut fail = |rule: &'static str, at: String, keyword: &str, message: String| {
        out.violations.push(LimitViolation {
            rule,
            violation: Violation::custom(at, keyword, message),
        })
    };

    if !limits.allowed_models.is_empty() {
        match view.model.as_deref() {
            Some(model) if glob_any(&limits.allowed_models, model) => {}
            Some(model) => fail(
                "model",
                "/model".into(),
                "allowed_models",
                format!("model `{}` is not allowed here", truncate(model, 100)),
            ),
            None => fail(
                "model",
                "/model".into(),
                "allowed_models",
                "the request names no model".into(),
            ),
        }
    }

    if let Some(max) = limits.max_messages {
        if view.message_count > max {
            fail(
                "max_messages",
                messages_pointer(view.api).into(),
                "max_messages",
                format!("{} messages exceed the limit of {max}", view.message_count),
            );
        }
    }

    if let Some(max) = limits.max_prompt_chars {
        let total: usize = view.segments.iter().map(|s| s.text.chars().count()).sum();
        if total > max {
            fail(
                "max_prompt_chars",
                String::new(),
                "max_prompt_chars",
                format!("{total} characters of prompt text exceed the limit of {max}"),
            );
        }
    }

    let stream_flag = Value::Bool(view.stream);
    for param in &limits.forbidden_params {
        let value = match body {
            Some((json, _)) => json.pointer(&param.pointer),
            None => (param.pointer == "/stream").then_some(&stream_flag),
        };
        let Some(value) = value else {
            continue;
        };
        let broken = match &param.condition {
            ParamCondition::Present => {
                Some(format!("parameter `{}` is not allowed", param.pointer))
            }
            ParamCondition::Above(limit) => value.as_f64().filter(|v| v > limit).map(|v| {
                format!(
                    "parameter `{}` = {v} is above the allowed {limit}",
                    param.pointer
                )
            }),
            ParamCondition::Equals(forbidden) => (value == forbidden)
                .then(|| format!("parameter `{}` = {forbidden} is not allowed", param.pointer)),
        };
        if let Some(message) = broken {
            fail(
                "forbidden_param",
                param.pointer.clone(),
                "forbidden_params",
                message,
            );
        }
    }

    let calls = match body {
        Some((json, _)) => history_tool_calls(view.api, json),
        None => view_tool_calls(view),
    };
    if let Some(allowed) = &limits.allowed_tools {
        for tool in &view.tools {
            if !glob_any(allowed, &tool.name) {
                fail(
                    "tool_not_allowed",
                    tool.pointer.clone(),
                    "allowed_tools",
                    format!("tool `{}` is not allowed", truncate(&tool.name, 100)),
                );
            }
        }
        for call in &calls {
            if !glob_any(allowed, &call.name) {
                fail(
                    "tool_not_allowed",
                    call.pointer.clone(),
                    "allowed_tools",
                    format!(
                        "call of tool `{}` is not allowed",
                        truncate(&call.name, 100)
                    ),
                );
            }
        }
    }

    for call in &calls {
        let Some(rule) = limits
            .tool_arguments
            .iter()
            .find(|r| glob_match(&r.tool, &call.name))
        else {
            continue;
        };
        let args = match &call.arguments {
            Ok(args) => args,
            Err(problem) => {
                fail(
                    "tool_arguments",
                    call.pointer.clone(),
                    "tool_arguments",
                    problem.clone(),
                );
                continue;
            }
        };
        if let Err(e) = limits.argument_bounds.check_value(args) {
            fail(
                "tool_arguments",
                call.pointer.clone(),
                "tool_arguments",
                e.to_string(),
            );
            continue;
        }
        if let Err(violations) = rule.schema.validate(args) {
            for v in violations.under(&call.pointer).items {
                schema_violations.push(LimitViolation {
                    rule: "tool_arguments",
                    violation: v,
                });
            }
        }
    }

    out.violations.append(&mut schema_violations);
    if let Some(ceiling) = &limits.max_tokens {
        match body {
            Some((json, body)) => apply_ceiling(ceiling, view, json, body, &mut out),
            None => view_ceiling(ceiling, view, &mut out),
        }
    }
    if !out.violations.is_empty() {
        out.rewritten = None;
        out.clamped.clear();
    }
    out
}

/// Tool calls of the view's history, located at their message.
fn view_tool_calls(view: &RequestView) -> Vec<HistoryToolCall> {
    view.tool_calls
        .iter()
        .map(|c| HistoryToolCall {
            name: c.name.to_string(),
            pointer: match c.message_index {
                Some(m) => format!("{}/{m}", messages_pointer(view.api)),
                None => String::new(),
            },
            arguments: if c.arguments.trim().is_empty() {
                Ok(Value::Object(Default::default()))
            } else {
                serde_json::from_str(&c.arguments)
                    .map_err(|e| format!("arguments are not valid JSON: {e}"))
            },
        })
        .collect()
}

fn view_ceiling(ceiling: &TokenCeiling, view: &RequestView, out: &mut LimitOutcome) {
    let at = view.max_tokens_pointer.clone().unwrap_or_default();
    let message = match view.max_tokens {
        Some(v) if v > ceiling.max => format!(
            "output-token limit {v} is above the allowed {}",
            ceiling.max
        ),
        Some(_) => return,
        None if ceiling.require => format!(
            "an output-token limit of at most {} is required",
            ceiling.max
        ),
        None => return,
    };
    out.violations.push(LimitViolation {
        rule: "max_tokens",
        violation: Violation::custom(at, "max_tokens", message),
    });
}

/// The fields that carry an output-token limit, per operation (first = the one to insert).
fn token_fields(op: Operation) -> &'static [&'static str] {
    match op {
        Operation::ChatCompletions => &["/max_completion_tokens", "/max_tokens"],
        Operation::Completions | Operation::Messages => &["/max_tokens"],
        Operation::Responses => &["/max_output_tokens"],
        Operation::GenerateContent => &[
            "/generationConfig/maxOutputTokens",
            "/generation_config/max_output_tokens",
        ],
        Operation::Converse => &["/inferenceConfig/maxTokens"],
        Operation::OllamaChat | Operation::OllamaGenerate => &["/options/num_predict"],
        _ => &[],
    }
}

fn messages_pointer(api: Api) -> &'static str {
    match api.operation {
        Operation::GenerateContent => "/contents",
        Operation::Responses => "/input",
        _ => "/messages",
    }
}

fn apply_ceiling(
    ceiling: &TokenCeiling,
    view: &RequestView,
    json: &Value,
    body: &[u8],
    out: &mut LimitOutcome,
) {
    let mut fields: Vec<&str> = token_fields(view.api.operation).to_vec();
    if let Some(p) = view.max_tokens_pointer.as_deref() {
        if !fields.contains(&p) {
            fields.push(p);
        }
    }
    let mut over = Vec::new();
    let mut present = false;
    for field in &fields {
        let Some(value) = json.pointer(field) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        present = true;
        // Negative or non-integer limits mean "unbounded" to some providers (Ollama -1/-2).
        let within = value.as_u64().is_some_and(|v| v <= ceiling.max);
        if !within {
            over.push((field.to_string(), value));
        }
    }
    let mut body_out: Option<Vec<u8>> = None;
    for (field, value) in over {
        match ceiling.action {
            CeilingAction::Reject => out.violations.push(LimitViolation {
                rule: "max_tokens",
                violation: Violation::custom(
                    field.clone(),
                    "max_tokens",
                    match value.as_u64() {
                        Some(v) => format!(
                            "output-token limit {v} is above the allowed {}",
                            ceiling.max
                        ),
                        None => format!(
                            "output-token limit ({}) is above the allowed {}",
                            type_name(value),
                            ceiling.max
                        ),
                    },
                ),
            }),
            CeilingAction::Clamp => {
                let current = body_out.as_deref().unwrap_or(body);
                match replace_value(current, &field, &ceiling.max.to_string()) {
                    Ok(next) => {
                        out.clamped.push((field, value.to_string(), ceiling.max));
                        body_out = Some(next);
                    }
                    Err(e) => out.violations.push(LimitViolation {
                        rule: "max_tokens",
                        violation: Violation::custom(
                            field,
                            "max_tokens",
                            format!("cannot clamp the output-token limit: {e}"),
                        ),
                    }),
                }
            }
        }
    }
    if !present && ceiling.require {
        let Some(primary) = fields.first().copied() else {
            return;
        };
        match ceiling.action {
            CeilingAction::Reject => out.violations.push(LimitViolation {
                rule: "max_tokens",
                violation: Violation::custom(
                    primary,
                    "max_tokens",
                    format!(
                        "an output-token limit of at most {} is required",
                        ceiling.max
                    ),
                ),
            }),
            CeilingAction::Clamp => match insert_limit(body, primary, ceiling.max) {
                Ok(next) => {
                    out.clamped
                        .push((primary.to_string(), "absent".into(), ceiling.max));
                    body_out = Some(next);
                }
                Err(message) => out.violations.push(LimitViolation {
                    rule: "max_tokens",
                    violation: Violation::custom(primary, "max_tokens", message),
                }),
            },
        }
    }
    out.rewritten = body_out;
}

/// Inserts `"field": max` at `pointer` (at most two levels deep), creating the parent object
/// when it is missing.
fn insert_limit(body: &[u8], pointer: &str, max: u64) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let result = match parts.as_slice() {
        [key] => insert_member(body, "", key, &max.to_string()),
        [parent, key] => {
            let parent_ptr = format!("/{parent}");
            match insert_member(body, &parent_ptr, key, &max.to_string()) {
                Ok(out) => Ok(out),
                Err(_) => insert_member(body, "", parent, &format!("{{\"{key}\":{max}}}")),
            }
        }
        _ => return Err(format!("cannot insert at {pointer}")),
    };
    result.map_err(|e| format!("cannot insert an output-token limit: {e}"))
}
