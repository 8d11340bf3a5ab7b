//! SM3, the ShangMi hash function (GB/T 32905-2016), and HMAC-SM3.
//!
//! ```
//! use shangmi::sm3;
//! let d = sm3::hash(b"abc");
//! assert_eq!(d[..4], [0x66, 0xc7, 0xf0, 0xf4]);
//!
//! // Streaming, and as a RustCrypto `Digest`.
//! let mut h = sm3::Sm3::new();
//! h.update(b"a");
//! h.update(b"bc");
//! assert_eq!(h.finalize(), d);
//! ```
//!
//! The compression function has a portable kernel and, chosen once at run
//! time, CPU-specific ones: AVX2+BMI2 on x86-64 (with an eight-lane kernel
//! for [`hash_many`]), and the SM3 instructions of ARMv8.2 (`sm3ss1`,
//! `sm3tt1a`..., FEAT_SM3) on AArch64. All are constant time; see
//! [`kernels`].

#[cfg(target_arch = "aarch64")]
mod aarch64;
mod block;
mod compress;
mod many;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(target_arch = "x86_64")]
mod x86_many;

pub use block::Sm3Core;
use digest::{FixedOutput, Update};
pub use many::hash_many;

/// SM3 digest length in bytes.
pub const OUTPUT_LEN: usize = 32;
/// SM3 block length in bytes.
pub const BLOCK_LEN: usize = 64;

digest::buffer_fixed!(
    /// Streaming SM3 hasher. Implements the RustCrypto `digest` traits
    /// (`Digest`, `Update`, `FixedOutput`, ...), so it drops into code
    /// generic over a hash, such as `hmac::Hmac<Sm3>`.
    pub struct Sm3(Sm3Core);
    impl: BaseFixedTraits AlgorithmName Default Clone HashMarker Reset FixedOutputReset;
);

impl Sm3 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        Update::update(self, data);
    }

    /// Returns the digest.
    pub fn finalize(self) -> [u8; OUTPUT_LEN] {
        FixedOutput::finalize_fixed(self).into()
    }
}

/// Names the SM3 kernels chosen on this CPU (once, at run time): the one for
/// a single message ([`hash`], [`Sm3`], HMAC-SM3, the KDFs) and the one for
/// [`hash_many`]: `("avx2-bmi2", "avx2-x8")` on x86-64 with AVX2 and BMI2,
/// `("avx512-bmi2", "avx2-x8")` with AVX-512VL too,
/// `("sm3-insn", "sm3-insn")` on AArch64 with the SM3 instructions (there
/// [`hash_many`] hashes one message after the other with them),
/// `("portable", "portable")` elsewhere or with the `force-portable`
/// feature. For benchmark reports and the constant-time check.
pub fn kernels() -> (&'static str, &'static str) {
    #[cfg(target_arch = "x86_64")]
    {
        let one = match x86::kernel().map(x86::Kernel::kind) {
            Some(x86::Kind::Avx512) => "avx512-bmi2",
            Some(x86::Kind::Avx2) => "avx2-bmi2",
            None => "portable",
        };
        let many = if x86_many::available() {
            "avx2-x8"
        } else {
            "portable"
        };
        (one, many)
    }
    #[cfg(target_arch = "aarch64")]
    {
        if aarch64::available() {
            ("sm3-insn", "sm3-insn")
        } else {
            ("portable", "portable")
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    ("portable", "portable")
}

/// SM3 of `data` in one call.
pub fn hash(data: &[u8]) -> [u8; OUTPUT_LEN] {
    let mut h = Sm3::new();
    h.update(data);
    h.finalize()
}

/// HMAC-SM3 (RFC 2104 with SM3); zeroizes its key state on drop.
pub type HmacSm3 = hmac::Hmac<Sm3>;

/// HMAC-SM3 of `msg` under `key`, in one call. Any key length is accepted.
pub fn hmac(key: &[u8], msg: &[u8]) -> [u8; OUTPUT_LEN] {
    use digest::{KeyInit, Mac};
    use zeroize::Zeroize;
    // RFC 2104 key preparation: a key longer than the block is hashed, and
    // the result is zero-padded to the block; the infallible constructor
    // then takes it as is.
    let mut block = [0u8; BLOCK_LEN];
    if key.len() > BLOCK_LEN {
        block[..OUTPUT_LEN].copy_from_slice(&hash(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut m = <HmacSm3 as KeyInit>::new(&block.into());
    block.zeroize();
    Mac::update(&mut m, msg);
    m.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests;
