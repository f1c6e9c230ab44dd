//! What a test sends (requests, upstream answers) and what it reads back (outcomes).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Header list in wire order; names are lower-case, pseudo-headers (`:path`) first.
pub type Headers = Vec<(String, String)>;

/// Finds the first value of `name` (case-insensitive) in a header list.
pub fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// How a body is cut into the pieces the proxy delivers to the filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Chunking {
    /// The whole body in one piece.
    #[default]
    Whole,
    /// Pieces of these sizes; bytes left over form one last piece.
    Sizes(Vec<usize>),
}

impl Chunking {
    /// Cuts `body` into pieces (never returns empty pieces; an empty body gives none).
    pub fn split<'a>(&self, body: &'a [u8]) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        let mut rest = body;
        if let Chunking::Sizes(sizes) = self {
            for &size in sizes {
                if rest.is_empty() {
                    break;
                }
                let take = size.min(rest.len());
                if take == 0 {
                    continue;
                }
                out.push(&rest[..take]);
                rest = &rest[take..];
            }
        }
        if !rest.is_empty() {
            out.push(rest);
        }
        out
    }
}

/// Something usable as a JSON body: JSON text (`&str`, `String`) is sent as written, a
/// `serde_json::Value` is serialised.
pub trait JsonBody {
    /// The JSON text.
    fn json_text(&self) -> String;
}
impl JsonBody for &str {
    fn json_text(&self) -> String {
        (*self).to_string()
    }
}
impl JsonBody for String {
    fn json_text(&self) -> String {
        self.clone()
    }
}
impl JsonBody for &String {
    fn json_text(&self) -> String {
        (*self).clone()
    }
}
impl JsonBody for serde_json::Value {
    fn json_text(&self) -> String {
        self.to_string()
    }
}
impl JsonBody for &serde_json::Value {
    fn json_text(&self) -> String {
        self.to_string()
    }
}

/// A client request, as a client such as curl sends it to the proxy.
///
/// `content-length` is added for a non-empty body unless [`Request::no_content_length`] is
/// used (curl does the same), so body-rewriting filters meet the same Content-Length pitfall
/// as in Envoy.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub authority: String,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub chunking: Chunking,
    pub trailers: Headers,
    pub add_content_length: bool,
}

impl Request {
    /// A request with this method and path (`:authority` is `localhost`).
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.to_string(),
            path: path.to_string(),
            authority: "localhost".to_string(),
            headers: Vec::new(),
            body: Vec::new(),
            chunking: Chunking::Whole,
            trailers: Vec::new(),
            add_content_length: true,
        }
    }
    pub fn get(path: &str) -> Request {
        Request::new("GET", path)
    }
    pub fn post(path: &str) -> Request {
        Request::new("POST", path)
    }
    /// Adds a header (the name is lower-cased as Envoy's HTTP/1 codec does).
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
    pub fn authority(mut self, authority: &str) -> Request {
        self.authority = authority.to_string();
        self
    }
    /// Raw body bytes.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }
    /// JSON body; also sets `content-type: application/json` unless a content-type is set.
    pub fn json_body(mut self, body: impl JsonBody) -> Request {
        self.body = body.json_text().into_bytes();
        if header_value(&self.headers, "content-type").is_none() {
            self.headers
                .push(("content-type".into(), "application/json".into()));
        }
        self
    }
    /// Delivers the body in pieces of these sizes (the rest as a last piece).
    pub fn chunks(mut self, sizes: Vec<usize>) -> Request {
        self.chunking = Chunking::Sizes(sizes);
        self
    }
    /// Sets the body to the concatenation of `pieces`, delivered one piece per call.
    pub fn body_chunks<S: AsRef<[u8]>>(mut self, pieces: Vec<S>) -> Request {
        self.body = pieces.iter().flat_map(|p| p.as_ref().to_vec()).collect();
        self.chunking = Chunking::Sizes(pieces.iter().map(|p| p.as_ref().len()).collect());
        self
    }
    pub fn trailer(mut self, name: &str, value: &str) -> Request {
        self.trailers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }
    /// Do not add `content-length` (the body then travels chunked).
    pub fn no_content_length(mut self) -> Request {
        self.add_content_length = false;
        self
    }
}

/// What the upstream saw, passed to an [`Upstream::handler`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpstreamRequest {
    /// Headers including the pseudo-headers `:method`, `:path`, `:authority`.
    pub headers: Headers,
    pub body: Vec<u8>,
    pub trailers: Headers,
    /// The proxy reset the upstream request before its end (the filter blocked in the body
    /// phase after the headers had gone upstream, as Envoy does).
    pub reset: bool,
}

impl UpstreamRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// An HTTP response: what the upstream sends, or what a dispatched call gets back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub chunking: Chunking,
    pub trailers: Headers,
}

type UpstreamFn = dyn Fn(&UpstreamRequest) -> Reply + Send + Sync;

/// The upstream service behind the chain: a fixed reply or a function of the request.
#[derive(Clone)]
pub struct Upstream {
    kind: UpstreamKind,
}

#[derive(Clone)]
enum UpstreamKind {
    Fixed(Reply),
    Handler(Arc<UpstreamFn>),
}

impl fmt::Debug for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            UpstreamKind::Fixed(r) => f.debug_tuple("Upstream").field(r).finish(),
            UpstreamKind::Handler(_) => f.write_str("Upstream(handler)"),
        }
    }
}

impl Default for Upstream {
    /// 200 with an empty JSON object, the CLI's default upstream.
    fn default() -> Self {
        Upstream::json(200, "{}")
    }
}

impl Upstream {
    /// A reply with `content-length` (as a typical server sends).
    pub fn new(status: u16) -> Upstream {
        Upstream::from_reply(Reply {
            status,
            ..Reply::default()
        })
    }
    pub fn from_reply(reply: Reply) -> Upstream {
        Upstream {
            kind: UpstreamKind::Fixed(reply),
        }
    }
    /// `content-type: application/json` and this body text.
    pub fn json(status: u16, body: impl JsonBody) -> Upstream {
        Upstream::new(status)
            .header("content-type", "application/json")
            .body(body.json_text())
    }
    pub fn text(status: u16, body: &str) -> Upstream {
        Upstream::new(status)
            .header("content-type", "text/plain")
            .body(body)
    }
    /// A server-sent-events stream: one body chunk per element, no content-length
    /// (chunked transfer), `content-type: text/event-stream`.
    pub fn sse<S: AsRef<[u8]>>(status: u16, chunks: Vec<S>) -> Upstream {
        Upstream::new(status)
            .header("content-type", "text/event-stream")
            .body_chunks(chunks)
    }
    /// Answers with whatever `f` returns for the request the upstream received.
    pub fn handler(f: impl Fn(&UpstreamRequest) -> Reply + Send + Sync + 'static) -> Upstream {
        Upstream {
            kind: UpstreamKind::Handler(Arc::new(f)),
        }
    }
    /// Answers 200 with a JSON echo of what it received:
    /// `{"method","path","headers":{name:value},"body"}`.
    pub fn echo() -> Upstream {
        Upstream::handler(|req| {
            let headers: serde_json::Map<String, serde_json::Value> = req
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let body = serde_json::json!({
                "method": req.header(":method"),
                "path": req.header(":path"),
                "headers": headers,
                "body": req.body_str(),
            });
            Reply {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_string().into_bytes(),
                ..Reply::default()
            }
        })
    }
    fn map_fixed(mut self, f: impl FnOnce(&mut Reply)) -> Upstream {
        if let UpstreamKind::Fixed(reply) = &mut self.kind {
            f(reply);
        }
        self
    }
    pub fn header(self, name: &str, value: &str) -> Upstream {
        let (name, value) = (name.to_ascii_lowercase(), value.to_string());
        self.map_fixed(|r| r.headers.push((name, value)))
    }
    pub fn body(self, body: impl Into<Vec<u8>>) -> Upstream {
        let body = body.into();
        self.map_fixed(|r| r.body = body)
    }
    /// Streams the body in pieces of these sizes.
    pub fn chunks(self, sizes: Vec<usize>) -> Upstream {
        self.map_fixed(|r| r.chunking = Chunking::Sizes(sizes))
    }
    /// Body = concatenation of `pieces`, one piece per chunk; the response is sent chunked
    /// (no content-length).
    pub fn body_chunks<S: AsRef<[u8]>>(self, pieces: Vec<S>) -> Upstream {
        let body: Vec<u8> = pieces.iter().flat_map(|p| p.as_ref().to_vec()).collect();
        let sizes = pieces.iter().map(|p| p.as_ref().len()).collect();
        self.map_fixed(|r| {
            r.body = body;
            r.chunking = Chunking::Sizes(sizes);
            r.headers
                .push(("transfer-encoding".into(), "chunked".into()));
        })
    }
    pub fn trailer(self, name: &str, value: &str) -> Upstream {
        let (name, value) = (name.to_ascii_lowercase(), value.to_string());
        self.map_fixed(|r| r.trailers.push((name, value)))
    }
    /// The reply for `request`; adds `content-length` unless the reply is chunked.
    pub fn reply_to(&self, request: &UpstreamRequest) -> Reply {
        let mut reply = match &self.kind {
            UpstreamKind::Fixed(r) => r.clone(),
            UpstreamKind::Handler(f) => f(request),
        };
        if header_value(&reply.headers, "transfer-encoding").is_none()
            && header_value(&reply.headers, "content-length").is_none()
        {
            reply
                .headers
                .push(("content-length".into(), reply.body.len().to_string()));
        }
        reply
    }
}

/// Log level of a guest log line (proxy-wasm `LogLevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

impl Level {
    pub(crate) fn from_abi(level: i32) -> Level {
        match level {
            0 => Level::Trace,
            1 => Level::Debug,
            2 => Level::Info,
            3 => Level::Warn,
            4 => Level::Error,
            _ => Level::Critical,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }
}

/// One captured log line. `filter` is the filter name; lines the harness itself writes
/// (unimplemented host calls, Content-Length mismatches, ...) start with `harness:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub filter: String,
    pub level: Level,
    pub message: String,
}

/// A local reply (`send_local_response`, or the host's 503 after a trap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalReply {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
    /// The filter that sent it.
    pub filter: String,
    /// Envoy's response code details (`wasm_fail_stream` for a trap).
    pub details: String,
}

impl LocalReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A trap (guest panic, `unreachable`, out-of-bounds, proc_exit) in a filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    pub filter: String,
    /// The callback that trapped, e.g. `proxy_on_request_body`.
    pub callback: String,
    pub message: String,
}

/// What the client received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientResponse {
    /// 0 if no response headers reached the client.
    pub status: u16,
    /// Without `:status`.
    pub headers: Headers,
    pub body: Vec<u8>,
    pub trailers: Headers,
    /// `chunks[i]` = body bytes the client got while upstream chunk `i` went through the
    /// chain; the last entry is what it got at the end of the stream. Empty for local replies.
    pub chunks: Vec<Vec<u8>>,
    /// The stream was reset (no complete response).
    pub reset: bool,
}

impl ClientResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
    pub fn body_str(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Current value of a metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricValue {
    Counter(u64),
    Gauge(i64),
    Histogram(Histogram),
}

/// A histogram's summary, as Envoy keeps one: count and sum of every sample, plus the most
/// recent samples for assertions. Bounded, so a long run (a benchmark loop, a replay) does
/// not grow memory or make every [`crate::Outcome`] copy every sample ever recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Samples recorded since the metric was defined.
    pub count: u64,
    /// Their sum (saturating).
    pub sum: u64,
    /// The last [`Histogram::RECENT`] samples, oldest first.
    pub recent: Vec<u64>,
}

impl Histogram {
    /// How many recent samples are kept.
    pub const RECENT: usize = 64;

    /// Records one sample.
    pub fn record(&mut self, value: u64) {
        self.count += 1;
        self.sum = self.sum.saturating_add(value);
        if self.recent.len() == Self::RECENT {
            self.recent.remove(0);
        }
        self.recent.push(value);
    }
}

impl MetricValue {
    /// Counter or gauge value; for a histogram, the number of samples.
    pub fn value(&self) -> i64 {
        match self {
            MetricValue::Counter(v) => *v as i64,
            MetricValue::Gauge(v) => *v,
            MetricValue::Histogram(h) => h.count as i64,
        }
    }
}

/// Everything a test wants to know about one request through the chain.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The complete request (through end of stream) reached the upstream.
    pub reached_upstream: bool,
    /// What the upstream received, if at least the headers got there.
    pub upstream_request: Option<UpstreamRequest>,
    pub local_reply: Option<LocalReply>,
    pub response: ClientResponse,
    pub logs: Vec<LogEntry>,
    /// Every metric of the chain after this stream (cumulative over the chain's life).
    pub metrics: BTreeMap<String, MetricValue>,
    pub trap: Option<Trap>,
    /// Filter state of the stream (`wasm.<name>` keys from set_property, plus keys set with
    /// the `set_envoy_filter_state` foreign function).
    pub filter_state: BTreeMap<String, Vec<u8>>,
}

impl Outcome {
    /// The upstream request; panics with a readable message if nothing reached the upstream
    /// (test helper).
    pub fn upstream(&self) -> &UpstreamRequest {
        match &self.upstream_request {
            Some(u) => u,
            None => panic!(
                "nothing reached the upstream; local reply: {:?}, trap: {:?}",
                self.local_reply, self.trap
            ),
        }
    }
    /// Log lines whose message contains `needle`.
    pub fn logs_containing(&self, needle: &str) -> Vec<&LogEntry> {
        self.logs
            .iter()
            .filter(|l| l.message.contains(needle))
            .collect()
    }
    /// Counter/gauge value (histogram: sample count); `None` if the metric is not defined.
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.metrics.get(name).map(MetricValue::value)
    }
    /// A filter-state value as text (`key` with or without the `wasm.` prefix).
    pub fn filter_state_str(&self, key: &str) -> Option<String> {
        self.filter_state
            .get(key)
            .or_else(|| self.filter_state.get(&format!("wasm.{key}")))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::Histogram;

    #[test]
    fn keeps_count_and_sum_of_every_sample_but_only_the_recent_ones() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v);
        }
        assert_eq!((h.count, h.sum), (1000, 500_500));
        assert_eq!(h.recent.len(), Histogram::RECENT);
        assert_eq!(h.recent.first(), Some(&(1001 - Histogram::RECENT as u64)));
        assert_eq!(h.recent.last(), Some(&1000));
    }
}
