//! The incremental scanner: text in, safe text and findings out, identical however it is split.
//!
//! # How the hold-back works
//!
//! All detection runs on normalised text (see `normalize`). The lexicon is searched by trie
//! walks anchored at word starts; the walks still open where the search stopped are carried to
//! the next push. A pattern match is *found* once the byte after it has arrived (word-boundary
//! check), so the last byte is searched only with the next one. A lexicon occurrence not found
//! yet therefore starts where an open walk started, or at the last byte (or later). Canaries are
//! searched in a window instead, so one not found yet may start anywhere in their last
//! `max_len` bytes.
//!
//! Matches are *decided* in the order of their end, then start — the same for every split,
//! since a match found later ends later. A term or group is decided once no open walk starts at
//! or before it: only such a walk could still bring a longer phrase of its kind or a benign
//! idiom that contains it (anything starting later cannot contain it). Context rules, pair
//! partners and code fences look only backwards, at matches that end before it and so are
//! decided already. Cues, idioms, fences, URL starts and canaries need nothing but their text.
//! So each decision depends only on a prefix of the text, never on chunk boundaries.
//!
//! Text is released up to the *frontier*: the earliest position where a match not found yet
//! (above), an undecided match, a URL still waiting for its end, or a possible system-prompt
//! overlap could begin. For ordinary prose that is the start of the last word or phrase that
//! could still grow into a lexicon entry, or just the last byte. Redactions are applied only
//! when the frontier has passed their whole span (so overlapping redactions merge the same way
//! every time); a block stops the output just before the blocked span once every finding that
//! starts before it is decided.

use crate::category::{Action, Category};
use crate::context::{self, CueHit};
use crate::engine::{pattern, Engine, PatternInfo, PatternSet, Role, Walk};
use crate::finding::{mask_url, mask_words, Finding};
use crate::leak::{OverlapIndex, OverlapTracker};
use crate::lexicon;
use crate::links;
use crate::normalize::{is_word_byte, NormText};
use std::collections::VecDeque;
use std::sync::Arc;

/// How much normalised text before the frontier is kept for context rules.
const LOOKBACK: usize = 700;

/// Whether findings change the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// Apply redactions and blocks; hold back text while a match may be forming.
    Enforce,
    /// Report only: every byte is released as soon as it is pushed, nothing is rewritten.
    Monitor,
}

/// What kind of text a stream carries: it changes what counts as quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextShape {
    /// Prose (model answers): text inside double quotes is quoted speech.
    #[default]
    Prose,
    /// JSON (tool-call arguments): every string value sits between double quotes, so only
    /// escaped quotes (`\"`) inside a string mark quoted speech.
    Json,
}

/// Per-request inputs to the scan.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// Canaries for this request (e.g. the one the filter inserted), besides configured ones.
    pub canaries: Vec<String>,
    /// The request's system prompt, for verbatim-overlap detection (when enabled).
    pub system_prompt: Option<String>,
    /// The host the request was sent to (`:authority` without port): links to it are allowed.
    pub request_host: Option<String>,
}

/// The result of one [`StreamScanner::push`] or [`StreamScanner::finish`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanStep {
    /// Text that is safe to send to the client now (redactions applied).
    pub release: String,
    /// Findings decided in this step, ordered by position.
    pub findings: Vec<Finding>,
    /// The output is blocked: nothing more will be released; the caller ends the response.
    pub blocked: bool,
    /// The redactions applied in `release`, as spans of the original output (the text pushed),
    /// in order. Callers that forward the original text themselves apply these instead.
    pub redactions: Vec<Redacted>,
}

/// A span of the original output replaced in the released text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// Counters for metrics and the time-to-first-byte report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Bytes pushed.
    pub bytes_scanned: usize,
    /// Largest number of bytes held back after a push.
    pub max_held_back: usize,
    /// Times the hold-back cap forced text out before a decision.
    pub cap_hits: usize,
}

#[derive(Debug, Clone, Copy)]
struct Hit {
    start: usize,
    end: usize,
    pid: usize,
    request: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum SpanKey {
    Suppressor,
    Term(Category),
    Group(usize),
}

#[derive(Debug, Clone, Copy)]
struct GroupHit {
    group: usize,
    end: usize,
}

#[derive(Debug, Clone)]
struct Redaction {
    start: usize,
    end: usize,
    replacement: String,
}

/// Scans one output text stream (one choice, or one tool-call's arguments).
pub struct StreamScanner {
    engine: Arc<Engine>,
    mode: ScanMode,
    shape: TextShape,
    /// Whether [`ScanStep::release`] carries the released text (see
    /// [`StreamScanner::without_release_text`]).
    release_text: bool,
    request_set: Option<PatternSet>,
    overlap: Option<OverlapTracker>,
    request_host: Option<String>,
    norm: NormText,
    raw: String,
    raw_base: usize,
    raw_end: usize,
    scanned: usize,
    /// Lexicon trie walks still open where the search of the text stopped.
    walks: Vec<Walk>,
    req_scanned: usize,
    pending: Vec<Hit>,
    spans: VecDeque<(usize, usize, SpanKey)>,
    cues: VecDeque<CueHit>,
    groups: VecDeque<GroupHit>,
    scores: VecDeque<(Category, usize, f32)>,
    fences: VecDeque<usize>,
    fences_pruned: usize,
    url_queue: VecDeque<usize>,
    last_url_end: usize,
    decided: Vec<(usize, Finding)>,
    redactions: Vec<Redaction>,
    block: Option<(usize, usize)>,
    ended: bool,
    blocked: bool,
    stats: ScanStats,
}

impl StreamScanner {
    pub(crate) fn new(engine: Arc<Engine>, ctx: &RequestContext, mode: ScanMode) -> StreamScanner {
        let mut canaries: Vec<(Vec<u8>, PatternInfo)> = Vec::new();
        if engine.policy.action(Category::PromptLeak) != Action::Off {
            for c in engine
                .config
                .leak
                .canaries
                .iter()
                .chain(ctx.canaries.iter())
            {
                let (bytes, _) = pattern(c);
                if bytes.len() >= 4 {
                    canaries.push((
                        bytes,
                        PatternInfo {
                            role: Role::Canary,
                            prefix: true,
                        },
                    ));
                }
            }
        }
        let request_set = if canaries.is_empty() {
            None
        } else {
            PatternSet::build(canaries).ok()
        };
        let overlap = match (&ctx.system_prompt, engine.config.leak.system_prompt_overlap) {
            (Some(p), true) if engine.policy.action(Category::PromptLeak) != Action::Off => {
                OverlapIndex::new(p, engine.config.leak.min_overlap_words).map(OverlapTracker::new)
            }
            _ => None,
        };
        StreamScanner {
            engine,
            mode,
            shape: TextShape::Prose,
            release_text: true,
            request_set,
            overlap,
            request_host: ctx.request_host.as_ref().map(|h| h.to_ascii_lowercase()),
            norm: NormText::default(),
            raw: String::new(),
            raw_base: 0,
            raw_end: 0,
            scanned: 0,
            walks: Vec::new(),
            req_scanned: 0,
            pending: Vec::new(),
            spans: VecDeque::new(),
            cues: VecDeque::new(),
            groups: VecDeque::new(),
            scores: VecDeque::new(),
            fences: VecDeque::new(),
            fences_pruned: 0,
            url_queue: VecDeque::new(),
            last_url_end: 0,
            decided: Vec::new(),
            redactions: Vec::new(),
            block: None,
            ended: false,
            blocked: false,
            stats: ScanStats::default(),
        }
    }

    /// Sets what kind of text this stream carries (before the first [`StreamScanner::push`]).
    pub fn with_shape(mut self, shape: TextShape) -> StreamScanner {
        self.shape = shape;
        self
    }

    /// Leaves [`ScanStep::release`] empty: for callers that forward the original text
    /// themselves and apply [`ScanStep::redactions`] (findings, redactions and blocks are
    /// unchanged; only the copy of the released text is not built).
    pub fn without_release_text(mut self) -> StreamScanner {
        self.release_text = false;
        self
    }

    /// Feeds the next piece of output text.
    pub fn push(&mut self, text: &str) -> ScanStep {
        if self.ended {
            return ScanStep {
                blocked: self.blocked,
                ..ScanStep::default()
            };
        }
        let offset = self.raw_end;
        self.raw.push_str(text);
        self.raw_end += text.len();
        self.stats.bytes_scanned += text.len();
        self.norm.push(text, offset);
        let step = self.advance(false);
        self.stats.max_held_back = self.stats.max_held_back.max(self.held_back());
        step
    }

    /// Ends the text: decides everything still open and releases the rest.
    pub fn finish(&mut self) -> ScanStep {
        if self.ended {
            return ScanStep {
                blocked: self.blocked,
                ..ScanStep::default()
            };
        }
        let step = self.advance(true);
        self.ended = true;
        step
    }

    /// Bytes pushed but not yet released.
    pub fn held_back(&self) -> usize {
        self.raw_end - self.raw_base
    }

    /// Bytes of the original output consumed so far (released, redacted or dropped): the
    /// offset in the original text where the held-back part starts.
    pub fn released(&self) -> usize {
        self.raw_base
    }

    /// Whether the output has been blocked.
    pub fn is_blocked(&self) -> bool {
        self.blocked
    }

    pub fn stats(&self) -> ScanStats {
        self.stats
    }

    fn info(&self, h: &Hit) -> PatternInfo {
        let set = if h.request {
            self.request_set.as_ref()
        } else {
            Some(&self.engine.patterns)
        };
        set.and_then(|s| s.info.get(h.pid).copied())
            .unwrap_or(PatternInfo {
                role: Role::Suppressor,
                prefix: true,
            })
    }

    fn advance(&mut self, is_final: bool) -> ScanStep {
        self.find_hits(is_final, false);
        self.find_hits(is_final, true);
        self.decide_hits(is_final);
        self.process_urls(is_final);
        self.process_overlap(is_final);
        let frontier = self.frontier(is_final);
        let mut step = ScanStep::default();
        self.emit_findings(frontier, is_final, &mut step);
        self.release(frontier, is_final, &mut step);
        self.trim(frontier);
        step.blocked = self.blocked;
        step
    }

    // ---- finding matches ----------------------------------------------------------------------

    fn find_hits(&mut self, is_final: bool, request: bool) {
        let engine = Arc::clone(&self.engine);
        let set = if request {
            match &self.request_set {
                Some(s) => s,
                None => return,
            }
        } else {
            &engine.patterns
        };
        let n = self.norm.end();
        let limit = if is_final { n } else { n.saturating_sub(1) };
        let scanned = if request {
            self.req_scanned
        } else {
            self.scanned
        };
        if limit <= scanned {
            return;
        }
        let from = scanned
            .saturating_sub(set.max_len.saturating_sub(1))
            .max(self.norm.base());
        let mut matches = Vec::new();
        // The lexicon carries its open trie walks over from the last push and searches only
        // the new bytes; a set searched everywhere searches the window again.
        let before = scanned.checked_sub(1).and_then(|p| self.norm.byte(p));
        let hay = self.norm.slice(scanned, limit);
        let at = if !request && set.find_more(hay, scanned, before, &mut self.walks, &mut matches) {
            0
        } else {
            let before = from.checked_sub(1).and_then(|p| self.norm.byte(p));
            set.find(self.norm.slice(from, limit), before, &mut matches);
            from
        };
        let mut found = Vec::new();
        for (start, end, pid) in matches {
            let (start, end) = (at + start, at + end);
            let Some(info) = set.info.get(pid) else {
                continue;
            };
            if end <= scanned || !self.boundary_ok(start, end, info) {
                continue;
            }
            found.push((
                Hit {
                    start,
                    end,
                    pid,
                    request,
                },
                info.role,
            ));
        }
        for (hit, role) in found {
            match role {
                Role::Suppressor => self
                    .spans
                    .push_back((hit.start, hit.end, SpanKey::Suppressor)),
                Role::Term { category, .. } => {
                    self.spans
                        .push_back((hit.start, hit.end, SpanKey::Term(category)))
                }
                Role::Group(g) => self
                    .spans
                    .push_back((hit.start, hit.end, SpanKey::Group(g))),
                // URL starts need no containment check: queue them now so the URL is judged as
                // soon as its end is in sight.
                Role::UrlStart => {
                    self.url_queue.push_back(hit.start);
                    continue;
                }
                _ => {}
            }
            self.pending.push(hit);
        }
        if request {
            self.req_scanned = limit;
        } else {
            self.scanned = limit;
        }
    }

    fn boundary_ok(&self, start: usize, end: usize, info: &PatternInfo) -> bool {
        let before = start.checked_sub(1).and_then(|p| self.norm.byte(p));
        match info.role {
            Role::Canary | Role::Fence => return true,
            Role::UrlStart => {
                return !before
                    .is_some_and(|b| is_word_byte(b) || matches!(b, b'.' | b'/' | b'-' | b'@'))
            }
            _ => {}
        }
        let (Some(first), Some(last)) = (self.norm.byte(start), self.norm.byte(end - 1)) else {
            return false;
        };
        if is_word_byte(first) && before.is_some_and(is_word_byte) {
            return false;
        }
        if info.prefix {
            return true;
        }
        let after = self.norm.byte(end);
        if is_word_byte(last) {
            !after.is_some_and(is_word_byte)
        } else if matches!(last, b'/' | b'~') {
            !after.is_some_and(|b| is_word_byte(b) || matches!(b, b'.' | b'/' | b'-' | b'_' | b'~'))
        } else {
            true
        }
    }

    // ---- deciding matches ---------------------------------------------------------------------

    /// Decides pending hits in the order of (end, start): the order every split produces,
    /// because a hit not found yet ends after every hit found. A hit is decided once nothing
    /// still to come can change its decision, and the first one that cannot be decided yet
    /// stops the others (aggregation, fences and pair partners depend on that order).
    fn decide_hits(&mut self, is_final: bool) {
        self.pending
            .sort_by_key(|h| (h.end, h.start, h.request, h.pid));
        let split = if is_final {
            self.pending.len()
        } else {
            let open = self.earliest_open_walk();
            self.pending
                .iter()
                .position(|h| !self.decidable(h, open))
                .unwrap_or(self.pending.len())
        };
        let ready_hits: Vec<Hit> = self.pending.drain(..split).collect();
        for h in ready_hits {
            self.decide(h);
        }
    }

    /// Earliest start of a lexicon walk still open: every lexicon occurrence not found yet
    /// starts there or at a byte not searched yet (`self.scanned` or later).
    fn earliest_open_walk(&self) -> usize {
        self.walks
            .iter()
            .map(Walk::start)
            .min()
            .unwrap_or(usize::MAX)
    }

    /// Whether `h` can be decided now, `open` being [`Self::earliest_open_walk`].
    ///
    /// A term or group is dropped when a longer span of its kind or a benign idiom contains it
    /// (`covered`); such a span starts at or before the hit, so only a walk open at or before
    /// the hit's start can still bring one, and a byte not yet searched (after the hit's end)
    /// cannot. Context, pair partners and fences are read from before the hit's start: those
    /// matches end earlier, so they come earlier in the order and are decided already. Cues,
    /// suppressors, fences, URL starts and canaries are decided on their own text alone.
    fn decidable(&self, h: &Hit, open: usize) -> bool {
        match self.info(h).role {
            Role::Term { .. } | Role::Group(_) => open > h.start,
            Role::Cue(_) | Role::Suppressor | Role::Fence | Role::UrlStart | Role::Canary => true,
        }
    }

    fn decide(&mut self, h: Hit) {
        let info = self.info(&h);
        match info.role {
            Role::Cue(cue) => self.cues.push_back(CueHit {
                cue,
                start: h.start,
                end: h.end,
            }),
            Role::Suppressor => {}
            Role::Fence => {
                if self.fences.back().is_none_or(|&e| h.start >= e) {
                    self.fences.push_back(h.end);
                }
            }
            Role::UrlStart => {}
            Role::Canary => {
                let excerpt = "pcn-…".to_string();
                self.add_finding(
                    Category::PromptLeak,
                    "prompt_leak.canary".into(),
                    None,
                    h.start,
                    h.end,
                    1.0,
                    Some(excerpt),
                );
            }
            Role::Term {
                category,
                weight,
                strength,
                set,
            } => {
                if self.engine.policy.action(category) == Action::Off
                    || self.covered(&h, SpanKey::Term(category))
                {
                    return;
                }
                let rule = if set == usize::MAX {
                    format!("{category}.custom")
                } else {
                    format!("{category}.lexicon.{set}")
                };
                let mult = context::multiplier(
                    &self.norm, &self.cues, h.start, category, strength, self.shape,
                );
                self.score(category, &h, weight * mult, mult < 1.0, rule);
            }
            Role::Group(g) => {
                if self.covered(&h, SpanKey::Group(g)) {
                    return;
                }
                self.decide_group(h, g);
                self.groups.push_back(GroupHit {
                    group: g,
                    end: h.end,
                });
            }
        }
    }

    /// A match inside a benign idiom, or inside a longer match of the same kind, does not count.
    fn covered(&self, h: &Hit, key: SpanKey) -> bool {
        self.spans.iter().any(|&(s, e, k)| {
            s <= h.start
                && e >= h.end
                && (e - s) > (h.end - h.start)
                && (k == SpanKey::Suppressor || k == key)
        })
    }

    fn in_code(&self, at: usize) -> bool {
        let fences = self.fences_pruned + self.fences.iter().filter(|&&e| e <= at).count();
        if fences % 2 == 1 {
            return true;
        }
        let line_start = self
            .norm
            .last_line_break_before(at)
            .map_or(self.norm.base(), |p| p + 1);
        let line = self.norm.slice(line_start.max(at.saturating_sub(400)), at);
        line.iter().filter(|&&c| c == b'`').count() % 2 == 1 || line.starts_with(b"$ ")
    }

    fn decide_group(&mut self, h: Hit, g: usize) {
        let shell_on = self.engine.policy.action(Category::DangerousShell) != Action::Off;
        if lexicon::GROUPS
            .get(g)
            .is_some_and(|gr| gr.name == "shell_destroy")
        {
            if shell_on && self.in_code(h.start) {
                self.add_finding(
                    Category::DangerousShell,
                    "dangerous_shell.destructive".into(),
                    None,
                    h.start,
                    h.end,
                    1.0,
                    None,
                );
            }
            return;
        }
        for rule in lexicon::PAIRS {
            let (Some(ga), Some(gb)) = (Engine::group_index(rule.a), Engine::group_index(rule.b))
            else {
                continue;
            };
            let partner = if g == gb {
                ga
            } else if g == ga && !rule.ordered {
                gb
            } else {
                continue;
            };
            if self.engine.policy.action(rule.category) == Action::Off {
                continue;
            }
            let is_shell = rule.category == Category::DangerousShell;
            if is_shell && !self.in_code(h.start) {
                continue;
            }
            let found = self.groups.iter().rev().any(|p| {
                p.group == partner
                    && p.end <= h.start
                    && h.start - p.end <= rule.within
                    && !(rule.same_line && self.norm.has_line_break(p.end, h.start))
            });
            if !found {
                continue;
            }
            let mult = if is_shell {
                1.0
            } else {
                context::multiplier(
                    &self.norm,
                    &self.cues,
                    h.start,
                    rule.category,
                    rule.strength,
                    self.shape,
                )
            };
            let rule_id = format!("{}.pair.{}", rule.category, rule.name);
            if is_shell {
                self.add_finding(rule.category, rule_id, None, h.start, h.end, 1.0, None);
            } else {
                self.score(rule.category, &h, rule.weight * mult, mult < 1.0, rule_id);
            }
        }
    }

    /// Adds a harm contribution; a finding when the category's window total reaches the
    /// threshold. Context-reduced contributions count alone, never towards a total.
    fn score(
        &mut self,
        category: Category,
        h: &Hit,
        contribution: f32,
        reduced: bool,
        rule: String,
    ) {
        let window = self.engine.config.aggregation_window_bytes;
        while self
            .scores
            .front()
            .is_some_and(|&(_, e, _)| e + window < h.end)
        {
            self.scores.pop_front();
        }
        let mut total = contribution;
        if !reduced {
            total += self
                .scores
                .iter()
                .filter(|&&(c, e, _)| c == category && e + window >= h.end)
                .map(|&(_, _, s)| s)
                .sum::<f32>();
            self.scores.push_back((category, h.end, contribution));
        }
        if total + 1e-6 >= self.engine.policy.threshold(category) {
            self.add_finding(category, rule, None, h.start, h.end, total, None);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_finding(
        &mut self,
        category: Category,
        rule: String,
        action: Option<Action>,
        start: usize,
        end: usize,
        score: f32,
        excerpt: Option<String>,
    ) {
        let action = action.unwrap_or_else(|| self.engine.policy.action(category));
        if action == Action::Off {
            return;
        }
        let Some((rs, re)) = self.norm.raw_span(start, end) else {
            return;
        };
        let excerpt = excerpt.unwrap_or_else(|| {
            let from = rs.max(self.raw_base) - self.raw_base;
            let to = re.max(self.raw_base) - self.raw_base;
            self.raw.get(from..to).map(mask_words).unwrap_or_default()
        });
        if self.mode == ScanMode::Enforce {
            match action {
                Action::Redact => self.redactions.push(Redaction {
                    start: rs,
                    end: re,
                    replacement: self.engine.replacement_for(category),
                }),
                Action::Block if self.block.is_none_or(|(b, _)| start < b) => {
                    self.block = Some((start, rs));
                }
                _ => {}
            }
        }
        self.decided.push((
            start,
            Finding {
                category,
                rule,
                action,
                start: rs,
                end: re,
                score,
                excerpt,
            },
        ));
    }

    // ---- links and leaks ----------------------------------------------------------------------

    fn process_urls(&mut self, is_final: bool) {
        let max = self.engine.config.links.max_url_bytes;
        while let Some(&s) = self.url_queue.front() {
            if s < self.last_url_end {
                self.url_queue.pop_front();
                continue;
            }
            let n = self.norm.end();
            let placement = links::placement(self.norm.slice(s.saturating_sub(620), s));
            let avail = self.norm.slice(s, (s + max).min(n));
            let (end, truncated) = match links::url_end(avail, placement) {
                Some(e) => (e, false),
                None if is_final => (avail.len(), false),
                None if avail.len() >= max => (avail.len(), true),
                None => break,
            };
            let end = links::trim_trailing(&avail[..end]).max(1);
            let mut kind = links::parse(&avail[..end]);
            // A URL too long to be seen whole may carry data past the part judged (a long
            // path, then `?d=<secret>`): to an outside host it counts as carrying data.
            if let (true, links::UrlKind::Network { carries_data, .. }) = (truncated, &mut kind) {
                *carries_data = true;
            }
            self.url_queue.pop_front();
            self.last_url_end = s + end;
            let engine = Arc::clone(&self.engine);
            let Some((category, rule)) = links::classify(
                &kind,
                placement,
                &engine.allow_hosts,
                if engine.config.links.allow_request_host {
                    self.request_host.as_deref()
                } else {
                    None
                },
            ) else {
                continue;
            };
            let action = if rule == "exfiltration.raw_url" {
                engine.config.links.raw_url_with_data
            } else {
                engine.policy.action(category)
            };
            let host = match &kind {
                links::UrlKind::Network { host, .. } => Some(host.as_str()),
                _ => None,
            };
            let excerpt = mask_url(host);
            self.add_finding(
                category,
                rule.into(),
                Some(action),
                s,
                s + end,
                1.0,
                Some(excerpt),
            );
        }
    }

    fn process_overlap(&mut self, is_final: bool) {
        let Some(tracker) = self.overlap.as_mut() else {
            return;
        };
        let mut spans = Vec::new();
        let (base, n) = (self.norm.base(), self.norm.end());
        tracker.feed(self.norm.slice(base, n), base, n, is_final, &mut spans);
        for (s, e) in spans {
            let words = self
                .norm
                .slice(s, e)
                .split(|&b| !is_word_byte(b))
                .filter(|w| !w.is_empty())
                .count();
            self.add_finding(
                Category::PromptLeak,
                "prompt_leak.system_prompt_overlap".into(),
                None,
                s,
                e,
                1.0,
                Some(format!("[{words} words of the system prompt]")),
            );
        }
    }

    // ---- releasing text -----------------------------------------------------------------------

    fn bounds_release(&self, h: &Hit) -> bool {
        match self.info(h).role {
            Role::Term { category, .. } => self.engine.policy.action(category) != Action::Off,
            Role::Group(_) | Role::Canary => true,
            Role::UrlStart => false,
            Role::Cue(_) | Role::Suppressor | Role::Fence => false,
        }
    }

    /// Where the text that can still change starts: every finding still to come starts at or
    /// after it.
    fn frontier(&self, is_final: bool) -> usize {
        let n = self.norm.end();
        if is_final {
            return n;
        }
        // The last byte is not searched until the one after it arrives (a match ending there
        // needs that byte for its word-boundary check), so a match may still start at any
        // byte from `scanned` on, or where a walk still open started.
        let mut f = self.scanned.min(n).min(self.earliest_open_walk());
        // Canaries are searched anywhere in a window, not by carried walks: one may start in
        // the last `max_len` bytes of that set.
        if let Some(set) = &self.request_set {
            f = f.min(n.saturating_sub(set.max_len));
        }
        for h in &self.pending {
            if h.start < f && self.bounds_release(h) {
                f = h.start;
            }
        }
        if let Some(&s) = self.url_queue.front() {
            f = f.min(s);
        }
        if let Some(t) = &self.overlap {
            f = f.min(t.pending_start());
        }
        f
    }

    fn emit_findings(&mut self, frontier: usize, is_final: bool, step: &mut ScanStep) {
        let (limit, closing) = match self.block {
            Some((b, _)) if is_final || frontier > b => (b + 1, true),
            Some((b, _)) => (frontier.min(b), false),
            None => (frontier, false),
        };
        let mut out: Vec<(usize, Finding)> = Vec::new();
        let mut keep = Vec::new();
        for (s, f) in self.decided.drain(..) {
            if s < limit {
                out.push((s, f));
            } else if !closing {
                keep.push((s, f));
            }
        }
        self.decided = keep;
        out.sort_by(|a, b| {
            (a.0, a.1.end, a.1.category, &a.1.rule).cmp(&(b.0, b.1.end, b.1.category, &b.1.rule))
        });
        step.findings = out.into_iter().map(|(_, f)| f).collect();
        if closing {
            self.blocked = true;
        }
    }

    fn release(&mut self, frontier: usize, is_final: bool, step: &mut ScanStep) {
        if self.mode == ScanMode::Monitor {
            step.release = std::mem::take(&mut self.raw);
            if !self.release_text {
                step.release.clear();
            }
            self.raw_base = self.raw_end;
            return;
        }
        let n = self.norm.end();
        let mut target = if frontier >= n || is_final {
            self.raw_end
        } else {
            self.norm.raw_range(frontier).map_or(self.raw_base, |r| r.0)
        };
        let block_raw = self.block.map(|(_, r)| r);
        if let Some(b) = block_raw {
            target = target.min(b);
        }
        let cap = self.engine.config.max_holdback_bytes;
        if !self.blocked && self.raw_end - self.raw_base > cap {
            let mut forced = self.raw_end - cap;
            while forced < self.raw_end && !self.raw.is_char_boundary(forced - self.raw_base) {
                forced += 1;
            }
            if let Some(b) = block_raw {
                forced = forced.min(b);
            }
            if forced > target {
                target = forced;
                self.stats.cap_hits += 1;
            }
        }
        let target = target.max(self.raw_base);
        let (text, redactions) = self.emit_until(target, self.blocked);
        step.release = text;
        step.redactions = redactions;
        if self.blocked {
            self.ended = true;
            self.raw.clear();
            self.raw_base = self.raw_end;
        }
    }

    /// Emits raw text up to `target`, applying redactions. A redaction that extends past `target`
    /// waits (its start is not released) unless `closing`, when it is replaced and cut.
    fn emit_until(&mut self, target: usize, closing: bool) -> (String, Vec<Redacted>) {
        self.redactions.sort_by_key(|r| (r.start, r.end));
        let mut applied = Vec::new();
        let mut out = String::new();
        let mut pos = self.raw_base;
        let mut i = 0;
        while i < self.redactions.len() {
            let r = &self.redactions[i];
            if r.end <= pos {
                i += 1;
                continue;
            }
            if r.start >= target {
                break;
            }
            let us = r.start.max(pos);
            let mut ue = r.end;
            let replacement = r.replacement.clone();
            let mut j = i + 1;
            while j < self.redactions.len() && self.redactions[j].start < ue {
                ue = ue.max(self.redactions[j].end);
                j += 1;
            }
            if self.release_text {
                out.push_str(self.raw_slice(pos, us));
            }
            if ue <= target || closing {
                if self.release_text {
                    out.push_str(&replacement);
                }
                pos = ue.min(self.raw_end).max(us);
                applied.push(Redacted {
                    start: us,
                    end: pos,
                    replacement,
                });
                i = j;
            } else {
                pos = us;
                self.finish_emit(pos);
                return (out, applied);
            }
        }
        if target > pos {
            if self.release_text {
                out.push_str(self.raw_slice(pos, target));
            }
            pos = target;
        }
        self.finish_emit(pos);
        (out, applied)
    }

    fn raw_slice(&self, from: usize, to: usize) -> &str {
        let a = from.saturating_sub(self.raw_base);
        let b = to.saturating_sub(self.raw_base);
        self.raw.get(a..b.max(a)).unwrap_or("")
    }

    fn finish_emit(&mut self, pos: usize) {
        let pos = pos.min(self.raw_end);
        if pos > self.raw_base {
            self.raw.drain(..pos - self.raw_base);
            self.raw_base = pos;
        }
        let base = self.raw_base;
        self.redactions.retain(|r| r.end > base);
    }

    fn trim(&mut self, frontier: usize) {
        let keep = frontier.saturating_sub(LOOKBACK);
        self.norm.trim_front(keep);
        while self.cues.front().is_some_and(|c| c.end < keep) {
            self.cues.pop_front();
        }
        while self.groups.front().is_some_and(|g| g.end < keep) {
            self.groups.pop_front();
        }
        self.spans.retain(|&(_, e, _)| e >= keep);
        while self.fences.front().is_some_and(|&e| e < keep) {
            self.fences.pop_front();
            self.fences_pruned += 1;
        }
    }
}
