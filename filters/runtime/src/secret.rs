//! Secrets in configuration: inline strings or `{"env":"NAME"}` references to VM environment
//! variables (Envoy: `vm_config.environment_variables`; read through WASI `environ_get`).
//!
//! A [`Secret`] never prints its value: `Debug` and `Display` show `***`, it has no `Serialize`,
//! and config errors about it name the variable, never the value.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// A secret value from configuration (HMAC key, API key, ...).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    source: SecretSource,
}

/// Where a secret came from (safe to log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Inline,
    Env(String),
}

impl Secret {
    /// The secret itself. Use it; do not log it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Where it came from, for diagnostics.
    pub fn source(&self) -> &SecretSource {
        &self.source
    }

    /// A secret given directly (tests, and code that builds configs).
    pub fn inline(value: impl Into<String>) -> Self {
        Secret {
            value: value.into(),
            source: SecretSource::Inline,
        }
    }

    /// Reads a secret from the VM environment.
    pub fn from_env(name: &str) -> Result<Self, String> {
        lookup_env(name, |n| std::env::var(n).ok())
    }
}

fn lookup_env(name: &str, get: impl Fn(&str) -> Option<String>) -> Result<Secret, String> {
    if name.is_empty() {
        return Err("`env` must name an environment variable".to_string());
    }
    match get(name) {
        Some(value) if !value.is_empty() => Ok(Secret {
            value,
            source: SecretSource::Env(name.to_string()),
        }),
        Some(_) => Err(format!("environment variable `{name}` is empty")),
        None => Err(format!(
            "environment variable `{name}` is not set in the VM environment \
             (Envoy: list it in vm_config.environment_variables)"
        )),
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            SecretSource::Inline => f.write_str("Secret(inline, ***)"),
            SecretSource::Env(name) => write!(f, "Secret(env {name}, ***)"),
        }
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Hand-written because the `Deserialize` impl is: an inline string, or `{"env": "NAME"}`.
#[cfg(feature = "config-schema")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A secret: the value itself, or {\"env\": \"NAME\"} to read it from the VM environment (Envoy: vm_config.environment_variables). Only the filter can check that the variable is set and not empty.",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {
                    "type": "object",
                    "properties": {"env": {"type": "string", "minLength": 1}},
                    "required": ["env"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

struct SecretVisitor;

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"a string or {"env":"VARIABLE_NAME"}"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
        if v.is_empty() {
            return Err(E::custom("secret must not be empty"));
        }
        Ok(Secret::inline(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Secret, A::Error> {
        let mut name: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "env" {
                return Err(de::Error::custom(format!(
                    "unknown field `{key}` in secret reference, expected `env`"
                )));
            }
            name = Some(map.next_value()?);
        }
        let name = name.ok_or_else(|| de::Error::custom(r#"expected {"env":"VARIABLE_NAME"}"#))?;
        Secret::from_env(&name).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_value;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        #[allow(dead_code)]
        key: Secret,
    }

    #[test]
    fn inline_secret_never_prints_its_value() {
        let s: Secret = serde_json::from_value(json!("hunter2")).unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
    }

    #[test]
    fn env_reference_reads_the_environment() {
        let s = lookup_env("K", |n| (n == "K").then(|| "v4lue".to_string())).unwrap();
        assert_eq!(s.expose(), "v4lue");
        assert_eq!(s.source(), &SecretSource::Env("K".into()));
        assert!(!format!("{s:?}").contains("v4lue"));
        // The process environment works too (it is the VM environment inside the proxy).
        let path = std::env::var("PATH").unwrap_or_default();
        if !path.is_empty() {
            let s: Secret = serde_json::from_value(json!({"env":"PATH"})).unwrap();
            assert_eq!(s.expose(), path);
        }
    }

    #[test]
    fn missing_env_variable_is_a_config_error_naming_field_and_variable() {
        let err = from_value::<Cfg>(json!({"key":{"env":"PARAPET_SURELY_UNSET_VAR"}})).unwrap_err();
        assert_eq!(err.path, "key");
        assert!(err.message.contains("PARAPET_SURELY_UNSET_VAR"), "{err}");
        assert!(err.message.contains("not set"), "{err}");
    }

    #[test]
    fn malformed_references_are_rejected() {
        let err = from_value::<Cfg>(json!({"key":{"file":"/etc/x"}})).unwrap_err();
        assert!(err.message.contains("unknown field `file`"), "{err}");
        let err = from_value::<Cfg>(json!({"key":7})).unwrap_err();
        assert!(err.message.contains(r#"{"env":"VARIABLE_NAME"}"#), "{err}");
        let err = from_value::<Cfg>(json!({"key":""})).unwrap_err();
        assert!(err.message.contains("must not be empty"), "{err}");
        let err = from_value::<Cfg>(json!({"key":{}})).unwrap_err();
        assert!(err.message.contains("expected"), "{err}");
        assert!(lookup_env("E", |_| Some(String::new())).is_err());
    }
}
