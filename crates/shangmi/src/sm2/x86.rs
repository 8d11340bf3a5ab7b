//! The scalar multiplications compiled for x86-64 CPUs with BMI2, chosen
//! once at run time.
//!
//! Nothing here is hand-written: each function is the portable body from
//! `mul.rs` (everything under it is `#[inline(always)]`), compiled with
//! `target_feature(enable = "bmi2")`, so that LLVM may use MULX (a
//! multiplication that leaves the flags alone, with free choice of
//! registers) inside the carry chains of the field arithmetic: about 11%
//! fewer instructions, 2-4% faster scalar multiplications on Zen 4. The
//! arithmetic, and so every result, is the same; the unit tests run both
//! copies on the same inputs. ADX is not enabled: LLVM emits no ADCX/ADOX
//! for this code anyway, and valgrind (the constant-time check) does not
//! report ADX, so a BMI2+ADX copy would go unchecked. The `force-portable`
//! feature turns this off.
#![allow(unsafe_code)]

use super::jacobian::Jacobian;
#[cfg(feature = "std")]
use super::mul::CombTable;

cpufeatures::new!(bmi2, "bmi2");

/// Whether this CPU has BMI2 (detected once) and the portable kernels are
/// not forced.
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && bmi2::get()
}

#[target_feature(enable = "bmi2")]
fn mul_ct_bmi2(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    super::mul::mul_ct_impl(p, k)
}

#[cfg(feature = "std")]
#[target_feature(enable = "bmi2")]
fn comb_bmi2(t: &CombTable, k: &[u64; 4]) -> Jacobian {
    super::mul::comb(t, k)
}

#[target_feature(enable = "bmi2")]
fn mul_double_vartime_bmi2(s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    super::mul::mul_double_vartime_impl(s, t, p)
}

/// [`super::mul::mul_ct`] with BMI2; call only when [`available`].
pub(crate) fn mul_ct(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    debug_assert!(bmi2::get());
    // SAFETY: callers check `available()`, so the CPU has BMI2.
    unsafe { mul_ct_bmi2(p, k) }
}

/// [`super::mul::comb`] with BMI2; call only when [`available`].
#[cfg(feature = "std")]
pub(crate) fn comb(t: &CombTable, k: &[u64; 4]) -> Jacobian {
    debug_assert!(bmi2::get());
    // SAFETY: callers check `available()`, so the CPU has BMI2.
    unsafe { comb_bmi2(t, k) }
}

/// [`super::mul::mul_double_vartime`] with BMI2; call only when
/// [`available`].
pub(crate) fn mul_double_vartime(s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    debug_assert!(bmi2::get());
    // SAFETY: callers check `available()`, so the CPU has BMI2.
    unsafe { mul_double_vartime_bmi2(s, t, p) }
}
