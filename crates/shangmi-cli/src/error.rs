//! The command's errors and how they map to exit codes.

use std::fmt;

/// A failed command: either a negative verdict (exit 1) or an error (exit 2).
#[derive(Debug)]
pub enum CliError {
    /// The operation ran and said no: a bad signature, a failed tag.
    Negative(String),
    /// The operation could not run: bad arguments, unreadable files, bad keys.
    Failed(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Negative(_) => 1,
            CliError::Failed(_) => 2,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Negative(m) | CliError::Failed(m) => f.write_str(m),
        }
    }
}

/// Shorthand for an error with a message.
pub fn fail(msg: impl Into<String>) -> CliError {
    CliError::Failed(msg.into())
}

/// Adds context to library errors.
pub trait Context<T> {
    /// Maps the error to `CliError::Failed("{what}: {error}")`.
    fn context(self, what: impl fmt::Display) -> Result<T, CliError>;
}

impl<T, E: fmt::Display> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> Result<T, CliError> {
        self.map_err(|e| CliError::Failed(format!("{what}: {e}")))
    }
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;
