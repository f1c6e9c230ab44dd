//! The policy: findings → edits, blocks and reports; tokens → restored values.

use crate::actions::{Action, Direction, EntityActions};
use crate::config::PiiConfig;
use parapet_pii::{Category, Detector, EntityType, Finding as PiiFinding, HmacKey, TokenVault};
use parapet_runtime::core::Provider;
use parapet_runtime::prelude::*;
use std::collections::BTreeSet;

/// The pii-redact filter.
pub struct PiiRedact {
    detector: Detector,
    actions: EntityActions,
    key: HmacKey,
    mask_keep: usize,
    mask_char: char,
    restore: bool,
    scan_responses: bool,
}

/// Per-request state: the tokens issued for this request, for restoring them in its response.
#[derive(Default)]
pub struct State {
    vault: Option<TokenVault>,
}

/// Default stream window: above [`MIN_HOLD_BACK_FOR_RESTORE`] so a token split across stream
/// events is still in the editable window when it completes; 128 also covers most single-line
/// secrets for the response leak scan.
const HOLD_BACK: usize = 128;

/// Smallest `stream.hold_back_bytes` that still restores every token split across events: the
/// longest token written with JSON-escaped delimiters (`\u003c` + 40-letter name + `_` + 12 hex +
/// `\u003e`, 65 bytes, inside streamed tool-call arguments) minus one.
const MIN_HOLD_BACK_FOR_RESTORE: usize = 64;

fn rule_id(entity: &EntityType) -> String {
    let prefix = if entity.category() == Category::Secret {
        "secret"
    } else {
        "pii"
    };
    format!("{prefix}.{}", entity.name().to_ascii_lowercase())
}

fn category(entity: &EntityType) -> &'static str {
    match entity.category() {
        Category::Secret => "secret",
        Category::Custom => "custom",
        Category::ValidatedPii | Category::ContextPii => "pii",
    }
}

fn runtime_finding(f: &PiiFinding, segment: usize) -> Finding {
    Finding::new(rule_id(&f.entity), category(&f.entity))
        .score(f64::from(f.score))
        .entity(f.entity.name().to_ascii_lowercase())
        .at(segment, f.span.clone())
}

/// `"a\"b"` → `a\"b`: a value restored inside JSON text (tool-call arguments) must stay valid JSON.
fn json_escape_inner(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn block_message(types: &BTreeSet<String>, direction: Direction) -> String {
    let list = types.iter().cloned().collect::<Vec<_>>().join(", ");
    match direction {
        Direction::Request => format!("request blocked by pii-redact: it contains {list}"),
        Direction::Response => format!("response stopped by pii-redact: it contains {list}"),
    }
}

impl PiiRedact {
    /// The replacement for a value under `action` (None: the value stays).
    fn replacement(
        &self,
        action: Action,
        f: &PiiFinding,
        value: &str,
        vault: &mut Option<TokenVault>,
    ) -> Option<String> {
        match action {
            Action::Redact => Some(parapet_pii::redact(&f.entity)),
            Action::Mask => Some(parapet_pii::mask(value, self.mask_keep, self.mask_char)),
            Action::Hash => Some(parapet_pii::hash(&self.key, &f.entity, value)),
            Action::Tokenize => Some(
                vault
                    .get_or_insert_with(|| TokenVault::new(self.key.clone()))
                    .tokenize(&f.entity, value),
            ),
            Action::Allow | Action::Report | Action::Block => None,
        }
    }
}

/// Whether `out` is JSON text, so a value put back into it must be JSON-escaped: tool-call
/// arguments that travel as a JSON-encoded string (OpenAI `arguments`, in every stream the
/// argument fragments — OpenAI strings, Anthropic `partial_json`, Bedrock `toolUse.input`, Gemini
/// and Ollama raw objects). A non-streamed arguments *object* (Anthropic `input`, Gemini `args`,
/// Bedrock `input`, Ollama `arguments`) reaches `on_output` one decoded string at a time: the
/// value goes in as it is and the core encodes it.
fn arguments_are_json_text(request: &RequestInfo, out: &Output) -> bool {
    out.kind == SegmentKind::ToolCallArguments
        && (out.streamed || request.api.provider == Provider::OpenAi)
}

fn scans_request_segment(kind: SegmentKind) -> bool {
    !matches!(
        kind,
        SegmentKind::ToolCallName | SegmentKind::ToolDefinition
    )
}

impl Filter for PiiRedact {
    const NAME: &'static str = "pii-redact";
    const DEFAULT_HOLD_BACK_BYTES: usize = HOLD_BACK;
    type Config = PiiConfig;
    type State = State;

    fn new(config: PiiConfig, common: &Common) -> Result<Self, ConfigError> {
        if config.restore_responses && common.hold_back_bytes < MIN_HOLD_BACK_FOR_RESTORE {
            return Err(ConfigError::at(
                "stream.hold_back_bytes",
                format!(
                    "must be at least {MIN_HOLD_BACK_FOR_RESTORE} while restore_responses is on: \
                     a shorter window releases the start of a token split across stream events \
                     before it can be restored"
                ),
            ));
        }
        let mask_keep = config.mask.keep;
        let mask_char = config.mask.mask_char;
        let restore = config.restore_responses;
        let scan_responses = config.scan_responses;
        let r = config.resolve()?;
        Ok(PiiRedact {
            detector: r.detector,
            actions: r.actions,
            key: r.key,
            mask_keep,
            mask_char,
            restore,
            scan_responses,
        })
    }

    fn may_rewrite_request(&self) -> bool {
        true
    }

    fn inspects_responses(&self) -> bool {
        self.restore || self.scan_responses
    }

    fn on_request(&self, cx: &mut Cx<State>, request: &RequestView) -> Outcome {
        let mut edits = Vec::new();
        let mut findings = Vec::new();
        let mut blocked = BTreeSet::new();
        for (i, seg) in request.segments.iter().enumerate() {
            if !scans_request_segment(seg.kind) {
                continue;
            }
            for f in self.detector.find(&seg.text) {
                let action = self.actions.get(&f.entity, Direction::Request);
                if action == Action::Allow {
                    continue;
                }
                findings.push(runtime_finding(&f, i));
                if action == Action::Block {
                    blocked.insert(f.entity.name().to_owned());
                    continue;
                }
                let value = f.value(&seg.text);
                if let Some(r) = self.replacement(action, &f, value, &mut cx.state.vault) {
                    edits.push(TextEdit::new(i, f.span.clone(), r));
                }
            }
        }
        if !blocked.is_empty() {
            return Ok(
                Verdict::block(Block::policy(block_message(&blocked, Direction::Request)))
                    .with_findings(findings),
            );
        }
        if !edits.is_empty() {
            return Ok(Verdict::rewrite(edits).with_findings(findings));
        }
        Ok(Verdict::allow().with_findings(findings))
    }

    fn on_output(&self, cx: &mut Cx<State>, out: &Output) -> Outcome {
        let text = out.text;
        let mut edits: Vec<TextEdit> = Vec::new();
        let mut findings = Vec::new();
        // What may still change at the end of streamed text stays pending; the rest can go
        // to the client now instead of after a whole window.
        let mut undecided = 0;
        // 1. Put the user's values back where the model repeated their tokens.
        if self.restore {
            if let Some(vault) = &cx.state.vault {
                undecided = TokenVault::unfinished_token_tail(text);
                let in_json = arguments_are_json_text(cx.request, out);
                for m in vault.find_tokens(text) {
                    let value = if in_json {
                        json_escape_inner(m.value)
                    } else {
                        m.value.to_owned()
                    };
                    edits.push(TextEdit::at(m.range, value));
                }
            }
        }
        // 2. Leak scan of the model's own output.
        let mut blocked = BTreeSet::new();
        if self.scan_responses {
            if !out.is_final {
                undecided = undecided.max(self.detector.undecided_tail(text));
            }
            for f in self.detector.find(text) {
                // In a stream, a value touching the end may still grow: decide on the next event
                // (it stays pending); text before `new_from` was decided already.
                if !out.is_final && f.span.end >= text.len() {
                    undecided = undecided.max(text.len() - f.span.start);
                    continue;
                }
                if f.span.end < out.new_from {
                    continue;
                }
                if edits
                    .iter()
                    .any(|e| e.range.start < f.span.end && f.span.start < e.range.end)
                {
                    continue;
                }
                let value = f.value(text);
                if cx
                    .state
                    .vault
                    .as_ref()
                    .is_some_and(|v| v.contains_value(value))
                {
                    continue; // the user's own data, restored
                }
                let action = self.actions.get(&f.entity, Direction::Response);
                if action == Action::Allow {
                    continue;
                }
                findings.push(runtime_finding(&f, 0));
                if action == Action::Block {
                    blocked.insert(f.entity.name().to_owned());
                    continue;
                }
                if let Some(r) = self.replacement(action, &f, value, &mut None) {
                    edits.push(TextEdit::at(f.span.clone(), r));
                }
            }
        }
        if out.streamed && !out.is_final {
            cx.hold_only_last(undecided);
        }
        if !blocked.is_empty() {
            return Ok(Verdict::block(Block::unsafe_output(block_message(
                &blocked,
                Direction::Response,
            )))
            .with_findings(findings));
        }
        if !edits.is_empty() {
            edits.sort_by_key(|e| e.range.start);
            return Ok(Verdict::rewrite(edits).with_findings(findings));
        }
        Ok(Verdict::allow().with_findings(findings))
    }
}
