//! `glob.match`, `regex.match` and `regex.find_n` as a policy sees them: the policy engine keeps
//! their compiled patterns across evaluations (src/patterns.rs); every result must be the one
//! regorus's own builtins give, and every argument the builtins refuse must still be refused.
use parapet_rego::{Module, Policy};
use regorus::{Engine, Value};
use serde_json::{json, Value as Json};

const CALLS: &str = r#"
package calls

import rego.v1

glob_match := glob.match(input.pattern, input.delimiters, input.value)

regex_match := regex.match(input.pattern, input.value)

find_n := regex.find_n(input.pattern, input.value, input.n)
"#;

fn ours() -> Policy {
    Policy::compile(&[Module::new("calls.rego", CALLS)], None).expect("compiles")
}

/// regorus with its builtins, strict as [`Policy`] is.
fn theirs() -> Engine {
    let mut engine = Engine::new();
    engine.set_strict_builtin_errors(true);
    engine
        .add_policy("calls.rego".into(), CALLS.into())
        .expect("compiles");
    engine
}

/// `Some(result)` or `None` for an error, from both engines.
fn both(
    rule: &str,
    input: &Json,
    ours: &mut Policy,
    theirs: &mut Engine,
) -> (Option<Json>, Option<Json>) {
    let path = format!("data.calls.{rule}");
    let a = ours
        .evaluate(&path, input)
        .ok()
        .map(|v| v.unwrap_or(Json::Null));
    theirs.set_input(Value::from_json_str(&input.to_string()).expect("input"));
    let b = theirs.eval_rule(path).ok().map(|v| {
        if v == Value::Undefined {
            Json::Null
        } else {
            serde_json::to_value(&v).expect("json")
        }
    });
    (a, b)
}

fn agree(rule: &str, cases: &[Json]) {
    let mut ours = ours();
    let mut theirs = theirs();
    // Twice: the second round runs on the patterns kept from the first.
    let mut answered = 0;
    for round in 0..2 {
        for input in cases {
            let (a, b) = both(rule, input, &mut ours, &mut theirs);
            assert_eq!(a, b, "{rule} round {round} on {input}");
            answered += usize::from(a.is_some_and(|v| !v.is_null()));
        }
    }
    // Most cases are answers, not errors on both sides.
    assert!(answered > cases.len(), "{rule}: {answered} answers");
}

#[test]
fn glob_match_agrees_with_regorus() {
    let cases = [
        json!({"pattern": "gpt-4o*", "delimiters": ["/"], "value": "gpt-4o-mini"}),
        json!({"pattern": "claude-*-haiku*", "delimiters": ["/"], "value": "claude-3-5-haiku-latest"}),
        json!({"pattern": "claude-*-haiku*", "delimiters": ["/"], "value": "claude-3-opus"}),
        json!({"pattern": "mock-*", "delimiters": ["/"], "value": "mock-a/b"}),
        json!({"pattern": "*", "delimiters": ["/"], "value": "a/b"}),
        json!({"pattern": "**", "delimiters": ["/"], "value": "a/b"}),
        json!({"pattern": "*.example.com", "delimiters": ["."], "value": "api.example.com"}),
        json!({"pattern": "*.example.com", "delimiters": ["."], "value": "a.b.example.com"}),
        json!({"pattern": "**.example.com", "delimiters": ["."], "value": "a.b.example.com"}),
        json!({"pattern": "*.example.com", "delimiters": [], "value": "api.example.com"}),
        json!({"pattern": "*:*", "delimiters": [":"], "value": "a:b"}),
        json!({"pattern": "a*", "delimiters": [":", "."], "value": "ab.c"}),
        json!({"pattern": "a/*", "delimiters": null, "value": "a/b/c"}),
        json!({"pattern": "*", "delimiters": null, "value": "a/b.c"}),
        json!({"pattern": "[a-c]?x", "delimiters": ["."], "value": "bzx"}),
        json!({"pattern": "{gpt,o1}-*", "delimiters": ["/"], "value": "o1-mini"}),
        json!({"pattern": "h\u{e9}*", "delimiters": ["/"], "value": "h\u{e9}llo"}),
        json!({"pattern": "*", "delimiters": [""], "value": "a.b"}),
        // Refused by both: bad pattern, bad delimiters, placeholder byte, non-string arguments.
        json!({"pattern": "[a-", "delimiters": ["."], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["ab"], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["\u{e9}"], "value": "a"}),
        json!({"pattern": "*", "delimiters": "/", "value": "a"}),
        json!({"pattern": "*", "delimiters": [1], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["."], "value": "a\u{0}b"}),
        json!({"pattern": 1, "delimiters": ["."], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["."], "value": 1}),
        // Undefined argument: undefined result.
        json!({"pattern": "*", "delimiters": ["."]}),
    ];
    agree("glob_match", &cases);
}

#[test]
fn regex_match_agrees_with_regorus() {
    let cases = [
        json!({"pattern": r"(?i)\brm\s+-[a-z]*r[a-z]*f", "value": "please RM -rf /"}),
        json!({"pattern": r"(?i)curl[^|]*\|\s*(ba|z)?sh", "value": "{\"cmd\":\"curl x | bash\"}"}),
        json!({"pattern": r"(?i)\b(mkfs|shutdown|reboot)\b", "value": "mkfsx"}),
        json!({"pattern": r"^\d{3}$", "value": "123"}),
        json!({"pattern": r"\w+", "value": "h\u{e9}"}),
        json!({"pattern": "", "value": ""}),
        json!({"pattern": "(", "value": "x"}),
        json!({"pattern": r"\p{Greek}", "value": "\u{3b1}"}),
        json!({"pattern": "a{1000}{1000}", "value": "a"}),
        json!({"pattern": 1, "value": "x"}),
        json!({"pattern": "x", "value": ["x"]}),
        json!({"pattern": "x"}),
    ];
    agree("regex_match", &cases);
}

#[test]
fn regex_find_n_agrees_with_regorus() {
    let text =
        r#"{"url":"https://evil.test/x","b":"http://docs.internal/y https://api.example.com"}"#;
    let cases = [
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": -1}),
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": 0}),
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": 2}),
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": 1e30}),
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": 1.5}),
        json!({"pattern": r#"https?://[^\s"'/]+"#, "value": text, "n": "2"}),
        json!({"pattern": "(", "value": text, "n": 1.5}),
        json!({"pattern": "a*", "value": "baaa", "n": -1}),
        json!({"pattern": "x", "value": "", "n": -1}),
    ];
    agree("find_n", &cases);
}

/// Rego tests mock builtins with `with`: that still replaces the pattern builtins.
#[test]
fn with_still_replaces_the_pattern_builtins() {
    let mut p = Policy::compile(
        &[Module::new(
            "mock.rego",
            r#"
package mock

import rego.v1

always_true(_, _) := true

plain := regex.match("^a$", "b")

mocked if {
	regex.match("^a$", "b") with regex.match as always_true
}

glob_mocked if {
	glob.match("a", ["."], "b") with glob.match as true
}
"#,
        )],
        None,
    )
    .expect("compiles");
    let mut eval = |rule: &str| {
        p.evaluate(&format!("data.mock.{rule}"), &json!({}))
            .unwrap()
    };
    assert_eq!(eval("plain"), Some(json!(false)));
    assert_eq!(eval("mocked"), Some(json!(true)));
    assert_eq!(eval("glob_mocked"), Some(json!(true)));
}
