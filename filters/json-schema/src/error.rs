//! The two ways things fail: a schema that does not compile, and an instance that does not
//! match.

use std::fmt;

/// Why a schema did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong, in words an operator can act on.
    pub problem: String,
    /// Where: a JSON Pointer into the root schema, or `uri#pointer` inside an offline resource.
    pub at: Option<String>,
}

impl CompileError {
    pub(crate) fn new(problem: String, at: Option<String>) -> CompileError {
        CompileError { problem, at }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)?;
        match &self.at {
            Some(at) if !at.is_empty() => write!(f, " (at {at})"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for CompileError {}

/// One way an instance fails its schema. The message never contains instance values (they
/// are called `value`); values from the schema (limits, enum members, property names the
/// schema or the instance's own keys name) may appear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// JSON Pointer to the offending value in the instance (`""` = the whole document).
    pub instance_path: String,
    /// JSON Pointer along the evaluation path to the failing keyword, e.g.
    /// `/properties/n/maximum` or `/$ref/type` through a reference.
    pub schema_path: String,
    /// The failing keyword (`type`, `required`, `maxItems`, `false` for a false schema...).
    pub keyword: &'static str,
    /// Human-readable reason, instance values masked.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// The first errors of a failed validation, in evaluation (schema) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    /// At most the requested number of errors.
    pub errors: Vec<ValidationError>,
    /// True when more errors exist than were collected.
    pub truncated: bool,
}
