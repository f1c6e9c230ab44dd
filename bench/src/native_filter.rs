//! The native side of part 2: each filter's own crate, compiled natively, driven through
//! parapet-runtime's engine ([`Plugin`], [`Exchange`]) with the in-memory host
//! ([`FakeHost`]) — the same callbacks, in the same order, that the wasm module's proxy-wasm
//! glue makes for one request and its answer. So wasm and native do the same work (view
//! parsing, the filter's policy, the detectors, events and metrics); only the proxy-wasm ABI
//! and the host differ.

use parapet_runtime::engine::{Exchange, Plugin};
use parapet_runtime::testing::FakeHost;
use parapet_runtime::Filter;

/// One whole request (and, if it passed, its answer) through a natively built filter.
pub trait NativeFilter {
    /// Runs one exchange; true when the request reached the upstream and the answer the
    /// client (no local reply), as the harness's `reached_upstream`.
    fn run(&self, body: &[u8], answer: &[u8]) -> bool {
        self.run_as(body, answer, "application/json")
    }
    /// `run` with the answer sent as `content_type` (`text/event-stream`: one body chunk holding
    /// every event, as Envoy's direct_response upstream sends it).
    fn run_as(&self, body: &[u8], answer: &[u8], content_type: &str) -> bool;
}

struct Native<F: Filter>(Plugin<F>);

impl<F: Filter> NativeFilter for Native<F> {
    fn run_as(&self, body: &[u8], answer: &[u8], content_type: &str) -> bool {
        let plugin = &self.0;
        let host = FakeHost::default();
        {
            let mut s = host.state.borrow_mut();
            s.request_headers = headers(&[
                (":method", "POST"),
                (":path", "/v1/chat/completions"),
                (":authority", "bench"),
                ("content-type", "application/json"),
                ("content-length", &body.len().to_string()),
            ]);
            s.request_body = body.to_vec();
            // As the harness and Envoy give it (a filter identifying callers by address sees one).
            s.properties
                .insert("source.address".into(), b"127.0.0.1:40000".to_vec());
        }
        let mut exchange = Exchange::<F>::new();
        exchange.on_request_headers(plugin, &host, false);
        exchange.on_request_body(plugin, &host, body.len(), true);
        if host.state.borrow().local_reply.is_some() {
            return false;
        }
        {
            let mut s = host.state.borrow_mut();
            s.response_headers = headers(&[
                (":status", "200"),
                ("content-type", content_type),
                ("content-length", &answer.len().to_string()),
            ]);
            s.response_body = answer.to_vec();
        }
        exchange.on_response_headers(plugin, &host, false);
        exchange.on_response_body(plugin, &host, answer.len(), true);
        let passed = host.state.borrow().local_reply.is_none();
        passed
    }
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn configure<F: Filter + 'static>(
    config: &serde_json::Value,
) -> crate::Result<Box<dyn NativeFilter>> {
    let raw = serde_json::to_vec(config)?;
    let plugin = Plugin::<F>::configure(Some(&raw), "bench")
        .map_err(|e| format!("{}: configuration rejected natively: {e}", F::NAME))?;
    Ok(Box::new(Native(plugin)))
}

/// `filter` built natively with `config` (the same config the wasm module gets).
pub fn native_filter(
    filter: &str,
    config: &serde_json::Value,
) -> crate::Result<Box<dyn NativeFilter>> {
    match filter {
        "prompt-guard" => configure::<parapet_prompt_guard::PromptGuard>(config),
        "pii-redact" => configure::<parapet_pii_redact::PiiRedact>(config),
        "token-limit" => configure::<parapet_token_limit::TokenLimit>(config),
        "schema-guard" => configure::<parapet_schema_guard::SchemaGuard>(config),
        "response-guard" => configure::<parapet_response_guard::ResponseGuard>(config),
        "policy" => configure::<parapet_policy::PolicyFilter>(config),
        other => Err(format!("no native build of filter `{other}`").into()),
    }
}
