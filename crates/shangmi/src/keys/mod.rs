//! Key formats: PKCS#8 (plain and encrypted), SEC1, SubjectPublicKeyInfo
//! and PEM, for SM2, ECDSA P-256/P-384 and Ed25519 keys.
//!
//! SM2 keys are written the canonical way (algorithm id-ecPublicKey with the
//! named curve sm2p256v1, 1.2.156.10197.1.301). On input the sm2 OID is also
//! accepted in the algorithm field itself, as OpenSSL 3.1 wrote it.
//! Encrypted PKCS#8 is written as GmSSL writes it (PBES2: PBKDF2 with
//! HMAC-SM3, SM4-CBC); PBES2 with HMAC-SHA-1/-256/-384/-512 and AES-CBC,
//! as OpenSSL writes it, is read too.
//!
//! [`PrivateKey`](crate::alg::PrivateKey) and
//! [`PublicKey`](crate::alg::PublicKey) carry the entry points
//! (`from_pem`, `from_der`, `to_pkcs8_pem`, `to_spki_pem`, ...), and the
//! RustCrypto `pkcs8`/`spki` traits are implemented on the SM2 key types.

mod encrypted;
pub(crate) mod oids;
mod pkcs8;
mod spki;

pub use encrypted::DEFAULT_ITERATIONS;

#[cfg(test)]
mod tests;

/// PEM labels this crate reads and writes.
pub mod label {
    /// PKCS#8 private key.
    pub const PRIVATE_KEY: &str = "PRIVATE KEY";
    /// Encrypted PKCS#8 private key.
    pub const ENCRYPTED_PRIVATE_KEY: &str = "ENCRYPTED PRIVATE KEY";
    /// SEC1 EC private key.
    pub const EC_PRIVATE_KEY: &str = "EC PRIVATE KEY";
    /// SubjectPublicKeyInfo.
    pub const PUBLIC_KEY: &str = "PUBLIC KEY";
}

use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use zeroize::Zeroizing;

/// Decodes PEM text; returns the label and the DER bytes (zeroized on drop).
pub fn pem_decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let (label, der) = pem_rfc7468::decode_vec(text.trim().as_bytes())
        .map_err(|_| Error::Encoding { what: "PEM" })?;
    Ok((String::from(label), Zeroizing::new(der)))
}

/// Encodes DER as PEM with `label` (LF line endings).
pub fn pem_encode(label: &str, der: &[u8]) -> Result<String> {
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der)
        .map_err(|_| Error::Encoding { what: "PEM" })
}

fn der_err(_: der::Error) -> Error {
    Error::Encoding { what: "DER" }
}
