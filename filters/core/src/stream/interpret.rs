//! What each provider's stream events mean: deltas, tool-call fragments, usage,
//! finish reasons, terminal and error markers.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Delta, StreamEvent};
use crate::api::{Api, Operation, Provider};
use crate::formats::openai_responses;
use crate::json::{Doc, Kind, NodeRef};
use crate::view::{AnthropicUsage, At, Collector, SegmentKind, Text, ToolCall, Usage, UsageFields};

/// What a delta's text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeltaKind {
    Text,
    Refusal,
    ToolCallName,
    ToolCallArguments,
    /// Reasoning / thinking text (Anthropic `thinking_delta`, Gemini thought parts,
    /// Responses reasoning summaries, Bedrock `reasoningContent`).
    Reasoning,
}

/// Per-stream state carried across events.
#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    calls: Vec<ToolCall<'static>>,
    pub usage: Option<Usage>,
    anthropic: AnthropicUsage,
    pub finish: BTreeMap<usize, String>,
    pub terminal: bool,
    /// Every (choice, tool call) that carried a delta, sorted ([`State::note_channel`]). A
    /// sorted vector, not a set: a `BTreeSet` of this type added 5 KB to every module.
    channels: Vec<(usize, Option<usize>)>,
}

type Map<'m> = &'m dyn Fn(Range<usize>) -> Range<usize>;

/// Adds a string-valued delta (empty strings carry nothing and are skipped).
fn text(
    ev: &mut StreamEvent,
    map: Map,
    node: NodeRef,
    kind: DeltaKind,
    choice: usize,
    call: Option<usize>,
    repeat: bool,
) {
    if let Some(t) = node.string() {
        if !t.is_empty() {
            ev.deltas.push(Delta {
                kind,
                choice,
                tool_call: call,
                text: t,
                span: map(node.span()),
                json: false,
                repeat,
            });
        }
    }
}

/// Adds a delta whose value is raw JSON (an arguments object).
fn json(
    ev: &mut StreamEvent,
    map: Map,
    node: NodeRef,
    kind: DeltaKind,
    choice: usize,
    call: Option<usize>,
) {
    if node.exists() {
        ev.deltas.push(Delta {
            kind,
            choice,
            tool_call: call,
            text: node.raw().to_string(),
            span: map(node.span()),
            json: true,
            repeat: false,
        });
    }
}

/// Arguments that may be a JSON string (OpenAI) or an object (Ollama, Mistral).
fn arguments(ev: &mut StreamEvent, map: Map, node: NodeRef, choice: usize, call: usize) -> String {
    if node.kind() == Some(Kind::String) {
        text(
            ev,
            map,
            node,
            DeltaKind::ToolCallArguments,
            choice,
            Some(call),
            false,
        );
        node.string().unwrap_or_default()
    } else if node.exists() && !node.is_null() {
        json(
            ev,
            map,
            node,
            DeltaKind::ToolCallArguments,
            choice,
            Some(call),
        );
        node.raw().to_string()
    } else {
        String::new()
    }
}

fn index(n: NodeRef, default: usize) -> usize {
    n.as_u64().map(|i| i as usize).unwrap_or(default)
}

impl State {
    /// Notes that `(choice, tool call)` carried a delta; false when that makes more than
    /// `max` distinct ones in the stream.
    pub fn note_channel(&mut self, choice: usize, call: Option<usize>, max: usize) -> bool {
        match self.channels.binary_search(&(choice, call)) {
            Ok(_) => true,
            Err(at) => {
                self.channels.insert(at, (choice, call));
                self.channels.len() <= max
            }
        }
    }

    /// About how many bytes a copy of the state costs (its texts dominate).
    pub fn weight(&self) -> usize {
        let calls: usize = self
            .calls
            .iter()
            .map(|c| 64 + c.id.as_ref().map_or(0, |t| t.len()) + c.name.len() + c.arguments.len())
            .sum();
        let finish: usize = self.finish.values().map(|r| 48 + r.len()).sum();
        128 + calls + finish + 32 * self.channels.len()
    }

    fn call(&mut self, choice: usize, index: usize) -> &mut ToolCall<'static> {
        let pos = match self
            .calls
            .iter()
            .position(|c| c.choice == choice && c.index == index)
        {
            Some(p) => p,
            None => {
                self.calls.push(ToolCall {
                    choice,
                    index,
                    ..ToolCall::default()
                });
                self.calls.len() - 1
            }
        };
        &mut self.calls[pos]
    }

    fn next_ordinal(&self, choice: usize) -> usize {
        self.calls.iter().filter(|c| c.choice == choice).count()
    }

    pub fn tool_calls(&self) -> Vec<ToolCall<'static>> {
        let mut v = self.calls.clone();
        v.sort_by_key(|c| (c.choice, c.index));
        v
    }

    fn finish(&mut self, ev: &mut StreamEvent, choice: usize, reason: Option<String>) {
        if let Some(r) = reason {
            ev.finish_reasons.push((choice, r.clone()));
            self.finish.insert(choice, r);
        }
    }

    fn set_usage(&mut self, ev: &mut StreamEvent, u: Option<Usage>) {
        if let Some(u) = u {
            self.usage = Some(u);
            ev.usage = Some(u);
        }
    }

    fn end(&mut self, ev: &mut StreamEvent, error: bool) {
        ev.done = true;
        ev.error |= error;
        self.terminal = true;
    }

    /// Streams whose protocol has an explicit last event; ending without it is truncation.
    pub fn needs_terminal(&self, api: Api) -> bool {
        match api.operation {
            Operation::ChatCompletions | Operation::Completions => {
                api.provider != Provider::Generic
            }
            Operation::Responses | Operation::Messages | Operation::Converse => true,
            Operation::OllamaChat | Operation::OllamaGenerate => true,
            _ => false,
        }
    }

    /// `data: [DONE]`.
    pub fn sentinel_done(&mut self, ev: &mut StreamEvent) {
        self.end(ev, false);
    }

    pub fn interpret(
        &mut self,
        api: Api,
        doc: &Doc,
        name: Option<&str>,
        map: Map,
        ev: &mut StreamEvent,
    ) {
        let root = doc.root();
        match api.operation {
            Operation::ChatCompletions | Operation::Completions => self.openai(root, map, ev),
            Operation::Responses => self.responses(root, name, map, ev),
            Operation::Messages => self.anthropic(root, map, ev),
            Operation::GenerateContent if root.kind() == Some(Kind::Array) => {
                // `:streamGenerateContent` without `alt=sse`: a JSON array of chunks.
                for chunk in root.items() {
                    self.gemini(chunk, map, ev);
                }
            }
            Operation::GenerateContent => self.gemini(root, map, ev),
            Operation::Converse => self.bedrock(root, name, map, ev),
            Operation::OllamaChat | Operation::OllamaGenerate => self.ollama(root, map, ev),
            Operation::Embeddings => {}
            Operation::Unknown => {
                for (_, s) in root.strings() {
                    text(ev, map, s, DeltaKind::Text, 0, None, false);
                }
            }
        }
    }

    fn openai(&mut self, root: NodeRef, map: Map, ev: &mut StreamEvent) {
        if root.get("error").kind() == Some(Kind::Object) {
            self.end(ev, true);
            return;
        }
        for (pos, ch) in root.get("choices").items().enumerate() {
            let c = index(ch.get("index"), pos);
            let d = ch.get("delta");
            let content = d.get("content");
            if content.kind() == Some(Kind::Array) {
                // Mistral sends content chunks in deltas too.
                for part in content.items() {
                    text(ev, map, part.get("text"), DeltaKind::Text, c, None, false);
                }
            } else {
                text(ev, map, content, DeltaKind::Text, c, None, false);
            }
            text(
                ev,
                map,
                d.get("refusal"),
                DeltaKind::Refusal,
                c,
                None,
                false,
            );
            for key in ["reasoning_content", "reasoning"] {
                text(ev, map, d.get(key), DeltaKind::Reasoning, c, None, false);
            }
            for (k, tc) in d.get("tool_calls").items().enumerate() {
                let i = index(tc.get("index"), k);
                let f = tc.get("function");
                text(
                    ev,
                    map,
                    f.get("name"),
                    DeltaKind::ToolCallName,
                    c,
                    Some(i),
                    false,
                );
                let args = arguments(ev, map, f.get("arguments"), c, i);
                let call = self.call(c, i);
                if let Some(id) = tc.get("id").string() {
                    call.id = Some(id.into());
                }
                if let Some(n) = f.get("name").string() {
                    call.name.to_mut().push_str(&n);
                }
                call.arguments.to_mut().push_str(&args);
            }
            let fc = d.get("function_call");
            if fc.kind() == Some(Kind::Object) {
                text(
                    ev,
                    map,
                    fc.get("name"),
                    DeltaKind::ToolCallName,
                    c,
                    Some(0),
                    false,
                );
                let args = arguments(ev, map, fc.get("arguments"), c, 0);
                let call = self.call(c, 0);
                if let Some(n) = fc.get("name").string() {
                    call.name.to_mut().push_str(&n);
                }
                call.arguments.to_mut().push_str(&args);
            }
            // Legacy completions chunks.
            text(ev, map, ch.get("text"), DeltaKind::Text, c, None, false);
            self.finish(ev, c, ch.get("finish_reason").string());
        }
        self.set_usage(ev, UsageFields::openai(root.get("usage")));
    }

    /// Deltas for a whole Responses output item (repeats of streamed text).
    fn responses_item(&mut self, item: NodeRef, out_index: usize, map: Map, ev: &mut StreamEvent) {
        let mut c = Collector::default();
        let mut calls = Vec::new();
        openai_responses::item(&mut c, item, "", At::choice(0), 0, out_index, &mut calls);
        for s in c.segments {
            let (kind, call) = match s.kind {
                SegmentKind::Output => (DeltaKind::Text, None),
                SegmentKind::Refusal => (DeltaKind::Refusal, None),
                SegmentKind::ToolCallName => (DeltaKind::ToolCallName, Some(out_index)),
                SegmentKind::ToolCallArguments => (DeltaKind::ToolCallArguments, Some(out_index)),
                SegmentKind::Other => (DeltaKind::Reasoning, None),
                _ => continue,
            };
            if s.text.is_empty() {
                continue;
            }
            ev.deltas.push(Delta {
                kind,
                choice: 0,
                tool_call: call,
                text: s.text.into_string(),
                span: map(s.span),
                json: false,
                repeat: true,
            });
        }
        for done in calls {
            let done = done.into_owned();
            let call = self.call(0, out_index);
            call.id = done.id.or(call.id.take());
            if !done.name.is_empty() {
                call.name = done.name;
            }
            call.arguments = done.arguments;
        }
    }

    fn responses(&mut self, root: NodeRef, name: Option<&str>, map: Map, ev: &mut StreamEvent) {
        let ty = root
            .get("type")
            .string()
            .or(name.map(str::to_string))
            .unwrap_or_default();
        let oi = index(root.get("output_index"), 0);
        match ty.as_str() {
            "response.output_text.delta" => {
                text(ev, map, root.get("delta"), DeltaKind::Text, 0, None, false)
            }
            "response.refusal.delta" => text(
                ev,
                map,
                root.get("delta"),
                DeltaKind::Refusal,
                0,
                None,
                false,
            ),
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => text(
                ev,
                map,
                root.get("delta"),
                DeltaKind::Reasoning,
                0,
                None,
                false,
            ),
            "response.function_call_arguments.delta"
            | "response.custom_tool_call_input.delta"
            | "response.mcp_call_arguments.delta" => {
                let d = root.get("delta");
                text(ev, map, d, DeltaKind::ToolCallArguments, 0, Some(oi), false);
                let piece = d.string().unwrap_or_default();
                self.call(0, oi).arguments.to_mut().push_str(&piece);
            }
            "response.output_item.added" => {
                let item = root.get("item");
                if matches!(
                    item.get("type").str().as_deref(),
                    Some("function_call" | "custom_tool_call" | "mcp_call")
                ) {
                    text(
                        ev,
                        map,
                        item.get("name"),
                        DeltaKind::ToolCallName,
                        0,
                        Some(oi),
                        false,
                    );
                    let args_key = if item.get("input").exists() {
                        "input"
                    } else {
                        "arguments"
                    };
                    let call = self.call(0, oi);
                    call.id = item
                        .get("call_id")
                        .string()
                        .or_else(|| item.get("id").string())
                        .map(Text::from);
                    call.name = item.get("name").string().unwrap_or_default().into();
                    call.arguments = item.get(args_key).string().unwrap_or_default().into();
                }
            }
            "response.output_text.done" => {
                text(ev, map, root.get("text"), DeltaKind::Text, 0, None, true)
            }
            "response.refusal.done" => text(
                ev,
                map,
                root.get("refusal"),
                DeltaKind::Refusal,
                0,
                None,
                true,
            ),
            "response.reasoning_summary_text.done" | "response.reasoning_text.done" => text(
                ev,
                map,
                root.get("text"),
                DeltaKind::Reasoning,
                0,
                None,
                true,
            ),
            "response.function_call_arguments.done" => {
                let a = root.get("arguments");
                text(ev, map, a, DeltaKind::ToolCallArguments, 0, Some(oi), true);
                let call = self.call(0, oi);
                if let Some(a) = a.string() {
                    call.arguments = a.into();
                }
                if let Some(n) = root.get("name").string() {
                    call.name = n.into();
                }
            }
            "response.content_part.added" | "response.content_part.done" => {
                let part = root.get("part");
                let repeat = ty.ends_with(".done");
                text(ev, map, part.get("text"), DeltaKind::Text, 0, None, repeat);
                text(
                    ev,
                    map,
                    part.get("refusal"),
                    DeltaKind::Refusal,
                    0,
                    None,
                    repeat,
                );
            }
            "response.output_item.done" => self.responses_item(root.get("item"), oi, map, ev),
            "response.completed" | "response.incomplete" | "response.failed" => {
                let resp = root.get("response");
                let items: Vec<_> = resp.get("output").items().collect();
                for (i, item) in items.into_iter().enumerate() {
                    self.responses_item(item, i, map, ev);
                }
                let reason = resp
                    .get("incomplete_details")
                    .get("reason")
                    .string()
                    .or_else(|| resp.get("status").string());
                self.finish(ev, 0, reason);
                self.set_usage(ev, UsageFields::openai(resp.get("usage")));
                self.end(ev, ty == "response.failed");
            }
            "error" => self.end(ev, true),
            _ => {}
        }
    }

    fn anthropic(&mut self, root: NodeRef, map: Map, ev: &mut StreamEvent) {
        let ty = root.get("type").string().unwrap_or_default();
        let idx = index(root.get("index"), 0);
        match ty.as_str() {
            "message_start" => {
                if let Some(u) = AnthropicUsage::read(root.get("message").get("usage")) {
                    self.anthropic.merge(u);
                    let u = self.anthropic.usage(true);
                    self.set_usage(ev, Some(u));
                }
            }
            "content_block_start" => {
                let cb = root.get("content_block");
                match cb.get("type").str().as_deref() {
                    Some("text") => text(ev, map, cb.get("text"), DeltaKind::Text, 0, None, false),
                    Some("thinking") => text(
                        ev,
                        map,
                        cb.get("thinking"),
                        DeltaKind::Reasoning,
                        0,
                        None,
                        false,
                    ),
                    Some("tool_use" | "server_tool_use") => {
                        text(
                            ev,
                            map,
                            cb.get("name"),
                            DeltaKind::ToolCallName,
                            0,
                            Some(idx),
                            false,
                        );
                        let call = self.call(0, idx);
                        call.id = cb.get("id").string().map(Text::from);
                        call.name = cb.get("name").string().unwrap_or_default().into();
                    }
                    _ => {}
                }
            }
            "content_block_delta" => {
                let d = root.get("delta");
                match d.get("type").str().as_deref() {
                    Some("text_delta") => {
                        text(ev, map, d.get("text"), DeltaKind::Text, 0, None, false)
                    }
                    Some("thinking_delta") => text(
                        ev,
                        map,
                        d.get("thinking"),
                        DeltaKind::Reasoning,
                        0,
                        None,
                        false,
                    ),
                    Some("input_json_delta") => {
                        let pj = d.get("partial_json");
                        text(
                            ev,
                            map,
                            pj,
                            DeltaKind::ToolCallArguments,
                            0,
                            Some(idx),
                            false,
                        );
                        let piece = pj.string().unwrap_or_default();
                        self.call(0, idx).arguments.to_mut().push_str(&piece);
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.index == idx) {
                    if call.arguments.is_empty() {
                        call.arguments = "{}".into();
                    }
                }
            }
            "message_delta" => {
                self.finish(ev, 0, root.get("delta").get("stop_reason").string());
                if let Some(u) = AnthropicUsage::read(root.get("usage")) {
                    self.anthropic.merge(u);
                    let u = self.anthropic.usage(true);
                    self.set_usage(ev, Some(u));
                }
            }
            "message_stop" => self.end(ev, false),
            "error" => self.end(ev, true),
            _ => {}
        }
    }

    fn gemini(&mut self, root: NodeRef, map: Map, ev: &mut StreamEvent) {
        if root.get("error").kind() == Some(Kind::Object) {
            self.end(ev, true);
            return;
        }
        for (pos, cand) in root.get("candidates").items().enumerate() {
            let c = index(cand.get("index"), pos);
            for p in cand.get("content").get("parts").items() {
                let t = p.get("text");
                if t.exists() {
                    let kind = if p.get("thought").as_bool() == Some(true) {
                        DeltaKind::Reasoning
                    } else {
                        DeltaKind::Text
                    };
                    text(ev, map, t, kind, c, None, false);
                }
                let fc = p.get_any(&["functionCall", "function_call"]);
                if fc.exists() {
                    let n = self.next_ordinal(c);
                    text(
                        ev,
                        map,
                        fc.get("name"),
                        DeltaKind::ToolCallName,
                        c,
                        Some(n),
                        false,
                    );
                    json(
                        ev,
                        map,
                        fc.get("args"),
                        DeltaKind::ToolCallArguments,
                        c,
                        Some(n),
                    );
                    let call = self.call(c, n);
                    call.id = fc.get("id").string().map(Text::from);
                    call.name = fc.get("name").string().unwrap_or_default().into();
                    call.arguments = if fc.get("args").exists() {
                        fc.get("args").raw().to_string().into()
                    } else {
                        "{}".into()
                    };
                }
            }
            self.finish(
                ev,
                c,
                cand.get_any(&["finishReason", "finish_reason"]).string(),
            );
        }
        let block = root
            .get_any(&["promptFeedback", "prompt_feedback"])
            .get_any(&["blockReason", "block_reason"]);
        self.finish(ev, 0, block.string());
        let u = UsageFields::gemini(root.get_any(&["usageMetadata", "usage_metadata"])).map(|u| {
            Usage {
                cumulative: true,
                ..u
            }
        });
        self.set_usage(ev, u);
    }

    fn bedrock(&mut self, root: NodeRef, name: Option<&str>, map: Map, ev: &mut StreamEvent) {
        let idx = index(root.get("contentBlockIndex"), 0);
        match name.unwrap_or("") {
            "contentBlockStart" => {
                let tu = root.get("start").get("toolUse");
                if tu.exists() {
                    text(
                        ev,
                        map,
                        tu.get("name"),
                        DeltaKind::ToolCallName,
                        0,
                        Some(idx),
                        false,
                    );
                    let call = self.call(0, idx);
                    call.id = tu.get("toolUseId").string().map(Text::from);
                    call.name = tu.get("name").string().unwrap_or_default().into();
                }
            }
            "contentBlockDelta" => {
                let d = root.get("delta");
                text(ev, map, d.get("text"), DeltaKind::Text, 0, None, false);
                text(
                    ev,
                    map,
                    d.get("reasoningContent").get("text"),
                    DeltaKind::Reasoning,
                    0,
                    None,
                    false,
                );
                let input = d.get("toolUse").get("input");
                if input.exists() {
                    text(
                        ev,
                        map,
                        input,
                        DeltaKind::ToolCallArguments,
                        0,
                        Some(idx),
                        false,
                    );
                    let piece = input.string().unwrap_or_default();
                    self.call(0, idx).arguments.to_mut().push_str(&piece);
                }
            }
            "contentBlockStop" => {
                if let Some(call) = self.calls.iter_mut().find(|c| c.index == idx) {
                    if call.arguments.is_empty() {
                        call.arguments = "{}".into();
                    }
                }
            }
            "messageStop" => {
                self.finish(ev, 0, root.get("stopReason").string());
                self.terminal = true;
            }
            "metadata" => {
                self.set_usage(ev, UsageFields::bedrock(root.get("usage")));
                self.end(ev, false);
            }
            _ => {}
        }
    }

    fn ollama(&mut self, root: NodeRef, map: Map, ev: &mut StreamEvent) {
        if root.get("error").exists() {
            self.end(ev, true);
            return;
        }
        let msg = root.get("message");
        text(ev, map, msg.get("content"), DeltaKind::Text, 0, None, false);
        text(
            ev,
            map,
            msg.get("thinking"),
            DeltaKind::Reasoning,
            0,
            None,
            false,
        );
        text(
            ev,
            map,
            root.get("response"),
            DeltaKind::Text,
            0,
            None,
            false,
        );
        text(
            ev,
            map,
            root.get("thinking"),
            DeltaKind::Reasoning,
            0,
            None,
            false,
        );
        for tc in msg.get("tool_calls").items() {
            let f = tc.get("function");
            let n = self.next_ordinal(0);
            text(
                ev,
                map,
                f.get("name"),
                DeltaKind::ToolCallName,
                0,
                Some(n),
                false,
            );
            let args = arguments(ev, map, f.get("arguments"), 0, n);
            let call = self.call(0, n);
            call.id = tc.get("id").string().map(Text::from);
            call.name = f.get("name").string().unwrap_or_default().into();
            call.arguments = args.into();
        }
        if root.get("done").as_bool() == Some(true) {
            self.finish(ev, 0, root.get("done_reason").string());
            self.set_usage(ev, UsageFields::ollama(root));
            self.end(ev, false);
        }
    }
}
