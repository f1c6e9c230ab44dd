//! # parapet-harness: a proxy-wasm host on wasmtime that behaves like Envoy
//!
//! Runs Parapet's filters (and any proxy-wasm ABI 0.2.1 module) without a proxy, the way
//! Envoy 1.40 runs them: the same lifecycle, header-access rules per phase, Pause /
//! buffering semantics, local replies, traps and failure policies, shared data, metrics,
//! HTTP callouts. Tests read like a story:
//!
//! ```no_run
//! # fn main() -> parapet_harness::Result<()> {
//! use parapet_harness::{Chain, Request, Upstream};
//! use serde_json::json;
//!
//! let chain = Chain::builder()
//!     .filter("probe", parapet_harness::dist("probe")?, json!({"block_word": "forbidden"}))
//!     .build()?;
//! let out = chain.run(
//!     &Request::post("/v1/chat/completions")
//!         .json_body(r#"{"prompt":"hello"}"#)
//!         .chunks(vec![7, 100]),
//!     &Upstream::json(200, r#"{"ok":true}"#),
//! )?;
//! assert!(out.reached_upstream);
//! assert_eq!(out.response.status, 200);
//! # Ok(()) }
//! ```
//!
//! For step-by-step control, open a [`Stream`] with [`Chain::stream`] and push headers and
//! chunks yourself; several streams may be open at once. The `parapet-harness` binary
//! exposes the same engine as a CLI (see the README).

mod abi;
mod chain;
mod engine;
mod error;
mod host;
mod model;
mod profile;
mod properties;
mod state;
mod vm;

pub mod cli;
pub mod json;

pub use chain::{config_bytes, Chain, ChainBuilder, FailurePolicy, FilterSpec, KongLimits, Stream};
pub use error::{Error, Result};
pub use model::{
    header_value, Chunking, ClientResponse, Headers, Histogram, JsonBody, Level, LocalReply,
    LogEntry, MetricValue, Outcome, Reply, Request, Trap, Upstream, UpstreamRequest,
};
pub use profile::HostProfile;
pub use state::{HttpCallRequest, HttpCallResult};

use std::path::PathBuf;

/// The workspace root (the directory holding `dist/`): `PARAPET_ROOT` if set, else the parent
/// of this crate's directory.
pub fn workspace_root() -> PathBuf {
    if let Ok(root) = std::env::var("PARAPET_ROOT") {
        return PathBuf::from(root);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// Path of a built module: `<workspace>/dist/<name>.wasm`, or `dist/test/<name>.wasm` for
/// test modules. Errors (with "run scripts/build first") when it is missing.
pub fn dist(name: &str) -> Result<PathBuf> {
    let root = workspace_root();
    let candidates = [
        root.join("dist").join(format!("{name}.wasm")),
        root.join("dist").join("test").join(format!("{name}.wasm")),
    ];
    for c in &candidates {
        if c.is_file() {
            return Ok(c.clone());
        }
    }
    Err(Error::new(format!(
        "{} not found (nor {}): run scripts/build first",
        candidates[0].display(),
        candidates[1].display()
    )))
}
