//! Algorithms as values: one API shape over the SM and the standard
//! families, so a profile can say "SM2 with SM3" or "ECDSA P-256 with
//! SHA-256" as data, without code paths multiplying.
//!
//! Each family is a small `Copy` enum ([`HashAlgorithm`], [`MacAlgorithm`],
//! [`AeadAlgorithm`], [`SignatureAlgorithm`], [`AgreementAlgorithm`]); its
//! methods give the sizes and run the algorithm. Enums rather than trait
//! objects: the set is closed, matching is exhaustive, and nothing needs a
//! heap. The standard algorithms come from the RustCrypto and dalek crates;
//! the SM algorithms from this crate.

mod aead;
mod agreement;
mod hash;
mod mac;
mod signature;

pub use self::aead::{AeadAlgorithm, NONCE_LEN, TAG_LEN};
pub use agreement::{AgreementAlgorithm, AgreementKey, SharedSecret};
pub use hash::{HashAlgorithm, Hasher, MAX_OUTPUT_LEN};
pub use mac::MacAlgorithm;
pub use signature::{
    MAX_SIGNATURE_LEN, PrivateKey, PublicKey, SignatureAlgorithm, SignatureEncoding,
};
