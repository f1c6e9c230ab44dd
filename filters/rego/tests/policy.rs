use parapet_rego::{Module, Policy};
use serde_json::json;

const TIERS: &str = r#"
package parapet

import rego.v1

default decision := {"allow": false, "reasons": ["model not allowed for tier"], "status": 403}

decision := {"allow": true, "headers": {"x-parapet-tier": tier}} if {
    input.llm.model in data.tiers[tier]
}

tier := t if {
    t := input.identity.tier
} else := "anonymous"

test_gold_may_use_big_model if {
    decision.allow with input as {"identity": {"tier": "gold"}, "llm": {"model": "gpt-4o"}}
        with data.tiers as {"gold": ["gpt-4o"], "anonymous": []}
}

test_anonymous_denied if {
    not decision.allow with input as {"llm": {"model": "gpt-4o"}}
        with data.tiers as {"gold": ["gpt-4o"], "anonymous": []}
}
"#;

fn tiers() -> Policy {
    Policy::compile(
        &[Module::new("tiers.rego", TIERS)],
        Some(&json!({"tiers": {"gold": ["gpt-4o", "gpt-4o-mini"], "anonymous": ["gpt-4o-mini"]}})),
    )
    .expect("compiles")
}

#[test]
fn decision_follows_data_and_input() {
    let mut p = tiers();
    let gold = p
        .decide(
            "data.parapet.decision",
            &json!({"identity": {"tier": "gold"}, "llm": {"model": "gpt-4o"}}),
        )
        .unwrap();
    assert!(gold.allow);
    assert_eq!(gold.headers, vec![("x-parapet-tier".into(), "gold".into())]);

    let anon = p
        .decide(
            "data.parapet.decision",
            &json!({"llm": {"model": "gpt-4o"}}),
        )
        .unwrap();
    assert!(!anon.allow);
    assert_eq!(anon.status, Some(403));
    assert_eq!(anon.reasons, vec!["model not allowed for tier".to_string()]);
}

#[test]
fn rego_unit_tests_run_through_the_same_engine() {
    let mut p = tiers();
    let report = p.run_tests();
    assert_eq!(report.outcomes.len(), 2, "{report:?}");
    assert_eq!(report.failed(), 0, "{report:?}");

    let broken = TIERS.replace(
        "not decision.allow with input as {\"llm\"",
        "decision.allow with input as {\"llm\"",
    );
    let mut p = Policy::compile(&[Module::new("tiers.rego", broken)], None).unwrap();
    let report = p.run_tests();
    assert_eq!(report.failed(), 1, "{report:?}");
    let failed = report
        .outcomes
        .iter()
        .find(|o| o.failure.is_some())
        .unwrap();
    assert_eq!(failed.name, "data.parapet.test_anonymous_denied");
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let err = Policy::compile(
        &[
            Module::new("ok.rego", "package a\nx := 1\n"),
            Module::new(
                "bad.rego",
                "package parapet\n\ndecision := {\"allow\": true\n  x := 1 +\n",
            ),
        ],
        None,
    )
    .unwrap_err();
    assert_eq!(err.file.as_deref(), Some("bad.rego"));
    assert_eq!(err.line, Some(4));
    assert!(err.column.is_some());
    assert!(err.to_string().starts_with("bad.rego:4:"), "{err}");
}

#[test]
fn unknown_function_is_rejected_at_compile_time() {
    let err = Policy::compile(
        &[Module::new(
            "p.rego",
            "package parapet\nimport rego.v1\ndecision := {\"allow\": no_such_fn(input.x)}\n",
        )],
        None,
    )
    .unwrap_err();
    assert_eq!(err.file.as_deref(), Some("p.rego"));
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("no_such_fn"), "{err}");
}

#[test]
fn undefined_decision_is_an_error_not_an_allow() {
    let mut p = Policy::compile(
        &[Module::new(
            "p.rego",
            "package parapet\nimport rego.v1\ndecision := {\"allow\": true} if input.ok\n",
        )],
        None,
    )
    .unwrap();
    let err = p.decide("data.parapet.decision", &json!({})).unwrap_err();
    assert!(err.message.contains("undefined"), "{err}");
    assert!(
        p.decide("data.parapet.decision", &json!({"ok": true}))
            .unwrap()
            .allow
    );
}

#[test]
fn malformed_decision_is_an_error() {
    let mut p = Policy::compile(
        &[Module::new(
            "p.rego",
            "package parapet\ndecision := {\"allow\": false, \"status\": \"403\"}\n",
        )],
        None,
    )
    .unwrap();
    let err = p.decide("data.parapet.decision", &json!({})).unwrap_err();
    assert!(err.message.contains("status"), "{err}");
}

#[test]
fn data_must_be_an_object() {
    let err =
        Policy::compile(&[Module::new("p.rego", "package p\n")], Some(&json!([1]))).unwrap_err();
    assert!(err.message.starts_with("data:"), "{err}");
}

#[test]
fn has_rule_finds_entry_points() {
    let p = tiers();
    assert!(p.has_rule("data.parapet.decision"));
    assert!(!p.has_rule("data.parapet.response_decision"));
    assert_eq!(p.packages(), ["data.parapet".to_string()]);
}
