//! An in-memory host for native unit tests of the runtime and of filters built on it.
//!
//! ```
//! use parapet_runtime::testing::FakeHost;
//! use parapet_runtime::host::Host;
//! let host = FakeHost::default();
//! host.set_property(&["parapet.x.action"], b"block");
//! assert_eq!(host.property(&["parapet.x.action"]), Some(b"block".to_vec()));
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::host::{Host, HttpHost, Level, SharedDataError};

/// A local reply the fake host received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Everything a [`FakeHost`] records or serves. Public so tests can arrange and inspect it.
#[derive(Debug, Default)]
pub struct FakeState {
    pub now: Option<SystemTime>,
    pub logs: Vec<(Level, String)>,
    pub properties: BTreeMap<String, Vec<u8>>,
    /// How many property reads were made (each one a host call in a proxy).
    pub property_reads: usize,
    /// Property keys whose writes the host refuses (to test fallbacks).
    pub refused_properties: Vec<String>,
    pub shared: BTreeMap<String, (Vec<u8>, u32)>,
    pub counters: BTreeMap<String, u64>,
    pub histograms: BTreeMap<String, Vec<u64>>,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    /// `request_body` returns None (Kong: body spooled to a file).
    pub request_body_unreadable: bool,
    pub response_headers: Vec<(String, String)>,
    /// The current response chunk (what `response_body` returns).
    pub response_body: Vec<u8>,
    pub local_reply: Option<LocalReply>,
}

/// An in-memory [`Host`] + [`HttpHost`].
#[derive(Debug, Default)]
pub struct FakeHost {
    pub state: RefCell<FakeState>,
}

impl FakeHost {
    /// The JSON security events logged so far.
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.state
            .borrow()
            .logs
            .iter()
            .filter_map(|(_, m)| serde_json::from_str::<serde_json::Value>(m).ok())
            .filter(|v| v.get("schema").is_some())
            .collect()
    }

    pub fn counter(&self, name: &str) -> u64 {
        self.state.borrow().counters.get(name).copied().unwrap_or(0)
    }
}

fn path_key(path: &[&str]) -> String {
    path.join(".")
}

impl Host for FakeHost {
    fn now(&self) -> SystemTime {
        self.state
            .borrow()
            .now
            .unwrap_or(UNIX_EPOCH + Duration::from_secs(1_764_133_200))
    }

    fn log(&self, level: Level, message: &str) {
        self.state
            .borrow_mut()
            .logs
            .push((level, message.to_string()));
    }

    fn property(&self, path: &[&str]) -> Option<Vec<u8>> {
        let mut s = self.state.borrow_mut();
        s.property_reads += 1;
        s.properties.get(&path_key(path)).cloned()
    }

    fn set_property(&self, path: &[&str], value: &[u8]) -> bool {
        let key = path_key(path);
        let mut s = self.state.borrow_mut();
        if s.refused_properties.contains(&key) {
            return false;
        }
        s.properties.insert(key, value.to_vec());
        true
    }

    fn shared_data(&self, key: &str) -> (Option<Vec<u8>>, Option<u32>) {
        match self.state.borrow().shared.get(key) {
            Some((v, cas)) => (Some(v.clone()), Some(*cas)),
            None => (None, None),
        }
    }

    fn set_shared_data(
        &self,
        key: &str,
        value: &[u8],
        cas: Option<u32>,
    ) -> Result<(), SharedDataError> {
        let mut s = self.state.borrow_mut();
        let current = s.shared.get(key).map(|(_, c)| *c);
        if let (Some(expected), Some(actual)) = (cas, current) {
            if expected != actual {
                return Err(SharedDataError::CasMismatch);
            }
        }
        let next = current.unwrap_or(0) + 1;
        s.shared.insert(key.to_string(), (value.to_vec(), next));
        Ok(())
    }

    fn increment_counter(&self, name: &str, delta: u64) {
        *self
            .state
            .borrow_mut()
            .counters
            .entry(name.to_string())
            .or_insert(0) += delta;
    }

    fn record_histogram(&self, name: &str, value: u64) {
        self.state
            .borrow_mut()
            .histograms
            .entry(name.to_string())
            .or_default()
            .push(value);
    }
}

impl HttpHost for FakeHost {
    fn request_headers(&self) -> Vec<(String, String)> {
        self.state.borrow().request_headers.clone()
    }

    fn remove_request_header(&self, name: &str) {
        self.state
            .borrow_mut()
            .request_headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    fn request_body(&self, size: usize) -> Option<Vec<u8>> {
        let s = self.state.borrow();
        if s.request_body_unreadable {
            return None;
        }
        Some(s.request_body[..size.min(s.request_body.len())].to_vec())
    }

    fn replace_request_body(&self, _old_len: usize, body: &[u8]) {
        self.state.borrow_mut().request_body = body.to_vec();
    }

    fn response_headers(&self) -> Vec<(String, String)> {
        self.state.borrow().response_headers.clone()
    }

    fn remove_response_header(&self, name: &str) {
        self.state
            .borrow_mut()
            .response_headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    fn add_response_header(&self, name: &str, value: &str) {
        self.state
            .borrow_mut()
            .response_headers
            .push((name.to_string(), value.to_string()));
    }

    fn response_body(&self, size: usize) -> Option<Vec<u8>> {
        let s = self.state.borrow();
        Some(s.response_body[..size.min(s.response_body.len())].to_vec())
    }

    fn replace_response_body(&self, _old_len: usize, body: &[u8]) {
        self.state.borrow_mut().response_body = body.to_vec();
    }

    fn send_local_reply(&self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        self.state.borrow_mut().local_reply = Some(LocalReply {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        });
    }
}
