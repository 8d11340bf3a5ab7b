//! The field of sm2p256v1 in assembly for x86-64 with BMI2, ADX and AVX2:
//! the multiplication and squaring (MULX/ADCX/ADOX), which dominate every
//! scalar multiplication, the additions and small multiples around them,
//! and the AVX2 scan that picks precomputed points.
//!
//! Same Montgomery representation and the same fully reduced results as
//! the portable [`fp`](super::fp) kernel, bit for bit (the tests compare
//! them on edge and random values). The product is computed first, as
//! eight limbs: MULX leaves the flags alone, so each row's low halves ride
//! the CF chain (ADCX) while its high halves ride the OF chain (ADOX); the
//! squaring computes the six cross products once and doubles them on the CF
//! chain while the four squares go in on the OF chain. Both end in
//! `montgomery_tail!`.
//!
//! What bounds it: on Intel cores ADC, SBB, ADCX, ADOX, CMOV and shifts
//! issue on two ports only (0 and 6), and a multiplication needs about 60
//! of them; hence the MULX that replaces two shifts in each Montgomery
//! step.
//!
//! Constant time: no branch and no memory address depends on the operands
//! (only MULX, ADD/ADC/SUB/SBB, ADCX/ADOX, shifts, MOV, CMOV and vector
//! AND/OR/compare).
#![allow(unsafe_code)]

use super::field::Fe;
use super::fp::Arith;
use core::arch::asm;

/// The end of the multiplication and of the squaring, as assembly text:
/// the product is in the operands t0..t7 (t0 lowest), `rax`, `rdx`, `hi`
/// and the two named operands `$x` and `$y` are free. Four Montgomery steps
/// reduce the low half (rdx = 2^32, so one MULX gives u 2^32 as two limbs;
/// step i subtracts u (2^32 - 1) + u 2^160 and adds u 2^192, the low limb
/// u being the step's factor since p = -1 mod 2^64), the result is added to
/// the high half (below 2p), and p is subtracted under CMOV when the sum
/// is at least p (adding 2^320 - p carries out exactly then). The result
/// is left in t4..t7.
macro_rules! montgomery_tail {
    ($x:literal, $y:literal) => {
        concat!(
            "mov rdx, 0x100000000\n",
            "mulx ",
            $x,
            ", rax, {t0}\n",
            "mov {hi}, rax\n",
            "mov ",
            $y,
            ", ",
            $x,
            "\n",
            "sub rax, {t0}\n",
            "sbb ",
            $x,
            ", 0\n",
            "sub {t1}, rax\n",
            "sbb {t2}, ",
            $x,
            "\n",
            "sbb {t3}, {hi}\n",
            "sbb {t0}, ",
            $y,
            "\n",
            "mulx ",
            $x,
            ", rax, {t1}\n",
            "mov {hi}, rax\n",
            "mov ",
            $y,
            ", ",
            $x,
            "\n",
            "sub rax, {t1}\n",
            "sbb ",
            $x,
            ", 0\n",
            "sub {t2}, rax\n",
            "sbb {t3}, ",
            $x,
            "\n",
            "sbb {t0}, {hi}\n",
            "sbb {t1}, ",
            $y,
            "\n",
            "mulx ",
            $x,
            ", rax, {t2}\n",
            "mov {hi}, rax\n",
            "mov ",
            $y,
            ", ",
            $x,
            "\n",
            "sub rax, {t2}\n",
            "sbb ",
            $x,
            ", 0\n",
            "sub {t3}, rax\n",
            "sbb {t0}, ",
            $x,
            "\n",
            "sbb {t1}, {hi}\n",
            "sbb {t2}, ",
            $y,
            "\n",
            "mulx ",
            $x,
            ", rax, {t3}\n",
            "mov {hi}, rax\n",
            "mov ",
            $y,
            ", ",
            $x,
            "\n",
            "sub rax, {t3}\n",
            "sbb ",
            $x,
            ", 0\n",
            "sub {t0}, rax\n",
            "sbb {t1}, ",
            $x,
            "\n",
            "sbb {t2}, {hi}\n",
            "sbb {t3}, ",
            $y,
            "\n",
            "xor eax, eax\n",
            "add {t4}, {t0}\n",
            "adc {t5}, {t1}\n",
            "adc {t6}, {t2}\n",
            "adc {t7}, {t3}\n",
            "adc eax, 0\n",
            "mov {t0}, 1\n",
            "mov {t1}, 0xffffffff\n",
            "mov {t2}, 0\n",
            "mov {t3}, 0x100000000\n",
            "mov {hi}, -1\n",
            "add {t0}, {t4}\n",
            "adc {t1}, {t5}\n",
            "adc {t2}, {t6}\n",
            "adc {t3}, {t7}\n",
            "adc {hi}, rax\n",
            "cmovc {t4}, {t0}\n",
            "cmovc {t5}, {t1}\n",
            "cmovc {t6}, {t2}\n",
            "cmovc {t7}, {t3}\n",
        )
    };
}

/// The MULX/ADX kernel: multiplication, squaring, addition, subtraction,
/// 3a, 4a, 8a and the table scan here; other small multiples from the
/// portable kernel.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Adx;

// `mul` and `square` use 13 general-purpose registers each (eleven
// operands, rax and rdx): every one an `asm!` block may take on x86-64 (rsp,
// rbp and rbx are reserved). Another operand would not fit.
impl Arith for Adx {
    #[inline(always)]
    fn mul(a: &Fe, b: &Fe) -> Fe {
        let (r0, r1, r2, r3): (u64, u64, u64, u64);
        // SAFETY: reads the 32 bytes of each operand; MULX/ADCX/ADOX need
        // BMI2 and ADX, which the dispatch (`x86.rs`) checked; no stack use.
        unsafe {
            asm!(
                // a * b0 into t0..t4
                "mov rdx, [{b}]",
                "mulx {t1}, {t0}, [{a}]",
                "mulx {t2}, rax, [{a} + 8]",
                "add {t1}, rax",
                "mulx {t3}, rax, [{a} + 16]",
                "adc {t2}, rax",
                "mulx {t4}, rax, [{a} + 24]",
                "adc {t3}, rax",
                "adc {t4}, 0",
                // + a * b1, one limb up
                "mov rdx, [{b} + 8]",
                "xor eax, eax",
                "mulx {hi}, rax, [{a}]",
                "adcx {t1}, rax",
                "adox {t2}, {hi}",
                "mulx {hi}, rax, [{a} + 8]",
                "adcx {t2}, rax",
                "adox {t3}, {hi}",
                "mulx {hi}, rax, [{a} + 16]",
                "adcx {t3}, rax",
                "adox {t4}, {hi}",
                "mulx {t5}, rax, [{a} + 24]",
                "adcx {t4}, rax",
                "mov eax, 0",
                "adcx {t5}, rax",
                "adox {t5}, rax",
                // + a * b2
                "mov rdx, [{b} + 16]",
                "xor eax, eax",
                "mulx {hi}, rax, [{a}]",
                "adcx {t2}, rax",
                "adox {t3}, {hi}",
                "mulx {hi}, rax, [{a} + 8]",
                "adcx {t3}, rax",
                "adox {t4}, {hi}",
                "mulx {hi}, rax, [{a} + 16]",
                "adcx {t4}, rax",
                "adox {t5}, {hi}",
                "mulx {t6}, rax, [{a} + 24]",
                "adcx {t5}, rax",
                "mov eax, 0",
                "adcx {t6}, rax",
                "adox {t6}, rax",
                // + a * b3
                "mov rdx, [{b} + 24]",
                "xor eax, eax",
                "mulx {hi}, rax, [{a}]",
                "adcx {t3}, rax",
                "adox {t4}, {hi}",
                "mulx {hi}, rax, [{a} + 8]",
                "adcx {t4}, rax",
                "adox {t5}, {hi}",
                "mulx {hi}, rax, [{a} + 16]",
                "adcx {t5}, rax",
                "adox {t6}, {hi}",
                "mulx {t7}, rax, [{a} + 24]",
                "adcx {t6}, rax",
                "mov eax, 0",
                "adcx {t7}, rax",
                "adox {t7}, rax",
                montgomery_tail!("{a}", "{b}"),
                a = inout(reg) a.0.as_ptr() => _,
                b = inout(reg) b.0.as_ptr() => _,
                hi = out(reg) _,
                t0 = out(reg) _,
                t1 = out(reg) _,
                t2 = out(reg) _,
                t3 = out(reg) _,
                t4 = out(reg) r0,
                t5 = out(reg) r1,
                t6 = out(reg) r2,
                t7 = out(reg) r3,
                out("rax") _,
                out("rdx") _,
                options(pure, readonly, nostack),
            );
        }
        Fe([r0, r1, r2, r3])
    }

    #[inline(always)]
    fn square(a: &Fe) -> Fe {
        let (r0, r1, r2, r3): (u64, u64, u64, u64);
        // SAFETY: reads the 32 bytes of the operand; MULX/ADCX/ADOX need
        // BMI2 and ADX, which the dispatch (`x86.rs`) checked; no stack use.
        unsafe {
            asm!(
                // the cross products a_i a_j (i < j) into t1..t6
                "mov rdx, [{a}]",
                "mulx {t2}, {t1}, [{a} + 8]",
                "mulx {t3}, rax, [{a} + 16]",
                "add {t2}, rax",
                "mulx {t4}, rax, [{a} + 24]",
                "adc {t3}, rax",
                "mov rdx, [{a} + 8]",
                "mulx {t5}, rax, [{a} + 24]",
                "adc {t4}, rax",
                "mov rdx, [{a} + 16]",
                "mulx {t6}, rax, [{a} + 24]",
                "adc {t5}, rax",
                "adc {t6}, 0",
                "mulx {hi}, rax, [{a} + 8]",
                "add {t3}, rax",
                "adc {t4}, {hi}",
                "adc {t5}, 0",
                "adc {t6}, 0",
                // doubled, plus the squares a_i^2
                "xor {z:e}, {z:e}",
                "mov rdx, [{a}]",
                "mulx {hi}, {t0}, rdx",
                "adcx {t1}, {t1}",
                "adox {t1}, {hi}",
                "mov rdx, [{a} + 8]",
                "mulx {hi}, rax, rdx",
                "adcx {t2}, {t2}",
                "adox {t2}, rax",
                "adcx {t3}, {t3}",
                "adox {t3}, {hi}",
                "mov rdx, [{a} + 16]",
                "mulx {hi}, rax, rdx",
                "adcx {t4}, {t4}",
                "adox {t4}, rax",
                "adcx {t5}, {t5}",
                "adox {t5}, {hi}",
                "mov rdx, [{a} + 24]",
                "mulx {t7}, rax, rdx",
                "adcx {t6}, {t6}",
                "adox {t6}, rax",
                "adcx {t7}, {z}",
                "adox {t7}, {z}",
                montgomery_tail!("{a}", "{z}"),
                a = inout(reg) a.0.as_ptr() => _,
                z = out(reg) _,
                hi = out(reg) _,
                t0 = out(reg) _,
                t1 = out(reg) _,
                t2 = out(reg) _,
                t3 = out(reg) _,
                t4 = out(reg) r0,
                t5 = out(reg) r1,
                t6 = out(reg) r2,
                t7 = out(reg) r3,
                out("rax") _,
                out("rdx") _,
                options(pure, readonly, nostack),
            );
        }
        Fe([r0, r1, r2, r3])
    }

    #[inline(always)]
    fn add(a: &Fe, b: &Fe) -> Fe {
        let [mut a0, mut a1, mut a2, mut a3] = a.0;
        let [b0, b1, b2, b3] = b.0;
        // SAFETY: register arithmetic only.
        unsafe {
            asm!(
                "add {a0}, {b0}",
                "adc {a1}, {b1}",
                "adc {a2}, {b2}",
                "adc {a3}, {b3}",
                // b0 = the carry; b1, b3 = the limbs of p that are not -1
                "mov {b0}, 0",
                "adc {b0}, 0",
                "mov {b1}, 0xffffffff00000000",
                "mov {b3}, 0xfffffffeffffffff",
                // (carry, a) - p; keep a when that borrows
                "mov {s0}, {a0}",
                "mov {s1}, {a1}",
                "mov {s2}, {a2}",
                "mov {b2}, {a3}",
                "sub {s0}, -1",
                "sbb {s1}, {b1}",
                "sbb {s2}, -1",
                "sbb {b2}, {b3}",
                "sbb {b0}, 0",
                "cmovnc {a0}, {s0}",
                "cmovnc {a1}, {s1}",
                "cmovnc {a2}, {s2}",
                "cmovnc {a3}, {b2}",
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                b0 = inout(reg) b0 => _,
                b1 = inout(reg) b1 => _,
                b2 = inout(reg) b2 => _,
                b3 = inout(reg) b3 => _,
                s0 = out(reg) _,
                s1 = out(reg) _,
                s2 = out(reg) _,
                options(pure, nomem, nostack),
            );
        }
        Fe([a0, a1, a2, a3])
    }

    #[inline(always)]
    fn sub(a: &Fe, b: &Fe) -> Fe {
        let [mut a0, mut a1, mut a2, mut a3] = a.0;
        let [b0, b1, b2, b3] = b.0;
        // SAFETY: register arithmetic only.
        unsafe {
            asm!(
                "sub {a0}, {b0}",
                "sbb {a1}, {b1}",
                "sbb {a2}, {b2}",
                "sbb {a3}, {b3}",
                // m = all ones when it borrowed: add p & m back
                "mov {m}, 0",
                "sbb {m}, 0",
                "mov {b1}, {m}",
                "shl {b1}, 32",
                "mov {b3}, {m}",
                "btr {b3}, 32",
                "add {a0}, {m}",
                "adc {a1}, {b1}",
                "adc {a2}, {m}",
                "adc {a3}, {b3}",
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                b0 = in(reg) b0,
                b1 = inout(reg) b1 => _,
                b2 = in(reg) b2,
                b3 = inout(reg) b3 => _,
                m = out(reg) _,
                options(pure, nomem, nostack),
            );
        }
        Fe([a0, a1, a2, a3])
    }

    #[inline(always)]
    fn scan<const T: usize>(table: &[[u64; 8]; T], v: u64) -> [u64; 8] {
        // SAFETY: the ADX kernel is selected only on CPUs with AVX2 too
        // (`x86.rs`).
        unsafe { scan_avx2(table, v) }
    }

    #[inline(always)]
    fn mul_small<const K: u64>(a: &Fe) -> Fe {
        match K {
            3 => triple(a),
            4 => shl_reduce::<2>(a),
            8 => shl_reduce::<3>(a),
            _ => super::fp::mul_small::<K>(a),
        }
    }
}

/// [`Arith::scan`] with AVX2: an entry (64 bytes) is two 256-bit loads,
/// ANDed with a mask from a vector comparison of its index with `v` and
/// ORed into the result; no branch and no address depends on `v`.
#[target_feature(enable = "avx2")]
#[inline]
fn scan_avx2<const T: usize>(table: &[[u64; 8]; T], v: u64) -> [u64; 8] {
    use core::arch::x86_64::*;
    // An optimisation barrier, as in the portable scan: the compiler cannot
    // reason about the (secret) index and turn the masks into a branch.
    let vv = _mm256_set1_epi64x(core::hint::black_box(v) as i64);
    let one = _mm256_set1_epi64x(1);
    let mut idx = one;
    let mut lo = _mm256_setzero_si256();
    let mut hi = _mm256_setzero_si256();
    for e in table {
        let m = _mm256_cmpeq_epi64(idx, vv);
        // SAFETY: each entry is 64 readable bytes; unaligned loads.
        let (x, y) = unsafe {
            (
                _mm256_loadu_si256(e.as_ptr().cast()),
                _mm256_loadu_si256(e.as_ptr().add(4).cast()),
            )
        };
        lo = _mm256_or_si256(lo, _mm256_and_si256(m, x));
        hi = _mm256_or_si256(hi, _mm256_and_si256(m, y));
        idx = _mm256_add_epi64(idx, one);
    }
    let mut r = [0u64; 8];
    // SAFETY: `r` is 64 writable bytes; unaligned stores.
    unsafe {
        _mm256_storeu_si256(r.as_mut_ptr().cast(), lo);
        _mm256_storeu_si256(r.as_mut_ptr().add(4).cast(), hi);
    }
    r
}

/// One round of "subtract p unless that borrows" on the five limbs
/// t0..t4 of a value below 3p, the difference computed in a0..a3 and s4.
macro_rules! sub_p_round {
    () => {
        concat!(
            "mov {a0}, {t0}\n",
            "mov {a1}, {t1}\n",
            "mov {a2}, {t2}\n",
            "mov {a3}, {t3}\n",
            "mov {s4}, {t4}\n",
            "sub {a0}, -1\n",
            "sbb {a1}, {p1}\n",
            "sbb {a2}, -1\n",
            "sbb {a3}, {p3}\n",
            "sbb {s4}, 0\n",
            "cmovnc {t0}, {a0}\n",
            "cmovnc {t1}, {a1}\n",
            "cmovnc {t2}, {a2}\n",
            "cmovnc {t3}, {a3}\n",
            "cmovnc {t4}, {s4}\n",
        )
    };
}

/// 3a mod p: 2a by double-precision shifts, plus a, as five limbs (below
/// 3p), then [`sub_p_round`] twice.
#[inline(always)]
fn triple(a: &Fe) -> Fe {
    let [a0, a1, a2, a3] = a.0;
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: register arithmetic only.
    unsafe {
        asm!(
            "mov {t4}, {a3}",
            "shr {t4}, 63",
            "mov {t3}, {a3}",
            "shld {t3}, {a2}, 1",
            "mov {t2}, {a2}",
            "shld {t2}, {a1}, 1",
            "mov {t1}, {a1}",
            "shld {t1}, {a0}, 1",
            "lea {t0}, [{a0} + {a0}]",
            "add {t0}, {a0}",
            "adc {t1}, {a1}",
            "adc {t2}, {a2}",
            "adc {t3}, {a3}",
            "adc {t4}, 0",
            "mov {p1}, 0xffffffff00000000",
            "mov {p3}, 0xfffffffeffffffff",
            sub_p_round!(),
            sub_p_round!(),
            a0 = inout(reg) a0 => _,
            a1 = inout(reg) a1 => _,
            a2 = inout(reg) a2 => _,
            a3 = inout(reg) a3 => _,
            t0 = out(reg) r0,
            t1 = out(reg) r1,
            t2 = out(reg) r2,
            t3 = out(reg) r3,
            t4 = out(reg) _,
            p1 = out(reg) _,
            p3 = out(reg) _,
            s4 = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    Fe([r0, r1, r2, r3])
}

/// 2^S a mod p (S = 2 or 3): the shifted value as five limbs, its top limb
/// h < 2^S folded back as h (2^256 - p) = [h, h (2^32 - 1), 0, h 2^32]
/// (a carry out of that leaves a value below 2^227, and folding
/// 2^256 - p once more cannot carry), then one subtraction of p under
/// CMOV.
#[inline(always)]
fn shl_reduce<const S: u32>(a: &Fe) -> Fe {
    let [a0, a1, a2, a3] = a.0;
    let (r0, r1, r2, r3): (u64, u64, u64, u64);
    // SAFETY: register arithmetic only.
    unsafe {
        asm!(
            "mov {h}, {a3}",
            "shr {h}, {r}",
            "shld {a3}, {a2}, {s}",
            "shld {a2}, {a1}, {s}",
            "shld {a1}, {a0}, {s}",
            "shl {a0}, {s}",
            // h (2^32 - 1) and h 2^32
            "mov {u}, {h}",
            "shl {u}, 32",
            "mov {v}, {u}",
            "sub {u}, {h}",
            "add {a0}, {h}",
            "adc {a1}, {u}",
            "adc {a2}, 0",
            "adc {a3}, {v}",
            // a carry: add 2^256 - p = [1, 2^32 - 1, 0, 2^32] once more
            "mov {h}, 0",
            "sbb {h}, 0",
            "mov {u}, 0xffffffff",
            "and {u}, {h}",
            "lea {v}, [{u} + 1]",
            "and {v}, {h}",
            "neg {h}",
            "add {a0}, {h}",
            "adc {a1}, {u}",
            "adc {a2}, 0",
            "adc {a3}, {v}",
            // below 2^256 now: subtract p once unless that borrows
            "mov {u}, 0xffffffff00000000",
            "mov {v}, 0xfffffffeffffffff",
            "mov {t0}, {a0}",
            "mov {t1}, {a1}",
            "mov {t2}, {a2}",
            "mov {h}, {a3}",
            "sub {t0}, -1",
            "sbb {t1}, {u}",
            "sbb {t2}, -1",
            "sbb {h}, {v}",
            "cmovnc {a0}, {t0}",
            "cmovnc {a1}, {t1}",
            "cmovnc {a2}, {t2}",
            "cmovnc {a3}, {h}",
            s = const S,
            r = const 64 - S,
            a0 = inout(reg) a0 => r0,
            a1 = inout(reg) a1 => r1,
            a2 = inout(reg) a2 => r2,
            a3 = inout(reg) a3 => r3,
            h = out(reg) _,
            u = out(reg) _,
            v = out(reg) _,
            t0 = out(reg) _,
            t1 = out(reg) _,
            t2 = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    Fe([r0, r1, r2, r3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sm2::fp::tests::{arb_fe, edge_values};
    use crate::sm2::fp::{self, Portable};
    use proptest::prelude::*;

    fn have_adx() -> bool {
        std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("adx")
            && std::is_x86_feature_detected!("avx2")
    }

    fn check_pair(a: &Fe, b: &Fe) {
        assert_eq!(Adx::mul(a, b).0, Portable::mul(a, b).0, "mul {a:?} {b:?}");
        assert_eq!(Adx::square(a).0, Portable::square(a).0, "square {a:?}");
        assert_eq!(Adx::add(a, b).0, fp::add(a, b).0, "add {a:?} {b:?}");
        assert_eq!(Adx::sub(a, b).0, fp::sub(a, b).0, "sub {a:?} {b:?}");
        assert_eq!(Adx::double(a).0, fp::double(a).0, "double {a:?}");
        assert_eq!(
            Adx::mul_small::<3>(a).0,
            fp::mul_small::<3>(a).0,
            "3a {a:?}"
        );
        assert_eq!(
            Adx::mul_small::<4>(a).0,
            fp::mul_small::<4>(a).0,
            "4a {a:?}"
        );
        assert_eq!(
            Adx::mul_small::<8>(a).0,
            fp::mul_small::<8>(a).0,
            "8a {a:?}"
        );
    }

    #[test]
    fn edge_values_agree_with_the_portable_kernel() {
        if !have_adx() {
            std::eprintln!("no BMI2+ADX+AVX2 on this CPU: the assembly kernel is not tested here");
            return;
        }
        let v = edge_values();
        for a in &v {
            for b in &v {
                check_pair(a, b);
            }
        }
    }

    #[test]
    fn the_table_scan_agrees_with_the_portable_one() {
        if !have_adx() {
            return;
        }
        let mut t = [[0u64; 8]; 32];
        for (j, e) in t.iter_mut().enumerate() {
            for (i, l) in e.iter_mut().enumerate() {
                *l = (j as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i as u64) << 56;
            }
        }
        let t16: &[[u64; 8]; 16] = t[..16].try_into().unwrap_or(&[[0; 8]; 16]);
        for v in [0u64, 1, 2, 15, 16, 17, 31, 32, 33, u64::MAX, 1 << 63] {
            assert_eq!(Adx::scan(&t, v), Portable::scan(&t, v), "v = {v}");
            assert_eq!(Adx::scan(t16, v), Portable::scan(t16, v), "v = {v}");
        }
        assert_eq!(Adx::scan(&t, 5), t[4]);
        assert_eq!(Adx::scan(&t, 0), [0; 8]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        #[test]
        fn random_values_agree_with_the_portable_kernel(a in arb_fe(), b in arb_fe()) {
            if have_adx() {
                check_pair(&a, &b);
            }
        }
    }
}
