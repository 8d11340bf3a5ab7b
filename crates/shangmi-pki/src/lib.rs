//! # shangmi-pki: X.509 for SM2 and standard keys
//!
//! Certificates, certification requests (PKCS#10), CRLs, OCSP, CMS and
//! RFC 5280 path validation for SM2-with-SM3 (GM/T 0015) and for ECDSA
//! P-256/P-384 with SHA-2 and Ed25519, built on the RustCrypto formats
//! crates (`der`, `spki`, `x509-cert`, `cms`) and the `shangmi` primitives.
//!
//! * Every signature goes through one trait, [`Signer`]: a key in memory
//!   ([`SoftwareKey`]) today, an HSM key behind the same trait.
//! * Certificates are built from [`Profile`]s (data, not code paths) and
//!   checked by the issuance [`lint`]er before they are signed.
//! * SM2 objects are written per GM/T 0015: id-ecPublicKey with the sm2
//!   curve, sm2sign-with-sm3 without parameters, and signatures with the
//!   ID 1234567812345678. NULL parameters and the sm2 OID in the SPKI
//!   algorithm field are read, never written.
//! * Bad input is an [`Error`], never a panic.
//!
//! ```
//! use shangmi_pki::{CertificateBuilder, Issuer, Profile, SoftwareKey, Signer, name, alg};
//! use shangmi::alg::SignatureAlgorithm;
//!
//! let ca_key = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3)?;
//! let ca = CertificateBuilder::new(
//!     Profile::named("root-ca")?,
//!     name::parse_name("CN=Acme Root,O=Acme,C=CN")?,
//!     alg::spki_of(&ca_key.public_key())?,
//! )
//! .sign(Issuer::SelfSigned, &ca_key)?;
//!
//! let dev_key = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3)?;
//! let dev = CertificateBuilder::new(
//!     Profile::named("device")?,
//!     name::parse_name("CN=dev-0001,O=Acme")?,
//!     alg::spki_of(&dev_key.public_key())?,
//! )
//! .subject_alt_names(name::parse_general_names("URI:urn:dev:0001")?)
//! .sign(Issuer::Ca(&ca), &ca_key)?;
//! dev.verify_signed_by(&ca.public_key()?)?;
//! # Ok::<(), shangmi_pki::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alg;
pub mod builder;
pub mod cert;
pub mod cms;
pub mod crl;
pub mod csr;
pub mod envelope;
mod error;
pub mod ext;
pub mod lint;
pub mod name;
pub mod ocsp;
pub mod oid;
pub mod path;
pub mod pem;
pub mod profile;
pub mod signer;
pub mod text;
pub mod time;

pub use builder::{CertificateBuilder, Issuer};
pub use cert::Certificate;
pub use crl::{Crl, CrlBuilder};
pub use csr::{Csr, CsrBuilder};
pub use error::{Error, Result};
pub use profile::Profile;
pub use signer::{Signer, SoftwareKey};

// The format crates, re-exported so users name the same versions.
pub use der;
pub use spki;
pub use x509_cert;
