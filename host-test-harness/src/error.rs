//! The harness error type: a message meant for the person running the test.

use std::fmt;

/// An error with a human-readable message (missing module, rejected configuration, bad
/// input file, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
        }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with the harness [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
