//! The host seen through two small traits, so the runtime's logic runs (and is tested) natively
//! with [`crate::testing::FakeHost`] and runs in a proxy with the proxy-wasm host calls.
//!
//! Only portable host calls are used (Kong's ngx_wasm_module traps or refuses to load on
//! `get_log_level`, `done`, `reset_http_*`, `resume_http_response` and gRPC; see `README.md`).

use std::time::SystemTime;

/// Log levels (proxy-wasm's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Critical,
}

/// Why a shared-data write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedDataError {
    /// Someone else wrote the key since it was read (retry with the new CAS).
    CasMismatch,
    /// Any other host failure.
    Failed,
}

/// Host services available in every phase (filters reach them through `Cx::host`).
pub trait Host {
    /// Wall-clock time from the host.
    fn now(&self) -> SystemTime;
    fn log(&self, level: Level, message: &str);
    /// A property (`["source","address"]`, `["request","id"]`, a filter-state key, ...).
    fn property(&self, path: &[&str]) -> Option<Vec<u8>>;
    /// Sets a property; false when the host refuses it.
    fn set_property(&self, path: &[&str], value: &[u8]) -> bool;
    /// Shared data (per VM id, shared by worker VMs) with its CAS token.
    fn shared_data(&self, key: &str) -> (Option<Vec<u8>>, Option<u32>);
    fn set_shared_data(
        &self,
        key: &str,
        value: &[u8],
        cas: Option<u32>,
    ) -> Result<(), SharedDataError>;
    /// Adds to a counter (defined on first use).
    fn increment_counter(&self, name: &str, delta: u64);
    /// Records a histogram value (defined on first use).
    fn record_histogram(&self, name: &str, value: u64);
}

/// The HTTP stream operations the runtime itself uses. Not given to filters.
pub trait HttpHost: Host {
    /// Request headers (lower-case names). Only valid in the request-headers phase (Envoy).
    fn request_headers(&self) -> Vec<(String, String)>;
    fn remove_request_header(&self, name: &str);
    /// The first `size` bytes of the (buffered) request body.
    fn request_body(&self, size: usize) -> Option<Vec<u8>>;
    /// Replaces the whole buffered request body (`old_len` = bytes the host holds).
    fn replace_request_body(&self, old_len: usize, body: &[u8]);
    fn response_headers(&self) -> Vec<(String, String)>;
    fn remove_response_header(&self, name: &str);
    /// Adds a response header. Only valid in the response-headers phase (Envoy).
    fn add_response_header(&self, name: &str, value: &str);
    fn response_body(&self, size: usize) -> Option<Vec<u8>>;
    fn replace_response_body(&self, old_len: usize, body: &[u8]);
    fn send_local_reply(&self, status: u16, headers: &[(&str, &str)], body: &[u8]);
}
