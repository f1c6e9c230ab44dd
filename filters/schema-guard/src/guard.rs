//! schema-guard's policy, independent of the proxy: configuration compiled once, then pure
//! decisions about request bodies and model output.

use std::sync::Arc;

use parapet_core::{Api, RequestView, ResponseView};
use parapet_runtime::config::Match;
use parapet_runtime::ConfigError;
use parapet_schema::{
    check_request, BuiltinSet, CeilingAction, CompileOptions, Dialect, ForbiddenParam,
    OutputContract, OutputViolation, ParamCondition, RequestLimits, Schema, TokenCeiling,
    ToolArgumentSchema, Violation, MAX_SUPPORTED_DEPTH,
};
use serde_json::Value;

use crate::config::{CeilingActionConfig, Config, ForbiddenParamConfig, OnViolation};

/// A route's schemas.
#[derive(Debug)]
pub struct Route {
    pub matcher: Match,
    pub schema: Option<Arc<Schema>>,
    pub response_schema: Option<Arc<Schema>>,
}

/// The compiled configuration.
#[derive(Debug)]
pub struct Guard {
    pub routes: Vec<Route>,
    pub schema: Option<Arc<Schema>>,
    pub builtins: Option<BuiltinSet>,
    pub limits: RequestLimits,
    pub bounds: parapet_schema::Bounds,
    pub output_validate: bool,
    pub on_violation: OnViolation,
    pub compile: CompileOptions,
}

/// A rule a request or response broke, for the security event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// `schema.request`, `schema.builtin`, `limits.<rule>`, `schema.body`.
    pub rule_id: String,
    pub violation: Violation,
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestDecision {
    Allow,
    /// Let it through with this body (token limits clamped); `clamped` = `(pointer, old, new)`.
    Rewrite {
        body: Vec<u8>,
        clamped: Vec<(String, String, u64)>,
    },
    /// 400 with `message`.
    Reject {
        message: String,
        broken: Vec<Broken>,
    },
}

fn compile_at(
    path: &str,
    schema: &Value,
    options: &CompileOptions,
) -> Result<Arc<Schema>, ConfigError> {
    Schema::compile(path, schema, options)
        .map(Arc::new)
        .map_err(|e| ConfigError::at(path, e.to_string()))
}

impl Guard {
    /// Compiles every schema of the config. Any failure is a config error naming the field.
    pub fn new(config: Config) -> Result<Guard, ConfigError> {
        let dialect = match config.draft.as_deref() {
            None => Dialect::Draft2020_12,
            Some(name) => Dialect::parse(name).ok_or_else(|| {
                ConfigError::at(
                    "draft",
                    format!("unknown JSON Schema draft `{name}` (use \"2020-12\" or \"draft-07\")"),
                )
            })?,
        };
        let max_errors = config.max_errors.unwrap_or(5);
        if max_errors == 0 {
            return Err(ConfigError::at("max_errors", "must be at least 1"));
        }
        let max_depth = config.max_depth.unwrap_or(64);
        if max_depth == 0 || max_depth > MAX_SUPPORTED_DEPTH {
            return Err(ConfigError::at(
                "max_depth",
                format!("must be between 1 and {MAX_SUPPORTED_DEPTH}"),
            ));
        }
        let mut compile = CompileOptions::default()
            .with_default_dialect(dialect)
            .with_max_errors(max_errors);
        for (uri, document) in &config.resources {
            if !(document.is_object() || document.is_boolean()) {
                return Err(ConfigError::at(
                    format!("resources.{uri}"),
                    "a resource must be a JSON Schema (an object or a boolean)",
                ));
            }
            compile = compile.with_resource(uri.clone(), document.clone());
        }
        let bounds = parapet_schema::Bounds {
            // The runtime's max_body_bytes bounds bodies; this bounds decoded pieces.
            max_bytes: config.output.max_bytes.max(1),
            max_depth,
        };

        let schema = config
            .schema
            .as_ref()
            .map(|s| compile_at("schema", s, &compile))
            .transpose()?;
        let mut routes = Vec::with_capacity(config.routes.len());
        for (i, r) in config.routes.into_iter().enumerate() {
            for (k, p) in r.matcher.paths.iter().enumerate() {
                if !p.starts_with('/') {
                    return Err(ConfigError::at(
                        format!("routes[{i}].match.paths[{k}]"),
                        "must start with `/`",
                    ));
                }
            }
            routes.push(Route {
                schema: r
                    .schema
                    .as_ref()
                    .map(|s| compile_at(&format!("routes[{i}].schema"), s, &compile))
                    .transpose()?,
                response_schema: r
                    .response_schema
                    .as_ref()
                    .map(|s| compile_at(&format!("routes[{i}].response_schema"), s, &compile))
                    .transpose()?,
                matcher: r.matcher,
            });
        }
        let builtins = if config.builtin.unwrap_or(true) {
            Some(
                BuiltinSet::compile(config.strict, &compile)
                    .map_err(|e| ConfigError::at("builtin", e.to_string()))?,
            )
        } else {
            if config.strict {
                return Err(ConfigError::at(
                    "strict",
                    "applies to the built-in schemas, which `builtin: false` turns off",
                ));
            }
            None
        };

        let l = config.limits;
        let mut forbidden = Vec::new();
        for (i, f) in l.forbidden_params.into_iter().enumerate() {
            let at = format!("limits.forbidden_params[{i}]");
            forbidden.push(match f {
                ForbiddenParamConfig::Name(name) if !name.is_empty() => {
                    ForbiddenParam::new(&name, ParamCondition::Present)
                }
                ForbiddenParamConfig::Name(_) => {
                    return Err(ConfigError::at(at, "must not be empty"))
                }
                ForbiddenParamConfig::Rule(rule) => {
                    if rule.param.is_empty() {
                        return Err(ConfigError::at(format!("{at}.param"), "must not be empty"));
                    }
                    let condition = match (rule.above, rule.equals) {
                        (Some(_), Some(_)) => {
                            return Err(ConfigError::at(at, "set `above` or `equals`, not both"))
                        }
                        (Some(n), None) => ParamCondition::Above(n),
                        (None, Some(v)) => ParamCondition::Equals(v),
                        (None, None) => ParamCondition::Present,
                    };
                    ForbiddenParam::new(&rule.param, condition)
                }
            });
        }
        let mut tool_arguments = Vec::new();
        for (name, schema) in &l.tool_arguments {
            let path = format!("limits.tool_arguments.{name}");
            tool_arguments.push(ToolArgumentSchema {
                tool: name.clone(),
                schema: Schema::compile(&path, schema, &compile)
                    .map_err(|e| ConfigError::at(&path, e.to_string()))?,
            });
        }
        for (i, m) in l.allowed_models.iter().enumerate() {
            if m.is_empty() {
                return Err(ConfigError::at(
                    format!("limits.allowed_models[{i}]"),
                    "must not be empty",
                ));
            }
        }
        let max_tokens = match l.max_tokens {
            Some(t) if t.max == 0 => {
                return Err(ConfigError::at(
                    "limits.max_tokens.max",
                    "must be at least 1",
                ))
            }
            Some(t) => Some(TokenCeiling {
                max: t.max,
                action: match t.action {
                    CeilingActionConfig::Reject => CeilingAction::Reject,
                    CeilingActionConfig::Clamp => CeilingAction::Clamp,
                },
                require: t.require,
            }),
            None => None,
        };
        let limits = RequestLimits {
            allowed_models: l.allowed_models,
            max_tokens,
            max_messages: l.max_messages,
            max_prompt_chars: l.max_prompt_chars,
            forbidden_params: forbidden,
            allowed_tools: l.allowed_tools,
            tool_arguments,
            argument_bounds: bounds,
        };
        Ok(Guard {
            routes,
            schema,
            builtins,
            limits,
            bounds,
            output_validate: config.output.validate,
            on_violation: config.output.on_violation,
            compile,
        })
    }

    /// Whether a request may be rewritten (token clamping).
    pub fn may_clamp(&self) -> bool {
        self.limits
            .max_tokens
            .as_ref()
            .is_some_and(|t| t.action == CeilingAction::Clamp)
    }

    fn route(&self, method: &str, path: &str, api: Api) -> Option<&Route> {
        let provider = parapet_runtime::engine::provider_name(api.provider);
        self.routes
            .iter()
            .find(|r| r.matcher.matches_route(method, path) && r.matcher.matches_provider(provider))
    }

    /// The request schemas that apply: built-in for the API, then the route's or the global one.
    fn request_schemas(&self, method: &str, path: &str, api: Api) -> Vec<(&'static str, &Schema)> {
        let mut out = Vec::new();
        if let Some(s) = self.builtins.as_ref().and_then(|b| b.get(api)) {
            out.push(("schema.builtin", s));
        }
        let configured = match self.route(method, path, api) {
            Some(r) if r.schema.is_some() => r.schema.as_deref(),
            _ => self.schema.as_deref(),
        };
        if let Some(s) = configured {
            out.push(("schema.request", s));
        }
        out
    }

    /// Whether a configured schema applies to bodies of any API (the top-level `schema`, or a
    /// route that does not restrict providers) — then unknown APIs must be inspected too.
    pub fn validates_any_body(&self) -> bool {
        self.schema.is_some()
            || self
                .routes
                .iter()
                .any(|r| r.schema.is_some() && r.matcher.providers.is_empty())
    }

    /// Parses a body within the configured depth bound.
    pub fn parse_body(&self, body: &[u8]) -> Result<Value, String> {
        self.bounds_for_body(body)
            .parse(body)
            .map_err(|e| e.to_string())
    }

    /// Decides on a request body: schemas, then declarative limits (clamp last).
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        view: &RequestView,
        body: &[u8],
    ) -> RequestDecision {
        match self.parse_body(body) {
            Ok(json) => self.check_parsed_request(method, path, view, &json, body),
            Err(e) => invalid_body(&e),
        }
    }

    /// [`Guard::check_request`] on a body already parsed with [`Guard::parse_body`] (the
    /// filter also needs the parsed body for the output contract: parse once).
    pub fn check_parsed_request(
        &self,
        method: &str,
        path: &str,
        view: &RequestView,
        json: &Value,
        body: &[u8],
    ) -> RequestDecision {
        let mut broken = Vec::new();
        let mut parts = Vec::new();
        for (rule_id, schema) in self.request_schemas(method, path, view.api) {
            if let Err(v) = schema.validate(json) {
                parts.push(format!(
                    "request does not match schema `{}`: {}",
                    schema.name(),
                    v.summary()
                ));
                broken.extend(v.items.into_iter().map(|violation| Broken {
                    rule_id: rule_id.into(),
                    violation,
                }));
            }
        }
        let with_model;
        let view = match (&view.model, model_from_path(path)) {
            (None, Some(model)) => {
                with_model = RequestView {
                    model: Some(model),
                    ..view.clone()
                };
                &with_model
            }
            _ => view,
        };
        let outcome = check_request(&self.limits, view, json, body);
        if !outcome.violations.is_empty() {
            let max = self.compile.max_errors;
            let listed: Vec<String> = outcome
                .violations
                .iter()
                .take(max)
                .map(|v| v.violation.to_string())
                .collect();
            let more = if outcome.violations.len() > max {
                "; ..."
            } else {
                ""
            };
            parts.push(format!(
                "request breaks limits: {}{more}",
                listed.join("; ")
            ));
            broken.extend(outcome.violations.into_iter().map(|v| Broken {
                rule_id: format!("limits.{}", v.rule),
                violation: v.violation,
            }));
        }
        if !parts.is_empty() {
            return RequestDecision::Reject {
                message: parts.join(". "),
                broken,
            };
        }
        match outcome.rewritten {
            Some(body) => RequestDecision::Rewrite {
                body,
                clamped: outcome.clamped,
            },
            None => RequestDecision::Allow,
        }
    }

    /// What can be decided from parapet-core's view alone (the runtime does not hand filters
    /// the raw body yet): the declarative limits via [`parapet_schema::check_view`]. Request
    /// schemas (built-in and configured), body-level forbidden parameters and clamping need
    /// [`Guard::check_request`].
    pub fn check_request_view(&self, path: &str, view: &RequestView) -> RequestDecision {
        let with_model;
        let view = match (&view.model, model_from_path(path)) {
            (None, Some(model)) => {
                with_model = RequestView {
                    model: Some(model),
                    ..view.clone()
                };
                &with_model
            }
            _ => view,
        };
        let outcome = parapet_schema::check_view(&self.limits, view);
        if outcome.violations.is_empty() {
            return RequestDecision::Allow;
        }
        let max = self.compile.max_errors;
        let listed: Vec<String> = outcome
            .violations
            .iter()
            .take(max)
            .map(|v| v.violation.to_string())
            .collect();
        let more = if outcome.violations.len() > max {
            "; ..."
        } else {
            ""
        };
        RequestDecision::Reject {
            message: format!("request breaks limits: {}{more}", listed.join("; ")),
            broken: outcome
                .violations
                .into_iter()
                .map(|v| Broken {
                    rule_id: format!("limits.{}", v.rule),
                    violation: v.violation,
                })
                .collect(),
        }
    }

    fn bounds_for_body(&self, body: &[u8]) -> parapet_schema::Bounds {
        // The body size is the runtime's business (max_body_bytes → 413); only depth here.
        parapet_schema::Bounds {
            max_bytes: body.len().max(1),
            max_depth: self.bounds.max_depth,
        }
    }

    /// The output contract of a request (what the model's answer must look like).
    pub fn contract(
        &self,
        method: &str,
        path: &str,
        view: &RequestView,
        json: Option<&Value>,
    ) -> (OutputContract, Vec<String>) {
        if !self.output_validate {
            return (OutputContract::default(), Vec::new());
        }
        let route_schema = self
            .route(method, path, view.api)
            .and_then(|r| r.response_schema.clone());
        let null = Value::Null;
        let (contract, errors) = OutputContract::from_request(
            view,
            json.unwrap_or(&null),
            route_schema,
            &self.compile,
            self.bounds,
        );
        (
            contract,
            errors.into_iter().map(|e| e.to_string()).collect(),
        )
    }

    /// Checks a whole response against a contract.
    pub fn check_response(
        &self,
        contract: &OutputContract,
        view: &ResponseView,
    ) -> Vec<OutputViolation> {
        if view.error {
            return Vec::new();
        }
        contract.check_response(view)
    }
}

/// The 400 for a body that is not JSON (or is nested deeper than `max_depth`).
pub fn invalid_body(error: &str) -> RequestDecision {
    RequestDecision::Reject {
        message: format!("invalid request body: {error}"),
        broken: vec![Broken {
            rule_id: "schema.body".into(),
            violation: Violation::custom("", "json", error.to_string()),
        }],
    }
}

/// The model id of path-addressed APIs: Gemini `.../models/{model}:generateContent`, Bedrock
/// `/model/{modelId}/converse` (percent-decoded), so `allowed_models` covers them too.
pub fn model_from_path(path: &str) -> Option<String> {
    let p = path.split(['?', '#']).next().unwrap_or("");
    if let Some(i) = p.find("/models/") {
        let rest = &p[i + "/models/".len()..];
        let model = rest.split(':').next().unwrap_or(rest);
        return (!model.is_empty()).then(|| model.to_string());
    }
    if let Some(i) = p.find("/model/") {
        let rest = &p[i + "/model/".len()..];
        let model = rest.split('/').next().unwrap_or(rest);
        return (!model.is_empty()).then(|| percent_decode(model));
    }
    None
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}
