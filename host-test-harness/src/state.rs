//! State the host functions work on: per VM ([`VmState`], the wasmtime store data), per
//! callback ([`Call`]), and per chain ([`HostShared`], like one Envoy process).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::model::{Headers, Level, LocalReply, LogEntry, MetricValue, Reply};
use crate::profile::HostProfile;

/// Responder for `dispatch_http_call` to one cluster.
pub type ClusterFn = dyn Fn(&HttpCallRequest) -> HttpCallResult + Send + Sync;

/// A `dispatch_http_call` as the cluster sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpCallRequest {
    pub cluster: String,
    pub headers: Headers,
    pub body: Vec<u8>,
    pub trailers: Headers,
    pub timeout_ms: u32,
}

impl HttpCallRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::model::header_value(&self.headers, name)
    }
}

/// How a dispatched call ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpCallResult {
    /// A response (its `status` becomes the `:status` header).
    Response(Reply),
    /// No response (timeout, connection failure): the callback gets zero headers and no body,
    /// as in Envoy.
    Failure,
    /// Keep the call outstanding: the test answers it later with
    /// [`crate::Chain::complete_http_call`] (see [`crate::Chain::held_http_calls`]).
    Hold,
}

/// Locks a mutex, recovering from poisoning (a panicking test thread must not cascade).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub(crate) struct SharedData {
    pub by_vm: HashMap<String, HashMap<String, (Vec<u8>, u32)>>,
    pub next_cas: u32,
}

pub(crate) struct Queue {
    pub owner_vm: u64,
    pub owner_root: u32,
    pub items: VecDeque<Vec<u8>>,
}

#[derive(Default)]
pub(crate) struct Queues {
    pub by_name: HashMap<(String, String), u32>,
    pub queues: HashMap<u32, Queue>,
    pub next_token: u32,
    /// (vm uid, root context id, queue token) waiting for on_queue_ready.
    pub ready: Vec<(u64, u32, u32)>,
}

pub(crate) struct Metric {
    pub name: String,
    pub kind: i32,
    pub value: MetricValue,
}

#[derive(Default)]
pub(crate) struct Metrics {
    pub by_name: HashMap<(i32, String), u32>,
    pub by_id: BTreeMap<u32, Metric>,
}

impl Metrics {
    pub fn snapshot(&self) -> BTreeMap<String, MetricValue> {
        self.by_id
            .values()
            .map(|m| (m.name.clone(), m.value.clone()))
            .collect()
    }
}

/// The test-driven clock: wall time and monotonic time only move when the test says so.
pub(crate) struct Clock {
    pub realtime_ns: u64,
    pub monotonic_ns: u64,
}

/// Host state shared by every VM of a chain (Envoy keeps shared data and stats per process).
pub(crate) struct HostShared {
    pub profile: HostProfile,
    pub shared_data: Mutex<SharedData>,
    pub queues: Mutex<Queues>,
    pub metrics: Mutex<Metrics>,
    pub clock: Mutex<Clock>,
    pub rng: Mutex<u64>,
    pub clusters: HashMap<String, Arc<ClusterFn>>,
}

impl HostShared {
    pub fn new(profile: HostProfile, clusters: HashMap<String, Arc<ClusterFn>>) -> HostShared {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        HostShared {
            profile,
            shared_data: Mutex::new(SharedData {
                next_cas: 1,
                ..SharedData::default()
            }),
            queues: Mutex::new(Queues {
                next_token: 1,
                ..Queues::default()
            }),
            metrics: Mutex::new(Metrics::default()),
            clock: Mutex::new(Clock {
                realtime_ns: now,
                monotonic_ns: 1_000_000_000,
            }),
            rng: Mutex::new(now | 1),
            clusters,
        }
    }
    pub fn now_ns(&self) -> u64 {
        lock(&self.clock).realtime_ns
    }
    pub fn monotonic_ns(&self) -> u64 {
        lock(&self.clock).monotonic_ns
    }
    pub fn advance(&self, ns: u64) {
        let mut c = lock(&self.clock);
        c.realtime_ns += ns;
        c.monotonic_ns += ns;
    }
    pub fn next_random(&self) -> u64 {
        // xorshift64*: tests need bytes, not cryptographic quality.
        let mut s = lock(&self.rng);
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Whether a header map may be used in the current callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Access {
    #[default]
    None,
    Read,
    ReadWrite,
}

/// Per-stream facts behind the `request.*`, `response.*`, `source.*` properties.
#[derive(Clone, Debug, Default)]
pub(crate) struct StreamInfo {
    pub stream_id: u64,
    pub start_ns: u64,
    pub source_port: u16,
    pub request_body_size: u64,
    pub response_body_size: u64,
    pub response_code: Option<u16>,
    pub response_code_details: String,
    pub upstream_reached: bool,
}

/// The part of a stream a callback can see; moved into the store for the call and back.
#[derive(Default)]
pub(crate) struct StreamView {
    pub req_headers: Headers,
    pub req_headers_access: Access,
    pub req_trailers: Headers,
    pub req_trailers_access: Access,
    pub resp_headers: Headers,
    pub resp_headers_access: Access,
    pub resp_trailers: Headers,
    pub resp_trailers_access: Access,
    /// The filter's request-body buffer, present during its request-body callback.
    pub req_body: Option<Vec<u8>>,
    pub resp_body: Option<Vec<u8>>,
    pub filter_state: BTreeMap<String, Vec<u8>>,
    pub info: StreamInfo,
}

/// What the current callback may touch.
#[derive(Default)]
pub(crate) struct Call {
    /// Context the callback runs for (root or stream context).
    pub context_id: u32,
    pub effective_context: u32,
    pub stream: Option<StreamView>,
    pub http_response: Option<(Headers, Vec<u8>, Headers)>,
    /// VM / plugin configuration buffers are readable (on_vm_start, on_configure).
    pub config_phase: bool,
}

/// Stream action requested by continue_stream / close_stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StreamAction {
    Continue,
    Close,
}

/// A dispatched call waiting for its response.
#[derive(Clone, Debug)]
pub(crate) struct PendingCall {
    pub token: u32,
    pub context_id: u32,
    pub request: HttpCallRequest,
}

/// Things a callback asked the host to do; the chain acts on them when the callback returns.
#[derive(Default)]
pub(crate) struct Effects {
    /// (context the reply is for, the reply)
    pub local_reply: Option<(u32, LocalReply)>,
    /// (context id, stream type 0 = request / 1 = response, action)
    pub stream_actions: Vec<(u32, i32, StreamAction)>,
    pub http_calls: Vec<PendingCall>,
}

/// Store data of one VM (one wasm instance).
pub(crate) struct VmState {
    pub uid: u64,
    pub filter: String,
    pub root_id: String,
    pub vm_id: String,
    pub root_context_id: u32,
    pub vm_config: Vec<u8>,
    pub plugin_config: Vec<u8>,
    pub env: Vec<(String, String)>,
    pub shared: Arc<HostShared>,
    pub call: Call,
    pub effects: Effects,
    pub logs: Vec<LogEntry>,
    pub tick_period_ms: u32,
    pub next_call_token: u32,
    /// Stream context ids alive in this VM (for set_effective_context).
    pub live_contexts: Vec<u32>,
    /// The instance's `memory` and allocator, looked up once after instantiation (host calls
    /// use them on every call; a lookup by name each time was a tenth of the harness's cost).
    pub exports: GuestExports,
}

/// Exports host calls need, resolved once per instance.
#[derive(Default, Clone)]
pub(crate) struct GuestExports {
    pub memory: Option<wasmtime::Memory>,
    pub alloc: Option<wasmtime::TypedFunc<i32, i32>>,
}

impl VmState {
    /// Records a line the harness writes about this filter (prefixed `harness:`).
    pub fn harness_log(&mut self, level: Level, message: String) {
        self.logs.push(LogEntry {
            filter: self.filter.clone(),
            level,
            message: format!("harness: {message}"),
        });
    }
}
