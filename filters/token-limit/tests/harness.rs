//! token-limit in the harness (dist/token-limit.wasm, built by `scripts/build token-limit`):
//! budgets per window, model and tier; 429 per provider; reservation and reconciliation with
//! JSON and streamed usage; two workers sharing budgets under CAS; cleanup on a tick.

use std::time::Duration;

use parapet_harness::{dist, Chain, Outcome, Request, Upstream};
use parapet_tokens::budget::{Dimension, Policy, Table, Window};
use serde_json::{json, Value};

fn chain_with(cfg: Value, workers: usize) -> Chain {
    let mut cfg = cfg;
    cfg["identity"] = json!({"sources": ["kong_consumer"]});
    Chain::builder()
        .filter(
            "token-limit",
            dist("token-limit").expect("scripts/build token-limit"),
            cfg,
        )
        .workers(workers)
        .build()
        .expect("chain builds")
}

fn chain(cfg: Value) -> Chain {
    chain_with(cfg, 1)
}

fn chat(user: &str, text: &str, max_tokens: u64) -> Request {
    Request::post("/v1/chat/completions")
        .header("x-consumer-username", user)
        .json_body(
            json!({"model": "gpt-4o", "max_tokens": max_tokens,
                   "messages": [{"role": "user", "content": text}]})
            .to_string(),
        )
}

fn openai_usage(prompt: u64, completion: u64) -> Upstream {
    Upstream::json(
        200,
        json!({"id": "c1", "object": "chat.completion", "model": "gpt-4o",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}})
        .to_string(),
    )
}

fn header_u64(o: &Outcome, name: &str) -> u64 {
    let h = o
        .response
        .header(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", o.response.headers));
    h.parse().unwrap_or_else(|_| panic!("{name}: {h}"))
}

fn counter(chain: &Chain, name: &str) -> i64 {
    chain.metric(name).unwrap_or(0)
}

#[test]
fn simplest_config_admits_until_the_budget_is_gone_then_429_in_openai_format() {
    let c = chain(json!({"tokens_per_minute": 200}));
    let mut admitted = 0;
    let mut refused = None;
    for _ in 0..20 {
        let o = c
            .run(&chat("alice", "Hello there", 20), &openai_usage(30, 20))
            .unwrap();
        if o.reached_upstream {
            admitted += 1;
            assert_eq!(o.response.status, 200);
            assert_eq!(header_u64(&o, "x-ratelimit-limit-tokens"), 200);
        } else {
            refused = Some(o);
            break;
        }
    }
    // 200 tokens, 50 charged per request: four fit, the fifth reservation does not.
    assert_eq!(admitted, 4);
    let o = refused.expect("a refusal");
    let r = o.local_reply.clone().expect("local reply");
    assert_eq!(r.status, 429);
    let secs: u64 = r
        .header("retry-after")
        .expect("retry-after")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&secs), "{secs}");
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("Rate limit reached for tokens per min"),
        "{msg}"
    );
    assert_eq!(o.response.status, 429);
    assert_eq!(header_u64(&o, "x-ratelimit-remaining-tokens"), 0);
    assert_eq!(header_u64(&o, "x-ratelimit-limit-tokens"), 200);
    assert!(o.response.header("x-ratelimit-reset-tokens").is_some());
    // Another identity has its own budget.
    let other = c
        .run(&chat("bob", "Hello there", 20), &openai_usage(30, 20))
        .unwrap();
    assert!(other.reached_upstream);
}

#[test]
fn json_usage_replaces_the_reservation() {
    let c = chain(json!({"tokens_per_minute": 10000}));
    let req = chat(
        "carol",
        "Summarise the meeting notes in three bullet points.",
        800,
    );
    let a = c.run(&req, &openai_usage(17, 42)).unwrap();
    let b = c.run(&req, &openai_usage(17, 42)).unwrap();
    // Both headers show the state right after reserving the same amount; between them, A's
    // reservation was replaced by its real usage (17 + 42).
    let (ra, rb) = (
        header_u64(&a, "x-ratelimit-remaining-tokens"),
        header_u64(&b, "x-ratelimit-remaining-tokens"),
    );
    assert_eq!(ra - rb, 59);
    // A reserved the 800 requested output tokens plus the prompt estimate.
    assert!(10000 - ra >= 800 + 12, "{ra}");
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.input"),
        34
    );
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.output"),
        84
    );
}

#[test]
fn upstream_errors_refund_the_reservation() {
    let c = chain(json!({"tokens_per_minute": 1000}));
    let req = chat("dan", "hi", 500);
    let first = c
        .run(
            &req,
            &Upstream::json(500, r#"{"error":{"message":"boom"}}"#),
        )
        .unwrap();
    assert_eq!(first.response.status, 500);
    // The failed request gave everything back before its headers were sent.
    assert_eq!(header_u64(&first, "x-ratelimit-remaining-tokens"), 1000);
    assert_eq!(
        counter(
            &c,
            "parapet_token_limit_settlements_total.how.upstream_error"
        ),
        1
    );
    let second = c.run(&req, &openai_usage(5, 5)).unwrap();
    assert!(second.reached_upstream);
    assert!(header_u64(&second, "x-ratelimit-remaining-tokens") <= 500);
}

fn sse_chunks(texts: &[&str], usage: Option<(u64, u64)>) -> Vec<String> {
    let mut v: Vec<String> = texts
        .iter()
        .map(|t| {
            format!(
                "data: {}\n\n",
                json!({"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": t}}], "usage": null})
            )
        })
        .collect();
    if let Some((p, c)) = usage {
        v.push(format!(
            "data: {}\n\n",
            json!({"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}})
        ));
    }
    v.push("data: [DONE]\n\n".to_string());
    v
}

fn stream_req(user: &str, include_usage: Option<bool>, max_tokens: u64) -> Request {
    let mut body = json!({"model": "gpt-4o", "stream": true, "max_tokens": max_tokens,
                          "messages": [{"role": "user", "content": "Tell me a story"}]});
    if let Some(u) = include_usage {
        body["stream_options"] = json!({"include_usage": u});
    }
    Request::post("/v1/chat/completions")
        .header("x-consumer-username", user)
        .json_body(body.to_string())
}

#[test]
fn streams_get_include_usage_and_the_extra_chunk_is_stripped() {
    let c = chain(json!({"tokens_per_minute": 10000}));
    let upstream = Upstream::handler(|req| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(
            body["stream_options"]["include_usage"],
            json!(true),
            "injected"
        );
        Upstream::sse(
            200,
            sse_chunks(&["Once", " upon", " a time"], Some((11, 3))),
        )
        .reply_to(req)
    });
    let req = stream_req("erin", None, 100);
    let a = c.run(&req, &upstream).unwrap();
    let text = a.response.body_str();
    assert!(text.contains("Once") && text.contains("[DONE]"), "{text}");
    assert!(
        !text.contains("\"choices\":[]"),
        "usage chunk reached the client: {text}"
    );
    assert!(a.upstream().header("content-length").is_none());
    // The stream's usage (11 + 3) replaced the reservation, exactly.
    let b = c.run(&req, &upstream).unwrap();
    let (ra, rb) = (
        header_u64(&a, "x-ratelimit-remaining-tokens"),
        header_u64(&b, "x-ratelimit-remaining-tokens"),
    );
    assert_eq!(ra - rb, 14);
    assert_eq!(
        counter(&c, "parapet_token_limit_settlements_total.how.usage"),
        2
    );
}

#[test]
fn stream_split_anywhere_is_stripped_and_charged_exactly() {
    let c = chain(json!({"tokens_per_minute": 100000}));
    let body: String = sse_chunks(&["Once", " upon", " a", " time"], Some((9, 4))).concat();
    for size in [1usize, 3, 7, 16, 50] {
        let up = Upstream::new(200)
            .header("content-type", "text/event-stream")
            .body(body.clone())
            .chunks(vec![size; body.len().div_ceil(size)]);
        let before = counter(&c, "parapet_token_limit_tokens_total.kind.output");
        let o = c.run(&stream_req("pia", None, 50), &up).unwrap();
        let text = o.response.body_str();
        assert!(!text.contains("\"choices\":[]"), "size {size}: {text}");
        assert!(text.ends_with("data: [DONE]\n\n"), "size {size}: {text}");
        assert_eq!(text.matches("data: ").count(), 5, "size {size}: {text}");
        assert_eq!(
            counter(&c, "parapet_token_limit_tokens_total.kind.output") - before,
            4
        );
    }
}

#[test]
fn a_client_that_asked_for_usage_keeps_its_usage_chunk() {
    let c = chain(json!({"tokens_per_minute": 10000}));
    let up = Upstream::sse(200, sse_chunks(&["Hi"], Some((4, 1))));
    let o = c.run(&stream_req("fay", Some(true), 10), &up).unwrap();
    assert!(o.response.body_str().contains("\"choices\":[]"));
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.output"),
        1
    );
}

#[test]
fn stream_without_usage_is_charged_the_estimate_and_counted() {
    // Client asked include_usage=false explicitly and the upstream sends no usage.
    let c = chain(json!({"tokens_per_minute": 10000, "include_usage": false}));
    let up = Upstream::sse(200, sse_chunks(&["Hello", " world"], None));
    let o = c.run(&stream_req("gus", None, 10), &up).unwrap();
    assert_eq!(o.response.status, 200);
    assert_eq!(counter(&c, "parapet_token_limit_usage_missing_total"), 1);
    assert!(counter(&c, "parapet_token_limit_tokens_total.kind.output") >= 2);
}

#[test]
fn mid_stream_enforcement_ends_the_stream_with_an_error_event() {
    // 60 tokens per minute; the request reserves its prompt plus 5 output tokens, then the
    // stream produces far more.
    let c = chain(json!({"tokens_per_minute": 60}));
    let words: Vec<String> = (0..80).map(|i| format!(" word{i}")).collect();
    let texts: Vec<&str> = words.iter().map(String::as_str).collect();
    let up = Upstream::sse(200, sse_chunks(&texts, Some((20, 80))));
    let o = c.run(&stream_req("hal", None, 5), &up).unwrap();
    let body = o.response.body_str();
    assert!(body.contains("word0"), "{body}");
    assert!(!body.contains("word79"), "stream was not cut: {body}");
    assert!(
        body.contains("Rate limit reached for output tokens"),
        "{body}"
    );
    assert_eq!(
        counter(&c, "parapet_token_limit_stream_terminations_total"),
        1
    );
    // The next request of the same identity is refused: the budget is spent.
    let next = c.run(&chat("hal", "hi", 5), &openai_usage(1, 1)).unwrap();
    assert_eq!(next.local_reply.map(|r| r.status), Some(429));
}

#[test]
fn deltas_that_cut_words_are_counted_like_the_whole_text() {
    // ~100 output tokens in 3-character deltas, reservation 120 output tokens, budget 180:
    // counting each delta on its own would see ~2x the tokens, charge the overflow and cut the
    // stream; counted as the whole text it stays within the reservation and completes.
    let c = chain(json!({"tokens_per_minute": 180}));
    let text = format!("{} goodbye", vec!["hello"; 99].join(" "));
    let chars: Vec<char> = text.chars().collect();
    let deltas: Vec<String> = chars.chunks(3).map(|c| c.iter().collect()).collect();
    let refs: Vec<&str> = deltas.iter().map(String::as_str).collect();
    let up = Upstream::sse(200, sse_chunks(&refs, Some((11, 101))));
    let o = c.run(&stream_req("ivy", None, 120), &up).unwrap();
    let body = o.response.body_str();
    assert!(body.ends_with("data: [DONE]\n\n"), "stream was cut: {body}");
    assert!(!body.contains("Rate limit reached"), "{body}");
    assert_eq!(
        counter(&c, "parapet_token_limit_stream_terminations_total"),
        0
    );
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.output"),
        101
    );
}

#[test]
fn anthropic_and_gemini_refusals_use_their_error_formats() {
    let c = chain(json!({"requests_per_minute": 1}));
    let anthropic = Request::post("/v1/messages")
        .header("x-consumer-username", "ivy")
        .json_body(
            json!({"model": "claude-sonnet-4", "max_tokens": 10,
                   "messages": [{"role": "user", "content": "hi"}]})
            .to_string(),
        );
    let ok = Upstream::json(
        200,
        json!({"type": "message", "role": "assistant", "content": [{"type": "text", "text": "hey"}],
               "usage": {"input_tokens": 3, "output_tokens": 1}})
        .to_string(),
    );
    assert!(c.run(&anthropic, &ok).unwrap().reached_upstream);
    let o = c.run(&anthropic, &ok).unwrap();
    let r = o.local_reply.expect("refused");
    assert_eq!(r.status, 429);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["type"], json!("error"));
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("requests per min"));
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        o.response.header("x-ratelimit-remaining-requests"),
        Some("0")
    );
    assert_eq!(o.response.header("x-ratelimit-limit-requests"), Some("1"));

    let gemini = Request::post("/v1beta/models/gemini-2.0-flash:generateContent")
        .header("x-consumer-username", "jay")
        .json_body(json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}).to_string());
    let gok = Upstream::json(
        200,
        json!({"candidates": [{"content": {"parts": [{"text": "yo"}]}, "finishReason": "STOP"}],
               "usageMetadata": {"promptTokenCount": 2, "candidatesTokenCount": 1, "totalTokenCount": 3}})
        .to_string(),
    );
    assert!(c.run(&gemini, &gok).unwrap().reached_upstream);
    let r = c.run(&gemini, &gok).unwrap().local_reply.expect("refused");
    assert_eq!(r.status, 429);
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["error"]["code"], json!(429));
    assert_eq!(body["error"]["status"], json!("RESOURCE_EXHAUSTED"));
}

#[test]
fn gemini_streamed_usage_is_cumulative_not_summed() {
    let c = chain(json!({"tokens_per_minute": 10000}));
    let chunk = |text: &str, out: u64| {
        format!(
            "data: {}\r\n\r\n",
            json!({"candidates": [{"content": {"parts": [{"text": text}]}}],
                   "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": out, "totalTokenCount": 7 + out}})
        )
    };
    let up = Upstream::sse(200, vec![chunk("a", 1), chunk("b", 2), chunk("c", 3)]);
    let req = Request::post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse")
        .header("x-consumer-username", "kim")
        .json_body(json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}).to_string());
    let o = c.run(&req, &up).unwrap();
    assert_eq!(o.response.status, 200);
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.input"),
        7
    );
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.output"),
        3
    );
}

#[test]
fn budgets_per_tier_and_per_model() {
    let c = chain(json!({
        "requests_per_minute": 1,
        "tiers": {"gold": {"requests_per_minute": 3}},
        "tier_by_identity": {"vip": "gold"},
        "models": {"gpt-4o": {"tokens_per_minute": 100}}
    }));
    let ok = || openai_usage(10, 10);
    // Default tier: one request per minute.
    assert!(
        c.run(&chat("pleb", "hi", 5), &ok())
            .unwrap()
            .reached_upstream
    );
    assert!(
        !c.run(&chat("pleb", "hi", 5), &ok())
            .unwrap()
            .reached_upstream
    );
    // Gold: three.
    for _ in 0..3 {
        assert!(
            c.run(&chat("vip", "hi", 5), &ok())
                .unwrap()
                .reached_upstream
        );
    }
    let o = c.run(&chat("vip", "hi", 5), &ok()).unwrap();
    assert!(o
        .local_reply
        .unwrap()
        .body_str()
        .contains("requests per min"));
    // The model budget binds before the tier's: 100 tokens of gpt-4o per minute.
    let c = chain(json!({"tiers": {}, "models": {"gpt-4o": {"tokens_per_minute": 100}}}));
    let big = chat("zed", "hi", 60);
    assert!(c.run(&big, &openai_usage(10, 60)).unwrap().reached_upstream);
    let o = c.run(&big, &openai_usage(10, 60)).unwrap();
    assert_eq!(o.local_reply.map(|r| r.status), Some(429));
    // Another model is not limited.
    let other = Request::post("/v1/chat/completions")
        .header("x-consumer-username", "zed")
        .json_body(json!({"model": "gpt-4.1", "max_tokens": 60, "messages": [{"role": "user", "content": "hi"}]}).to_string());
    assert!(
        c.run(&other, &openai_usage(10, 60))
            .unwrap()
            .reached_upstream
    );
}

#[test]
fn the_window_rolls_over() {
    let c = chain(json!({"requests_per_minute": 2, "tokens_per_hour": 100000}));
    let ok = || openai_usage(10, 10);
    assert!(
        c.run(&chat("lee", "hi", 5), &ok())
            .unwrap()
            .reached_upstream
    );
    assert!(
        c.run(&chat("lee", "hi", 5), &ok())
            .unwrap()
            .reached_upstream
    );
    let refused = c.run(&chat("lee", "hi", 5), &ok()).unwrap();
    let wait: u64 = refused
        .local_reply
        .unwrap()
        .header("retry-after")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 30); // one request refills every 30 s
    c.advance_time(Duration::from_secs(29));
    assert!(
        !c.run(&chat("lee", "hi", 5), &ok())
            .unwrap()
            .reached_upstream
    );
    c.advance_time(Duration::from_secs(1));
    let o = c.run(&chat("lee", "hi", 5), &ok()).unwrap();
    assert!(o.reached_upstream);
    assert_eq!(
        o.response.header("x-ratelimit-remaining-requests"),
        Some("0")
    );
    // Two requests in the bucket again: full in a minute.
    assert_eq!(
        o.response.header("x-ratelimit-reset-requests"),
        Some("1m0s")
    );
}

#[test]
fn empty_config_limits_nothing_but_counts_usage() {
    let c = chain(json!({}));
    for _ in 0..5 {
        let o = c
            .run(&chat("max", "hi", 100000), &openai_usage(1000, 1000))
            .unwrap();
        assert!(o.reached_upstream);
        assert!(o.response.header("x-ratelimit-limit-tokens").is_none());
    }
    assert_eq!(
        counter(&c, "parapet_token_limit_tokens_total.kind.input"),
        5000
    );
}

#[test]
fn invalid_configs_are_rejected_naming_the_field() {
    for (cfg, field) in [
        (json!({"tokens_per_minute": 0}), "tokens_per_minute"),
        (
            json!({"tiers": {"gold": {"tokens_per_day": 0}}}),
            "tiers.gold.tokens_per_day",
        ),
        (
            json!({"tier_by_identity": {"a": "nope"}}),
            "tier_by_identity.a",
        ),
        (json!({"tokens_per_minute": "many"}), "tokens_per_minute"),
        (json!({"token_per_minute": 5}), "token_per_minute"),
        (json!({"shards": 0}), "shards"),
    ] {
        let built = Chain::builder()
            .filter("token-limit", dist("token-limit").unwrap(), cfg.clone())
            .build();
        // The harness refuses to build a chain whose filter rejected its config, quoting logs.
        let msg = match built {
            Ok(_) => panic!("{cfg} was accepted"),
            Err(e) => e.to_string(),
        };
        assert!(msg.contains("configuration rejected"), "{msg}");
        assert!(msg.contains(&format!("`{field}`")), "{cfg}: {msg}");
    }
}

/// The shard tables of the default tier for a policy, decoded.
fn identities_held(c: &Chain, policy: &Policy) -> usize {
    let mut n = 0;
    for shard in 0..16 {
        let key = format!(
            "parapet.token-limit.tier.{:08x}.{shard}",
            policy.fingerprint()
        );
        if let Some((bytes, _)) = c.shared_data("", &key) {
            n += Table::decode(&bytes, policy).expect("valid table").len();
        }
    }
    n
}

#[test]
fn two_workers_interleaving_streams_lose_no_update() {
    let c = chain_with(json!({"tokens_per_minute": 100000}), 2);
    let req = stream_req("ned", None, 1000);
    let mut a = c.stream_on_worker(0);
    let mut b = c.stream_on_worker(1);
    // Both reserve before either answers, on different VMs.
    a.send_request(&req);
    b.send_request(&req);
    assert!(a.reached_upstream() && b.reached_upstream());
    let sse = |texts: &[&str], u| sse_chunks(texts, Some(u));
    a.send_response_headers(
        200,
        vec![("content-type".into(), "text/event-stream".into())],
        false,
    )
    .unwrap();
    b.send_response_headers(
        200,
        vec![("content-type".into(), "text/event-stream".into())],
        false,
    )
    .unwrap();
    let (ca, cb) = (sse(&["x", "y"], (10, 20)), sse(&["p", "q"], (30, 40)));
    for i in 0..ca.len() {
        let last = i + 1 == ca.len();
        a.send_response_body(ca[i].as_bytes(), last).unwrap();
        b.send_response_body(cb[i].as_bytes(), last).unwrap();
    }
    let (oa, ob) = (a.finish(), b.finish());
    assert_eq!(oa.response.status, 200);
    assert_eq!(ob.response.status, 200);
    // A fresh request's headers show exactly the two usages charged (10+20 + 30+40 = 100)
    // plus its own reservation, which equals what A reserved when the budget was full.
    let full = header_u64(&oa, "x-ratelimit-remaining-tokens");
    let both = header_u64(&ob, "x-ratelimit-remaining-tokens");
    let reservation = 100000 - full;
    assert_eq!(both, 100000 - 2 * reservation);
    let after = c
        .run(&req, &Upstream::sse(200, sse_chunks(&["z"], Some((1, 1)))))
        .unwrap();
    assert_eq!(
        header_u64(&after, "x-ratelimit-remaining-tokens"),
        100000 - 100 - reservation
    );
}

#[test]
fn workers_share_one_budget_exactly() {
    // Admissions alternating between two worker VMs on the same identity: the request that
    // crosses the budget is refused on whichever worker it lands. (CAS conflicts themselves
    // cannot happen in the single-threaded harness; parapet-tokens tests them with an
    // interfering writer between read and write.)
    let c = chain_with(json!({"requests_per_minute": 7}), 2);
    let mut admitted = 0;
    for i in 0..10 {
        let mut s = c.stream_on_worker(i % 2);
        s.send_request(&chat("olga", "hi", 1));
        if s.reached_upstream() {
            admitted += 1;
            s.respond(&openai_usage(1, 1)).unwrap();
        }
        s.finish();
    }
    assert_eq!(admitted, 7);
}

#[test]
fn idle_identities_are_cleaned_up_on_tick() {
    let c = chain(json!({"tokens_per_minute": 6000}));
    let policy = Policy::new([(Dimension::TotalTokens, Window::Minute, 6000)]).unwrap();
    for u in ["p1", "p2", "p3"] {
        assert!(
            c.run(&chat(u, "hi", 10), &openai_usage(5, 5))
                .unwrap()
                .reached_upstream
        );
    }
    assert_eq!(identities_held(&c, &policy), 3);
    c.tick();
    assert_eq!(
        identities_held(&c, &policy),
        3,
        "budgets not yet refilled must stay"
    );
    // 10 tokens of 6000/min refill in 100 ms; the tick after that drops them.
    c.advance_time(Duration::from_secs(11));
    c.tick();
    assert_eq!(identities_held(&c, &policy), 0);
    assert!(counter(&c, "parapet_token_limit_identities_expired_total") >= 3);
}

#[test]
fn identity_cap_evicts_and_counts() {
    let c = chain(json!({"tokens_per_day": 1000, "max_identities": 16, "shards": 16}));
    for i in 0..40 {
        let o = c
            .run(&chat(&format!("u{i}"), "hi", 10), &openai_usage(5, 5))
            .unwrap();
        assert!(o.reached_upstream);
    }
    assert!(counter(&c, "parapet_token_limit_evictions_total") > 0);
}
