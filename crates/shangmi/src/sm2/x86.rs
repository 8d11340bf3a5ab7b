//! The scalar multiplications compiled for x86-64, chosen once at run time:
//!
//! * `Adx` (BMI2, ADX and AVX2): the field
//!   arithmetic in MULX/ADCX/ADOX assembly and the table scans in AVX2
//!   (`fp_adx.rs`), everything around them the portable Rust compiled
//!   with these features;
//! * `Bmi2` (BMI2 without ADX): the portable body (`mul.rs`, everything
//!   under it `#[inline(always)]`) compiled with
//!   `target_feature(enable = "bmi2")`, so that LLVM may use MULX inside
//!   the carry chains.
//!
//! The arithmetic, and so every result, is the same; the unit tests run
//! every copy on the same inputs. The `force-portable` feature turns both
//! off. valgrind (the constant-time check) executes ADCX/ADOX but hides
//! ADX from CPUID, so the check selects the ADX kernel itself through
//! [`force`].
#![allow(unsafe_code)]

use super::fp::Portable;
use super::fp_adx::Adx;
use super::jacobian::Jacobian;
#[cfg(feature = "std")]
use super::mul::CombTable;
use core::sync::atomic::{AtomicU8, Ordering};

cpufeatures::new!(bmi2, "bmi2");
cpufeatures::new!(bmi2_adx_avx2, "bmi2", "adx", "avx2");

/// The x86-64 kernels of the scalar multiplications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// MULX/ADCX/ADOX assembly for the field, AVX2 table scans.
    Adx,
    /// The portable code compiled with BMI2.
    Bmi2,
}

/// A kernel this CPU runs. Only [`kernel`] (detection, or the override of
/// [`force`]) and, in tests, [`supported`] make one, after checking the
/// CPU features: holding a `Kernel` is what makes the dispatch below sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kernel(Kind);

impl Kernel {
    /// Which kernel.
    pub(crate) fn kind(self) -> Kind {
        self.0
    }
}

/// 0: detect; 1: the ADX kernel; 2: the BMI2 kernel; 3: portable.
static FORCED: AtomicU8 = AtomicU8::new(0);

/// The kernel this CPU runs (detected once; or the one [`force`] chose),
/// or `None` for the portable code (no BMI2, the `force-portable`
/// feature, or forced).
#[inline]
pub(crate) fn kernel() -> Option<Kernel> {
    if cfg!(feature = "force-portable") {
        return None;
    }
    match FORCED.load(Ordering::Relaxed) {
        1 => return Some(Kernel(Kind::Adx)),
        2 => return Some(Kernel(Kind::Bmi2)),
        3 => return None,
        _ => {}
    }
    if bmi2_adx_avx2::get() {
        Some(Kernel(Kind::Adx))
    } else if bmi2::get() {
        Some(Kernel(Kind::Bmi2))
    } else {
        None
    }
}

/// `kind`, when this CPU has its features: the tests run every kernel the
/// CPU has, not only the one [`kernel`] picks.
#[cfg(test)]
pub(crate) fn supported(kind: Kind) -> Option<Kernel> {
    let ok = match kind {
        Kind::Adx => bmi2_adx_avx2::get(),
        Kind::Bmi2 => bmi2::get(),
    };
    ok.then_some(Kernel(kind))
}

/// Overrides the detection: `Some("adx")`, `Some("bmi2")`,
/// `Some("portable")`, or `None` to detect again. Returns false for an
/// unknown name.
///
/// # Safety
/// The CPU (or the emulator running the program, such as valgrind) must
/// execute the chosen kernel's instructions.
pub(crate) unsafe fn force(name: Option<&str>) -> bool {
    let v = match name {
        None => 0,
        Some("adx") => 1,
        Some("bmi2") => 2,
        Some("portable") => 3,
        Some(_) => return false,
    };
    FORCED.store(v, Ordering::Relaxed);
    true
}

#[target_feature(enable = "bmi2,adx,avx2")]
fn mul_ct_adx(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    super::mul::mul_ct_impl::<Adx>(p, k)
}

#[target_feature(enable = "bmi2")]
fn mul_ct_bmi2(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    super::mul::mul_ct_impl::<Portable>(p, k)
}

#[cfg(feature = "std")]
#[target_feature(enable = "bmi2,adx,avx2")]
fn comb_adx(t: &CombTable, k: &[u64; 4]) -> Jacobian {
    super::mul::comb::<Adx>(t, k)
}

#[cfg(feature = "std")]
#[target_feature(enable = "bmi2")]
fn comb_bmi2(t: &CombTable, k: &[u64; 4]) -> Jacobian {
    super::mul::comb::<Portable>(t, k)
}

#[target_feature(enable = "bmi2,adx,avx2")]
fn mul_double_vartime_adx(s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    super::mul::mul_double_vartime_impl::<Adx>(s, t, p)
}

#[target_feature(enable = "bmi2")]
fn mul_double_vartime_bmi2(s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    super::mul::mul_double_vartime_impl::<Portable>(s, t, p)
}

/// [`super::mul::mul_ct`] with kernel `k` (from [`kernel`]).
pub(crate) fn mul_ct(k: Kernel, p: &Jacobian, s: &[u64; 4]) -> Jacobian {
    // SAFETY: a `Kernel` exists only once the CPU's features were checked
    // (`kernel`, `supported`), or the caller of `force` vouched for them.
    unsafe {
        match k.kind() {
            Kind::Adx => mul_ct_adx(p, s),
            Kind::Bmi2 => mul_ct_bmi2(p, s),
        }
    }
}

/// [`super::mul::comb`] with kernel `k` (from [`kernel`]).
#[cfg(feature = "std")]
pub(crate) fn comb(k: Kernel, t: &CombTable, s: &[u64; 4]) -> Jacobian {
    // SAFETY: as in `mul_ct`.
    unsafe {
        match k.kind() {
            Kind::Adx => comb_adx(t, s),
            Kind::Bmi2 => comb_bmi2(t, s),
        }
    }
}

/// [`super::mul::mul_double_vartime`] with kernel `k` (from [`kernel`]).
pub(crate) fn mul_double_vartime(k: Kernel, s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    // SAFETY: as in `mul_ct`.
    unsafe {
        match k.kind() {
            Kind::Adx => mul_double_vartime_adx(s, t, p),
            Kind::Bmi2 => mul_double_vartime_bmi2(s, t, p),
        }
    }
}
