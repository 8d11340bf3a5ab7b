//! Object identifiers used by the key formats.

use der::asn1::ObjectIdentifier as Oid;

/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// sm2p256v1 (GB/T 33560).
pub const SM2: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// NIST P-256 (prime256v1).
pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// NIST P-384 (secp384r1).
pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
/// Ed25519.
pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
/// PBES2.
pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
/// PBKDF2.
pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
/// HMAC-SHA-1 (the PBKDF2 default PRF).
pub const HMAC_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
/// HMAC-SHA-256.
pub const HMAC_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.2.9");
/// HMAC-SHA-384.
pub const HMAC_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.2.10");
/// HMAC-SHA-512.
pub const HMAC_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.2.11");
/// HMAC-SM3, as GmSSL writes it.
pub const HMAC_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401.2");
/// SM4-CBC.
pub const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");
/// AES-128-CBC.
pub const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
/// AES-192-CBC.
pub const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
/// AES-256-CBC.
pub const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
