//! Rego's own test convention: every rule whose name starts with `test_` must evaluate to `true`.
use crate::{package_of, rule_names, Policy};

/// The result of one `test_*` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// `data.<package>.<rule>`
    pub name: String,
    /// `None` when the rule was true; otherwise why it failed (false, undefined, or an error).
    pub failure: Option<String>,
}

/// Every test rule of a policy, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestReport {
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.failure.is_none()).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

pub(crate) fn run(policy: &mut Policy) -> TestReport {
    let mut names = Vec::new();
    for m in &policy.modules {
        let Some(package) = package_of(&m.source) else {
            continue;
        };
        for rule in rule_names(&m.source).filter(|r| r.starts_with("test_")) {
            let name = format!("data.{package}.{rule}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let empty = serde_json::Value::Object(Default::default());
    let outcomes = names
        .into_iter()
        .map(|name| {
            let failure = match policy.evaluate(&name, &empty) {
                Ok(Some(serde_json::Value::Bool(true))) => None,
                Ok(Some(other)) => Some(format!("evaluated to {other}")),
                Ok(None) => Some("undefined (a condition in the test body did not hold)".into()),
                Err(e) => Some(e.to_string()),
            };
            TestOutcome { name, failure }
        })
        .collect();
    TestReport { outcomes }
}
