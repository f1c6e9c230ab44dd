//! What a failed validation reports: where in the instance, which schema keyword, and why —
//! without echoing the instance's values (they may be personal data).

use std::fmt;

use parapet_json_schema::ValidationError;

/// One way an instance fails its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON Pointer to the offending value in the instance (`""` = the whole document).
    pub instance_path: String,
    /// JSON Pointer to the failing keyword in the schema, e.g. `/properties/n/maximum`.
    pub schema_path: String,
    /// The failing keyword (`type`, `required`, `maxItems`, ...).
    pub keyword: String,
    /// Human-readable reason with instance values masked as `value`; schema values are shown.
    pub message: String,
}

impl Violation {
    pub(crate) fn from_error(error: &ValidationError) -> Violation {
        Violation {
            instance_path: error.instance_path.clone(),
            schema_path: error.schema_path.clone(),
            keyword: error.keyword.to_string(),
            message: truncate(&error.message, 300),
        }
    }

    /// A violation found by Parapet's own checks rather than a schema keyword.
    pub fn custom(
        instance_path: impl Into<String>,
        keyword: &str,
        message: impl Into<String>,
    ) -> Violation {
        Violation {
            instance_path: instance_path.into(),
            schema_path: String::new(),
            keyword: keyword.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "/"
        } else {
            &self.instance_path
        };
        write!(f, "{at}: {}", self.message)?;
        if !self.schema_path.is_empty() {
            write!(f, " (schema {})", self.schema_path)?;
        }
        Ok(())
    }
}

/// The first violations of a failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations {
    /// The first N violations, in the validator's order.
    pub items: Vec<Violation>,
    /// True when more violations exist than were collected.
    pub truncated: bool,
}

impl Violations {
    /// One violation.
    pub fn one(violation: Violation) -> Violations {
        Violations {
            items: vec![violation],
            truncated: false,
        }
    }

    /// Prefixes every instance path with `prefix` (a JSON Pointer), for values validated out
    /// of context, e.g. tool arguments found at `/messages/2/tool_calls/0/function/arguments`.
    pub fn under(mut self, prefix: &str) -> Violations {
        for v in &mut self.items {
            v.instance_path = format!("{prefix}{}", v.instance_path);
        }
        self
    }

    /// A one-line summary listing every collected violation, for error replies.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (i, v) in self.items.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            out.push_str(&v.to_string());
        }
        if self.truncated {
            out.push_str("; ...");
        }
        out
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
