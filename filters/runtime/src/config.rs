//! Plugin configuration: the settings every filter shares, plus the filter's own typed section.
//!
//! The plugin configuration is one JSON object. The runtime takes out the [common keys](COMMON_KEYS)
//! (`mode`, `on_error`, `max_body_bytes`, `match`, `identity`, `events`, `stream`, `unknown_api`)
//! and deserializes the rest into the filter's own `Config` type. Both parts reject unknown fields,
//! and every error names the field path (`match.methods[1]: unknown variant ...`).
//! An absent or empty configuration, `null` and `{}` all mean "defaults".

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::identity::IdentityConfig;

#[cfg(feature = "config-schema")]
pub mod schema;

/// Top-level keys the runtime owns; a filter's own config must not use them.
pub const COMMON_KEYS: &[&str] = &[
    "mode",
    "on_error",
    "max_body_bytes",
    "match",
    "identity",
    "events",
    "stream",
    "unknown_api",
];

/// Default `max_body_bytes`: 4 MiB (requests with a few images still fit). Keep Envoy's buffer
/// limit (`per_connection_buffer_limit_bytes`) and Kong's `client_body_buffer_size` at least as high.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// A configuration error: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Field path such as `match.methods[1]`; `.` for the whole document.
    pub path: String,
    pub message: String,
}

impl ConfigError {
    /// An error about the field at `path` (use the same `a.b[2].c` notation as the JSON).
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid config at `{}`: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// `enforce` applies decisions; `monitor` decides, logs and counts but never blocks or rewrites.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Enforce,
    Monitor,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Enforce => "enforce",
            Mode::Monitor => "monitor",
        }
    }
}

/// What to do when the filter cannot decide (internal error, unreadable or unparseable body).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// Reject the request (503, or 400 for a body that is not valid for its API).
    FailClosed,
    /// Let the traffic through uninspected (and log an `error` event).
    FailOpen,
}

/// What to do with a request whose path is not a known LLM API.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnknownApi {
    /// Pass it through uninspected (non-LLM routes such as `/v1/models`).
    #[default]
    Pass,
    /// Reject it with 400: only known LLM APIs may use this route.
    Reject,
}

/// Which requests the filter applies to. Empty lists mean "all".
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Match {
    /// Path patterns: exact (`/v1/chat/completions`) or prefix ending in `*` (`/v1/*`).
    /// Matched against the path without its query string.
    #[cfg_attr(feature = "config-schema", schemars(inner(pattern(r"^/[^*]*\**$"))))]
    pub paths: Vec<String>,
    /// HTTP methods, case-insensitive.
    #[cfg_attr(feature = "config-schema", schemars(inner(pattern(r"^[A-Za-z]+$"))))]
    pub methods: Vec<String>,
    /// Provider names as the core reports them (`openai`, `anthropic`, `gemini`, `bedrock`, ...).
    pub providers: Vec<String>,
}

impl Match {
    /// Does a request with this method and path (query string allowed) match the path/method rules?
    pub fn matches_route(&self, method: &str, path: &str) -> bool {
        let path = path_without_query(path);
        let method_ok =
            self.methods.is_empty() || self.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        let path_ok = self.paths.is_empty()
            || self.paths.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => p == path,
            });
        method_ok && path_ok
    }

    /// Does the provider (core's name for it) match?
    pub fn matches_provider(&self, provider: &str) -> bool {
        self.providers.is_empty()
            || self
                .providers
                .iter()
                .any(|p| p.eq_ignore_ascii_case(provider))
    }
}

/// Security-event settings.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Also emit an event for plain allows (default: only for decisions that are not a plain allow).
    pub log_allows: bool,
}

/// Streaming-response settings.
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StreamConfig {
    /// Bytes of model output held back from the client so a pattern split across stream events
    /// can still be caught and rewritten before anything of it leaves. Default: the filter's
    /// own default (`Filter::DEFAULT_HOLD_BACK_BYTES`).
    pub hold_back_bytes: Option<usize>,
}

/// The settings every Parapet filter understands, resolved with the filter's defaults.
#[derive(Debug, Clone)]
pub struct Common {
    pub mode: Mode,
    pub on_error: OnError,
    pub max_body_bytes: usize,
    pub matcher: Match,
    pub identity: IdentityConfig,
    pub events: EventsConfig,
    pub hold_back_bytes: usize,
    pub unknown_api: UnknownApi,
}

/// The common keys as they appear in JSON (before the filter's defaults are applied).
#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CommonJson {
    /// `enforce` (default) applies decisions; `monitor` only logs and counts them.
    mode: Mode,
    /// When the filter cannot decide: `fail_closed` or `fail_open` (default: the filter's own).
    on_error: Option<OnError>,
    /// Largest body inspected (default 4 MiB); greater than 0.
    #[cfg_attr(feature = "config-schema", schemars(range(min = 1)))]
    max_body_bytes: Option<usize>,
    /// Which requests the filter applies to; empty lists mean all. Paths start with `/` and may
    /// end in `*`; methods are letters only.
    #[serde(rename = "match")]
    matcher: Match,
    /// How the caller is identified (rate-limit keys, events).
    identity: IdentityConfig,
    /// Security-event settings.
    events: EventsConfig,
    /// Streaming-response settings.
    stream: StreamConfig,
    /// Requests to paths that are not a known LLM API: `pass` (default) or `reject`.
    unknown_api: UnknownApi,
}

/// Defaults a filter contributes to the common settings.
#[derive(Debug, Clone, Copy)]
pub struct CommonDefaults {
    pub on_error: OnError,
    pub hold_back_bytes: usize,
}

/// Parses a whole plugin configuration into the common settings and the filter's typed config.
///
/// `raw` is the plugin configuration as the host hands it over (`None` or blank = `{}`).
pub fn parse<C: DeserializeOwned>(
    raw: Option<&[u8]>,
    defaults: CommonDefaults,
) -> Result<(Common, C), ConfigError> {
    let text = match raw {
        None => "",
        Some(bytes) => std::str::from_utf8(bytes)
            .map_err(|e| ConfigError::at(".", format!("configuration is not UTF-8: {e}")))?,
    };
    let value: Value = if text.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(text)
            .map_err(|e| ConfigError::at(".", format!("configuration is not valid JSON: {e}")))?
    };
    let object = match value {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => {
            return Err(ConfigError::at(
                ".",
                format!(
                    "configuration must be a JSON object, got {}",
                    json_type_name(&other)
                ),
            ))
        }
    };
    let (common_part, own_part): (Map<String, Value>, Map<String, Value>) = object
        .into_iter()
        .partition(|(key, _)| COMMON_KEYS.contains(&key.as_str()));

    let common: CommonJson = from_value(Value::Object(common_part))?;
    let own: C = from_value(Value::Object(own_part)).map_err(|mut e| {
        if e.message.starts_with("unknown field") {
            e.message
                .push_str(&format!(" (common settings: {})", COMMON_KEYS.join(", ")));
        }
        e
    })?;
    validate_match(&common.matcher)?;
    let max_body_bytes = common.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    if max_body_bytes == 0 {
        return Err(ConfigError::at("max_body_bytes", "must be greater than 0"));
    }
    Ok((
        Common {
            mode: common.mode,
            on_error: common.on_error.unwrap_or(defaults.on_error),
            max_body_bytes,
            matcher: common.matcher,
            identity: common.identity,
            events: common.events,
            hold_back_bytes: common
                .stream
                .hold_back_bytes
                .unwrap_or(defaults.hold_back_bytes),
            unknown_api: common.unknown_api,
        },
        own,
    ))
}

/// Deserializes with the failing field's path in the error.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        ConfigError::at(path, err.into_inner().to_string())
    })
}

fn validate_match(m: &Match) -> Result<(), ConfigError> {
    for (i, p) in m.paths.iter().enumerate() {
        if !p.starts_with('/') {
            return Err(ConfigError::at(
                format!("match.paths[{i}]"),
                format!("path pattern `{p}` must start with `/`"),
            ));
        }
        if p.trim_end_matches('*').contains('*') {
            return Err(ConfigError::at(
                format!("match.paths[{i}]"),
                format!("`*` is only allowed at the end of a path pattern (got `{p}`)"),
            ));
        }
    }
    for (i, method) in m.methods.iter().enumerate() {
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ConfigError::at(
                format!("match.methods[{i}]"),
                format!("`{method}` is not an HTTP method"),
            ));
        }
    }
    Ok(())
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The path without `?query` (queries can carry API keys, e.g. Gemini's `?key=`).
pub fn path_without_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Default, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct Own {
        block_words: Vec<String>,
        threshold: f64,
    }

    const DEFAULTS: CommonDefaults = CommonDefaults {
        on_error: OnError::FailClosed,
        hold_back_bytes: 16,
    };

    fn parse_str(s: &str) -> Result<(Common, Own), ConfigError> {
        parse(Some(s.as_bytes()), DEFAULTS)
    }

    #[test]
    fn empty_null_and_absent_configs_mean_defaults() {
        for raw in [
            None,
            Some(&b""[..]),
            Some(b"  \n"),
            Some(b"{}"),
            Some(b"null"),
        ] {
            let (common, own): (Common, Own) = parse(raw, DEFAULTS).unwrap();
            assert_eq!(common.mode, Mode::Enforce);
            assert_eq!(common.on_error, OnError::FailClosed);
            assert_eq!(common.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
            assert_eq!(common.hold_back_bytes, 16);
            assert_eq!(own, Own::default());
        }
    }

    #[test]
    fn common_and_own_keys_are_split() {
        let (common, own) = parse_str(
            r#"{"mode":"monitor","on_error":"fail_open","max_body_bytes":10,"block_words":["x"],
                "stream":{"hold_back_bytes":3},"match":{"methods":["post"],"paths":["/v1/*"]}}"#,
        )
        .unwrap();
        assert_eq!(common.mode, Mode::Monitor);
        assert_eq!(common.on_error, OnError::FailOpen);
        assert_eq!(common.max_body_bytes, 10);
        assert_eq!(common.hold_back_bytes, 3);
        assert_eq!(own.block_words, vec!["x"]);
        assert!(common.matcher.matches_route("POST", "/v1/chat?x=1"));
        assert!(!common.matcher.matches_route("GET", "/v1/chat"));
        assert!(!common.matcher.matches_route("POST", "/v2/chat"));
    }

    #[test]
    fn errors_name_the_field_path() {
        let cases = [
            (r#"{"mode":"block"}"#, "mode", "unknown variant `block`"),
            (r#"{"on_error":1}"#, "on_error", "invalid type"),
            (
                r#"{"max_body_bytes":-1}"#,
                "max_body_bytes",
                "invalid value",
            ),
            (
                r#"{"max_body_bytes":0}"#,
                "max_body_bytes",
                "greater than 0",
            ),
            (
                r#"{"match":{"methods":["POST",7]}}"#,
                "match.methods[1]",
                "invalid type",
            ),
            (
                r#"{"match":{"paths":["v1"]}}"#,
                "match.paths[0]",
                "must start with `/`",
            ),
            (
                r#"{"match":{"paths":["/a*b"]}}"#,
                "match.paths[0]",
                "only allowed at the end",
            ),
            (
                r#"{"match":{"hosts":[]}}"#,
                "match.hosts",
                "unknown field `hosts`",
            ),
            (
                r#"{"stream":{"hold_back":1}}"#,
                "stream.hold_back",
                "unknown field",
            ),
            (
                r#"{"block_wordz":[]}"#,
                "block_wordz",
                "unknown field `block_wordz`",
            ),
            (r#"{"threshold":"high"}"#, "threshold", "invalid type"),
            (r#"{"block_words":[1]}"#, "block_words[0]", "invalid type"),
            (r#"[1]"#, ".", "must be a JSON object"),
            (r#"{"mode":"#, ".", "not valid JSON"),
        ];
        for (raw, path, fragment) in cases {
            let err = parse_str(raw).unwrap_err();
            assert_eq!(err.path, path, "{raw}: {err}");
            assert!(err.message.contains(fragment), "{raw}: {err}");
            assert!(err.to_string().contains(path), "{raw}: {err}");
        }
    }

    #[test]
    fn unknown_filter_field_error_lists_common_settings() {
        let err = parse_str(r#"{"modes":"x"}"#).unwrap_err();
        assert!(err.message.contains("common settings: mode"), "{err}");
    }

    #[test]
    fn non_utf8_config_is_an_error_not_a_panic() {
        let err = parse::<Own>(Some(&[0xff, 0xfe]), DEFAULTS).unwrap_err();
        assert!(err.message.contains("not UTF-8"));
    }

    #[test]
    fn provider_match_is_case_insensitive_and_empty_means_all() {
        let m = Match::default();
        assert!(m.matches_provider("openai"));
        let m = Match {
            providers: vec!["OpenAI".into()],
            ..Match::default()
        };
        assert!(m.matches_provider("openai"));
        assert!(!m.matches_provider("anthropic"));
    }
}
