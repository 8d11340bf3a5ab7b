//! x86-64 CPU features that `cpufeatures` 0.3 gets wrong for our use.
//!
//! `cpufeatures` files VAES, VPCLMULQDQ and GFNI under the AVX-512 register
//! state, so on CPUs that have them without AVX-512 (Zen 3, Alder Lake) it
//! reports them absent. Their 256-bit (VEX) forms need only the AVX state:
//! this module checks AVX2 through `cpufeatures` (which verifies the OS
//! saves the ymm registers) and reads the CPUID bits itself, once.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU64, Ordering};

cpufeatures::new!(avx2, "avx2");

/// CPUID leaf 7 ECX, with bit 32 set once read (0: not read yet).
static LEAF7_ECX: AtomicU64 = AtomicU64::new(0);
const READ: u64 = 1 << 32;

fn leaf7_ecx() -> u32 {
    let v = LEAF7_ECX.load(Ordering::Relaxed);
    if v & READ != 0 {
        return v as u32;
    }
    // SAFETY: CPUID exists on every x86-64 CPU, and callers ask only after
    // `cpufeatures` found AVX2, itself a leaf-7 bit, so leaf 7 exists.
    // (`__cpuid_count` is a safe function in newer Rust.)
    #[allow(unused_unsafe)]
    let ecx = unsafe { core::arch::x86_64::__cpuid_count(7, 0) }.ecx;
    LEAF7_ECX.store(READ | u64::from(ecx), Ordering::Relaxed);
    ecx
}

/// AVX2 (with the ymm state saved by the OS) and VAES.
pub(crate) fn avx2_vaes() -> bool {
    avx2::get() && leaf7_ecx() & (1 << 9) != 0
}

/// AVX2 (with the ymm state saved by the OS) and VPCLMULQDQ.
pub(crate) fn avx2_vpclmulqdq() -> bool {
    avx2::get() && leaf7_ecx() & (1 << 10) != 0
}
