//! Other actions and modes end to end: redact/mask/hash, hash stability, key from the VM
//! environment, per-VM random key, block in each provider's format, monitor mode, defaults for
//! `{}`, leak scanning of responses, invalid configs, custom entities, metrics. Every test also
//! checks that no log line or local reply carries a raw value.

mod common;
use common::*;
use parapet_pii::{hash, EntityType, HmacKey};
use serde_json::{json, Value};

const SSN: &str = "536-22-8745";
/// A GitHub token shape (not a real credential).
fn github_token() -> String {
    format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A")
}
/// An AWS access key id shape (not a real credential).
fn aws_key() -> String {
    format!("AKIA{}", "Z7QX2M4PLK9RT3WB")
}

fn run_json(c: &parapet_harness::Chain, p: Provider, prompt: &str) -> parapet_harness::Outcome {
    c.run(
        &p.request(prompt, false),
        &p.json_upstream(p.json_response("ok")),
    )
    .unwrap()
}

fn user_text_sent(c: &parapet_harness::Chain, p: Provider, prompt: &str) -> String {
    let out = run_json(c, p, prompt);
    assert_no_raw(&out, &[EMAIL, SSN]);
    p.upstream_user_text(&out.upstream().body_str())
}

/// The first `<TYPE_hex12>` token of `entity` in `text`.
fn first_token(text: &str, entity: &str) -> String {
    let open = format!("<{entity}_");
    let at = text
        .find(&open)
        .unwrap_or_else(|| panic!("no {open} in {text}"));
    let len = open.len() + 12 + 1;
    let t = &text[at..at + len];
    assert!(t.ends_with('>'), "token shape: {t}");
    t.to_owned()
}

#[test]
fn redact_mask_and_hash() {
    let c = chain(json!({"key": {"env": "PII_KEY"}, "entities": {
        "EMAIL": "redact", "CREDIT_CARD": "mask", "US_SSN": "hash"}}));
    let sent = user_text_sent(
        &c,
        Provider::OpenAiChat,
        "a jane.roe@example.com b 4111-1111-1111-1111 c 536-22-8745",
    );
    let key = HmacKey::new(KEY.as_bytes().to_vec()).unwrap();
    assert_eq!(
        sent,
        format!(
            "a [EMAIL] b ****-****-****-1111 c {}",
            hash(&key, &EntityType::UsSsn, SSN)
        )
    );
}

#[test]
fn response_actions_apply_to_model_output() {
    let c = chain(json!({"key": {"env": "PII_KEY"}, "entities": {
        "EMAIL": {"request": "redact", "response": "redact"},
        "CREDIT_CARD": {"request": "mask", "response": "mask"},
        "US_SSN": {"request": "hash", "response": "hash"}}}));
    let key = HmacKey::new(KEY.as_bytes().to_vec()).unwrap();
    let answer = "card 5555 5555 5555 4444, ssn 536-22-8745, mail bob.smith@example.org";
    let expected = format!(
        "card **** **** **** 4444, ssn {}, mail [EMAIL]",
        hash(&key, &EntityType::UsSsn, SSN)
    );
    for p in [Provider::Gemini, Provider::Ollama] {
        let out = c
            .run(
                &p.request("hi", false),
                &p.json_upstream(p.json_response(answer)),
            )
            .unwrap();
        assert_eq!(p.json_text(&out.response.body), expected, "{p:?}");
        assert_no_raw(&out, &[SSN, "bob.smith@example.org", "5555 5555"]);
        let body = p.stream_body(&chunk_str(answer, 6));
        for sizes in cuts(body.len(), 10) {
            let out = c
                .run(
                    &p.request("hi", true),
                    &p.stream_upstream_sizes(&body, &sizes),
                )
                .unwrap();
            assert_eq!(
                p.stream_text(&out.response.body).0,
                expected,
                "{p:?} cut {sizes:?}"
            );
        }
    }
}

#[test]
fn hashes_are_stable_for_the_same_value_and_key_and_differ_by_key() {
    let cfg = json!({"key": {"env": "PII_KEY"}, "entities": {"EMAIL": "hash"}});
    let c1 = chain(cfg.clone());
    let c2 = chain(cfg.clone());
    let a = user_text_sent(&c1, Provider::Anthropic, "mail jane.roe@example.com");
    let b = user_text_sent(&c1, Provider::Anthropic, "mail jane.roe@example.com");
    let d = user_text_sent(&c2, Provider::Gemini, "mail jane.roe@example.com");
    assert_eq!(a, b, "same value, same key: same hash");
    assert_eq!(a, d, "same key in another VM (another provider): same hash");
    // `<EMAIL_` + 8 hex + `>`: the key is the one the VM environment gave.
    let key = HmacKey::new(KEY.as_bytes().to_vec()).unwrap();
    assert_eq!(
        a,
        format!("mail {}", hash(&key, &EntityType::Email, EMAIL)),
        "hash under the PII_KEY of the VM environment"
    );
    assert_eq!(a.len(), "mail <EMAIL_>".len() + 8, "{a}");
    let other = user_text_sent(&c1, Provider::Anthropic, "mail john.doe@example.com");
    assert_ne!(other, a, "different value, different hash");
    // Another key in the VM environment: another hash.
    let other_env = chain_with_env_key(cfg, "a-different-key-0123456789").unwrap();
    let e = user_text_sent(&other_env, Provider::Anthropic, "mail jane.roe@example.com");
    assert_ne!(e, a, "different key, different hash");
    let key2 = HmacKey::new(b"a-different-key-0123456789".to_vec()).unwrap();
    assert_eq!(
        e,
        format!("mail {}", hash(&key2, &EntityType::Email, EMAIL))
    );
    // An inline key works the same way.
    let inline = chain(json!({"key": "a-different-key-0123456789", "entities": {"EMAIL": "hash"}}));
    assert_eq!(
        user_text_sent(&inline, Provider::Anthropic, "mail jane.roe@example.com"),
        e
    );
}

#[test]
fn tokens_use_the_key_from_the_vm_environment() {
    let cfg = json!({"key": {"env": "PII_KEY"}});
    let a = user_text_sent(
        &chain(cfg.clone()),
        Provider::Ollama,
        "mail jane.roe@example.com",
    );
    assert_eq!(a, format!("mail {}", token(EntityType::Email, EMAIL)));
    let b = user_text_sent(
        &chain_with_env_key(cfg, "a-different-key-0123456789").unwrap(),
        Provider::Ollama,
        "mail jane.roe@example.com",
    );
    assert_ne!(a, b);
}

#[test]
fn without_a_key_each_vm_draws_a_random_one() {
    let c1 = chain(json!({"entities": {"EMAIL": "hash"}}));
    let c2 = chain(json!({"entities": {"EMAIL": "hash"}}));
    let a = user_text_sent(&c1, Provider::OpenAiChat, "mail jane.roe@example.com");
    let a2 = user_text_sent(&c1, Provider::OpenAiChat, "mail jane.roe@example.com");
    let b = user_text_sent(&c2, Provider::OpenAiChat, "mail jane.roe@example.com");
    assert_eq!(a, a2, "stable within a VM");
    assert_ne!(a, b, "different VMs, different random keys");
}

#[test]
fn block_answers_in_each_provider_format_naming_the_type_only() {
    let c = chain(json!({"entities": {"US_SSN": "block"}}));
    for p in ALL {
        for stream in [false, true] {
            let out = c
                .run(
                    &p.request("my ssn is 536-22-8745, mail jane.roe@example.com", stream),
                    &p.json_upstream(p.json_response("ok")),
                )
                .unwrap();
            assert!(!out.reached_upstream, "{p:?}");
            let reply = out.local_reply.as_ref().expect("local reply");
            assert_eq!(reply.status, 403, "{p:?}");
            let v: Value = serde_json::from_slice(&reply.body).unwrap();
            let message = match p {
                Provider::OpenAiChat | Provider::OpenAiToolArgs => {
                    assert!(v["error"]["type"].is_string(), "{v}");
                    &v["error"]["message"]
                }
                Provider::Anthropic => {
                    assert_eq!(v["type"], "error", "{v}");
                    &v["error"]["message"]
                }
                Provider::Gemini => {
                    assert_eq!(v["error"]["code"], 403, "{v}");
                    assert!(v["error"]["status"].is_string(), "{v}");
                    &v["error"]["message"]
                }
                Provider::Bedrock => {
                    assert!(reply.header("x-amzn-errortype").is_some(), "{p:?}");
                    &v["message"]
                }
                Provider::Ollama => &v["error"],
            };
            let message = message.as_str().unwrap_or_default();
            assert!(message.contains("US_SSN"), "{p:?}: {v}");
            assert!(!message.contains("EMAIL"), "only the blocking type: {v}");
            assert_no_raw(&out, &[SSN, "536-22", EMAIL]);
            let ev = event(&out, "request");
            assert_eq!(ev["action"], "block");
            assert_eq!(ev["enforced"], true);
            assert_eq!(ev["entities"]["us_ssn"], 1);
        }
    }
}

#[test]
fn monitor_mode_changes_nothing_and_the_event_says_what_would_have_happened() {
    let c = chain(
        json!({"mode": "monitor", "key": {"env": "PII_KEY"}, "entities": {"US_SSN": "block"}}),
    );
    let p = Provider::OpenAiChat;
    // Would have tokenized: the body goes upstream unchanged.
    let out = run_json(&c, p, PROMPT);
    assert_eq!(p.upstream_user_text(&out.upstream().body_str()), PROMPT);
    let ev = event(&out, "request");
    assert_eq!(ev["action"], "rewrite", "{ev}");
    assert_eq!(ev["mode"], "monitor");
    assert_eq!(ev["enforced"], false);
    assert_eq!(ev["entities"]["email"], 1);
    assert_eq!(ev["entities"]["credit_card"], 1);
    assert_no_raw(&out, &[EMAIL, CARD, "4111"]);
    // Would have blocked: the request reaches the upstream anyway.
    let out = run_json(&c, p, "ssn 536-22-8745");
    assert!(out.reached_upstream && out.local_reply.is_none());
    assert_eq!(
        p.upstream_user_text(&out.upstream().body_str()),
        "ssn 536-22-8745"
    );
    let ev = event(&out, "request");
    assert_eq!(ev["action"], "block", "{ev}");
    assert_eq!(ev["mode"], "monitor");
    assert_eq!(ev["enforced"], false);
    assert!(
        ev["message"].as_str().unwrap_or("").contains("US_SSN"),
        "{ev}"
    );
    assert_no_raw(&out, &[SSN]);
    // A leaked secret in the answer: reported as a rewrite, left in place.
    let answer = format!("key {}", aws_key());
    let out = c
        .run(
            &p.request("hi", false),
            &p.json_upstream(p.json_response(&answer)),
        )
        .unwrap();
    assert_eq!(p.json_text(&out.response.body), answer);
    let ev = event(&out, "response");
    assert_eq!(ev["action"], "rewrite", "{ev}");
    assert_eq!(ev["mode"], "monitor");
    assert_no_raw(&out, &[&aws_key()]);
    // Streamed: every byte passes as it came, at every cut.
    let p = Provider::Anthropic;
    let body = p.stream_body(&chunk_str(&answer, 5));
    for sizes in cuts(body.len(), 10) {
        let out = c
            .run(
                &p.request("hi", true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        assert_eq!(out.response.body, body, "cut {sizes:?}");
    }
    assert!(
        out.metric("parapet_pii_redact_actions_total.action.block.mode.monitor")
            .unwrap_or(0)
            >= 1
    );
    assert_eq!(
        out.metric("parapet_pii_redact_actions_total.action.block.mode.enforce"),
        None
    );
}

#[test]
fn empty_config_behaves_as_the_readme_says() {
    let c = chain(json!({}));
    let gh = github_token();
    let prompt = format!(
        "Dr. Jane Roe here, DOB: 03/14/1985, token {gh}, mail jane.roe@example.com, card {CARD}"
    );
    let p = Provider::OpenAiChat;
    let out = run_json(&c, p, &prompt);
    let sent = p.upstream_user_text(&out.upstream().body_str());
    // Secrets redacted; validated PII tokenized (random per-VM key); person and date of birth
    // only reported.
    let te = first_token(&sent, "EMAIL");
    let tc = first_token(&sent, "CREDIT_CARD");
    assert_eq!(
        sent,
        format!("Dr. Jane Roe here, DOB: 03/14/1985, token [GITHUB_TOKEN], mail {te}, card {tc}")
    );
    assert_ne!(te, token(EntityType::Email, EMAIL), "not the test key");
    let ev = event(&out, "request");
    assert_eq!(ev["action"], "rewrite");
    assert_eq!(ev["mode"], "enforce");
    for e in [
        "person",
        "date_of_birth",
        "github_token",
        "email",
        "credit_card",
    ] {
        assert_eq!(ev["entities"][e], 1, "{e}: {ev}");
    }
    assert_no_raw(&out, &[&gh, EMAIL, CARD, "4111"]);

    // The response: the user's values come back; a new email is only reported; a leaked
    // secret is redacted.
    let akia = aws_key();
    let answer =
        format!("Dr. Jane Roe: sent to {te} ({tc}); cc bob.smith@example.org; key {akia}.");
    let expected = format!(
        "Dr. Jane Roe: sent to {EMAIL} ({CARD}); cc bob.smith@example.org; key [AWS_ACCESS_KEY]."
    );
    let run = |up: parapet_harness::Upstream, stream: bool| {
        c.run(&p.request(&prompt, stream), &up).unwrap()
    };
    let out = run(p.json_upstream(p.json_response(&answer)), false);
    assert_eq!(p.json_text(&out.response.body), expected);
    let ev = event(&out, "response");
    assert_eq!(ev["entities"]["email"], 1, "the new email only: {ev}");
    assert_eq!(ev["entities"]["aws_access_key"], 1, "{ev}");
    assert!(
        ev["entities"].get("person").is_none(),
        "person: allow in responses: {ev}"
    );
    assert_no_raw(&out, &[&akia, "bob.smith@example.org", EMAIL]);
    // Streamed the same way (random key, 6-byte events, every split).
    let deltas: Vec<&str> = answer
        .as_bytes()
        .chunks(6)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let body = p.stream_body(&deltas);
    for sizes in cuts(body.len(), 10) {
        let out = run(p.stream_upstream_sizes(&body, &sizes), true);
        let (text, error) = p.stream_text(&out.response.body);
        assert!(!error, "cut {sizes:?}");
        assert_eq!(text, expected, "cut {sizes:?}");
    }
}

#[test]
fn secrets_the_model_leaks_are_redacted_in_json_and_streams() {
    let c = chain(json!({}));
    let key = aws_key();
    let answer = format!("Use {key} as the key id.");
    let expected = "Use [AWS_ACCESS_KEY] as the key id.";
    for p in ALL {
        if p == Provider::OpenAiToolArgs {
            continue;
        }
        let out = c
            .run(
                &p.request("hi", false),
                &p.json_upstream(p.json_response(&answer)),
            )
            .unwrap();
        assert_eq!(p.json_text(&out.response.body), expected, "{p:?}");
        assert_no_raw(&out, &[&key]);
    }
    let p = Provider::Anthropic;
    let deltas: Vec<&str> = vec!["Use AK", "IAZ7QX2M4P", "LK9RT3WB as", " the key id."];
    let body = p.stream_body(&deltas);
    for sizes in cuts(body.len(), 20) {
        let out = c
            .run(
                &p.request("hi", true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, _) = p.stream_text(&out.response.body);
        assert_eq!(text, expected, "cut {sizes:?}");
    }
}

/// Token-sized events (3 bytes of text each, about one upstream chunk per event): every value
/// spans several events. The prose before a value leaves as it arrives (the filter holds back
/// only what is undecided), yet no part of a value reaches the client unredacted, and the
/// client reads what the JSON answer gives.
#[test]
fn values_spread_over_token_sized_events_are_redacted_whole() {
    let c = chain(json!({"entities": {
        "CREDIT_CARD": {"response": "redact"},
        "EMAIL": {"response": "redact"},
        "US_SSN": {"response": "redact"},
    }}));
    let key = aws_key();
    let answer = format!(
        "Sure, here you go. The key id is {key}, the card 4111 1111 1111 1111 and the \
         contact jane.roe@example.com (ssn 536-22-8745)."
    );
    let p = Provider::OpenAiChat;
    let json = c
        .run(
            &p.request("hi", false),
            &p.json_upstream(p.json_response(&answer)),
        )
        .unwrap();
    let expected = p.json_text(&json.response.body);
    assert!(!expected.contains("4111"), "{expected}");
    for p in ALL {
        if p == Provider::OpenAiToolArgs {
            continue;
        }
        let deltas = chunk_str(&answer, 3);
        let body = p.stream_body(&deltas);
        let per_event = p.stream_body(&["abc"]).len() - p.stream_body(&[]).len();
        let sizes = vec![per_event; body.len() / per_event + 1];
        let out = c
            .run(
                &p.request("hi", true),
                &p.stream_upstream_sizes(&body, &sizes),
            )
            .unwrap();
        let (text, error) = p.stream_text(&out.response.body);
        assert!(!error, "{p:?}");
        assert_eq!(text, expected, "{p:?}");
        assert_no_raw(&out, &[&key, "4111", "jane.roe", "536-22"]);
        let first = out
            .response
            .chunks
            .iter()
            .position(|c| !p.stream_text(c).0.is_empty());
        assert!(
            first.is_some_and(|f| f < 8),
            "{p:?}: the first text left at chunk {first:?} of {}",
            sizes.len()
        );
    }
}

#[test]
fn response_block_ends_the_answer_without_the_value() {
    let c = chain(json!({"entities": {"PRIVATE_KEY": {"response": "block"}}}));
    let pem =
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4k2\n-----END RSA PRIVATE KEY-----\n";
    // Streamed: an error event ends the stream.
    let p = Provider::OpenAiChat;
    let deltas = [
        "Here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow",
        "IBAAKCAQEAx4k2\n-----END RSA PRIVATE KEY-----\n",
        "done",
    ];
    let out = c
        .run(
            &p.request("hi", true),
            &p.stream_upstream(&p.stream_body(&deltas), None),
        )
        .unwrap();
    let (text, error) = p.stream_text(&out.response.body);
    assert!(
        error,
        "error event expected: {}",
        String::from_utf8_lossy(&out.response.body)
    );
    assert!(!text.contains("MIIEow"), "{text}");
    assert_no_raw(&out, &["MIIEow"]);
    // JSON: the body becomes the provider's error (the status was already sent upstream-side).
    for p in [Provider::Anthropic, Provider::Gemini, Provider::Bedrock] {
        let out = c
            .run(
                &p.request("hi", false),
                &p.json_upstream(p.json_response(&format!("Here:\n{pem}"))),
            )
            .unwrap();
        let body = out.response.body_str();
        assert!(!body.contains("MIIEow"), "{p:?}: {body}");
        assert!(body.contains("PRIVATE_KEY"), "{p:?}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert!(
            v.get("error").is_some() || v.get("message").is_some(),
            "{p:?}: {v}"
        );
        assert_eq!(event(&out, "response")["action"], "block");
    }
}

#[test]
fn invalid_configs_are_rejected_naming_the_field() {
    let cases = [
        (json!({"entities": {"EMIAL": "redact"}}), "entities.EMIAL"),
        (
            json!({"entities": {"EMAIL": {"response": "tokenize"}}}),
            "entities.EMAIL.response",
        ),
        (json!({"entities": {"EMAIL": "scramble"}}), "entities"),
        (
            json!({"custom": [{"name": "X", "pattern": "("}]}),
            "custom[0].pattern",
        ),
        (json!({"key": "short"}), "key"),
        (
            json!({"key": {"env": "NOT_SET_ANYWHERE"}}),
            "NOT_SET_ANYWHERE",
        ),
        (json!({"mask": {"keep": 99}}), "mask.keep"),
        (json!({"colour": "blue"}), "colour"),
        (
            json!({"stream": {"hold_back_bytes": 63}}),
            "stream.hold_back_bytes",
        ),
    ];
    for (cfg, needle) in cases {
        let err = try_chain(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("{cfg} accepted"));
        assert!(err.contains(needle), "{cfg}: {err}");
    }
    // A window too short to restore tokens is fine when nothing is restored.
    assert!(
        try_chain(json!({"stream": {"hold_back_bytes": 8}, "restore_responses": false})).is_ok()
    );
    // The key never appears in an error about it.
    let err = try_chain(json!({"key": "short"})).err().unwrap();
    assert!(!err.contains("\"short\""), "{err}");
}

#[test]
fn custom_entities_from_config() {
    let c = chain(
        json!({"custom": [{"name": "EMPLOYEE_ID", "pattern": "\\bEMP-[0-9]{6}\\b", "context": ["employee"]}],
        "entities": {"EMPLOYEE_ID": "tokenize"}, "key": {"env": "PII_KEY"}}),
    );
    let p = Provider::OpenAiChat;
    let t = token(EntityType::Custom("EMPLOYEE_ID".into()), "EMP-123456");
    let out = c
        .run(
            &p.request("employee EMP-123456 asked", false),
            &p.json_upstream(p.json_response(&format!("Employee {t} is on leave."))),
        )
        .unwrap();
    assert_eq!(
        p.upstream_user_text(&out.upstream().body_str()),
        format!("employee {t} asked")
    );
    assert_eq!(
        p.json_text(&out.response.body),
        "Employee EMP-123456 is on leave."
    );
    assert_eq!(event(&out, "request")["entities"]["employee_id"], 1);
    assert_no_raw(&out, &["EMP-123456"]);
    // A custom entity without an action: redacted in requests (the default).
    let c = chain(json!({"custom": [{"name": "TICKET", "pattern": "\\bTCK-[0-9]{5}\\b"}]}));
    assert_eq!(
        user_text_sent(&c, p, "see TCK-12345 please"),
        "see [TICKET] please"
    );
}

#[test]
fn the_users_own_values_are_never_flagged_in_the_answer() {
    let c = chain(json!({"key": {"env": "PII_KEY"}, "entities": {"EMAIL": {"response": "block"}}}));
    let p = Provider::OpenAiChat;
    let te = token(EntityType::Email, EMAIL);
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response(&format!("Wrote to {te}."))),
        )
        .unwrap();
    assert_eq!(
        p.json_text(&out.response.body),
        format!("Wrote to {EMAIL}.")
    );
    // Another address in the answer is a leak: blocked, by type only.
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response(&format!("Wrote to {te} and bob.smith@example.org."))),
        )
        .unwrap();
    let body = out.response.body_str();
    assert!(
        body.contains("EMAIL") && !body.contains("bob.smith"),
        "{body}"
    );
    assert!(!body.contains(EMAIL), "{body}");
    assert_eq!(event(&out, "response")["action"], "block");
    assert_no_raw(&out, &["bob.smith@example.org", EMAIL]);
}

#[test]
fn metrics_are_named_as_the_readme_says() {
    let c = chain(json!({"key": {"env": "PII_KEY"}}));
    let p = Provider::OpenAiChat;
    run_json(&c, p, "hello");
    let out = run_json(&c, p, &format!("{PROMPT} {}", github_token()));
    let m = |name: &str| out.metric(&format!("parapet_pii_redact_{name}"));
    assert_eq!(m("requests_total"), Some(2));
    assert_eq!(m("actions_total.action.rewrite.mode.enforce"), Some(1));
    assert_eq!(m("detections_total.category.pii"), Some(2));
    assert_eq!(m("detections_total.category.secret"), Some(1));
    assert!(m("bytes_scanned_total").unwrap_or(0) > 0);
    assert!(m("work_us").is_some());
}

#[test]
fn malformed_bodies_fail_closed_without_echoing_values() {
    let c = chain(json!({"key": {"env": "PII_KEY"}}));
    for body in [
        r#"{"model":"gpt-4o","messages":[{"role":"user","content":"jane.roe@example.com"}"#,
        r#"{"model":"gpt-4o","messages":[jane.roe@example.com]}"#,
        r#"{"model":"gpt-4o","messages":[{"role":"user","content":"jane.roe@example.com \x"}]}"#,
    ] {
        let out = c
            .run(
                &parapet_harness::Request::post("/v1/chat/completions").json_body(body),
                &parapet_harness::Upstream::json(200, "{}"),
            )
            .unwrap();
        assert!(!out.reached_upstream, "{body}");
        assert_eq!(out.local_reply.as_ref().map(|r| r.status), Some(400));
        assert_eq!(event(&out, "request")["action"], "error");
        assert_no_raw(&out, &[EMAIL]);
    }
    // A truncated JSON answer: replaced by the provider's error, the leaked address not echoed.
    let p = Provider::OpenAiChat;
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(
                br#"{"choices":[{"message":{"content":"bob.smith@example.org"#.to_vec(),
            ),
        )
        .unwrap();
    assert!(!out.response.body_str().contains("bob.smith"));
    assert_eq!(event(&out, "response")["action"], "error");
    assert_no_raw(&out, &["bob.smith@example.org", EMAIL]);
    assert_eq!(
        out.metric("parapet_pii_redact_errors_total.kind.unparseable_body"),
        Some(4),
        "three requests and one response"
    );
}
