//! GHASH, the universal hash of GCM (NIST SP 800-38D), constant time.
//!
//! [`GHash`] absorbs 16-byte blocks under a hash key `H` (in GCM, the
//! encryption of the zero block). Kernels, chosen once per CPU:
//!
//! * portable: 64-bit carry-less products from integer multiplications
//!   with holes (no table, no secret-dependent address or branch);
//! * x86-64: PCLMULQDQ, and AVX2 + VPCLMULQDQ (two blocks per
//!   instruction), eight blocks per reduction;
//! * AArch64: PMULL, eight blocks per reduction.
//!
//! GHASH multiplies in GF(2^128) with the bits of each byte reflected.
//! Every kernel works in the POLYVAL representation instead (RFC 8452,
//! Appendix A): a GHASH block read as a big-endian number is a POLYVAL
//! element, `GHASH(H, X) = POLYVAL(H * x, X)` with the results read the same
//! way, and POLYVAL's product `a * b * x^-128` reduces with two
//! multiplications by a constant (a Montgomery reduction). The unit tests
//! check every kernel against the portable one and against RustCrypto's
//! `ghash` crate.
//!
//! ```
//! use shangmi::ghash::GHash;
//! let mut g = GHash::new(&[0x42; 16]);
//! g.update(&[[1; 16], [2; 16]]);
//! g.update_padded(b"a short tail");
//! let tag: [u8; 16] = g.finalize();
//! # let _ = tag;
//! ```

#[cfg(target_arch = "aarch64")]
mod aarch64;
mod soft;
#[cfg(target_arch = "x86_64")]
mod x86;

use zeroize::Zeroize;

/// GHASH block length in bytes.
pub const BLOCK_LEN: usize = 16;

/// The GHASH kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// Integer multiplications with holes: any CPU.
    Portable,
    /// PCLMULQDQ.
    #[cfg(target_arch = "x86_64")]
    Pclmul,
    /// AVX2 and VPCLMULQDQ.
    #[cfg(target_arch = "x86_64")]
    Vpclmul,
    /// PMULL.
    #[cfg(target_arch = "aarch64")]
    Pmull,
}

impl Kernel {
    /// Every kernel of this architecture, fastest first.
    pub(crate) const ALL: &'static [Kernel] = &[
        #[cfg(target_arch = "x86_64")]
        Kernel::Vpclmul,
        #[cfg(target_arch = "x86_64")]
        Kernel::Pclmul,
        #[cfg(target_arch = "aarch64")]
        Kernel::Pmull,
        Kernel::Portable,
    ];

    /// Whether this CPU runs the kernel (never, for the CPU-specific ones,
    /// with the `force-portable` feature).
    pub(crate) fn is_available(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Pclmul => x86::pclmul_available(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Vpclmul => x86::vpclmul_available(),
            #[cfg(target_arch = "aarch64")]
            Kernel::Pmull => aarch64::available(),
        }
    }

    /// The fastest kernel this CPU runs.
    pub(crate) fn selected() -> Kernel {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.is_available())
            .unwrap_or(Kernel::Portable)
    }

    fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable (ctmul)",
            #[cfg(target_arch = "x86_64")]
            Kernel::Pclmul => "PCLMULQDQ",
            #[cfg(target_arch = "x86_64")]
            Kernel::Vpclmul => "AVX2+VPCLMULQDQ",
            #[cfg(target_arch = "aarch64")]
            Kernel::Pmull => "PMULL",
        }
    }
}

/// The name of the GHASH kernel this CPU runs (for reports such as
/// `shangmi speed`): `"AVX2+VPCLMULQDQ"`, `"PCLMULQDQ"`, `"PMULL"` or
/// `"portable (ctmul)"`.
pub fn kernel_name() -> &'static str {
    Kernel::selected().name()
}

/// A GHASH computation in progress under one key.
///
/// Cloning copies the key powers and the state (GCM keeps one with an
/// empty state per key and clones it per message). The key powers and the
/// state are zeroized on drop; `Debug` shows neither.
#[derive(Clone)]
pub struct GHash {
    /// `H^8, H^7, ..., H^1` in the POLYVAL representation (only the last
    /// is used by the portable kernel, and only it is computed then).
    powers: [u128; 8],
    /// The running value, in the POLYVAL representation.
    acc: u128,
    kernel: Kernel,
}

impl GHash {
    /// A GHASH with key `h` on the kernel this CPU selects.
    pub fn new(h: &[u8; BLOCK_LEN]) -> Self {
        Self::with_kernel(h, Kernel::selected())
    }

    /// A GHASH with key `h` on `kernel` (the portable one when `kernel` is
    /// not available).
    pub(crate) fn with_kernel(h: &[u8; BLOCK_LEN], kernel: Kernel) -> Self {
        let kernel = if kernel.is_available() {
            kernel
        } else {
            Kernel::Portable
        };
        // H * x in the POLYVAL representation, in constant time.
        let h = u128::from_be_bytes(*h);
        let carry = 0u128.wrapping_sub(h >> 127);
        let h1 = (h << 1) ^ (carry & 0xc200_0000_0000_0000_0000_0000_0000_0001);
        let mut powers = [0u128; 8];
        powers[7] = h1;
        if kernel != Kernel::Portable {
            for i in (0..7).rev() {
                powers[i] = soft::mul(powers[i + 1], h1);
            }
        }
        Self {
            powers,
            acc: 0,
            kernel,
        }
    }

    /// Absorbs whole blocks.
    pub fn update(&mut self, blocks: &[[u8; BLOCK_LEN]]) {
        match self.kernel {
            #[cfg(target_arch = "x86_64")]
            Kernel::Vpclmul => {
                // SAFETY: the kernel was available when chosen in `new`.
                #[allow(unsafe_code)]
                unsafe {
                    x86::update_vpclmul(&self.powers, &mut self.acc, blocks)
                }
            }
            #[cfg(target_arch = "x86_64")]
            Kernel::Pclmul => {
                // SAFETY: as above.
                #[allow(unsafe_code)]
                unsafe {
                    x86::update_pclmul(&self.powers, &mut self.acc, blocks)
                }
            }
            #[cfg(target_arch = "aarch64")]
            Kernel::Pmull => {
                // SAFETY: as above.
                #[allow(unsafe_code)]
                unsafe {
                    aarch64::update(&self.powers, &mut self.acc, blocks)
                }
            }
            Kernel::Portable => soft::update(self.powers[7], &mut self.acc, blocks),
        }
    }

    /// Absorbs `data`, the last partial block padded with zeros.
    pub fn update_padded(&mut self, data: &[u8]) {
        let (blocks, tail) = data.as_chunks::<BLOCK_LEN>();
        self.update(blocks);
        if !tail.is_empty() {
            let mut last = [0u8; BLOCK_LEN];
            last[..tail.len()].copy_from_slice(tail);
            self.update(core::slice::from_ref(&last));
            last.zeroize();
        }
    }

    /// The GHASH value of everything absorbed so far.
    pub fn finalize(&self) -> [u8; BLOCK_LEN] {
        self.acc.to_be_bytes()
    }
}

impl Drop for GHash {
    fn drop(&mut self) {
        self.powers.zeroize();
        self.acc.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for GHash {}

impl core::fmt::Debug for GHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "GHash {{ kernel: {:?}, .. }}", self.kernel)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testvec::test_bytes;
    use ::ghash::universal_hash::UniversalHash;
    use std::vec::Vec;

    fn kernels() -> Vec<Kernel> {
        Kernel::ALL
            .iter()
            .copied()
            .filter(|k| k.is_available())
            .collect()
    }

    fn theirs(h: &[u8; 16], data: &[u8]) -> [u8; 16] {
        let mut g = ::ghash::GHash::new(&(*h).into());
        g.update_padded(data);
        g.finalize().into()
    }

    /// Every kernel agrees with the portable one and with RustCrypto's
    /// `ghash` on random keys and messages of 0 to 40 blocks (every tail
    /// of the 8-block steps) plus partial blocks, absorbed in one call and
    /// in two pieces.
    #[test]
    fn every_kernel_matches_portable_and_rustcrypto() {
        let ks = kernels();
        std::eprintln!(
            "GHASH kernels on this CPU: {ks:?} (selected: {})",
            kernel_name()
        );
        for len in (0..=40 * 16).step_by(5).chain([16, 128, 129, 640]) {
            let key: [u8; 16] = test_bytes(len as u64, 16).try_into().unwrap();
            let data = test_bytes(5000 + len as u64, len);
            let want = theirs(&key, &data);
            for &k in &ks {
                let mut g = GHash::with_kernel(&key, k);
                assert_eq!(g.kernel, k);
                g.update_padded(&data);
                assert_eq!(g.finalize(), want, "{k:?} len={len}");
                // Whole blocks in two calls split at every 3rd block.
                let (blocks, tail) = data.as_chunks::<16>();
                let cut = blocks.len() / 3;
                let mut g = GHash::with_kernel(&key, k);
                g.update(&blocks[..cut]);
                g.update(&blocks[cut..]);
                g.update_padded(tail);
                assert_eq!(g.finalize(), want, "{k:?} len={len} in pieces");
            }
        }
    }

    /// Keys with the top bit set and clear (the conditional reduction of
    /// `H * x`), and the all-ones key and data.
    #[test]
    fn edge_keys() {
        for key in [[0u8; 16], [0xff; 16], [0x80; 16], [1; 16], {
            let mut k = [0u8; 16];
            k[15] = 1;
            k
        }] {
            let data = [0xffu8; 200];
            let want = theirs(&key, &data);
            for k in kernels() {
                let mut g = GHash::with_kernel(&key, k);
                g.update_padded(&data);
                assert_eq!(g.finalize(), want, "{k:?} key={key:02x?}");
            }
        }
    }

    #[test]
    fn debug_hides_state() {
        let s = std::format!("{:?}", GHash::new(&[9; 16]));
        assert!(s.starts_with("GHash { kernel:"), "{s}");
        assert!(!s.contains("powers"));
    }
}
