//! The one error type of the PKI crate.

use std::fmt;

/// What went wrong. Every fallible function of the crate returns it; no
/// input, however malformed, makes the crate panic.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A primitive failed (bad key, RNG failure, ...).
    Crypto(shangmi::Error),
    /// An input was not well formed; the message names the structure and why.
    Malformed(String),
    /// An argument or a request was not acceptable (a bad subject string,
    /// a validity that ends before it starts, ...).
    Invalid(String),
    /// An algorithm, extension or form that this crate does not handle.
    Unsupported(String),
    /// A signature on an X.509 object did not verify; the message says on
    /// what, and for SM2 what the likely cause is.
    BadSignature(String),
    /// The issuance linter refused the certificate; each finding is listed.
    Lint(Vec<crate::lint::Finding>),
    /// Path validation failed; the error names the certificate and why.
    Validation(crate::path::ValidationError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Crypto(e) => write!(f, "{e}"),
            Error::Malformed(m) => write!(f, "malformed input: {m}"),
            Error::Invalid(m) => write!(f, "{m}"),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::BadSignature(m) => write!(f, "{m}"),
            Error::Lint(findings) => {
                f.write_str("the issuance linter refused the certificate:")?;
                for x in findings
                    .iter()
                    .filter(|x| x.severity == crate::lint::Severity::Error)
                {
                    write!(f, " [{}] {};", x.code, x.message)?;
                }
                Ok(())
            }
            Error::Validation(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<shangmi::Error> for Error {
    fn from(e: shangmi::Error) -> Self {
        Error::Crypto(e)
    }
}

/// Maps a DER error while decoding `what` to [`Error::Malformed`].
pub(crate) fn malformed(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| Error::Malformed(format!("{what}: {e}"))
}

/// Maps a DER error while encoding `what` to [`Error::Invalid`].
pub(crate) fn encoding(what: &str) -> impl Fn(der::Error) -> Error + '_ {
    move |e| Error::Invalid(format!("cannot encode {what}: {e}"))
}
