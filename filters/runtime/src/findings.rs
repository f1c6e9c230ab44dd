//! Findings shared between the filters of one request, through per-stream properties.
//!
//! A filter publishes `parapet.<filter>.<field>` with `set_property`; Envoy stores it as filter
//! state `wasm.parapet.<filter>.<field>` (also usable in access logs as
//! `%FILTER_STATE(wasm.parapet.prompt-guard.action:PLAIN)%`), and a later filter of the same
//! stream (typically `policy`) reads it with `get_property`. The runtime publishes, for every
//! decision a filter takes: `action` (`allow`/`rewrite`/`block`/`error`), `categories` and
//! `rule_ids` (comma-separated), and `mode`.
//!
//! Why a client cannot spoof them: they are not headers. Filter state is written only by filters
//! through host calls and lives in the proxy's per-stream memory; nothing a client sends is copied
//! into it. An absent value means "that filter did not run (or not yet)" — the policy filter must
//! treat absence as unknown, not as clean. (Header-based identity is a different matter: see
//! `identity`.) On Kong, where arbitrary property names may be refused, the runtime falls back to
//! the per-request `wasmx.` namespace.

use crate::host::Host;

fn key(filter: &str, field: &str) -> String {
    format!("parapet.{filter}.{field}")
}

/// Writes `parapet.<filter>.<field>`; falls back to `wasmx.parapet...` when refused.
pub fn publish(host: &dyn Host, filter: &str, field: &str, value: &str) -> bool {
    let k = key(filter, field);
    host.set_property(&[&k], value.as_bytes())
        || host.set_property(&[&format!("wasmx.{k}")], value.as_bytes())
}

/// Reads `parapet.<filter>.<field>` (or its `wasmx.` fallback).
pub fn read(host: &dyn Host, filter: &str, field: &str) -> Option<String> {
    let k = key(filter, field);
    host.property(&[&k])
        .or_else(|| host.property(&[&format!("wasmx.{k}")]))
        .and_then(|v| String::from_utf8(v).ok())
}
