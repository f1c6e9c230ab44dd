//! JSON Schema of a filter's whole plugin configuration, generated from the same types
//! [`parse`](super::parse) deserializes (one source of truth), in the dialect Kong validates
//! `filters[].config` with: JSON Schema **Draft 4** (Kong forces `$schema` to Draft 4 when it loads
//! `<filter>.meta.json`).
//!
//! Native tooling only (feature `config-schema`): the wasm modules never carry it. `filters/meta`
//! writes `dist/<filter>.meta.json` with it and checks that the schema and the filter's own parser
//! agree on a corpus of configs.
//!
//! ```ignore
//! let schema = parapet_runtime::config::schema::config_schema::<MyConfig>(
//!     "my-filter", "What only the filter can check: regexes compile, ...")?;
//! assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
//! ```
//!
//! The schema is structural: field names, types, enums, nesting, unknown fields. What the filter
//! checks when it builds itself (`Filter::new`: regexes compile, ranges, cross references) is named
//! in the schema's `description` by the caller.

use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use super::{CommonJson, COMMON_KEYS};

/// `$schema` of the generated schemas.
pub const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

/// Largest `usize` on the filters' target (wasm32): bigger values parse natively but not in a
/// filter, so the schema caps them.
pub const WASM32_USIZE_MAX: u64 = u32::MAX as u64;

/// The Draft-4 schema of a configuration whose own section is `C`, beside the common settings.
///
/// `title` names the filter; `description` says what only the filter itself can check.
/// Errors when `C` is not a struct-like object schema or reuses a common key.
pub fn config_schema<C: JsonSchema>(title: &str, description: &str) -> Result<Value, String> {
    let mut generator = SchemaSettings::draft07()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator();
    let common = generator.subschema_for::<CommonJson>().to_value();
    let own = generator.subschema_for::<C>().to_value();
    let definitions = generator.take_definitions(true);

    let mut properties = object_properties(&common, "common settings")?;
    let own_properties = object_properties(&own, title)?;
    for (key, schema) in own_properties {
        if COMMON_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "{title}: own config field `{key}` is a common setting"
            ));
        }
        properties.insert(key, schema);
    }

    let mut root = Map::new();
    root.insert("$schema".into(), DRAFT4.into());
    root.insert("title".into(), format!("{title} configuration").into());
    root.insert("description".into(), description.into());
    // `null` (and an absent config) mean "all defaults", like `{}`.
    root.insert("type".into(), serde_json::json!(["object", "null"]));
    root.insert("properties".into(), Value::Object(properties));
    if let Some(required) = own.get("required") {
        root.insert("required".into(), required.clone());
    }
    root.insert("additionalProperties".into(), Value::Bool(false));
    if !definitions.is_empty() {
        root.insert("definitions".into(), Value::Object(definitions));
    }
    let mut root = Value::Object(root);
    to_draft4(&mut root)?;
    Ok(root)
}

fn object_properties(schema: &Value, what: &str) -> Result<Map<String, Value>, String> {
    match schema.get("properties") {
        Some(Value::Object(p)) if schema.get("additionalProperties") == Some(&false.into()) => {
            Ok(p.clone())
        }
        _ => Err(format!(
            "{what}: expected a struct with deny_unknown_fields, got schema {schema}"
        )),
    }
}

/// Rewrites a (Draft 7 flavoured) schema in place into Draft 4: boolean schemas become objects,
/// `const` becomes a one-value `enum`, numeric `exclusiveMinimum`/`exclusiveMaximum` become
/// Draft 4's boolean form, and schemars' non-standard `format`s (`uint64`, `float`, …) go
/// (a Draft 4 validator may reject unknown formats); `usize` gets the wasm32 maximum.
/// Keywords newer than Draft 4 that would change validation are an error, not dropped silently.
pub fn to_draft4(schema: &mut Value) -> Result<(), String> {
    match schema {
        Value::Bool(true) => {
            *schema = Value::Object(Map::new());
            Ok(())
        }
        Value::Bool(false) => {
            *schema = serde_json::json!({"not": {}});
            Ok(())
        }
        Value::Object(map) => object_to_draft4(map),
        other => Err(format!("not a schema: {other}")),
    }
}

const DRAFT4_FORMATS: &[&str] = &["date-time", "email", "hostname", "ipv4", "ipv6", "uri"];
const NEWER_VALIDATION_KEYWORDS: &[&str] = &[
    "propertyNames",
    "contains",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "prefixItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$defs",
];

fn object_to_draft4(map: &mut Map<String, Value>) -> Result<(), String> {
    for keyword in NEWER_VALIDATION_KEYWORDS {
        if map.contains_key(*keyword) {
            return Err(format!("`{keyword}` has no Draft 4 equivalent here"));
        }
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![value]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Number(n)) = map.get(exclusive).cloned() {
            map.insert(bound.into(), Value::Number(n));
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    if let Some(format) = map.get("format").and_then(Value::as_str).map(str::to_owned) {
        // The integer's range, which the format named (usize: as on wasm32).
        let range: Option<(i64, u64)> = match format.as_str() {
            "uint" | "uint32" => Some((0, WASM32_USIZE_MAX)),
            "uint16" => Some((0, u16::MAX.into())),
            "uint8" => Some((0, u8::MAX.into())),
            "int" | "int32" => Some((i32::MIN.into(), i32::MAX as u64)),
            "int16" => Some((i16::MIN.into(), i16::MAX as u64)),
            "int8" => Some((i8::MIN.into(), i8::MAX as u64)),
            _ => None,
        };
        if let Some((min, max)) = range {
            map.entry("minimum").or_insert(min.into());
            map.entry("maximum").or_insert(max.into());
        }
        if !DRAFT4_FORMATS.contains(&format.as_str()) {
            map.remove("format");
        }
    }
    for annotation in [
        "examples",
        "$comment",
        "readOnly",
        "writeOnly",
        "deprecated",
    ] {
        map.remove(annotation);
    }
    if map
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        map.remove("required");
    }
    for keyword in ["properties", "patternProperties", "definitions"] {
        if let Some(Value::Object(children)) = map.get_mut(keyword) {
            for child in children.values_mut() {
                to_draft4(child)?;
            }
        }
    }
    for keyword in ["additionalProperties", "additionalItems"] {
        // Draft 4 allows a boolean here.
        if let Some(child @ Value::Object(_)) = map.get_mut(keyword) {
            to_draft4(child)?;
        }
    }
    for keyword in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(children)) = map.get_mut(keyword) {
            for child in children {
                to_draft4(child)?;
            }
        }
    }
    if let Some(child) = map.get_mut("not") {
        to_draft4(child)?;
    }
    match map.get_mut("items") {
        Some(Value::Array(children)) => {
            for child in children {
                to_draft4(child)?;
            }
        }
        Some(child) => to_draft4(child)?,
        None => {}
    }
    if let Some(Value::Object(deps)) = map.get_mut("dependencies") {
        for dep in deps.values_mut() {
            if !dep.is_array() {
                to_draft4(dep)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields, default)]
    #[derive(Default)]
    struct Own {
        /// Words to block.
        block_words: Vec<String>,
        threshold: Option<f32>,
        window: usize,
    }

    fn schema() -> Value {
        config_schema::<Own>("own", "Regexes are checked by the filter.").unwrap()
    }

    #[test]
    fn common_and_own_keys_share_one_closed_object() {
        let s = schema();
        assert_eq!(s["$schema"], DRAFT4);
        assert_eq!(s["additionalProperties"], false);
        for key in COMMON_KEYS.iter().chain(&["block_words", "threshold"]) {
            assert!(s["properties"].get(*key).is_some(), "{key} missing: {s}");
        }
        assert_eq!(
            s["properties"]["block_words"]["description"],
            "Words to block."
        );
        assert_eq!(
            s["properties"]["mode"]["enum"],
            json!(["enforce", "monitor"]),
            "{}",
            s["properties"]["mode"]
        );
        assert_eq!(s["properties"]["window"]["maximum"], WASM32_USIZE_MAX);
    }

    #[test]
    fn draft4_rewrites_newer_forms_and_refuses_what_it_cannot_express() {
        let mut s = json!({"properties": {"a": true, "b": false, "c": {"const": 1},
            "d": {"type": "number", "exclusiveMinimum": 0, "format": "float"}}});
        to_draft4(&mut s).unwrap();
        assert_eq!(
            s,
            json!({"properties": {"a": {}, "b": {"not": {}}, "c": {"enum": [1]},
                "d": {"type": "number", "minimum": 0, "exclusiveMinimum": true}}})
        );
        let mut s = json!({"items": {"propertyNames": {"pattern": "^a"}}});
        assert!(to_draft4(&mut s).unwrap_err().contains("propertyNames"));
    }

    #[test]
    fn a_config_that_reuses_a_common_key_is_refused() {
        #[derive(serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Clash {
            mode: String,
        }
        let err = config_schema::<Clash>("clash", "").unwrap_err();
        assert!(err.contains("`mode` is a common setting"), "{err}");
    }
}
