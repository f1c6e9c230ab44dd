//! Ollama native API (`/api/chat`, `/api/generate`, `/api/embed`).

use super::tool_def;
use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{
    ptr, At, Collector, RequestView, ResponseFormat, ResponseView, Role, SegmentKind, ToolCall,
    UsageFields,
};

fn common<'a>(view: &mut RequestView<'a>, c: &mut Collector<'a>, root: NodeRef<'_, 'a>) {
    view.model = root.get("model").string();
    // Ollama streams unless told otherwise.
    view.stream = root.get("stream").as_bool().unwrap_or(true);
    view.offer_max_tokens(
        root.get("options").get("num_predict"),
        "/options/num_predict",
    );
    let fmt = root.get("format");
    match fmt.kind() {
        Some(Kind::String) => {
            view.response_format = Some(ResponseFormat {
                kind: fmt.string().unwrap_or_default(),
                name: None,
                schema: None,
                pointer: "/format".into(),
            })
        }
        Some(Kind::Object) => {
            c.schema_descriptions(fmt, "/format");
            view.response_format = Some(ResponseFormat {
                kind: "json_schema".into(),
                name: None,
                schema: Some(fmt.raw().to_string()),
                pointer: "/format".into(),
            })
        }
        _ => {}
    }
}

/// `message.tool_calls[]` (arguments are objects natively).
fn tool_calls<'a>(
    c: &mut Collector<'a>,
    msg: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    choice: usize,
    first: usize,
    out: &mut Vec<ToolCall<'a>>,
) {
    for (k, call) in msg.get("tool_calls").items().enumerate() {
        let fp = ptr(&ptr(&ptr(pointer, "tool_calls"), k), "function");
        let f = call.get("function");
        let at = at.with_role(Role::Assistant);
        c.text(f.get("name"), at, SegmentKind::ToolCallName, || {
            ptr(&fp, "name")
        });
        let args = f.get("arguments");
        if args.kind() == Some(Kind::String) {
            c.text(args, at, SegmentKind::ToolCallArguments, || {
                ptr(&fp, "arguments")
            });
        } else {
            c.all_strings(
                args,
                at,
                SegmentKind::ToolCallArguments,
                &ptr(&fp, "arguments"),
            );
        }
        out.push(ToolCall {
            choice,
            index: f
                .get("index")
                .as_u64()
                .map(|i| i as usize)
                .unwrap_or(first + k),
            id: call.get("id").text(),
            name: f.get("name").text().unwrap_or_default(),
            arguments: args
                .text()
                .filter(|_| args.kind() == Some(Kind::String))
                .unwrap_or_else(|| args.raw().into()),
            message_index: at.msg,
        });
    }
}

pub(crate) fn chat_request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    common(&mut view, &mut c, root);
    let messages = root.get("messages");
    view.message_count = messages.len();
    for (i, m) in messages.items().enumerate() {
        let mp = ptr("/messages", i);
        let role = Role::from_wire(&m.get("role").str().unwrap_or_default());
        let kind = match role {
            Role::System | Role::Developer => SegmentKind::Instructions,
            Role::Assistant => SegmentKind::Output,
            Role::Tool => SegmentKind::ToolResult,
            Role::User => SegmentKind::Prompt,
        };
        let at = At::msg(role, i);
        c.text(m.get("content"), at, kind, || ptr(&mp, "content"));
        c.text(m.get("thinking"), at, SegmentKind::Other, || {
            ptr(&mp, "thinking")
        });
        tool_calls(&mut c, m, &mp, at, 0, 0, &mut view.tool_calls);
    }
    for (i, t) in root.get("tools").items().enumerate() {
        let tp = ptr(&ptr("/tools", i), "function");
        if let Some(d) = tool_def(&mut c, t.get("function"), &tp, &["parameters"]) {
            view.tools.push(d);
        }
    }
    view.segments = c.segments;
    view
}

pub(crate) fn generate_request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    common(&mut view, &mut c, root);
    view.message_count = usize::from(root.get("prompt").exists());
    c.text(
        root.get("system"),
        At::top(Role::System),
        SegmentKind::Instructions,
        "/system",
    );
    c.text(
        root.get("template"),
        At::top(Role::System),
        SegmentKind::Instructions,
        "/template",
    );
    c.text(
        root.get("prompt"),
        At::msg(Role::User, 0),
        SegmentKind::Prompt,
        "/prompt",
    );
    c.text(
        root.get("suffix"),
        At::top(Role::User),
        SegmentKind::Prompt,
        "/suffix",
    );
    // /api/embed bodies reach here only through explicit configuration; read `input` too.
    view.segments = c.segments;
    view
}

/// One response object or NDJSON stream line (chat or generate).
pub(crate) fn object<'a>(
    c: &mut Collector<'a>,
    root: NodeRef<'_, 'a>,
    first_call: usize,
    calls: &mut Vec<ToolCall<'a>>,
) {
    let at = At::choice(0);
    let msg = root.get("message");
    c.text(
        msg.get("content"),
        at,
        SegmentKind::Output,
        "/message/content",
    );
    c.text(
        msg.get("thinking"),
        at,
        SegmentKind::Other,
        "/message/thinking",
    );
    tool_calls(c, msg, "/message", at, 0, first_call, calls);
    c.text(root.get("response"), at, SegmentKind::Output, "/response");
    c.text(root.get("thinking"), at, SegmentKind::Other, "/thinking");
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    view.error = root.get("error").exists();
    object(&mut c, root, 0, &mut view.tool_calls);
    if let Some(r) = root.get("done_reason").string() {
        view.finish_reasons.push(r);
    }
    view.usage = UsageFields::ollama(root);
    view.segments = c.segments;
    view
}
