//! SM3 compression on AArch64 with the SM3 instructions (ARMv8.2 FEAT_SM3),
//! chosen once at run time.
//!
//! The same function as `compress.rs`, with the instructions made for it
//! (the arrangement of the known SM3 Crypto Extension implementations):
//!
//! * the state is two vectors, `(D, C, B, A)` and `(H, G, F, E)` (A and E in
//!   lane 3, where the instructions read them);
//! * a round is `sm3ss1` (SS1 from A, E and the round constant, kept in lane
//!   3 of a third vector and rotated left by one bit each round), then
//!   `sm3tt1a`/`sm3tt1b` (TT1 with W'_j: the new A, B, C, D) and
//!   `sm3tt2a`/`sm3tt2b` (TT2 with W_j: the new E, F, G, H); the `a` forms
//!   use the XOR Boolean functions of rounds 0..16, the `b` forms majority
//!   and choice;
//! * the message is four vectors of four words in a rolling window; four
//!   rounds read W_j..W_j+3 and W'_j..W'_j+3 = W_j..W_j+3 ^ W_j+4..W_j+7,
//!   and meanwhile `sm3partw1` and `sm3partw2` expand W_j+16..W_j+19.
//!
//! The instructions' intrinsics are unstable in Rust (`stdarch_neon_sm4`),
//! so they are issued through `core::arch::asm!` inside functions compiled
//! with the stable `sm4` target feature (LLVM files SM3 under it; Linux
//! reports it as the SM3 and SM4 hwcaps together). Only these instructions,
//! byte reversals and fixed lane shuffles: no table lookup and no branch on
//! the data, so hashing secrets stays constant time. The unit tests compare
//! this kernel with the portable one; the `force-portable` feature turns it
//! off.
#![allow(unsafe_code)]

use core::arch::aarch64::*;
use core::arch::asm;

use super::compress::T;

// On Linux this reads AT_HWCAP: "sm4" means the SM3 and SM4 instructions.
cpufeatures::new!(sm3_insn, "sm4");

/// Whether this CPU has the SM3 instructions (detected once) and the
/// portable kernels are not forced.
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && sm3_insn::get()
}

/// Compresses each block of `blocks` into `v`; callers check [`available`]
/// first (without the instructions this falls back to the portable kernel).
pub(crate) fn compress(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    if sm3_insn::get() {
        // SAFETY: the CPU has the SM3 instructions (checked just above);
        // NEON is part of the AArch64 baseline.
        unsafe { compress_sm3(v, blocks) }
    } else {
        super::compress::compress_portable(v, blocks);
    }
}

/// `sm3ss1`: lane 3 is `rol7(rol12(A) + E + T)`, the other lanes zero.
#[target_feature(enable = "neon,sm4")]
#[inline]
fn sm3ss1(abcd: uint32x4_t, efgh: uint32x4_t, t: uint32x4_t) -> uint32x4_t {
    let ss1;
    // SAFETY: the instruction reads and writes only the vector registers
    // named; the SM3 instructions are enabled on this function, whose
    // callers checked the CPU.
    unsafe {
        asm!(
            "sm3ss1 {d:v}.4s, {n:v}.4s, {m:v}.4s, {a:v}.4s",
            d = lateout(vreg) ss1,
            n = in(vreg) abcd,
            m = in(vreg) efgh,
            a = in(vreg) t,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    ss1
}

/// One of `sm3tt1a`, `sm3tt1b`, `sm3tt2a`, `sm3tt2b` on `$d` (the state
/// half it updates), `$n` (SS1 in lane 3) and lane `$i` of `$m` (the message
/// word); `$i` a literal.
macro_rules! sm3tt {
    ($insn:literal, $d:expr, $n:expr, $m:expr, $i:literal) => {{
        let mut d: uint32x4_t = $d;
        let n: uint32x4_t = $n;
        let m: uint32x4_t = $m;
        // SAFETY: the instruction reads and writes only the vector
        // registers named; the SM3 instructions are enabled on the function
        // this expands in, whose callers checked the CPU.
        unsafe {
            asm!(
                concat!($insn, " {d:v}.4s, {n:v}.4s, {m:v}.s[", $i, "]"),
                d = inout(vreg) d,
                n = in(vreg) n,
                m = in(vreg) m,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        d
    }};
}

/// `sm3partw1` or `sm3partw2` on `$d`, `$n`, `$m`.
macro_rules! sm3partw {
    ($insn:literal, $d:expr, $n:expr, $m:expr) => {{
        let mut d: uint32x4_t = $d;
        let n: uint32x4_t = $n;
        let m: uint32x4_t = $m;
        // SAFETY: as for `sm3tt`.
        unsafe {
            asm!(
                concat!($insn, " {d:v}.4s, {n:v}.4s, {m:v}.4s"),
                d = inout(vreg) d,
                n = in(vreg) n,
                m = in(vreg) m,
                options(pure, nomem, nostack, preserves_flags),
            );
        }
        d
    }};
}

/// Each lane rotated left by one bit (the next round constant).
#[target_feature(enable = "neon")]
#[inline]
fn rol1(t: uint32x4_t) -> uint32x4_t {
    vsliq_n_u32::<1>(vshrq_n_u32::<31>(t), t)
}

/// Four rounds j..j+4: `w` holds W_j..W_j+3, `w4` W_j+4..W_j+7, `t` the
/// constant of round j (advanced to round j+4). `$tt1`, `$tt2` name the
/// instruction forms (`a` for rounds 0..16, `b` after).
macro_rules! four_rounds {
    ($tt1:literal, $tt2:literal, $abcd:ident, $efgh:ident, $t:ident, $w:expr, $w4:expr) => {{
        let w: uint32x4_t = $w;
        let wp = veorq_u32(w, $w4);
        four_rounds!(@one $tt1, $tt2, $abcd, $efgh, $t, w, wp, 0);
        four_rounds!(@one $tt1, $tt2, $abcd, $efgh, $t, w, wp, 1);
        four_rounds!(@one $tt1, $tt2, $abcd, $efgh, $t, w, wp, 2);
        four_rounds!(@one $tt1, $tt2, $abcd, $efgh, $t, w, wp, 3);
    }};
    (@one $tt1:literal, $tt2:literal, $abcd:ident, $efgh:ident, $t:ident, $w:ident, $wp:ident, $i:literal) => {{
        let ss1 = sm3ss1($abcd, $efgh, $t);
        $t = rol1($t);
        $abcd = sm3tt!($tt1, $abcd, ss1, $wp, $i);
        $efgh = sm3tt!($tt2, $efgh, ss1, $w, $i);
    }};
}

/// W_j+16..W_j+19 from W_j..W_j+15 (`w0` holding W_j..W_j+3, and so on).
#[target_feature(enable = "neon,sm4")]
#[inline]
fn expand(w0: uint32x4_t, w1: uint32x4_t, w2: uint32x4_t, w3: uint32x4_t) -> uint32x4_t {
    // W_j+7..W_j+10, W_j+3..W_j+6 and W_j+10..W_j+13.
    let w7 = vextq_u32::<3>(w1, w2);
    let w3_ = vextq_u32::<3>(w0, w1);
    let w10 = vextq_u32::<2>(w2, w3);
    // P1(W_j ^ W_j+7 ^ rol15(W_j+13)) for the first three words (the fourth
    // needs the first, finished by sm3partw2) ...
    let p = sm3partw!("sm3partw1", w7, w0, w3);
    // ... then ^ rol7(W_j+3) ^ W_j+10, and the fourth word completed.
    sm3partw!("sm3partw2", p, w10, w3_)
}

/// A vector's lanes in reverse order.
#[target_feature(enable = "neon")]
#[inline]
fn reverse(x: uint32x4_t) -> uint32x4_t {
    let r = vrev64q_u32(x);
    vextq_u32::<2>(r, r)
}

/// The kernel: each block of `blocks` compressed into `v`, the state held
/// in two vectors throughout.
#[target_feature(enable = "neon,sm4")]
fn compress_sm3(v: &mut [u32; 8], blocks: &[[u8; 64]]) {
    let (halves, _) = v.as_chunks_mut::<4>();
    // SAFETY: each half is four readable words.
    let (mut abcd, mut efgh) =
        unsafe { (vld1q_u32(halves[0].as_ptr()), vld1q_u32(halves[1].as_ptr())) };
    abcd = reverse(abcd);
    efgh = reverse(efgh);
    for block in blocks {
        let (quads, _) = block.as_chunks::<16>();
        let mut w = [vdupq_n_u32(0); 4];
        for (wi, q) in w.iter_mut().zip(quads) {
            // SAFETY: `q` is 16 readable bytes. The words are big-endian.
            *wi = vreinterpretq_u32_u8(vrev32q_u8(unsafe { vld1q_u8(q.as_ptr()) }));
        }
        let (abcd0, efgh0) = (abcd, efgh);
        // Sixteen steps of four rounds; `w` holds W_j..W_j+15. The first 13
        // steps also expand W_j+16..W_j+19 (up to W_67). No branch inside a
        // step: rounds 0..16, 16..52 and 52..64 are separate loops.
        let mut t = vdupq_n_u32(T[0]);
        for _ in 0..4 {
            let next = expand(w[0], w[1], w[2], w[3]);
            four_rounds!("sm3tt1a", "sm3tt2a", abcd, efgh, t, w[0], w[1]);
            w = [w[1], w[2], w[3], next];
        }
        t = vdupq_n_u32(T[16]);
        for _ in 4..13 {
            let next = expand(w[0], w[1], w[2], w[3]);
            four_rounds!("sm3tt1b", "sm3tt2b", abcd, efgh, t, w[0], w[1]);
            w = [w[1], w[2], w[3], next];
        }
        for _ in 13..16 {
            four_rounds!("sm3tt1b", "sm3tt2b", abcd, efgh, t, w[0], w[1]);
            w = [w[1], w[2], w[3], vdupq_n_u32(0)];
        }
        abcd = veorq_u32(abcd, abcd0);
        efgh = veorq_u32(efgh, efgh0);
    }
    // SAFETY: each half is four writable words.
    unsafe {
        vst1q_u32(halves[0].as_mut_ptr(), reverse(abcd));
        vst1q_u32(halves[1].as_mut_ptr(), reverse(efgh));
    }
}
