//! SM2 public-key cryptography (GB/T 32918) on the recommended curve
//! sm2p256v1: key pairs, signatures with a distinguishing ID, encryption in
//! every encoding, key exchange and ECDH.
//!
//! Every operation on a secret (the private key, a nonce, an ephemeral key)
//! runs in constant time: field arithmetic without data-dependent carries or
//! branches, inversion by fixed-length safegcd, point additions whose
//! exceptional cases are masked selections, and fixed-window scalar
//! multiplication (a comb over a precomputed table of G for k * G) whose
//! table entries are chosen by a masked scan. Only verification, and the
//! public half of the key exchange, use variable-time code (wNAF), on
//! public values alone. [`verify_batch`] checks many signatures at once.
//!
//! On sm2p256v1 the field arithmetic is specialised for the form of p
//! (p = -1 mod 2^64) and the points are Jacobian; on x86-64 CPUs with
//! BMI2, ADX and AVX2 the field arithmetic runs in MULX/ADCX/ADOX assembly
//! (with BMI2 alone, the portable code compiled for it), chosen at run time
//! ([`kernel_name`]; the `force-portable` feature disables it). Every such
//! kernel is tested against the portable one and the generic
//! implementation, which other curves use.
//!
//! ```
//! use shangmi::sm2::{self, SecretKey, CiphertextFormat, DEFAULT_ID};
//! use shangmi::rng::OsRng;
//! let key = SecretKey::random(&mut OsRng).unwrap();
//! let sig = sm2::sign(&key, DEFAULT_ID, b"firmware image", &mut OsRng).unwrap();
//! sm2::verify(&key.public_key(), DEFAULT_ID, b"firmware image", &sig).unwrap();
//!
//! let ct = sm2::encrypt(&key.public_key(), b"session key", CiphertextFormat::Der, &mut OsRng).unwrap();
//! assert_eq!(&sm2::decrypt(&key, &ct, CiphertextFormat::Der).unwrap()[..], b"session key");
//! ```

mod curve;
mod der;
pub(crate) mod encrypt;
mod exchange;
mod field;
mod fp;
#[cfg(target_arch = "x86_64")]
mod fp_adx;
mod jacobian;
mod keys;
mod mul;
mod point;
mod safegcd;
pub(crate) mod sign;
mod signature;
mod traits;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use encrypt::{
    Ciphertext, CiphertextFormat, Order, PointPrefix, ciphertext_len, convert_ciphertext,
    decrypt_into, encrypt_into,
};
#[cfg(feature = "alloc")]
pub use encrypt::{convert, decrypt, encrypt};
pub use exchange::{Confirmation, KeyExchange, Role, SharedSecret, ecdh};
pub use keys::{PointFormat, PublicKey, SecretKey};
pub use sign::{
    DEFAULT_ID, TLS13_ID, compute_e, compute_z, sign, sign_digest, verify, verify_batch,
    verify_digest,
};
pub use signature::{DerSignature, MAX_DER_LEN, Signature};
pub use traits::{SigningKey, VerifyingKey};

/// The OID of the SM2 curve, 1.2.156.10197.1.301.
pub const CURVE_OID: &str = "1.2.156.10197.1.301";

/// The name of the scalar-multiplication code this CPU runs (for reports
/// such as `shangmi speed`): `"MULX/ADX"` on x86-64 with BMI2, ADX and AVX2
/// (the field arithmetic in assembly), `"BMI2"` on x86-64 with BMI2 alone
/// (the portable arithmetic compiled with MULX), `"portable"` elsewhere or
/// with the `force-portable` feature.
pub fn kernel_name() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    match x86::kernel().map(x86::Kernel::kind) {
        Some(x86::Kind::Adx) => return "MULX/ADX",
        Some(x86::Kind::Bmi2) => return "BMI2",
        None => {}
    }
    "portable"
}

/// Overrides the run-time choice of the SM2 kernel: `Some("adx")`,
/// `Some("bmi2")` or `Some("portable")` (x86-64), `None` to detect again.
/// Returns false when the name is unknown or there is no such kernel in
/// this build (another architecture, or the `force-portable` feature). For the constant-time check, which runs under
/// valgrind: valgrind executes ADCX/ADOX but hides ADX from CPUID, so the
/// ADX kernel would otherwise go unchecked.
///
/// # Safety
/// The CPU, or the emulator running the program, must execute the chosen
/// kernel's instructions (BMI2, and ADX and AVX2 for `"adx"`).
#[doc(hidden)]
#[allow(unsafe_code)]
pub unsafe fn force_kernel(name: Option<&str>) -> bool {
    if cfg!(feature = "force-portable") {
        // Only the portable code is compiled in.
        return matches!(name, None | Some("portable"));
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: the caller vouches for the instructions.
        unsafe { x86::force(name) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        matches!(name, None | Some("portable"))
    }
}

#[cfg(test)]
mod tests;
