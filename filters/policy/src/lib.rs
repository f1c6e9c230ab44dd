//! Parapet `policy` filter: Rego policy-as-code evaluated inside the proxy (regorus).
//!
//! The request decision (`data.parapet.decision` by default) sees the request, the caller's
//! identity, the LLM call (provider, model, tools, message counts, …) and what earlier Parapet
//! filters found on this request; the response decision (`data.parapet.response_decision`, when
//! the policy defines it) additionally sees the model's tool calls, finish reasons and usage.
//! See `README.md` beside this crate and `input.schema.json` for the input document.
use std::cell::RefCell;
use std::collections::BTreeMap;

use parapet_rego::{Decision as PolicyDecision, Input, Module, Policy};
use parapet_runtime::prelude::*;
use parapet_runtime::verdict::Reason;
use serde_json::Value;

mod chars;
mod input;

/// The policy used when the config gives none: allow requests; refuse tool calls whose
/// arguments carry a shell pipe-to-shell or `rm -rf`, the commonest agent exploit.
pub const DEFAULT_POLICY: &str = r#"package parapet

import rego.v1

default decision := {"allow": true}

default response_decision := {"allow": true}

response_decision := {"allow": false, "reasons": sort([r | some r in dangerous])} if count(dangerous) > 0

dangerous contains sprintf("tool call %s carries a shell command", [call.name]) if {
	some call in input.response.tool_calls
	regex.match(`(?i)(curl|wget)[^|]*\|\s*(ba|z)?sh|\brm\s+-[a-z]*r[a-z]*f\b`, call.arguments_text)
}
"#;

#[cfg_attr(feature = "config-schema", derive(schemars::JsonSchema))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// One Rego module (the simplest config: `{"rego": "package parapet ..."}`).
    rego: Option<String>,
    /// Several named modules: `{"tiers.rego": "...", "tools.rego": "..."}`.
    modules: Option<BTreeMap<String, String>>,
    /// The data document (`data.*` in the policy); must be an object.
    data: Option<Value>,
    /// Request entry point. Default `data.parapet.decision`.
    entrypoint: Option<String>,
    /// Response entry point. Default `data.parapet.response_decision`, used when defined.
    response_entrypoint: Option<String>,
    /// Request headers copied into `input.request.headers` (lower-case names).
    input_headers: Vec<String>,
    /// Filters whose recorded decisions appear under `input.findings`.
    findings_from: Option<Vec<String>>,
    /// Decisions kept per worker, keyed by what the policy reads of the input. Default 1024;
    /// 0 turns the cache off. Policies that read `input` as a whole or call a builtin such as
    /// `time.now_ns` are never cached.
    decision_cache_entries: Option<usize>,
}

/// The most decisions a worker may keep: each entry is its key (the input values the policy
/// reads) and the decision, typically a few hundred bytes.
const MAX_DECISION_CACHE_ENTRIES: usize = 100_000;

pub struct PolicyFilter {
    policy: RefCell<Policy>,
    entrypoint: String,
    response_entrypoint: Option<String>,
    input_headers: Vec<String>,
    findings: Vec<input::FindingReads>,
}

impl Filter for PolicyFilter {
    const NAME: &'static str = "policy";
    type Config = Config;
    /// The request part of the input, kept (converted for the engine) for the response decision.
    type State = Option<Input>;

    fn new(cfg: Config, _common: &Common) -> Result<Self, ConfigError> {
        let (field, modules) = match (cfg.rego, cfg.modules) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::at(
                    "modules",
                    "give either `rego` or `modules`, not both",
                ))
            }
            (Some(src), None) => ("rego", vec![Module::new("policy.rego", src)]),
            (None, Some(map)) if map.is_empty() => {
                return Err(ConfigError::at("modules", "must hold at least one module"))
            }
            (None, Some(map)) => (
                "modules",
                map.into_iter()
                    .map(|(name, src)| Module::new(name, src))
                    .collect(),
            ),
            (None, None) => ("rego", vec![Module::new("default.rego", DEFAULT_POLICY)]),
        };
        if cfg.data.as_ref().is_some_and(|d| !d.is_object()) {
            return Err(ConfigError::at("data", "must be a JSON object"));
        }
        let policy = Policy::compile(&modules, cfg.data.as_ref()).map_err(|e| {
            let at = match &e.file {
                Some(file) if field == "modules" => format!("modules.{file}"),
                _ => field.to_string(),
            };
            ConfigError::at(at, e.to_string())
        })?;
        let entrypoint = cfg
            .entrypoint
            .unwrap_or_else(|| "data.parapet.decision".to_string());
        if !policy.has_rule(&entrypoint) {
            return Err(ConfigError::at(
                "entrypoint",
                format!("{entrypoint} is not defined by the policy"),
            ));
        }
        let response_entrypoint = match cfg.response_entrypoint {
            Some(e) if !policy.has_rule(&e) => {
                return Err(ConfigError::at(
                    "response_entrypoint",
                    format!("{e} is not defined by the policy"),
                ))
            }
            Some(e) => Some(e),
            None => {
                Some("data.parapet.response_decision".to_string()).filter(|e| policy.has_rule(e))
            }
        };
        let cache_entries = cfg.decision_cache_entries.unwrap_or(1024);
        if cache_entries > MAX_DECISION_CACHE_ENTRIES {
            return Err(ConfigError::at(
                "decision_cache_entries",
                format!("at most {MAX_DECISION_CACHE_ENTRIES} (0 turns the cache off)"),
            ));
        }
        let findings_from = cfg.findings_from.unwrap_or_else(|| {
            input::DEFAULT_FINDINGS_FROM
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        Ok(PolicyFilter {
            findings: input::finding_reads(&findings_from, policy.footprint()),
            policy: RefCell::new(policy.with_decision_cache(cache_entries)),
            entrypoint,
            response_entrypoint,
            input_headers: cfg.input_headers,
        })
    }

    fn inspects_responses(&self) -> bool {
        self.response_entrypoint.is_some()
    }

    fn inspects_output(&self) -> bool {
        // Response rules see the whole response in `on_response`.
        false
    }

    fn needs_identity(&self) -> bool {
        // `input.identity` and `input.request.source_address`.
        true
    }

    fn on_request(&self, cx: &mut Cx<Self::State>, view: &RequestView) -> Outcome {
        let findings = input::findings(&self.findings, |f, field| cx.finding_of(f, field));
        let input = input::request_input(cx.request, view, &self.input_headers, findings);
        let decision = self.decide(cx, &self.entrypoint, &input)?;
        if self.response_entrypoint.is_some() {
            *cx.state = Some(input);
        }
        for (name, value) in &decision.headers {
            cx.add_response_header(name, value);
        }
        if decision.allow {
            if let Some(model) = &decision.model {
                return model_override(cx, view, model);
            }
        }
        Ok(verdict(decision, Reason::Policy))
    }

    fn may_rewrite_request(&self) -> bool {
        // A decision may name another model: the body changes size, so `content-length` goes.
        true
    }

    fn on_response(&self, cx: &mut Cx<Self::State>, view: &ResponseView) -> Outcome {
        let Some(entry) = &self.response_entrypoint else {
            return Ok(Verdict::allow());
        };
        let mut input = match cx.state.take() {
            Some(input) => input,
            None => Input::from_value(parapet_rego::Value::new_object()),
        };
        input.insert_value("response", input::response_input(view)?)?;
        let decision = self.decide(cx, entry, &input)?;
        Ok(verdict(decision, Reason::UnsafeOutput))
    }
}

impl PolicyFilter {
    /// One decision, from the cache when the policy has one and it holds this input's.
    fn decide(
        &self,
        cx: &Cx<Option<Input>>,
        entrypoint: &str,
        input: &Input,
    ) -> Result<PolicyDecision, FilterError> {
        let mut policy = self
            .policy
            .try_borrow_mut()
            .map_err(|_| FilterError::new("policy engine busy"))?;
        let hits = policy.cache_stats().map(|s| s.hits);
        let decision = policy.decide_input(entrypoint, input)?;
        if policy.cache_stats().map(|s| s.hits) != hits {
            let name =
                parapet_runtime::metrics::cached(Self::NAME, "decision_cache_hits_total", &[]);
            cx.host().increment_counter(&name, 1);
        }
        Ok(decision)
    }
}

/// Routes the request to `model` by rewriting the body's `model` field in place (every other
/// byte kept). APIs that name the model in the path (Gemini, Bedrock) cannot be rerouted from a
/// filter: that is a policy error, handled per `on_error` (fail closed by default).
fn model_override(cx: &Cx<Option<Input>>, view: &RequestView, model: &str) -> Outcome {
    if view.model.as_deref() == Some(model) {
        return Ok(Verdict::allow());
    }
    let body = cx
        .body()
        .ok_or_else(|| FilterError::new("model override: the request body is not available"))?;
    match parapet_runtime::core::set_model(view.api, body, model, &Default::default())? {
        Some(new_body) => Ok(Verdict::replace_body(new_body)
            .with_finding(Finding::new("policy.model_override", "policy"))),
        None => Err(FilterError::new(format!(
            "model override to {model}: this API names the model in the path, which a filter cannot change"
        ))),
    }
}

/// A policy decision as a runtime verdict. The status picks the reply kind (400, 403, 413, 429,
/// 502, 503); a status outside those falls back to `default`'s.
fn verdict(d: PolicyDecision, default: Reason) -> Verdict {
    if d.allow {
        return Verdict::allow();
    }
    let reason = match d.status {
        Some(400) => Reason::InvalidRequest,
        Some(403) => Reason::Policy,
        Some(413) => Reason::TooLarge,
        Some(429) => Reason::RateLimited,
        Some(502) => Reason::UnsafeOutput,
        Some(503) => Reason::Unavailable,
        _ => default,
    };
    let message = if d.reasons.is_empty() {
        "denied by policy".to_string()
    } else {
        format!("denied by policy: {}", d.reasons.join("; "))
    };
    let findings = if d.reasons.is_empty() {
        vec![Finding::new("policy.deny", "policy")]
    } else {
        d.reasons
            .iter()
            .map(|_| Finding::new("policy.deny", "policy"))
            .collect()
    };
    Verdict::block(Block::new(reason, message)).with_findings(findings)
}

// Without `export` (parapet-bundle links this crate into one module with the others).
#[cfg(feature = "export")]
parapet_runtime::export_filter!(PolicyFilter);
