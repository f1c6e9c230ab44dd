//! One output channel of a stream (a choice's text, or one tool call's arguments) scanned
//! incrementally, with the scanner's decisions turned into edits of the runtime's pending text.
//!
//! The runtime shows `on_output` the channel's *pending* text: what it has not released yet
//! (its hold-back window, possibly edited by us before) plus the new text. The moderation scanner
//! works on the original text and keeps its own undecided tail (at most the window). Because the
//! window is at least the scanner's tail, the runtime never releases undecided bytes, and the
//! undecided tail is always the last `held` bytes of the pending text, unedited. So the original
//! offset `scanner.released()` sits at pending offset `new_from - held`, and every redaction the
//! scanner applies maps onto the pending text by that shift.

use crate::pii::PiiScan;
use parapet_moderation::{
    Action, Finding, Moderator, RequestContext, ScanMode, ScanStep, StreamScanner, TextShape,
};
use parapet_runtime::window::tail_after_edits;
use std::ops::Range;

/// What one look at a channel decided.
#[derive(Debug, Default)]
pub struct ChannelDecision {
    /// Edits of the pending text (sorted, not overlapping).
    pub edits: Vec<(Range<usize>, String)>,
    /// Moderation findings, with their range in the pending text when it is still there.
    pub findings: Vec<(Finding, Option<Range<usize>>)>,
    /// PII findings: (rule id, category, entity, score, range in the pending text, redacted).
    pub pii: Vec<crate::pii::PiiHit>,
    pub blocked: bool,
    /// Bytes at the end of the text looked at (before the edits) that are still undecided:
    /// the moderation scanner's tail, or a PII value that may still be growing, whichever
    /// reaches further back. The rest can go to the client now.
    pub hold: usize,
}

/// A channel's scanner and where its undecided tail sits in the pending text.
pub struct ChannelScan {
    scanner: StreamScanner,
    /// Length of the pending text after our last edits.
    pending_after: usize,
    /// Undecided bytes at the end of the pending text after our last look.
    held: usize,
    /// Bytes at the end of the pending text after our last look whose PII is not decided yet
    /// (PII hits ending before them were reported).
    pii_held: usize,
    enforce: bool,
    /// Redaction findings whose span the scanner has not rewritten yet.
    awaiting_redaction: Vec<Finding>,
}

impl ChannelScan {
    /// A channel of `shape` text (tool-call arguments are JSON).
    pub fn new(
        moderator: &Moderator,
        ctx: &RequestContext,
        enforce: bool,
        shape: TextShape,
    ) -> ChannelScan {
        let mode = if enforce {
            ScanMode::Enforce
        } else {
            ScanMode::Monitor
        };
        ChannelScan {
            // The runtime forwards the text itself: only the redactions' spans are used.
            scanner: moderator
                .stream(ctx, mode)
                .with_shape(shape)
                .without_release_text(),
            pending_after: 0,
            held: 0,
            pii_held: 0,
            enforce,
            awaiting_redaction: Vec::new(),
        }
    }

    /// Looks at the pending text; `new_from` is where text not seen before starts.
    pub fn on_text(
        &mut self,
        text: &str,
        new_from: usize,
        is_final: bool,
        pii: Option<&PiiScan>,
    ) -> Result<ChannelDecision, String> {
        let new_from = new_from.min(text.len());
        if new_from < self.held {
            return Err(format!(
                "the runtime released {} undecided bytes: stream.hold_back_bytes is smaller than the moderation hold-back",
                self.held - new_from
            ));
        }
        let offset = new_from - self.held;
        let base = self.scanner.released();
        let mut step = ScanStep::default();
        let new_text = text.get(new_from..).unwrap_or("");
        if !new_text.is_empty() {
            merge(&mut step, self.scanner.push(new_text));
        }
        if is_final {
            merge(&mut step, self.scanner.finish());
        }
        let held = if step.blocked || is_final {
            0
        } else {
            self.scanner.held_back()
        };
        let to_pending = |x: usize| offset + x.saturating_sub(base);
        let mut decision = ChannelDecision {
            blocked: step.blocked,
            ..ChannelDecision::default()
        };
        for r in &step.redactions {
            let start = to_pending(r.start.max(base)).min(text.len());
            let end = to_pending(r.end).min(text.len()).max(start);
            decision.edits.push((start..end, r.replacement.clone()));
        }
        // A redaction is decided before the scanner applies it (when it releases that text):
        // its finding waits for it, so the decision that reports it is the one that rewrites.
        let finished = step.blocked || is_final;
        let released = self.scanner.released();
        let mut findings = std::mem::take(&mut self.awaiting_redaction);
        findings.extend(step.findings);
        for f in findings {
            if self.enforce && !finished && f.action == Action::Redact && f.end > released {
                self.awaiting_redaction.push(f);
                continue;
            }
            let range = (f.start >= base)
                .then(|| to_pending(f.start)..to_pending(f.end).min(text.len()))
                .filter(|r| r.start < r.end);
            decision.findings.push((f, range));
        }
        // PII is decided on its own tail: a value still growing at the end (or the context a
        // later value would be judged on) stays pending even where moderation has decided.
        let pii_tail = match pii {
            Some(p) if !finished => p.undecided_tail(text),
            _ => 0,
        };
        if let Some(pii) = pii {
            // Only what was not looked at before: findings ending in (pii_from, decided_end].
            let pii_from = new_from.saturating_sub(self.pii_held);
            let decided_end = text.len() - pii_tail.min(text.len());
            for hit in pii.find(text) {
                if hit.range.end > pii_from && hit.range.end <= decided_end {
                    if self.enforce {
                        if let Some(rep) = &hit.replacement {
                            decision.edits.push((hit.range.clone(), rep.clone()));
                        }
                    }
                    decision.pii.push(hit);
                }
            }
        }
        decision.edits = merge_edits(decision.edits);
        decision.hold = held.max(pii_tail).min(text.len());
        // In monitor mode the runtime does not apply edits: the pending text stays as it is.
        let delta: isize = if self.enforce {
            decision
                .edits
                .iter()
                .map(|(r, rep)| rep.len() as isize - r.len() as isize)
                .sum()
        } else {
            0
        };
        self.pending_after = (text.len() as isize + delta).max(0) as usize;
        self.held = held;
        self.pii_held = if self.enforce {
            tail_after_edits(text.len(), pii_tail, &decision.edits)
        } else {
            pii_tail
        };
        Ok(decision)
    }

    /// Pending length after the last edits (for tests).
    pub fn pending_after(&self) -> usize {
        self.pending_after
    }
}

fn merge(into: &mut ScanStep, step: ScanStep) {
    into.release.push_str(&step.release);
    into.findings.extend(step.findings);
    into.redactions.extend(step.redactions);
    into.blocked |= step.blocked;
}

/// Sorts edits and merges overlapping ones (the first replacement wins).
pub fn merge_edits(mut edits: Vec<(Range<usize>, String)>) -> Vec<(Range<usize>, String)> {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    for (r, rep) in edits {
        match out.last_mut() {
            Some((last, _)) if r.start < last.end => last.end = last.end.max(r.end),
            _ => out.push((r, rep)),
        }
    }
    out
}
