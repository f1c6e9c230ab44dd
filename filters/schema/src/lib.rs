//! Parapet's JSON Schema layer: validation of LLM API requests and of the structured output
//! models return. No proxy-wasm dependency; builds natively and for `wasm32-wasip1`.
//!
//! - [`Schema`]: a schema compiled once (draft 2020-12 or draft-07 chosen by `$schema`,
//!   2020-12 by default). Offline: remote `$ref`s are refused unless registered with
//!   [`CompileOptions::with_resource`]; local `$defs`/`definitions` work. Patterns run on a
//!   linear-time engine. Failures are [`Violations`] with instance and schema JSON Pointers,
//!   instance values masked.
//! - [`Bounds`]: size and nesting limits checked in one linear scan before parsing.
//! - [`BuiltinSet`]: embedded request schemas for OpenAI Chat / Responses, Anthropic
//!   Messages, Gemini, Bedrock Converse and Ollama, optionally strict (unknown top-level
//!   fields rejected).
//! - [`check_request`]: declarative [`RequestLimits`] (allowed models, token ceiling with
//!   reject or byte-preserving clamp, max messages, max prompt characters, forbidden
//!   parameters, allowed tools, schemas for tool arguments in the history) over
//!   parapet-core's [`RequestView`](parapet_core::RequestView).
//! - [`OutputContract`] / [`OutputAssembler`]: validate a response's content and tool-call
//!   arguments against the schema the request asked for, whole or streamed.
//!
//! ```
//! use parapet_core::{detect, parse_request, Limits};
//! use parapet_schema::{BuiltinSet, CompileOptions};
//!
//! let builtins = BuiltinSet::compile(false, &CompileOptions::default()).unwrap();
//! let body = br#"{"model":"gpt-4o","messages":[{"role":"usr","content":"hi"}]}"#;
//! let api = detect("/v1/chat/completions", Some(body));
//! let json: serde_json::Value = serde_json::from_slice(body).unwrap();
//! let violations = builtins.get(api).unwrap().validate(&json).unwrap_err();
//! assert_eq!(violations.items[0].instance_path, "/messages/0/role");
//! ```

mod bounds;
mod builtin;
mod compile;
mod glob;
mod history;
mod json_prefix;
mod limits;
mod openapi;
mod output;
mod violation;

pub use bounds::{Bounds, InstanceError, MAX_SUPPORTED_DEPTH};
pub use builtin::{builtin_for, BuiltinSchema, BuiltinSet, BUILTIN_SCHEMAS};
pub use compile::{CompileOptions, Dialect, Schema, SchemaError};
pub use glob::{glob_any, glob_match};
pub use history::{history_tool_calls, HistoryToolCall};
pub use json_prefix::{JsonPrefix, PrefixError};
pub use limits::{
    check_request, check_view, CeilingAction, ForbiddenParam, LimitOutcome, LimitViolation,
    ParamCondition, RequestLimits, TokenCeiling, ToolArgumentSchema,
};
pub use openapi::openapi_to_json_schema;
pub use output::{
    may_have_contract, ContentRule, ContractErrors, OutputAssembler, OutputContract, OutputTarget,
    OutputViolation,
};
pub use violation::{Violation, Violations};
