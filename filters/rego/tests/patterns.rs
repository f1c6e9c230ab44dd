//! The `regex.*`, `glob.*`, `urlquery.*`, `base64.*`, `base64url.*` and `hex.*` builtins as a
//! policy sees them: Parapet provides them on regex-lite and the base64 crate (src/patterns.rs,
//! src/urlquery.rs, src/encoding.rs) instead of regorus's own. Where OPA and
//! regorus agree, every result must be the one regorus's builtins give and every argument they
//! refuse must still be refused; where regorus departs from OPA (Unicode `\w`, its glob
//! placeholder byte, its query escaping), the expected value is OPA's, written out.
use parapet_rego::{Module, Policy};
use regorus::{Engine, Value};
use serde_json::{json, Value as Json};

const CALLS: &str = r#"
package calls

import rego.v1

glob_match := glob.match(input.pattern, input.delimiters, input.value)

quote_meta := glob.quote_meta(input.value)

regex_match := regex.match(input.pattern, input.value)

find_n := regex.find_n(input.pattern, input.value, input.n)

submatch_n := regex.find_all_string_submatch_n(input.pattern, input.value, input.n)

split := regex.split(input.pattern, input.value)

replace := regex.replace(input.value, input.pattern, input.replacement)

is_valid := regex.is_valid(input.pattern)

template_match := regex.template_match(input.pattern, input.value, "{", "}")

encode := urlquery.encode(input.value)

decode := urlquery.decode(input.value)

encode_object := urlquery.encode_object(input.value)

decode_object := urlquery.decode_object(input.value)

base64_encode := base64.encode(input.value)

base64_decode := base64.decode(input.value)

base64_is_valid := base64.is_valid(input.value)

base64url_encode := base64url.encode(input.value)

base64url_encode_no_pad := base64url.encode_no_pad(input.value)

base64url_decode := base64url.decode(input.value)

hex_encode := hex.encode(input.value)

hex_decode := hex.decode(input.value)
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

/// Cases with the answer written out (`null`: an error or undefined): OPA's, where regorus
/// answers otherwise.
fn expect(rule: &str, cases: &[(Json, Json)]) {
    let mut ours = ours();
    let path = format!("data.calls.{rule}");
    for (input, expected) in cases {
        let got = ours
            .evaluate(&path, input)
            .ok()
            .and_then(|v| v)
            .unwrap_or(Json::Null);
        assert_eq!(&got, expected, "{rule} on {input}");
    }
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
        json!({"pattern": "[!a-c]x", "delimiters": ["."], "value": "bx"}),
        json!({"pattern": "{gpt,o1}-*", "delimiters": ["/"], "value": "o1-mini"}),
        json!({"pattern": "{gpt,o1}-*", "delimiters": ["/"], "value": "o3-mini"}),
        json!({"pattern": "h\u{e9}*", "delimiters": ["/"], "value": "h\u{e9}llo"}),
        json!({"pattern": "a.b", "delimiters": ["."], "value": "aXb"}),
        json!({"pattern": "a+b(c)", "delimiters": ["."], "value": "a+b(c)"}),
        json!({"pattern": "\\*", "delimiters": ["."], "value": "*"}),
        json!({"pattern": "\\*", "delimiters": ["."], "value": "x"}),
        json!({"pattern": "*", "delimiters": [""], "value": "a.b"}),
        // Refused by both: bad pattern, bad delimiters, non-string arguments.
        json!({"pattern": "[a-", "delimiters": ["."], "value": "a"}),
        json!({"pattern": "{a,b", "delimiters": ["."], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["ab"], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["\u{e9}"], "value": "a"}),
        json!({"pattern": "*", "delimiters": "/", "value": "a"}),
        json!({"pattern": "*", "delimiters": [1], "value": "a"}),
        json!({"pattern": 1, "delimiters": ["."], "value": "a"}),
        json!({"pattern": "*", "delimiters": ["."], "value": 1}),
        // Undefined argument: undefined result.
        json!({"pattern": "*", "delimiters": ["."]}),
    ];
    agree("glob_match", &cases);
}

#[test]
fn glob_match_answers_as_opa_where_regorus_does_not() {
    expect(
        "glob_match",
        &[
            // regorus rewrites delimiters through a NUL placeholder and refuses values holding one.
            (
                json!({"pattern": "*", "delimiters": ["."], "value": "a\u{0}b"}),
                json!(true),
            ),
            // `**` crosses delimiters anywhere in OPA's globs (globset: only as a whole component).
            (
                json!({"pattern": "a**", "delimiters": ["."], "value": "ab.c"}),
                json!(true),
            ),
            (
                json!({"pattern": "api.**", "delimiters": ["."], "value": "api.a.b"}),
                json!(true),
            ),
        ],
    );
}

#[test]
fn glob_quote_meta_escapes_what_glob_match_treats_specially() {
    expect(
        "quote_meta",
        &[
            (json!({"value": "*.github.com"}), json!("\\*.github.com")),
            (
                json!({"value": "a?[b]{c,d}\\"}),
                json!("a\\?\\[b\\]\\{c,d\\}\\\\"),
            ),
            (json!({"value": 1}), json!(null)),
        ],
    );
    // A quoted glob matches exactly its own text.
    let mut p = ours();
    for text in ["*.github.com", "a?[b]{c,d}\\", "plain"] {
        let quoted = p
            .evaluate("data.calls.quote_meta", &json!({"value": text}))
            .unwrap()
            .unwrap();
        let input = json!({"pattern": quoted, "delimiters": ["."], "value": text});
        let matched = p.evaluate("data.calls.glob_match", &input).unwrap();
        assert_eq!(matched, Some(json!(true)), "{text}");
        let input = json!({"pattern": quoted, "delimiters": ["."], "value": format!("{text}x")});
        let matched = p.evaluate("data.calls.glob_match", &input).unwrap();
        assert_eq!(matched, Some(json!(false)), "{text}x");
    }
}

#[test]
fn regex_match_agrees_with_regorus() {
    let cases = [
        json!({"pattern": r"(?i)\brm\s+-[a-z]*r[a-z]*f", "value": "please RM -rf /"}),
        json!({"pattern": r"(?i)curl[^|]*\|\s*(ba|z)?sh", "value": "{\"cmd\":\"curl x | bash\"}"}),
        json!({"pattern": r"(?i)\b(mkfs|shutdown|reboot)\b", "value": "mkfsx"}),
        json!({"pattern": r"(?i)\b(mkfs|shutdown|reboot)\b", "value": "then REBOOT now"}),
        json!({"pattern": r"^\d{3}$", "value": "123"}),
        json!({"pattern": r"^\d{3}$", "value": "1234"}),
        json!({"pattern": r"\w+", "value": "h\u{e9}"}),
        json!({"pattern": "^h.$", "value": "h\u{e9}"}),
        json!({"pattern": "", "value": ""}),
        json!({"pattern": "(", "value": "x"}),
        json!({"pattern": "a{1000}{1000}", "value": "a"}),
        json!({"pattern": 1, "value": "x"}),
        json!({"pattern": "x", "value": ["x"]}),
        json!({"pattern": "x"}),
    ];
    agree("regex_match", &cases);
}

#[test]
fn regex_classes_are_ascii_as_in_opa() {
    expect(
        "regex_match",
        &[
            // Go's `\w`, `\d` and `\b` are ASCII (regorus's `regex` made them Unicode).
            (
                json!({"pattern": r"^\w+$", "value": "\u{e9}t\u{e9}"}),
                json!(false),
            ),
            (
                json!({"pattern": r"^\d$", "value": "\u{0663}"}),
                json!(false),
            ),
            (
                json!({"pattern": r"\bword\b", "value": "\u{e9}word"}),
                json!(true),
            ),
            // Unicode classes are not supported: an error, so the decision fails closed.
            (
                json!({"pattern": r"\p{Greek}", "value": "\u{3b1}"}),
                json!(null),
            ),
        ],
    );
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

#[test]
fn the_other_regex_builtins_agree_with_regorus() {
    agree(
        "submatch_n",
        &[
            json!({"pattern": r"(\w+)@(\w+)?\.com", "value": "a@b.com c@.com", "n": -1}),
            json!({"pattern": r"(?P<k>\w+)=(\d+)", "value": "a=1 b=2 c=x", "n": 1}),
            json!({"pattern": "(a)|(b)", "value": "ab", "n": -1}),
            json!({"pattern": "x", "value": "yyy", "n": -1}),
            json!({"pattern": "(", "value": "x", "n": 1}),
            json!({"pattern": "x", "value": "x", "n": 0.5}),
        ],
    );
    agree(
        "split",
        &[
            json!({"pattern": r"\s*,\s*", "value": "a , b,c"}),
            json!({"pattern": "x", "value": ""}),
            json!({"pattern": "", "value": "abc"}),
            json!({"pattern": "(", "value": "abc"}),
        ],
    );
    agree(
        "replace",
        &[
            json!({"pattern": r"(\w+)@example\.com", "value": "to a@example.com", "replacement": "$1@x.test"}),
            json!({"pattern": "a", "value": "banana", "replacement": "o"}),
            json!({"pattern": "(?P<first>a)n", "value": "banana", "replacement": "${first}N"}),
            json!({"pattern": "z", "value": "banana", "replacement": "o"}),
            json!({"pattern": "(", "value": "banana", "replacement": "o"}),
            json!({"pattern": "a", "value": 1, "replacement": "o"}),
        ],
    );
    agree(
        "is_valid",
        &[
            json!({"pattern": r"^\d+$"}),
            json!({"pattern": "("}),
            json!({"pattern": 1}),
            json!({"pattern": "a{1000}{1000}"}),
        ],
    );
    agree(
        "template_match",
        &[
            json!({"pattern": "urn:foo:{.*}", "value": "urn:foo:bar:baz"}),
            json!({"pattern": "urn:foo.bar.com:{.*}", "value": "urn:foo.bar.com:bar:baz"}),
            json!({"pattern": "urn:foo:{[0-9]+}:x", "value": "urn:foo:12:x"}),
            json!({"pattern": "urn:foo:{[0-9]+}:x", "value": "urn:foo:ab:x"}),
            json!({"pattern": "urn:foo:}{", "value": "urn:foo:"}),
            json!({"pattern": "urn:{(}", "value": "urn:x"}),
        ],
    );
}

#[test]
fn regex_template_match_is_false_where_regorus_panics() {
    // regorus slices the value by the template's offsets: a shorter value (or one where the
    // offset falls inside a character) would abort the module.
    expect(
        "template_match",
        &[
            (
                json!({"pattern": "urn:foo:{.*}", "value": "urn"}),
                json!(false),
            ),
            (
                json!({"pattern": "ab{.*}", "value": "\u{e9}x"}),
                json!(false),
            ),
        ],
    );
}

#[test]
fn urlquery_answers_as_opa() {
    expect(
        "encode",
        &[
            (json!({"value": "a b&c=d"}), json!("a+b%26c%3Dd")),
            // regorus: `%7E*`.
            (json!({"value": "~*"}), json!("~%2A")),
            (json!({"value": "\u{e9}/"}), json!("%C3%A9%2F")),
            (json!({"value": 1}), json!(null)),
        ],
    );
    expect(
        "decode",
        &[
            // regorus: "a=1b=2".
            (json!({"value": "a=1&b=2"}), json!("a=1&b=2")),
            (json!({"value": "a+b%26c%3dd"}), json!("a b&c=d")),
            (json!({"value": "100%"}), json!(null)),
            (json!({"value": "%ff"}), json!(null)),
        ],
    );
    expect(
        "encode_object",
        &[
            (
                json!({"value": {"b": "x y", "a": ["1", "2"], "c": []}}),
                json!("a=1&a=2&b=x+y"),
            ),
            (json!({"value": {"a": 1}}), json!(null)),
            (json!({"value": "a=1"}), json!(null)),
        ],
    );
    expect(
        "decode_object",
        &[
            (
                json!({"value": "a=1&b=x+y&a=2&c"}),
                json!({"a": ["1", "2"], "b": ["x y"], "c": [""]}),
            ),
            (json!({"value": ""}), json!({})),
            (json!({"value": "a=1;b=2"}), json!(null)),
            (json!({"value": "a=%zz"}), json!(null)),
        ],
    );
}

#[test]
fn encoding_builtins_agree_with_regorus() {
    let texts = [
        "",
        "f",
        "fo",
        "foo",
        "hello, w\u{f6}rld",
        "a\u{0}b",
        "~~~???>>>",
    ];
    for rule in [
        "base64_encode",
        "base64url_encode",
        "base64url_encode_no_pad",
        "hex_encode",
    ] {
        let cases: Vec<Json> = texts
            .iter()
            .map(|t| json!({ "value": t }))
            .chain([json!({"value": 1})])
            .collect();
        agree(rule, &cases);
    }
    let encoded = [
        "",
        "Zg==",
        "Zm8=",
        "Zm9v",
        "Zg",
        "Zm8",
        "Zh==",
        "Zm9=",
        "Zm9v\n",
        "Zg=",
        "Z===",
        "fn5-Pz8_Pj4-",
        "fn5+Pz8/Pj4+",
        "fn5-Pz8_Pj4",
        "_w==",
        "/w==",
        "gA==",
        "!!!!",
        // Valid in both alphabets, so that most cases are answers.
        "aGVsbG8=",
        "d29ybGQ=",
        "YWJj",
        "YWI=",
        "w7Y=",
        "AAAA",
        "AAAAAAAA",
        "YWJjZA==",
        "dGVzdA==",
        "MTIzNA==",
    ];
    for rule in ["base64_decode", "base64_is_valid", "base64url_decode"] {
        let cases: Vec<Json> = encoded.iter().map(|t| json!({ "value": t })).collect();
        agree(rule, &cases);
    }
    let hex = [
        "",
        "68656c6c6f",
        "68656C6C6F",
        "6",
        "zz",
        "c3a9",
        "ff",
        "00",
    ];
    let cases: Vec<Json> = hex.iter().map(|t| json!({ "value": t })).collect();
    agree("hex_decode", &cases);
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
