//! Rego policies for Parapet, evaluated in-process with [`regorus`].
//!
//! A [`Policy`] is compiled once (at filter configure time) from one or more Rego modules and an
//! optional JSON data document. Each request is then a cheap evaluation of an entry point such as
//! `data.parapet.decision` against an input document, turned into a typed [`Decision`].
//!
//! ```
//! use parapet_rego::{Policy, Module};
//! use serde_json::json;
//!
//! let mut policy = Policy::compile(
//!     &[Module::new("models.rego", r#"
//!         package parapet
//!         default decision := {"allow": false, "reasons": ["model not approved"]}
//!         decision := {"allow": true} if input.llm.model in data.approved
//!     "#)],
//!     Some(&json!({"approved": ["gpt-4o-mini"]})),
//! ).unwrap();
//!
//! let ok = policy.decide("data.parapet.decision", &json!({"llm": {"model": "gpt-4o-mini"}})).unwrap();
//! assert!(ok.allow);
//! let denied = policy.decide("data.parapet.decision", &json!({"llm": {"model": "o1"}})).unwrap();
//! assert_eq!(denied.reasons, vec!["model not approved".to_string()]);
//! ```
//!
//! Why a typed decision: a policy is code written by a security team, and a typo in it (a status
//! of `"403"` as a string, a header value that is a number) must fail loudly as a policy error —
//! which the filter handles by its fail mode — rather than be half-applied.

mod cache;
mod decision;
mod encoding;
mod error;
pub mod footprint;
mod patterns;
mod testing;
mod urlquery;

pub use cache::CacheStats;
pub use decision::Decision;
pub use error::PolicyError;
pub use footprint::Footprint;
pub use testing::{TestOutcome, TestReport};

use regorus::Engine;
use serde::Deserialize;

/// The engine's own value type, for callers that build an input document directly
/// ([`Input::from_value`]) instead of converting JSON: no intermediate `serde_json` tree.
pub use regorus::Value;

/// The engine's object type, for callers that build objects of a fixed shape once and fill them
/// per document (the `policy` filter's input).
pub use regorus::value::Object;

/// One Rego source file: a name used in error messages (`file:line:column`) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub name: String,
    pub source: String,
}

impl Module {
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Self {
        Module {
            name: name.into(),
            source: source.into(),
        }
    }
}

/// A compiled set of Rego modules plus data, ready to evaluate entry points.
///
/// Evaluated by regorus's interpreter. regorus 0.14 also compiles policies to bytecode for its
/// virtual machine (feature `rvm`), 3.6× faster on the example policy's request decision
/// (9.7 vs 35 µs natively), but it does not give the interpreter's results: an `else` is not
/// taken when the first body holds but its value is undefined (the example's `tier` rule: every
/// request without a named consumer had no decision), and an error inside a rule body (a bad
/// pattern for `regex.match`, strict builtin errors on) makes the body undefined, so a `deny`
/// rule would silently not deny where this policy fails closed (measured 2026-11-27).
pub struct Policy {
    engine: Engine,
    modules: Vec<Module>,
    packages: Vec<String>,
    footprint: Footprint,
    cache: Option<cache::DecisionCache>,
}

/// A clone starts with an empty decision cache of the same size.
impl Clone for Policy {
    fn clone(&self) -> Self {
        Policy {
            engine: self.engine.clone(),
            modules: self.modules.clone(),
            packages: self.packages.clone(),
            footprint: self.footprint.clone(),
            cache: None,
        }
        .with_decision_cache(self.cache.as_ref().map_or(0, |c| c.capacity()))
    }
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("packages", &self.packages)
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// Parses and prepares every module. Syntax errors, and errors found while preparing the
    /// policy for evaluation (unknown functions, recursion, conflicting rules), come back with
    /// the module name, line and column.
    pub fn compile(
        modules: &[Module],
        data: Option<&serde_json::Value>,
    ) -> Result<Policy, PolicyError> {
        if modules.is_empty() {
            return Err(PolicyError::message("no Rego module given"));
        }
        let mut engine = Engine::new();
        // Missing builtins and bad arguments are errors, not silent `undefined`: a policy that
        // cannot be evaluated as written must not quietly allow traffic.
        engine.set_strict_builtin_errors(true);
        patterns::install(&mut engine)
            .and_then(|()| urlquery::install(&mut engine))
            .and_then(|()| encoding::install(&mut engine))
            .map_err(|e| PolicyError::message(e.to_string()))?;
        let mut packages = Vec::new();
        for m in modules {
            let package = engine
                .add_policy(m.name.clone(), m.source.clone())
                .map_err(|e| PolicyError::from_engine(&e.to_string()))?;
            if !packages.contains(&package) {
                packages.push(package);
            }
        }
        if let Some(data) = data {
            if !data.is_object() {
                return Err(PolicyError::message(
                    "data: the data document must be a JSON object",
                ));
            }
            let value = to_value(data)?;
            engine
                .add_data(value)
                .map_err(|e| PolicyError::message(format!("data: {e}")))?;
        }
        // Preparing the interpreter resolves every rule and function reference now, so that a
        // policy referring to a function that does not exist is rejected at configure time.
        engine
            .eval_query("true".to_string(), false)
            .map_err(|e| PolicyError::from_engine(&e.to_string()))?;
        for m in modules {
            check_calls_resolve(&mut engine, m)?;
        }
        Ok(Policy {
            engine,
            modules: modules.to_vec(),
            packages,
            footprint: footprint::of(modules),
            cache: None,
        })
    }

    /// What the policy reads of its input: the paths a cached decision is keyed on, or why
    /// decisions cannot be cached.
    pub fn footprint(&self) -> &Footprint {
        &self.footprint
    }

    /// Keeps up to `entries` decisions, keyed by the entry point and the values at the
    /// policy's [footprint](Policy::footprint): a request that agrees with an earlier one on
    /// everything the policy reads gets that request's decision without an evaluation. Has no
    /// effect (no cache) when `entries` is 0 or the footprint is unbounded. Errors are never
    /// cached: a failing evaluation is run again for the next input.
    pub fn with_decision_cache(mut self, entries: usize) -> Self {
        self.cache = match &self.footprint {
            Footprint::Paths(paths) if entries > 0 => {
                Some(cache::DecisionCache::new(paths, entries))
            }
            _ => None,
        };
        self
    }

    /// Cache hits and misses so far; `None` without a decision cache.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(|c| c.stats)
    }

    /// The packages the modules declare, as `data.<package>` paths.
    pub fn packages(&self) -> &[String] {
        &self.packages
    }

    /// The modules this policy was compiled from.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// Evaluates a rule path (`data.parapet.decision`) against `input`. `Ok(None)` means the rule
    /// is undefined for this input.
    pub fn evaluate(
        &mut self,
        entrypoint: &str,
        input: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, PolicyError> {
        self.evaluate_input(entrypoint, &Input::from_json(input)?)
    }

    /// [`Policy::evaluate`] on an input already converted with [`Input::from_json`]: a caller
    /// that decides twice on related documents (request, then response) converts once.
    pub fn evaluate_input(
        &mut self,
        entrypoint: &str,
        input: &Input,
    ) -> Result<Option<serde_json::Value>, PolicyError> {
        // Values are reference-counted: handing the engine a clone copies no document.
        self.engine.set_input(input.0.clone());
        let value = self
            .engine
            .eval_rule(entrypoint.to_string())
            .map_err(|e| PolicyError::from_engine(&e.to_string()))?;
        if value == Value::Undefined {
            return Ok(None);
        }
        serde_json::to_value(&value)
            .map(Some)
            .map_err(|e| PolicyError::message(format!("{entrypoint}: {e}")))
    }

    /// Evaluates `entrypoint` and reads it as a [`Decision`]. An undefined decision is an error:
    /// the caller applies its fail mode (closed by default) rather than guessing.
    pub fn decide(
        &mut self,
        entrypoint: &str,
        input: &serde_json::Value,
    ) -> Result<Decision, PolicyError> {
        self.decide_input(entrypoint, &Input::from_json(input)?)
    }

    /// [`Policy::decide`] on an input already converted with [`Input::from_json`].
    /// With a decision cache, an input that agrees with a cached one on the policy's footprint
    /// is answered from the cache.
    pub fn decide_input(
        &mut self,
        entrypoint: &str,
        input: &Input,
    ) -> Result<Decision, PolicyError> {
        if let Some(hit) = self
            .cache
            .as_mut()
            .and_then(|c| c.get(entrypoint, &input.0))
        {
            return Ok(hit);
        }
        let decision = match self.evaluate_input(entrypoint, input)? {
            None => Err(PolicyError::message(format!(
                "{entrypoint} is undefined for this input (give it a default)"
            ))),
            Some(v) => Decision::from_json(&v)
                .map_err(|e| PolicyError::message(format!("{entrypoint}: {e}"))),
        }?;
        if let Some(cache) = self.cache.as_mut() {
            cache.insert(&decision);
        }
        Ok(decision)
    }

    /// Whether `path` (e.g. `data.parapet.response_decision`) names a rule of this policy.
    pub fn has_rule(&self, path: &str) -> bool {
        let Some((package, rule)) = path.rsplit_once('.') else {
            return false;
        };
        self.modules.iter().any(|m| {
            package_of(&m.source).is_some_and(|p| format!("data.{p}") == package)
                && rule_names(&m.source).any(|r| r == rule)
        })
    }

    /// Runs every `test_*` rule of every package (Rego's testing convention, as `opa test` does).
    pub fn run_tests(&mut self) -> TestReport {
        testing::run(self)
    }
}

/// An input document in the engine's own value type, converted once from JSON.
///
/// Converting is a walk over the document, not free: the `policy` filter converts the request's
/// document once and, for the response decision, adds `response` to it rather than converting
/// the request part again.
#[derive(Debug, Clone)]
pub struct Input(Value);

impl Input {
    pub fn from_json(json: &serde_json::Value) -> Result<Input, PolicyError> {
        to_value(json).map(Input)
    }

    /// An input document built directly in the engine's values (the `policy` filter builds
    /// every request's document this way: a JSON tree then a second walk cost it as much again).
    /// Numbers must be finite, as JSON's are: see [`value_from_json`] for JSON parts.
    pub fn from_value(value: Value) -> Input {
        Input(value)
    }

    /// The document, as the policy sees it.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// Sets the top-level field `key` (the document must be an object, as every input is).
    pub fn insert(&mut self, key: &str, json: &serde_json::Value) -> Result<(), PolicyError> {
        let value = to_value(json)?;
        let object = self
            .0
            .as_object_mut()
            .map_err(|_| PolicyError::message("input: the input document is not an object"))?;
        object.insert(Value::from(key), value);
        Ok(())
    }

    /// [`Input::insert`] for a value already in the engine's type.
    pub fn insert_value(&mut self, key: &str, value: Value) -> Result<(), PolicyError> {
        let object = self
            .0
            .as_object_mut()
            .map_err(|_| PolicyError::message("input: the input document is not an object"))?;
        object.insert(Value::from(key), value);
        Ok(())
    }
}

/// A JSON value in the engine's type, exactly as [`Input::from_json`] converts it (an error for
/// what the engine refuses, such as a non-finite number).
pub fn value_from_json(json: &serde_json::Value) -> Result<Value, PolicyError> {
    to_value(json)
}

/// JSON to the engine's values without a text round trip: `regorus::Value` deserializes from a
/// `serde_json::Value` through the same visitor its JSON parser uses, so numbers, strings and
/// errors (a non-finite number) come out exactly as when parsing the document's text.
fn to_value(json: &serde_json::Value) -> Result<Value, PolicyError> {
    Value::deserialize(json).map_err(|e| PolicyError::message(format!("input: {e}")))
}

/// Evaluating a rule is what makes regorus resolve its function calls; evaluate each rule of the
/// module once with an empty input so an unknown function is reported at configure time.
fn check_calls_resolve(engine: &mut Engine, m: &Module) -> Result<(), PolicyError> {
    let Some(package) = package_of(&m.source) else {
        return Ok(());
    };
    engine.set_input(Value::new_object());
    for rule in rule_names(&m.source) {
        if let Err(e) = engine.eval_rule(format!("data.{package}.{rule}")) {
            let text = e.to_string();
            // Other errors depend on the input (which is empty here) and surface per request.
            if text.contains("could not find function") {
                return Err(PolicyError::from_engine(&text));
            }
        }
    }
    Ok(())
}

/// The package a module declares (`package a.b` → `a.b`).
pub(crate) fn package_of(source: &str) -> Option<&str> {
    source.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("package ")?;
        Some(rest.trim())
    })
}

/// Top-level rule names a module defines (a line that starts with an identifier followed by a
/// rule-head token). Good enough for discovering tests and checking entry points; the engine
/// itself remains the authority on what the rules mean.
pub(crate) fn rule_names(source: &str) -> impl Iterator<Item = &str> {
    let mut seen: Vec<&str> = Vec::new();
    for line in source.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let ident_len = line
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if ident_len == 0 || line.as_bytes()[0].is_ascii_digit() {
            continue;
        }
        let name = &line[..ident_len];
        if matches!(name, "package" | "import" | "default") {
            if name == "default" {
                let rest = line[ident_len..].trim_start();
                let n = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                if n > 0 && !seen.contains(&&rest[..n]) {
                    seen.push(&rest[..n]);
                }
            }
            continue;
        }
        let rest = line[ident_len..].trim_start();
        let is_head = rest.is_empty()
            || rest.starts_with(":=")
            || rest.starts_with('=')
            || rest.starts_with('{')
            || rest.starts_with('[')
            || rest.starts_with('(')
            || rest.starts_with("if")
            || rest.starts_with("contains");
        if is_head && !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen.into_iter()
}
