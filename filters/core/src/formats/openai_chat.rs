//! OpenAI Chat Completions (and every OpenAI-compatible server).

use super::{read_model_stream, tool_def};
use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{
    ptr, push_index, At, Collector, JsonPointer, PtrToken, RequestView, ResponseFormat,
    ResponseView, Role, SegmentKind, ToolCall, UsageFields,
};

fn role_kind(role: Role) -> SegmentKind {
    match role {
        Role::System | Role::Developer => SegmentKind::Instructions,
        Role::Assistant => SegmentKind::Output,
        Role::Tool => SegmentKind::ToolResult,
        Role::User => SegmentKind::Prompt,
    }
}

/// Content parts: `text` / `refusal` carry text; media parts are skipped.
fn part<'a>(
    c: &mut Collector<'a>,
    p: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    kind: SegmentKind,
) -> bool {
    let [ty, text, refusal] = p.get_many(["type", "text", "refusal"]);
    match ty.str().as_deref() {
        Some("text") => {
            c.text(text, at, kind, || ptr(pointer, "text"));
            true
        }
        Some("refusal") => {
            c.text(refusal, at, SegmentKind::Refusal, || {
                ptr(pointer, "refusal")
            });
            true
        }
        Some("image_url" | "input_audio" | "file" | "image" | "audio") => true,
        _ => false,
    }
}

/// `tool_calls[]` / legacy `function_call` of one assistant message (request or response).
pub(crate) fn tool_calls<'a>(
    c: &mut Collector<'a>,
    [calls, fc]: [NodeRef<'_, 'a>; 2],
    pointer: &str,
    at: At,
    choice: usize,
    out: &mut Vec<ToolCall<'a>>,
) {
    for (k, call) in calls.items().enumerate() {
        let [custom, function, index, id] = call.get_many(["custom", "function", "index", "id"]);
        let (body, body_key, args_key) = if custom.exists() {
            (custom, "custom", "input")
        } else {
            (function, "function", "arguments")
        };
        // `{pointer}/tool_calls/{k}/{body_key}/{leaf}`, built inline.
        let leaf_ptr = |leaf: &str| {
            k.with_token(|k| {
                JsonPointer::concat(&[pointer, "/tool_calls/", k, "/", body_key, "/", leaf])
            })
        };
        let [name, args] = body.get_many(["name", args_key]);
        c.text(name, at, SegmentKind::ToolCallName, || leaf_ptr("name"));
        c.text(args, at, SegmentKind::ToolCallArguments, || {
            leaf_ptr(args_key)
        });
        out.push(ToolCall {
            choice,
            index: index.as_u64().map(|i| i as usize).unwrap_or(k),
            id: id.text(),
            name: name.text().unwrap_or_default(),
            arguments: args.text().unwrap_or_default(),
            message_index: at.msg,
        });
    }
    if fc.kind() == Some(Kind::Object) {
        let fp = ptr(pointer, "function_call");
        c.text(fc.get("name"), at, SegmentKind::ToolCallName, || {
            ptr(&fp, "name")
        });
        c.text(
            fc.get("arguments"),
            at,
            SegmentKind::ToolCallArguments,
            || ptr(&fp, "arguments"),
        );
        out.push(ToolCall {
            choice,
            index: 0,
            id: None,
            name: fc.get("name").text().unwrap_or_default(),
            arguments: fc.get("arguments").text().unwrap_or_default(),
            message_index: at.msg,
        });
    }
}

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    read_model_stream(&mut view, root);
    view.offer_max_tokens(root.get("max_tokens"), "/max_tokens");
    view.offer_max_tokens(root.get("max_completion_tokens"), "/max_completion_tokens");
    view.include_usage = root.get("stream_options").get("include_usage").as_bool();

    let messages = root.get("messages");
    // About one text per 256 bytes of conversation or more (counting the messages
    // first would walk them twice); capped so one huge text does not reserve room
    // for thousands of segments.
    c.segments
        .reserve((messages.span().len() / 256).min(1024) + 4);
    // `/messages/{i}` and `/messages/{i}/content`, built in one reused buffer.
    let mut mp = String::with_capacity(32);
    for (i, m) in messages.items().enumerate() {
        mp.clear();
        mp.push_str("/messages/");
        push_index(&mut mp, i);
        let base = mp.len();
        let [role, content, name, refusal, calls, fc] = m.get_many([
            "role",
            "content",
            "name",
            "refusal",
            "tool_calls",
            "function_call",
        ]);
        let role = Role::from_wire(&role.str().unwrap_or_default());
        let at = At::msg(role, i);
        let kind = role_kind(role);
        mp.push_str("/content");
        c.content(content, at, kind, &mp, |c, p, pp| part(c, p, pp, at, kind));
        mp.truncate(base);
        c.text(name, at, SegmentKind::Other, || ptr(&mp, "name"));
        c.text(refusal, at, SegmentKind::Refusal, || ptr(&mp, "refusal"));
        tool_calls(&mut c, [calls, fc], &mp, at, 0, &mut view.tool_calls);
        view.message_count = i + 1;
    }
    if messages.kind() != Some(Kind::Array) {
        view.message_count = messages.len();
    }

    let prediction = root.get("prediction").get("content");
    let at = At::top(Role::Assistant);
    c.content(
        prediction,
        at,
        SegmentKind::Other,
        "/prediction/content",
        |c, p, pp| part(c, p, pp, at, SegmentKind::Other),
    );

    for (i, t) in root.get("tools").items().enumerate() {
        let tp = ptr("/tools", i);
        let (def, key) = if t.get("custom").exists() {
            (t.get("custom"), "custom")
        } else {
            (t.get("function"), "function")
        };
        if let Some(d) = tool_def(&mut c, def, &ptr(&tp, key), &["parameters", "format"]) {
            view.tools.push(d);
        }
    }
    for (i, f) in root.get("functions").items().enumerate() {
        if let Some(d) = tool_def(&mut c, f, &ptr("/functions", i), &["parameters"]) {
            view.tools.push(d);
        }
    }

    let rf = root.get("response_format");
    if let Some(kind) = rf.get("type").string() {
        let js = rf.get("json_schema");
        let schema = js.get("schema");
        if schema.exists() {
            c.schema_descriptions(schema, "/response_format/json_schema/schema");
        }
        view.response_format = Some(ResponseFormat {
            kind,
            name: js.get("name").string(),
            schema: schema.exists().then(|| schema.raw().to_string()),
            pointer: "/response_format".into(),
        });
    }
    view.segments = c.segments;
    view
}

pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    view.error = root.get("error").kind() == Some(Kind::Object);
    for (pos, ch) in root.get("choices").items().enumerate() {
        let choice = ch.get("index").as_u64().map(|i| i as usize).unwrap_or(pos);
        let cp = ptr("/choices", pos);
        let mp = ptr(&cp, "message");
        let msg = ch.get("message");
        let at = At::choice(choice);
        c.content(
            msg.get("content"),
            at,
            SegmentKind::Output,
            &ptr(&mp, "content"),
            |c, p, pp| part(c, p, pp, at, SegmentKind::Output),
        );
        c.text(msg.get("refusal"), at, SegmentKind::Refusal, || {
            ptr(&mp, "refusal")
        });
        c.text(
            msg.get("audio").get("transcript"),
            at,
            SegmentKind::Output,
            || ptr(&ptr(&mp, "audio"), "transcript"),
        );
        let calls = msg.get_many(["tool_calls", "function_call"]);
        tool_calls(&mut c, calls, &mp, at, choice, &mut view.tool_calls);
        if let Some(r) = ch.get("finish_reason").string() {
            view.finish_reasons.push(r);
        }
    }
    view.usage = UsageFields::openai(root.get("usage"));
    view.segments = c.segments;
    view
}
