//! Eight SM3 compressions at once on x86-64 with AVX2, for [`super::hash_many`].
//!
//! Each 256-bit register holds one 32-bit word of eight independent hash
//! states (lane i = message i): the eight chaining values are transposed
//! into A..H, and each block's sixteen words are loaded from the eight
//! messages and transposed (two 8x8 transposes of 32-bit words), so that the
//! round function and the message expansion of `compress.rs` run unchanged,
//! one vector instruction for eight scalar ones. Rotations are two shifts
//! and an OR; P0 and P1 take one of their rotations as a byte shuffle
//! (`x ^ rol9(x ^ rol8(x))`).
//!
//! Only additions, shifts, shuffles by constant patterns and Boolean
//! functions: constant time. The unit tests compare every lane with the
//! portable kernel; the `force-portable` feature turns this off.
#![allow(unsafe_code)]

use super::compress::T;
use core::arch::x86_64::*;

/// Messages per pass.
pub(crate) const LANES: usize = 8;

cpufeatures::new!(avx2, "avx2");

/// Whether this CPU has AVX2 (detected once) and the portable kernels are
/// not forced.
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && avx2::get()
}

/// Compresses the first `n` blocks of `blocks[i]` into `state[i]`, for each
/// of the eight lanes; every `blocks[i]` must hold at least `n` blocks (the
/// count actually taken is capped by the shortest). Call only when
/// [`available`].
pub(crate) fn compress8(state: &mut [[u32; 8]; LANES], blocks: [&[[u8; 64]]; LANES], n: usize) {
    debug_assert!(avx2::get());
    let n = blocks.iter().fold(n, |n, b| n.min(b.len()));
    // SAFETY: callers check `available()`, so the CPU has AVX2.
    unsafe { compress8_avx2(state, blocks, n) }
}

/// Byte swap within each 32-bit lane (big-endian words), both halves.
const BSWAP32: [u8; 32] = [
    3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15,
    14, 13, 12,
];
/// Rotation of each 32-bit lane left by 8 bits, both halves.
const ROL8: [u8; 32] = [
    3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15,
    12, 13, 14,
];

#[target_feature(enable = "avx2")]
#[inline]
fn load(b: &[u8; 32]) -> __m256i {
    // SAFETY: `b` is 32 readable bytes; unaligned load.
    unsafe { _mm256_loadu_si256(b.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn load_words(v: &[u32; 8]) -> __m256i {
    // SAFETY: `v` is 32 readable bytes; unaligned load.
    unsafe { _mm256_loadu_si256(v.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn store_words(v: &mut [u32; 8], x: __m256i) {
    // SAFETY: `v` is 32 writable bytes; unaligned store.
    unsafe { _mm256_storeu_si256(v.as_mut_ptr().cast(), x) }
}

/// Transposes an 8x8 matrix of 32-bit words (row i in `r[i]`).
#[target_feature(enable = "avx2")]
#[inline]
fn transpose(r: [__m256i; 8]) -> [__m256i; 8] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    let u0 = _mm256_unpacklo_epi64(t0, t2);
    let u1 = _mm256_unpackhi_epi64(t0, t2);
    let u2 = _mm256_unpacklo_epi64(t1, t3);
    let u3 = _mm256_unpackhi_epi64(t1, t3);
    let u4 = _mm256_unpacklo_epi64(t4, t6);
    let u5 = _mm256_unpackhi_epi64(t4, t6);
    let u6 = _mm256_unpacklo_epi64(t5, t7);
    let u7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256::<0x20>(u0, u4),
        _mm256_permute2x128_si256::<0x20>(u1, u5),
        _mm256_permute2x128_si256::<0x20>(u2, u6),
        _mm256_permute2x128_si256::<0x20>(u3, u7),
        _mm256_permute2x128_si256::<0x31>(u0, u4),
        _mm256_permute2x128_si256::<0x31>(u1, u5),
        _mm256_permute2x128_si256::<0x31>(u2, u6),
        _mm256_permute2x128_si256::<0x31>(u3, u7),
    ]
}

#[target_feature(enable = "avx2")]
#[inline]
fn rol<const L: i32, const R: i32>(x: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_slli_epi32::<L>(x), _mm256_srli_epi32::<R>(x))
}

#[target_feature(enable = "avx2")]
#[inline]
fn xor(a: __m256i, b: __m256i) -> __m256i {
    _mm256_xor_si256(a, b)
}

#[target_feature(enable = "avx2")]
#[inline]
fn add(a: __m256i, b: __m256i) -> __m256i {
    _mm256_add_epi32(a, b)
}

/// P0(x) = x ^ rol9(x) ^ rol17(x) = x ^ rol9(x ^ rol8(x)).
#[target_feature(enable = "avx2")]
#[inline]
fn p0(x: __m256i, rol8: __m256i) -> __m256i {
    xor(x, rol::<9, 23>(xor(x, _mm256_shuffle_epi8(x, rol8))))
}

/// P1(x) = x ^ rol15(x) ^ rol23(x) = x ^ rol15(x ^ rol8(x)).
#[target_feature(enable = "avx2")]
#[inline]
fn p1(x: __m256i, rol8: __m256i) -> __m256i {
    xor(x, rol::<15, 17>(xor(x, _mm256_shuffle_epi8(x, rol8))))
}

/// W_j from W_j-16, W_j-13, W_j-9, W_j-6 and W_j-3.
#[target_feature(enable = "avx2")]
#[inline]
fn expand(w: &[__m256i; 68], j: usize, rol8: __m256i) -> __m256i {
    let x = xor(xor(w[j - 16], w[j - 9]), rol::<15, 17>(w[j - 3]));
    xor(xor(p1(x, rol8), rol::<7, 25>(w[j - 13])), w[j - 6])
}

/// Eight-lane state A..H.
type State = [__m256i; 8];

/// One round on eight lanes (see `compress.rs`). `LATE` selects majority and
/// choice (rounds 16..64).
#[target_feature(enable = "avx2")]
#[inline]
fn round<const LATE: bool>(
    s: &mut State,
    [a, b, c, d, e, f, g, h]: [usize; 8],
    j: usize,
    w: &[__m256i; 68],
    rol8: __m256i,
) {
    let a12 = rol::<12, 20>(s[a]);
    let t = _mm256_set1_epi32(T[j] as i32);
    let ss1 = rol::<7, 25>(add(add(a12, s[e]), t));
    let ss2 = xor(ss1, a12);
    let (ff, gg) = if LATE {
        (
            _mm256_or_si256(
                _mm256_and_si256(s[a], s[b]),
                _mm256_and_si256(s[c], _mm256_or_si256(s[a], s[b])),
            ),
            _mm256_or_si256(
                _mm256_and_si256(s[e], s[f]),
                _mm256_andnot_si256(s[e], s[g]),
            ),
        )
    } else {
        (xor(xor(s[a], s[b]), s[c]), xor(xor(s[e], s[f]), s[g]))
    };
    let tt1 = add(add(ff, s[d]), add(ss2, xor(w[j], w[j + 4])));
    let tt2 = add(add(gg, s[h]), add(ss1, w[j]));
    s[b] = rol::<9, 23>(s[b]);
    s[f] = rol::<19, 13>(s[f]);
    s[d] = tt1;
    s[h] = p0(tt2, rol8);
}

/// Four rounds from `j`; the registers trade places instead of moving (round
/// r + 1 sees (D, A, B, C, H, E, F, G) of round r).
#[target_feature(enable = "avx2")]
#[inline]
fn four<const LATE: bool>(s: &mut State, j: usize, w: &[__m256i; 68], rol8: __m256i) {
    round::<LATE>(s, [0, 1, 2, 3, 4, 5, 6, 7], j, w, rol8);
    round::<LATE>(s, [3, 0, 1, 2, 7, 4, 5, 6], j + 1, w, rol8);
    round::<LATE>(s, [2, 3, 0, 1, 6, 7, 4, 5], j + 2, w, rol8);
    round::<LATE>(s, [1, 2, 3, 0, 5, 6, 7, 4], j + 3, w, rol8);
}

#[target_feature(enable = "avx2")]
fn compress8_avx2(state: &mut [[u32; 8]; LANES], blocks: [&[[u8; 64]]; LANES], n: usize) {
    let bswap = load(&BSWAP32);
    let rol8 = load(&ROL8);
    let mut v: State = transpose(core::array::from_fn(|i| load_words(&state[i])));
    let mut w = [_mm256_setzero_si256(); 68];
    // Block k of every lane: one index into eight slices.
    #[allow(clippy::needless_range_loop)]
    for k in 0..n {
        let (lo, hi): ([__m256i; 8], [__m256i; 8]) = (
            core::array::from_fn(|i| {
                let (halves, _) = blocks[i][k].as_chunks::<32>();
                _mm256_shuffle_epi8(load(&halves[0]), bswap)
            }),
            core::array::from_fn(|i| {
                let (halves, _) = blocks[i][k].as_chunks::<32>();
                _mm256_shuffle_epi8(load(&halves[1]), bswap)
            }),
        );
        w[..8].copy_from_slice(&transpose(lo));
        w[8..16].copy_from_slice(&transpose(hi));
        for j in 16..20 {
            w[j] = expand(&w, j, rol8);
        }
        let mut s = v;
        for j in (0..16).step_by(4) {
            four::<false>(&mut s, j, &w, rol8);
        }
        for j in (16..64).step_by(4) {
            for i in j + 4..j + 8 {
                w[i] = expand(&w, i, rol8);
            }
            four::<true>(&mut s, j, &w, rol8);
        }
        for (x, y) in v.iter_mut().zip(s) {
            *x = xor(*x, y);
        }
    }
    for (dst, x) in state.iter_mut().zip(transpose(v)) {
        store_words(dst, x);
    }
}
