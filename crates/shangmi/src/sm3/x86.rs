//! SM3 compression on x86-64 with AVX2 and BMI2 (and AVX-512VL where
//! present), chosen once at run time.
//!
//! The same function as `compress.rs`, arranged for this CPU class (the
//! layout of the known SM3 AVX/BMI2 implementations):
//!
//! * the message expansion runs in 128-bit vector registers, four words
//!   W_j..W_j+3 per step. W_j+3 depends on W_j, so the step first computes
//!   the four lanes with W_j taken as zero in the last one, then adds
//!   `P1(rol15(W_j))` to that lane (P1 is linear). W'_j = W_j ^ W_j+4 is
//!   formed in the vector unit too. The words reach the scalar rounds through
//!   a small stack buffer, several steps ahead of the rounds that read them,
//!   so the vector work overlaps the scalar rounds. Two expansions: AVX2
//!   (a rotation is two shifts and an OR, P1 uses a byte shuffle) and
//!   AVX-512VL (`vprold` rotations, `vpternlogd` three-way XORs), the
//!   kernels `avx2-bmi2` and `avx512-bmi2` of [`super::kernels`];
//! * the rounds are scalar, in `asm!` (`round`): every rotation a
//!   non-destructive `rorx`, D and H accumulating TT1 and TT2 in place,
//!   majority and choice as `((a ^ b) & c) ^ (a & b)` and
//!   `(!e & g) + (e & f)`, and `rol12(A) + E + T_j` one three-component
//!   `lea` with T_j as its displacement (LLVM's generic tuning splits such
//!   an `lea` in two; on Zen 3 and 4 it has two cycles of latency instead
//!   of one).
//!
//! Measured with `shangmi speed sm3` on an Intel Xeon with AVX-512
//! (Sapphire Rapids class, 4 GHz): 434 MB/s with the rounds in Rust,
//! 457 with these rounds, 480-489 with the AVX-512VL expansion. The
//! round's critical path (E through SS1, TT2 and P0) is seven cycles, so
//! this is about 8 cycles per round.
//!
//! Only additions, rotations, shifts, shuffles by constant patterns and
//! Boolean functions: no table lookup and no branch on the data, so hashing
//! secrets stays constant time. The unit tests compare both kernels with
//! the portable one; the `force-portable` feature turns them off.
#![allow(unsafe_code)]

use super::compress::T;

use core::arch::x86_64::*;

cpufeatures::new!(avx2_bmi2, "avx2", "bmi1", "bmi2");
cpufeatures::new!(avx512vl, "avx512f", "avx512vl");

/// The x86-64 compression kernels: the rounds are the same, the message
/// expansion differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// AVX2 and BMI2: rotations in the expansion are two shifts and an OR.
    Avx2,
    /// AVX2, BMI2 and AVX-512VL: the expansion rotates with `vprold` and
    /// XORs three terms at once with `vpternlogd`, about ten vector
    /// operations fewer per four rounds.
    Avx512,
}

/// A kernel this CPU runs. Only [`kernel`] and, in tests, [`supported`]
/// make one, after checking the CPU features: holding a `Kernel` is what
/// makes [`compress_with`] sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kernel(Kind);

impl Kernel {
    /// Which kernel.
    pub(crate) fn kind(self) -> Kind {
        self.0
    }
}

/// The kernel this CPU runs (detected once), or `None` (no AVX2 and BMI2,
/// or the `force-portable` feature).
pub(crate) fn kernel() -> Option<Kernel> {
    if cfg!(feature = "force-portable") || !avx2_bmi2::get() {
        None
    } else if avx512vl::get() {
        Some(Kernel(Kind::Avx512))
    } else {
        Some(Kernel(Kind::Avx2))
    }
}

/// `kind`, when this CPU has its features: the tests run every kernel the
/// CPU has, not only the one [`kernel`] picks.
#[cfg(test)]
pub(crate) fn supported(kind: Kind) -> Option<Kernel> {
    let ok = avx2_bmi2::get() && (kind == Kind::Avx2 || avx512vl::get());
    ok.then_some(Kernel(kind))
}

/// Compresses each block of `blocks` into `v` with kernel `k`.
pub(crate) fn compress_with(k: Kernel, v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    // SAFETY: a `Kernel` exists only once the CPU's features were checked
    // (`kernel`, `supported`).
    unsafe {
        match k.kind() {
            Kind::Avx2 => compress_avx2_bmi2(v, blocks),
            Kind::Avx512 => compress_avx512(v, blocks),
        }
    }
}

#[target_feature(enable = "avx2,bmi1,bmi2")]
fn compress_avx2_bmi2(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    for block in blocks {
        compress_block::<Avx2Expand>(v, block);
    }
}

#[target_feature(enable = "avx2,bmi1,bmi2,avx512f,avx512vl")]
fn compress_avx512(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    for block in blocks {
        compress_block::<Avx512Expand>(v, block);
    }
}

/// A message expansion: W_4m..W_4m+3 from the four previous groups.
trait Expand {
    fn expand(w4: __m128i, w3: __m128i, w2: __m128i, w1: __m128i, rol8: __m128i) -> __m128i;
}

struct Avx2Expand;
struct Avx512Expand;

impl Expand for Avx2Expand {
    #[inline(always)]
    fn expand(w4: __m128i, w3: __m128i, w2: __m128i, w1: __m128i, rol8: __m128i) -> __m128i {
        // SAFETY: only `compress_avx2_bmi2` and `compress_avx512` (AVX2
        // detected) instantiate `compress_block`.
        unsafe { expand(w4, w3, w2, w1, rol8) }
    }
}

impl Expand for Avx512Expand {
    #[inline(always)]
    fn expand(w4: __m128i, w3: __m128i, w2: __m128i, w1: __m128i, _: __m128i) -> __m128i {
        // SAFETY: only `compress_avx512` (AVX-512F and VL detected)
        // instantiates `compress_block` with this expansion.
        unsafe { expand_avx512(w4, w3, w2, w1) }
    }
}

/// [`expand`] with AVX-512VL: `vprold` rotations and `vpternlogd`
/// three-way XORs (P1(x) = x ^ rol15(x) ^ rol23(x) is two rotations and
/// one ternary operation, no byte shuffle).
#[target_feature(enable = "avx2,avx512f,avx512vl")]
#[inline]
fn expand_avx512(w4: __m128i, w3: __m128i, w2: __m128i, w1: __m128i) -> __m128i {
    const XOR3: i32 = 0x96;
    let x9 = _mm_alignr_epi8::<12>(w2, w3); // W_j-9
    let x13 = _mm_alignr_epi8::<12>(w3, w4); // W_j-13
    let x6 = _mm_alignr_epi8::<8>(w1, w2); // W_j-6
    let x3 = _mm_srli_si128::<4>(w1); // W_j-3, and 0 for W_j in the last lane
    let t = _mm_ternarylogic_epi32::<XOR3>(w4, x9, _mm_rol_epi32::<15>(x3));
    let p1t = _mm_ternarylogic_epi32::<XOR3>(t, _mm_rol_epi32::<15>(t), _mm_rol_epi32::<23>(t));
    let r = _mm_ternarylogic_epi32::<XOR3>(p1t, _mm_rol_epi32::<7>(x13), x6);
    // The last lane lacks P1(rol15(W_j)); W_j is lane 0 of r.
    let u = _mm_rol_epi32::<15>(_mm_slli_si128::<12>(r));
    let r = _mm_ternarylogic_epi32::<XOR3>(r, u, _mm_rol_epi32::<15>(u));
    _mm_xor_si128(r, _mm_rol_epi32::<23>(u))
}

/// Byte swap within each 32-bit lane (big-endian words).
const BSWAP32: [u8; 16] = [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12];
/// Rotation of each 32-bit lane left by 8 bits.
const ROL8: [u8; 16] = [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14];

#[target_feature(enable = "avx2")]
#[inline]
fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY: `b` is 16 readable bytes; unaligned load.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn store(dst: &mut [u32; 4], x: __m128i) {
    // SAFETY: `dst` is 16 writable bytes; unaligned store.
    unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), x) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn rol<const L: i32, const R: i32>(x: __m128i) -> __m128i {
    _mm_or_si128(_mm_slli_epi32::<L>(x), _mm_srli_epi32::<R>(x))
}

/// P1(x) = x ^ rol15(x) ^ rol23(x) = x ^ rol15(x ^ rol8(x)), the rotation by
/// 8 being a byte shuffle.
#[target_feature(enable = "avx2")]
#[inline]
fn p1(x: __m128i, rol8: __m128i) -> __m128i {
    _mm_xor_si128(
        x,
        rol::<15, 17>(_mm_xor_si128(x, _mm_shuffle_epi8(x, rol8))),
    )
}

/// W_4m..W_4m+3 from the four previous groups (`w4` = W_4m-16..W_4m-13, ...,
/// `w1` = W_4m-4..W_4m-1).
#[target_feature(enable = "avx2")]
#[inline]
fn expand(w4: __m128i, w3: __m128i, w2: __m128i, w1: __m128i, rol8: __m128i) -> __m128i {
    let x9 = _mm_alignr_epi8::<12>(w2, w3); // W_j-9
    let x13 = _mm_alignr_epi8::<12>(w3, w4); // W_j-13
    let x6 = _mm_alignr_epi8::<8>(w1, w2); // W_j-6
    let x3 = _mm_srli_si128::<4>(w1); // W_j-3, and 0 for W_j in the last lane
    let t = _mm_xor_si128(_mm_xor_si128(w4, x9), rol::<15, 17>(x3));
    let r = _mm_xor_si128(_mm_xor_si128(p1(t, rol8), rol::<7, 25>(x13)), x6);
    // The last lane lacks P1(rol15(W_j)); W_j is lane 0 of r.
    let u = rol::<15, 17>(_mm_slli_si128::<12>(r));
    _mm_xor_si128(r, p1(u, rol8))
}

/// One round (see `compress.rs`) in assembly: B and F rotate in place, D
/// accumulates TT1 and H accumulates TT2 and then P0, so that D becomes
/// the new A and H the new E with no register moves. `LATE` selects
/// majority and choice (rounds 16..64), written as `((a ^ b) & c) ^ (a & b)`
/// and `(!e & g) + (e & f)`. rol12(A) + E + T_j is one three-component
/// `lea` with T_j as its displacement; rotations are `rorx` (no flags).
/// Only the round's own operations: the compiler schedules the message
/// expansion (vector code) between the rounds.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn round<const LATE: bool, const TJ: u32, const OW: usize, const OWP: usize>(
    a: u32,
    b: &mut u32,
    c: u32,
    d: &mut u32,
    e: u32,
    f: &mut u32,
    g: u32,
    h: &mut u32,
    ws: &[[u32; 4]; 33],
) {
    // The two words the round reads lie inside `ws`.
    const { assert!(OW + 4 <= 33 * 16 && OWP + 4 <= 33 * 16) };
    macro_rules! round_asm {
        ($ff:expr, $gg:expr) => {
            // SAFETY: reads two words of `ws` (inside it: the assertion
            // above); BMI1 `andn` and BMI2 `rorx`: the caller runs only with
            // BMI1 and BMI2 detected.
            unsafe {
                core::arch::asm!(
                    "rorx {t0:e}, {a:e}, 20",
                    "lea {t1:e}, [{t0:r} + {e:r} + {k}]",
                    "rorx {t1:e}, {t1:e}, 25",
                    "add {h:e}, dword ptr [{ws} + {ow}]",
                    "add {h:e}, {t1:e}",
                    "xor {t0:e}, {t1:e}",
                    "add {d:e}, dword ptr [{ws} + {owp}]",
                    $ff,
                    "add {d:e}, {t1:e}",
                    $gg,
                    "add {h:e}, {t2:e}",
                    "rorx {f:e}, {f:e}, 13",
                    "add {d:e}, {t0:e}",
                    "rorx {b:e}, {b:e}, 23",
                    "rorx {t2:e}, {h:e}, 23",
                    "rorx {t1:e}, {h:e}, 15",
                    "xor {h:e}, {t2:e}",
                    "xor {h:e}, {t1:e}",
                    a = in(reg) a,
                    b = inout(reg) *b,
                    c = in(reg) c,
                    d = inout(reg) *d,
                    e = in(reg) e,
                    f = inout(reg) *f,
                    g = in(reg) g,
                    h = inout(reg) *h,
                    ws = in(reg) ws.as_ptr(),
                    ow = const OW,
                    owp = const OWP,
                    k = const TJ as i32,
                    t0 = out(reg) _,
                    t1 = out(reg) _,
                    t2 = out(reg) _,
                    options(pure, readonly, nostack),
                );
            }
        };
    }
    if LATE {
        round_asm!(
            concat!(
                "mov {t1:e}, {b:e}\n",
                "xor {t1:e}, {a:e}\n",
                "and {t1:e}, {c:e}\n",
                "mov {t2:e}, {b:e}\n",
                "and {t2:e}, {a:e}\n",
                "xor {t1:e}, {t2:e}",
            ),
            concat!(
                "andn {t2:e}, {e:e}, {g:e}\n",
                "mov {t1:e}, {f:e}\n",
                "and {t1:e}, {e:e}\n",
                "add {t2:e}, {t1:e}",
            )
        );
    } else {
        round_asm!(
            concat!(
                "mov {t1:e}, {a:e}\n",
                "xor {t1:e}, {b:e}\n",
                "xor {t1:e}, {c:e}",
            ),
            concat!(
                "mov {t2:e}, {e:e}\n",
                "xor {t2:e}, {f:e}\n",
                "xor {t2:e}, {g:e}",
            )
        );
    }
}

#[target_feature(enable = "avx2,bmi1,bmi2")]
#[inline]
fn compress_block<E: Expand>(v: &mut [u32; 8], block: &[u8; 64]) {
    let bswap = load(&BSWAP32);
    let rol8 = load(&ROL8);
    let (chunks, _) = block.as_chunks::<16>();
    // wv[m] = W_4m..W_4m+3 in a vector register; w and wp hold the words
    // (W and W') for the scalar rounds.
    let mut wv = [_mm_setzero_si128(); 17];
    // ws[m] = W_4m..W_4m+3 (m < 17), ws[17 + m] = W'_4m..W'_4m+3.
    let mut ws = [[0u32; 4]; 33];
    for m in 0..4 {
        wv[m] = _mm_shuffle_epi8(load(&chunks[m]), bswap);
        store(&mut ws[m], wv[m]);
    }
    macro_rules! expand {
        ($m:literal) => {
            wv[$m] = E::expand(wv[$m - 4], wv[$m - 3], wv[$m - 2], wv[$m - 1], rol8);
            store(&mut ws[$m], wv[$m]);
        };
    }
    macro_rules! wprime {
        ($m:literal) => {
            store(&mut ws[17 + $m], _mm_xor_si128(wv[$m], wv[$m + 1]));
        };
    }
    expand!(4);
    wprime!(0);
    wprime!(1);
    wprime!(2);
    wprime!(3);

    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *v;
    // Rounds 4m..4m+3; the variables trade places instead of moving.
    macro_rules! four {
        ($m:literal, $late:literal) => {
            round::<$late, { T[4 * $m] }, { 16 * $m + 4 * 0 }, { 16 * (17 + $m) + 4 * 0 }>(
                a, &mut b, c, &mut d, e, &mut f, g, &mut h, &ws,
            );
            round::<$late, { T[4 * $m + 1] }, { 16 * $m + 4 * 1 }, { 16 * (17 + $m) + 4 * 1 }>(
                d, &mut a, b, &mut c, h, &mut e, f, &mut g, &ws,
            );
            round::<$late, { T[4 * $m + 2] }, { 16 * $m + 4 * 2 }, { 16 * (17 + $m) + 4 * 2 }>(
                c, &mut d, a, &mut b, g, &mut h, e, &mut f, &ws,
            );
            round::<$late, { T[4 * $m + 3] }, { 16 * $m + 4 * 3 }, { 16 * (17 + $m) + 4 * 3 }>(
                b, &mut c, d, &mut a, f, &mut g, h, &mut e, &ws,
            );
        };
    }
    // The expansion runs four to five groups ahead of the rounds.
    expand!(5);
    wprime!(4);
    four!(0, false);
    expand!(6);
    wprime!(5);
    four!(1, false);
    expand!(7);
    wprime!(6);
    four!(2, false);
    expand!(8);
    wprime!(7);
    four!(3, false);
    expand!(9);
    wprime!(8);
    four!(4, true);
    expand!(10);
    wprime!(9);
    four!(5, true);
    expand!(11);
    wprime!(10);
    four!(6, true);
    expand!(12);
    wprime!(11);
    four!(7, true);
    expand!(13);
    wprime!(12);
    four!(8, true);
    expand!(14);
    wprime!(13);
    four!(9, true);
    expand!(15);
    wprime!(14);
    four!(10, true);
    expand!(16);
    wprime!(15);
    four!(11, true);
    four!(12, true);
    four!(13, true);
    four!(14, true);
    four!(15, true);
    for (vi, x) in v.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *vi ^= x;
    }
}
