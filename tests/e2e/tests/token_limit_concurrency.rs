//! token-limit in the real Envoy (V8, `--concurrency 2`, `failure_policy: FAIL_RELOAD`) in front
//! of the mock provider: admission by reservation is exact across worker threads.
//!
//! One Envoy, one budget: `tokens_per_day` = [`LIMIT`] per API key (a day-long window refills
//! only ~0.06 tokens a second, so the arithmetic below is exact up to a refill the test bounds).
//! Every request asks the same question with `max_tokens` = [`MAX_TOKENS`], so the filter
//! reserves the same R = prompt estimate + MAX_TOKENS for each; the mock "model" always answers
//! [`reply`] and reports its usage U (prompt = request bytes / 4, completion = 450), which the
//! filter settles on. R and U are within a few percent of each other, and [`LIMIT`] is chosen so
//! that whatever order and overlap the requests have, exactly [`FIT`] fit (checked, not assumed:
//! see [`assert_exactly_fit_whatever_the_order`]).
//!
//! Phases (separate API keys = separate budgets; metric deltas per phase):
//! 1. **Sequential**: each request is admitted iff the remaining budget (limit − usage the
//!    upstream reported so far) covers its reservation; the first that does not is refused
//!    with 429 although budget is left — an after-the-fact limiter would have let it through
//!    and refused the next one. A smaller reservation still fits after that refusal.
//! 2. **Parallel**: 24 clients on 24 connections at once (JSON, streams with and without
//!    `include_usage`) over both workers: exactly FIT get 200, the rest 429 in OpenAI's shape
//!    with `retry-after` and `x-ratelimit-*`; only the admitted reach the provider; the tokens
//!    charged (the filter's counters, summed over both workers' VMs) equal the usage the
//!    provider reported, token for token, and the budget left is exactly the limit minus that.
//! 3. **Contention**: 60 clients at once on one identity of a large tier (`x-parapet-tier:
//!    bulk`), so every reservation and settlement updates the same shared-data key from both
//!    workers: all admitted, charged = reported usage, and the shared counter lost no update.
use parapet_e2e::envoy::Envoy;
use parapet_e2e::http::{post_json, Response};
use parapet_e2e::upstream::{mock_reply, MockProvider, Received};
use serde_json::{json, Value};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// Total tokens per day for each API key.
const LIMIT: u64 = 5000;
/// `max_tokens` of every full-size request: the output part of the reservation.
const MAX_TOKENS: u64 = 470;
/// How many full-size requests fit in [`LIMIT`].
const FIT: usize = 10;
/// Parallel clients in phase 2.
const CLIENTS: usize = 24;
/// Parallel clients in phase 3 (all admitted, one identity, one shard key: CAS contention).
const MANY: usize = 60;
/// Total tokens per day of the `bulk` tier (phase 3).
const BULK_LIMIT: u64 = 1_000_000;
const PROMPT: &str = "Say hello.";

/// What the mock model answers: 1 799 characters = 450 completion tokens by the mock's count.
fn reply() -> String {
    vec!["hello"; 300].join(" ")
}

fn config_yaml() -> String {
    let filter_config = json!({
        "identity": {"sources": ["api_key"]},
        "tokens_per_day": LIMIT,
        "tier_header": "x-parapet-tier",
        "tiers": {"bulk": {"tokens_per_day": BULK_LIMIT}},
    })
    .to_string();
    format!(
        r#"admin:
  address:
    socket_address: {{address: 127.0.0.1, port_value: 9901}}
static_resources:
  listeners:
  - name: llm
    address:
      socket_address: {{address: 127.0.0.1, port_value: 10000}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: llm
          route_config:
            name: llm
            virtual_hosts:
            - name: llm
              domains: ["*"]
              routes:
              - match: {{prefix: "/"}}
                route: {{cluster: llm_provider, timeout: 60s}}
          http_filters:
          - name: parapet.token-limit
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: token-limit
                root_id: token-limit
                failure_policy: FAIL_RELOAD
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: {config}
                vm_config:
                  vm_id: parapet_token_limit
                  runtime: envoy.wasm.runtime.v8
                  code: {{local: {{filename: dist/token-limit.wasm}}}}
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: llm_provider
    connect_timeout: 2s
    type: STATIC
    load_assignment:
      cluster_name: llm_provider
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{address: 127.0.0.1, port_value: 8000}}
"#,
        config = serde_json::to_string(&filter_config).expect("config string"),
    )
}

/// The kinds of request clients send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    /// A stream whose client did not ask for usage (the filter adds and strips it).
    Stream,
    /// A stream whose client asked for `stream_options.include_usage` itself.
    StreamWithUsage,
}

fn body(kind: Kind, max_tokens: u64) -> String {
    let mut b = json!({"model": "gpt-4o-mini", "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": PROMPT}]});
    match kind {
        Kind::Json => {}
        Kind::Stream => b["stream"] = json!(true),
        Kind::StreamWithUsage => {
            b["stream"] = json!(true);
            b["stream_options"] = json!({"include_usage": true});
        }
    }
    b.to_string()
}

fn ask(port: u16, key: &str, kind: Kind, max_tokens: u64, answer: &str) -> Response {
    ask_tier(port, key, None, kind, max_tokens, answer)
}

fn ask_tier(
    port: u16,
    key: &str,
    tier: Option<&str>,
    kind: Kind,
    max_tokens: u64,
    answer: &str,
) -> Response {
    let auth = format!("Bearer {key}");
    let mut headers = vec![
        ("authorization", auth.as_str()),
        ("x-mock-reply", answer),
        // Deltas of 7 characters cut most words: mid-stream counting must not overcount them.
        ("x-mock-chunk-chars", "7"),
        ("x-mock-delay-ms", "1"),
    ];
    if let Some(t) = tier {
        headers.push(("x-parapet-tier", t));
    }
    post_json(
        port,
        "/v1/chat/completions",
        &body(kind, max_tokens),
        &headers,
    )
    .unwrap_or_else(|e| panic!("request ({kind:?}) failed: {e}"))
}

/// Usage (prompt, completion) the mock provider reported for a request it received, read from
/// its very answer (JSON `usage`, or the usage chunk of a stream).
fn reported_usage(r: &Received) -> (u64, u64) {
    let reply = mock_reply(r);
    let text = String::from_utf8_lossy(&reply.body()).into_owned();
    let usage = if reply.chunked {
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .map(|v| v["usage"].clone())
            .find(Value::is_object)
            .unwrap_or(Value::Null)
    } else {
        serde_json::from_str::<Value>(&text).map_or(Value::Null, |v| v["usage"].clone())
    };
    let n = |k: &str| {
        usage[k]
            .as_u64()
            .unwrap_or_else(|| panic!("no {k} in {usage}"))
    };
    (n("prompt_tokens"), n("completion_tokens"))
}

/// Requests the provider received for an API key, in arrival order.
fn received_for(mock: &MockProvider, key: &str) -> Vec<Received> {
    let auth = format!("Bearer {key}");
    mock.received()
        .into_iter()
        .filter(|r| r.header("authorization") == Some(auth.as_str()))
        .collect()
}

fn header_u64(r: &Response, name: &str) -> u64 {
    r.header(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("header {name} missing or not a number: {:?}", r.headers))
}

/// Whole tokens a `tokens_per_day` bucket of [`LIMIT`] refills in `elapsed` (what a remaining
/// count may exceed the exact arithmetic by), plus one for rounding.
fn refill_allowance(elapsed: Duration) -> u64 {
    refill_allowance_of(BULK_LIMIT.min(LIMIT), elapsed)
}

fn refill_allowance_of(limit: u64, elapsed: Duration) -> u64 {
    (elapsed.as_millis() as u64 * limit).div_ceil(86_400_000) + 1
}

/// A 429 as OpenAI sends it: error object, `retry-after`, the `x-ratelimit-*` family.
fn assert_openai_429(r: &Response, what: &str) {
    assert_eq!(r.status, 429, "{what}: {} {}", r.status, r.text());
    let v = r.json();
    assert!(
        v["error"]["message"].is_string(),
        "{what}: not OpenAI's error shape: {}",
        r.text()
    );
    assert_eq!(v["error"]["code"], "rate_limit_exceeded", "{what}: {v}");
    assert!(header_u64(r, "retry-after") >= 1, "{what}");
    assert_eq!(header_u64(r, "x-ratelimit-limit-tokens"), LIMIT, "{what}");
    assert!(r.header("x-ratelimit-remaining-tokens").is_some(), "{what}");
    assert!(r.header("x-ratelimit-reset-tokens").is_some(), "{what}");
    assert_eq!(r.header("content-type"), Some("application/json"), "{what}");
}

/// The filter's counters, as Envoy sums them over every worker VM.
struct Counters {
    input: i64,
    output: i64,
    by_usage: i64,
    by_estimate: i64,
    admitted: i64,
    refused: i64,
    cas_conflicts: i64,
}

fn counters(envoy: &Envoy) -> Counters {
    let s = |n: &str| {
        envoy
            .stat(&format!("wasmcustom.parapet_token_limit_{n}"))
            .unwrap_or(0)
    };
    Counters {
        input: s("tokens_total.kind.input"),
        output: s("tokens_total.kind.output"),
        by_usage: s("settlements_total.how.usage"),
        by_estimate: s("settlements_total.how.estimate"),
        admitted: s("reservations_total.result.admitted"),
        refused: s("reservations_total.result.refused"),
        cas_conflicts: s("cas_conflicts_total"),
    }
}

/// Connections each worker accepted on the LLM listener.
fn per_worker_connections(envoy: &Envoy, port: u16) -> Vec<i64> {
    (0..2)
        .map(|w| {
            envoy
                .stat(&format!(
                    "listener.127.0.0.1_{port}.worker_{w}.downstream_cx_total"
                ))
                .unwrap_or(0)
        })
        .collect()
}

/// The premise of the parallel phase: with reservation `r` and usages between `u_min` and
/// `u_max`, every one of the first FIT admissions fits even if all earlier ones are still in
/// flight or settled at the largest usage, and no FIT+1-th can fit even if all earlier ones
/// settled at the smallest — so exactly FIT are admitted in any order and overlap.
fn assert_exactly_fit_whatever_the_order(r: u64, u_min: u64, u_max: u64) {
    let (lo, hi) = (u_min.min(r), u_max.max(r));
    let fit = FIT as u64;
    assert!(
        LIMIT >= (fit - 1) * hi + r,
        "premise: the {FIT}th reservation must always fit (R {r}, usage {u_min}..{u_max})"
    );
    // Leave room for what the bucket refills while the phase runs (a few tokens).
    assert!(
        LIMIT + 20 < fit * lo + r,
        "premise: a {}th reservation must never fit (R {r}, usage {u_min}..{u_max})",
        FIT + 1
    );
}

#[test]
fn budget_is_exact_across_workers_and_refuses_the_crossing_request() {
    let mock = MockProvider::start(0).expect("mock provider");
    let started = Instant::now();
    let envoy = Envoy::start(
        "token_limit_concurrency",
        &config_yaml(),
        9901,
        &[10000],
        &[(8000, mock.port())],
        2,
        &[],
    )
    .expect("envoy starts with dist/token-limit.wasm (run scripts/build token-limit)");
    eprintln!(
        "envoy (--concurrency 2, token-limit) ready after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let port = envoy.port(10000);
    let answer = reply();

    // ---- Phase 1: sequential, one request after the other on key "seq". ----
    let seq = "sk-sequential";
    let kinds = [Kind::Json, Kind::Stream, Kind::StreamWithUsage];
    let before = counters(&envoy);
    let phase_start = Instant::now();
    let mut charged_so_far = 0u64;
    let mut reservation = None;
    let mut refused_at = None;
    for i in 0..(FIT + 5) {
        let kind = kinds[i % kinds.len()];
        let r = ask(port, seq, kind, MAX_TOKENS, &answer);
        let seen = received_for(&mock, seq);
        let left = LIMIT - charged_so_far;
        if r.status == 200 {
            // Header values are taken right after this request's reservation.
            let remaining = header_u64(&r, "x-ratelimit-remaining-tokens");
            let res = *reservation.get_or_insert(left - remaining);
            let slack = refill_allowance(phase_start.elapsed());
            assert!(
                remaining >= left.saturating_sub(res) && remaining <= left - res + slack,
                "request {i}: remaining {remaining}, expected {left} − reservation {res}"
            );
            assert_eq!(seen.len(), i + 1, "request {i} must reach the provider");
            let (p, c) = reported_usage(&seen[i]);
            charged_so_far += p + c;
            continue;
        }
        // The first refusal: its reservation no longer fits, though budget is left.
        let res = reservation.expect("at least one request is admitted");
        assert_openai_429(&r, &format!("sequential request {i}"));
        assert!(
            left < res && left > 0,
            "request {i} refused with {left} left for a reservation of {res}"
        );
        assert_eq!(
            seen.len(),
            i,
            "the refused request must not reach the provider"
        );
        let remaining = header_u64(&r, "x-ratelimit-remaining-tokens");
        assert!(
            remaining >= left && remaining <= left + refill_allowance(phase_start.elapsed()),
            "a refusal takes nothing: remaining {remaining}, expected {left}"
        );
        let msg = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            msg.contains(&format!("Requested {res}")),
            "the message names the reservation: {msg}"
        );
        // retry-after: the time until the bucket has refilled what is missing.
        let expect = ((res - left) * 86_400).div_ceil(LIMIT);
        let retry = header_u64(&r, "retry-after");
        assert!(
            retry <= expect && retry + 3 >= expect,
            "retry-after {retry} s, expected about {expect} s"
        );
        refused_at = Some(i);
        break;
    }
    let refused_at = refused_at.expect("the budget must run out within FIT + 5 requests");
    let res = reservation.unwrap_or_default();
    assert_eq!(
        refused_at, FIT,
        "with R = {res}, exactly {FIT} sequential requests fit in {LIMIT}"
    );
    // The refusal was about the size of the reservation, not an empty budget: a request that
    // reserves less than what is left is admitted and charged its own usage.
    let left = LIMIT - charged_so_far;
    let small = ask(port, seq, Kind::Json, 100, "OK");
    assert_eq!(
        small.status,
        200,
        "a smaller reservation fits: {}",
        small.text()
    );
    let small_res = left - header_u64(&small, "x-ratelimit-remaining-tokens");
    assert!(small_res < left && small_res <= 100 + res - MAX_TOKENS);
    let seen = received_for(&mock, seq);
    let (p, c) = reported_usage(seen.last().expect("small request reached the provider"));
    charged_so_far += p + c;
    let after = counters(&envoy);
    assert_eq!(
        (after.input + after.output) - (before.input + before.output),
        charged_so_far as i64,
        "tokens charged (sequential) = usage the provider reported"
    );
    assert_eq!(after.by_usage - before.by_usage, FIT as i64 + 1);
    assert_eq!(after.by_estimate - before.by_estimate, 0);
    assert_eq!(after.refused - before.refused, 1);
    eprintln!(
        "sequential: reservation {res}, {FIT} admitted, the {}th refused with {} left, {} tokens charged",
        FIT + 1,
        LIMIT - (charged_so_far - p - c),
        charged_so_far
    );

    // Usage of each kind, from phase 1, for the premise of phase 2.
    let usages: Vec<u64> = received_for(&mock, seq)
        .iter()
        .take(FIT)
        .map(|r| {
            let (p, c) = reported_usage(r);
            p + c
        })
        .collect();
    let (u_min, u_max) = (
        *usages.iter().min().unwrap_or(&0),
        *usages.iter().max().unwrap_or(&0),
    );
    assert_exactly_fit_whatever_the_order(res, u_min, u_max);

    // ---- Phase 2: CLIENTS parallel clients on key "par", one connection each. ----
    let par = "sk-parallel";
    let before = counters(&envoy);
    let workers_before = per_worker_connections(&envoy, port);
    let phase_start = Instant::now();
    let gate = Arc::new(Barrier::new(CLIENTS));
    let handles: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let gate = gate.clone();
            let answer = answer.clone();
            let kind = kinds[i % kinds.len()];
            thread::spawn(move || {
                gate.wait();
                (kind, ask(port, par, kind, MAX_TOKENS, &answer))
            })
        })
        .collect();
    let results: Vec<(Kind, Response)> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    let elapsed = phase_start.elapsed();
    let ok: Vec<&(Kind, Response)> = results.iter().filter(|(_, r)| r.status == 200).collect();
    let statuses: Vec<u16> = results.iter().map(|(_, r)| r.status).collect();
    assert_eq!(
        ok.len(),
        FIT,
        "exactly {FIT} of {CLIENTS} admitted: {statuses:?}"
    );
    for (kind, r) in &results {
        if r.status != 200 {
            assert_openai_429(r, &format!("parallel {kind:?}"));
            continue;
        }
        match kind {
            Kind::Json => assert_eq!(r.json()["choices"][0]["message"]["content"], answer),
            Kind::Stream | Kind::StreamWithUsage => {
                let text = r.text();
                assert!(
                    text.ends_with("data: [DONE]\n\n"),
                    "stream not complete: {text}"
                );
                let events: Vec<Value> = text
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .filter_map(|d| serde_json::from_str(d).ok())
                    .collect();
                let said: String = events
                    .iter()
                    .filter_map(|e| e["choices"][0]["delta"]["content"].as_str())
                    .collect();
                assert_eq!(said, answer, "the streamed answer arrives whole");
                let usage_chunks = events.iter().filter(|e| e["usage"].is_object()).count();
                let want = usize::from(*kind == Kind::StreamWithUsage);
                assert_eq!(
                    usage_chunks, want,
                    "{kind:?}: the usage chunk reaches the client only if it asked for it"
                );
            }
        }
    }
    let seen = received_for(&mock, par);
    assert_eq!(seen.len(), FIT, "only admitted requests reach the provider");
    for r in &seen {
        let b: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        if b["stream"] == json!(true) {
            assert_eq!(
                b["stream_options"]["include_usage"],
                json!(true),
                "every stream is asked for usage upstream"
            );
        }
    }
    let reported: u64 = seen
        .iter()
        .map(|r| {
            let (p, c) = reported_usage(r);
            p + c
        })
        .sum();
    let after = counters(&envoy);
    let charged = (after.input + after.output) - (before.input + before.output);
    assert_eq!(
        charged, reported as i64,
        "tokens charged over both workers = sum of the usage the provider reported"
    );
    assert_eq!(after.by_usage - before.by_usage, FIT as i64);
    assert_eq!(
        after.by_estimate - before.by_estimate,
        0,
        "no usage was missing"
    );
    assert_eq!(after.admitted - before.admitted, FIT as i64);
    assert_eq!(after.refused - before.refused, (CLIENTS - FIT) as i64);
    let workers_after = per_worker_connections(&envoy, port);
    let served: Vec<i64> = workers_after
        .iter()
        .zip(&workers_before)
        .map(|(a, b)| a - b)
        .collect();
    assert!(
        served.iter().all(|n| *n > 0),
        "both workers must serve the parallel clients: {served:?}"
    );
    // The ledger agrees: what is left is the limit minus exactly what was charged.
    let probe = ask(port, par, Kind::Json, MAX_TOKENS, &answer);
    assert_openai_429(&probe, "probe after the parallel phase");
    let remaining = header_u64(&probe, "x-ratelimit-remaining-tokens");
    let exact = LIMIT - reported;
    assert!(
        remaining >= exact && remaining <= exact + refill_allowance(phase_start.elapsed()),
        "remaining {remaining}, expected {LIMIT} − {reported} = {exact}"
    );
    eprintln!(
        "parallel: {CLIENTS} clients in {:.2} s, connections per worker {served:?}, {FIT} admitted, \
         {reported} tokens reported by the provider = {charged} charged, {} left, {} CAS conflicts",
        elapsed.as_secs_f64(),
        remaining,
        after.cas_conflicts - before.cas_conflicts,
    );

    // ---- Phase 3: MANY parallel clients, one identity of the `bulk` tier: all admitted, all
    // reservations and settlements on the same shared-data key from both workers at once. ----
    let bulk = "sk-bulk";
    let before = counters(&envoy);
    let workers_before = per_worker_connections(&envoy, port);
    let phase_start = Instant::now();
    let gate = Arc::new(Barrier::new(MANY));
    let handles: Vec<_> = (0..MANY)
        .map(|i| {
            let gate = gate.clone();
            let answer = answer.clone();
            let kind = kinds[i % kinds.len()];
            thread::spawn(move || {
                gate.wait();
                ask_tier(port, bulk, Some("bulk"), kind, MAX_TOKENS, &answer)
            })
        })
        .collect();
    for h in handles {
        let r = h.join().expect("client thread");
        assert_eq!(r.status, 200, "bulk: {}", r.text());
        assert_eq!(header_u64(&r, "x-ratelimit-limit-tokens"), BULK_LIMIT);
    }
    let seen = received_for(&mock, bulk);
    assert_eq!(seen.len(), MANY);
    let served: Vec<i64> = per_worker_connections(&envoy, port)
        .iter()
        .zip(&workers_before)
        .map(|(a, b)| a - b)
        .collect();
    assert!(
        served.iter().all(|n| *n > 0),
        "both workers serve: {served:?}"
    );
    let reported: u64 = seen
        .iter()
        .map(|r| {
            let (p, c) = reported_usage(r);
            p + c
        })
        .sum();
    let after = counters(&envoy);
    let charged = (after.input + after.output) - (before.input + before.output);
    assert_eq!(
        charged, reported as i64,
        "bulk: tokens charged = sum of the usage the provider reported"
    );
    assert_eq!(after.by_usage - before.by_usage, MANY as i64);
    // The shared counter holds exactly that too: a last request's reservation is taken from
    // BULK_LIMIT minus every settled usage, no update lost.
    let last = ask_tier(port, bulk, Some("bulk"), Kind::Json, MAX_TOKENS, &answer);
    assert_eq!(last.status, 200);
    let remaining = header_u64(&last, "x-ratelimit-remaining-tokens");
    let exact = BULK_LIMIT - reported - res;
    assert!(
        remaining >= exact
            && remaining <= exact + refill_allowance_of(BULK_LIMIT, phase_start.elapsed()),
        "bulk: remaining {remaining}, expected {BULK_LIMIT} − {reported} − {res} = {exact}"
    );
    eprintln!(
        "bulk: {MANY} parallel requests on one identity in {:.2} s over workers {served:?}, {reported} tokens reported = {charged} charged, \
         remaining {remaining} (exact {exact}), {} CAS conflicts",
        phase_start.elapsed().as_secs_f64(),
        after.cas_conflicts - before.cas_conflicts,
    );

    assert!(
        !envoy.log().contains("panicked"),
        "the filter trapped:\n{}",
        envoy.log_tail(30)
    );
}
