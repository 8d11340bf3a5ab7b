//! SM4 on AArch64: two kernels, both constant time.
//!
//! * **SM4E** (ARMv8.2 FEAT_SM4): `sm4e` runs four rounds of one block held
//!   in a vector register, with the four round keys in another; eight (or
//!   four, or one) independent blocks are interleaved per pass to hide the
//!   instruction's latency. The intrinsics (`vsm4eq_u32`) are unstable in
//!   Rust (`stdarch_neon_sm4`), so the instruction is issued through
//!   `core::arch::asm!` inside functions compiled with the stable `sm4`
//!   target feature. The key schedule stays portable (it runs once per key).
//! * **NEON+AES**, for CPUs with the AES instructions but not the SM4 ones:
//!   four or eight blocks per pass, with the maths of the x86 AES-NI kernel
//!   (see `x86.rs`): the SM4 S-box is `OUT(S_aes(IN(x)))` with `IN` and
//!   `OUT` affine maps applied through 16-entry nibble tables (`tbl`, a
//!   register lookup), `aese` with a zero round key computes `S_aes`
//!   followed by ShiftRows, and ShiftRows is undone inside the four byte
//!   shuffles that the linear transform needs:
//!   `L(s) = s ^ rotl(s ^ rotl8(s) ^ rotl16(s), 2) ^ rotl24(s)`.
//!
//! Neither branches on data nor reads memory at a data-dependent address
//! (`sm4e` computes the S-box in hardware).
#![allow(unsafe_code)]

use core::arch::aarch64::*;
use core::arch::asm;
use zeroize::Zeroize;

/// One block, as the kernel sees it.
type Block = [u8; 16];

// On Linux this reads AT_HWCAP: "aes" means AES and PMULL, "sm4" means the
// SM3 and the SM4 instructions.
cpufeatures::new!(aes, "aes");
cpufeatures::new!(sm4_insn, "sm4");

/// Whether this CPU has the SM4 instructions (detected once), and the
/// portable kernels are not forced.
pub(crate) fn sm4e_available() -> bool {
    !cfg!(feature = "force-portable") && sm4_insn::get()
}

/// Whether this CPU has the AES instructions (detected once), and the
/// portable kernels are not forced.
pub(crate) fn available() -> bool {
    !cfg!(feature = "force-portable") && aes::get()
}

use super::tables::{IN_HI, IN_LO, INV_SHIFT_ROWS, ISR_ROL8, ISR_ROL16, ISR_ROL24, OUT_HI, OUT_LO};

/// The round constants in registers.
struct Consts {
    mask: uint8x16_t,
    in_lo: uint8x16_t,
    in_hi: uint8x16_t,
    out_lo: uint8x16_t,
    out_hi: uint8x16_t,
    isr: uint8x16_t,
    isr_rol8: uint8x16_t,
    isr_rol16: uint8x16_t,
    isr_rol24: uint8x16_t,
}

impl Consts {
    #[target_feature(enable = "neon")]
    #[inline]
    unsafe fn new() -> Self {
        // SAFETY: NEON loads of 16-byte constant tables, enabled by the
        // caller.
        unsafe {
            Self {
                mask: vdupq_n_u8(0x0f),
                in_lo: vld1q_u8(IN_LO.as_ptr()),
                in_hi: vld1q_u8(IN_HI.as_ptr()),
                out_lo: vld1q_u8(OUT_LO.as_ptr()),
                out_hi: vld1q_u8(OUT_HI.as_ptr()),
                isr: vld1q_u8(INV_SHIFT_ROWS.as_ptr()),
                isr_rol8: vld1q_u8(ISR_ROL8.as_ptr()),
                isr_rol16: vld1q_u8(ISR_ROL16.as_ptr()),
                isr_rol24: vld1q_u8(ISR_ROL24.as_ptr()),
            }
        }
    }

    /// An affine map given by nibble tables, on every byte.
    #[target_feature(enable = "neon")]
    #[inline]
    fn affine(&self, x: uint8x16_t, lo: uint8x16_t, hi: uint8x16_t) -> uint8x16_t {
        veorq_u8(
            vqtbl1q_u8(lo, vandq_u8(x, self.mask)),
            vqtbl1q_u8(hi, vshrq_n_u8::<4>(x)),
        )
    }

    /// SM4's `T = L(S(.))` on four words.
    #[target_feature(enable = "neon,aes")]
    #[inline]
    fn t(&self, x: uint32x4_t) -> uint32x4_t {
        let u = self.affine(vreinterpretq_u8_u32(x), self.in_lo, self.in_hi);
        let u = vaeseq_u8(u, vdupq_n_u8(0));
        let u = self.affine(u, self.out_lo, self.out_hi);
        let s = vqtbl1q_u8(u, self.isr);
        let y = veorq_u8(
            veorq_u8(s, vqtbl1q_u8(u, self.isr_rol8)),
            vqtbl1q_u8(u, self.isr_rol16),
        );
        let y = vreinterpretq_u32_u8(y);
        let y = vsliq_n_u32::<2>(vshrq_n_u32::<30>(y), y);
        let r = veorq_u8(
            vreinterpretq_u8_u32(y),
            veorq_u8(s, vqtbl1q_u8(u, self.isr_rol24)),
        );
        vreinterpretq_u32_u8(r)
    }
}

/// The 4x4 transpose of 32-bit words (its own inverse).
#[target_feature(enable = "neon")]
#[inline]
fn transpose(a: uint32x4_t, b: uint32x4_t, c: uint32x4_t, d: uint32x4_t) -> [uint32x4_t; 4] {
    let t0 = vtrn1q_u32(a, b);
    let t1 = vtrn2q_u32(a, b);
    let t2 = vtrn1q_u32(c, d);
    let t3 = vtrn2q_u32(c, d);
    let w = |x: uint32x4_t| vreinterpretq_u64_u32(x);
    let n = |x: uint64x2_t| vreinterpretq_u32_u64(x);
    [
        n(vtrn1q_u64(w(t0), w(t2))),
        n(vtrn1q_u64(w(t1), w(t3))),
        n(vtrn2q_u64(w(t0), w(t2))),
        n(vtrn2q_u64(w(t1), w(t3))),
    ]
}

/// `S` sets of four blocks per pass.
///
/// # Safety
/// The CPU must support NEON and the AES instructions ([`available`]).
#[target_feature(enable = "neon,aes")]
unsafe fn crypt<const S: usize>(rk: &[u32; 32], decrypt: bool, blocks: &mut [[Block; 4]; S]) {
    // SAFETY: the target features are enabled on this function; every load
    // and store reads or writes a whole block that the caller owns.
    unsafe {
        let c = Consts::new();
        let mut x = [[vdupq_n_u32(0); 4]; S];
        for (set, b) in x.iter_mut().zip(blocks.iter()) {
            // Big-endian words.
            let v = |k: usize| vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(b[k].as_ptr())));
            *set = transpose(v(0), v(1), v(2), v(3));
        }
        for r in (0..32).step_by(4) {
            for i in 0..4 {
                let round = r + i;
                let k = vdupq_n_u32(if decrypt { rk[31 - round] } else { rk[round] });
                for set in x.iter_mut() {
                    let t = veorq_u32(
                        veorq_u32(set[(i + 1) % 4], set[(i + 2) % 4]),
                        veorq_u32(set[(i + 3) % 4], k),
                    );
                    set[i] = veorq_u32(set[i], c.t(t));
                }
            }
        }
        for (set, b) in x.iter().zip(blocks.iter_mut()) {
            let out = transpose(set[3], set[2], set[1], set[0]);
            for (blk, o) in b.iter_mut().zip(out) {
                vst1q_u8(blk.as_mut_ptr(), vrev32q_u8(vreinterpretq_u8_u32(o)));
            }
        }
    }
}

/// Encrypts or decrypts `blocks`: eight per pass, then four, the last few
/// padded.
///
/// # Safety
/// [`available`] must have returned true.
pub(crate) unsafe fn crypt_many(rk: &[u32; 32], decrypt: bool, blocks: &mut [Block]) {
    let (eights, rest) = blocks.as_chunks_mut::<8>();
    for e in eights {
        let (g, _) = e.as_chunks_mut::<4>();
        if let Ok(g) = <&mut [[Block; 4]; 2]>::try_from(g) {
            // SAFETY: the caller confirmed NEON and AES.
            unsafe { crypt::<2>(rk, decrypt, g) };
        }
    }
    let (fours, tail) = rest.as_chunks_mut::<4>();
    for f in fours {
        // SAFETY: as above.
        unsafe { crypt::<1>(rk, decrypt, core::array::from_mut(f)) };
    }
    if !tail.is_empty() {
        let mut lanes = [[0u8; 16]; 4];
        lanes[..tail.len()].copy_from_slice(tail);
        // SAFETY: as above.
        unsafe { crypt::<1>(rk, decrypt, core::array::from_mut(&mut lanes)) };
        tail.copy_from_slice(&lanes[..tail.len()]);
        lanes.zeroize();
    }
}

// ---- SM4E -----------------------------------------------------------------

/// Four SM4 rounds on the block `x` (word `i` of the block in lane `i`, as a
/// native integer) with the round keys `k` (the first in lane 0).
#[target_feature(enable = "neon,sm4")]
#[inline]
fn sm4e(mut x: uint32x4_t, k: uint32x4_t) -> uint32x4_t {
    // SAFETY: `sm4e` reads and writes only the two vector registers named;
    // the SM4 instructions are enabled on this function, whose callers
    // checked the CPU.
    unsafe {
        asm!(
            "sm4e {x:v}.4s, {k:v}.4s",
            x = inout(vreg) x,
            k = in(vreg) k,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    x
}

/// The round keys as eight vectors of four, reversed for decryption.
#[target_feature(enable = "neon")]
#[inline]
fn round_key_vectors(rk: &[u32; 32], decrypt: bool) -> [uint32x4_t; 8] {
    let (quads, _) = rk.as_chunks::<4>();
    let mut k = [vdupq_n_u32(0); 8];
    for (ki, q) in k.iter_mut().zip(quads) {
        // SAFETY: `q` is four readable words.
        *ki = unsafe { vld1q_u32(q.as_ptr()) };
    }
    if decrypt {
        k.reverse();
        for ki in k.iter_mut() {
            let r = vrev64q_u32(*ki);
            *ki = vextq_u32::<2>(r, r);
        }
    }
    k
}

/// `N` blocks in one pass, their rounds interleaved.
#[target_feature(enable = "neon,sm4")]
#[inline]
fn crypt_sm4e<const N: usize>(k: &[uint32x4_t; 8], blocks: &mut [Block; N]) {
    let mut x = [vdupq_n_u32(0); N];
    for (xi, b) in x.iter_mut().zip(blocks.iter()) {
        // SAFETY: `b` is 16 readable bytes. The words are big-endian.
        *xi = vreinterpretq_u32_u8(vrev32q_u8(unsafe { vld1q_u8(b.as_ptr()) }));
    }
    for ki in k {
        for xi in x.iter_mut() {
            *xi = sm4e(*xi, *ki);
        }
    }
    for (xi, b) in x.iter().zip(blocks.iter_mut()) {
        // The output is X35, X34, X33, X32 as big-endian words: the lanes
        // hold X32..X35 as native (little-endian) words, so reversing all
        // sixteen bytes gives it.
        let r = vrev64q_u8(vreinterpretq_u8_u32(*xi));
        // SAFETY: `b` is 16 writable bytes.
        unsafe { vst1q_u8(b.as_mut_ptr(), vextq_u8::<8>(r, r)) };
    }
}

/// Encrypts or decrypts `blocks` with `sm4e`: eight per pass, then four,
/// then one at a time (no padding needed).
///
/// # Safety
/// [`sm4e_available`] must have returned true.
#[target_feature(enable = "neon,sm4")]
pub(crate) unsafe fn crypt_many_sm4e(rk: &[u32; 32], decrypt: bool, blocks: &mut [Block]) {
    let k = round_key_vectors(rk, decrypt);
    let (eights, rest) = blocks.as_chunks_mut::<8>();
    for e in eights {
        crypt_sm4e(&k, e);
    }
    let (fours, tail) = rest.as_chunks_mut::<4>();
    for f in fours {
        crypt_sm4e(&k, f);
    }
    for b in tail {
        crypt_sm4e(&k, core::array::from_mut(b));
    }
}
