//! # shangmi: SM2, SM3, SM4 and the standard algorithms
//!
//! The core crate of the shangmi toolkit: the Chinese commercial cryptography
//! ("ShangMi") algorithms beside the standard ones, written to run the same on
//! a Cortex-M device, a Linux gateway, a server and in the browser.
//!
//! * [`sm3`]: the SM3 hash (GB/T 32905), HMAC-SM3, and the KDFs in [`kdf`].
//! * [`sm4`]: the SM4 block cipher (GB/T 32907) and its modes of operation.
//! * [`ghash`]: GHASH, the universal hash of GCM.
//! * [`sm2`]: SM2 public-key cryptography (GB/T 32918): signatures,
//!   encryption, key exchange, and ECDH on the recommended curve.
//! * [`alg`]: algorithms as values: one API shape for hashes, MACs, AEADs,
//!   signatures and key agreement, over the SM and the standard families.
//! * [`keys`]: key formats: SEC1, PKCS#8 (plain and encrypted), SPKI and PEM.
//! * [`self_test()`]: the power-on known-answer tests.
//!
//! ## Rules this crate keeps
//!
//! * `no_std`; no primitive needs a heap. The `alloc` feature adds
//!   conveniences returning `Vec`, `std` adds `std::error::Error`.
//! * No branch and no memory address depends on a secret; comparisons of
//!   secrets use [`subtle`]. Secret keys are zeroized on drop and their
//!   `Debug` output never shows them.
//! * Bad input is an [`Error`], never a panic.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod alg;
#[cfg(target_arch = "x86_64")]
mod cpu;
mod ct;
mod error;
pub mod ghash;
pub mod kdf;
#[cfg(feature = "alloc")]
pub mod keys;
pub mod rng;
mod selftest;
pub mod sm2;
pub mod sm3;
pub mod sm4;
#[cfg(test)]
pub(crate) mod testvec;

pub use error::{Error, Result};
pub use selftest::self_test;

// Re-exported so users name the same trait versions this crate implements.
pub use aead;
pub use cipher;
pub use digest;
pub use rand_core;
pub use signature;
