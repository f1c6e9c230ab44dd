//! OpenAI legacy Completions and Embeddings.

use super::read_model_stream;
use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{ptr, At, Collector, RequestView, ResponseView, Role, SegmentKind, UsageFields};

/// `prompt` / `input`: a string or an array of strings (token-id arrays carry no text).
fn strings_or_array<'a>(c: &mut Collector<'a>, node: NodeRef<'_, 'a>, pointer: &str) -> usize {
    match node.kind() {
        Some(Kind::String) => {
            c.text(node, At::msg(Role::User, 0), SegmentKind::Prompt, pointer);
            1
        }
        Some(Kind::Array) => {
            for (i, s) in node.items().enumerate() {
                c.text(s, At::msg(Role::User, i), SegmentKind::Prompt, || {
                    ptr(pointer, i)
                });
            }
            node.len()
        }
        _ => 0,
    }
}

pub(crate) fn completions_request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    read_model_stream(&mut view, root);
    view.offer_max_tokens(root.get("max_tokens"), "/max_tokens");
    view.include_usage = root.get("stream_options").get("include_usage").as_bool();
    view.message_count = strings_or_array(&mut c, root.get("prompt"), "/prompt");
    c.text(
        root.get("suffix"),
        At::top(Role::User),
        SegmentKind::Prompt,
        "/suffix",
    );
    view.segments = c.segments;
    view
}

pub(crate) fn embeddings_request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    read_model_stream(&mut view, root);
    view.message_count = strings_or_array(&mut c, root.get("input"), "/input");
    view.segments = c.segments;
    view
}

pub(crate) fn completions_response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    view.error = root.get("error").kind() == Some(Kind::Object);
    for (pos, ch) in root.get("choices").items().enumerate() {
        let choice = ch.get("index").as_u64().map(|i| i as usize).unwrap_or(pos);
        c.text(
            ch.get("text"),
            At::choice(choice),
            SegmentKind::Output,
            || ptr(&ptr("/choices", pos), "text"),
        );
        if let Some(r) = ch.get("finish_reason").string() {
            view.finish_reasons.push(r);
        }
    }
    view.usage = UsageFields::openai(root.get("usage"));
    view.segments = c.segments;
    view
}

pub(crate) fn embeddings_response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    view.model = root.get("model").string();
    view.error = root.get("error").kind() == Some(Kind::Object);
    view.usage = UsageFields::openai(root.get("usage"));
    view
}
