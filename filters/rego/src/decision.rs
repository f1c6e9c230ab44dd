use serde_json::Value;

/// What a policy decided about a request or a response.
///
/// A policy's entry point may produce either a bare boolean (`true` = allow) or an object:
///
/// | field | type | meaning |
/// |---|---|---|
/// | `allow` | bool (required) | let the request/response through |
/// | `reasons` | array of strings | why; shown to the client on deny, logged as rule ids |
/// | `status` | integer 400–599 | status of the deny reply (default 403) |
/// | `headers` | object of strings | request decision: headers added to the client's response (the upstream's answer, or the deny reply); proxies send upstream request headers before the body is read, so they cannot carry body-based decisions |
/// | `model` | string | route to this model instead (the request body's `model` is rewritten) |
///
/// Other fields are ignored, so a policy may carry extra data for its own tests.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    pub allow: bool,
    pub reasons: Vec<String>,
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub model: Option<String>,
}

impl Decision {
    pub fn from_json(v: &Value) -> Result<Decision, String> {
        let obj = match v {
            Value::Bool(allow) => {
                return Ok(Decision {
                    allow: *allow,
                    ..Decision::default()
                })
            }
            Value::Object(obj) => obj,
            other => {
                return Err(format!(
                    "a decision must be a boolean or an object, got {}",
                    kind(other)
                ))
            }
        };
        let allow = match obj.get("allow") {
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(format!("allow: expected a boolean, got {}", kind(other))),
            None => return Err("allow: missing (every decision must say allow true/false)".into()),
        };
        let reasons = match obj.get("reasons") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, r)| match r {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(format!(
                        "reasons/{i}: expected a string, got {}",
                        kind(other)
                    )),
                })
                .collect::<Result<_, _>>()?,
            // Rego sets (`reasons contains msg if …`) arrive as arrays already; a single string is
            // accepted for convenience.
            Some(Value::String(s)) => vec![s.clone()],
            Some(other) => {
                return Err(format!(
                    "reasons: expected an array of strings, got {}",
                    kind(other)
                ))
            }
        };
        let status = match obj.get("status") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(s @ 400..=599) => Some(s as u16),
                _ => {
                    return Err(format!(
                        "status: expected an integer from 400 to 599, got {n}"
                    ))
                }
            },
            Some(other) => return Err(format!("status: expected an integer, got {}", kind(other))),
        };
        let headers = match obj.get("headers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(h)) => h
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) if valid_header_name(k) => {
                        Ok((k.to_ascii_lowercase(), s.clone()))
                    }
                    Value::String(_) => Err(format!("headers/{k}: not a valid header name")),
                    other => Err(format!(
                        "headers/{k}: expected a string, got {}",
                        kind(other)
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => return Err(format!("headers: expected an object, got {}", kind(other))),
        };
        let model = match obj.get("model") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(other) => {
                return Err(format!(
                    "model: expected a non-empty string, got {}",
                    kind(other)
                ))
            }
        };
        Ok(Decision {
            allow,
            reasons,
            status,
            headers,
            model,
        })
    }
}

fn valid_header_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(':')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!#$%&'*+^`|~".contains(&b))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn boolean_decision() {
        assert!(Decision::from_json(&json!(true)).unwrap().allow);
        assert!(!Decision::from_json(&json!(false)).unwrap().allow);
    }

    #[test]
    fn full_decision() {
        let d = Decision::from_json(&json!({
            "allow": false, "reasons": ["tier"], "status": 429,
            "headers": {"X-Why": "tier"}, "model": "gpt-4o-mini", "extra": 1
        }))
        .unwrap();
        assert_eq!(
            d,
            Decision {
                allow: false,
                reasons: vec!["tier".into()],
                status: Some(429),
                headers: vec![("x-why".into(), "tier".into())],
                model: Some("gpt-4o-mini".into()),
            }
        );
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            (json!({}), "allow: missing"),
            (json!({"allow": "yes"}), "allow: expected a boolean"),
            (
                json!({"allow": false, "status": "403"}),
                "status: expected an integer",
            ),
            (
                json!({"allow": false, "status": 200}),
                "status: expected an integer from 400",
            ),
            (
                json!({"allow": true, "headers": {"x": 1}}),
                "headers/x: expected a string",
            ),
            (
                json!({"allow": true, "headers": {":path": "/"}}),
                "headers/:path: not a valid",
            ),
            (
                json!({"allow": true, "reasons": [1]}),
                "reasons/0: expected a string",
            ),
            (
                json!({"allow": true, "model": ""}),
                "model: expected a non-empty string",
            ),
            (json!([1]), "must be a boolean or an object"),
        ];
        for (v, want) in cases {
            let err = Decision::from_json(&v).unwrap_err();
            assert!(err.starts_with(want) || err.contains(want), "{v}: {err}");
        }
    }
}
