//! The per-request state machine: everything between the host callbacks and the filter's hooks.
//! Host-independent (it talks to [`HttpHost`]), so it is unit-tested natively.

use std::cell::{Cell, RefCell};

use parapet_core::{
    apply_edits, detect, framing_for, is_streaming_path, Api, Edit, Framing, Limits, Operation,
    Provider, ResponseView, Segment,
};

use crate::config::{self, Common, CommonDefaults, ConfigError, Mode, OnError, UnknownApi};
use crate::event::{Applied, EventContext, Phase, Route, SecurityEvent};
use crate::filter::{Cx, Filter, Output, RequestInfo};
use crate::host::{Host, HttpHost, Level};
use crate::identity;
use crate::metrics;
use crate::reply;
use crate::stream::{Look, StreamAction, StreamError, StreamProc};
use crate::verdict::{Block, Decision, Finding, Reason, TextEdit, Verdict};
use crate::window::{apply_text_edits, RangeEdits};

/// What to tell the host after a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Headers phase: stop; body phase: buffer (Envoy `StopIterationAndBuffer`).
    Pause,
}

/// A configured filter (one per plugin configuration / root context).
pub struct Plugin<F: Filter> {
    pub filter: F,
    pub common: Common,
    pub version: &'static str,
    decision_keys: crate::findings::DecisionKeys,
    names: Names,
}

/// The metric names every request uses, built once per configuration: each lookup in the
/// shared name cache compares strings (each a `memcmp` call in wasm) against every filter's
/// names of the VM, a few times per filter and request.
struct Names {
    requests_total: std::rc::Rc<str>,
    bytes_scanned_total: std::rc::Rc<str>,
    work_us: std::rc::Rc<str>,
    /// `actions_total` per action of [`ACTIONS`], in this plugin's mode.
    actions: [std::rc::Rc<str>; 4],
}

const ACTIONS: [&str; 4] = ["allow", "rewrite", "block", "error"];

impl Names {
    fn new(filter: &str, mode: Mode) -> Self {
        let plain = |thing: &str| metrics::cached(filter, thing, &[]);
        Names {
            requests_total: plain("requests_total"),
            bytes_scanned_total: plain("bytes_scanned_total"),
            work_us: plain("work_us"),
            actions: ACTIONS.map(|a| {
                metrics::cached(
                    filter,
                    "actions_total",
                    &[("action", a), ("mode", mode.as_str())],
                )
            }),
        }
    }
}

impl<F: Filter> Plugin<F> {
    /// Parses the plugin configuration and builds the filter.
    pub fn configure(raw: Option<&[u8]>, version: &'static str) -> Result<Self, ConfigError> {
        let defaults = CommonDefaults {
            on_error: F::DEFAULT_ON_ERROR,
            hold_back_bytes: F::DEFAULT_HOLD_BACK_BYTES,
        };
        let (common, own) = config::parse::<F::Config>(raw, defaults)?;
        let filter = F::new(own, &common)?;
        Ok(Plugin {
            filter,
            names: Names::new(F::NAME, common.mode),
            common,
            version,
            decision_keys: crate::findings::DecisionKeys::new(F::NAME),
        })
    }

    fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.common.max_body_bytes,
            ..Limits::default()
        }
    }

    fn metric(&self, thing: &str, tags: &[(&str, &str)]) -> std::rc::Rc<str> {
        metrics::cached(F::NAME, thing, tags)
    }
}

enum ResponseMode {
    Skip,
    Json {
        expected_len: Option<usize>,
    },
    Stream(Box<StreamProc>),
    /// Every further chunk is dropped (stream terminated, or response replaced by an error).
    Drop,
}

/// One HTTP request/response through the filter.
pub struct Exchange<F: Filter> {
    active: bool,
    replied: bool,
    content_length_removed: bool,
    /// Size of the response body the host holds in the current callback.
    response_size: usize,
    /// Request body bytes buffered so far, and whether the request was decided.
    request_buffered: usize,
    request_decided: bool,
    info: RequestInfo,
    state: F::State,
    response: ResponseMode,
    /// Headers `on_request` asked to add to the client's response (`Cx::add_response_header`).
    response_headers_out: RefCell<Vec<(String, String)>>,
    /// Bit 1: the request phase published `categories`/`rule_ids`; bit 2: the response phase.
    lists_published: std::cell::Cell<u8>,
    /// The identity is resolved only when an event needs it ([`Filter::needs_identity`]).
    identity_deferred: bool,
}

impl<F: Filter> Default for Exchange<F> {
    fn default() -> Self {
        Exchange {
            active: false,
            replied: false,
            content_length_removed: false,
            response_size: 0,
            request_buffered: 0,
            request_decided: false,
            info: RequestInfo {
                method: String::new(),
                path: String::new(),
                authority: String::new(),
                request_id: None,
                headers: Vec::new(),
                identity: None,
                source_address: None,
                api: Api::GENERIC,
                model: None,
                streaming: false,
            },
            state: F::State::default(),
            response: ResponseMode::Skip,
            response_headers_out: RefCell::new(Vec::new()),
            lists_published: std::cell::Cell::new(0),
            identity_deferred: false,
        }
    }
}

/// Core's provider name, as used in config (`match.providers`) and events.
pub fn provider_name(p: Provider) -> &'static str {
    match p {
        Provider::OpenAi => "openai",
        Provider::Anthropic => "anthropic",
        Provider::Gemini => "gemini",
        Provider::Bedrock => "bedrock",
        Provider::Ollama => "ollama",
        Provider::Generic => "generic",
    }
}

/// Operation name for events.
pub fn operation_name(o: Operation) -> &'static str {
    match o {
        Operation::ChatCompletions => "chat_completions",
        Operation::Responses => "responses",
        Operation::Completions => "completions",
        Operation::Embeddings => "embeddings",
        Operation::Messages => "messages",
        Operation::GenerateContent => "generate_content",
        Operation::Converse => "converse",
        Operation::OllamaChat => "ollama_chat",
        Operation::OllamaGenerate => "ollama_generate",
        Operation::Unknown => "unknown",
    }
}

impl<F: Filter> Exchange<F> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Request facts captured so far.
    pub fn info(&self) -> &RequestInfo {
        &self.info
    }

    fn event_context(&self, plugin: &Plugin<F>, host: &dyn Host) -> EventContext {
        let known = self.info.api != Api::GENERIC || self.info.model.is_some();
        let identity = if self.identity_deferred {
            let source = plugin
                .common
                .identity
                .sources
                .contains(&identity::IdentitySource::SourceAddress)
                .then(|| source_address(host))
                .flatten();
            identity::resolve(
                &plugin.common.identity,
                &self.info.headers,
                source.as_deref(),
            )
        } else {
            self.info.identity.clone()
        };
        EventContext {
            filter: F::NAME,
            version: plugin.version,
            request_id: self.info.request_id.clone(),
            route: Route {
                method: self.info.method.clone(),
                authority: self.info.authority.clone(),
                path: config::path_without_query(&self.info.path).to_string(),
            },
            identity,
            provider: Some(provider_name(self.info.api.provider).to_string()).filter(|_| known),
            api: Some(operation_name(self.info.api.operation).to_string()).filter(|_| known),
            model: self.info.model.clone(),
        }
    }

    // ------------------------------------------------------------------ request

    /// Request headers: capture everything later phases need (Envoy: request headers are
    /// unreadable after this phase), decide whether the filter applies, enforce the size limit
    /// from `content-length`, and remove `content-length` when the body may be rewritten.
    pub fn on_request_headers(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        end_of_stream: bool,
    ) -> Flow {
        // Lower-cased in place: Envoy's names already are, and a copy of each name was an
        // allocation per header, filter and request.
        let mut headers = host.request_headers();
        for (k, _) in &mut headers {
            k.make_ascii_lowercase();
        }
        let get = |name: &str| identity::header(&headers, name).map(str::to_string);
        self.info.method = get(":method").unwrap_or_default();
        self.info.path = get(":path").unwrap_or_default();
        self.info.authority = get(":authority").unwrap_or_default();
        self.info.request_id = get("x-request-id").or_else(|| {
            host.property(&["request", "id"])
                .and_then(|v| String::from_utf8(v).ok())
                .filter(|v| !v.is_empty())
        });
        let content_length = get("content-length").and_then(|v| v.parse::<usize>().ok());
        if !plugin
            .common
            .matcher
            .matches_route(&self.info.method, &self.info.path)
        {
            return Flow::Continue;
        }
        self.info.api = detect(&self.info.path, None);
        self.info.streaming = is_streaming_path(&self.info.path);
        if self.info.api != Api::GENERIC
            && !plugin
                .common
                .matcher
                .matches_provider(provider_name(self.info.api.provider))
        {
            return Flow::Continue;
        }
        if plugin.filter.needs_identity() {
            let source = source_address(host);
            self.info.identity =
                identity::resolve(&plugin.common.identity, &headers, source.as_deref());
            self.info.source_address = source;
        } else {
            self.identity_deferred = true;
        }
        self.info.headers = headers;
        self.active = true;
        if end_of_stream {
            // No body: nothing to inspect on the request side.
            return Flow::Continue;
        }
        if let Some(len) = content_length.filter(|&n| n > plugin.common.max_body_bytes) {
            return self.too_large(plugin, host, len);
        }
        if plugin.common.mode == Mode::Enforce && plugin.filter.may_rewrite_request() {
            // Each removal is a host call, and in a chain the first filter that may rewrite has
            // already removed it for the rest.
            if has_header(&self.info.headers, "content-length") {
                host.remove_request_header("content-length");
            }
            self.content_length_removed = true;
        }
        Flow::Continue
    }

    /// Request body: buffer to the end (within the limit), parse, decide, apply.
    pub fn on_request_body(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        body_size: usize,
        end_of_stream: bool,
    ) -> Flow {
        if !self.active || self.replied || self.request_decided {
            return Flow::Continue;
        }
        if body_size > plugin.common.max_body_bytes {
            return self.too_large(plugin, host, body_size);
        }
        self.request_buffered = body_size;
        if !end_of_stream {
            return Flow::Pause;
        }
        self.request_decided = true;
        if body_size == 0 {
            return Flow::Continue;
        }
        let Some(body) = host.request_body(body_size) else {
            return self.fail(
                plugin,
                host,
                Phase::Request,
                Reason::Unavailable,
                "unreadable_body",
                "the request body could not be read (Kong: raise nginx_http_client_body_buffer_size)",
            );
        };
        if self.info.api == Api::GENERIC {
            self.info.api = detect(&self.info.path, Some(&body));
            if self.info.api != Api::GENERIC
                && !plugin
                    .common
                    .matcher
                    .matches_provider(provider_name(self.info.api.provider))
            {
                self.active = false;
                return Flow::Continue;
            }
        }
        if self.info.api == Api::GENERIC
            && !plugin.filter.inspects_unknown_apis()
            && !plugin
                .common
                .matcher
                .providers
                .iter()
                .any(|p| p == "generic")
        {
            match plugin.common.unknown_api {
                UnknownApi::Pass => {
                    self.active = false;
                    return Flow::Continue;
                }
                UnknownApi::Reject => {
                    let verdict = Verdict::block(Block::invalid(
                        "this route only accepts known LLM API requests",
                    ))
                    .with_finding(Finding::new("runtime.unknown_api", "invalid_request"));
                    return self.apply_request_verdict(plugin, host, verdict, None, &body);
                }
            }
        }
        let view = match crate::views::request(
            self.info.request_id.as_deref(),
            self.info.api,
            &body,
            &plugin.limits(),
        ) {
            Ok(view) => view,
            Err(e) => {
                return self.fail(
                    plugin,
                    host,
                    Phase::Request,
                    Reason::InvalidRequest,
                    "unparseable_body",
                    &format!("the request body is not valid JSON: {e}"),
                )
            }
        };
        self.info.model = view.model.clone();
        self.info.streaming |= view.stream;
        host.increment_counter(&plugin.names.requests_total, 1);
        host.increment_counter(&plugin.names.bytes_scanned_total, body.len() as u64);
        let started = host.now();
        let outcome = {
            let mut cx = Cx::new(&mut self.state, &self.info, host as &dyn Host, F::NAME)
                .with_body(&body)
                .with_response_headers(&self.response_headers_out);
            plugin.filter.on_request(&mut cx, &view)
        };
        record_work(plugin, host, started);
        match outcome {
            Ok(verdict) => {
                self.apply_request_verdict(plugin, host, verdict, Some(&view.segments), &body)
            }
            Err(e) => self.fail(
                plugin,
                host,
                Phase::Request,
                Reason::Unavailable,
                "internal",
                &e.0,
            ),
        }
    }

    /// Request trailers end the request when the body did not (HTTP/2, chunked with trailers):
    /// decide on the buffered body here, or it would reach the upstream uninspected.
    pub fn on_request_trailers(&mut self, plugin: &Plugin<F>, host: &dyn HttpHost) -> Flow {
        if !self.active || self.replied || self.request_decided || self.request_buffered == 0 {
            return Flow::Continue;
        }
        self.on_request_body(plugin, host, self.request_buffered, true)
    }

    fn apply_request_verdict(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        verdict: Verdict,
        segments: Option<&[Segment]>,
        body: &[u8],
    ) -> Flow {
        let enforce = plugin.common.mode == Mode::Enforce;
        let text_of = |i: usize| segments.and_then(|s| s.get(i)).map(|s| s.text.as_str());
        match &verdict.decision {
            Decision::Allow => {
                self.record(
                    plugin,
                    host,
                    &verdict,
                    Phase::Request,
                    false,
                    None,
                    &text_of,
                );
                Flow::Continue
            }
            Decision::Block(block) => {
                if enforce {
                    self.send_reply(plugin, host, block);
                    self.record(
                        plugin,
                        host,
                        &verdict,
                        Phase::Request,
                        true,
                        Some(block.reason.status()),
                        &text_of,
                    );
                    Flow::Pause
                } else {
                    self.record(
                        plugin,
                        host,
                        &verdict,
                        Phase::Request,
                        false,
                        None,
                        &text_of,
                    );
                    Flow::Continue
                }
            }
            Decision::Rewrite(_) | Decision::ReplaceBody(_) => {
                if !enforce {
                    self.record(
                        plugin,
                        host,
                        &verdict,
                        Phase::Request,
                        false,
                        None,
                        &text_of,
                    );
                    return Flow::Continue;
                }
                match new_body(&verdict.decision, body, segments) {
                    Ok(new_body) if new_body.len() != body.len() && !self.content_length_removed => {
                        self.fail(
                            plugin,
                            host,
                            Phase::Request,
                            Reason::Unavailable,
                            "internal",
                            "the filter rewrote the request but did not declare may_rewrite_request(): content-length could not be removed",
                        )
                    }
                    Ok(new_body) => {
                        host.replace_request_body(body.len(), &new_body);
                        self.record(plugin, host, &verdict, Phase::Request, true, None, &text_of);
                        Flow::Continue
                    }
                    Err(e) => self.fail(plugin, host, Phase::Request, Reason::Unavailable, "internal", &format!("rewrite failed: {e}")),
                }
            }
        }
    }

    fn too_large(&mut self, plugin: &Plugin<F>, host: &dyn HttpHost, size: usize) -> Flow {
        let verdict = Verdict::block(Block::new(
            Reason::TooLarge,
            format!(
                "request body of {size} bytes is over the limit of {} bytes",
                plugin.common.max_body_bytes
            ),
        ))
        .with_finding(Finding::new("runtime.max_body_bytes", "too_large"));
        let none = |_: usize| None;
        if plugin.common.mode == Mode::Enforce {
            if let Decision::Block(block) = &verdict.decision {
                self.send_reply(plugin, host, block);
            }
            self.record(
                plugin,
                host,
                &verdict,
                Phase::Request,
                true,
                Some(413),
                &none,
            );
            Flow::Pause
        } else {
            // Monitor: log it, and let the body through uninspected.
            self.record(plugin, host, &verdict, Phase::Request, false, None, &none);
            self.active = false;
            Flow::Continue
        }
    }

    fn send_reply(&mut self, plugin: &Plugin<F>, host: &dyn HttpHost, block: &Block) {
        let r = reply::local_reply(
            self.info.api,
            block,
            self.info.request_id.as_deref(),
            F::NAME,
        );
        let added = std::mem::take(&mut *self.response_headers_out.borrow_mut());
        let headers: Vec<(&str, &str)> = r
            .headers
            .iter()
            .chain(added.iter().filter(|(k, _)| {
                // The reply's own headers (content-type, retry-after, ...) win.
                !r.headers.iter().any(|(own, _)| own.eq_ignore_ascii_case(k))
            }))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        host.send_local_reply(r.status, &headers, &r.body);
        self.replied = true;
        let _ = plugin;
    }

    /// The filter could not decide: apply `on_error`.
    fn fail(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        phase: Phase,
        reason: Reason,
        kind: &str,
        message: &str,
    ) -> Flow {
        host.increment_counter(&plugin.metric("errors_total", &[("kind", kind)]), 1);
        let closed =
            plugin.common.mode == Mode::Enforce && plugin.common.on_error == OnError::FailClosed;
        let client_message = match reason {
            Reason::InvalidRequest => message.to_string(),
            _ => "the request could not be inspected".to_string(),
        };
        let block = Block::new(reason, client_message);
        let status = closed.then(|| reason.status());
        let event = SecurityEvent::for_error(
            &self.event_context(plugin, host),
            reason,
            message,
            Applied {
                phase,
                mode: plugin.common.mode,
                enforced: closed,
                status,
            },
            host.now(),
        );
        host.log(Level::Info, &event.to_json());
        self.count_action(plugin, host, "error");
        self.publish(plugin, host, phase, "error", &[]);
        if !closed {
            if phase == Phase::Request {
                self.active = false;
            }
            return Flow::Continue;
        }
        match phase {
            Phase::Request => {
                self.send_reply(plugin, host, &block);
                Flow::Pause
            }
            // Response phases cannot send a local reply (portability): replace the body.
            Phase::Response => {
                let body = reply::response_error_body(
                    self.info.api,
                    &block,
                    self.info.request_id.as_deref(),
                    F::NAME,
                );
                host.replace_response_body(self.response_size, &body);
                self.response = ResponseMode::Drop;
                Flow::Continue
            }
            Phase::Stream => Flow::Continue,
        }
    }

    fn count_action(&self, plugin: &Plugin<F>, host: &dyn Host, action: &str) {
        match ACTIONS.iter().position(|a| *a == action) {
            Some(i) => host.increment_counter(&plugin.names.actions[i], 1),
            None => {
                let mode = plugin.common.mode.as_str();
                host.increment_counter(
                    &plugin.metric("actions_total", &[("action", action), ("mode", mode)]),
                    1,
                );
            }
        }
    }

    fn publish(
        &self,
        plugin: &Plugin<F>,
        host: &dyn Host,
        phase: Phase,
        action: &str,
        findings: &[Finding],
    ) {
        let [k_action, k_mode, k_categories, k_rule_ids] =
            plugin.decision_keys.of(phase != Phase::Request);
        let join = |f: fn(&Finding) -> &str| {
            let mut v: Vec<&str> = findings.iter().map(f).collect();
            v.dedup();
            v.join(",")
        };
        crate::findings::publish_key(host, k_action, action);
        // A monitored "rewrite" did not rewrite anything: later filters (policy) must know. The
        // mode is config, the same for every request: only monitor is written (with `action`
        // present, an absent mode means enforce), one host call fewer per filter and decision.
        if plugin.common.mode != Mode::Enforce {
            crate::findings::publish_key(host, k_mode, plugin.common.mode.as_str());
        }
        // Empty lists are not written (absent reads as empty: see `findings`): two host calls
        // fewer per filter and request on the common allow, unless this phase already wrote a
        // list that must now be cleared.
        let bit = if phase == Phase::Request { 1 } else { 2 };
        let (categories, rule_ids) = (join(|f| &f.category), join(|f| &f.rule_id));
        let written = self.lists_published.get() & bit != 0;
        if written || !categories.is_empty() || !rule_ids.is_empty() {
            crate::findings::publish_key(host, k_categories, &categories);
            crate::findings::publish_key(host, k_rule_ids, &rule_ids);
            self.lists_published.set(self.lists_published.get() | bit);
        }
    }

    /// Event, metrics and shared findings for one decision.
    #[allow(clippy::too_many_arguments)]
    fn record<'t>(
        &self,
        plugin: &Plugin<F>,
        host: &dyn Host,
        verdict: &Verdict,
        phase: Phase,
        enforced: bool,
        status: Option<u16>,
        text_of: &dyn Fn(usize) -> Option<&'t str>,
    ) {
        // A request is counted once: its request-phase decision. Response and stream decisions
        // are counted (and logged) only when they are not plain allows.
        if phase != Phase::Request && verdict.is_plain_allow() {
            return;
        }
        self.count_action(plugin, host, verdict.action());
        for f in &verdict.findings {
            host.increment_counter(
                &plugin.metric("detections_total", &[("category", &f.category)]),
                1,
            );
        }
        if phase == Phase::Request || !verdict.is_plain_allow() {
            self.publish(plugin, host, phase, verdict.action(), &verdict.findings);
        }
        if verdict.is_plain_allow() && !plugin.common.events.log_allows {
            return;
        }
        let applied = Applied {
            phase,
            mode: plugin.common.mode,
            enforced,
            status,
        };
        let event = SecurityEvent::for_verdict(
            &self.event_context(plugin, host),
            verdict,
            applied,
            host.now(),
            text_of,
        );
        host.log(Level::Info, &event.to_json());
    }

    // ------------------------------------------------------------------ response

    /// Response headers: choose JSON buffering or incremental stream decoding; remove
    /// `content-length` when the body may change.
    pub fn on_response_headers(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        end_of_stream: bool,
    ) -> Flow {
        if self.active && !self.replied {
            for (name, value) in self.response_headers_out.borrow_mut().drain(..) {
                host.add_response_header(&name, &value);
            }
        }
        if !self.active
            || self.replied
            || end_of_stream
            || !plugin.filter.inspects_response_to(&self.state)
        {
            return Flow::Continue;
        }
        let headers = host.response_headers();
        let get = |name: &str| identity::header(&headers, name).map(str::to_string);
        let ok = get(":status")
            .and_then(|s| s.parse::<u16>().ok())
            .is_some_and(|s| (200..300).contains(&s));
        if !ok {
            return Flow::Continue;
        }
        let enforce = plugin.common.mode == Mode::Enforce;
        let framing = framing_for(&get("content-type").unwrap_or_default(), self.info.api);
        self.response = match framing {
            Framing::Json => ResponseMode::Json {
                expected_len: get("content-length").and_then(|v| v.parse().ok()),
            },
            streamed => {
                let window = plugin
                    .filter
                    .stream_window(&plugin.common)
                    .min(plugin.common.hold_back_bytes);
                // Monitor mode never changes the stream, so it holds nothing back; the filter
                // still sees the window's worth of earlier text as context.
                let (held, context) = if enforce { (window, 0) } else { (0, window) };
                let mut stream = StreamProc::new(
                    F::NAME,
                    self.info.api,
                    streamed,
                    plugin.limits(),
                    held,
                    context,
                );
                // In a bundle, the filters before this one scanned the same events of this
                // request: copy their scans (parapet_core::json::shared).
                if let Some(id) = &self.info.request_id {
                    stream.share_within(parapet_core::json::shared::scope_of(id));
                }
                if !plugin.filter.inspects_output() {
                    stream.pass_through();
                }
                ResponseMode::Stream(Box::new(stream))
            }
        };
        if enforce && has_header(&headers, "content-length") {
            host.remove_response_header("content-length");
        }
        Flow::Continue
    }

    /// Response body: JSON is buffered and decided once; streams are decoded incrementally and
    /// released through the hold-back window.
    pub fn on_response_body(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        body_size: usize,
        end_of_stream: bool,
    ) -> Flow {
        self.response_size = body_size;
        match &mut self.response {
            ResponseMode::Skip => Flow::Continue,
            ResponseMode::Drop => {
                if body_size > 0 {
                    host.replace_response_body(body_size, b"");
                }
                Flow::Continue
            }
            ResponseMode::Json { expected_len } => {
                let expected_len = *expected_len;
                self.json_response(plugin, host, body_size, end_of_stream, expected_len)
            }
            ResponseMode::Stream(_) => self.stream_chunk(plugin, host, body_size, end_of_stream),
        }
    }

    fn json_response(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        body_size: usize,
        end_of_stream: bool,
        expected_len: Option<usize>,
    ) -> Flow {
        if body_size > plugin.common.max_body_bytes {
            self.response = ResponseMode::Skip;
            return self.fail(
                plugin,
                host,
                Phase::Response,
                Reason::Unavailable,
                "response_too_large",
                "the response body is over max_body_bytes and was not inspected",
            );
        }
        // Kong never sets eos for a content-length response: complete when all bytes are there.
        let complete = end_of_stream || expected_len.is_some_and(|n| body_size >= n);
        if !complete {
            return Flow::Pause;
        }
        self.response = ResponseMode::Skip;
        if body_size == 0 {
            return Flow::Continue;
        }
        let Some(body) = host.response_body(body_size) else {
            return self.fail(
                plugin,
                host,
                Phase::Response,
                Reason::Unavailable,
                "unreadable_body",
                "the response body could not be read",
            );
        };
        let view = match crate::views::response(
            self.info.request_id.as_deref(),
            self.info.api,
            &body,
            &plugin.limits(),
        ) {
            Ok(v) => v,
            Err(e) => {
                return self.fail(
                    plugin,
                    host,
                    Phase::Response,
                    Reason::Unavailable,
                    "unparseable_body",
                    &format!("the response body is not valid JSON: {e}"),
                )
            }
        };
        if view.error {
            return Flow::Continue;
        }
        host.increment_counter(&plugin.names.bytes_scanned_total, body.len() as u64);
        let started = host.now();
        let verdict = self.decide_json_response(plugin, host, &view, &body);
        record_work(plugin, host, started);
        let verdict = match verdict {
            Ok(v) => v,
            Err(e) => {
                return self.fail(
                    plugin,
                    host,
                    Phase::Response,
                    Reason::Unavailable,
                    "internal",
                    &e,
                )
            }
        };
        let enforce = plugin.common.mode == Mode::Enforce;
        let text_of = |i: usize| view.segments.get(i).map(|s| s.text.as_str());
        match &verdict.decision {
            Decision::Allow => self.record(
                plugin,
                host,
                &verdict,
                Phase::Response,
                false,
                None,
                &text_of,
            ),
            Decision::Block(block) if enforce => {
                let new_body = reply::response_error_body(
                    self.info.api,
                    block,
                    self.info.request_id.as_deref(),
                    F::NAME,
                );
                host.replace_response_body(body_size, &new_body);
                self.record(
                    plugin,
                    host,
                    &verdict,
                    Phase::Response,
                    true,
                    Some(block.reason.status()),
                    &text_of,
                );
            }
            Decision::Rewrite(_) | Decision::ReplaceBody(_) if enforce => {
                match new_body(&verdict.decision, &body, Some(&view.segments)) {
                    Ok(new_body) => {
                        host.replace_response_body(body_size, &new_body);
                        self.record(
                            plugin,
                            host,
                            &verdict,
                            Phase::Response,
                            true,
                            None,
                            &text_of,
                        );
                    }
                    Err(e) => {
                        return self.fail(
                            plugin,
                            host,
                            Phase::Response,
                            Reason::Unavailable,
                            "internal",
                            &format!("rewrite failed: {e}"),
                        )
                    }
                }
            }
            _ => self.record(
                plugin,
                host,
                &verdict,
                Phase::Response,
                false,
                None,
                &text_of,
            ),
        }
        Flow::Continue
    }

    /// `on_output` for each segment, then `on_response`; merged into one verdict
    /// (a block wins; rewrites and findings add up).
    fn decide_json_response(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        view: &ResponseView,
        body: &[u8],
    ) -> Result<Verdict, String> {
        let mut merged = Verdict::allow();
        let mut edits: Vec<TextEdit> = Vec::new();
        let mut block: Option<Block> = None;
        let mut replacement: Option<Vec<u8>> = None;
        let segments = if plugin.filter.inspects_output() {
            &view.segments[..]
        } else {
            &[]
        };
        for (i, seg) in segments.iter().enumerate() {
            let output = Output {
                choice: seg.choice_index.unwrap_or(0),
                kind: seg.kind,
                tool_call: None,
                text: &seg.text,
                new_from: 0,
                is_final: true,
                streamed: false,
            };
            let mut cx = Cx::new(&mut self.state, &self.info, host as &dyn Host, F::NAME);
            let v = plugin.filter.on_output(&mut cx, &output).map_err(|e| e.0)?;
            merged.findings.extend(v.findings.into_iter().map(|mut f| {
                if let Some((_, r)) = f.location.take() {
                    f.location = Some((i, r));
                }
                f
            }));
            match v.decision {
                Decision::Allow => {}
                Decision::Rewrite(es) => {
                    edits.extend(es.into_iter().map(|e| TextEdit { segment: i, ..e }))
                }
                Decision::ReplaceBody(_) => {
                    return Err("on_output cannot replace the body; use on_response".into())
                }
                Decision::Block(b) => {
                    block.get_or_insert(b);
                }
            }
        }
        let mut cx =
            Cx::new(&mut self.state, &self.info, host as &dyn Host, F::NAME).with_body(body);
        let v = plugin.filter.on_response(&mut cx, view).map_err(|e| e.0)?;
        merged.findings.extend(v.findings);
        match v.decision {
            Decision::Allow => {}
            Decision::Rewrite(es) => edits.extend(es),
            Decision::ReplaceBody(b) => replacement = Some(b),
            Decision::Block(b) => {
                block.get_or_insert(b);
            }
        }
        merged.decision = match (block, replacement, edits.is_empty()) {
            (Some(b), _, _) => Decision::Block(b),
            (None, Some(_), false) => {
                return Err("a body replacement and text edits cannot be combined".into())
            }
            (None, Some(r), true) => Decision::ReplaceBody(r),
            (None, None, false) => Decision::Rewrite(edits),
            (None, None, true) => Decision::Allow,
        };
        Ok(merged)
    }

    fn stream_chunk(
        &mut self,
        plugin: &Plugin<F>,
        host: &dyn HttpHost,
        body_size: usize,
        end_of_stream: bool,
    ) -> Flow {
        let chunk = if body_size == 0 {
            Vec::new()
        } else {
            match host.response_body(body_size) {
                Some(c) => c,
                None => {
                    self.response = ResponseMode::Skip;
                    return self.fail(
                        plugin,
                        host,
                        Phase::Stream,
                        Reason::Unavailable,
                        "unreadable_body",
                        "a response chunk could not be read",
                    );
                }
            }
        };
        host.increment_counter(&plugin.names.bytes_scanned_total, chunk.len() as u64);
        let ResponseMode::Stream(mut proc) =
            std::mem::replace(&mut self.response, ResponseMode::Skip)
        else {
            return Flow::Continue;
        };
        let enforce = plugin.common.mode == Mode::Enforce;
        let started = host.now();
        let mut failure: Option<String> = None;
        let mut decide = |this: &mut Self, output: &Output| -> Look {
            let hold_only = Cell::new(None);
            let mut cx = Cx::new(&mut this.state, &this.info, host as &dyn Host, F::NAME)
                .with_hold_only(&hold_only);
            let verdict = match plugin.filter.on_output(&mut cx, output) {
                Ok(v) => v,
                Err(e) => {
                    failure.get_or_insert(e.0);
                    return StreamAction::Keep.into();
                }
            };
            let text_of = |_: usize| Some(output.text);
            let action = match &verdict.decision {
                Decision::Allow => {
                    this.record(plugin, host, &verdict, Phase::Stream, false, None, &text_of);
                    StreamAction::Keep
                }
                Decision::ReplaceBody(_) => {
                    failure.get_or_insert("a streamed response cannot be replaced whole".into());
                    StreamAction::Keep
                }
                Decision::Block(b) if enforce => {
                    this.record(plugin, host, &verdict, Phase::Stream, true, None, &text_of);
                    StreamAction::Terminate(b.clone())
                }
                Decision::Rewrite(edits) if enforce => {
                    this.record(plugin, host, &verdict, Phase::Stream, true, None, &text_of);
                    StreamAction::Rewrite(
                        edits
                            .iter()
                            .map(|e| (e.range.clone(), e.replacement.clone()))
                            .collect(),
                    )
                }
                _ => {
                    this.record(plugin, host, &verdict, Phase::Stream, false, None, &text_of);
                    StreamAction::Keep
                }
            };
            Look {
                action,
                hold_only: hold_only.get(),
            }
        };
        let result = proc.push(&chunk, end_of_stream, &mut |o| decide(self, o));
        record_work(plugin, host, started);
        let out = match result {
            Ok(out) => out,
            Err(e) => {
                // Undecodable stream, or a rewrite that cannot be applied: fail closed ends the
                // stream with an error event; fail open passes the rest through untouched.
                let closed = enforce && plugin.common.on_error == OnError::FailClosed;
                let out = if closed {
                    let mut out = proc.take_output();
                    out.extend(proc.error_event(&Block::new(
                        Reason::Unavailable,
                        "the response stream could not be inspected",
                    )));
                    out
                } else {
                    proc.drain_unprocessed()
                };
                let kind = match e {
                    StreamError::Decode(_) => "unparseable_stream",
                    StreamError::Edit(_) => "internal",
                };
                self.fail(
                    plugin,
                    host,
                    Phase::Stream,
                    Reason::Unavailable,
                    kind,
                    &format!("the response stream could not be processed: {e}"),
                );
                self.response = if closed {
                    ResponseMode::Drop
                } else {
                    ResponseMode::Skip
                };
                host.replace_response_body(body_size, &out);
                return Flow::Continue;
            }
        };
        if let Some(message) = failure {
            self.fail(
                plugin,
                host,
                Phase::Stream,
                Reason::Unavailable,
                "internal",
                &message,
            );
        }
        let terminated = proc.is_terminated();
        let finished = end_of_stream && !terminated;
        if finished {
            let view = proc.assembled_view(self.info.model.clone());
            let mut cx = Cx::new(&mut self.state, &self.info, host as &dyn Host, F::NAME);
            match plugin.filter.on_response(&mut cx, &view) {
                Ok(verdict) => {
                    let block = match &verdict.decision {
                        Decision::Block(b) if enforce => Some(b.clone()),
                        _ => None,
                    };
                    self.record(
                        plugin,
                        host,
                        &verdict,
                        Phase::Stream,
                        block.is_some(),
                        None,
                        &|_| None,
                    );
                    if let Some(b) = block {
                        let mut out = out;
                        out.extend(proc.error_event(&b));
                        host.replace_response_body(body_size, &out);
                        return Flow::Continue;
                    }
                }
                Err(e) => {
                    self.fail(
                        plugin,
                        host,
                        Phase::Stream,
                        Reason::Unavailable,
                        "internal",
                        &e.0,
                    );
                }
            }
        }
        if out != chunk {
            host.replace_response_body(body_size, &out);
        }
        self.response = if terminated {
            ResponseMode::Drop
        } else {
            ResponseMode::Stream(proc)
        };
        Flow::Continue
    }
}

/// Whether `name` is among `headers`, whatever its value (even empty).
fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// The downstream connection's address (`ip:port`), if the host has one.
fn source_address(host: &dyn Host) -> Option<String> {
    host.property(&["source", "address"])
        .and_then(|v| String::from_utf8(v).ok())
}

fn record_work<F: Filter>(plugin: &Plugin<F>, host: &dyn Host, started: std::time::SystemTime) {
    let micros = host
        .now()
        .duration_since(started)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    host.record_histogram(&plugin.names.work_us, micros);
}

/// The body a rewrite decision produces: segment edits applied, or the filter's replacement.
fn new_body(
    decision: &Decision,
    body: &[u8],
    segments: Option<&[Segment]>,
) -> Result<Vec<u8>, String> {
    match decision {
        Decision::Rewrite(edits) => segments
            .ok_or_else(|| "no segments to rewrite".to_string())
            .and_then(|segs| rewrite_body(body, segs, edits)),
        Decision::ReplaceBody(replacement) => Ok(replacement.clone()),
        Decision::Allow | Decision::Block(_) => Err("the decision rewrites nothing".into()),
    }
}

/// Applies segment edits to a JSON body: each edited segment's text is rebuilt and re-encoded
/// in place by the core (every other byte is kept).
pub fn rewrite_body(
    body: &[u8],
    segments: &[Segment],
    edits: &[TextEdit],
) -> Result<Vec<u8>, String> {
    let mut by_segment: Vec<(usize, RangeEdits)> = Vec::new();
    for e in edits {
        if e.segment >= segments.len() {
            return Err(format!(
                "edit names segment {} of {}",
                e.segment,
                segments.len()
            ));
        }
        match by_segment.iter_mut().find(|(s, _)| *s == e.segment) {
            Some((_, list)) => list.push((e.range.clone(), e.replacement.clone())),
            None => by_segment.push((e.segment, vec![(e.range.clone(), e.replacement.clone())])),
        }
    }
    let mut core_edits = Vec::with_capacity(by_segment.len());
    for (i, mut list) in by_segment {
        list.sort_by_key(|(r, _)| (r.start, r.end));
        let seg = &segments[i];
        let text =
            apply_text_edits(&seg.text, &list).map_err(|e| format!("segment {i}: {}", e.0))?;
        core_edits.push(Edit::new(seg.span.clone(), text));
    }
    core_edits.sort_by_key(|e| e.span.start);
    apply_edits(body, &core_edits).map_err(|e| e.to_string())
}
