//! Gemini's `responseSchema` / function `parameters` use an OpenAPI 3.0 Schema subset
//! (`"type": "OBJECT"`, `nullable`, `propertyOrdering`). This turns one into the equivalent
//! JSON Schema (2020-12) so the same validator checks it. A document that already is JSON
//! Schema passes through unchanged except for the OpenAPI-only keywords.

use serde_json::{Map, Value};

/// Keys whose values are schemas (or maps/arrays of schemas) to convert recursively.
const SCHEMA_MAPS: &[&str] = &["properties", "$defs", "definitions"];
const SCHEMA_LISTS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
const SCHEMA_SINGLE: &[&str] = &["items", "additionalProperties", "not"];

/// Converts an OpenAPI-subset schema to a draft 2020-12 JSON Schema. Depth is bounded by the
/// caller's parse.
pub fn openapi_to_json_schema(schema: &Value) -> Value {
    let mut out = convert(schema);
    if let Value::Object(map) = &mut out {
        map.entry("$schema")
            .or_insert_with(|| Value::String(crate::Dialect::Draft2020_12.uri().into()));
    }
    out
}

fn convert(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
    for (key, value) in map {
        match key.as_str() {
            "nullable" | "propertyOrdering" | "example" => {}
            "type" => {
                let converted = match value {
                    Value::String(t) => Value::String(t.to_ascii_lowercase()),
                    Value::Array(ts) => Value::Array(
                        ts.iter()
                            .map(|t| {
                                t.as_str()
                                    .map(|s| Value::String(s.to_ascii_lowercase()))
                                    .unwrap_or_else(|| t.clone())
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                };
                out.insert(key.clone(), converted);
            }
            k if SCHEMA_MAPS.contains(&k) => {
                let converted = match value {
                    Value::Object(children) => Value::Object(
                        children
                            .iter()
                            .map(|(name, s)| (name.clone(), convert(s)))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                out.insert(key.clone(), converted);
            }
            k if SCHEMA_LISTS.contains(&k) => {
                let converted = match value {
                    Value::Array(list) => Value::Array(list.iter().map(convert).collect()),
                    other => other.clone(),
                };
                out.insert(key.clone(), converted);
            }
            k if SCHEMA_SINGLE.contains(&k) => {
                out.insert(key.clone(), convert(value));
            }
            // OpenAPI `format` values such as `enum` or `int32` are annotations in JSON Schema.
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if nullable {
        match out.get_mut("type") {
            Some(Value::String(t)) => {
                let t = t.clone();
                out.insert(
                    "type".into(),
                    Value::Array(vec![Value::String(t), Value::String("null".into())]),
                );
            }
            Some(Value::Array(ts)) if !ts.iter().any(|t| t == "null") => {
                ts.push(Value::String("null".into()));
            }
            _ => {}
        }
        if let Some(Value::Array(options)) = out.get_mut("enum") {
            if !options.iter().any(Value::is_null) {
                options.push(Value::Null);
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_types_and_nullable() {
        let s = json!({"type": "OBJECT", "properties": {"a": {"type": "STRING", "nullable": true},
                        "b": {"type": "ARRAY", "items": {"type": "INTEGER"}}},
                        "required": ["a"], "propertyOrdering": ["a", "b"]});
        let j = openapi_to_json_schema(&s);
        assert_eq!(j["type"], "object");
        assert_eq!(j["properties"]["a"]["type"], json!(["string", "null"]));
        assert_eq!(j["properties"]["b"]["items"]["type"], "integer");
        assert!(j.get("propertyOrdering").is_none());
        assert_eq!(j["required"], json!(["a"]));
    }
}
