//! Findings shared between the filters of one request, through per-stream properties.
//!
//! A filter publishes `parapet.<filter>.<field>` with `set_property`; Envoy stores it as filter
//! state `wasm.parapet.<filter>.<field>` (also usable in access logs as
//! `%FILTER_STATE(wasm.parapet.prompt-guard.action:PLAIN)%`), and a later filter of the same
//! stream (typically `policy`) reads it with `get_property`. The runtime publishes, for every
//! decision a filter takes: `action` (`allow`/`rewrite`/`block`/`error`), `categories` and
//! `rule_ids` (comma-separated, not written when empty), and `mode` (written only when it is
//! `monitor`: with `action` present, an absent `mode` means `enforce`).
//!
//! Why a client cannot spoof them: they are not headers. Filter state is written only by filters
//! through host calls and lives in the proxy's per-stream memory; nothing a client sends is copied
//! into it. An absent value means "that filter did not run (or not yet)" — the policy filter must
//! treat absence as unknown, not as clean. (Header-based identity is a different matter: see
//! `identity`.) On Kong, where arbitrary property names may be refused, the runtime falls back to
//! the per-request `wasmx.` namespace.

use std::cell::Cell;

use crate::host::Host;

/// Where this host lets filters write findings, learned from this VM's own writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Namespace {
    /// No write yet: a read tries both names.
    Unknown,
    /// `parapet.<filter>.<field>` was accepted (Envoy).
    Plain,
    /// Only `wasmx.parapet.<filter>.<field>` was (Kong).
    Wasmx,
}

thread_local! {
    // One proxy host decides for every filter alike whether `parapet.*` may be written: once this
    // VM knows, a read asks only for the name every filter wrote. An absent finding then costs
    // one host call instead of two (a `get_property` is ≈1.3 µs in Envoy, and most findings a
    // policy reads are absent: filters not in the chain, fields a filter does not share).
    static NAMESPACE: Cell<Namespace> = const { Cell::new(Namespace::Unknown) };
}

fn key(filter: &str, field: &str) -> String {
    format!("parapet.{filter}.{field}")
}

/// The names a filter publishes its decisions under (`action`, `mode`, `categories`,
/// `rule_ids`, and the same prefixed `response_`), built once per configuration: every request
/// publishes all four of a phase, and formatting eight names per request was measurable.
#[derive(Debug, Clone)]
pub struct DecisionKeys {
    request: [String; 4],
    response: [String; 4],
}

impl DecisionKeys {
    pub fn new(filter: &str) -> Self {
        let fields = |prefix: &str| {
            ["action", "mode", "categories", "rule_ids"]
                .map(|f| key(filter, &format!("{prefix}{f}")))
        };
        DecisionKeys {
            request: fields(""),
            response: fields("response_"),
        }
    }

    /// `[action, mode, categories, rule_ids]` of the request or the response phase.
    pub fn of(&self, response: bool) -> &[String; 4] {
        if response {
            &self.response
        } else {
            &self.request
        }
    }
}

/// Writes `parapet.<filter>.<field>`; falls back to `wasmx.parapet...` when refused.
pub fn publish(host: &dyn Host, filter: &str, field: &str, value: &str) -> bool {
    publish_key(host, &key(filter, field), value)
}

/// [`publish`] under a full name (`parapet.<filter>.<field>`, see [`DecisionKeys`]).
pub fn publish_key(host: &dyn Host, k: &str, value: &str) -> bool {
    if host.set_property(&[k], value.as_bytes()) {
        NAMESPACE.set(Namespace::Plain);
        return true;
    }
    let written = host.set_property(&[&format!("wasmx.{k}")], value.as_bytes());
    if written {
        NAMESPACE.set(Namespace::Wasmx);
    }
    written
}

/// Reads `parapet.<filter>.<field>` (or its `wasmx.` fallback): the name this host accepts
/// once a write of this VM has shown which one, both until then.
pub fn read(host: &dyn Host, filter: &str, field: &str) -> Option<String> {
    let k = key(filter, field);
    let value = match NAMESPACE.get() {
        Namespace::Plain => host.property(&[&k]),
        Namespace::Wasmx => host.property(&[&format!("wasmx.{k}")]),
        Namespace::Unknown => host
            .property(&[&k])
            .or_else(|| host.property(&[&format!("wasmx.{k}")])),
    };
    value.and_then(|v| String::from_utf8(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeHost;

    fn reads(host: &FakeHost) -> usize {
        host.state.borrow().property_reads
    }

    fn reset_reads(host: &FakeHost) {
        host.state.borrow_mut().property_reads = 0;
    }

    // Each #[test] runs on its own thread, so each starts with the namespace unknown.

    #[test]
    fn before_any_write_an_absent_finding_is_looked_up_under_both_names() {
        let host = FakeHost::default();
        assert_eq!(read(&host, "prompt-guard", "risk"), None);
        assert_eq!(reads(&host), 2);
    }

    #[test]
    fn once_plain_names_are_accepted_an_absent_finding_costs_one_read() {
        let host = FakeHost::default();
        assert!(publish(&host, "policy", "action", "allow"));
        assert_eq!(read(&host, "policy", "action").as_deref(), Some("allow"));
        reset_reads(&host);
        assert_eq!(read(&host, "prompt-guard", "risk"), None);
        assert_eq!(reads(&host), 1);
    }

    #[test]
    fn where_plain_names_are_refused_findings_are_read_from_wasmx() {
        let host = FakeHost::default();
        host.state
            .borrow_mut()
            .refused_properties
            .push("parapet.policy.action".into());
        assert!(publish(&host, "policy", "action", "block"));
        assert!(host
            .state
            .borrow()
            .properties
            .contains_key("wasmx.parapet.policy.action"));
        // Another filter (same host, so also refused) wrote under wasmx.
        host.set_property(&["wasmx.parapet.prompt-guard.action"], b"allow");
        reset_reads(&host);
        assert_eq!(
            read(&host, "prompt-guard", "action").as_deref(),
            Some("allow")
        );
        assert_eq!(read(&host, "policy", "action").as_deref(), Some("block"));
        assert_eq!(read(&host, "token-limit", "action"), None);
        assert_eq!(reads(&host), 3);
    }
}
