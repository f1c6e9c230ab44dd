use std::fmt;

/// A policy that failed to compile or evaluate, located in its source when the engine says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Module name as given to [`crate::Module::new`].
    pub file: Option<String>,
    /// 1-based line and column.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The engine's explanation, without the source excerpt.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn message(message: impl Into<String>) -> Self {
        PolicyError {
            file: None,
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// regorus renders errors as
    /// ```text
    /// --> file.rego:4:2
    ///   |
    /// 4 |  x := 1 +
    ///   |  ^
    /// error: expecting `}` while parsing object
    /// ```
    /// Keep the location and the last line; drop the excerpt (it may quote policy data).
    pub(crate) fn from_engine(text: &str) -> Self {
        let mut err = PolicyError::message(text.trim());
        if let Some(loc) = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("--> "))
            .map(str::trim)
        {
            let mut parts = loc.rsplitn(3, ':');
            let col = parts.next().and_then(|c| c.parse().ok());
            let line = parts.next().and_then(|l| l.parse().ok());
            if let (Some(line), Some(col), Some(file)) = (line, col, parts.next()) {
                err.file = Some(file.to_string());
                err.line = Some(line);
                err.column = Some(col);
            }
        }
        if let Some(msg) = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
        {
            err.message = msg.trim().to_string();
        }
        err
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line, self.column) {
            (Some(file), Some(line), Some(col)) => {
                write!(f, "{file}:{line}:{col}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_error_is_located() {
        let e = PolicyError::from_engine(
            "\n--> p.rego:4:2\n  |\n4 |  x := 1 +\n  |  ^\nerror: expecting `}` while parsing object",
        );
        assert_eq!(e.file.as_deref(), Some("p.rego"));
        assert_eq!((e.line, e.column), (Some(4), Some(2)));
        assert_eq!(e.message, "expecting `}` while parsing object");
        assert_eq!(
            e.to_string(),
            "p.rego:4:2: expecting `}` while parsing object"
        );
    }

    #[test]
    fn unlocated_error_keeps_its_text() {
        let e = PolicyError::from_engine("not a valid rule path");
        assert_eq!(e.file, None);
        assert_eq!(e.to_string(), "not a valid rule path");
    }
}
