//! Compiling schemas: dialect choice, offline `$ref`s, linear-time patterns, clear errors,
//! and what a violation reports.

use parapet_schema::{Bounds, CompileOptions, Dialect, InstanceError, Schema};
use serde_json::json;

fn compile(schema: serde_json::Value) -> Result<Schema, parapet_schema::SchemaError> {
    Schema::compile("test", &schema, &CompileOptions::default())
}

#[test]
fn dialect_follows_dollar_schema_and_defaults_to_2020_12() {
    // `items` as an array means tuple validation in draft-07 but is invalid in 2020-12
    // (`prefixItems` replaced it), and `$ref` siblings are ignored in draft-07 only.
    let draft7 = compile(json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 2}}
    }))
    .unwrap();
    assert_eq!(draft7.dialect(), Dialect::Draft7);
    assert!(
        draft7.is_valid(&json!({"a": "long string"})),
        "draft-07 ignores $ref siblings"
    );

    let default = compile(json!({
        "$defs": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/$defs/s", "maxLength": 2}}
    }))
    .unwrap();
    assert_eq!(default.dialect(), Dialect::Draft2020_12);
    assert!(
        !default.is_valid(&json!({"a": "long string"})),
        "2020-12 applies $ref siblings"
    );

    let configured = Schema::compile(
        "t",
        &json!({"definitions": {"s": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/s", "maxLength": 2}}}),
        &CompileOptions::default().with_default_dialect(Dialect::Draft7),
    )
    .unwrap();
    assert_eq!(configured.dialect(), Dialect::Draft7);
}

#[test]
fn local_defs_and_definitions_resolve() {
    let s = compile(json!({
        "$defs": {"pos": {"type": "integer", "minimum": 1}},
        "definitions": {"name": {"type": "string"}},
        "type": "object",
        "properties": {"n": {"$ref": "#/$defs/pos"}, "who": {"$ref": "#/definitions/name"}}
    }))
    .unwrap();
    assert!(s.is_valid(&json!({"n": 3, "who": "x"})));
    let v = s.validate(&json!({"n": 0, "who": 5})).unwrap_err();
    let paths: Vec<_> = v.items.iter().map(|v| v.instance_path.as_str()).collect();
    assert!(
        paths.contains(&"/n") && paths.contains(&"/who"),
        "{paths:?}"
    );
}

#[test]
fn remote_refs_are_refused_with_the_uri_named() {
    let err = compile(json!({"$ref": "https://schemas.example.com/person.json"})).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("https://schemas.example.com/person.json"),
        "{text}"
    );
    assert!(text.contains("not fetched"), "{text}");
    assert!(text.starts_with("schema \"test\""), "{text}");
}

#[test]
fn registered_resources_resolve_offline() {
    let options = CompileOptions::default().with_resource(
        "https://schemas.example.com/person.json",
        json!({"type": "object", "required": ["name"]}),
    );
    let s = Schema::compile(
        "t",
        &json!({"$ref": "https://schemas.example.com/person.json"}),
        &options,
    )
    .unwrap();
    assert!(s.is_valid(&json!({"name": "a"})));
    assert!(!s.is_valid(&json!({})));
}

#[test]
fn invalid_schema_is_an_error_naming_schema_and_place() {
    let err = Schema::compile(
        "routes[1].schema",
        &json!({"type": "object", "properties": {"a": {"type": "strin"}}}),
        &CompileOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.schema, "routes[1].schema");
    assert_eq!(err.at.as_deref(), Some("/properties/a/type"), "{err}");
    assert!(err.to_string().contains("invalid schema"), "{err}");
}

#[test]
fn unknown_dialect_is_an_error() {
    let err = compile(json!({"$schema": "http://json-schema.org/draft-03/schema#"})).unwrap_err();
    assert!(err.problem.contains("unsupported $schema"), "{err}");
    assert_eq!(err.at.as_deref(), Some("/$schema"));
}

#[test]
fn backtracking_patterns_are_refused_at_compile_time() {
    // Look-ahead and back-references need a backtracking engine; Parapet only runs the
    // linear-time one, so such schemas are configuration errors rather than a DoS risk.
    for pattern in ["^(?=a)a+$", "^(a)\\1$"] {
        let err = compile(json!({"type": "string", "pattern": pattern})).unwrap_err();
        assert!(err.to_string().contains("linear-time"), "{pattern}: {err}");
    }
    let err = compile(json!({"patternProperties": {"(?<=x)y": {}}})).unwrap_err();
    assert!(err.to_string().contains("pattern"), "{err}");
}

#[test]
fn nested_quantifiers_run_on_the_linear_engine() {
    // Catastrophic for a backtracking engine (2^n paths); the automaton answers in one pass.
    let s = compile(json!({"type": "string", "pattern": "^(a+)+$"})).unwrap();
    let hostile = format!("{}b", "a".repeat(50_000));
    assert!(!s.is_valid(&json!(hostile)));
    assert!(s.is_valid(&json!("aaaa")));
}

#[test]
fn violations_have_pointers_and_mask_instance_values() {
    let s = compile(json!({"type": "object", "properties": {"ssn": {"type": "integer"}}})).unwrap();
    let v = s.validate(&json!({"ssn": "123-45-6789"})).unwrap_err();
    assert_eq!(v.items.len(), 1);
    assert!(!v.truncated);
    let first = &v.items[0];
    assert_eq!(first.instance_path, "/ssn");
    assert_eq!(first.schema_path, "/properties/ssn/type");
    assert_eq!(first.keyword, "type");
    assert!(
        !first.message.contains("123-45-6789"),
        "instance value leaked: {}",
        first.message
    );
    assert!(first.message.contains("integer"), "{}", first.message);
    assert_eq!(
        v.summary(),
        format!("/ssn: {} (schema /properties/ssn/type)", first.message)
    );
}

#[test]
fn violations_stop_at_the_configured_number() {
    let s = Schema::compile(
        "t",
        &json!({"additionalProperties": {"type": "integer"}}),
        &CompileOptions::default().with_max_errors(2),
    )
    .unwrap();
    let v = s
        .validate(&json!({"a": "x", "b": "y", "c": "z"}))
        .unwrap_err();
    assert_eq!(v.items.len(), 2);
    assert!(v.truncated);
    assert!(v.summary().ends_with("; ..."), "{}", v.summary());
    let all = Schema::compile(
        "t",
        &json!({"additionalProperties": {"type": "integer"}}),
        &CompileOptions::default(),
    )
    .unwrap()
    .validate(&json!({"a": "x", "b": "y", "c": "z"}))
    .unwrap_err();
    assert_eq!(all.items.len(), 3);
    assert!(!all.truncated);
}

#[test]
fn bounds_reject_deep_and_large_instances_clearly() {
    let b = Bounds {
        max_bytes: 100,
        max_depth: 5,
    };
    let deep = format!("{}{}", "[".repeat(6), "]".repeat(6));
    assert!(matches!(
        b.parse(deep.as_bytes()),
        Err(InstanceError::TooDeep { limit: 5, .. })
    ));
    let big = format!("\"{}\"", "x".repeat(200));
    let err = b.parse(big.as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "body of 202 bytes exceeds the limit of 100 bytes"
    );
    // Far deeper than serde_json's own recursion limit: still a clean error, no stack use.
    let very_deep = "[".repeat(100_000);
    assert!(matches!(
        Bounds {
            max_bytes: 1 << 20,
            max_depth: 64
        }
        .parse(very_deep.as_bytes()),
        Err(InstanceError::TooDeep { limit: 64, .. })
    ));
}

#[test]
fn huge_bounded_repetitions_fail_to_compile_instead_of_panicking_later() {
    // rust-lang/regex#1344: with a large enough size limit this pattern panics while matching
    // the empty string; under the wasm profile (panic = abort) that would kill the VM. The
    // bounded compiled-size limit turns it into a configuration error.
    let err = compile(json!({"type": "string", "pattern": "^x?.{0,404600}$"})).unwrap_err();
    assert!(err.to_string().contains("/pattern"), "{err}");
}
