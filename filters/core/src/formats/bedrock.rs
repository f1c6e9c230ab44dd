//! AWS Bedrock Converse / ConverseStream bodies (the binary stream framing is in
//! `stream::eventstream`).

use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{
    ptr, At, Collector, RequestView, ResponseFormat, ResponseView, Role, SegmentKind, ToolCall,
    ToolDef, UsageFields,
};

/// One ContentBlock (a single-key union). `kind` is the kind of plain text here.
pub(crate) fn block<'a>(
    c: &mut Collector<'a>,
    b: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    kind: SegmentKind,
    (choice, index): (usize, usize),
    calls: &mut Vec<ToolCall<'a>>,
) {
    for (key, v) in b.members() {
        let vp = ptr(pointer, &key);
        match key.as_ref() {
            "text" => {
                c.text(v, at, kind, vp);
            }
            "toolUse" => {
                let at = at.with_role(Role::Assistant);
                c.text(v.get("name"), at, SegmentKind::ToolCallName, || {
                    ptr(&vp, "name")
                });
                c.all_strings(
                    v.get("input"),
                    at,
                    SegmentKind::ToolCallArguments,
                    &ptr(&vp, "input"),
                );
                calls.push(ToolCall {
                    choice,
                    index,
                    id: v.get("toolUseId").text(),
                    name: v.get("name").text().unwrap_or_default(),
                    arguments: v.get("input").raw().into(),
                    message_index: at.msg,
                });
            }
            "toolResult" => {
                let at = at.with_role(Role::Tool);
                for (k, item) in v.get("content").items().enumerate() {
                    let ip = ptr(&ptr(&vp, "content"), k);
                    if item.get("json").exists() {
                        c.all_strings(
                            item.get("json"),
                            at,
                            SegmentKind::ToolResult,
                            &ptr(&ip, "json"),
                        );
                    } else {
                        block(
                            c,
                            item,
                            &ip,
                            at,
                            SegmentKind::ToolResult,
                            (choice, index),
                            calls,
                        );
                    }
                }
            }
            "document" => {
                let src = v.get("source");
                let sp = ptr(&vp, "source");
                c.text(src.get("text"), at, kind, || ptr(&sp, "text"));
                for (k, item) in src.get("content").items().enumerate() {
                    c.text(item.get("text"), at, kind, || {
                        ptr(&ptr(&ptr(&sp, "content"), k), "text")
                    });
                }
                c.text(v.get("name"), at, SegmentKind::Other, || ptr(&vp, "name"));
                c.text(v.get("context"), at, SegmentKind::Other, || {
                    ptr(&vp, "context")
                });
            }
            "guardContent" => {
                c.text(v.get("text").get("text"), at, kind, || {
                    ptr(&ptr(&vp, "text"), "text")
                });
            }
            "reasoningContent" => {
                let rp = ptr(&vp, "reasoningText");
                c.text(
                    v.get("reasoningText").get("text"),
                    at,
                    SegmentKind::Other,
                    || ptr(&rp, "text"),
                );
            }
            "image" | "video" | "audio" | "cachePoint" => {}
            _ => c.all_strings(v, at, SegmentKind::Other, &vp),
        }
    }
}

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("modelId").string();
    view.offer_max_tokens(
        root.get("inferenceConfig").get("maxTokens"),
        "/inferenceConfig/maxTokens",
    );
    let mut calls = Vec::new();
    for (i, b) in root.get("system").items().enumerate() {
        block(
            &mut c,
            b,
            &ptr("/system", i),
            At::top(Role::System),
            SegmentKind::Instructions,
            (0, 0),
            &mut calls,
        );
    }
    let messages = root.get("messages");
    view.message_count = messages.len();
    for (i, m) in messages.items().enumerate() {
        let role = Role::from_wire(&m.get("role").str().unwrap_or_default());
        let kind = match role {
            Role::Assistant => SegmentKind::Output,
            Role::System | Role::Developer => SegmentKind::Instructions,
            _ => SegmentKind::Prompt,
        };
        let cp = ptr(&ptr("/messages", i), "content");
        for (k, b) in m.get("content").items().enumerate() {
            block(
                &mut c,
                b,
                &ptr(&cp, k),
                At::msg(role, i),
                kind,
                (0, k),
                &mut calls,
            );
        }
    }
    view.tool_calls = calls;
    for (i, t) in root.get("toolConfig").get("tools").items().enumerate() {
        let spec = t.get("toolSpec");
        let Some(name) = spec.get("name").string() else {
            continue;
        };
        let sp = ptr(&ptr("/toolConfig/tools", i), "toolSpec");
        c.text(
            spec.get("description"),
            At::top(Role::System),
            SegmentKind::ToolDefinition,
            || ptr(&sp, "description"),
        );
        let schema = spec.get("inputSchema").get("json");
        if schema.exists() {
            c.schema_descriptions(schema, &ptr(&ptr(&sp, "inputSchema"), "json"));
        }
        view.tools.push(ToolDef {
            name,
            description: spec.get("description").string(),
            parameters: schema.exists().then(|| schema.raw().to_string()),
            pointer: sp.to_string(),
        });
    }
    for (name, var) in root.get("promptVariables").members() {
        c.text(
            var.get("text"),
            At::top(Role::User),
            SegmentKind::Prompt,
            || ptr(&ptr("/promptVariables", &name), "text"),
        );
    }
    let tf = root.get("outputConfig").get("textFormat");
    if let Some(kind) = tf.get("type").string() {
        let js = tf.get("structure").get("jsonSchema");
        view.response_format = Some(ResponseFormat {
            kind,
            name: js.get("name").string(),
            // The schema travels as a JSON *string*; expose the JSON text it holds.
            schema: js.get("schema").string(),
            pointer: "/outputConfig/textFormat".into(),
        });
    }
    view.segments = c.segments;
    view
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.error = root.get("message").kind() == Some(Kind::String) && !root.get("output").exists();
    let msg = root.get("output").get("message");
    for (k, b) in msg.get("content").items().enumerate() {
        block(
            &mut c,
            b,
            &ptr("/output/message/content", k),
            At::choice(0),
            SegmentKind::Output,
            (0, k),
            &mut view.tool_calls,
        );
    }
    if let Some(r) = root.get("stopReason").string() {
        view.finish_reasons.push(r);
    }
    view.usage = UsageFields::bedrock(root.get("usage"));
    view.segments = c.segments;
    view
}
