//! Anthropic Messages (`/v1/messages`).

use super::{read_model_stream, tool_def};
use crate::api::Api;
use crate::json::NodeRef;
use crate::view::{
    ptr, AnthropicUsage, At, Collector, RequestView, ResponseFormat, ResponseView, Role,
    SegmentKind, ToolCall,
};

fn role_kind(role: Role) -> SegmentKind {
    match role {
        Role::System | Role::Developer => SegmentKind::Instructions,
        Role::Assistant => SegmentKind::Output,
        Role::Tool => SegmentKind::ToolResult,
        Role::User => SegmentKind::Prompt,
    }
}

/// One content block. `kind` is the kind of plain text in this context.
pub(crate) fn block<'a>(
    c: &mut Collector<'a>,
    b: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    kind: SegmentKind,
    (choice, index): (usize, usize),
    calls: &mut Vec<ToolCall<'a>>,
) -> bool {
    match b.get("type").str().as_deref() {
        Some("text") => {
            c.text(b.get("text"), at, kind, || ptr(pointer, "text"));
        }
        Some("tool_use" | "server_tool_use") => {
            let at = at.with_role(Role::Assistant);
            c.text(b.get("name"), at, SegmentKind::ToolCallName, || {
                ptr(pointer, "name")
            });
            let input = b.get("input");
            c.all_strings(
                input,
                at,
                SegmentKind::ToolCallArguments,
                &ptr(pointer, "input"),
            );
            calls.push(ToolCall {
                choice,
                index,
                id: b.get("id").text(),
                name: b.get("name").text().unwrap_or_default(),
                arguments: input.raw().into(),
                message_index: at.msg,
            });
        }
        Some("tool_result") => {
            let at = at.with_role(Role::Tool);
            let cp = ptr(pointer, "content");
            c.content(
                b.get("content"),
                at,
                SegmentKind::ToolResult,
                &cp,
                |c, p, pp| {
                    block(
                        c,
                        p,
                        pp,
                        at,
                        SegmentKind::ToolResult,
                        (choice, index),
                        calls,
                    )
                },
            );
        }
        Some("document") => {
            let src = b.get("source");
            let sp = ptr(pointer, "source");
            match src.get("type").str().as_deref() {
                Some("text") => {
                    c.text(src.get("data"), at, kind, || ptr(&sp, "data"));
                }
                Some("content") => {
                    c.content(
                        src.get("content"),
                        at,
                        kind,
                        &ptr(&sp, "content"),
                        |c, p, pp| block(c, p, pp, at, kind, (choice, index), calls),
                    );
                }
                _ => {}
            }
            c.text(b.get("title"), at, SegmentKind::Other, || {
                ptr(pointer, "title")
            });
            c.text(b.get("context"), at, SegmentKind::Other, || {
                ptr(pointer, "context")
            });
        }
        Some("thinking") => {
            c.text(b.get("thinking"), at, SegmentKind::Other, || {
                ptr(pointer, "thinking")
            });
        }
        Some("mid_conv_system") => {
            let at = at.with_role(Role::System);
            c.content(
                b.get("content"),
                at,
                SegmentKind::Instructions,
                &ptr(pointer, "content"),
                |c, p, pp| {
                    block(
                        c,
                        p,
                        pp,
                        at,
                        SegmentKind::Instructions,
                        (choice, index),
                        calls,
                    )
                },
            );
        }
        Some("image" | "redacted_thinking") => {}
        _ => return false,
    }
    true
}

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    read_model_stream(&mut view, root);
    view.offer_max_tokens(root.get("max_tokens"), "/max_tokens");
    let mut calls = Vec::new();
    let sys = At::top(Role::System);
    c.content(
        root.get("system"),
        sys,
        SegmentKind::Instructions,
        "/system",
        |c, p, pp| block(c, p, pp, sys, SegmentKind::Instructions, (0, 0), &mut calls),
    );
    let messages = root.get("messages");
    view.message_count = messages.len();
    for (i, m) in messages.items().enumerate() {
        let role = Role::from_wire(&m.get("role").str().unwrap_or_default());
        let at = At::msg(role, i);
        let kind = role_kind(role);
        let cp = ptr(&ptr("/messages", i), "content");
        let mut k = 0;
        c.content(m.get("content"), at, kind, &cp, |c, p, pp| {
            k += 1;
            block(c, p, pp, at, kind, (0, k - 1), &mut calls)
        });
    }
    view.tool_calls = calls;
    for (i, t) in root.get("tools").items().enumerate() {
        if let Some(d) = tool_def(&mut c, t, &ptr("/tools", i), &["input_schema"]) {
            view.tools.push(d);
        }
    }
    let fmt = root.get("output_config").get("format");
    if let Some(kind) = fmt.get("type").string() {
        let schema = fmt.get("schema");
        if schema.exists() {
            c.schema_descriptions(schema, "/output_config/format/schema");
        }
        view.response_format = Some(ResponseFormat {
            kind,
            name: None,
            schema: schema.exists().then(|| schema.raw().to_string()),
            pointer: "/output_config/format".into(),
        });
    }
    c.text(
        root.get("metadata").get("user_id"),
        At::top(Role::User),
        SegmentKind::Other,
        "/metadata/user_id",
    );
    view.segments = c.segments;
    view
}

/// `content[]` of a Message object (response, or `message_start` in a stream).
pub(crate) fn message_content<'a>(
    c: &mut Collector<'a>,
    msg: NodeRef<'_, 'a>,
    pointer: &str,
    calls: &mut Vec<ToolCall<'a>>,
) {
    let at = At::choice(0);
    for (i, b) in msg.get("content").items().enumerate() {
        let bp = ptr(&ptr(pointer, "content"), i);
        if !block(c, b, &bp, at, SegmentKind::Output, (0, i), calls) {
            c.all_strings(b, at, SegmentKind::Other, &bp);
        }
    }
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    view.error = root.get("type").str().as_deref() == Some("error");
    message_content(&mut c, root, "", &mut view.tool_calls);
    if let Some(r) = root.get("stop_reason").string() {
        view.finish_reasons.push(r);
    }
    view.usage = AnthropicUsage::read(root.get("usage")).map(|u| u.usage(false));
    view.segments = c.segments;
    view
}
