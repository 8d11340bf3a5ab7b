//! `shangmi selftest`.

use crate::error::{CliResult, fail};

/// Runs the power-on self-test.
pub fn run() -> CliResult {
    shangmi::self_test().map_err(|e| fail(format!("{e}")))?;
    println!(
        "self-test passed: SM3, HMAC-SM3, SM2 KDF, SM4 and its modes, SM2 sign/verify/encrypt/decrypt/exchange, SHA-2, AES-GCM, ChaCha20-Poly1305, ECDSA, Ed25519, X25519"
    );
    Ok(())
}
