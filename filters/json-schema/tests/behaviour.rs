//! What a user of the validator notices beyond the official suite: masked messages, error
//! order and limits, offline references, bounded recursion, linear-time patterns, the older
//! drafts' own meanings.

use parapet_json_schema::{Draft, Options, Validator};
use serde_json::{json, Value};

fn compile(schema: Value) -> Validator {
    Validator::compile(&schema, &Options::default()).expect("schema compiles")
}

#[test]
fn messages_never_contain_instance_values() {
    let secret = "4111-1111-1111-1111-SECRET";
    let schema = compile(json!({
        "type": "object",
        "properties": {
            "a": {"type": "integer"},
            "b": {"const": "x"},
            "c": {"enum": ["x", "y"]},
            "d": {"maxLength": 3},
            "e": {"pattern": "^[0-9]+$"},
            "f": {"not": {"type": "string"}},
            "g": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "h": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
            "i": {"format": "email"},
            "j": false,
            "k": {"items": {"type": "integer"}},
            "l": {"propertyNames": {"maxLength": 2}},
            "m": {"contains": {"type": "integer"}}
        }
    }));
    let options = Options::default().with_validate_formats(Some(true));
    let with_formats = Validator::compile(
        &json!({"properties": {"i": {"format": "email"}, "t": {"format": "date-time"}}}),
        &options,
    )
    .unwrap();
    let instance = json!({
        "a": secret, "b": secret, "c": secret, "d": secret, "e": secret, "f": secret,
        "g": secret, "h": secret, "i": secret, "j": secret, "k": [secret], "l": {"abc": 1},
        "m": [secret]
    });
    let errors = schema.validate(&instance, 100).unwrap_err().errors;
    assert_eq!(errors.len(), 12, "{errors:?}");
    let format_errors = with_formats
        .validate(&json!({"i": secret, "t": secret}), 10)
        .unwrap_err()
        .errors;
    assert_eq!(format_errors.len(), 2);
    for e in errors.iter().chain(&format_errors) {
        assert!(!e.message.contains("SECRET"), "leak in {e:?}");
        assert!(!e.message.contains("4111"), "leak in {e:?}");
    }
    // Schema values are shown: they help the caller fix the request.
    let by_path = |p: &str| errors.iter().find(|e| e.instance_path == p).unwrap();
    assert_eq!(by_path("/a").message, "value is not of type \"integer\"");
    assert_eq!(by_path("/b").message, "\"x\" was expected");
    assert_eq!(by_path("/c").message, "value is not one of [\"x\",\"y\"]");
    assert_eq!(by_path("/e").message, "value does not match \"^[0-9]+$\"");
    assert_eq!(by_path("/k/0").keyword, "type");
}

#[test]
fn errors_come_in_schema_order_and_stop_at_the_limit() {
    let schema = compile(json!({
        "required": ["a", "b"],
        "properties": {"x": {"type": "string"}, "y": {"minimum": 5}},
        "type": "object",
        "maxProperties": 1
    }));
    let instance = json!({"x": 1, "y": 2});
    let all = schema.validate(&instance, 10).unwrap_err();
    let keywords: Vec<_> = all.errors.iter().map(|e| e.keyword).collect();
    // serde_json maps iterate keys in order: maxProperties, properties, required, type.
    assert_eq!(
        keywords,
        ["maxProperties", "type", "minimum", "required", "required"]
    );
    assert!(!all.truncated);
    let first_two = schema.validate(&instance, 2).unwrap_err();
    assert_eq!(first_two.errors, all.errors[..2].to_vec());
    assert!(first_two.truncated);
    let exactly = schema.validate(&instance, 5).unwrap_err();
    assert_eq!(exactly.errors.len(), 5);
    assert!(!exactly.truncated);
    assert!(schema.validate(&json!({"a": 1, "b": 2}), 1).is_err());
    assert!(!schema.is_valid(&instance));
}

#[test]
fn ref_cycles_without_progress_are_compile_errors() {
    for (schema, at) in [
        (json!({"$ref": "#"}), ""),
        (
            json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}),
            "/$defs/a",
        ),
        (json!({"anyOf": [{"type": "string"}, {"$ref": "#"}]}), ""),
        (
            json!({"properties": {"p": {"not": {"$ref": "#/properties/p"}}}}),
            "/properties/p",
        ),
        (json!({"if": true, "then": {"$ref": "#"}}), ""),
    ] {
        let err = Validator::compile(&schema, &Options::default()).unwrap_err();
        assert!(
            err.problem.contains("never moves into the instance"),
            "{schema}: {err}"
        );
        assert_eq!(err.at.as_deref(), Some(at), "{schema}");
    }
    // Recursion that moves into the instance is fine.
    let tree = compile(json!({"properties": {"children": {"items": {"$ref": "#"}}}}));
    assert!(tree.is_valid(&json!({"children": [{"children": []}]})));
}

#[test]
fn deep_instances_are_bounded() {
    // A recursive schema (every level adds nodes) against a 10 000-level instance.
    let v = compile(json!({"type": "array", "items": {"$ref": "#"}}));
    let mut deep = json!([]);
    for _ in 0..10_000 {
        deep = Value::Array(vec![deep]);
    }
    let result = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let r = (v.is_valid(&deep), v.validate(&deep, 1).is_err());
            // serde_json's Drop of a 10 000-deep value recurses; keep it off this small stack.
            std::mem::forget(deep);
            r
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(result, (false, true));
    // The depth cap fails the whole evaluation: an enclosing `not` cannot turn it into "valid".
    let negated = compile(json!({
        "not": {"$ref": "#/$defs/t"},
        "$defs": {"t": {"type": "array", "items": {"$ref": "#/$defs/t"}}}
    }));
    let mut deep = json!([]);
    for _ in 0..1_000 {
        deep = Value::Array(vec![deep]);
    }
    let (valid, errors) = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let r = (negated.is_valid(&deep), negated.validate(&deep, 3));
            std::mem::forget(deep);
            r
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(!valid);
    let errors = errors.unwrap_err().errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("nested deeper than 384"),
        "{errors:?}"
    );
    let mut shallow = json!([]);
    for _ in 0..50 {
        shallow = json!([shallow]);
    }
    assert!(compile(json!({"type": "array", "items": {"$ref": "#"}})).is_valid(&shallow));
}

#[test]
fn backtracking_patterns_are_compile_errors_that_say_why() {
    for schema in [
        json!({"pattern": "^(?=a)a+$"}),
        json!({"pattern": "(a)\\1"}),
        json!({"patternProperties": {"(?<=x)y": {}}}),
        json!({"additionalProperties": false, "patternProperties": {"(?!x)": {}}}),
    ] {
        let err = Validator::compile(&schema, &Options::default()).unwrap_err();
        assert!(err.problem.contains("linear-time"), "{schema}: {err}");
        assert!(err.at.as_deref().unwrap_or("").contains("attern"), "{err}");
    }
    // The automaton answers a classic catastrophic-backtracking case in one pass.
    let v = compile(json!({"pattern": "^(a+)+$"}));
    assert!(!v.is_valid(&json!(format!("{}b", "a".repeat(100_000)))));
    // A pattern whose automaton would be huge is refused, not built.
    let err = Validator::compile(&json!({"pattern": "^x?.{0,404600}$"}), &Options::default())
        .unwrap_err();
    assert_eq!(err.at.as_deref(), Some("/pattern"));
}

#[test]
fn remote_refs_resolve_only_offline() {
    let err = Validator::compile(
        &json!({"properties": {"p": {"$ref": "https://example.com/person.json#/$defs/x"}}}),
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        err.problem.contains("`https://example.com/person.json`"),
        "{err}"
    );
    assert!(err.problem.contains("not fetched"), "{err}");
    assert_eq!(err.at.as_deref(), Some("/properties/p/$ref"));

    let options = Options::default().with_resource(
        "https://example.com/person.json",
        json!({"$defs": {"x": {"type": "string"}}}),
    );
    let v = Validator::compile(
        &json!({"properties": {"p": {"$ref": "https://example.com/person.json#/$defs/x"}}}),
        &options,
    )
    .unwrap();
    assert!(v.is_valid(&json!({"p": "s"})));
    assert!(!v.is_valid(&json!({"p": 1})));
    // Unresolvable local pointers and anchors are errors too.
    for bad in [
        json!({"$ref": "#/$defs/missing"}),
        json!({"$ref": "#nowhere"}),
    ] {
        let err = Validator::compile(&bad, &Options::default()).unwrap_err();
        assert!(err.problem.contains("unresolvable"), "{err}");
    }
}

#[test]
fn schemas_are_checked_against_their_meta_schema() {
    let err = Validator::compile(
        &json!({"properties": {"a": {"type": "strin"}}}),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(err.at.as_deref(), Some("/properties/a/type"));
    assert!(err.problem.starts_with("invalid schema"), "{err}");
    let err = Validator::compile(&json!({"minLength": -1}), &Options::default()).unwrap_err();
    assert_eq!(err.at.as_deref(), Some("/minLength"));
    let err = Validator::compile(
        &json!({"$schema": "http://json-schema.org/draft-03/schema#"}),
        &Options::default(),
    )
    .unwrap_err();
    assert!(err.problem.contains("unsupported $schema"), "{err}");
}

#[test]
fn each_draft_keeps_its_own_meanings() {
    let draft = |d: Draft, schema: Value| {
        Validator::compile(&schema, &Options::default().with_default_draft(d)).unwrap()
    };
    // draft-04: boolean exclusiveMaximum, `id`.
    let v = draft(
        Draft::Draft4,
        json!({"maximum": 5, "exclusiveMaximum": true}),
    );
    assert!(!v.is_valid(&json!(5)) && v.is_valid(&json!(4.9)));
    let v = draft(
        Draft::Draft4,
        json!({"id": "http://x.test/root.json", "definitions": {"a": {"id": "a.json", "type": "integer"}}, "properties": {"p": {"$ref": "a.json"}}}),
    );
    assert!(v.is_valid(&json!({"p": 1})) && !v.is_valid(&json!({"p": "s"})));
    // draft-06: numeric exclusiveMaximum, const, contains; no if/then.
    let v = draft(
        Draft::Draft6,
        json!({"exclusiveMaximum": 5, "if": {"const": 1}, "then": false}),
    );
    assert!(!v.is_valid(&json!(5)) && v.is_valid(&json!(1)));
    // draft-07: `$ref` siblings ignored, if/then/else, dependencies.
    let v = draft(
        Draft::Draft7,
        json!({"dependencies": {"a": ["b"], "c": {"required": ["d"]}}, "if": {"type": "integer"}, "then": {"minimum": 3}}),
    );
    assert!(!v.is_valid(&json!({"a": 1})) && !v.is_valid(&json!({"c": 1})));
    assert!(v.is_valid(&json!({"a": 1, "b": 2, "c": 3, "d": 4})));
    assert!(!v.is_valid(&json!(2)) && v.is_valid(&json!(3)));
    // 2019-09: array `items` + additionalItems, $recursiveRef, unevaluatedProperties.
    let v = draft(
        Draft::Draft2019_09,
        json!({"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}),
    );
    assert!(v.is_valid(&json!([1, "a", "b"])) && !v.is_valid(&json!([1, 2])));
    let tree = json!({
        "$recursiveAnchor": true,
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$recursiveRef": "#"}}}
    });
    let v = draft(Draft::Draft2019_09, tree);
    assert!(v.is_valid(&json!({"children": [{"children": []}]})));
    assert!(!v.is_valid(&json!({"children": [{"children": [1]}]})));
    let v = draft(
        Draft::Draft2019_09,
        json!({"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}),
    );
    assert!(v.is_valid(&json!({"a": 1})) && !v.is_valid(&json!({"a": 1, "b": 2})));
    assert_eq!(v.draft(), Draft::Draft2019_09);
}

#[test]
fn numbers_compare_by_value_and_big_integers_stay_exact() {
    let v = compile(json!({"enum": [1, [2.0], {"a": 3}]}));
    assert!(v.is_valid(&json!(1.0)) && v.is_valid(&json!([2])) && v.is_valid(&json!({"a": 3.0})));
    let v = compile(json!({"maximum": 18446744073709551614u64}));
    assert!(v.is_valid(&json!(18446744073709551614u64)));
    assert!(!v.is_valid(&json!(18446744073709551615u64)));
    let v = compile(json!({"multipleOf": 0.01}));
    assert!(v.is_valid(&json!(19.99)) && !v.is_valid(&json!(19.995)));
    let v = compile(json!({"type": "integer"}));
    assert!(v.is_valid(&json!(1.0)) && !v.is_valid(&json!(1.5)));
    let v = compile(json!({"uniqueItems": true}));
    assert!(!v.is_valid(&json!([1, 1.0])));
}

#[test]
fn each_asserted_format_accepts_and_rejects() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "date-time",
            "2024-02-29T12:00:00.5+01:00",
            "2023-02-29T12:00:00Z",
        ),
        ("date", "2024-02-29", "2024-2-29"),
        ("time", "23:59:60Z", "12:00:00"),
        ("duration", "P1DT2H", "P1H"),
        ("email", "a.b@example.com", "a..b@example.com"),
        ("hostname", "api.example.com", "-api.example.com"),
        ("ipv4", "10.0.0.1", "10.0.0.256"),
        ("ipv6", "2001:db8::1", "2001:db8:::1"),
        ("uri", "https://example.com/a?b#c", "/relative"),
        ("uri-reference", "/relative#x", "bad ref"),
        (
            "uuid",
            "123e4567-e89b-12d3-a456-426614174000",
            "123e4567e89b12d3a456426614174000",
        ),
        ("json-pointer", "/a/~0b", "a/b"),
        ("relative-json-pointer", "1/a", "/a"),
        ("regex", "^a+$", "(unclosed"),
    ];
    let options = Options::default().with_validate_formats(Some(true));
    for (format, good, bad) in cases {
        let v = Validator::compile(&json!({"format": format}), &options).unwrap();
        assert!(v.is_valid(&json!(good)), "{format}: {good}");
        let errors = v.validate(&json!(bad), 1).unwrap_err().errors;
        assert_eq!(errors[0].keyword, "format");
        assert_eq!(errors[0].message, format!("value is not a \"{format}\""));
        // Non-strings are not this keyword's business.
        assert!(v.is_valid(&json!(12)));
    }
    // Unknown formats pass; 2020-12 only annotates unless told otherwise; draft-07 asserts.
    let v = Validator::compile(&json!({"format": "no-such-format"}), &options).unwrap();
    assert!(v.is_valid(&json!("anything")));
    assert!(compile(json!({"format": "ipv4"})).is_valid(&json!("nope")));
    let v = Validator::compile(
        &json!({"$schema": "http://json-schema.org/draft-07/schema#", "format": "ipv4"}),
        &Options::default(),
    )
    .unwrap();
    assert!(!v.is_valid(&json!("nope")));
}

#[test]
fn hostile_schemas_and_instances_never_panic() {
    let schemas = [
        json!({"items": 5}),
        json!({"$ref": 7}),
        json!({"$ref": "#/%zz"}),
        json!({"$ref": "#/items/99999999999999999999"}),
        json!({"type": []}),
        json!({"multipleOf": 0}),
        json!({"minLength": 1.5}),
        json!({"$dynamicRef": "#nope"}),
        json!({"$id": "::::", "$ref": "::"}),
        json!({"properties": {"a": {"$ref": "#/properties/a"}}}),
    ];
    let instances = [
        json!(null),
        json!(1e308),
        json!(-0.0),
        json!({"a": [1, {"b": null}]}),
        json!("\u{10FFFF}"),
    ];
    for s in &schemas {
        let mut options = Options::default();
        options.validate_schema = false;
        if let Ok(v) = Validator::compile(s, &options) {
            for i in &instances {
                let _ = v.is_valid(i);
                let _ = v.validate(i, 3);
            }
        }
    }
}

#[test]
fn custom_meta_schemas_registered_offline_select_vocabularies() {
    // A meta-schema with the applicator vocabulary but not validation: `minimum` means nothing.
    let meta = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.com/meta/no-validation",
        "$vocabulary": {
            "https://json-schema.org/draft/2020-12/vocab/core": true,
            "https://json-schema.org/draft/2020-12/vocab/applicator": true
        },
        "$dynamicAnchor": "meta",
        "allOf": [
            {"$ref": "https://json-schema.org/draft/2020-12/meta/core"},
            {"$ref": "https://json-schema.org/draft/2020-12/meta/applicator"}
        ]
    });
    let options = Options::default().with_resource("https://example.com/meta/no-validation", meta);
    let v = Validator::compile(
        &json!({
            "$schema": "https://example.com/meta/no-validation",
            "properties": {"n": {"minimum": 10}, "s": false}
        }),
        &options,
    )
    .unwrap();
    assert_eq!(
        v.draft(),
        Draft::Draft2020_12,
        "the draft the meta-schema builds on"
    );
    assert!(v.is_valid(&json!({"n": 1})), "validation vocabulary is off");
    assert!(!v.is_valid(&json!({"s": 1})), "applicator vocabulary is on");
    // Not registered: an unsupported dialect, named.
    let err = Validator::compile(
        &json!({"$schema": "https://example.com/meta/unknown"}),
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        err.problem.contains("https://example.com/meta/unknown"),
        "{err}"
    );
    assert_eq!(err.at.as_deref(), Some("/$schema"));
}

#[test]
fn dynamic_refs_follow_the_dynamic_scope() {
    // A generic list whose item type is chosen by the schema that extends it.
    let options = Options::default().with_resource(
        "https://example.com/list",
        json!({
            "$id": "https://example.com/list",
            "$defs": {"item": {"$dynamicAnchor": "item", "not": true}},
            "type": "array",
            "items": {"$dynamicRef": "#item"}
        }),
    );
    let strings = Validator::compile(
        &json!({
            "$id": "https://example.com/strings",
            "$ref": "https://example.com/list",
            "$defs": {"item": {"$dynamicAnchor": "item", "type": "string"}}
        }),
        &options,
    )
    .unwrap();
    assert!(strings.is_valid(&json!(["a", "b"])));
    let errors = strings.validate(&json!(["a", 1]), 5).unwrap_err().errors;
    assert_eq!(errors[0].instance_path, "/1");
    assert_eq!(errors[0].schema_path, "/$ref/items/$dynamicRef/type");
}
