//! Filter chains: configuration ([`ChainBuilder`], [`FilterSpec`]), the VMs behind them, and
//! the stream engine that moves headers, body chunks and trailers through the filters the way
//! Envoy's filter manager does.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::{self, Loaded};
use crate::error::{Error, Result};
use crate::model::{
    header_value, ClientResponse, Headers, Level, LocalReply, LogEntry, MetricValue, Outcome,
    Reply, Request, Trap, Upstream, UpstreamRequest,
};
use crate::profile::HostProfile;
use crate::state::{
    lock, Access, Call, ClusterFn, Effects, HostShared, HttpCallRequest, HttpCallResult,
    PendingCall, StreamAction, StreamInfo, StreamView, VmState,
};
use crate::vm::Vm;

/// What Envoy does when a filter's VM traps (`failure_policy` in the Wasm filter config).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Envoy's default: the trapping request gets 503, and so does every later request
    /// that reaches the filter (the VM is not recreated).
    #[default]
    FailClosed,
    /// The trapping request gets 503; later requests skip the filter (unfiltered!).
    FailOpen,
    /// The trapping request gets 503; later requests get 503 until the reload backoff has
    /// passed (harness clock), then a new VM runs the filter. Shared data survives.
    FailReload,
}

impl std::str::FromStr for FailurePolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "FAIL_CLOSED" | "UNSPECIFIED" => Ok(FailurePolicy::FailClosed),
            "FAIL_OPEN" => Ok(FailurePolicy::FailOpen),
            "FAIL_RELOAD" => Ok(FailurePolicy::FailReload),
            other => Err(format!(
                "unknown failure_policy {other:?} (expected FAIL_CLOSED, FAIL_OPEN or FAIL_RELOAD)"
            )),
        }
    }
}

#[derive(Clone, Debug)]
enum WasmSource {
    Path(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

/// One filter of a chain, as an Envoy `envoy.filters.http.wasm` entry would configure it.
#[derive(Clone, Debug)]
pub struct FilterSpec {
    pub name: String,
    wasm: WasmSource,
    /// Plugin configuration bytes (`config.configuration`), read in on_configure.
    pub config: Vec<u8>,
    /// VM configuration bytes (`vm_config.configuration`), read in on_vm_start.
    pub vm_config: Vec<u8>,
    /// Defaults to the filter name.
    pub root_id: String,
    /// Shared data and queues are shared by filters with the same vm_id. Default "" (as in
    /// Envoy). Filters with the same module, vm_id and vm_config share one VM in Envoy: a
    /// trap in one takes the others down, and the harness does the same.
    pub vm_id: String,
    pub failure_policy: FailurePolicy,
    /// FAIL_RELOAD backoff (Envoy's default is 1 s), measured on the harness clock.
    pub reload_backoff: Duration,
}

/// Bytes of a JSON config: a JSON string is passed as its raw text (like a StringValue with
/// non-JSON content); null gives an empty configuration; anything else is serialised.
pub fn config_bytes(config: &serde_json::Value) -> Vec<u8> {
    match config {
        serde_json::Value::String(s) => s.clone().into_bytes(),
        serde_json::Value::Null => Vec::new(),
        other => other.to_string().into_bytes(),
    }
}

impl FilterSpec {
    pub fn new(name: &str, wasm: impl AsRef<Path>) -> FilterSpec {
        FilterSpec::with_source(name, WasmSource::Path(wasm.as_ref().to_path_buf()))
    }
    pub fn from_bytes(name: &str, wasm: Vec<u8>) -> FilterSpec {
        FilterSpec::with_source(name, WasmSource::Bytes(Arc::new(wasm)))
    }
    fn with_source(name: &str, wasm: WasmSource) -> FilterSpec {
        FilterSpec {
            name: name.to_string(),
            wasm,
            config: Vec::new(),
            vm_config: Vec::new(),
            root_id: name.to_string(),
            vm_id: String::new(),
            failure_policy: FailurePolicy::default(),
            reload_backoff: Duration::from_secs(1),
        }
    }
    /// Plugin configuration from JSON (see [`config_bytes`]).
    pub fn config(mut self, config: serde_json::Value) -> FilterSpec {
        self.config = config_bytes(&config);
        self
    }
    /// Plugin configuration as raw bytes.
    pub fn config_raw(mut self, config: impl Into<Vec<u8>>) -> FilterSpec {
        self.config = config.into();
        self
    }
    pub fn vm_config(mut self, config: impl Into<Vec<u8>>) -> FilterSpec {
        self.vm_config = config.into();
        self
    }
    pub fn root_id(mut self, root_id: &str) -> FilterSpec {
        self.root_id = root_id.to_string();
        self
    }
    pub fn vm_id(mut self, vm_id: &str) -> FilterSpec {
        self.vm_id = vm_id.to_string();
        self
    }
    pub fn failure_policy(mut self, policy: FailurePolicy) -> FilterSpec {
        self.failure_policy = policy;
        self
    }
    pub fn reload_backoff(mut self, backoff: Duration) -> FilterSpec {
        self.reload_backoff = backoff;
        self
    }
    fn bytes(&self) -> Result<Arc<Vec<u8>>> {
        match &self.wasm {
            WasmSource::Bytes(b) => Ok(b.clone()),
            WasmSource::Path(p) => std::fs::read(p).map(Arc::new).map_err(|e| {
                Error::new(format!(
                    "filter {:?}: cannot read {}: {e}",
                    self.name,
                    p.display()
                ))
            }),
        }
    }
}

/// Builds a [`Chain`]:
///
/// ```no_run
/// # fn main() -> parapet_harness::Result<()> {
/// use parapet_harness::{Chain, Request, Upstream};
/// let chain = Chain::builder()
///     .filter("probe", parapet_harness::dist("probe")?, serde_json::json!({}))
///     .vm_env("K", "V")
///     .build()?;
/// let out = chain.run(&Request::post("/v1/chat/completions").json_body("{}"), &Upstream::default())?;
/// assert!(out.reached_upstream);
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct ChainBuilder {
    filters: Vec<FilterSpec>,
    env: Vec<(String, String)>,
    profile: HostProfile,
    clusters: HashMap<String, Arc<ClusterFn>>,
    workers: usize,
    kong: KongLimits,
}

/// Buffer sizes of the Kong profile (nginx / ngx_wasm_module settings).
#[derive(Clone, Copy, Debug)]
pub struct KongLimits {
    /// `client_body_buffer_size` (Kong default 8k): larger request bodies are spooled to a
    /// file and unreadable by filters.
    pub client_body_buffer_size: usize,
    /// Total of `wasm_response_body_buffers` (default `4 4096`): how much a Pause in
    /// on_response_body can accumulate.
    pub response_body_buffers: usize,
}

impl Default for KongLimits {
    fn default() -> Self {
        KongLimits {
            client_body_buffer_size: 8192,
            response_body_buffers: 4 * 4096,
        }
    }
}

impl ChainBuilder {
    /// Buffer sizes used by the Kong profile.
    pub fn kong_limits(mut self, limits: KongLimits) -> Self {
        self.kong = limits;
        self
    }
    /// Adds a filter with a JSON plugin configuration.
    pub fn filter(self, name: &str, wasm: impl AsRef<Path>, config: serde_json::Value) -> Self {
        self.filter_spec(FilterSpec::new(name, wasm).config(config))
    }
    pub fn filter_spec(mut self, spec: FilterSpec) -> Self {
        self.filters.push(spec);
        self
    }
    /// A VM environment variable (Envoy `vm_config.environment_variables`), for every filter.
    pub fn vm_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }
    pub fn profile(mut self, profile: HostProfile) -> Self {
        self.profile = profile;
        self
    }
    /// Declares a cluster for `dispatch_http_call`, answering with `f`.
    pub fn cluster(
        mut self,
        name: &str,
        f: impl Fn(&HttpCallRequest) -> HttpCallResult + Send + Sync + 'static,
    ) -> Self {
        self.clusters.insert(name.to_string(), Arc::new(f));
        self
    }
    /// Declares a cluster that always answers with `reply`.
    pub fn cluster_reply(self, name: &str, reply: Reply) -> Self {
        self.cluster(name, move |_| HttpCallResult::Response(reply.clone()))
    }
    /// Number of Envoy worker threads: each filter gets one VM per worker (default 1).
    /// Streams are spread round-robin; shared data is shared by all of them.
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }
    /// Loads (compile cache), instantiates and configures every filter.
    pub fn build(self) -> Result<Chain> {
        if self.filters.is_empty() {
            return Err(Error::new("a chain needs at least one filter"));
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.filters {
            if !seen.insert(f.name.clone()) {
                return Err(Error::new(format!(
                    "filter name {:?} is used twice",
                    f.name
                )));
            }
        }
        let shared = Arc::new(HostShared::new(self.profile, self.clusters));
        let mut specs = Vec::new();
        for spec in self.filters {
            let bytes = spec.bytes()?;
            let loaded = engine::load(&bytes, self.profile, &format!("filter {:?}", spec.name))?;
            specs.push((spec, loaded));
        }
        let mut inner = Inner {
            kong: self.kong,
            specs,
            env: self.env,
            shared,
            workers: Vec::new(),
            streams: HashMap::new(),
            next_stream: 1,
            next_worker: 0,
            next_uid: 1,
            startup_logs: Vec::new(),
            loose_logs: Vec::new(),
            traps: Vec::new(),
            work: VecDeque::new(),
            held: Vec::new(),
        };
        for w in 0..self.workers.max(1) {
            let mut slots = Vec::new();
            for fi in 0..inner.specs.len() {
                let (vm, uid, logs) = inner.start_vm(fi);
                inner.startup_logs.extend(logs);
                match vm {
                    Ok(vm) => slots.push(Slot {
                        vm: Some(vm),
                        vm_uid: uid,
                        health: Health::Ok,
                        next_ctx: 2,
                        last_tick_ns: inner.shared.monotonic_ns(),
                        starts: 1,
                    }),
                    Err(msg) => {
                        let name = &inner.specs[fi].0.name;
                        let logs: Vec<String> = inner
                            .startup_logs
                            .iter()
                            .filter(|l| l.filter == *name && l.level >= Level::Warn)
                            .map(|l| format!("  [{}] {}", l.level.as_str(), l.message))
                            .collect();
                        let logs = if logs.is_empty() {
                            String::new()
                        } else {
                            format!("; its logs:\n{}", logs.join("\n"))
                        };
                        return Err(Error::new(format!(
                            "filter {name:?} failed to start on worker {w}: {msg}{logs}"
                        )));
                    }
                }
            }
            inner.workers.push(slots);
        }
        Ok(Chain {
            inner: Rc::new(RefCell::new(inner)),
        })
    }
}

/// A configured chain of filters: one Envoy listener's `http_filters` plus its process-wide
/// state (shared data, queues, metrics, clock).
pub struct Chain {
    inner: Rc<RefCell<Inner>>,
}

impl Chain {
    pub fn builder() -> ChainBuilder {
        ChainBuilder::default()
    }

    /// Sends `request` through the chain; if it reaches the upstream whole, `upstream`
    /// answers and the answer goes back through the chain. Ends the stream.
    pub fn run(&self, request: &Request, upstream: &Upstream) -> Result<Outcome> {
        let mut stream = self.stream();
        stream.send_request(request);
        if stream.reached_upstream() {
            stream.respond(upstream)?;
        }
        Ok(stream.finish())
    }

    /// Opens a stream on the next worker (round-robin).
    pub fn stream(&self) -> Stream {
        let id = {
            let mut inner = self.inner.borrow_mut();
            let worker = inner.next_worker % inner.workers.len();
            inner.next_worker += 1;
            inner.open(worker)
        };
        Stream {
            inner: self.inner.clone(),
            id,
        }
    }

    /// Opens a stream on worker `worker` (modulo the number of workers).
    pub fn stream_on_worker(&self, worker: usize) -> Stream {
        let id = {
            let mut inner = self.inner.borrow_mut();
            let worker = worker % inner.workers.len();
            inner.open(worker)
        };
        Stream {
            inner: self.inner.clone(),
            id,
        }
    }

    /// Calls `proxy_on_tick` on every VM that set a tick period.
    pub fn tick(&self) {
        let mut inner = self.inner.borrow_mut();
        let now = inner.shared.monotonic_ns();
        for w in 0..inner.workers.len() {
            for fi in 0..inner.specs.len() {
                let period = inner.workers[w][fi]
                    .vm
                    .as_mut()
                    .map(|vm| vm.state().tick_period_ms)
                    .unwrap_or(0);
                if period > 0 {
                    inner.workers[w][fi].last_tick_ns = now;
                    inner.root_call(w, fi, RootCb::Tick);
                }
            }
        }
        inner.pump();
    }

    /// Moves the harness clock forward, firing the ticks that fall due on the way.
    pub fn advance_time(&self, by: Duration) {
        let mut inner = self.inner.borrow_mut();
        let mut left = by.as_nanos() as u64;
        // Step to each tick deadline so the guest sees the right time in on_tick.
        let mut guard = 0;
        while guard < 100_000 {
            guard += 1;
            let now = inner.shared.monotonic_ns();
            let mut next: Option<u64> = None;
            for slots in &mut inner.workers {
                for slot in slots.iter_mut() {
                    if let Some(vm) = slot.vm.as_mut() {
                        let p = vm.state().tick_period_ms as u64 * 1_000_000;
                        if p > 0 {
                            let due = slot.last_tick_ns + p;
                            next = Some(next.map_or(due, |n: u64| n.min(due)));
                        }
                    }
                }
            }
            let step = match next {
                Some(due) if due.saturating_sub(now) <= left => due.saturating_sub(now),
                _ => {
                    inner.shared.advance(left);
                    break;
                }
            };
            inner.shared.advance(step);
            left -= step;
            let now = inner.shared.monotonic_ns();
            for w in 0..inner.workers.len() {
                for fi in 0..inner.specs.len() {
                    let slot = &mut inner.workers[w][fi];
                    let p = slot
                        .vm
                        .as_mut()
                        .map(|vm| vm.state().tick_period_ms as u64 * 1_000_000)
                        .unwrap_or(0);
                    if p > 0 && slot.last_tick_ns + p <= now {
                        slot.last_tick_ns = now;
                        inner.root_call(w, fi, RootCb::Tick);
                    }
                }
            }
            inner.pump();
        }
    }

    /// Current value of every metric.
    pub fn metrics(&self) -> BTreeMap<String, MetricValue> {
        lock(&self.inner.borrow().shared.metrics).snapshot()
    }
    /// Counter/gauge value (histogram: sample count).
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.metrics().get(name).map(MetricValue::value)
    }
    /// Shared data `key` of VM id `vm_id` (value, cas).
    pub fn shared_data(&self, vm_id: &str, key: &str) -> Option<(Vec<u8>, u32)> {
        let inner = self.inner.borrow();
        let data = lock(&inner.shared.shared_data);
        data.by_vm.get(vm_id).and_then(|m| m.get(key)).cloned()
    }
    /// Logs written while starting the VMs (on_vm_start, on_configure).
    pub fn startup_logs(&self) -> Vec<LogEntry> {
        self.inner.borrow().startup_logs.clone()
    }
    /// Takes the logs written outside any stream since the last call (ticks, queue callbacks,
    /// VM reloads).
    pub fn take_logs(&self) -> Vec<LogEntry> {
        std::mem::take(&mut self.inner.borrow_mut().loose_logs)
    }
    /// Every trap so far, oldest first.
    pub fn traps(&self) -> Vec<Trap> {
        self.inner.borrow().traps.clone()
    }
    /// How many times the filter's VM on `worker` was started (1 + reloads).
    pub fn vm_starts(&self, filter: &str, worker: usize) -> u32 {
        let inner = self.inner.borrow();
        inner
            .specs
            .iter()
            .position(|(s, _)| s.name == filter)
            .and_then(|fi| inner.workers.get(worker).map(|w| w[fi].starts))
            .unwrap_or(0)
    }
    pub fn profile(&self) -> HostProfile {
        self.inner.borrow().shared.profile
    }

    /// Calls held by a cluster that answered [`HttpCallResult::Hold`], oldest first.
    pub fn held_http_calls(&self) -> Vec<HttpCallRequest> {
        self.inner
            .borrow()
            .held
            .iter()
            .map(|h| h.3.request.clone())
            .collect()
    }

    /// Answers the held call at `index` (of [`Chain::held_http_calls`]): the filter's
    /// on_http_call_response runs now, and whatever it resumes goes on.
    pub fn complete_http_call(&self, index: usize, result: HttpCallResult) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        if index >= inner.held.len() {
            return Err(Error::new(format!(
                "no held http call #{index} ({} held)",
                inner.held.len()
            )));
        }
        let (worker, fi, uid, call) = inner.held.remove(index);
        inner.answer_http_call(worker, fi, uid, call, result);
        inner.pump();
        Ok(())
    }
}

/// One HTTP stream through a chain, driven step by step. Several may be open at once.
pub struct Stream {
    inner: Rc<RefCell<Inner>>,
    id: u64,
}

impl Stream {
    fn with<T>(&self, f: impl FnOnce(&StreamState) -> T) -> T {
        let inner = self.inner.borrow();
        match inner.streams.get(&self.id) {
            Some(s) => f(s),
            None => f(&StreamState::closed()),
        }
    }

    /// Sends the whole request as a client would: headers, the body in the request's chunks
    /// (each with end_of_stream=false, then an empty end_of_stream call, as Envoy delivers an
    /// HTTP/1 body), then trailers if any.
    pub fn send_request(&mut self, request: &Request) {
        let mut inner = self.inner.borrow_mut();
        inner.send_request(self.id, request);
    }
    /// Sends only the request headers built from `request` (pseudo-headers, its headers,
    /// content-length, x-forwarded-proto, x-request-id).
    pub fn send_request_headers(&mut self, request: &Request, end_of_stream: bool) {
        let mut inner = self.inner.borrow_mut();
        let headers = inner.request_headers(self.id, request);
        if let Some(s) = inner.streams.get_mut(&self.id) {
            s.view.req_headers = headers;
        }
        inner.headers_at(self.id, Dir::Request, 0, end_of_stream);
        inner.pump();
    }
    /// Sends one request body chunk.
    pub fn send_request_body(&mut self, chunk: &[u8], end_of_stream: bool) {
        let mut inner = self.inner.borrow_mut();
        if let Some(s) = inner.streams.get_mut(&self.id) {
            s.view.info.request_body_size += chunk.len() as u64;
        }
        inner.data_at(self.id, Dir::Request, 0, chunk.to_vec(), end_of_stream);
        inner.pump();
    }
    pub fn send_request_trailers(&mut self, trailers: Headers) {
        let mut inner = self.inner.borrow_mut();
        if let Some(s) = inner.streams.get_mut(&self.id) {
            s.view.req_trailers = trailers;
        }
        inner.trailers_at(self.id, Dir::Request, 0);
        inner.pump();
    }
    /// The upstream answers with `upstream` (headers, body chunks, trailers).
    pub fn respond(&mut self, upstream: &Upstream) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        inner.respond(self.id, upstream)
    }
    /// The upstream sends response headers (`:status` is added).
    pub fn send_response_headers(
        &mut self,
        status: u16,
        headers: Headers,
        end_of_stream: bool,
    ) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        inner.check_can_respond(self.id)?;
        if let Some(s) = inner.streams.get_mut(&self.id) {
            let mut all = vec![(":status".to_string(), status.to_string())];
            all.extend(headers);
            s.view.resp_headers = all;
            s.view.info.response_code = Some(status);
            s.upstream_responded = true;
        }
        inner.headers_at(self.id, Dir::Response, 0, end_of_stream);
        inner.pump();
        Ok(())
    }
    /// The upstream sends one response body chunk; what reaches the client is recorded as
    /// one entry of `response.chunks`.
    pub fn send_response_body(&mut self, chunk: &[u8], end_of_stream: bool) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        inner.check_responding(self.id)?;
        inner.response_chunk(self.id, chunk.to_vec(), end_of_stream);
        Ok(())
    }
    pub fn send_response_trailers(&mut self, trailers: Headers) -> Result<()> {
        let mut inner = self.inner.borrow_mut();
        inner.check_responding(self.id)?;
        if let Some(s) = inner.streams.get_mut(&self.id) {
            s.view.resp_trailers = trailers;
        }
        inner.trailers_at(self.id, Dir::Response, 0);
        inner.pump();
        Ok(())
    }

    /// The whole request (through end of stream) reached the upstream.
    pub fn reached_upstream(&self) -> bool {
        self.with(|s| s.upstream_complete)
    }
    pub fn upstream_request(&self) -> Option<UpstreamRequest> {
        self.with(|s| s.upstream.clone())
    }
    pub fn response(&self) -> ClientResponse {
        self.with(|s| s.response.clone())
    }
    pub fn local_reply(&self) -> Option<LocalReply> {
        self.with(|s| s.local_reply.clone())
    }
    pub fn trap(&self) -> Option<Trap> {
        self.with(|s| s.trap.clone())
    }
    pub fn logs(&self) -> Vec<LogEntry> {
        self.with(|s| s.logs.clone())
    }
    /// Current request headers (as the next filter or the upstream would get them).
    pub fn request_headers(&self) -> Headers {
        self.with(|s| s.view.req_headers.clone())
    }
    pub fn filter_state(&self) -> BTreeMap<String, Vec<u8>> {
        self.with(|s| s.view.filter_state.clone())
    }
    /// Names of the filters currently holding the request (paused headers or buffered body).
    pub fn paused_filters(&self) -> Vec<String> {
        let inner = self.inner.borrow();
        let Some(s) = inner.streams.get(&self.id) else {
            return Vec::new();
        };
        (0..inner.specs.len())
            .filter(|&fi| {
                let (q, r) = (&s.req[fi], &s.resp[fi]);
                q.headers_paused || q.body_paused || r.headers_paused || r.body_paused
            })
            .map(|fi| inner.specs[fi].0.name.clone())
            .collect()
    }

    /// Ends the stream (on_done, on_log, on_delete in every filter) and returns the outcome.
    pub fn finish(self) -> Outcome {
        let mut inner = self.inner.borrow_mut();
        inner.finish(self.id)
    }

    /// Worker the stream runs on.
    pub fn worker(&self) -> usize {
        self.with(|s| s.worker)
    }
}

impl Drop for Stream {
    /// A stream dropped without [`Stream::finish`] is ended the same way (its contexts get
    /// on_done / on_log / on_delete), so VMs do not accumulate dead contexts.
    fn drop(&mut self) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if inner.streams.contains_key(&self.id) {
                inner.finish(self.id);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Engine internals.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    Request,
    Response,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Health {
    Ok,
    Failed { at_ns: u64 },
}

struct Slot {
    vm: Option<Vm>,
    vm_uid: u64,
    health: Health,
    next_ctx: u32,
    last_tick_ns: u64,
    starts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Binding {
    Live {
        ctx: u32,
        uid: u64,
    },
    /// FAIL_OPEN after a trap: the filter is skipped.
    Bypass,
    /// The VM is gone (trap): the stream gets 503 when it reaches the filter.
    Failed,
}

#[derive(Default, Clone, Debug)]
struct DirState {
    headers_seen: bool,
    headers_eos: bool,
    headers_paused: bool,
    pending: Vec<u8>,
    buffer: Vec<u8>,
    body_paused: bool,
    eos_in: bool,
    trailers_in: bool,
    done: bool,
    /// Kong: the filter paused on_response_body once; the host accumulates, then calls again.
    kong_buffering: bool,
    kong_pause_used: bool,
}

struct StreamState {
    worker: usize,
    bindings: Vec<Binding>,
    req: Vec<DirState>,
    resp: Vec<DirState>,
    view: StreamView,
    epoch: [u32; 2],
    stopped: [bool; 2],
    upstream: Option<UpstreamRequest>,
    upstream_complete: bool,
    upstream_responded: bool,
    response: ClientResponse,
    client_complete: bool,
    local_reply: Option<LocalReply>,
    trap: Option<Trap>,
    logs: Vec<LogEntry>,
    /// Kong: the response has a content-length and several chunks, so filters that do not
    /// buffer never see end_of_stream.
    kong_no_eos: bool,
}

impl StreamState {
    fn closed() -> StreamState {
        StreamState {
            worker: 0,
            bindings: Vec::new(),
            req: Vec::new(),
            resp: Vec::new(),
            view: StreamView::default(),
            epoch: [0; 2],
            stopped: [true; 2],
            upstream: None,
            upstream_complete: false,
            upstream_responded: false,
            response: ClientResponse::default(),
            client_complete: false,
            local_reply: None,
            trap: None,
            logs: Vec::new(),
            kong_no_eos: false,
        }
    }
    fn ds(&mut self, dir: Dir, fi: usize) -> &mut DirState {
        match dir {
            Dir::Request => &mut self.req[fi],
            Dir::Response => &mut self.resp[fi],
        }
    }
}

fn di(dir: Dir) -> usize {
    match dir {
        Dir::Request => 0,
        Dir::Response => 1,
    }
}

#[derive(Clone, Debug)]
enum Cb {
    Headers {
        dir: Dir,
        count: usize,
        eos: bool,
    },
    Body {
        dir: Dir,
        size: usize,
        eos: bool,
    },
    Trailers {
        dir: Dir,
        count: usize,
    },
    HttpCallResponse {
        token: u32,
        response: (Headers, Vec<u8>, Headers),
    },
    Done,
    Log,
    Delete,
}

impl Cb {
    fn export(&self) -> &'static str {
        match self {
            Cb::Headers {
                dir: Dir::Request, ..
            } => "proxy_on_request_headers",
            Cb::Headers { .. } => "proxy_on_response_headers",
            Cb::Body {
                dir: Dir::Request, ..
            } => "proxy_on_request_body",
            Cb::Body { .. } => "proxy_on_response_body",
            Cb::Trailers {
                dir: Dir::Request, ..
            } => "proxy_on_request_trailers",
            Cb::Trailers { .. } => "proxy_on_response_trailers",
            Cb::HttpCallResponse { .. } => "proxy_on_http_call_response",
            Cb::Done => "proxy_on_done",
            Cb::Log => "proxy_on_log",
            Cb::Delete => "proxy_on_delete",
        }
    }
}

enum RootCb {
    Tick,
    QueueReady(u32),
    HttpCallResponse {
        token: u32,
        response: (Headers, Vec<u8>, Headers),
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flow {
    Continue,
    Pause,
    /// The stream was answered or reset during the callback; stop moving data.
    Stopped,
}

enum Work {
    HttpCall {
        worker: usize,
        fi: usize,
        uid: u64,
        call: PendingCall,
    },
    Action {
        sid: u64,
        fi: usize,
        dir: Dir,
        action: StreamAction,
    },
    LocalReply {
        sid: u64,
        fi: usize,
        reply: LocalReply,
    },
}

struct Inner {
    kong: KongLimits,
    specs: Vec<(FilterSpec, Arc<Loaded>)>,
    env: Vec<(String, String)>,
    shared: Arc<HostShared>,
    workers: Vec<Vec<Slot>>,
    streams: HashMap<u64, StreamState>,
    next_stream: u64,
    next_worker: usize,
    next_uid: u64,
    startup_logs: Vec<LogEntry>,
    loose_logs: Vec<LogEntry>,
    traps: Vec<Trap>,
    work: VecDeque<Work>,
    /// Calls a cluster answered with [`HttpCallResult::Hold`].
    held: Vec<(usize, usize, u64, PendingCall)>,
}

impl Inner {
    fn n(&self) -> usize {
        self.specs.len()
    }

    fn filter_index(&self, dir: Dir, pos: usize) -> usize {
        match dir {
            Dir::Request => pos,
            Dir::Response => self.n() - 1 - pos,
        }
    }

    fn position(&self, dir: Dir, fi: usize) -> usize {
        self.filter_index(dir, fi)
    }

    fn name(&self, fi: usize) -> String {
        self.specs[fi].0.name.clone()
    }

    fn harness_log(&mut self, sid: u64, fi: Option<usize>, level: Level, message: String) {
        let filter = fi
            .map(|fi| self.name(fi))
            .unwrap_or_else(|| "harness".into());
        let entry = LogEntry {
            filter,
            level,
            message: format!("harness: {message}"),
        };
        match self.streams.get_mut(&sid) {
            Some(s) => s.logs.push(entry),
            None => self.loose_logs.push(entry),
        }
    }

    /// Starts a VM for filter `fi`: instantiate, on_context_create(root), on_vm_start,
    /// on_configure. Returns the VM (or why it failed), its uid and the logs it wrote.
    fn start_vm(&mut self, fi: usize) -> (std::result::Result<Vm, String>, u64, Vec<LogEntry>) {
        let uid = self.next_uid;
        self.next_uid += 1;
        let (spec, loaded) = &self.specs[fi];
        let state = VmState {
            uid,
            filter: spec.name.clone(),
            root_id: spec.root_id.clone(),
            vm_id: spec.vm_id.clone(),
            root_context_id: 1,
            vm_config: spec.vm_config.clone(),
            plugin_config: spec.config.clone(),
            env: self.env.clone(),
            shared: self.shared.clone(),
            call: Call::default(),
            effects: Effects::default(),
            logs: Vec::new(),
            tick_period_ms: 0,
            next_call_token: 1,
            live_contexts: Vec::new(),
            exports: Default::default(),
        };
        let (vm_len, cfg_len) = (spec.vm_config.len() as i32, spec.config.len() as i32);
        let mut vm = match Vm::instantiate(loaded, state) {
            Ok(vm) => vm,
            Err(e) => return (Err(e), uid, Vec::new()),
        };
        let result = (|| {
            vm.state().call = Call {
                context_id: 1,
                effective_context: 1,
                config_phase: true,
                ..Call::default()
            };
            vm.call::<(i32, i32), ()>("proxy_on_context_create", (1, 0))
                .map_err(|t| format!("trap in proxy_on_context_create: {t}"))?;
            let started = vm
                .call::<(i32, i32), i32>("proxy_on_vm_start", (1, vm_len))
                .map_err(|t| format!("trap in proxy_on_vm_start: {t}"))?;
            if started == Some(0) {
                return Err("proxy_on_vm_start returned false".to_string());
            }
            let configured = vm
                .call::<(i32, i32), i32>("proxy_on_configure", (1, cfg_len))
                .map_err(|t| format!("trap in proxy_on_configure: {t}"))?;
            if configured == Some(0) {
                return Err(
                    "proxy_on_configure returned false (the filter rejected its configuration)"
                        .to_string(),
                );
            }
            Ok(())
        })();
        let logs = std::mem::take(&mut vm.state().logs);
        vm.state().call = Call::default();
        // Effects from configure time (e.g. an http call from on_configure) are dropped.
        vm.state().effects = Effects::default();
        (result.map(|_| vm), uid, logs)
    }

    fn open(&mut self, worker: usize) -> u64 {
        let sid = self.next_stream;
        self.next_stream += 1;
        let n = self.n();
        let now = self.shared.now_ns();
        let mut state = StreamState::closed();
        state.stopped = [false; 2];
        state.worker = worker;
        state.req = vec![DirState::default(); n];
        state.resp = vec![DirState::default(); n];
        state.view.info = StreamInfo {
            stream_id: sid,
            start_ns: now,
            source_port: (40000 + sid % 20000) as u16,
            ..StreamInfo::default()
        };
        self.streams.insert(sid, state);
        let mut bindings = Vec::with_capacity(n);
        for fi in 0..n {
            let policy = self.specs[fi].0.failure_policy;
            let backoff = self.specs[fi].0.reload_backoff.as_nanos() as u64;
            if let Health::Failed { at_ns } = self.workers[worker][fi].health {
                if self.shared.profile == HostProfile::Kong {
                    // ngx_wasm_module recycles a trapped instance for the next request.
                    self.reload(sid, worker, fi);
                } else {
                    match policy {
                        FailurePolicy::FailOpen => {
                            bindings.push(Binding::Bypass);
                            continue;
                        }
                        FailurePolicy::FailReload
                            if self.shared.monotonic_ns() >= at_ns + backoff =>
                        {
                            self.reload(sid, worker, fi);
                        }
                        _ => {}
                    }
                }
            }
            let slot = &mut self.workers[worker][fi];
            let Some(vm) = slot.vm.as_mut() else {
                bindings.push(Binding::Failed);
                continue;
            };
            let ctx = slot.next_ctx;
            slot.next_ctx += 1;
            let uid = slot.vm_uid;
            vm.state().live_contexts.push(ctx);
            vm.state().call = Call {
                context_id: ctx,
                effective_context: ctx,
                ..Call::default()
            };
            let created = vm.call::<(i32, i32), ()>("proxy_on_context_create", (ctx as i32, 1));
            vm.state().call = Call::default();
            let logs = std::mem::take(&mut vm.state().logs);
            if let Some(s) = self.streams.get_mut(&sid) {
                s.logs.extend(logs);
            }
            match created {
                Ok(_) => bindings.push(Binding::Live { ctx, uid }),
                Err(message) => {
                    self.record_trap(Some(sid), worker, fi, "proxy_on_context_create", message);
                    bindings.push(Binding::Failed);
                }
            }
        }
        if let Some(s) = self.streams.get_mut(&sid) {
            s.bindings = bindings;
        }
        sid
    }

    fn reload(&mut self, sid: u64, worker: usize, fi: usize) {
        let (vm, uid, logs) = self.start_vm(fi);
        self.loose_logs.extend(logs);
        match vm {
            Ok(vm) => {
                let now = self.shared.monotonic_ns();
                let slot = &mut self.workers[worker][fi];
                slot.vm = Some(vm);
                slot.vm_uid = uid;
                slot.health = Health::Ok;
                slot.next_ctx = 2;
                slot.last_tick_ns = now;
                slot.starts += 1;
                self.harness_log(
                    sid,
                    Some(fi),
                    Level::Info,
                    "FAIL_RELOAD: VM recreated".into(),
                );
            }
            Err(msg) => {
                let now = self.shared.monotonic_ns();
                self.workers[worker][fi].health = Health::Failed { at_ns: now };
                self.harness_log(
                    sid,
                    Some(fi),
                    Level::Error,
                    format!("FAIL_RELOAD: reload failed: {msg}"),
                );
            }
        }
    }

    fn record_trap(
        &mut self,
        sid: Option<u64>,
        worker: usize,
        fi: usize,
        callback: &str,
        message: String,
    ) {
        let trap = Trap {
            filter: self.name(fi),
            callback: callback.to_string(),
            message,
        };
        self.traps.push(trap.clone());
        let now = self.shared.monotonic_ns();
        // Envoy runs filters with the same code, vm_id and VM configuration in one VM per
        // worker, so a trap takes all of them down (observed: none of them runs its response
        // callbacks on the 503).
        let (spec, loaded) = &self.specs[fi];
        let same_vm: Vec<usize> = (0..self.specs.len())
            .filter(|&j| {
                let (other, other_loaded) = &self.specs[j];
                j == fi
                    || (Arc::ptr_eq(loaded, other_loaded)
                        && other.vm_id == spec.vm_id
                        && other.vm_config == spec.vm_config)
            })
            .collect();
        for j in same_vm {
            let slot = &mut self.workers[worker][j];
            slot.vm = None;
            slot.health = Health::Failed { at_ns: now };
        }
        let entry = LogEntry {
            filter: trap.filter.clone(),
            level: Level::Error,
            message: format!("harness: {callback} trapped: {}", trap.message),
        };
        match sid.and_then(|sid| self.streams.get_mut(&sid)) {
            Some(s) => {
                s.logs.push(entry);
                if s.trap.is_none() {
                    s.trap = Some(trap);
                }
            }
            None => self.loose_logs.push(entry),
        }
    }

    fn stream_of(&self, worker: usize, fi: usize, uid: u64, ctx: u32) -> Option<u64> {
        self.streams.iter().find_map(|(sid, s)| {
            (s.worker == worker && s.bindings.get(fi) == Some(&Binding::Live { ctx, uid }))
                .then_some(*sid)
        })
    }

    /// Queues what a callback asked for (http calls, stream actions, local replies for other
    /// streams); returns the local reply meant for `current` (ctx, reply) if any.
    fn absorb(
        &mut self,
        worker: usize,
        fi: usize,
        uid: u64,
        effects: Effects,
        current: Option<(u64, u32)>,
    ) -> Option<LocalReply> {
        for call in effects.http_calls {
            self.work.push_back(Work::HttpCall {
                worker,
                fi,
                uid,
                call,
            });
        }
        for (ctx, ty, action) in effects.stream_actions {
            let sid = match current {
                Some((sid, c)) if c == ctx => Some(sid),
                _ => self.stream_of(worker, fi, uid, ctx),
            };
            if let Some(sid) = sid {
                let dir = if ty == 0 { Dir::Request } else { Dir::Response };
                self.work.push_back(Work::Action {
                    sid,
                    fi,
                    dir,
                    action,
                });
            }
        }
        let mut mine = None;
        if let Some((ctx, reply)) = effects.local_reply {
            match current {
                Some((_, c)) if c == ctx => mine = Some(reply),
                _ => {
                    if let Some(sid) = self.stream_of(worker, fi, uid, ctx) {
                        self.work.push_back(Work::LocalReply { sid, fi, reply });
                    }
                }
            }
        }
        mine
    }

    /// Runs one stream callback of filter `fi` with the stream's state moved into the VM.
    fn callback(&mut self, sid: u64, fi: usize, cb: Cb) -> Flow {
        let kong = self.shared.profile == HostProfile::Kong;
        let kong_body_limit = self.kong.client_body_buffer_size;
        let Some(stream) = self.streams.get_mut(&sid) else {
            return Flow::Stopped;
        };
        let worker = stream.worker;
        let binding = stream.bindings[fi];
        let slot = &mut self.workers[worker][fi];
        let live = match binding {
            Binding::Live { ctx, uid } if slot.vm_uid == uid && slot.vm.is_some() => {
                Some((ctx, uid))
            }
            _ => None,
        };
        let Some((ctx, uid)) = live else {
            return match (cb, binding) {
                (Cb::Done | Cb::Log | Cb::Delete | Cb::HttpCallResponse { .. }, _) => Flow::Stopped,
                (_, Binding::Bypass) => Flow::Continue,
                // A dead filter is skipped while a local reply (e.g. its own 503) passes.
                (
                    Cb::Headers {
                        dir: Dir::Response, ..
                    }
                    | Cb::Body {
                        dir: Dir::Response, ..
                    }
                    | Cb::Trailers {
                        dir: Dir::Response, ..
                    },
                    _,
                ) if stream.local_reply.is_some() => Flow::Continue,
                (cb, _) => {
                    if self.specs[fi].0.failure_policy == FailurePolicy::FailOpen
                        && stream
                            .trap
                            .as_ref()
                            .map(|t| t.filter != self.specs[fi].0.name)
                            .unwrap_or(true)
                    {
                        stream.bindings[fi] = Binding::Bypass;
                        return Flow::Continue;
                    }
                    let dir = match cb {
                        Cb::Headers { dir, .. }
                        | Cb::Body { dir, .. }
                        | Cb::Trailers { dir, .. } => dir,
                        _ => Dir::Request,
                    };
                    self.fail_reply(sid, fi, dir);
                    Flow::Stopped
                }
            };
        };
        let Some(vm) = slot.vm.as_mut() else {
            return Flow::Stopped;
        };
        let mut view = std::mem::take(&mut stream.view);
        let mut http_response = None;
        let mut took_body: Option<Dir> = None;
        let mut unreadable_body = false;
        match &cb {
            Cb::Headers {
                dir: Dir::Request, ..
            } => view.req_headers_access = Access::ReadWrite,
            Cb::Headers { .. } => view.resp_headers_access = Access::ReadWrite,
            Cb::Body {
                dir: Dir::Request,
                size,
                ..
            } if kong && *size > kong_body_limit => {
                // nginx spooled the body to a file: the filter cannot read it.
                unreadable_body = true;
            }
            Cb::Body {
                dir: Dir::Request, ..
            } => {
                view.req_body = Some(std::mem::take(&mut stream.req[fi].buffer));
                took_body = Some(Dir::Request);
            }
            Cb::Body { .. } => {
                view.resp_body = Some(std::mem::take(&mut stream.resp[fi].buffer));
                took_body = Some(Dir::Response);
            }
            Cb::Trailers {
                dir: Dir::Request, ..
            } => view.req_trailers_access = Access::ReadWrite,
            Cb::Trailers { .. } => view.resp_trailers_access = Access::ReadWrite,
            Cb::HttpCallResponse { response, .. } => {
                http_response = Some(response.clone());
                if stream.req[fi].headers_paused {
                    view.req_headers_access = Access::ReadWrite;
                }
                if stream.resp[fi].headers_paused {
                    view.resp_headers_access = Access::ReadWrite;
                }
            }
            Cb::Done | Cb::Log | Cb::Delete => {
                view.req_headers_access = Access::Read;
                view.resp_headers_access = Access::Read;
                view.req_trailers_access = Access::Read;
                view.resp_trailers_access = Access::Read;
            }
        }
        vm.state().call = Call {
            context_id: ctx,
            effective_context: ctx,
            stream: Some(view),
            http_response,
            config_phase: false,
        };
        let c = ctx as i32;
        let result: std::result::Result<Option<i32>, String> = match &cb {
            Cb::Headers { count, eos, .. } => {
                // ngx_wasm_module always passes eof=false to the headers callbacks.
                let eos = *eos && !kong;
                vm.call::<(i32, i32, i32), i32>(cb.export(), (c, *count as i32, eos as i32))
            }
            Cb::Body { size, eos, .. } => {
                vm.call::<(i32, i32, i32), i32>(cb.export(), (c, *size as i32, *eos as i32))
            }
            Cb::Trailers { count, .. } => {
                vm.call::<(i32, i32), i32>(cb.export(), (c, *count as i32))
            }
            Cb::HttpCallResponse { token, response } => vm
                .call::<(i32, i32, i32, i32, i32), ()>(
                    cb.export(),
                    (
                        c,
                        *token as i32,
                        response.0.len() as i32,
                        response.1.len() as i32,
                        response.2.len() as i32,
                    ),
                )
                .map(|_| None),
            Cb::Done => vm.call::<i32, i32>(cb.export(), c),
            Cb::Log | Cb::Delete => vm.call::<i32, ()>(cb.export(), c).map(|_| None),
        };
        let st = vm.state();
        let call = std::mem::take(&mut st.call);
        let effects = std::mem::take(&mut st.effects);
        let logs = std::mem::take(&mut st.logs);
        if matches!(cb, Cb::Delete) {
            st.live_contexts.retain(|&x| x != ctx);
        }
        let mut view = call.stream.unwrap_or_default();
        match took_body {
            Some(Dir::Request) => stream.req[fi].buffer = view.req_body.take().unwrap_or_default(),
            Some(Dir::Response) => {
                stream.resp[fi].buffer = view.resp_body.take().unwrap_or_default()
            }
            None => {}
        }
        view.req_body = None;
        view.resp_body = None;
        view.req_headers_access = Access::None;
        view.resp_headers_access = Access::None;
        view.req_trailers_access = Access::None;
        view.resp_trailers_access = Access::None;
        stream.view = view;
        stream.logs.extend(logs);
        if unreadable_body {
            self.harness_log(sid, Some(fi), Level::Warn, format!(
                "request body of more than {kong_body_limit} bytes is buffered to a file: unreadable by the filter [kong]"
            ));
        }
        let reply = self.absorb(worker, fi, uid, effects, Some((sid, ctx)));
        let action = match result {
            Err(message) => {
                self.record_trap(Some(sid), worker, fi, cb.export(), message);
                if let Some(s) = self.streams.get_mut(&sid) {
                    s.bindings[fi] = Binding::Failed;
                }
                if matches!(cb, Cb::Done | Cb::Log | Cb::Delete) {
                    return Flow::Stopped;
                }
                let dir = match cb {
                    Cb::Headers { dir, .. } | Cb::Body { dir, .. } | Cb::Trailers { dir, .. } => {
                        dir
                    }
                    _ => {
                        if self
                            .streams
                            .get(&sid)
                            .map(|s| s.resp[fi].headers_seen)
                            .unwrap_or(false)
                        {
                            Dir::Response
                        } else {
                            Dir::Request
                        }
                    }
                };
                self.fail_reply(sid, fi, dir);
                return Flow::Stopped;
            }
            Ok(action) => action.unwrap_or(0),
        };
        if let Some(reply) = reply {
            if !matches!(cb, Cb::Done | Cb::Log | Cb::Delete) {
                let dir = match cb {
                    Cb::Headers { dir, .. } | Cb::Body { dir, .. } | Cb::Trailers { dir, .. } => {
                        dir
                    }
                    _ => {
                        if self
                            .streams
                            .get(&sid)
                            .map(|s| s.resp[fi].headers_seen)
                            .unwrap_or(false)
                        {
                            Dir::Response
                        } else {
                            Dir::Request
                        }
                    }
                };
                let mut reply = reply;
                if kong && dir == Dir::Response {
                    if let Cb::Body { .. } = cb {
                        let w = self.streams.get(&sid).map(|s| s.worker).unwrap_or(0);
                        self.record_trap(
                            Some(sid),
                            w,
                            fi,
                            cb.export(),
                            "response already sent [kong]".into(),
                        );
                        self.fail_reply(sid, fi, dir);
                        return Flow::Stopped;
                    }
                    // ngx_wasm_module keeps the upstream's headers (content-length included).
                    if let Some(s) = self.streams.get(&sid) {
                        reply.headers = s
                            .view
                            .resp_headers
                            .iter()
                            .filter(|(k, _)| k != ":status")
                            .cloned()
                            .collect();
                    }
                }
                let start = match dir {
                    Dir::Request => self.reply_start(sid, fi),
                    Dir::Response => self.position(Dir::Response, fi) + 1,
                };
                self.local_reply(sid, Some(fi), start, reply);
                return Flow::Stopped;
            }
        }
        if action == 0 {
            Flow::Continue
        } else if kong
            && matches!(
                cb,
                Cb::Headers {
                    dir: Dir::Response,
                    ..
                }
            )
        {
            self.harness_log(
                sid,
                Some(fi),
                Level::Error,
                "Pause in on_http_response_headers is not supported: ignored [kong]".into(),
            );
            Flow::Continue
        } else {
            Flow::Pause
        }
    }

    /// Runs a root-context callback (tick, queue ready, http call response for the root).
    fn root_call(&mut self, worker: usize, fi: usize, cb: RootCb) {
        let slot = &mut self.workers[worker][fi];
        let uid = slot.vm_uid;
        let Some(vm) = slot.vm.as_mut() else { return };
        let mut call = Call {
            context_id: 1,
            effective_context: 1,
            ..Call::default()
        };
        let (export, result) = match cb {
            RootCb::Tick => {
                vm.state().call = call;
                ("proxy_on_tick", vm.call::<i32, ()>("proxy_on_tick", 1))
            }
            RootCb::QueueReady(token) => {
                vm.state().call = call;
                (
                    "proxy_on_queue_ready",
                    vm.call::<(i32, i32), ()>("proxy_on_queue_ready", (1, token as i32)),
                )
            }
            RootCb::HttpCallResponse { token, response } => {
                let sizes = (
                    response.0.len() as i32,
                    response.1.len() as i32,
                    response.2.len() as i32,
                );
                call.http_response = Some(response);
                vm.state().call = call;
                (
                    "proxy_on_http_call_response",
                    vm.call::<(i32, i32, i32, i32, i32), ()>(
                        "proxy_on_http_call_response",
                        (1, token as i32, sizes.0, sizes.1, sizes.2),
                    ),
                )
            }
        };
        let st = vm.state();
        st.call = Call::default();
        let effects = std::mem::take(&mut st.effects);
        let logs = std::mem::take(&mut st.logs);
        self.loose_logs.extend(logs);
        self.absorb(worker, fi, uid, effects, None);
        if let Err(message) = result {
            self.record_trap(None, worker, fi, export, message);
        }
    }

    /// Envoy's 503 after a trap (or for a request reaching a failed VM).
    fn fail_reply(&mut self, sid: u64, fi: usize, dir: Dir) {
        let reply = LocalReply {
            status: if self.shared.profile == HostProfile::Kong {
                500
            } else {
                503
            },
            headers: Vec::new(),
            body: Vec::new(),
            filter: self.name(fi),
            details: "wasm_fail_stream".into(),
        };
        // The failed filter itself does not run on its 503 (its VM is gone; see callback()).
        let start = match dir {
            Dir::Request => self.reply_start(sid, fi),
            Dir::Response => self.position(Dir::Response, fi) + 1,
        };
        self.local_reply(sid, Some(fi), start, reply);
    }

    /// Where a local reply sent in the request path enters the response path: at the last
    /// filter that has seen the request headers. Observed in Envoy 1.40: when filter b of
    /// a,b,c blocks in the body phase, c (which saw the headers) runs its response callbacks
    /// on b's reply too; when b blocks in the headers phase, c does not.
    fn reply_start(&self, sid: u64, fi: usize) -> usize {
        let last = self
            .streams
            .get(&sid)
            .and_then(|s| (0..self.n()).rev().find(|&j| s.req[j].headers_seen))
            .unwrap_or(fi)
            .max(fi);
        self.position(Dir::Response, last)
    }

    /// Answers the stream locally: the reply enters the response path at position `start`.
    fn local_reply(&mut self, sid: u64, fi: Option<usize>, start: usize, mut reply: LocalReply) {
        let profile = self.shared.profile;
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        if s.response.status != 0 {
            // Headers already went to the client: Envoy can only reset the stream.
            s.response.reset = true;
            s.stopped = [true, true];
            s.epoch[0] += 1;
            s.epoch[1] += 1;
            self.harness_log(
                sid,
                fi,
                Level::Warn,
                "local reply after the response started: stream reset".into(),
            );
            return;
        }
        if s.local_reply.is_some() {
            self.harness_log(
                sid,
                fi,
                Level::Warn,
                "second local reply on one stream ignored".into(),
            );
            return;
        }
        s.stopped[0] = true;
        s.epoch[0] += 1;
        if let Some(u) = s.upstream.as_mut() {
            if !s.upstream_complete {
                u.reset = true;
            }
        }
        s.epoch[1] += 1;
        for ds in s.resp.iter_mut() {
            *ds = DirState::default();
        }
        if profile == HostProfile::Kong && !reply.body.is_empty() {
            reply.body.push(b'\n');
        }
        let mut headers = vec![(":status".to_string(), reply.status.to_string())];
        headers.extend(reply.headers.iter().cloned());
        if !reply.body.is_empty() && header_value(&headers, "content-type").is_none() {
            headers.push(("content-type".into(), "text/plain".into()));
        }
        if header_value(&headers, "content-length").is_none() {
            headers.push(("content-length".into(), reply.body.len().to_string()));
        }
        s.view.resp_headers = headers;
        s.view.resp_trailers.clear();
        s.view.info.response_code = Some(reply.status);
        s.view.info.response_code_details = reply.details.clone();
        let body = reply.body.clone();
        s.local_reply = Some(reply);
        let eos = body.is_empty();
        let epoch = s.epoch[1];
        self.headers_at(sid, Dir::Response, start, eos);
        if !eos && self.streams.get(&sid).map(|s| s.epoch[1]) == Some(epoch) {
            self.data_at(sid, Dir::Response, start, body, true);
        }
    }

    fn epoch(&self, sid: u64, dir: Dir) -> Option<u32> {
        self.streams.get(&sid).map(|s| s.epoch[di(dir)])
    }

    fn headers_at(&mut self, sid: u64, dir: Dir, pos: usize, eos: bool) {
        let Some(epoch) = self.epoch(sid, dir) else {
            return;
        };
        if pos >= self.n() {
            return self.sink_headers(sid, dir, eos);
        }
        let fi = self.filter_index(dir, pos);
        let count = {
            let Some(s) = self.streams.get_mut(&sid) else {
                return;
            };
            let ds = s.ds(dir, fi);
            ds.headers_seen = true;
            ds.headers_eos = eos;
            ds.eos_in = eos;
            match dir {
                Dir::Request => s.view.req_headers.len(),
                Dir::Response => s.view.resp_headers.len(),
            }
        };
        let flow = self.callback(sid, fi, Cb::Headers { dir, count, eos });
        if flow == Flow::Stopped || self.epoch(sid, dir) != Some(epoch) {
            return;
        }
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match flow {
            Flow::Continue => {
                if eos {
                    s.ds(dir, fi).done = true;
                }
                self.headers_at(sid, dir, pos + 1, eos);
            }
            _ => s.ds(dir, fi).headers_paused = true,
        }
    }

    fn data_at(&mut self, sid: u64, dir: Dir, pos: usize, data: Vec<u8>, eos: bool) {
        let Some(epoch) = self.epoch(sid, dir) else {
            return;
        };
        if pos >= self.n() {
            return self.sink_data(sid, dir, data, eos);
        }
        let fi = self.filter_index(dir, pos);
        let kong = self.shared.profile == HostProfile::Kong && dir == Dir::Response;
        let cap = self.kong.response_body_buffers;
        let (size, skip_call, was_buffering) = {
            let Some(s) = self.streams.get_mut(&sid) else {
                return;
            };
            if s.stopped[di(dir)] {
                return;
            }
            let no_eos = s.kong_no_eos;
            let ds = s.ds(dir, fi);
            if ds.done {
                return;
            }
            if ds.headers_paused {
                ds.pending.extend_from_slice(&data);
                ds.eos_in |= eos;
                return;
            }
            let data_empty = data.is_empty();
            if ds.buffer.is_empty() {
                ds.buffer = data; // moved, as Envoy moves a chunk's slices into its buffer
            } else {
                ds.buffer.extend_from_slice(&data);
            }
            ds.eos_in |= eos;
            if kong && ds.kong_buffering && !eos && ds.buffer.len() < cap {
                return; // ngx_wasm_module accumulates without calling the filter
            }
            // Kong never shows end_of_stream to a streaming filter when the response has a
            // content-length and came in several chunks.
            let skip = kong && no_eos && eos && data_empty && !ds.kong_buffering;
            (ds.buffer.len(), skip, ds.kong_buffering)
        };
        let mut flow = if skip_call {
            Flow::Continue
        } else {
            self.callback(sid, fi, Cb::Body { dir, size, eos })
        };
        if flow == Flow::Stopped || self.epoch(sid, dir) != Some(epoch) {
            return;
        }
        if kong && flow == Flow::Pause {
            let pause_used = self
                .streams
                .get(&sid)
                .map(|s| s.resp[fi].kong_pause_used)
                .unwrap_or(true);
            if was_buffering || pause_used {
                flow = Flow::Continue;
                self.harness_log(
                    sid,
                    Some(fi),
                    Level::Error,
                    "second Pause in on_http_response_body ignored [kong]".into(),
                );
            } else if let Some(s) = self.streams.get_mut(&sid) {
                s.resp[fi].kong_pause_used = true;
                s.resp[fi].kong_buffering = true;
            }
        }
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        let ds = s.ds(dir, fi);
        if flow == Flow::Continue {
            ds.kong_buffering = false;
        }
        match flow {
            Flow::Continue => {
                ds.body_paused = false;
                let buf = std::mem::take(&mut ds.buffer);
                if eos {
                    ds.done = true;
                }
                if !buf.is_empty() || eos {
                    self.data_at(sid, dir, pos + 1, buf, eos);
                }
            }
            _ => ds.body_paused = true,
        }
    }

    fn trailers_at(&mut self, sid: u64, dir: Dir, pos: usize) {
        let Some(epoch) = self.epoch(sid, dir) else {
            return;
        };
        if pos >= self.n() {
            return self.sink_trailers(sid, dir);
        }
        let fi = self.filter_index(dir, pos);
        let count = {
            let Some(s) = self.streams.get_mut(&sid) else {
                return;
            };
            if s.stopped[di(dir)] {
                return;
            }
            let count = match dir {
                Dir::Request => s.view.req_trailers.len(),
                Dir::Response => s.view.resp_trailers.len(),
            };
            let ds = s.ds(dir, fi);
            ds.trailers_in = true;
            if ds.headers_paused || ds.done {
                return;
            }
            count
        };
        let flow = if self.shared.profile == HostProfile::Kong {
            Flow::Continue // ngx_wasm_module has no trailer callbacks
        } else {
            self.callback(sid, fi, Cb::Trailers { dir, count })
        };
        if flow == Flow::Stopped || self.epoch(sid, dir) != Some(epoch) {
            return;
        }
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        let ds = s.ds(dir, fi);
        match flow {
            Flow::Continue => {
                ds.body_paused = false;
                ds.done = true;
                let buf = std::mem::take(&mut ds.buffer);
                if !buf.is_empty() {
                    self.data_at(sid, dir, pos + 1, buf, false);
                }
                if self.epoch(sid, dir) == Some(epoch) {
                    self.trailers_at(sid, dir, pos + 1);
                }
            }
            _ => ds.body_paused = true,
        }
    }

    /// continue_stream: let a paused filter go on.
    fn resume(&mut self, sid: u64, fi: usize, dir: Dir) {
        let pos = self.position(dir, fi);
        let Some(epoch) = self.epoch(sid, dir) else {
            return;
        };
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        if s.stopped[di(dir)] {
            return;
        }
        let ds = s.ds(dir, fi);
        if ds.headers_paused {
            ds.headers_paused = false;
            let eos = ds.headers_eos;
            if eos {
                ds.done = true;
            }
            let pending = std::mem::take(&mut ds.pending);
            let eos_in = ds.eos_in && !eos;
            let trailers = ds.trailers_in;
            ds.eos_in = false;
            self.headers_at(sid, dir, pos + 1, eos);
            if self.epoch(sid, dir) != Some(epoch) {
                return;
            }
            if !pending.is_empty() || (eos_in && !trailers) {
                self.data_at(sid, dir, pos, pending, eos_in && !trailers);
            }
            if trailers && self.epoch(sid, dir) == Some(epoch) {
                self.trailers_at(sid, dir, pos);
            }
        } else if ds.body_paused {
            ds.body_paused = false;
            let trailers = ds.trailers_in;
            let eos = ds.eos_in && !trailers;
            if eos || trailers {
                ds.done = true;
            }
            let buf = std::mem::take(&mut ds.buffer);
            if !buf.is_empty() || eos {
                self.data_at(sid, dir, pos + 1, buf, eos);
            }
            if trailers && self.epoch(sid, dir) == Some(epoch) {
                self.trailers_at(sid, dir, pos + 1);
            }
        } else {
            self.harness_log(
                sid,
                Some(fi),
                Level::Debug,
                format!("continue_stream({dir:?}) while not paused: ignored"),
            );
        }
    }

    fn reset_stream(&mut self, sid: u64, fi: usize) {
        if let Some(s) = self.streams.get_mut(&sid) {
            s.stopped = [true, true];
            s.epoch[0] += 1;
            s.epoch[1] += 1;
            s.response.reset = true;
            if let Some(u) = s.upstream.as_mut() {
                if !s.upstream_complete {
                    u.reset = true;
                }
            }
        }
        self.harness_log(
            sid,
            Some(fi),
            Level::Info,
            "close_stream: stream reset".into(),
        );
    }

    fn sink_headers(&mut self, sid: u64, dir: Dir, eos: bool) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match dir {
            Dir::Request => {
                s.upstream = Some(UpstreamRequest {
                    headers: s.view.req_headers.clone(),
                    ..UpstreamRequest::default()
                });
                s.view.info.upstream_reached = true;
            }
            Dir::Response => {
                let headers = &s.view.resp_headers;
                s.response.status = header_value(headers, ":status")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                s.response.headers = headers
                    .iter()
                    .filter(|(k, _)| k != ":status")
                    .cloned()
                    .collect();
            }
        }
        if eos {
            self.sink_end(sid, dir);
        }
    }

    fn sink_data(&mut self, sid: u64, dir: Dir, data: Vec<u8>, eos: bool) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match dir {
            Dir::Request => {
                if let Some(u) = s.upstream.as_mut() {
                    u.body.extend_from_slice(&data);
                }
            }
            Dir::Response => s.response.body.extend_from_slice(&data),
        }
        if eos {
            self.sink_end(sid, dir);
        }
    }

    fn sink_trailers(&mut self, sid: u64, dir: Dir) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match dir {
            Dir::Request => {
                if let Some(u) = s.upstream.as_mut() {
                    u.trailers = s.view.req_trailers.clone();
                }
            }
            Dir::Response => s.response.trailers = s.view.resp_trailers.clone(),
        }
        self.sink_end(sid, dir);
    }

    /// End of stream at the upstream or the client, with Envoy's Content-Length behaviour
    /// (envoy.md P3 / §3(f)).
    fn sink_end(&mut self, sid: u64, dir: Dir) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match dir {
            Dir::Request => {
                let Some(u) = s.upstream.as_mut() else { return };
                if self.shared.profile == HostProfile::Kong {
                    // ngx_wasm_module updates the request content-length itself.
                    let len = u.body.len().to_string();
                    for (k, v) in u.headers.iter_mut() {
                        if k == "content-length" {
                            *v = len.clone();
                        }
                    }
                }
                let cl = header_value(&u.headers, "content-length")
                    .and_then(|v| v.trim().parse::<usize>().ok());
                match cl {
                    Some(cl) if u.body.len() > cl => {
                        let extra = u.body.len() - cl;
                        u.body.truncate(cl);
                        s.upstream_complete = true;
                        self.harness_log(sid, None, Level::Warn, format!(
                            "request body is {extra} bytes longer than its content-length {cl}: the upstream reads a truncated body and the rest desyncs the connection (remove content-length when rewriting bodies)"
                        ));
                    }
                    Some(cl) if u.body.len() < cl => {
                        let short = cl - u.body.len();
                        self.harness_log(sid, None, Level::Warn, format!(
                            "request body is {short} bytes shorter than its content-length {cl}: the upstream waits; Envoy answers 504 after the route timeout"
                        ));
                        let start = 0;
                        self.local_reply(
                            sid,
                            None,
                            start,
                            LocalReply {
                                status: 504,
                                headers: Vec::new(),
                                body: b"upstream request timeout".to_vec(),
                                filter: "router".into(),
                                details: "response_timeout".into(),
                            },
                        );
                    }
                    _ => s.upstream_complete = true,
                }
            }
            Dir::Response => {
                s.client_complete = true;
                let cl = header_value(&s.response.headers, "content-length")
                    .and_then(|v| v.trim().parse::<usize>().ok());
                let len = s.response.body.len();
                match cl {
                    Some(cl) if len > cl => {
                        s.response.body.truncate(cl);
                        self.harness_log(sid, None, Level::Warn, format!(
                            "response body is {} bytes but content-length says {cl}: the client gets a truncated body (remove content-length in on_http_response_headers when rewriting)", len
                        ));
                    }
                    Some(cl) if len < cl => {
                        s.response.reset = true;
                        self.harness_log(sid, None, Level::Warn, format!(
                            "response body is {} bytes but content-length says {cl}: the client waits for the rest (stream never completes)", len
                        ));
                    }
                    _ => {}
                }
            }
        }
    }

    fn request_headers(&self, sid: u64, req: &Request) -> Headers {
        let mut h: Headers = vec![
            (":authority".into(), req.authority.clone()),
            (":path".into(), req.path.clone()),
            (":method".into(), req.method.clone()),
            (":scheme".into(), "http".into()),
        ];
        h.extend(
            req.headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
        if req.add_content_length
            && (!req.body.is_empty() || !matches!(req.method.as_str(), "GET" | "HEAD"))
            && header_value(&h, "content-length").is_none()
            && header_value(&h, "transfer-encoding").is_none()
        {
            h.push(("content-length".into(), req.body.len().to_string()));
        }
        if header_value(&h, "x-forwarded-proto").is_none() {
            h.push(("x-forwarded-proto".into(), "http".into()));
        }
        if header_value(&h, "x-request-id").is_none() {
            h.push((
                "x-request-id".into(),
                format!("00000000-0000-4000-8000-{sid:012x}"),
            ));
        }
        h
    }

    fn send_request(&mut self, sid: u64, req: &Request) {
        let headers = self.request_headers(sid, req);
        let kong = self.shared.profile == HostProfile::Kong;
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        s.view.req_headers = headers;
        s.view.info.request_body_size = req.body.len() as u64;
        let chunks: Vec<Vec<u8>> = if kong && !req.body.is_empty() {
            vec![req.body.clone()]
        } else {
            req.chunking
                .split(&req.body)
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect()
        };
        let has_trailers = !req.trailers.is_empty();
        self.headers_at(sid, Dir::Request, 0, chunks.is_empty() && !has_trailers);
        self.pump();
        let count = chunks.len();
        for (i, chunk) in chunks.into_iter().enumerate() {
            // ngx_wasm_module delivers the whole request body once, with eos.
            let eos = kong && i + 1 == count && !has_trailers;
            self.data_at(sid, Dir::Request, 0, chunk, eos);
            self.pump();
        }
        if has_trailers {
            if let Some(s) = self.streams.get_mut(&sid) {
                s.view.req_trailers = req.trailers.clone();
            }
            self.trailers_at(sid, Dir::Request, 0);
        } else if count > 0 && !kong {
            self.data_at(sid, Dir::Request, 0, Vec::new(), true);
        }
        self.pump();
    }

    fn check_can_respond(&self, sid: u64) -> Result<()> {
        let Some(s) = self.streams.get(&sid) else {
            return Err(Error::new("the stream is finished"));
        };
        if s.local_reply.is_some() || s.stopped[1] {
            return Err(Error::new(
                "the stream was already answered locally or reset",
            ));
        }
        if !s.upstream_complete {
            return Err(Error::new(
                "the upstream has not received the whole request yet",
            ));
        }
        if s.upstream_responded {
            return Err(Error::new("the upstream already sent response headers"));
        }
        Ok(())
    }

    fn check_responding(&self, sid: u64) -> Result<()> {
        let Some(s) = self.streams.get(&sid) else {
            return Err(Error::new("the stream is finished"));
        };
        if !s.upstream_responded {
            return Err(Error::new("send_response_headers first"));
        }
        Ok(())
    }

    fn response_chunk(&mut self, sid: u64, chunk: Vec<u8>, eos: bool) {
        let before = self
            .streams
            .get(&sid)
            .map(|s| s.response.body.len())
            .unwrap_or(0);
        if let Some(s) = self.streams.get_mut(&sid) {
            s.view.info.response_body_size += chunk.len() as u64;
        }
        self.data_at(sid, Dir::Response, 0, chunk, eos);
        self.pump();
        if let Some(s) = self.streams.get_mut(&sid) {
            let got = s
                .response
                .body
                .get(before..)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            s.response.chunks.push(got);
        }
    }

    fn respond(&mut self, sid: u64, upstream: &Upstream) -> Result<()> {
        self.check_can_respond(sid)?;
        let Some(s) = self.streams.get_mut(&sid) else {
            return Ok(());
        };
        let request = s.upstream.clone().unwrap_or_default();
        let reply = upstream.reply_to(&request);
        let mut headers = vec![(":status".to_string(), reply.status.to_string())];
        headers.extend(
            reply
                .headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone())),
        );
        s.view.resp_headers = headers;
        s.view.info.response_code = Some(reply.status);
        s.upstream_responded = true;
        let chunks: Vec<Vec<u8>> = reply
            .chunking
            .split(&reply.body)
            .into_iter()
            .map(<[u8]>::to_vec)
            .collect();
        let has_trailers = !reply.trailers.is_empty();
        let kong = self.shared.profile == HostProfile::Kong;
        let cl =
            header_value(&reply.headers, "content-length").and_then(|v| v.parse::<usize>().ok());
        if kong && cl.is_some() {
            if let Some(s) = self.streams.get_mut(&sid) {
                s.kong_no_eos = chunks.len() > 1;
            }
        }
        self.headers_at(sid, Dir::Response, 0, chunks.is_empty() && !has_trailers);
        self.pump();
        if kong && chunks.len() == 1 && cl == Some(chunks[0].len()) && !has_trailers {
            // ngx_wasm_module: eof = (chunk length == content-length), no extra empty call.
            let chunk = chunks.into_iter().next().unwrap_or_default();
            self.response_chunk(sid, chunk, true);
            return Ok(());
        }
        let any = !chunks.is_empty();
        for chunk in chunks {
            self.response_chunk(sid, chunk, false);
        }
        if has_trailers {
            if let Some(s) = self.streams.get_mut(&sid) {
                s.view.resp_trailers = reply.trailers.clone();
            }
            let before = self
                .streams
                .get(&sid)
                .map(|s| s.response.body.len())
                .unwrap_or(0);
            self.trailers_at(sid, Dir::Response, 0);
            self.pump();
            if let Some(s) = self.streams.get_mut(&sid) {
                let got = s
                    .response
                    .body
                    .get(before..)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                s.response.chunks.push(got);
            }
        } else if any {
            self.response_chunk(sid, Vec::new(), true);
        }
        Ok(())
    }

    /// Runs queued work (http call responses, continue/close, queue callbacks) until idle.
    fn pump(&mut self) {
        let mut guard = 0;
        loop {
            let ready: Vec<(u64, u32, u32)> = std::mem::take(&mut lock(&self.shared.queues).ready);
            for (uid, _root, token) in ready {
                for w in 0..self.workers.len() {
                    for fi in 0..self.n() {
                        if self.workers[w][fi].vm_uid == uid && self.workers[w][fi].vm.is_some() {
                            self.root_call(w, fi, RootCb::QueueReady(token));
                        }
                    }
                }
            }
            let Some(work) = self.work.pop_front() else {
                if lock(&self.shared.queues).ready.is_empty() {
                    break;
                }
                continue;
            };
            guard += 1;
            if guard > 100_000 {
                self.loose_logs.push(LogEntry {
                    filter: "harness".into(),
                    level: Level::Error,
                    message:
                        "harness: more than 100000 queued host events; stopping (callback loop?)"
                            .into(),
                });
                self.work.clear();
                break;
            }
            match work {
                Work::HttpCall {
                    worker,
                    fi,
                    uid,
                    call,
                } => self.deliver_http_call(worker, fi, uid, call),
                Work::Action {
                    sid,
                    fi,
                    dir,
                    action,
                } => match action {
                    StreamAction::Continue => self.resume(sid, fi, dir),
                    StreamAction::Close => self.reset_stream(sid, fi),
                },
                Work::LocalReply { sid, fi, reply } => {
                    let start = self.reply_start(sid, fi);
                    self.local_reply(sid, Some(fi), start, reply);
                }
            }
        }
    }

    fn deliver_http_call(&mut self, worker: usize, fi: usize, uid: u64, call: PendingCall) {
        let responder = self.shared.clusters.get(&call.request.cluster).cloned();
        let result = match responder {
            Some(f) => f(&call.request),
            None => HttpCallResult::Failure,
        };
        self.answer_http_call(worker, fi, uid, call, result);
    }

    fn answer_http_call(
        &mut self,
        worker: usize,
        fi: usize,
        uid: u64,
        call: PendingCall,
        result: HttpCallResult,
    ) {
        let response = match result {
            HttpCallResult::Hold => {
                self.held.push((worker, fi, uid, call));
                return;
            }
            HttpCallResult::Response(reply) => {
                let mut headers = vec![(":status".to_string(), reply.status.to_string())];
                headers.extend(reply.headers);
                (headers, reply.body, reply.trailers)
            }
            HttpCallResult::Failure => (Vec::new(), Vec::new(), Vec::new()),
        };
        if self.workers[worker][fi].vm_uid != uid {
            return; // the VM that made the call is gone
        }
        match self.stream_of(worker, fi, uid, call.context_id) {
            Some(sid) => {
                self.callback(
                    sid,
                    fi,
                    Cb::HttpCallResponse {
                        token: call.token,
                        response,
                    },
                );
            }
            None => self.root_call(
                worker,
                fi,
                RootCb::HttpCallResponse {
                    token: call.token,
                    response,
                },
            ),
        }
    }

    fn finish(&mut self, sid: u64) -> Outcome {
        self.pump();
        let n = self.n();
        let stalled: Vec<String> = match self.streams.get(&sid) {
            Some(s) if s.local_reply.is_none() && !s.response.reset => (0..n)
                .filter(|&fi| {
                    let (q, r) = (&s.req[fi], &s.resp[fi]);
                    (q.headers_paused || q.body_paused) && !s.upstream_complete
                        || (r.headers_paused || r.body_paused) && !s.client_complete
                })
                .map(|fi| self.name(fi))
                .collect(),
            _ => Vec::new(),
        };
        for name in stalled {
            self.harness_log(sid, None, Level::Warn, format!(
                "stream ended while filter {name:?} held it paused and never resumed (Envoy would wait until a timeout)"
            ));
        }
        for fi in 0..n {
            if self.callback(sid, fi, Cb::Done) == Flow::Stopped {
                continue;
            }
        }
        for fi in 0..n {
            self.callback(sid, fi, Cb::Log);
        }
        for fi in 0..n {
            self.callback(sid, fi, Cb::Delete);
        }
        self.pump();
        let Some(s) = self.streams.remove(&sid) else {
            return Outcome::default();
        };
        let mut logs = s.logs;
        logs.append(&mut self.loose_logs);
        Outcome {
            reached_upstream: s.upstream_complete,
            upstream_request: s.upstream,
            local_reply: s.local_reply,
            response: s.response,
            logs,
            metrics: lock(&self.shared.metrics).snapshot(),
            trap: s.trap,
            filter_state: s.view.filter_state,
        }
    }
}
