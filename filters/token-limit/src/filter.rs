//! The policy: reserve before the upstream, count while streaming, settle on the real usage.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::UNIX_EPOCH;

use parapet_core::SegmentKind;
use parapet_runtime::host::{Host, SharedDataError};
use parapet_runtime::metrics;
use parapet_runtime::prelude::*;
use parapet_tokens::budget::{
    Amounts, BudgetKey, Ledger, Outcome as LedgerOutcome, RateLimitHeaders, SharedStore,
    UpdateError, WriteError,
};
use parapet_tokens::{estimate_tokens, Encoding, StreamCounter};
use parapet_tokens::{MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS};

use crate::config::{Config, DEFAULT_TIER};

/// Shared-data key prefix of every ledger.
const KEY_PREFIX: &str = "parapet.token-limit.";
/// Streamed output beyond the reservation is charged in steps of at least this many tokens, so
/// a long stream costs one shared-data update per step rather than per delta.
const STREAM_CHARGE_STEP: u64 = 32;
/// Identity used when no configured source yields one.
const ANONYMOUS: &str = "anonymous";

/// The proxy-wasm shared data behind the runtime's [`Host`], as a budget store.
pub struct HostStore<'a>(pub &'a dyn Host);

impl SharedStore for HostStore<'_> {
    fn get(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), String> {
        Ok(self.0.shared_data(key))
    }

    fn set(&self, key: &str, value: &[u8], cas: Option<u32>) -> Result<(), WriteError> {
        self.0
            .set_shared_data(key, value, cas)
            .map_err(|e| match e {
                SharedDataError::CasMismatch => WriteError::CasMismatch,
                SharedDataError::Failed => WriteError::Host("set_shared_data failed".into()),
            })
    }
}

/// Milliseconds since the epoch from the host clock.
pub fn now_ms(host: &dyn Host) -> u64 {
    host.now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Which ledger a grant was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Tier(String),
    Model(String),
}

/// A response's output channel: choice, kind (text, refusal, tool call, reasoning), tool call.
type Channel = (usize, SegmentKind, Option<usize>);

/// Output tokens counted per channel, so text of different channels never runs together into
/// one word (and each channel's count does not depend on how its deltas were split).
#[derive(Debug, Clone)]
struct OutputCounter {
    encoding: Encoding,
    channels: Vec<(Channel, StreamCounter)>,
}

impl OutputCounter {
    fn new(encoding: Encoding) -> Self {
        OutputCounter {
            encoding,
            channels: Vec::new(),
        }
    }

    fn add(&mut self, channel: Channel, text: &str) {
        if text.is_empty() {
            return;
        }
        let i = match self.channels.iter().position(|(c, _)| *c == channel) {
            Some(i) => i,
            None => {
                self.channels
                    .push((channel, StreamCounter::new(self.encoding)));
                self.channels.len() - 1
            }
        };
        self.channels[i].1.add(text);
    }

    fn tokens(&self) -> u64 {
        self.channels.iter().map(|(_, c)| c.tokens()).sum()
    }
}

/// One reservation held by a request.
#[derive(Debug, Clone)]
struct Grant {
    scope: Scope,
    key: BudgetKey,
}

/// Everything the filter knows about one request, shared by the hooks and the proxy glue.
#[derive(Debug)]
pub struct Ticket {
    grants: Vec<Grant>,
    /// What every grant reserved, plus streamed overflow charged since.
    pub(crate) reserved: Amounts,
    input_estimate: u64,
    counter: OutputCounter,
    /// Header values to send with the response.
    pub(crate) headers: RateLimitHeaders,
    /// Usage was settled (reconciled, refunded or charged as estimate).
    pub(crate) settled: bool,
    /// The request reached `on_request` (the filter applied to it).
    pub(crate) inspected: bool,
    /// Refused with 429.
    pub(crate) refused: bool,
    /// `include_usage` was added for accounting: strip the usage chunk from the client's stream.
    pub(crate) strip_usage_chunk: bool,
}

impl Default for Ticket {
    fn default() -> Self {
        Ticket {
            grants: Vec::new(),
            reserved: Amounts::default(),
            input_estimate: 0,
            counter: OutputCounter::new(Encoding::Generic),
            headers: RateLimitHeaders::default(),
            settled: false,
            inspected: false,
            refused: false,
            strip_usage_chunk: false,
        }
    }
}

thread_local! {
    /// Hands the glue's ticket to the runtime-created per-request state (see [`TicketRef`]).
    static NEXT_TICKET: RefCell<Option<Rc<RefCell<Ticket>>>> = const { RefCell::new(None) };
}

/// The per-request state: a handle on the [`Ticket`] that the proxy glue also holds.
///
/// The runtime creates the state with `Default` inside `Exchange::new()` and gives the glue no
/// access to it; the glue therefore parks its handle in a thread-local right before creating
/// the exchange (a VM is single-threaded, so this cannot mix requests). Outside the glue (native
/// tests of the runtime engine) a fresh ticket is used.
#[derive(Debug, Clone)]
pub struct TicketRef(pub Rc<RefCell<Ticket>>);

impl Default for TicketRef {
    fn default() -> Self {
        let parked = NEXT_TICKET.with(|t| t.borrow_mut().take());
        TicketRef(parked.unwrap_or_default())
    }
}

/// Runs `make` with `ticket` parked for the state it creates.
pub fn with_ticket<R>(ticket: &Rc<RefCell<Ticket>>, make: impl FnOnce() -> R) -> R {
    NEXT_TICKET.with(|t| *t.borrow_mut() = Some(ticket.clone()));
    let r = make();
    NEXT_TICKET.with(|t| t.borrow_mut().take());
    r
}

/// The token-limit filter.
pub struct TokenLimit {
    pub(crate) cfg: Config,
    tiers: BTreeMap<String, Ledger>,
    models: BTreeMap<String, Ledger>,
}

fn merge_headers(a: RateLimitHeaders, b: RateLimitHeaders) -> RateLimitHeaders {
    let pick = |x: Option<parapet_tokens::budget::LimitHeader>,
                y: Option<parapet_tokens::budget::LimitHeader>| match (x, y) {
        (Some(x), Some(y)) => Some(if y.remaining < x.remaining { y } else { x }),
        (x, y) => x.or(y),
    };
    RateLimitHeaders {
        tokens: pick(a.tokens, b.tokens),
        requests: pick(a.requests, b.requests),
    }
}

impl TokenLimit {
    /// Every ledger (for preparing shard keys and cleanup on a tick).
    pub fn ledgers(&self) -> impl Iterator<Item = &Ledger> {
        self.tiers.values().chain(self.models.values())
    }

    fn ledger(&self, scope: &Scope) -> Option<&Ledger> {
        match scope {
            Scope::Tier(t) => self.tiers.get(t),
            Scope::Model(m) => self.models.get(m),
        }
    }

    fn metric(&self, host: &dyn Host, thing: &str, tags: &[(&str, &str)], n: u64) {
        host.increment_counter(&metrics::cached(Self::NAME, thing, tags), n);
    }

    fn tier_of(&self, info: &RequestInfo) -> String {
        if let Some(id) = &info.identity {
            for k in [id.value.clone(), id.key()] {
                if let Some(t) = self.cfg.tier_by_identity.get(&k) {
                    return t.clone();
                }
            }
        }
        if let Some(h) = &self.cfg.tier_header {
            if let Some(v) = info.header(h) {
                if self.tiers.contains_key(v) {
                    return v.to_string();
                }
            }
        }
        DEFAULT_TIER.to_string()
    }

    fn note(&self, host: &dyn Host, o: &LedgerOutcome) {
        if o.conflicts > 0 {
            self.metric(host, "cas_conflicts_total", &[], u64::from(o.conflicts));
        }
        if o.evicted {
            self.metric(host, "evictions_total", &[], 1);
        }
        if o.reset_corrupt {
            self.metric(host, "errors_total", &[("kind", "corrupt_shared_data")], 1);
        }
    }

    /// Replaces the reservation by `used` in every ledger the request reserved in.
    pub(crate) fn settle(
        &self,
        host: &dyn Host,
        ticket: &mut Ticket,
        used: Amounts,
        how: &str,
    ) -> Result<(), UpdateError> {
        if ticket.settled {
            return Ok(());
        }
        ticket.settled = true;
        // The request itself stays counted: it was admitted and reached the upstream.
        let used = Amounts {
            requests: ticket.reserved.requests,
            ..used
        };
        self.metric(host, "settlements_total", &[("how", how)], 1);
        self.metric(
            host,
            "tokens_total",
            &[("kind", "input")],
            used.input_tokens,
        );
        self.metric(
            host,
            "tokens_total",
            &[("kind", "output")],
            used.output_tokens,
        );
        let store = HostStore(host);
        let now = now_ms(host);
        let mut headers: Option<RateLimitHeaders> = None;
        for g in &ticket.grants {
            if let Some(l) = self.ledger(&g.scope) {
                let o = l.reconcile(&store, &g.key, ticket.reserved, used, now)?;
                self.note(host, &o);
                headers = Some(headers.map_or(o.headers, |h| merge_headers(h, o.headers)));
            }
        }
        if let Some(h) = headers {
            ticket.headers = h;
        }
        Ok(())
    }

    /// The estimate to charge when the response carries no usage: reserved input plus the
    /// output counted so far.
    pub(crate) fn estimated_usage(ticket: &Ticket) -> Amounts {
        Amounts::tokens(ticket.input_estimate, ticket.counter.tokens())
    }

    fn reserve(
        &self,
        host: &dyn Host,
        ticket: &mut Ticket,
        info: &RequestInfo,
        view: &RequestView,
    ) -> Result<Option<(Refusal, RateLimitHeaders)>, UpdateError> {
        let identity = info
            .identity
            .as_ref()
            .map(|i| i.key())
            .unwrap_or_else(|| ANONYMOUS.into());
        let model = view
            .model
            .clone()
            .or_else(|| info.model.clone())
            .unwrap_or_default();
        let encoding = Encoding::for_model(&model);
        let mut input = REPLY_PRIMING_TOKENS + MESSAGE_OVERHEAD_TOKENS * view.message_count as u64;
        for s in &view.segments {
            input += estimate_tokens(&s.text, encoding);
        }
        for t in &view.tools {
            input += estimate_tokens(&t.name, encoding);
            input += t
                .description
                .as_deref()
                .map_or(0, |d| estimate_tokens(d, encoding));
            input += t
                .parameters
                .as_deref()
                .map_or(0, |p| estimate_tokens(p, encoding));
        }
        let tier = self.tier_of(info);
        let mut scopes = vec![Scope::Tier(tier.clone())];
        if self.models.contains_key(&model) {
            scopes.push(Scope::Model(model.clone()));
        }
        // Output reservation: what the client asked for (or the default), capped, and never so
        // large that the reservation alone could not fit an empty bucket: only a prompt that is
        // itself over the limit is refused for good.
        let mut output = view
            .max_tokens
            .unwrap_or(self.cfg.default_output_reservation)
            .min(self.cfg.max_output_reservation);
        for s in &scopes {
            if let Some(l) = self.ledger(s) {
                for b in l.policy().buckets() {
                    use parapet_tokens::budget::Dimension::*;
                    let room = match b.dimension {
                        OutputTokens => b.limit,
                        TotalTokens => b.limit.saturating_sub(input),
                        _ => continue,
                    };
                    output = output.min(room);
                }
            }
        }
        ticket.input_estimate = input;
        ticket.counter = OutputCounter::new(encoding);
        let amounts = Amounts {
            requests: 1,
            input_tokens: input,
            output_tokens: output,
        };
        ticket.reserved = amounts;
        let store = HostStore(host);
        let now = now_ms(host);
        let mut headers: Option<RateLimitHeaders> = None;
        for scope in scopes {
            let Some(l) = self.ledger(&scope) else {
                continue;
            };
            let key = match &scope {
                Scope::Tier(t) => l.key(&[t, &identity]),
                Scope::Model(m) => l.key(&[m, &identity]),
            };
            let o = l.reserve(&store, &key, amounts, now)?;
            self.note(host, &o);
            headers = Some(headers.map_or(o.headers, |h| merge_headers(h, o.headers)));
            if let Some(refusal) = o.refusal {
                // Give back what the earlier scopes took: the request never happened.
                for g in ticket.grants.drain(..) {
                    if let Some(l) = self.ledger(&g.scope) {
                        let back = l.reconcile(&store, &g.key, amounts, Amounts::default(), now)?;
                        self.note(host, &back);
                    }
                }
                return Ok(Some((refusal, headers.unwrap_or_default())));
            }
            ticket.grants.push(Grant { scope, key });
        }
        ticket.headers = headers.unwrap_or_default();
        Ok(None)
    }

    /// Charges streamed output beyond the reservation; true when a budget ran out.
    fn charge_overflow(&self, host: &dyn Host, ticket: &mut Ticket) -> Result<bool, UpdateError> {
        let counted = ticket.counter.tokens();
        if counted <= ticket.reserved.output_tokens || ticket.grants.is_empty() {
            return Ok(false);
        }
        let step = (counted - ticket.reserved.output_tokens).max(STREAM_CHARGE_STEP);
        let store = HostStore(host);
        let now = now_ms(host);
        let mut exhausted = false;
        for g in &ticket.grants {
            if let Some(l) = self.ledger(&g.scope) {
                let o = l.charge(&store, &g.key, Amounts::tokens(0, step), now)?;
                self.note(host, &o);
                exhausted |= o.exhausted;
                ticket.headers = o.headers;
            }
        }
        ticket.reserved.output_tokens += step;
        Ok(exhausted)
    }
}

use parapet_tokens::budget::Refusal;

fn failure(e: UpdateError) -> FilterError {
    FilterError::new(format!("token budget store: {e}"))
}

impl Filter for TokenLimit {
    const NAME: &'static str = "token-limit";
    /// A budget store failure lets traffic through (availability over accounting); configure
    /// `on_error: fail_closed` to refuse instead.
    const DEFAULT_ON_ERROR: OnError = OnError::FailOpen;
    type Config = Config;
    type State = TicketRef;

    fn new(cfg: Config, _common: &Common) -> Result<Self, ConfigError> {
        cfg.validate()?;
        let mut tiers = BTreeMap::new();
        let mk = |policy, scope: &str| {
            Ledger::new(
                policy,
                &format!("{KEY_PREFIX}{scope}."),
                cfg.shards,
                cfg.max_identities,
            )
        };
        tiers.insert(
            DEFAULT_TIER.to_string(),
            mk(cfg.default_limits().policy("")?, "tier"),
        );
        for (name, limits) in &cfg.tiers {
            tiers.insert(
                name.clone(),
                mk(limits.policy(&format!("tiers.{name}."))?, "tier"),
            );
        }
        let mut models = BTreeMap::new();
        for (name, limits) in &cfg.models {
            models.insert(
                name.clone(),
                mk(limits.policy(&format!("models.{name}."))?, "model"),
            );
        }
        Ok(TokenLimit { cfg, tiers, models })
    }

    fn needs_identity(&self) -> bool {
        // Budgets are kept per caller.
        true
    }

    fn may_rewrite_request(&self) -> bool {
        // Adding `stream_options.include_usage` changes the body size.
        self.cfg.include_usage
    }

    fn inspects_responses(&self) -> bool {
        true
    }

    fn on_request(&self, cx: &mut Cx<TicketRef>, request: &RequestView) -> Outcome {
        let handle = cx.state.0.clone();
        let mut ticket = handle.borrow_mut();
        ticket.inspected = true;
        let host = cx.host();
        match self
            .reserve(host, &mut ticket, cx.request, request)
            .map_err(failure)?
        {
            None => {
                self.metric(host, "reservations_total", &[("result", "admitted")], 1);
                Ok(Verdict::allow())
            }
            Some((refusal, headers)) => {
                ticket.refused = true;
                ticket.settled = true;
                ticket.headers = headers;
                self.metric(host, "reservations_total", &[("result", "refused")], 1);
                let rule = if refusal.exceeds_limit() {
                    "token_limit.request_too_large"
                } else {
                    "token_limit.budget_exhausted"
                };
                Ok(Verdict::block(Block::rate_limited(
                    refusal.to_string(),
                    refusal.retry_after_secs(),
                ))
                .with_finding(Finding::new(rule, "rate_limit")))
            }
        }
    }

    fn on_output(&self, cx: &mut Cx<TicketRef>, output: &Output) -> Outcome {
        if !output.streamed {
            return Ok(Verdict::allow());
        }
        let handle = cx.state.0.clone();
        let mut ticket = handle.borrow_mut();
        if ticket.settled || !ticket.inspected {
            return Ok(Verdict::allow());
        }
        let new = output.text.get(output.new_from..).unwrap_or("");
        ticket
            .counter
            .add((output.choice, output.kind, output.tool_call), new);
        let exhausted = self
            .charge_overflow(cx.host(), &mut ticket)
            .map_err(failure)?;
        if exhausted && self.cfg.mid_stream {
            self.metric(cx.host(), "stream_terminations_total", &[], 1);
            let wait = ticket
                .headers
                .tokens
                .map_or(60, |t| t.reset_ms.div_ceil(1000).max(1));
            return Ok(Verdict::block(Block::rate_limited(
                "Rate limit reached for output tokens while streaming: the token budget is exhausted.",
                wait,
            ))
            .with_finding(Finding::new("token_limit.stream_budget_exhausted", "rate_limit")));
        }
        Ok(Verdict::allow())
    }

    fn on_response(&self, cx: &mut Cx<TicketRef>, response: &ResponseView) -> Outcome {
        let handle = cx.state.0.clone();
        let mut ticket = handle.borrow_mut();
        if ticket.settled || !ticket.inspected {
            return Ok(Verdict::allow());
        }
        let host = cx.host();
        match response.usage {
            Some(u) => {
                // Reasoning counted outside `output_tokens` by some providers shows in the total.
                let output = u
                    .output_tokens
                    .max(u.total_tokens.saturating_sub(u.input_tokens));
                let used = Amounts::tokens(u.input_tokens, output);
                self.settle(host, &mut ticket, used, "usage")
                    .map_err(failure)?;
            }
            None => {
                if ticket.counter.tokens() == 0 {
                    // A JSON response: count its output segments, each on its own.
                    for (i, s) in response.segments.iter().enumerate() {
                        ticket.counter.add((i, s.kind, None), &s.text);
                    }
                }
                self.metric(host, "usage_missing_total", &[], 1);
                let used = Self::estimated_usage(&ticket);
                self.settle(host, &mut ticket, used, "estimate")
                    .map_err(failure)?;
            }
        }
        Ok(Verdict::allow())
    }
}
