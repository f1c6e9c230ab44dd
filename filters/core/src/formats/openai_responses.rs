//! OpenAI Responses API (`/v1/responses`).

use super::{read_model_stream, tool_def};
use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{
    ptr, At, Collector, RequestView, ResponseFormat, ResponseView, Role, SegmentKind, ToolCall,
    UsageFields,
};

fn role_kind(role: Role) -> SegmentKind {
    match role {
        Role::System | Role::Developer => SegmentKind::Instructions,
        Role::Assistant => SegmentKind::Output,
        Role::Tool => SegmentKind::ToolResult,
        Role::User => SegmentKind::Prompt,
    }
}

/// Content parts of message items and function outputs.
fn part<'a>(
    c: &mut Collector<'a>,
    p: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    kind: SegmentKind,
) -> bool {
    match p.get("type").str().as_deref() {
        Some("input_text" | "text") => {
            c.text(p.get("text"), at, kind, || ptr(pointer, "text"));
            true
        }
        Some("output_text") => {
            c.text(p.get("text"), at, SegmentKind::Output, || {
                ptr(pointer, "text")
            });
            true
        }
        Some("refusal") => {
            c.text(p.get("refusal"), at, SegmentKind::Refusal, || {
                ptr(pointer, "refusal")
            });
            true
        }
        Some("summary_text" | "reasoning_text") => {
            c.text(p.get("text"), at, SegmentKind::Other, || {
                ptr(pointer, "text")
            });
            true
        }
        Some("input_image" | "input_file" | "input_audio") => true,
        _ => false,
    }
}

/// One item of `input[]` (request) or `output[]` (response).
pub(crate) fn item<'a>(
    c: &mut Collector<'a>,
    it: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    choice: usize,
    index: usize,
    calls: &mut Vec<ToolCall<'a>>,
) {
    let ty = it.get("type").string();
    match ty.as_deref() {
        None | Some("message") => {
            let role = Role::from_wire(&it.get("role").str().unwrap_or_default());
            let at = at.with_role(role);
            let kind = role_kind(role);
            c.content(
                it.get("content"),
                at,
                kind,
                &ptr(pointer, "content"),
                |c, p, pp| part(c, p, pp, at, kind),
            );
        }
        Some("function_call" | "custom_tool_call" | "mcp_call") => {
            let at = at.with_role(Role::Assistant);
            let args_key = if ty.as_deref() == Some("custom_tool_call") {
                "input"
            } else {
                "arguments"
            };
            c.text(it.get("name"), at, SegmentKind::ToolCallName, || {
                ptr(pointer, "name")
            });
            c.text(it.get(args_key), at, SegmentKind::ToolCallArguments, || {
                ptr(pointer, args_key)
            });
            if ty.as_deref() == Some("mcp_call") {
                c.text(
                    it.get("output"),
                    at.with_role(Role::Tool),
                    SegmentKind::ToolResult,
                    || ptr(pointer, "output"),
                );
            }
            calls.push(ToolCall {
                choice,
                index,
                id: it.get("call_id").text().or_else(|| it.get("id").text()),
                name: it.get("name").text().unwrap_or_default(),
                arguments: it.get(args_key).text().unwrap_or_default(),
                message_index: at.msg,
            });
        }
        Some("function_call_output" | "custom_tool_call_output") => {
            let at = at.with_role(Role::Tool);
            c.content(
                it.get("output"),
                at,
                SegmentKind::ToolResult,
                &ptr(pointer, "output"),
                |c, p, pp| part(c, p, pp, at, SegmentKind::ToolResult),
            );
        }
        Some("reasoning") => {
            let at = at.with_role(Role::Assistant);
            for key in ["summary", "content"] {
                c.content(
                    it.get(key),
                    at,
                    SegmentKind::Other,
                    &ptr(pointer, key),
                    |c, p, pp| part(c, p, pp, at, SegmentKind::Other),
                );
            }
        }
        Some("item_reference") => {}
        Some(_) => {
            // Unknown / built-in tool items: surface every string rather than miss text.
            for (k, v) in it.members() {
                if !matches!(
                    k.as_ref(),
                    "type" | "id" | "call_id" | "status" | "encrypted_content"
                ) {
                    c.all_strings(v, at, SegmentKind::Other, &ptr(pointer, &k));
                }
            }
        }
    }
}

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    read_model_stream(&mut view, root);
    view.offer_max_tokens(root.get("max_output_tokens"), "/max_output_tokens");
    c.text(
        root.get("instructions"),
        At::top(Role::Developer),
        SegmentKind::Instructions,
        "/instructions",
    );
    let input = root.get("input");
    match input.kind() {
        Some(Kind::String) => {
            view.message_count = 1;
            c.text(input, At::msg(Role::User, 0), SegmentKind::Prompt, "/input");
        }
        Some(Kind::Array) => {
            view.message_count = input.len();
            for (i, it) in input.items().enumerate() {
                let ip = ptr("/input", i);
                if it.kind() == Some(Kind::String) {
                    c.text(it, At::msg(Role::User, i), SegmentKind::Prompt, ip);
                } else {
                    item(
                        &mut c,
                        it,
                        &ip,
                        At::msg(Role::User, i),
                        0,
                        i,
                        &mut view.tool_calls,
                    );
                }
            }
        }
        _ => {}
    }
    for (name, var) in root.get("prompt").get("variables").members() {
        let vp = ptr("/prompt/variables", &name);
        let at = At::top(Role::User);
        c.content(var, at, SegmentKind::Prompt, &vp, |c, p, pp| {
            part(c, p, pp, at, SegmentKind::Prompt)
        });
    }
    for (i, t) in root.get("tools").items().enumerate() {
        if matches!(
            t.get("type").str().as_deref(),
            Some("function" | "custom") | None
        ) {
            if let Some(d) = tool_def(&mut c, t, &ptr("/tools", i), &["parameters", "format"]) {
                view.tools.push(d);
            }
        } else if let Some(label) = t.get("server_label").string() {
            c.text(
                t.get("server_description"),
                At::top(Role::System),
                SegmentKind::ToolDefinition,
                || ptr(&ptr("/tools", i), "server_description"),
            );
            view.tools.push(crate::view::ToolDef {
                name: label,
                description: t.get("server_description").string(),
                parameters: None,
                pointer: ptr("/tools", i).to_string(),
            });
        }
    }
    let fmt = root.get("text").get("format");
    if let Some(kind) = fmt.get("type").string() {
        let schema = fmt.get("schema");
        if schema.exists() {
            c.schema_descriptions(schema, "/text/format/schema");
        }
        view.response_format = Some(ResponseFormat {
            kind,
            name: fmt.get("name").string(),
            schema: schema.exists().then(|| schema.raw().to_string()),
            pointer: "/text/format".into(),
        });
    }
    view.segments = c.segments;
    view
}

/// Segments and tool calls of a Response object (`output[]`), shared with the stream's
/// `response.completed` event.
pub(crate) fn output<'a>(
    c: &mut Collector<'a>,
    resp: NodeRef<'_, 'a>,
    pointer: &str,
    calls: &mut Vec<ToolCall<'a>>,
) {
    for (i, it) in resp.get("output").items().enumerate() {
        let ip = ptr(&ptr(pointer, "output"), i);
        item(c, it, &ip, At::choice(0), 0, i, calls);
    }
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    let err = root.get("error");
    view.error = err.kind() == Some(Kind::Object) && !root.get("output").exists()
        || root.get("status").str().as_deref() == Some("failed");
    output(&mut c, root, "", &mut view.tool_calls);
    if let Some(reason) = root.get("incomplete_details").get("reason").string() {
        view.finish_reasons.push(reason);
    } else if let Some(status) = root.get("status").string() {
        view.finish_reasons.push(status);
    }
    view.usage = UsageFields::openai(root.get("usage"));
    view.segments = c.segments;
    view
}
