//! Google Gemini `generateContent` / `streamGenerateContent` (Gemini API and Vertex AI).
//! Google's JSON mapping accepts lowerCamelCase and snake_case names; both are read.

use super::tool_def;
use crate::api::Api;
use crate::json::{Kind, NodeRef};
use crate::view::{
    ptr, At, Collector, RequestView, ResponseFormat, ResponseView, Role, SegmentKind, ToolCall,
    UsageFields,
};

/// Reads a member under either spelling; returns (node, the key actually present).
fn get2<'d, 'a>(
    n: NodeRef<'d, 'a>,
    camel: &'static str,
    snake: &'static str,
) -> (NodeRef<'d, 'a>, &'static str) {
    let v = n.get(camel);
    if v.exists() {
        (v, camel)
    } else {
        (n.get(snake), snake)
    }
}

/// The parts of one `Content`. `text_kind` is the kind of plain text parts.
pub(crate) fn parts<'a>(
    c: &mut Collector<'a>,
    content: NodeRef<'_, 'a>,
    pointer: &str,
    at: At,
    text_kind: SegmentKind,
    choice: usize,
    calls: &mut Vec<ToolCall<'a>>,
) {
    for (j, p) in content.get("parts").items().enumerate() {
        let pp = ptr(&ptr(pointer, "parts"), j);
        if p.get("text").exists() {
            let kind = if p.get("thought").as_bool() == Some(true) {
                SegmentKind::Other
            } else {
                text_kind
            };
            c.text(p.get("text"), at, kind, || ptr(&pp, "text"));
            continue;
        }
        let (fc, fc_key) = get2(p, "functionCall", "function_call");
        if fc.exists() {
            let fp = ptr(&pp, fc_key);
            let at = at.with_role(Role::Assistant);
            c.text(fc.get("name"), at, SegmentKind::ToolCallName, || {
                ptr(&fp, "name")
            });
            c.all_strings(
                fc.get("args"),
                at,
                SegmentKind::ToolCallArguments,
                &ptr(&fp, "args"),
            );
            let index = calls
                .iter()
                .filter(|t| t.choice == choice && t.message_index == at.msg)
                .count();
            calls.push(ToolCall {
                choice,
                index,
                id: fc.get("id").text(),
                name: fc.get("name").text().unwrap_or_default(),
                arguments: if fc.get("args").exists() {
                    fc.get("args").raw().into()
                } else {
                    "{}".into()
                },
                message_index: at.msg,
            });
            continue;
        }
        let (fr, fr_key) = get2(p, "functionResponse", "function_response");
        if fr.exists() {
            let fp = ptr(&pp, fr_key);
            let at = at.with_role(Role::Tool);
            c.all_strings(
                fr.get("response"),
                at,
                SegmentKind::ToolResult,
                &ptr(&fp, "response"),
            );
            for (k, sub) in fr.get("parts").items().enumerate() {
                c.all_strings(
                    sub.get("text"),
                    at,
                    SegmentKind::ToolResult,
                    &ptr(&ptr(&ptr(&fp, "parts"), k), "text"),
                );
            }
            continue;
        }
        let (code, code_key) = get2(p, "executableCode", "executable_code");
        if code.exists() {
            c.text(code.get("code"), at, SegmentKind::Other, || {
                ptr(&ptr(&pp, code_key), "code")
            });
            continue;
        }
        let (res, res_key) = get2(p, "codeExecutionResult", "code_execution_result");
        if res.exists() {
            c.text(
                res.get("output"),
                at.with_role(Role::Tool),
                SegmentKind::ToolResult,
                || ptr(&ptr(&pp, res_key), "output"),
            );
            continue;
        }
        let media = [
            "inlineData",
            "inline_data",
            "fileData",
            "file_data",
            "thoughtSignature",
            "thought_signature",
        ];
        if p.members().any(|(k, _)| media.contains(&k.as_ref())) {
            continue;
        }
        c.all_strings(p, at, SegmentKind::Other, &pp);
    }
}

pub(crate) fn request<'a>(api: Api, root: NodeRef<'_, 'a>) -> RequestView<'a> {
    let mut view = RequestView::empty(api);
    let mut c = Collector::default();
    view.model = root.get("model").string();
    let (gen, gen_key) = get2(root, "generationConfig", "generation_config");
    let gp = ptr("", gen_key);
    let (mot, mot_key) = get2(gen, "maxOutputTokens", "max_output_tokens");
    view.offer_max_tokens(mot, &ptr(&gp, mot_key));

    let mut calls = Vec::new();
    let (sys, sys_key) = get2(root, "systemInstruction", "system_instruction");
    if sys.kind() == Some(Kind::String) {
        c.text(
            sys,
            At::top(Role::System),
            SegmentKind::Instructions,
            || ptr("", sys_key),
        );
    } else {
        parts(
            &mut c,
            sys,
            &ptr("", sys_key),
            At::top(Role::System),
            SegmentKind::Instructions,
            0,
            &mut calls,
        );
    }
    let contents = root.get("contents");
    view.message_count = contents.len();
    for (i, m) in contents.items().enumerate() {
        let role = Role::from_wire(&m.get("role").str().unwrap_or_else(|| "user".into()));
        let kind = if role == Role::Assistant {
            SegmentKind::Output
        } else {
            SegmentKind::Prompt
        };
        parts(
            &mut c,
            m,
            &ptr("/contents", i),
            At::msg(role, i),
            kind,
            0,
            &mut calls,
        );
    }
    view.tool_calls = calls;

    for (i, t) in root.get("tools").items().enumerate() {
        let (decls, decls_key) = get2(t, "functionDeclarations", "function_declarations");
        let dp = ptr(&ptr("/tools", i), decls_key);
        for (k, d) in decls.items().enumerate() {
            let keys = [
                "parametersJsonSchema",
                "parameters_json_schema",
                "parameters",
            ];
            if let Some(def) = tool_def(&mut c, d, &ptr(&dp, k), &keys) {
                view.tools.push(def);
            }
        }
    }
    let (mime, _) = get2(gen, "responseMimeType", "response_mime_type");
    let mut schema = get2(gen, "responseJsonSchema", "response_json_schema");
    if !schema.0.exists() {
        schema = get2(gen, "responseSchema", "response_schema");
    }
    if mime.exists() || schema.0.exists() {
        if schema.0.exists() {
            c.schema_descriptions(schema.0, &ptr(&gp, schema.1));
        }
        view.response_format = Some(ResponseFormat {
            kind: mime.string().unwrap_or_else(|| "application/json".into()),
            name: None,
            schema: schema.0.exists().then(|| schema.0.raw().to_string()),
            pointer: gp.to_string(),
        });
    }
    view.segments = c.segments;
    view
}

/// `candidates[]` of one response or stream chunk.
fn candidates<'a>(
    c: &mut Collector<'a>,
    root: NodeRef<'_, 'a>,
    prefix: &str,
    calls: &mut Vec<ToolCall<'a>>,
    finish: &mut Vec<String>,
) {
    for (pos, cand) in root.get("candidates").items().enumerate() {
        let choice = cand
            .get("index")
            .as_u64()
            .map(|i| i as usize)
            .unwrap_or(pos);
        let cp = ptr(&ptr(&ptr(prefix, "candidates"), pos), "content");
        parts(
            c,
            cand.get("content"),
            &cp,
            At::choice(choice),
            SegmentKind::Output,
            choice,
            calls,
        );
        let (fr, _) = get2(cand, "finishReason", "finish_reason");
        if let Some(r) = fr.string() {
            finish.push(r);
        }
    }
}

/// A `GenerateContentResponse`, or the JSON array of them that
/// `:streamGenerateContent` returns without `alt=sse` (usage: the last snapshot).
pub(crate) fn response<'a>(api: Api, root: NodeRef<'_, 'a>) -> ResponseView<'a> {
    let mut view = ResponseView::empty(api);
    let mut c = Collector::default();
    let chunks: Vec<(crate::view::JsonPointer, NodeRef)> = if root.kind() == Some(Kind::Array) {
        root.items()
            .enumerate()
            .map(|(i, n)| (ptr("", i), n))
            .collect()
    } else {
        vec![(crate::view::JsonPointer::ROOT, root)]
    };
    for (prefix, chunk) in chunks {
        if let Some(m) = chunk.get_any(&["modelVersion", "model_version"]).string() {
            view.model = Some(m);
        }
        view.error |= chunk.get("error").kind() == Some(Kind::Object);
        candidates(
            &mut c,
            chunk,
            &prefix,
            &mut view.tool_calls,
            &mut view.finish_reasons,
        );
        let (fb, _) = get2(chunk, "promptFeedback", "prompt_feedback");
        if let Some(r) = fb.get_any(&["blockReason", "block_reason"]).string() {
            view.finish_reasons.push(r);
        }
        if let Some(u) = UsageFields::gemini(chunk.get_any(&["usageMetadata", "usage_metadata"])) {
            view.usage = Some(u);
        }
    }
    view.segments = c.segments;
    view
}
