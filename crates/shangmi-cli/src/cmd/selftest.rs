//! `shangmi selftest`.

use crate::error::{CliResult, fail};

/// Runs the power-on self-test.
pub fn run() -> CliResult {
    shangmi::self_test().map_err(|e| fail(format!("{e}")))?;
    println!(
        "self-test passed: SM3, HMAC-SM3, SM2 KDF, SM4, SM4-GCM, SM4-CCM, \
         SM2 sign/verify/encrypt/decrypt/key exchange, SHA-256, AES-GCM, \
         ChaCha20-Poly1305, ECDSA P-256/P-384, Ed25519, ECDH (SM2, X25519, P-256, P-384)"
    );
    Ok(())
}
