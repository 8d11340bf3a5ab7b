//! GHASH on x86-64 with PCLMULQDQ (one block per multiplication) and with
//! AVX2 + VPCLMULQDQ (two blocks per instruction), constant time.
//!
//! Eight blocks are multiplied by `H^8, ..., H^1` and their unreduced
//! 256-bit products summed (four carry-less multiplications per block,
//! schoolbook), then reduced once: two further multiplications by the
//! constant `x^63 + x^62 + x^57` (the Montgomery reduction of the portable
//! kernel). The blocks are byte-reversed on loading into the POLYVAL order.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

cpufeatures::new!(clmul, "pclmulqdq", "ssse3", "sse2");

/// Whether this CPU has PCLMULQDQ and SSSE3, and the portable kernels are
/// not forced.
pub(crate) fn pclmul_available() -> bool {
    !cfg!(feature = "force-portable") && clmul::get()
}

/// Whether this CPU also has AVX2 and VPCLMULQDQ.
pub(crate) fn vpclmul_available() -> bool {
    pclmul_available() && crate::cpu::avx2_vpclmulqdq()
}

/// Reverses the sixteen bytes of each 128-bit lane.
const REV: [u8; 16] = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
/// `x^63 + x^62 + x^57`.
const C: i64 = 0xc200_0000_0000_0000_u64 as i64;

#[inline(always)]
unsafe fn load(p: *const [u8; 16]) -> __m128i {
    // SAFETY: the caller passes 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(p.cast()) }
}

/// The unreduced product parts of `a * h`: (low, middle, high).
#[target_feature(enable = "pclmulqdq,sse2")]
#[inline]
fn mul_parts(a: __m128i, h: __m128i) -> [__m128i; 3] {
    [
        _mm_clmulepi64_si128::<0x00>(a, h),
        _mm_xor_si128(
            _mm_clmulepi64_si128::<0x01>(a, h),
            _mm_clmulepi64_si128::<0x10>(a, h),
        ),
        _mm_clmulepi64_si128::<0x11>(a, h),
    ]
}

/// Folds the middle part in and reduces: `(hi x^128 + mid x^64 + lo) x^-128`.
#[target_feature(enable = "pclmulqdq,sse2")]
#[inline]
fn reduce(lo: __m128i, mid: __m128i, hi: __m128i) -> __m128i {
    let lo = _mm_xor_si128(lo, _mm_slli_si128::<8>(mid));
    let hi = _mm_xor_si128(hi, _mm_srli_si128::<8>(mid));
    let c = _mm_set_epi64x(0, C);
    // Low word d0: add d0 * P, which clears it (see soft.rs).
    let t = _mm_clmulepi64_si128::<0x00>(lo, c);
    let v = _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(lo), t);
    // Then the new word d1.
    let u = _mm_clmulepi64_si128::<0x00>(v, c);
    _mm_xor_si128(hi, _mm_xor_si128(_mm_shuffle_epi32::<0x4e>(v), u))
}

/// `y = (y + b_0) H^n + b_1 H^(n-1) + ... + b_(n-1) H` for `n <= 8`
/// blocks, with `hp[i] = H^(8-i)`.
///
/// # Safety
/// The CPU must support PCLMULQDQ, SSSE3 and SSE2.
#[target_feature(enable = "pclmulqdq,ssse3,sse2")]
unsafe fn aggregate(hp: &[u128; 8], y: __m128i, blocks: &[[u8; 16]]) -> __m128i {
    // SAFETY: every load reads a whole block or power that the caller lends.
    unsafe {
        let rev = load(&REV);
        let n = blocks.len();
        let mut acc = [_mm_setzero_si128(); 3];
        for (i, (b, h)) in blocks.iter().zip(&hp[8 - n..]).enumerate() {
            let mut x = _mm_shuffle_epi8(load(b), rev);
            if i == 0 {
                x = _mm_xor_si128(x, y);
            }
            let p = mul_parts(x, load(core::ptr::from_ref(h).cast()));
            for (a, p) in acc.iter_mut().zip(p) {
                *a = _mm_xor_si128(*a, p);
            }
        }
        reduce(acc[0], acc[1], acc[2])
    }
}

/// Absorbs `blocks` into `acc` with PCLMULQDQ.
///
/// # Safety
/// [`pclmul_available`] must have returned true.
#[target_feature(enable = "pclmulqdq,ssse3,sse2")]
pub(crate) unsafe fn update_pclmul(hp: &[u128; 8], acc: &mut u128, blocks: &[[u8; 16]]) {
    // SAFETY: the target features are enabled; `acc` is 16 writable bytes.
    unsafe {
        let mut y = load(core::ptr::from_ref(acc).cast());
        for chunk in blocks.chunks(8) {
            y = aggregate(hp, y, chunk);
        }
        _mm_storeu_si128(core::ptr::from_mut(acc).cast(), y);
    }
}

/// Absorbs `blocks` into `acc` with VPCLMULQDQ: eight blocks per step in
/// four registers of two, then [`aggregate`] for the rest.
///
/// # Safety
/// [`vpclmul_available`] must have returned true.
#[target_feature(enable = "avx2,vpclmulqdq,pclmulqdq,ssse3,sse2")]
pub(crate) unsafe fn update_vpclmul(hp: &[u128; 8], acc: &mut u128, blocks: &[[u8; 16]]) {
    // SAFETY: the target features are enabled; every load reads whole
    // blocks or powers lent by the caller, `acc` is 16 writable bytes.
    unsafe {
        let rev = _mm256_broadcastsi128_si256(load(&REV));
        // Register k of the powers: (H^(8-2k), H^(7-2k)), matching blocks
        // 2k and 2k + 1.
        let hpp = hp.as_ptr().cast::<__m256i>();
        let h = [0, 1, 2, 3].map(|k| _mm256_loadu_si256(hpp.add(k)));
        let mut y = load(core::ptr::from_ref(acc).cast());
        let (eights, rest) = blocks.as_chunks::<8>();
        for e in eights {
            let p = e.as_ptr().cast::<__m256i>();
            let mut lo = _mm256_setzero_si256();
            let mut mid = _mm256_setzero_si256();
            let mut hi = _mm256_setzero_si256();
            for (k, hk) in h.iter().enumerate() {
                let mut x = _mm256_shuffle_epi8(_mm256_loadu_si256(p.add(k)), rev);
                if k == 0 {
                    x = _mm256_xor_si256(x, _mm256_zextsi128_si256(y));
                }
                lo = _mm256_xor_si256(lo, _mm256_clmulepi64_epi128::<0x00>(x, *hk));
                mid = _mm256_xor_si256(
                    mid,
                    _mm256_xor_si256(
                        _mm256_clmulepi64_epi128::<0x01>(x, *hk),
                        _mm256_clmulepi64_epi128::<0x10>(x, *hk),
                    ),
                );
                hi = _mm256_xor_si256(hi, _mm256_clmulepi64_epi128::<0x11>(x, *hk));
            }
            let fold = |v: __m256i| {
                _mm_xor_si128(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
            };
            y = reduce(fold(lo), fold(mid), fold(hi));
        }
        if !rest.is_empty() {
            y = aggregate(hp, y, rest);
        }
        _mm_storeu_si128(core::ptr::from_mut(acc).cast(), y);
    }
}
