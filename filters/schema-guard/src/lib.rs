//! schema-guard: JSON Schema validation of LLM API requests, tool calls and structured model
//! output, as a proxy-wasm filter on `parapet-runtime`.
//!
//! The policy lives in [`guard`] (and in `parapet-schema`); this file only adapts it to the
//! runtime's hooks. Configuration: see `README.md`. Example (the simplest config):
//!
//! ```json
//! {"schema": {"type": "object", "required": ["model", "messages"]}}
//! ```

pub mod config;
pub mod guard;

use std::collections::BTreeMap;

use parapet_runtime::prelude::*;
use parapet_schema::{OutputAssembler, OutputContract, OutputTarget, OutputViolation};

use crate::config::{Config, OnViolation};
use crate::guard::{invalid_body, Broken, Guard, RequestDecision};

/// The filter: a compiled [`Guard`].
pub struct SchemaGuard {
    guard: Guard,
}

/// Per-request state: the output contract read from the request, and the streamed output
/// assembled against it.
#[derive(Default)]
pub struct State {
    assembler: Option<OutputAssembler>,
    /// Tool names seen on streamed name channels, by (choice, tool call).
    tool_names: BTreeMap<(usize, usize), String>,
}

impl SchemaGuard {
    /// The compiled policy (for tests and tools).
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    fn output_verdict(&self, violations: Vec<OutputViolation>) -> Verdict {
        if violations.is_empty() {
            return Verdict::allow();
        }
        let findings = violations.iter().map(|v| {
            let rule = match v.target {
                OutputTarget::Content => "schema.output.content",
                OutputTarget::ToolCall { .. } => "schema.output.tool_call",
            };
            Finding::new(rule, "schema")
        });
        let listed: Vec<String> = violations.iter().take(3).map(|v| v.to_string()).collect();
        let message = format!(
            "the model's output does not match the requested schema: {}",
            listed.join("; ")
        );
        let verdict = match self.guard.on_violation {
            OnViolation::Block => Verdict::block(Block::unsafe_output(message)),
            OnViolation::Annotate => Verdict::allow(),
        };
        verdict.with_findings(findings)
    }
}

fn request_findings(broken: &[Broken]) -> Vec<Finding> {
    broken
        .iter()
        .map(|b| Finding::new(format!("{}.{}", b.rule_id, b.violation.keyword), "schema"))
        .collect()
}

impl Filter for SchemaGuard {
    const NAME: &'static str = "schema-guard";
    type Config = Config;
    type State = State;

    fn new(config: Config, _common: &Common) -> Result<Self, ConfigError> {
        Ok(SchemaGuard {
            guard: Guard::new(config)?,
        })
    }

    fn may_rewrite_request(&self) -> bool {
        self.guard.may_clamp()
    }

    fn inspects_responses(&self) -> bool {
        self.guard.output_validate
    }

    fn inspects_response_to(&self, state: &State) -> bool {
        // Without an output contract every response hook allows: most requests ask for no
        // structured output, and their answers (streams above all) need not be decoded.
        self.guard.output_validate && state.assembler.is_some()
    }

    fn inspects_unknown_apis(&self) -> bool {
        // `{"schema": ...}` validates every request body, LLM API or not.
        self.guard.validates_any_body()
    }

    fn on_request(&self, cx: &mut Cx<State>, request: &RequestView) -> Outcome {
        let body = cx.body().unwrap_or_default();
        let (method, path) = (cx.request.method.as_str(), cx.request.path.as_str());
        let decision = match self.guard.parse_body(body) {
            Err(e) => invalid_body(&e),
            Ok(json) => {
                let decision = self
                    .guard
                    .check_parsed_request(method, path, request, &json, body);
                if !matches!(decision, RequestDecision::Reject { .. }) {
                    let (contract, _untrusted_schema_errors) =
                        self.guard.contract(method, path, request, Some(&json));
                    if !contract.is_empty() {
                        cx.state.assembler = Some(OutputAssembler::new(contract));
                    }
                }
                decision
            }
        };
        Ok(match decision {
            RequestDecision::Allow => Verdict::allow(),
            RequestDecision::Reject { message, broken } => {
                Verdict::block(Block::invalid(message)).with_findings(request_findings(&broken))
            }
            RequestDecision::Rewrite { body, clamped } => Verdict::replace_body(body)
                .with_findings(
                    clamped
                        .iter()
                        .map(|_| Finding::new("limits.max_tokens.clamped", "schema")),
                ),
        })
    }

    fn on_output(&self, cx: &mut Cx<State>, output: &Output) -> Outcome {
        // JSON responses are checked whole in `on_response`.
        if !output.streamed {
            return Ok(Verdict::allow());
        }
        let Some(assembler) = cx.state.assembler.as_mut() else {
            return Ok(Verdict::allow());
        };
        let new_text = output.text.get(output.new_from..).unwrap_or("");
        let mut violations = Vec::new();
        match output.kind {
            SegmentKind::Output => {
                violations.extend(assembler.push_text(output.choice, new_text));
                if output.is_final {
                    violations.extend(assembler.finish_content(output.choice));
                }
            }
            SegmentKind::ToolCallName => {
                let key = (output.choice, output.tool_call.unwrap_or(0));
                cx.state
                    .tool_names
                    .entry(key)
                    .or_default()
                    .push_str(new_text);
            }
            _ => {}
        }
        Ok(self.output_verdict(violations))
    }

    fn on_response(&self, cx: &mut Cx<State>, response: &ResponseView) -> Outcome {
        let Some(assembler) = cx.state.assembler.as_ref() else {
            return Ok(Verdict::allow());
        };
        let contract: &OutputContract = assembler.contract();
        let violations = if cx.request.streaming {
            // Content was validated channel by channel in `on_output`; tool calls are
            // validated here from the assembled view.
            let mut calls_only = response.clone();
            calls_only.segments.clear();
            self.guard.check_response(contract, &calls_only)
        } else {
            self.guard.check_response(contract, response)
        };
        Ok(self.output_verdict(violations))
    }
}

// Without `export` (parapet-bundle links this crate into one module with the others).
#[cfg(feature = "export")]
parapet_runtime::export_filter!(SchemaGuard);
