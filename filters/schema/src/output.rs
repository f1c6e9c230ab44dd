//! Output validation: does what the model returned match the structure the request asked for?
//!
//! An [`OutputContract`] is read from the request: the structured-output schema (OpenAI
//! `response_format.json_schema`, Responses `text.format`, Anthropic `output_config.format`,
//! Gemini `responseSchema` / `responseJsonSchema`, Bedrock `outputConfig.textFormat`, Ollama
//! `format`), "JSON only" modes without a schema (`json_object`, `application/json`, Ollama
//! `"json"`), and each declared tool's parameter schema — or a schema configured per route.
//!
//! [`OutputContract::check_response`] checks a whole response (parapet-core's
//! [`ResponseView`]); [`OutputAssembler`] does the same for a stream fed with text and
//! tool-argument deltas, and reports as early as the content can no longer be JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use parapet_core::{Operation, Provider, RequestView, ResponseView, SegmentKind};
use serde_json::Value;

use crate::bounds::Bounds;
use crate::compile::{CompileOptions, Schema, SchemaError};
use crate::json_prefix::JsonPrefix;
use crate::openapi::openapi_to_json_schema;
use crate::violation::{Violation, Violations};

/// What the content of each choice must be.
#[derive(Debug, Clone)]
pub enum ContentRule {
    /// Valid JSON matching the schema.
    Schema(Arc<Schema>),
    /// Valid JSON, any shape.
    AnyJson,
}

/// The structure a response must have.
#[derive(Debug, Clone, Default)]
pub struct OutputContract {
    pub content: Option<ContentRule>,
    /// Declared tools: name → parameter schema (`None` when the tool declares none).
    pub tools: BTreeMap<String, Option<Arc<Schema>>>,
    /// Bounds on assembled content and arguments.
    pub bounds: Bounds,
}

/// Schemas in the request that could not be compiled (so that part is not validated).
pub type ContractErrors = Vec<SchemaError>;

impl OutputContract {
    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.content.is_none() && self.tools.is_empty()
    }

    /// Reads the contract from a request. `route_schema`, when configured, replaces the
    /// request's own content schema. Schemas in the request are untrusted input: those that
    /// do not compile are skipped and returned as errors (the provider will reject the request).
    pub fn from_request(
        view: &RequestView,
        json: &Value,
        route_schema: Option<Arc<Schema>>,
        options: &CompileOptions,
        bounds: Bounds,
    ) -> (OutputContract, ContractErrors) {
        let mut errors = Vec::new();
        let gemini = view.api.provider == Provider::Gemini;
        let mut contract = OutputContract {
            bounds,
            ..OutputContract::default()
        };
        contract.content = match route_schema {
            Some(schema) => Some(ContentRule::Schema(schema)),
            None => view.response_format.as_ref().and_then(|rf| {
                let json_mode = matches!(rf.kind.as_str(), "json_schema" | "json_object" | "json")
                    || rf.kind.starts_with("application/json");
                let schema_text = rf.schema.as_deref()?;
                let Ok(mut schema) = serde_json::from_str::<Value>(schema_text) else {
                    errors.push(SchemaError {
                        schema: rf.pointer.clone(),
                        problem: "structured-output schema is not JSON".into(),
                        at: None,
                    });
                    return json_mode.then_some(ContentRule::AnyJson);
                };
                if gemini
                    && !uses_json_schema_key(
                        json,
                        &rf.pointer,
                        &["responseJsonSchema", "response_json_schema"],
                    )
                {
                    schema = openapi_to_json_schema(&schema);
                }
                match Schema::compile(&rf.pointer, &schema, options) {
                    Ok(s) => Some(ContentRule::Schema(Arc::new(s))),
                    Err(e) => {
                        errors.push(e);
                        json_mode.then_some(ContentRule::AnyJson)
                    }
                }
            }),
        };
        if contract.content.is_none() {
            if let Some(rf) = &view.response_format {
                if rf.schema.is_none()
                    && (matches!(rf.kind.as_str(), "json_object" | "json")
                        || rf.kind.starts_with("application/json"))
                {
                    contract.content = Some(ContentRule::AnyJson);
                }
            }
        }
        for tool in &view.tools {
            if tool.name.is_empty() {
                continue;
            }
            let schema = tool.parameters.as_deref().and_then(|text| {
                let mut schema: Value = serde_json::from_str(text).ok()?;
                if gemini
                    && !uses_json_schema_key(
                        json,
                        &tool.pointer,
                        &["parametersJsonSchema", "parameters_json_schema"],
                    )
                {
                    schema = openapi_to_json_schema(&schema);
                }
                let name = format!("{}/parameters", tool.pointer);
                match Schema::compile(&name, &schema, options) {
                    Ok(s) => Some(Arc::new(s)),
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                }
            });
            contract.tools.insert(tool.name.clone(), schema);
        }
        (contract, errors)
    }

    /// Checks a complete (non-streamed) response.
    pub fn check_response(&self, view: &ResponseView) -> Vec<OutputViolation> {
        let mut assembler = OutputAssembler::new(self.clone());
        let mut texts: BTreeMap<usize, String> = BTreeMap::new();
        for s in &view.segments {
            if s.kind == SegmentKind::Output {
                texts
                    .entry(s.choice_index.unwrap_or(0))
                    .or_default()
                    .push_str(&s.text);
            }
        }
        let mut out = Vec::new();
        for (choice, text) in texts {
            out.extend(assembler.push_text(choice, &text));
        }
        for call in &view.tool_calls {
            out.extend(assembler.push_tool_call(
                call.choice,
                call.index,
                Some(&call.name),
                &call.arguments,
            ));
        }
        out.extend(assembler.finish());
        out
    }

    fn check_content(&self, text: &str) -> Result<(), Violations> {
        let Some(rule) = &self.content else {
            return Ok(());
        };
        let value = parse_output(text, &self.bounds)?;
        match rule {
            ContentRule::AnyJson => Ok(()),
            ContentRule::Schema(schema) => schema.validate(&value),
        }
    }

    fn check_tool_call(&self, name: &str, arguments: &str) -> Result<(), Violations> {
        if self.tools.is_empty() {
            return Ok(());
        }
        let Some(schema) = self.tools.get(name) else {
            return Err(Violations::one(Violation::custom(
                "",
                "tools",
                format!(
                    "the model called `{}`, a tool the request did not declare",
                    crate::violation::truncate(name, 100)
                ),
            )));
        };
        let Some(schema) = schema else { return Ok(()) };
        // Some providers send `""` for a call without arguments.
        let text = if arguments.trim().is_empty() {
            "{}"
        } else {
            arguments
        };
        let value = parse_output(text, &self.bounds)?;
        schema.validate(&value)
    }
}

/// True when the object at `pointer` in `json` (a Gemini generationConfig or function
/// declaration) uses one of the JSON Schema keys rather than the OpenAPI one.
fn uses_json_schema_key(json: &Value, pointer: &str, keys: &[&str]) -> bool {
    json.pointer(pointer)
        .is_some_and(|obj| keys.iter().any(|k| obj.get(k).is_some()))
}

fn parse_output(text: &str, bounds: &Bounds) -> Result<Value, Violations> {
    bounds
        .parse(text.as_bytes())
        .map_err(|e| Violations::one(Violation::custom("", "json", e.to_string())))
}

/// What part of a response broke the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    /// The message content of a choice.
    Content,
    /// A tool call's arguments.
    ToolCall { name: String, index: usize },
}

/// A response part that does not match the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputViolation {
    /// Choice / candidate index.
    pub choice: usize,
    pub target: OutputTarget,
    pub violations: Violations,
}

impl fmt::Display for OutputViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            OutputTarget::Content => {
                write!(f, "choice {} content: {}", self.choice, self.violations)
            }
            OutputTarget::ToolCall { name, .. } => write!(
                f,
                "choice {} tool call `{}` arguments: {}",
                self.choice,
                crate::violation::truncate(name, 100),
                self.violations
            ),
        }
    }
}

/// Content of one choice being assembled.
#[derive(Debug)]
struct ContentState {
    text: String,
    prefix: JsonPrefix,
    /// Already reported or validated: nothing more to say about it.
    settled: bool,
}

/// Arguments of one tool call being assembled.
#[derive(Debug, Default)]
struct CallState {
    name: String,
    arguments: String,
    settled: bool,
}

/// Assembles streamed output and validates it against an [`OutputContract`].
///
/// Feed text deltas with [`push_text`](Self::push_text) and tool-argument fragments with
/// [`push_tool_call`](Self::push_tool_call) in stream order, then call
/// [`finish`](Self::finish). `push_text` reports early — at the first delta after which the
/// content can no longer be JSON — so the stream can be cut before more output flows.
/// The verdict does not depend on how the text was split into deltas.
#[derive(Debug)]
pub struct OutputAssembler {
    contract: OutputContract,
    content: BTreeMap<usize, ContentState>,
    calls: BTreeMap<(usize, usize), CallState>,
    finished: bool,
}

impl OutputAssembler {
    pub fn new(contract: OutputContract) -> OutputAssembler {
        OutputAssembler {
            contract,
            content: BTreeMap::new(),
            calls: BTreeMap::new(),
            finished: false,
        }
    }

    /// The contract being enforced.
    pub fn contract(&self) -> &OutputContract {
        &self.contract
    }

    /// Adds a content delta of `choice`. Returns a violation the first time the content
    /// becomes impossible (not JSON, or over the size bound); later calls return `None`.
    pub fn push_text(&mut self, choice: usize, delta: &str) -> Option<OutputViolation> {
        self.contract.content.as_ref()?;
        let max_depth = self.contract.bounds.max_depth;
        let max_bytes = self.contract.bounds.max_bytes;
        let state = self.content.entry(choice).or_insert_with(|| ContentState {
            text: String::new(),
            prefix: JsonPrefix::new(max_depth),
            settled: false,
        });
        if state.settled {
            return None;
        }
        let problem = if state.text.len() + delta.len() > max_bytes {
            Some(format!("output exceeds the limit of {max_bytes} bytes"))
        } else {
            state.text.push_str(delta);
            state
                .prefix
                .push(delta)
                .err()
                .map(|e| format!("output is not JSON: {} at byte {}", e.problem, e.offset))
        };
        let message = problem?;
        state.settled = true;
        Some(OutputViolation {
            choice,
            target: OutputTarget::Content,
            violations: Violations::one(Violation::custom("", "json", message)),
        })
    }

    /// Adds a fragment of the arguments of tool call `index` of `choice` (the name may come
    /// only with the first fragment). Whole arguments (Gemini, Ollama) are one fragment.
    pub fn push_tool_call(
        &mut self,
        choice: usize,
        index: usize,
        name: Option<&str>,
        fragment: &str,
    ) -> Option<OutputViolation> {
        if self.contract.tools.is_empty() {
            return None;
        }
        let max_bytes = self.contract.bounds.max_bytes;
        let state = self.calls.entry((choice, index)).or_default();
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            state.name = n.to_string();
        }
        if state.settled {
            return None;
        }
        if state.arguments.len() + fragment.len() > max_bytes {
            state.settled = true;
            return Some(OutputViolation {
                choice,
                target: OutputTarget::ToolCall {
                    name: state.name.clone(),
                    index,
                },
                violations: Violations::one(Violation::custom(
                    "",
                    "json",
                    format!("tool arguments exceed the limit of {max_bytes} bytes"),
                )),
            });
        }
        state.arguments.push_str(fragment);
        None
    }

    /// Validates the content of one choice now (its channel ended). Later calls and
    /// [`finish`](Self::finish) do not report it again.
    pub fn finish_content(&mut self, choice: usize) -> Option<OutputViolation> {
        let state = self.content.get_mut(&choice)?;
        if state.settled || state.text.trim().is_empty() {
            return None;
        }
        state.settled = true;
        let result = self.contract.check_content(&state.text);
        result.err().map(|violations| OutputViolation {
            choice,
            target: OutputTarget::Content,
            violations,
        })
    }

    /// Validates everything assembled. Call once, at the end of the stream.
    pub fn finish(&mut self) -> Vec<OutputViolation> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        let mut out = Vec::new();
        for (&choice, state) in &self.content {
            if state.settled || state.text.trim().is_empty() {
                // Already reported, or no content (the model answered with tool calls or a refusal).
                continue;
            }
            if let Err(violations) = self.contract.check_content(&state.text) {
                out.push(OutputViolation {
                    choice,
                    target: OutputTarget::Content,
                    violations,
                });
            }
        }
        for (&(choice, index), state) in &self.calls {
            if state.settled {
                continue;
            }
            if let Err(violations) = self.contract.check_tool_call(&state.name, &state.arguments) {
                out.push(OutputViolation {
                    choice,
                    target: OutputTarget::ToolCall {
                        name: state.name.clone(),
                        index,
                    },
                    violations,
                });
            }
        }
        out
    }
}

/// True when the request's operation can carry structured output or tools at all.
pub fn may_have_contract(op: Operation) -> bool {
    !matches!(op, Operation::Embeddings | Operation::Unknown)
}
