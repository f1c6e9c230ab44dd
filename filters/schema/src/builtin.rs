//! Built-in request schemas for the provider formats parapet-core knows, embedded in the
//! module (`schemas/*.json`).
//!
//! They check what the providers themselves document as required or typed (model, messages,
//! roles, content part shapes, tool definitions, numeric ranges), and stay open elsewhere so a
//! new provider field does not break traffic. The **strict** variant additionally rejects
//! unknown top-level fields (a typo such as `max_token` or a parameter the provider would
//! silently ignore).

use parapet_core::{Api, Operation};
use serde_json::Value;

use crate::compile::{CompileOptions, Schema, SchemaError};

/// One embedded schema document.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinSchema {
    /// Stable name, used in errors and events: `builtin:openai-chat`, ...
    pub name: &'static str,
    /// The operation it validates.
    pub operation: Operation,
    /// JSON text of the schema.
    pub source: &'static str,
}

/// Every built-in schema.
pub const BUILTIN_SCHEMAS: &[BuiltinSchema] = &[
    BuiltinSchema {
        name: "builtin:openai-chat",
        operation: Operation::ChatCompletions,
        source: include_str!("../schemas/openai-chat.json"),
    },
    BuiltinSchema {
        name: "builtin:openai-responses",
        operation: Operation::Responses,
        source: include_str!("../schemas/openai-responses.json"),
    },
    BuiltinSchema {
        name: "builtin:anthropic-messages",
        operation: Operation::Messages,
        source: include_str!("../schemas/anthropic-messages.json"),
    },
    BuiltinSchema {
        name: "builtin:gemini-generate-content",
        operation: Operation::GenerateContent,
        source: include_str!("../schemas/gemini-generate-content.json"),
    },
    BuiltinSchema {
        name: "builtin:bedrock-converse",
        operation: Operation::Converse,
        source: include_str!("../schemas/bedrock-converse.json"),
    },
    BuiltinSchema {
        name: "builtin:ollama-chat",
        operation: Operation::OllamaChat,
        source: include_str!("../schemas/ollama-chat.json"),
    },
    BuiltinSchema {
        name: "builtin:ollama-generate",
        operation: Operation::OllamaGenerate,
        source: include_str!("../schemas/ollama-generate.json"),
    },
];

impl BuiltinSchema {
    /// The schema document; with `strict`, unknown top-level fields are rejected.
    pub fn document(&self, strict: bool) -> Result<Value, SchemaError> {
        let mut doc: Value = serde_json::from_str(self.source).map_err(|e| SchemaError {
            schema: self.name.to_string(),
            problem: format!("embedded schema is not JSON: {e}"),
            at: None,
        })?;
        if strict {
            if let Some(root) = doc.as_object_mut() {
                root.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
        Ok(doc)
    }

    /// Compiles the schema.
    pub fn compile(&self, strict: bool, options: &CompileOptions) -> Result<Schema, SchemaError> {
        let name = if strict {
            format!("{} (strict)", self.name)
        } else {
            self.name.to_string()
        };
        Schema::compile(&name, &self.document(strict)?, options)
    }
}

/// The built-in schema for `api`, if there is one (none for embeddings, legacy completions and
/// unknown JSON).
pub fn builtin_for(api: Api) -> Option<&'static BuiltinSchema> {
    BUILTIN_SCHEMAS
        .iter()
        .find(|b| b.operation == api.operation)
}

/// All built-in schemas compiled once, looked up by API.
#[derive(Debug)]
pub struct BuiltinSet {
    compiled: Vec<(Operation, Schema)>,
}

impl BuiltinSet {
    /// Compiles every built-in schema (strict or lenient).
    pub fn compile(strict: bool, options: &CompileOptions) -> Result<BuiltinSet, SchemaError> {
        let mut compiled = Vec::with_capacity(BUILTIN_SCHEMAS.len());
        for b in BUILTIN_SCHEMAS {
            compiled.push((b.operation, b.compile(strict, options)?));
        }
        Ok(BuiltinSet { compiled })
    }

    /// The compiled schema for `api`.
    pub fn get(&self, api: Api) -> Option<&Schema> {
        self.compiled
            .iter()
            .find(|(op, _)| *op == api.operation)
            .map(|(_, s)| s)
    }
}
