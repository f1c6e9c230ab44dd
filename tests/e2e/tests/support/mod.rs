//! Shared by the end-to-end tests: scenarios, what a client observes of one (normalised so an
//! Envoy run and a harness run can be compared), and a harness chain built from the same Envoy
//! YAML with the mock provider as its upstream.
#![allow(dead_code)]

use parapet_e2e::chain_config::WasmFilter;
use parapet_e2e::upstream::{mock_reply, Received};
use parapet_e2e::workspace_root;
use parapet_harness::{
    Chain, Chunking, FailurePolicy, FilterSpec, HostProfile, Reply, Request, Upstream,
};
use std::collections::BTreeMap;

/// One request a client sends.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub path: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Scenario {
    pub fn chat(name: &'static str, body: serde_json::Value) -> Scenario {
        Scenario {
            name,
            path: "/v1/chat/completions",
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }
    pub fn messages(name: &'static str, body: serde_json::Value) -> Scenario {
        Scenario {
            name,
            path: "/v1/messages",
            headers: vec![
                ("content-type", "application/json".into()),
                ("anthropic-version", "2023-06-01".into()),
            ],
            body: body.to_string(),
        }
    }
    pub fn raw(name: &'static str, body: &str) -> Scenario {
        Scenario {
            name,
            path: "/v1/chat/completions",
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string(),
        }
    }
    pub fn header(mut self, k: &'static str, v: &str) -> Scenario {
        self.headers.push((k, v.to_string()));
        self
    }
}

/// A user message for the OpenAI chat format.
pub fn user(text: &str) -> serde_json::Value {
    serde_json::json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})
}

/// What the client and the provider saw, normalised: request ids and PII tokens (keyed per VM)
/// replaced by placeholders, time-dependent rate-limit values reduced to their presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The request body the provider received (None: the request never reached it).
    pub upstream_body: Option<String>,
}

/// Headers compared between hosts: exact values…
const EXACT_HEADERS: &[&str] = &[
    "content-type",
    "x-parapet-filter",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-limit-requests",
];
/// …and headers whose values depend on the clock (only their presence is compared).
const PRESENT_HEADERS: &[&str] = &[
    "retry-after",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-reset-requests",
];

impl Observed {
    pub fn new(
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        upstream_body: Option<&[u8]>,
    ) -> Observed {
        let mut h = BTreeMap::new();
        for (k, v) in headers {
            let k = k.to_ascii_lowercase();
            if EXACT_HEADERS.contains(&k.as_str()) {
                h.insert(k, v.clone());
            } else if PRESENT_HEADERS.contains(&k.as_str()) {
                h.insert(k, "<present>".into());
            }
        }
        Observed {
            status,
            headers: h,
            body: normalise(&String::from_utf8_lossy(body)),
            upstream_body: upstream_body.map(|b| normalise(&String::from_utf8_lossy(b))),
        }
    }
}

/// Replaces UUIDs (request ids) by `<id>` and PII tokens `<EMAIL_0123abcd…>` by `<EMAIL_*>`.
pub fn normalise(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if is_uuid(&b[i..]) {
            out.push_str("<id>");
            i += 36;
            continue;
        }
        if b[i] == b'<' {
            if let Some(len) = token_len(&b[i..]) {
                let name_end = text[i..i + len].rfind('_').unwrap_or(1) + i;
                out.push_str(&text[i..name_end]);
                out.push_str("_*>");
                i += len;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

fn is_uuid(b: &[u8]) -> bool {
    if b.len() < 36 {
        return false;
    }
    b[..36].iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_hexdigit(),
    })
}

/// `<UPPER_CASE_hex>` → its length.
fn token_len(b: &[u8]) -> Option<usize> {
    let end = b.iter().take(64).position(|c| *c == b'>')?;
    let inner = &b[1..end];
    let us = inner.iter().rposition(|c| *c == b'_')?;
    let (name, hex) = (&inner[..us], &inner[us + 1..]);
    let ok = !name.is_empty()
        && name
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && hex.len() >= 8
        && hex.iter().all(|c| c.is_ascii_hexdigit());
    ok.then_some(end + 1)
}

/// A harness chain with exactly the filters (and configs) of an Envoy YAML.
pub fn harness_chain(filters: &[WasmFilter], profile: HostProfile) -> Chain {
    let mut b = Chain::builder().profile(profile);
    for f in filters {
        let policy = match f.failure_policy.as_str() {
            "FAIL_OPEN" => FailurePolicy::FailOpen,
            "FAIL_RELOAD" => FailurePolicy::FailReload,
            _ => FailurePolicy::FailClosed,
        };
        // Kong names filters by module and has no root id: a Kong chain runs the per-filter
        // modules, never the bundle (dist/parapet.wasm) that Envoy's chain shares.
        let module = if profile == HostProfile::Kong && f.filename == "dist/parapet.wasm" {
            format!("dist/{}.wasm", f.name)
        } else {
            f.filename.clone()
        };
        b = b.filter_spec(
            FilterSpec::new(&f.name, workspace_root().join(module))
                .config_raw(f.config.clone().into_bytes())
                .root_id(&f.root_id)
                .vm_id(&f.vm_id)
                .failure_policy(policy),
        );
    }
    match b.build() {
        Ok(c) => c,
        Err(e) => panic!("the harness refuses the chain of the Envoy config: {e}"),
    }
}

/// The mock provider as a harness upstream: the very answers the TCP mock gives.
pub fn mock_upstream() -> Upstream {
    Upstream::handler(|req| {
        let method = req.header(":method").unwrap_or("POST").to_string();
        let path = req.header(":path").unwrap_or("/").to_string();
        let received = Received {
            method,
            path,
            headers: req
                .headers
                .iter()
                .filter(|(k, _)| !k.starts_with(':'))
                .cloned()
                .collect(),
            body: req.body.clone(),
        };
        let m = mock_reply(&received);
        let mut headers = m.headers();
        let chunking = if m.chunked {
            headers.push(("transfer-encoding".into(), "chunked".into()));
            Chunking::Sizes(m.pieces.iter().map(|p| p.len()).collect())
        } else {
            Chunking::Whole
        };
        Reply {
            status: m.status,
            headers,
            body: m.body(),
            chunking,
            trailers: Vec::new(),
        }
    })
}

/// Runs `s` through `chain` with the mock upstream.
pub fn run_harness(chain: &Chain, s: &Scenario) -> Observed {
    let mut req = Request::post(s.path).body(s.body.clone().into_bytes());
    for (k, v) in &s.headers {
        req = req.header(k, v);
    }
    match chain.run(&req, &mock_upstream()) {
        Ok(out) => Observed::new(
            out.response.status,
            &out.response.headers,
            &out.response.body,
            out.upstream_request
                .as_ref()
                .filter(|_| out.reached_upstream)
                .map(|u| u.body.as_slice()),
        ),
        Err(e) => panic!("{}: the harness failed: {e}", s.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_ids_and_tokens() {
        assert_eq!(
            normalise("id bc21ab4d-6a51-468b-a1a6-873f0afbcc9d, mail <EMAIL_0123456789ab> ok <b>"),
            "id <id>, mail <EMAIL_*> ok <b>"
        );
    }
}
