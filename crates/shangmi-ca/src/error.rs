//! The CA's error type and how it maps to HTTP statuses.

use std::fmt;

/// What went wrong. Each kind maps to one HTTP status; nothing maps to 500
/// except a fault of the CA itself that it cannot name better.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaError {
    /// Malformed input: a CSR that does not parse, a bad parameter (400).
    BadRequest(String),
    /// No or wrong credentials (401).
    Unauthorized(String),
    /// Credentials fine, but policy says no (403).
    Forbidden(String),
    /// No such label, serial, request or route (404).
    NotFound(String),
    /// The state does not allow it (already revoked, token used) (409).
    Conflict(String),
    /// The body is larger than the limit (413).
    TooLarge(String),
    /// The client sends too fast (429).
    TooManyRequests,
    /// A dependency (the database, the key store) is not available (503).
    Unavailable(String),
    /// A fault inside the CA (500).
    Internal(String),
}

impl CaError {
    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            CaError::BadRequest(_) => 400,
            CaError::Unauthorized(_) => 401,
            CaError::Forbidden(_) => 403,
            CaError::NotFound(_) => 404,
            CaError::Conflict(_) => 409,
            CaError::TooLarge(_) => 413,
            CaError::TooManyRequests => 429,
            CaError::Unavailable(_) => 503,
            CaError::Internal(_) => 500,
        }
    }

    /// A short name of the kind, for logs, metrics and audit entries.
    pub fn kind(&self) -> &'static str {
        match self {
            CaError::BadRequest(_) => "bad_request",
            CaError::Unauthorized(_) => "unauthorized",
            CaError::Forbidden(_) => "forbidden",
            CaError::NotFound(_) => "not_found",
            CaError::Conflict(_) => "conflict",
            CaError::TooLarge(_) => "too_large",
            CaError::TooManyRequests => "rate_limited",
            CaError::Unavailable(_) => "unavailable",
            CaError::Internal(_) => "internal",
        }
    }
}

impl fmt::Display for CaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaError::BadRequest(m)
            | CaError::Unauthorized(m)
            | CaError::Forbidden(m)
            | CaError::NotFound(m)
            | CaError::Conflict(m)
            | CaError::TooLarge(m)
            | CaError::Unavailable(m)
            | CaError::Internal(m) => f.write_str(m),
            CaError::TooManyRequests => f.write_str("too many requests: slow down"),
        }
    }
}

impl std::error::Error for CaError {}

/// `Result` with [`CaError`].
pub type CaResult<T> = Result<T, CaError>;

impl From<sqlx::Error> for CaError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => CaError::NotFound("no such record".into()),
            e => CaError::Unavailable(format!("storage: {e}")),
        }
    }
}

impl From<shangmi_hsm::Error> for CaError {
    fn from(e: shangmi_hsm::Error) -> Self {
        CaError::Unavailable(format!("key store: {e}"))
    }
}

/// Errors from the PKI layer on input a client sent: bad requests.
pub fn bad_input(what: &str) -> impl Fn(shangmi_pki::Error) -> CaError + '_ {
    move |e| CaError::BadRequest(format!("{what}: {e}"))
}
