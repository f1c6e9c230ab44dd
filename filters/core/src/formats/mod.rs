//! One module per provider format: request views, response views, stream payloads.

pub(crate) mod anthropic;
pub(crate) mod bedrock;
pub(crate) mod gemini;
pub(crate) mod generic;
pub(crate) mod ollama;
pub(crate) mod openai_chat;
pub(crate) mod openai_legacy;
pub(crate) mod openai_responses;

use crate::json::NodeRef;
use crate::view::{ptr, Collector, RequestView, ToolDef};

/// Common request fields that share names across OpenAI-like bodies.
pub(crate) fn read_model_stream<'a>(view: &mut RequestView<'a>, root: NodeRef<'_, 'a>) {
    view.model = root.get("model").string();
    view.stream = root.get("stream").as_bool().unwrap_or(false);
}

/// A tool definition with `name`, `description` and a schema under `schema_key`,
/// located at `def` (pointer `pointer`); descriptions become segments.
pub(crate) fn tool_def<'a>(
    c: &mut Collector<'a>,
    def: NodeRef<'_, 'a>,
    pointer: &str,
    schema_key: &[&str],
) -> Option<ToolDef> {
    let name = def.get("name").string()?;
    let description = def.get("description");
    c.text(
        description,
        crate::view::At::top(crate::view::Role::System),
        crate::view::SegmentKind::ToolDefinition,
        || ptr(pointer, "description"),
    );
    let mut parameters = None;
    for key in schema_key {
        let schema = def.get(key);
        if schema.exists() {
            c.schema_descriptions(schema, &ptr(pointer, key));
            parameters = Some(schema.raw().to_string());
            break;
        }
    }
    Some(ToolDef {
        name,
        description: description.string(),
        parameters,
        pointer: pointer.to_string(),
    })
}
