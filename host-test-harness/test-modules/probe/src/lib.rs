//! Test-only proxy-wasm module: exercises every host function the harness implements.
//!
//! Driven by the `x-probe` request header (comma-separated actions, each `name` or
//! `name:arg`) and by its JSON configuration:
//! `{"block_word": "...", "replace_from": "...", "replace_to": "...", "tick_ms": 100,
//!   "reject": true}`. See `host-test-harness/README.md` for the action list.
use std::collections::HashMap;
use std::time::UNIX_EPOCH;

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel, MetricType, Status};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Trace);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(ProbeRoot::default()) });
}}

// Raw imports, to observe the status codes the SDK would turn into panics.
#[allow(clashing_extern_declarations)]
#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_grpc_cancel(token: u32) -> u32;
    fn proxy_get_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
}

fn raw_header_status(map_type: u32, key: &str) -> u32 {
    let mut ptr: *mut u8 = std::ptr::null_mut();
    let mut size: usize = 0;
    // SAFETY: the host writes a pointer it allocated with proxy_on_memory_allocate (or null)
    // and its size; the probe leaks it, which is fine for a test module.
    unsafe { proxy_get_header_map_value(map_type, key.as_ptr(), key.len(), &mut ptr, &mut size) }
}

#[derive(Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    block_word: Option<String>,
    #[serde(default)]
    replace_from: Option<String>,
    #[serde(default)]
    replace_to: Option<String>,
    #[serde(default)]
    tick_ms: Option<u32>,
    #[serde(default)]
    reject: bool,
    /// Read properties in on_configure (default true; Kong's host crashes on that).
    #[serde(default)]
    configure_props: Option<bool>,
}

#[derive(Default, Clone, Copy)]
struct Metrics {
    requests: u32,
    inflight: u32,
    body_bytes: u32,
    ticks: u32,
}

#[derive(Default)]
struct ProbeRoot {
    config: Config,
    metrics: Metrics,
    queue: Option<u32>,
}

impl Context for ProbeRoot {
    fn on_http_call_response(&mut self, token: u32, _h: usize, body_size: usize, _t: usize) {
        let body = self
            .get_http_call_response_body(0, body_size)
            .unwrap_or_default();
        log::info!(
            "probe root call {token} response body={}",
            String::from_utf8_lossy(&body)
        );
    }
}

impl RootContext for ProbeRoot {
    fn on_vm_start(&mut self, vm_configuration_size: usize) -> bool {
        let vm_config = self.get_vm_configuration().unwrap_or_default();
        let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
        log::info!(
            "probe vm start: vm_config_size={vm_configuration_size} vm_config={} env={env:?}",
            String::from_utf8_lossy(&vm_config)
        );
        true
    }

    fn on_configure(&mut self, _size: usize) -> bool {
        let raw = self.get_plugin_configuration().unwrap_or_default();
        let config: Config = if raw.is_empty() {
            Config::default()
        } else {
            match serde_json::from_slice(&raw) {
                Ok(c) => c,
                Err(e) => {
                    log::error!("probe config rejected: {e}");
                    return false;
                }
            }
        };
        if config.reject {
            log::warn!("probe config rejected: reject=true");
            return false;
        }
        let metric = |t, n: &str| hostcalls::define_metric(t, n).unwrap_or(0);
        self.metrics = Metrics {
            requests: metric(MetricType::Counter, "probe_requests_total"),
            inflight: metric(MetricType::Gauge, "probe_inflight"),
            body_bytes: metric(MetricType::Histogram, "probe_body_bytes"),
            ticks: metric(MetricType::Counter, "probe_ticks_total"),
        };
        if let Some(ms) = config.tick_ms {
            self.set_tick_period(std::time::Duration::from_millis(ms as u64));
        }
        self.queue = self.register_shared_queue("probe_queue").into();
        if config.configure_props.unwrap_or(true) {
            let name = prop_str(&["plugin_name"]);
            log::info!("probe configured: plugin_name={name}");
        }
        self.config = config;
        true
    }

    fn on_tick(&mut self) {
        let _ = hostcalls::increment_metric(self.metrics.ticks, 1);
        let now = self
            .get_current_time()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        log::info!("probe tick at {now}");
    }

    fn on_queue_ready(&mut self, queue_id: u32) {
        while let Ok(Some(item)) = self.dequeue_shared_queue(queue_id) {
            log::info!("probe queue item: {}", String::from_utf8_lossy(&item));
        }
    }

    fn create_http_context(&self, context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(ProbeHttp {
            id: context_id,
            config: self.config.clone(),
            metrics: self.metrics,
            ..ProbeHttp::default()
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

fn prop_str(path: &[&str]) -> String {
    match hostcalls::get_property(path.to_vec()) {
        Ok(Some(v)) => String::from_utf8_lossy(&v).into_owned(),
        Ok(None) => "<none>".into(),
        Err(s) => format!("<err {s:?}>"),
    }
}

#[derive(Default)]
struct ProbeHttp {
    id: u32,
    config: Config,
    metrics: Metrics,
    actions: HashMap<String, String>,
    name: String,
    cas: Option<(u64, Option<u32>)>,
    body_chunks: usize,
}

impl ProbeHttp {
    fn has(&self, action: &str) -> bool {
        self.actions.contains_key(action)
    }
    fn arg(&self, action: &str) -> Option<&str> {
        self.actions.get(action).map(String::as_str)
    }

    fn local_reply(&mut self, status: u32, body: &str) -> Action {
        self.send_http_response(
            status,
            vec![("content-type", "application/json"), ("x-probe", "blocked")],
            Some(body.as_bytes()),
        );
        Action::Pause
    }

    fn shared_counter(&self) -> (u64, Option<u32>) {
        match self.get_shared_data("counter") {
            (Some(v), cas) => (String::from_utf8_lossy(&v).parse().unwrap_or(0), cas),
            (None, cas) => (0, cas),
        }
    }

    fn cas_increment(&self) -> u32 {
        let mut retries = 0;
        loop {
            let (v, cas) = self.shared_counter();
            match self.set_shared_data("counter", Some((v + 1).to_string().as_bytes()), cas) {
                Ok(()) => return retries,
                Err(Status::CasMismatch) => retries += 1,
                Err(e) => {
                    log::error!("probe cas error {e:?}");
                    return retries;
                }
            }
        }
    }

    fn request_header_actions(&mut self) -> Action {
        if self.has("log-levels") {
            log::trace!("probe level trace");
            log::debug!("probe level debug");
            log::info!("probe level info");
            log::warn!("probe level warn");
            log::error!("probe level error");
        }
        if self.has("props") {
            for p in [
                "request.path",
                "request.url_path",
                "request.method",
                "request.host",
                "request.scheme",
                "request.id",
                "request.protocol",
                "source.address",
                "destination.address",
                "plugin_name",
                "plugin_root_id",
                "plugin_vm_id",
                "xds.cluster_name",
                "node.id",
            ] {
                let parts: Vec<&str> = p.split('.').collect();
                log::info!("probe prop {p}={}", prop_str(&parts));
            }
            if let Ok(Some(v)) = hostcalls::get_property(vec!["source", "port"]) {
                let n = v
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .map(i64::from_le_bytes)
                    .unwrap_or(-1);
                log::info!("probe prop source.port(le)={n} len={}", v.len());
            }
            log::info!("probe prop metadata.x={}", prop_str(&["metadata", "x"]));
        }
        if self.has("headers") {
            let pairs = self.get_http_request_headers();
            let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            log::info!("probe request headers: {names:?}");
            self.set_http_request_header("x-probe-replaced", Some("r1"));
            self.add_http_request_header("x-probe-multi", "a");
            self.add_http_request_header("x-probe-multi", "b");
            self.add_http_request_header("X-Probe-Upper", "u");
            self.set_http_request_header("x-probe-remove-me", None);
            if let Some(v) = self.get_http_request_header("x-probe-pairs") {
                let mut all = self.get_http_request_headers();
                all.push(("x-probe-from-pairs".into(), v));
                self.set_http_request_headers(
                    all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
                );
            }
        }
        if let Some(path) = self.arg("set-path") {
            let path = path.to_string();
            self.set_http_request_header(":path", Some(&path));
        }
        if self.has("chain") {
            let prev = self.get_http_request_header("x-probe-chain");
            let v = match prev {
                Some(p) => format!("{p},{}", self.name),
                None => self.name.clone(),
            };
            self.set_http_request_header("x-probe-chain", Some(&v));
        }
        if let Some(v) = self.arg("set-prop") {
            let v = v.to_string();
            let r = hostcalls::set_property(vec!["probe_prop"], Some(v.as_bytes()));
            log::info!("probe set-prop {v}: {r:?}");
        }
        if self.has("read-prop") {
            let v = prop_str(&["probe_prop"]);
            log::info!("probe read-prop probe_prop={v}");
            self.set_http_request_header("x-probe-prop", Some(&v));
        }
        if let Some(v) = self.arg("filter-state") {
            let args = filter_state_args("probe.fs", v);
            let r = hostcalls::call_foreign_function("set_envoy_filter_state", Some(&args));
            log::info!("probe filter-state: {r:?}");
        }
        if let Some(name) = self.arg("foreign") {
            let name = name.to_string();
            let r = hostcalls::call_foreign_function(&name, Some(b"x"));
            log::info!("probe foreign {name}: {r:?}");
        }
        if self.has("raw-grpc-cancel") {
            // SAFETY: plain host call with an integer argument.
            let status = unsafe { proxy_grpc_cancel(1) };
            log::info!("probe raw grpc_cancel status={status}");
        }
        if self.has("metrics") {
            let _ = hostcalls::increment_metric(self.metrics.inflight, 5);
            let _ = hostcalls::increment_metric(self.metrics.inflight, -2);
            let _ = hostcalls::record_metric(self.metrics.body_bytes, 42);
            let counter = hostcalls::get_metric(self.metrics.requests);
            let gauge = hostcalls::get_metric(self.metrics.inflight);
            let hist = hostcalls::get_metric(self.metrics.body_bytes);
            let neg = hostcalls::increment_metric(self.metrics.requests, -1);
            log::info!("probe metrics counter={counter:?} gauge={gauge:?} histogram={hist:?} negative-counter={neg:?}");
        }
        if self.has("time") {
            let t = self
                .get_current_time()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let std_t = std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            log::info!("probe time host={t} wasi={std_t}");
        }
        if self.has("random") {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(1);
            log::info!("probe random {}", h.finish());
        }
        if self.has("stdio") {
            println!("probe stdout line");
            eprintln!("probe stderr line");
        }
        if self.has("done") {
            log::info!("probe done: {:?}", hostcalls::done());
        }
        if let Some(code) = self.arg("exit") {
            std::process::exit(code.parse().unwrap_or(1));
        }
        if self.has("cas") {
            let retries = self.cas_increment();
            log::info!(
                "probe cas retries={retries} counter={}",
                self.shared_counter().0
            );
        }
        if self.has("cas-split") {
            self.cas = Some(self.shared_counter());
            log::info!("probe cas-split read {:?}", self.cas);
        }
        if let Some(msg) = self.arg("enqueue") {
            let msg = msg.to_string();
            let vm_id = prop_str(&["plugin_vm_id"]);
            match self.resolve_shared_queue(&vm_id, "probe_queue") {
                Some(q) => log::info!(
                    "probe enqueue: {:?}",
                    self.enqueue_shared_queue(q, Some(msg.as_bytes()))
                ),
                None => log::info!("probe enqueue: queue not found"),
            }
        }
        if self.has("remove-cl") || self.config.replace_from.is_some() {
            self.set_http_request_header("content-length", None);
        }
        if let Some(cluster) = self.arg("call") {
            let cluster = cluster.to_string();
            let r = self.dispatch_http_call(
                &cluster,
                vec![
                    (":method", "GET"),
                    (":path", "/side"),
                    (":authority", "side"),
                ],
                Some(b"ping"),
                vec![],
                std::time::Duration::from_secs(2),
            );
            log::info!("probe call {cluster}: {r:?}");
            if r.is_ok() {
                return Action::Pause;
            }
        }
        if self.has("reset") {
            self.reset_http_request();
            return Action::Pause;
        }
        if self.has("block-headers") {
            return self.local_reply(403, "{\"error\":\"blocked in headers\"}");
        }
        if self.has("panic-headers") {
            panic!("probe panic in request headers");
        }
        if self.has("pause-headers") {
            return Action::Pause;
        }
        Action::Continue
    }
}

impl Context for ProbeHttp {
    fn on_http_call_response(
        &mut self,
        token: u32,
        num_headers: usize,
        body_size: usize,
        _t: usize,
    ) {
        let status = self
            .get_http_call_response_header(":status")
            .unwrap_or_else(|| "none".into());
        let body = self
            .get_http_call_response_body(0, body_size)
            .unwrap_or_default();
        log::info!(
            "probe call {token} response status={status} headers={num_headers} body={}",
            String::from_utf8_lossy(&body)
        );
        if self.has("call-block") {
            self.local_reply(403, "{\"error\":\"blocked after call\"}");
            return;
        }
        self.set_http_request_header("x-side-status", Some(&status));
        self.resume_http_request();
    }
}

impl HttpContext for ProbeHttp {
    fn on_http_request_headers(&mut self, num_headers: usize, end_of_stream: bool) -> Action {
        self.name = prop_str(&["plugin_name"]);
        let _ = hostcalls::increment_metric(self.metrics.requests, 1);
        log::info!(
            "probe {} request headers n={num_headers} eos={end_of_stream}",
            self.id
        );
        let spec = self.get_http_request_header("x-probe").unwrap_or_default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = item.split_once(':').unwrap_or((item, ""));
            // Actions can target one filter of a chain: "name=action".
            let (target, k) = match k.split_once('=') {
                Some((t, k)) => (Some(t), k),
                None => (None, k),
            };
            if target.is_none() || target == Some(self.name.as_str()) {
                self.actions.insert(k.to_string(), v.to_string());
            }
        }
        self.request_header_actions()
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.body_chunks += 1;
        log::info!("probe request body size={body_size} eos={end_of_stream}");
        let _ = hostcalls::record_metric(self.metrics.body_bytes, body_size as u64);
        if self.has("req-header-in-body") {
            log::info!(
                "probe request header in body status={}",
                raw_header_status(0, ":path")
            );
        }
        if self.has("panic-body") {
            panic!("probe panic in request body");
        }
        if self.has("body-continue") {
            return Action::Continue;
        }
        if let Some(append) = self.arg("append-chunk") {
            let append = append.to_string();
            let _ = hostcalls::set_buffer(
                proxy_wasm::types::BufferType::HttpRequestBody,
                body_size,
                0,
                append.as_bytes(),
            );
            return Action::Continue;
        }
        if !end_of_stream {
            return Action::Pause;
        }
        let body = self.get_http_request_body(0, body_size).unwrap_or_default();
        let text = String::from_utf8_lossy(&body).into_owned();
        if let Some(word) = &self.config.block_word {
            if text.contains(word.as_str()) {
                return self.local_reply(403, "{\"error\":\"blocked by probe\"}");
            }
        }
        if self.has("block-body") {
            return self.local_reply(403, "{\"error\":\"blocked in body\"}");
        }
        if let Some((from, to)) = self
            .config
            .replace_from
            .clone()
            .zip(self.config.replace_to.clone())
        {
            if text.contains(from.as_str()) {
                let new = text.replace(from.as_str(), to.as_str());
                self.set_http_request_body(0, body_size, new.as_bytes());
            }
        }
        if let Some(v) = self.arg("body-prefix") {
            let v = v.to_string();
            self.set_http_request_body(0, 0, v.as_bytes());
        }
        if self.has("cas-split") {
            if let Some((v, cas)) = self.cas.take() {
                let r = self.set_shared_data("counter", Some((v + 1).to_string().as_bytes()), cas);
                log::info!("probe cas-split write: {r:?}");
            }
        }
        if self.has("pause-body-eos") {
            return Action::Pause;
        }
        Action::Continue
    }

    fn on_http_request_trailers(&mut self, num_trailers: usize) -> Action {
        let t = self.get_http_request_trailers();
        log::info!("probe request trailers n={num_trailers} {t:?}");
        self.add_http_request_trailer("x-probe-trailer", &self.name.clone());
        Action::Continue
    }

    fn on_http_response_headers(&mut self, num_headers: usize, end_of_stream: bool) -> Action {
        let status = self.get_http_response_header(":status").unwrap_or_default();
        log::info!("probe response headers n={num_headers} eos={end_of_stream} status={status}");
        if self.has("req-header-in-response") {
            log::info!(
                "probe request header in response status={}",
                raw_header_status(0, ":path")
            );
        }
        self.add_http_response_header("x-probe-resp", &self.name.clone());
        if self.has("shared-get") {
            let v = self.shared_counter().0.to_string();
            self.set_http_response_header("x-probe-counter", Some(&v));
        }
        if self.has("read-prop") {
            let v = prop_str(&["probe_prop"]);
            self.set_http_response_header("x-probe-prop", Some(&v));
        }
        if self.has("resp-buffer") || self.has("resp-sse") || self.has("resp-upper") {
            self.set_http_response_header("content-length", None);
        }
        if self.has("panic-response") {
            panic!("probe panic in response headers");
        }
        if self.has("block-response") {
            return self.local_reply(502, "{\"error\":\"blocked in response\"}");
        }
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        log::info!("probe response body size={body_size} eos={end_of_stream}");
        if self.has("resp-upper") {
            let body = self
                .get_http_response_body(0, body_size)
                .unwrap_or_default();
            let upper = String::from_utf8_lossy(&body).to_uppercase();
            self.set_http_response_body(0, body_size, upper.as_bytes());
            return Action::Continue;
        }
        if self.has("resp-buffer") {
            if !end_of_stream {
                return Action::Pause;
            }
            let body = self
                .get_http_response_body(0, body_size)
                .unwrap_or_default();
            let new = String::from_utf8_lossy(&body).replace("secret", "[REDACTED]");
            self.set_http_response_body(0, body_size, new.as_bytes());
            return Action::Continue;
        }
        if self.has("resp-sse") {
            let body = self
                .get_http_response_body(0, body_size)
                .unwrap_or_default();
            if !body.ends_with(b"\n\n") && !end_of_stream {
                return Action::Pause;
            }
            let new = String::from_utf8_lossy(&body).replace("secret", "[REDACTED]");
            self.set_http_response_body(0, body_size, new.as_bytes());
        }
        Action::Continue
    }

    fn on_http_response_trailers(&mut self, num_trailers: usize) -> Action {
        log::info!("probe response trailers n={num_trailers}");
        Action::Continue
    }

    fn on_log(&mut self) {
        let path = self.get_http_request_header(":path").unwrap_or_default();
        log::info!(
            "probe on_log path={path} prop={} code={:?} chunks={}",
            prop_str(&["probe_prop"]),
            hostcalls::get_property(vec!["response", "code"])
                .ok()
                .flatten()
                .map(|v| v.len()),
            self.body_chunks
        );
    }
}

/// Encodes Envoy's `SetEnvoyFilterStateArguments{path=1, value=2}`.
fn filter_state_args(path: &str, value: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (field, s) in [(1u8, path), (2u8, value)] {
        out.push(field << 3 | 2);
        let mut len = s.len();
        loop {
            let b = (len & 0x7f) as u8;
            len >>= 7;
            if len == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(s.as_bytes());
    }
    out
}
