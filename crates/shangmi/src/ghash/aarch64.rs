//! GHASH on AArch64 with PMULL, constant time: the x86 PCLMULQDQ kernel's
//! method (eight blocks times `H^8, ..., H^1`, summed unreduced, one
//! Montgomery reduction by `x^63 + x^62 + x^57`).
#![allow(unsafe_code)]

use core::arch::aarch64::*;

// On Linux this reads AT_HWCAP: "aes" means AES and PMULL.
cpufeatures::new!(pmull, "aes");

/// Whether this CPU has PMULL, and the portable kernels are not forced.
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && pmull::get()
}

/// `x^63 + x^62 + x^57`.
const C: u64 = 0xc200_0000_0000_0000;

/// The 128-bit carry-less product of the low words.
#[target_feature(enable = "neon,aes")]
#[inline]
fn mul_lo(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    vreinterpretq_u64_p128(vmull_p64(vgetq_lane_u64::<0>(a), vgetq_lane_u64::<0>(b)))
}

/// The 128-bit carry-less product of the high words.
#[target_feature(enable = "neon,aes")]
#[inline]
fn mul_hi(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
    vreinterpretq_u64_p128(vmull_high_p64(
        vreinterpretq_p64_u64(a),
        vreinterpretq_p64_u64(b),
    ))
}

/// Swaps the two 64-bit halves.
#[target_feature(enable = "neon")]
#[inline]
fn swap(a: uint64x2_t) -> uint64x2_t {
    vextq_u64::<1>(a, a)
}

/// Folds the middle part in and reduces: `(hi x^128 + mid x^64 + lo) x^-128`.
#[target_feature(enable = "neon,aes")]
#[inline]
fn reduce(lo: uint64x2_t, mid: uint64x2_t, hi: uint64x2_t) -> uint64x2_t {
    let zero = vdupq_n_u64(0);
    let lo = veorq_u64(lo, vextq_u64::<1>(zero, mid));
    let hi = veorq_u64(hi, vextq_u64::<1>(mid, zero));
    let c = vdupq_n_u64(C);
    let v = veorq_u64(swap(lo), mul_lo(lo, c));
    veorq_u64(hi, veorq_u64(swap(v), mul_lo(v, c)))
}

/// A GHASH block in the POLYVAL order (its sixteen bytes reversed).
#[target_feature(enable = "neon")]
#[inline]
unsafe fn load_block(b: &[u8; 16]) -> uint64x2_t {
    // SAFETY: `b` is 16 readable bytes.
    let v = unsafe { vld1q_u8(b.as_ptr()) };
    swap(vreinterpretq_u64_u8(vrev64q_u8(v)))
}

/// A power of H, stored as a little-endian `u128`.
#[target_feature(enable = "neon")]
#[inline]
unsafe fn load_power(h: &u128) -> uint64x2_t {
    // SAFETY: `h` is 16 readable bytes.
    unsafe { vld1q_u64(core::ptr::from_ref(h).cast()) }
}

/// Absorbs `blocks` into `acc`: eight per step, the last step shorter.
///
/// # Safety
/// [`available`] must have returned true.
#[target_feature(enable = "neon,aes")]
pub(crate) unsafe fn update(hp: &[u128; 8], acc: &mut u128, blocks: &[[u8; 16]]) {
    // SAFETY: the target features are enabled; every load and store
    // touches a whole block, power or accumulator lent by the caller.
    unsafe {
        let mut y = load_power(acc);
        for chunk in blocks.chunks(8) {
            let n = chunk.len();
            let mut lo = vdupq_n_u64(0);
            let mut mid = vdupq_n_u64(0);
            let mut hi = vdupq_n_u64(0);
            for (i, (b, h)) in chunk.iter().zip(&hp[8 - n..]).enumerate() {
                let mut x = load_block(b);
                if i == 0 {
                    x = veorq_u64(x, y);
                }
                let h = load_power(h);
                let hs = swap(h);
                lo = veorq_u64(lo, mul_lo(x, h));
                hi = veorq_u64(hi, mul_hi(x, h));
                mid = veorq_u64(mid, veorq_u64(mul_lo(x, hs), mul_hi(x, hs)));
            }
            y = reduce(lo, mid, hi);
        }
        vst1q_u64(core::ptr::from_mut(acc).cast(), y);
    }
}
