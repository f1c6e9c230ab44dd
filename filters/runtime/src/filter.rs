//! The filter-author API: implement [`Filter`], export it with [`crate::export_filter!`].

use std::cell::{Cell, RefCell};
use std::time::SystemTime;

use parapet_core::{Api, RequestView, ResponseView, SegmentKind};
use serde::de::DeserializeOwned;

use crate::config::{Common, ConfigError, OnError};
use crate::host::{Host, Level};
use crate::identity::{self, Identity};
use crate::verdict::{Outcome, Verdict};

/// A Parapet filter: its policy and nothing else.
///
/// The runtime parses the config, matches routes, buffers and parses bodies, calls these hooks,
/// applies the verdicts (or only logs them in monitor mode), sends provider-shaped errors,
/// emits security events and metrics, and handles failures per `on_error`.
pub trait Filter: Sized + 'static {
    /// The filter's name: events, metrics (`parapet_<name>_...`) and shared findings use it.
    const NAME: &'static str;
    /// `on_error` when the config does not say (blocking filters: `FailClosed`).
    const DEFAULT_ON_ERROR: OnError = OnError::FailClosed;
    /// Default `stream.hold_back_bytes`: how much streamed output `on_output` can still rewrite
    /// after seeing it (the longest pattern you must catch across events, minus one).
    const DEFAULT_HOLD_BACK_BYTES: usize = 0;

    /// The filter's own config section (use `#[serde(deny_unknown_fields, default)]`).
    type Config: DeserializeOwned;
    /// Per-request scratch state (use `()` when none).
    type State: Default + 'static;

    /// Builds the filter from its config. Return `ConfigError::at("field.path", "...")` for
    /// semantic errors (bad regex, out-of-range threshold).
    fn new(config: Self::Config, common: &Common) -> Result<Self, ConfigError>;

    /// Whether `on_request` may return a rewrite. When true (and in enforce mode) the runtime
    /// removes `content-length` in the request-headers phase; a rewrite that changes the body
    /// size without it is refused (it would desync the upstream connection).
    fn may_rewrite_request(&self) -> bool {
        false
    }

    /// Whether responses must be inspected (`on_response` / `on_output`). When false the
    /// response passes untouched and unbuffered.
    fn inspects_responses(&self) -> bool {
        false
    }

    /// Whether `on_output` looks at model output. Return false when the filter decides on
    /// responses only in `on_response` (policy's response rules): `on_output` is then never
    /// called, and streamed events are still decoded for the view `on_response` gets at the
    /// end but pass on as they arrive, without being split into channels or held back.
    fn inspects_output(&self) -> bool {
        true
    }

    /// Whether this request's response must be inspected, asked when its headers arrive, after
    /// `on_request` filled the request's state. Return false when the request left the
    /// response hooks nothing to do (schema-guard without an output contract): the response
    /// then passes untouched, unbuffered and undecoded, as with [`Filter::inspects_responses`]
    /// false. Defaults to [`Filter::inspects_responses`].
    fn inspects_response_to(&self, _state: &Self::State) -> bool {
        self.inspects_responses()
    }

    /// Whether bodies the core does not recognise as an LLM API (generic JSON) reach
    /// `on_request` even when `match.providers` does not list `generic` — for filters whose
    /// policy applies to any JSON body (a configured request schema). When false, such bodies
    /// follow `unknown_api`.
    fn inspects_unknown_apis(&self) -> bool {
        false
    }

    /// Whether the filter's hooks read the caller's identity (`cx.identity()`,
    /// `cx.request.identity`, `cx.request.source_address`). When false, the runtime resolves
    /// the identity only for the events it logs: with the default source (`source_address`)
    /// that is one host call (`source.address`, among the dearest in Envoy) fewer per request,
    /// and `cx.identity()` is `None` in the hooks.
    fn needs_identity(&self) -> bool {
        false
    }

    /// How many bytes of streamed output to hold back (per channel) so `on_output` can still
    /// rewrite or stop them: derive it from the longest pattern you must catch across events.
    /// The runtime never holds more than `common.hold_back_bytes` (the operator's cap,
    /// `stream.hold_back_bytes`). The default holds the whole cap.
    fn stream_window(&self, common: &Common) -> usize {
        common.hold_back_bytes
    }

    /// The request body, parsed. Called once per request that has a body and matches.
    fn on_request(&self, cx: &mut Cx<Self::State>, request: &RequestView) -> Outcome;

    /// A whole response: a JSON body, or at the end of a stream a view assembled from it
    /// (segments joined per channel, tool calls, usage; spans empty). For streams, only a
    /// block has an effect here (an error event is appended); use `on_output` to rewrite.
    fn on_response(&self, _cx: &mut Cx<Self::State>, _response: &ResponseView) -> Outcome {
        Ok(Verdict::allow())
    }

    /// Model output text, the same way for JSON bodies and streams: once per output segment
    /// of a JSON response (`is_final` true), and for streams each time new text arrives on a
    /// channel, with the still-unreleased text (the hold-back window plus the new text).
    /// Edits (`TextEdit::at`) and finding locations are byte ranges in `output.text`.
    fn on_output(&self, _cx: &mut Cx<Self::State>, _output: &Output) -> Outcome {
        Ok(Verdict::allow())
    }
}

/// One channel of model output handed to [`Filter::on_output`].
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// Choice / candidate index.
    pub choice: usize,
    /// `Output`, `Refusal`, `ToolCallArguments`, `ToolCallName` or `Other` (reasoning).
    pub kind: SegmentKind,
    /// Tool call index for tool-call channels.
    pub tool_call: Option<usize>,
    /// The text not yet released to the client (whole segment for JSON).
    pub text: &'a str,
    /// Offset in `text` where text not shown to `on_output` before starts.
    pub new_from: usize,
    /// No more text will follow on this channel.
    pub is_final: bool,
    /// True for streamed responses.
    pub streamed: bool,
}

/// Facts about the request, captured in the request-headers phase (Envoy makes request headers
/// unreadable afterwards).
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub method: String,
    /// Path including the query string (never log it: queries can carry keys).
    pub path: String,
    pub authority: String,
    /// `x-request-id`, echoed in local replies and events.
    pub request_id: Option<String>,
    /// All request headers, lower-case names.
    pub headers: Vec<(String, String)>,
    pub identity: Option<Identity>,
    /// The `source.address` property (the downstream peer, `ip:port`), read once per request.
    pub source_address: Option<String>,
    /// The API (from the path; refined from the body shape when the path says nothing).
    pub api: Api,
    /// The model named in the request body, once parsed.
    pub model: Option<String>,
    /// The request asked for a streamed response (body `stream` flag or streaming path).
    pub streaming: bool,
}

impl RequestInfo {
    /// A request header (captured in the headers phase), case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        identity::header(&self.headers, name)
    }
}

/// What a hook gets besides the parsed body: request facts, per-request state, host services,
/// the raw body, and a way to add headers to the client's response.
pub struct Cx<'a, S> {
    /// The filter's per-request state.
    pub state: &'a mut S,
    pub request: &'a RequestInfo,
    pub(crate) host: &'a dyn Host,
    pub(crate) filter: &'static str,
    pub(crate) body: Option<&'a [u8]>,
    pub(crate) response_headers: Option<&'a RefCell<Vec<(String, String)>>>,
    pub(crate) hold_only: Option<&'a Cell<Option<usize>>>,
}

impl<'a, S> Cx<'a, S> {
    /// Assembles a context (the runtime does this; tests of a filter may too).
    pub fn new(
        state: &'a mut S,
        request: &'a RequestInfo,
        host: &'a dyn Host,
        filter: &'static str,
    ) -> Self {
        Cx {
            state,
            request,
            host,
            filter,
            body: None,
            response_headers: None,
            hold_only: None,
        }
    }

    /// The same context with the raw body (the runtime sets it in `on_request` and in
    /// `on_response` for JSON bodies).
    pub fn with_body(mut self, body: &'a [u8]) -> Self {
        self.body = Some(body);
        self
    }

    /// The same context with a list that collects [`Cx::add_response_header`] calls.
    pub fn with_response_headers(mut self, headers: &'a RefCell<Vec<(String, String)>>) -> Self {
        self.response_headers = Some(headers);
        self
    }

    /// The raw body the parsed view was built from: the request body in `on_request`, the
    /// JSON response body in `on_response`. `None` for streams and in `on_output`. Use it for
    /// whole-body work the view does not cover (schema validation of the raw JSON, a body
    /// rewrite with [`crate::Verdict::replace_body`]); prefer the view for text.
    pub fn body(&self) -> Option<&'a [u8]> {
        self.body
    }

    /// Adds a header to the response the client receives: the upstream's response (added in
    /// the response-headers phase) or this filter's local reply if the request is blocked.
    ///
    /// Only possible while the response headers have not been sent, i.e. from `on_request`:
    /// proxies send response headers before the response body is seen (Envoy refuses header
    /// changes after the headers phase), so from response hooks this returns `false` and the
    /// header is dropped (put response-phase annotations in findings and events instead).
    /// Upstream request headers cannot be added from `on_request` for the same reason.
    pub fn add_response_header(&self, name: &str, value: &str) -> bool {
        match self.response_headers {
            Some(list) => {
                list.borrow_mut()
                    .push((name.to_ascii_lowercase(), value.to_string()));
                true
            }
            None => {
                self.debug(&format!(
                    "response header {name} dropped: response headers are already sent"
                ));
                false
            }
        }
    }

    /// The same context with a cell that collects [`Cx::hold_only_last`] (the runtime sets it
    /// for stream looks).
    pub fn with_hold_only(mut self, cell: &'a Cell<Option<usize>>) -> Self {
        self.hold_only = Some(cell);
        self
    }

    /// From `on_output` on a stream: only the last `bytes` of `output.text` can still change
    /// this filter's decisions (a value or phrase that may still be completing, with the
    /// context it will be judged on); everything before is decided. The runtime then releases
    /// the events before that tail now instead of after a whole hold-back window
    /// ([`Filter::stream_window`]) of later text: the client sees the first tokens sooner. It
    /// never holds more than the window, and a look that does not call this holds the whole
    /// window. Claim only what you have decided: text released early cannot be rewritten.
    pub fn hold_only_last(&self, bytes: usize) {
        if let Some(cell) = self.hold_only {
            cell.set(Some(bytes));
        }
    }

    /// The caller's identity, if one of the configured sources yielded one.
    pub fn identity(&self) -> Option<&Identity> {
        self.request.identity.as_ref()
    }

    /// Host services: time, shared data (with CAS), properties, logs.
    pub fn host(&self) -> &dyn Host {
        self.host
    }

    pub fn now(&self) -> SystemTime {
        self.host.now()
    }

    /// Publishes a finding for later filters of this request: `parapet.<this filter>.<field>`.
    /// The runtime already publishes `action`, `categories` and `rule_ids` for every decision.
    pub fn share(&self, field: &str, value: &str) {
        crate::findings::publish(self.host, self.filter, field, value);
    }

    /// Reads a finding an earlier filter of this request published (`None` if that filter did
    /// not run or did not set it). Clients cannot set these: see `findings`.
    pub fn finding_of(&self, filter: &str, field: &str) -> Option<String> {
        crate::findings::read(self.host, filter, field)
    }

    /// A debug log line prefixed with the filter name. Never log request content.
    pub fn debug(&self, message: &str) {
        self.host
            .log(Level::Debug, &format!("{}: {message}", self.filter));
    }
}
