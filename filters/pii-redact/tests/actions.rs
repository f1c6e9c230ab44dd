//! Other actions and modes end to end: redact/mask/hash, hash stability, key from the VM
//! environment, per-VM random key, block in the provider's format, monitor mode, defaults for
//! `{}`, leak scanning of responses, and invalid configs.

mod common;
use common::*;
use parapet_pii::{hash, EntityType, HmacKey};
use serde_json::json;

fn user_text_sent(c: &parapet_harness::Chain, p: Provider, prompt: &str) -> String {
    let out = c
        .run(
            &p.request(prompt, false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    p.upstream_user_text(&out.upstream().body_str())
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
            hash(&key, &EntityType::UsSsn, "536-22-8745")
        )
    );
}

#[test]
fn hashes_are_stable_across_requests_and_depend_on_the_key() {
    let cfg = json!({"key": {"env": "PII_KEY"}, "entities": {"EMAIL": "hash"}});
    let c1 = chain(cfg.clone());
    let c2 = chain(cfg);
    let a = user_text_sent(&c1, Provider::Anthropic, "mail jane.roe@example.com");
    let b = user_text_sent(&c1, Provider::Anthropic, "mail jane.roe@example.com");
    let d = user_text_sent(&c2, Provider::Anthropic, "mail jane.roe@example.com");
    assert_eq!(a, b);
    assert_eq!(a, d, "same key in another VM: same hash");
    assert!(
        a.starts_with("mail <EMAIL_") && a.len() == "mail <EMAIL_>".len() + 8,
        "{a}"
    );
    let inline = chain(json!({"key": "another-key-0123456789", "entities": {"EMAIL": "hash"}}));
    assert_ne!(
        user_text_sent(&inline, Provider::Anthropic, "mail jane.roe@example.com"),
        a
    );
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
fn block_answers_in_the_provider_format_naming_the_type_only() {
    let c = chain(json!({"entities": {"US_SSN": "block"}}));
    for p in [Provider::OpenAiChat, Provider::Anthropic, Provider::Gemini] {
        let out = c
            .run(
                &p.request("my ssn is 536-22-8745", false),
                &p.json_upstream(p.json_response("ok")),
            )
            .unwrap();
        assert!(!out.reached_upstream, "{p:?}");
        let reply = out.local_reply.as_ref().expect("local reply");
        assert_eq!(reply.status, 403, "{p:?}");
        let body = reply.body_str();
        assert!(body.contains("US_SSN"), "{p:?}: {body}");
        assert!(
            !body.contains("536-22") && !all_logs(&out).contains("536-22-8745"),
            "{p:?}: value leaked"
        );
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        match p {
            Provider::Anthropic => assert_eq!(v["type"], "error"),
            Provider::Gemini => assert_eq!(v["error"]["code"], 403),
            _ => assert!(v["error"]["message"].is_string()),
        }
    }
}

#[test]
fn monitor_mode_reports_but_changes_nothing() {
    let c = chain(json!({"mode": "monitor", "entities": {"US_SSN": "block"}}));
    let p = Provider::OpenAiChat;
    let out = c
        .run(
            &p.request(PROMPT, false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    assert_eq!(p.upstream_user_text(&out.upstream().body_str()), PROMPT);
    let logs = all_logs(&out);
    assert!(logs.contains("\"mode\":\"monitor\""), "{logs}");
    assert!(
        logs.contains("email") && logs.contains("credit_card"),
        "{logs}"
    );
    assert!(
        !logs.contains(EMAIL) && !logs.contains("4111 1111"),
        "{logs}"
    );
    let blocked = c
        .run(
            &p.request("ssn 536-22-8745", false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    assert!(blocked.reached_upstream && blocked.local_reply.is_none());
}

#[test]
fn empty_config_redacts_secrets_tokenizes_pii_and_only_reports_names() {
    let c = chain(json!({}));
    let gh = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");
    let prompt = format!("Dr. Jane Roe here, token {gh}, mail jane.roe@example.com");
    let p = Provider::OpenAiChat;
    let out = c
        .run(
            &p.request(&prompt, false),
            &p.json_upstream(p.json_response("ok")),
        )
        .unwrap();
    let sent = p.upstream_user_text(&out.upstream().body_str());
    assert!(
        sent.starts_with("Dr. Jane Roe here, token [GITHUB_TOKEN], mail <EMAIL_"),
        "{sent}"
    );
    assert!(all_logs(&out).contains("person"), "person is reported");
}

#[test]
fn secrets_the_model_leaks_are_redacted_in_json_and_streams() {
    let c = chain(json!({}));
    let key = format!("AKIA{}", "Z7QX2M4PLK9RT3WB");
    let answer = format!("Use {key} as the key id.");
    let expected = "Use [AWS_ACCESS_KEY] as the key id.";
    let p = Provider::Anthropic;
    let out = c
        .run(
            &p.request("hi", false),
            &p.json_upstream(p.json_response(&answer)),
        )
        .unwrap();
    assert_eq!(p.json_text(&out.response.body), expected);
    let deltas: Vec<&str> = vec!["Use AK", "IAZ7QX2M4P", "LK9RT3WB as", " the key id."];
    let body = p.stream_body(&deltas);
    for split in 1..body.len() {
        let out = c
            .run(
                &p.request("hi", true),
                &p.stream_upstream(&body, Some(split)),
            )
            .unwrap();
        let (text, _) = p.stream_text(&out.response.body);
        assert_eq!(text, expected, "split {split}");
    }
}

#[test]
fn response_block_ends_the_stream_without_the_value() {
    let c = chain(json!({"entities": {"PRIVATE_KEY": {"response": "block"}}}));
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
    ];
    for (cfg, needle) in cases {
        let err = try_chain(cfg.clone())
            .err()
            .unwrap_or_else(|| panic!("{cfg} accepted"));
        assert!(err.contains(needle), "{cfg}: {err}");
    }
}

#[test]
fn custom_entities_from_config() {
    let c = chain(
        json!({"custom": [{"name": "EMPLOYEE_ID", "pattern": "\\bEMP-[0-9]{6}\\b", "context": ["employee"]}],
        "entities": {"EMPLOYEE_ID": "tokenize"}, "key": {"env": "PII_KEY"}}),
    );
    let p = Provider::OpenAiChat;
    let (answer, restored) = (
        format!(
            "Employee {} is on leave.",
            token(EntityType::Custom("EMPLOYEE_ID".into()), "EMP-123456")
        ),
        "Employee EMP-123456 is on leave.",
    );
    let out = c
        .run(
            &p.request("employee EMP-123456 asked", false),
            &p.json_upstream(p.json_response(&answer)),
        )
        .unwrap();
    assert_eq!(
        p.upstream_user_text(&out.upstream().body_str()),
        format!(
            "employee {} asked",
            token(EntityType::Custom("EMPLOYEE_ID".into()), "EMP-123456")
        )
    );
    assert_eq!(p.json_text(&out.response.body), restored);
}
