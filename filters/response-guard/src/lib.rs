//! # parapet-response-guard
//!
//! Moderation of model output, enforced while it streams: harmful content, system-prompt
//! leakage, exfiltration links, dangerous shell (optional), secrets/PII, and prompt injection in
//! output. A thin adapter: detection is `parapet-moderation`, `parapet-pii` and
//! `parapet-injection`; config, buffering, streaming, errors, events and metrics are
//! `parapet-runtime`. See `README.md` beside this crate for configuration, events and metrics.
//!
//! - JSON responses: each output segment is scanned whole; redactions rewrite it, a block
//!   replaces the body with the provider's error (or, with `on_block: "refusal"`, the text with
//!   `refusal_message`).
//! - Streams: each channel (choice text, tool-call arguments, reasoning) has its own
//!   [`parapet_moderation::StreamScanner`]; the runtime's hold-back window keeps the scanner's
//!   undecided tail from the client, redactions are edits of the pending text, and a block ends
//!   the stream with a provider-shaped error event.
//! - Hold-back: [`HoldBackPlan`] derives the floor the window must hold from the active
//!   patterns (longest phrase, term or canary; link checks); `stream.hold_back_bytes` is the cap.
//! - Annotations: every category flagged in a response accumulates in the shared finding
//!   `parapet.response-guard.response_flags` (response headers are gone by the time the body is
//!   inspected, so there is no `x-parapet-response-flags` header for body decisions).
//! - Requests: with `leak.insert_canary`, a fresh canary is appended to the system prompt
//!   (whatever the provider calls it); with `leak.system_prompt_overlap`, the system prompt is kept
//!   to detect verbatim copies of it in the answer.

mod channel;
mod config;
mod hold_back;
mod pii;

pub use channel::{merge_edits, ChannelDecision, ChannelScan};
pub use config::{Config, InjectionConfig, OnBlock, PiiConfig};
pub use hold_back::{HoldBackPlan, DEFAULT_HOLD_BACK_BYTES, INSERTED_CANARY_BYTES};

use parapet_injection::{Inspector, InspectorConfig, Source, Verdict as InjectionVerdict};
use parapet_moderation::{Action, Category, Moderator, RequestContext, TextShape};
use parapet_runtime::prelude::*;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes canaries of requests that share a request id and a clock tick.
static CANARY_COUNTER: AtomicU64 = AtomicU64::new(0);

type ChannelKey = (usize, u8, Option<usize>);

/// Per-request state.
#[derive(Default)]
pub struct State {
    ctx: RequestContext,
    channels: Vec<(ChannelKey, ChannelScan)>,
    /// Every category flagged in this response so far (the `response_flags` finding).
    flags: BTreeSet<String>,
}

/// Name of the shared finding that lists every category flagged in the response so far
/// (`parapet.response-guard.response_flags`): what the `x-parapet-response-flags` header would
/// say, but response headers are gone by the time the body is inspected. The runtime's own
/// `response_categories` holds only the latest decision's categories; this one accumulates.
pub const RESPONSE_FLAGS: &str = "response_flags";

/// Adds the verdict's categories to the response's flags and republishes them when they grew.
fn publish_flags(cx: &mut Cx<State>, outcome: Outcome) -> Outcome {
    if let Ok(v) = &outcome {
        let mut grew = false;
        for f in &v.findings {
            // Most findings repeat a category already flagged: no copy for those.
            if !cx.state.flags.contains(&f.category) {
                cx.state.flags.insert(f.category.clone());
                grew = true;
            }
        }
        if grew {
            let list: Vec<&str> = cx.state.flags.iter().map(String::as_str).collect();
            cx.share(RESPONSE_FLAGS, &list.join(","));
        }
    }
    outcome
}

pub struct ResponseGuard {
    cfg: Config,
    moderator: Moderator,
    pii: Option<pii::PiiScan>,
    injection: Option<Inspector>,
    enforce: bool,
    /// Bytes of streamed output held back: the plan's floor (under the operator's cap).
    window: usize,
}

fn kind_code(kind: SegmentKind) -> Option<u8> {
    Some(match kind {
        SegmentKind::Output => 0,
        SegmentKind::Refusal => 1,
        SegmentKind::ToolCallArguments => 2,
        SegmentKind::Other => 3,
        _ => return None,
    })
}

/// Tool-call arguments are JSON: their syntax quotes are not quotation.
fn shape_of(kind: SegmentKind) -> TextShape {
    match kind {
        SegmentKind::ToolCallArguments => TextShape::Json,
        _ => TextShape::Prose,
    }
}

fn host_of(authority: &str) -> String {
    let a = authority.trim();
    let host = if a.starts_with('[') {
        a.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        a.split(':').next().unwrap_or("").to_string()
    };
    host.to_ascii_lowercase()
}

impl ResponseGuard {
    fn block_message(categories: &BTreeSet<&'static str>) -> String {
        let list: Vec<&str> = categories.iter().copied().collect();
        format!(
            "The response was stopped by Parapet response-guard because it contained unsafe content ({}).",
            list.join(", ")
        )
    }

    fn scans(&self, kind: SegmentKind) -> bool {
        match kind {
            SegmentKind::Other => self.cfg.scan_reasoning,
            k => kind_code(k).is_some(),
        }
    }

    /// Turns one channel decision into a verdict.
    fn verdict(&self, d: ChannelDecision, output: &Output) -> Verdict {
        let mut findings = Vec::new();
        let mut blocking: BTreeSet<&'static str> = BTreeSet::new();
        for (f, range) in d.findings {
            if f.action == Action::Block {
                blocking.insert(f.category.name());
            }
            let mut rf = Finding::new(f.rule, f.category.name()).score(f.score as f64);
            if let Some(r) = range {
                rf = rf.at(0, r);
            }
            findings.push(rf);
        }
        for h in d.pii {
            if h.action == Action::Block {
                blocking.insert("pii");
            }
            findings.push(
                Finding::new(h.rule_id, "pii")
                    .entity(&h.entity)
                    .score(h.score as f64)
                    .at(0, h.range),
            );
        }
        // In monitor mode the runtime records a block without applying it: report it anyway.
        if d.blocked || !blocking.is_empty() {
            if blocking.is_empty() {
                blocking.insert("policy");
            }
            let refuse = !output.streamed
                && self.cfg.on_block == OnBlock::Refusal
                && output.kind == SegmentKind::Output;
            let v = if refuse {
                Verdict::rewrite(vec![TextEdit::at(
                    0..output.text.len(),
                    self.cfg.refusal_message.clone(),
                )])
            } else {
                Verdict::block(Block::unsafe_output(Self::block_message(&blocking)))
            };
            return v.with_findings(findings);
        }
        let v = if d.edits.is_empty() {
            Verdict::allow()
        } else {
            Verdict::rewrite(
                d.edits
                    .into_iter()
                    .map(|(r, rep)| TextEdit::at(r, rep))
                    .collect(),
            )
        };
        v.with_findings(findings)
    }
}

impl Filter for ResponseGuard {
    const NAME: &'static str = "response-guard";
    const DEFAULT_HOLD_BACK_BYTES: usize = DEFAULT_HOLD_BACK_BYTES;
    type Config = Config;
    type State = State;

    fn new(cfg: Config, common: &Common) -> Result<Self, ConfigError> {
        cfg.validate()?;
        // The operator's `stream.hold_back_bytes` is a cap; the window actually held is what
        // the active patterns need (the plan's floor), so small configs cost less latency.
        let cap = common.hold_back_bytes;
        let probe =
            Moderator::new(&cfg.moderation(cap)).map_err(|e| ConfigError::at(e.path, e.message))?;
        let window = HoldBackPlan::derive(&cfg, &probe, cap)?.floor;
        let moderator = Moderator::new(&cfg.moderation(window))
            .map_err(|e| ConfigError::at(e.path, e.message))?;
        let pii = pii::PiiScan::new(&cfg.pii)?;
        let injection = if cfg.injection.action == Action::Off {
            None
        } else {
            Some(
                Inspector::new(&InspectorConfig::default())
                    .map_err(|e| ConfigError::at("injection", e.to_string()))?,
            )
        };
        Ok(ResponseGuard {
            window,
            enforce: common.mode == Mode::Enforce,
            cfg,
            moderator,
            pii,
            injection,
        })
    }

    fn may_rewrite_request(&self) -> bool {
        self.cfg.leak.insert_canary && self.enforce
    }

    fn inspects_responses(&self) -> bool {
        true
    }

    fn stream_window(&self, _common: &Common) -> usize {
        self.window
    }

    fn on_request(&self, cx: &mut Cx<State>, request: &RequestView) -> Outcome {
        cx.state.ctx.request_host = Some(host_of(&cx.request.authority)).filter(|h| !h.is_empty());
        let system: Vec<usize> = request
            .segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == SegmentKind::Instructions)
            .map(|(i, _)| i)
            .collect();
        if self.cfg.leak.system_prompt_overlap && !system.is_empty() {
            let text: Vec<&str> = system
                .iter()
                .map(|&i| request.segments[i].text.as_str())
                .collect();
            cx.state.ctx.system_prompt = Some(text.join("\n"));
        }
        if !(self.cfg.leak.insert_canary && self.enforce) {
            return Ok(Verdict::allow());
        }
        let Some(&first) = system.first() else {
            cx.debug("no system prompt to carry a canary");
            return Ok(Verdict::allow());
        };
        let nanos = cx
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = CANARY_COUNTER.fetch_add(1, Ordering::Relaxed);
        let entropy = format!(
            "{}|{nanos}|{n}",
            cx.request.request_id.as_deref().unwrap_or("")
        );
        let canary = parapet_moderation::generate_canary(entropy.as_bytes());
        let seg = &request.segments[first];
        let insert = format!("\n{}", parapet_moderation::canary_instruction(&canary));
        cx.state.ctx.canaries.push(canary);
        Ok(Verdict::rewrite(vec![TextEdit::new(
            first,
            seg.text.len()..seg.text.len(),
            insert,
        )]))
    }

    fn on_output(&self, cx: &mut Cx<State>, output: &Output) -> Outcome {
        if !self.scans(output.kind) {
            // Nothing in this channel is looked at, so none of it need wait (reasoning with
            // `scan_reasoning: false`).
            cx.hold_only_last(0);
            return Ok(Verdict::allow());
        }
        let decision = if output.streamed {
            let key = (
                output.choice,
                kind_code(output.kind).unwrap_or(9),
                output.tool_call,
            );
            let state = &mut *cx.state;
            let idx = match state.channels.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    state.channels.push((
                        key,
                        ChannelScan::new(
                            &self.moderator,
                            &state.ctx,
                            self.enforce,
                            shape_of(output.kind),
                        ),
                    ));
                    state.channels.len() - 1
                }
            };
            state.channels[idx].1.on_text(
                output.text,
                output.new_from,
                output.is_final,
                self.pii.as_ref(),
            )
        } else {
            let mut scan = ChannelScan::new(
                &self.moderator,
                &cx.state.ctx,
                self.enforce,
                shape_of(output.kind),
            );
            scan.on_text(output.text, 0, true, self.pii.as_ref())
        };
        let decision = decision.map_err(FilterError::new)?;
        if output.streamed {
            cx.hold_only_last(decision.hold);
        }
        publish_flags(cx, Ok(self.verdict(decision, output)))
    }

    fn on_response(&self, cx: &mut Cx<State>, response: &ResponseView) -> Outcome {
        let Some(inspector) = &self.injection else {
            return Ok(Verdict::allow());
        };
        let mut findings = Vec::new();
        let mut block = false;
        for (i, seg) in response.segments.iter().enumerate() {
            if !matches!(
                seg.kind,
                SegmentKind::Output | SegmentKind::ToolCallArguments
            ) {
                continue;
            }
            let a = inspector.inspect(&seg.text, Source::Tool);
            if a.verdict == InjectionVerdict::Allow {
                continue;
            }
            block |=
                a.verdict == InjectionVerdict::Block && self.cfg.injection.action == Action::Block;
            for h in &a.hits {
                let mut f = Finding::new(format!("injection.{}", h.rule_id), "injection_in_output")
                    .score(h.weight as f64);
                if !response.segments.is_empty() && h.span.end <= seg.text.len() {
                    f = f.at(i, h.span.clone());
                }
                findings.push(f);
            }
        }
        let v = if block {
            Verdict::block(Block::unsafe_output(
                "The response was stopped by Parapet response-guard because it contained instructions aimed at an AI agent (prompt injection).",
            ))
        } else {
            Verdict::allow()
        };
        publish_flags(cx, Ok(v.with_findings(findings)))
    }
}

/// Categories a default (`{}`) configuration blocks.
pub fn blocked_by_default() -> Vec<Category> {
    Category::ALL
        .into_iter()
        .filter(|c| parapet_moderation::default_action(*c) == Action::Block)
        .collect()
}

// Without `export` (parapet-bundle links this crate into one module with the others).
#[cfg(feature = "export")]
parapet_runtime::export_filter!(ResponseGuard);
