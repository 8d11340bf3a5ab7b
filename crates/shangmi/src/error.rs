//! The one error type of the crate.

use core::fmt;

/// What went wrong. Every fallible function in this crate returns it; no
/// input, however malformed, makes the crate panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// An input had the wrong length; `what` names it.
    Length {
        /// The input that had the wrong length.
        what: &'static str,
    },
    /// An input was not well formed (DER, PEM, point or ciphertext encoding).
    Encoding {
        /// The structure that failed to parse.
        what: &'static str,
    },
    /// A key was out of range or otherwise unusable (for SM2: zero, or at
    /// least n - 1).
    InvalidKey,
    /// A point was not on the curve, was the point at infinity, or was not in
    /// the prime-order subgroup.
    InvalidPoint,
    /// A signature did not verify.
    BadSignature,
    /// Decryption failed: an authentication tag, the SM2 C3 hash, or the
    /// padding did not check out, or a passphrase was wrong.
    DecryptFailed,
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// The number of bytes the output needs.
        needed: usize,
    },
    /// The random number generator failed.
    Rng,
    /// An algorithm, format or parameter is not supported; `what` names it.
    Unsupported {
        /// The algorithm, format or parameter.
        what: &'static str,
    },
    /// A power-on self-test failed; `what` names the algorithm.
    SelfTest {
        /// The algorithm whose known-answer test failed.
        what: &'static str,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Length { what } => write!(f, "wrong length: {what}"),
            Error::Encoding { what } => write!(f, "malformed encoding: {what}"),
            Error::InvalidKey => f.write_str("invalid key"),
            Error::InvalidPoint => f.write_str("invalid point: not on the curve or at infinity"),
            Error::BadSignature => f.write_str("signature verification failed"),
            Error::DecryptFailed => {
                f.write_str("decryption failed: authentication tag, hash or padding mismatch")
            }
            Error::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Error::Rng => f.write_str("random number generator failed"),
            Error::Unsupported { what } => write!(f, "unsupported: {what}"),
            Error::SelfTest { what } => write!(f, "self-test failed: {what}"),
        }
    }
}

impl core::error::Error for Error {}
