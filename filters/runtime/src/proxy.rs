//! The thin proxy-wasm glue: root and HTTP contexts that forward to [`crate::engine`], and the
//! host calls behind [`Host`] / [`HttpHost`]. Used by [`crate::export_filter!`].
//!
//! Portability (Envoy and Kong's ngx_wasm_module): only `hostcalls` that both hosts implement;
//! never `get_log_level`, `done`, `reset_http_*`, `resume_http_response` or gRPC; bodies are
//! replaced with `set_buffer(0, max(old_len, new_len), new)`; no property reads in `on_configure`
//! (Kong crashed a worker on one).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use proxy_wasm::hostcalls;
use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType, MetricType, Status};

use crate::engine::{Exchange, Flow, Plugin};
use crate::filter::Filter;
use crate::host::{Host, HttpHost, Level, SharedDataError};

thread_local! {
    /// Metric ids by name. Hashed rather than ordered: a bundle defines a hundred names that
    /// share long prefixes (`parapet_<filter>_…`), and every comparison of a tree search is a
    /// `memcmp` call over the shared prefix.
    static METRIC_IDS: RefCell<HashMap<String, u32, BuildHasherDefault<NameHasher>>> =
        RefCell::new(HashMap::default());
}

/// A multiply-rotate hash over eight bytes at a time: metric names are short and trusted (they
/// come from the filters' own code and config), so no DoS-resistant hasher is needed.
#[derive(Default)]
struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let mut tail = [0u8; 8];
        tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(tail) ^ bytes.len() as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The real host, through proxy-wasm host calls.
pub struct WasmHost;

fn level(l: Level) -> LogLevel {
    match l {
        Level::Trace => LogLevel::Trace,
        Level::Debug => LogLevel::Debug,
        Level::Info => LogLevel::Info,
        Level::Warn => LogLevel::Warn,
        Level::Error => LogLevel::Error,
        Level::Critical => LogLevel::Critical,
    }
}

fn metric_id(kind: MetricType, name: &str) -> Option<u32> {
    METRIC_IDS.with(|ids| {
        if let Some(id) = ids.borrow().get(name) {
            return Some(*id);
        }
        let id = hostcalls::define_metric(kind, name).ok()?;
        ids.borrow_mut().insert(name.to_string(), id);
        Some(id)
    })
}

impl Host for WasmHost {
    fn now(&self) -> SystemTime {
        hostcalls::get_current_time().unwrap_or(UNIX_EPOCH)
    }

    fn log(&self, l: Level, message: &str) {
        let _ = hostcalls::log(level(l), message);
    }

    fn property(&self, path: &[&str]) -> Option<Vec<u8>> {
        hostcalls::get_property(path.to_vec()).ok().flatten()
    }

    fn set_property(&self, path: &[&str], value: &[u8]) -> bool {
        hostcalls::set_property(path.to_vec(), Some(value)).is_ok()
    }

    fn shared_data(&self, key: &str) -> (Option<Vec<u8>>, Option<u32>) {
        hostcalls::get_shared_data(key).unwrap_or((None, None))
    }

    fn set_shared_data(
        &self,
        key: &str,
        value: &[u8],
        cas: Option<u32>,
    ) -> Result<(), SharedDataError> {
        hostcalls::set_shared_data(key, Some(value), cas).map_err(|s| match s {
            Status::CasMismatch => SharedDataError::CasMismatch,
            _ => SharedDataError::Failed,
        })
    }

    fn increment_counter(&self, name: &str, delta: u64) {
        if let Some(id) = metric_id(MetricType::Counter, name) {
            let _ = hostcalls::increment_metric(id, delta.min(i64::MAX as u64) as i64);
        }
    }

    fn record_histogram(&self, name: &str, value: u64) {
        if let Some(id) = metric_id(MetricType::Histogram, name) {
            let _ = hostcalls::record_metric(id, value);
        }
    }
}

impl HttpHost for WasmHost {
    fn request_headers(&self) -> Vec<(String, String)> {
        hostcalls::get_map(MapType::HttpRequestHeaders).unwrap_or_default()
    }

    fn remove_request_header(&self, name: &str) {
        let _ = hostcalls::remove_map_value(MapType::HttpRequestHeaders, name);
    }

    fn request_body(&self, size: usize) -> Option<Vec<u8>> {
        hostcalls::get_buffer(BufferType::HttpRequestBody, 0, size)
            .ok()
            .flatten()
    }

    fn replace_request_body(&self, old_len: usize, body: &[u8]) {
        let _ = hostcalls::set_buffer(
            BufferType::HttpRequestBody,
            0,
            old_len.max(body.len()),
            body,
        );
    }

    fn response_headers(&self) -> Vec<(String, String)> {
        hostcalls::get_map(MapType::HttpResponseHeaders).unwrap_or_default()
    }

    fn remove_response_header(&self, name: &str) {
        let _ = hostcalls::remove_map_value(MapType::HttpResponseHeaders, name);
    }

    fn add_response_header(&self, name: &str, value: &str) {
        let _ = hostcalls::add_map_value(MapType::HttpResponseHeaders, name, value);
    }

    fn response_body(&self, size: usize) -> Option<Vec<u8>> {
        hostcalls::get_buffer(BufferType::HttpResponseBody, 0, size)
            .ok()
            .flatten()
    }

    fn replace_response_body(&self, old_len: usize, body: &[u8]) {
        let _ = hostcalls::set_buffer(
            BufferType::HttpResponseBody,
            0,
            old_len.max(body.len()),
            body,
        );
    }

    fn send_local_reply(&self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let _ = hostcalls::send_http_response(u32::from(status), headers.to_vec(), Some(body));
    }
}

fn action(flow: Flow) -> Action {
    match flow {
        Flow::Continue => Action::Continue,
        Flow::Pause => Action::Pause,
    }
}

/// The root context of a filter: parses the configuration.
pub struct Root<F: Filter> {
    plugin: Option<Rc<Plugin<F>>>,
    version: &'static str,
}

impl<F: Filter> Root<F> {
    pub fn new(version: &'static str) -> Self {
        Root {
            plugin: None,
            version,
        }
    }
}

impl<F: Filter> Context for Root<F> {}

impl<F: Filter> RootContext for Root<F> {
    fn on_vm_start(&mut self, _vm_configuration_size: usize) -> bool {
        true
    }

    fn on_configure(&mut self, _plugin_configuration_size: usize) -> bool {
        let raw = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
            .ok()
            .flatten();
        match Plugin::<F>::configure(raw.as_deref(), self.version) {
            Ok(plugin) => {
                WasmHost.log(
                    Level::Info,
                    &format!(
                        "parapet {} {}: configured (mode {})",
                        F::NAME,
                        self.version,
                        plugin.common.mode.as_str()
                    ),
                );
                self.plugin = Some(Rc::new(plugin));
                true
            }
            Err(e) => {
                WasmHost.log(
                    Level::Error,
                    &format!("parapet {}: configuration rejected: {e}", F::NAME),
                );
                false
            }
        }
    }

    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Http::<F> {
            plugin: self.plugin.clone(),
            exchange: Exchange::new(),
            _f: PhantomData,
        }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

/// One HTTP stream.
pub struct Http<F: Filter> {
    plugin: Option<Rc<Plugin<F>>>,
    exchange: Exchange<F>,
    _f: PhantomData<F>,
}

impl<F: Filter> Context for Http<F> {}

impl<F: Filter> HttpContext for Http<F> {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        match &self.plugin {
            Some(p) => action(
                self.exchange
                    .on_request_headers(p, &WasmHost, end_of_stream),
            ),
            None => Action::Continue,
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        match &self.plugin {
            Some(p) => {
                action(
                    self.exchange
                        .on_request_body(p, &WasmHost, body_size, end_of_stream),
                )
            }
            None => Action::Continue,
        }
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        match &self.plugin {
            Some(p) => action(self.exchange.on_request_trailers(p, &WasmHost)),
            None => Action::Continue,
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        match &self.plugin {
            Some(p) => action(
                self.exchange
                    .on_response_headers(p, &WasmHost, end_of_stream),
            ),
            None => Action::Continue,
        }
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        match &self.plugin {
            Some(p) => {
                action(
                    self.exchange
                        .on_response_body(p, &WasmHost, body_size, end_of_stream),
                )
            }
            None => Action::Continue,
        }
    }
}

/// Exports a [`Filter`] as the module's proxy-wasm entry point. Use once per cdylib:
/// `parapet_runtime::export_filter!(MyFilter);`
#[macro_export]
macro_rules! export_filter {
    ($filter:ty) => {
        // Small blocks from size-class free lists: the per-request allocations skip
        // wasi-libc's malloc (parapet-alloc).
        $crate::__alloc::global!();

        $crate::__proxy_wasm::main! {{
            $crate::__proxy_wasm::set_log_level($crate::__proxy_wasm::types::LogLevel::Info);
            $crate::__proxy_wasm::set_root_context(|_| -> ::std::boxed::Box<dyn $crate::__proxy_wasm::traits::RootContext> {
                ::std::boxed::Box::new($crate::proxy::Root::<$filter>::new(env!("CARGO_PKG_VERSION")))
            });
        }}
    };
}
