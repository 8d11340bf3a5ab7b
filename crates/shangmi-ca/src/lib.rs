//! # shangmi-ca: the device-issuing CA
//!
//! A provisioning service for terminals, gateways and platforms: EST
//! enrollment (RFC 7030, RFC 8951) with bootstrap tokens, manufacturer
//! certificates, re-enrollment over mutual TLS and HTTP Basic; revocation
//! with CRLs and an OCSP responder; a tamper-evident audit log; an admin
//! API with roles; storage in embedded SQLite or shared PostgreSQL.
//!
//! * [`authority`]: the core that decides; front ends only parse and
//!   authenticate.
//! * [`store`]: one storage trait, two implementations.
//! * [`server`]: the HTTPS (EST, admin) and HTTP (CRL, OCSP) listeners.
//! * [`home`]: the CA home on disk, `init` and `open`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod authority;
pub mod client;
pub mod config;
pub mod error;
pub mod home;
pub mod metrics;
pub mod password;
pub mod policy;
pub mod server;
pub mod store;
pub mod tls;

pub use error::{CaError, CaResult};
use shangmi::alg::SignatureAlgorithm;

/// A key algorithm by its configuration name.
pub fn algorithm(name: &str) -> CaResult<SignatureAlgorithm> {
    match name {
        "sm2" => Ok(SignatureAlgorithm::Sm2Sm3),
        "p256" => Ok(SignatureAlgorithm::EcdsaP256Sha256),
        "p384" => Ok(SignatureAlgorithm::EcdsaP384Sha384),
        "ed25519" => Ok(SignatureAlgorithm::Ed25519),
        other => Err(CaError::BadRequest(format!(
            "unknown key algorithm {other:?} (sm2, p256, p384, ed25519)"
        ))),
    }
}
