//! Arithmetic modulo the sm2p256v1 prime p = 2^256 - 2^224 - 2^96 + 2^64 - 1,
//! specialised for its form, in the same Montgomery representation
//! (R = 2^256) as the generic [`Modulus`](super::field::Modulus), so that
//! elements pass between the two unchanged and every kernel here is tested
//! against the generic one on the same inputs.
//!
//! p = -1 mod 2^64, so -p^-1 mod 2^64 = 1: the Montgomery factor of each
//! reduction step is the low limb itself, and adding u * p to the running
//! value is adding u * (p + 1) / 2^64 = u * (2^192 - 2^160 - 2^32 + 1) one
//! limb up, which takes two shifts and two carry chains instead of four
//! multiplications (`add_fold`).
//!
//! Constant time: no branch and no memory index depends on an operand;
//! carries are arithmetic and the final subtraction of p is undone by a
//! masked addition when it borrows. Every output is fully reduced (below
//! p), as the generic field keeps it, so equality and zero tests compare
//! limbs.

use super::field::Fe;
use subtle::{Choice, ConstantTimeEq};

/// p, least significant limb first.
pub(crate) const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
    0xffff_ffff_ffff_ffff,
    0xffff_fffe_ffff_ffff,
];

/// 1 in Montgomery form: R mod p = 2^256 - p.
pub(crate) const ONE: Fe = Fe([1, 0x0000_0000_ffff_ffff, 0, 0x0000_0001_0000_0000]);

/// a + b + carry (carry 0 or 1), with the carry out (0 or 1). On x86-64 the
/// `_addcarry_u64` intrinsic (baseline x86-64, no `unsafe`): LLVM keeps
/// such chains in the carry flag, which the `u128` form below often spills.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let mut o = 0;
    let c = core::arch::x86_64::_addcarry_u64(carry as u8, a, b, &mut o);
    (o, c as u64)
}

/// a - b - borrow (borrow 0 or 1), with the borrow out (0 or 1).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let mut o = 0;
    let c = core::arch::x86_64::_subborrow_u64(borrow as u8, a, b, &mut o);
    (o, c as u64)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, ((t >> 64) as u64) & 1)
}

#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// Subtracts p from (carry, t) when that value is at least p; the input
/// is below 2p. Computes t - p and adds p back under a mask when that
/// borrowed past the carry bit: no comparison, no branch.
#[inline(always)]
fn reduce_once(t: [u64; 4], carry: u64) -> Fe {
    let (s0, b) = sbb(t[0], P[0], 0);
    let (s1, b) = sbb(t[1], P[1], b);
    let (s2, b) = sbb(t[2], P[2], b);
    let (s3, b) = sbb(t[3], P[3], b);
    let (_, b) = sbb(carry, 0, b);
    add_p_masked([s0, s1, s2, s3], b.wrapping_neg())
}

/// s + (p & mask) mod 2^256.
#[inline(always)]
fn add_p_masked(s: [u64; 4], mask: u64) -> Fe {
    let (r0, c) = adc(s[0], P[0] & mask, 0);
    let (r1, c) = adc(s[1], P[1] & mask, c);
    let (r2, c) = adc(s[2], P[2] & mask, c);
    let (r3, _) = adc(s[3], P[3] & mask, c);
    Fe([r0, r1, r2, r3])
}

/// (t1, t2, t3, t4) + u * (p + 1) / 2^64, with the carry out (0 or 1):
/// one reduction step after the low limb u, which adding u * p clears.
/// u (p + 1) / 2^64 = u + u 2^192 - (u 2^32)(1 + 2^128): with
/// lo = u << 32 and hi = u >> 32 that is [u, 0, 0, u] - [lo, hi, lo, hi]
/// in limbs, applied as a subtraction chain then an addition chain. The
/// sum is below 2^320 and above t, so a borrow out of the first chain is
/// always matched by a carry out of the second: the carry out is c ^ b.
#[inline(always)]
fn add_fold(t: [u64; 4], u: u64) -> ([u64; 4], u64) {
    let lo = u << 32;
    let hi = u >> 32;
    let (s1, b) = sbb(t[0], lo, 0);
    let (s2, b) = sbb(t[1], hi, b);
    let (s3, b) = sbb(t[2], lo, b);
    let (s4, b) = sbb(t[3], hi, b);
    let (s1, c) = adc(s1, u, 0);
    let (s2, c) = adc(s2, 0, c);
    let (s3, c) = adc(s3, 0, c);
    let (s4, c) = adc(s4, u, c);
    ([s1, s2, s3, s4], c ^ b)
}

/// a * b_i as five limbs, the carries resolved inside the row.
#[inline(always)]
fn row(a: &[u64; 4], bi: u64) -> [u64; 5] {
    let m = |x: u64| {
        let p = (x as u128) * (bi as u128);
        (p as u64, (p >> 64) as u64)
    };
    let (l0, h0) = m(a[0]);
    let (l1, h1) = m(a[1]);
    let (l2, h2) = m(a[2]);
    let (l3, h3) = m(a[3]);
    let (r1, c) = adc(l1, h0, 0);
    let (r2, c) = adc(l2, h1, c);
    let (r3, c) = adc(l3, h2, c);
    // a_3 * b_i + carries < 2^128: no overflow.
    [l0, r1, r2, r3, h3 + c]
}

/// a * b / R mod p, operand scanning with the reduction interleaved
/// (CIOS): after each row the low limb u is cleared by adding u * p, that
/// is, `add_fold` one limb up. The running value stays below 2p.
#[inline(always)]
pub(crate) fn mul(a: &Fe, b: &Fe) -> Fe {
    let a = &a.0;
    let b = &b.0;
    let mut t = row(a, b[0]);
    let mut top = 0u64;
    let mut i = 1;
    loop {
        let ([s0, s1, s2, s3], c) = add_fold([t[1], t[2], t[3], t[4]], t[0]);
        let s4 = top + c;
        if i == 4 {
            return reduce_once([s0, s1, s2, s3], s4);
        }
        let r = row(a, b[i]);
        let (u0, c) = adc(s0, r[0], 0);
        let (u1, c) = adc(s1, r[1], c);
        let (u2, c) = adc(s2, r[2], c);
        let (u3, c) = adc(s3, r[3], c);
        let (u4, c) = adc(s4, r[4], c);
        t = [u0, u1, u2, u3, u4];
        top = c;
        i += 1;
    }
}

/// a^2 / R mod p: the CIOS multiplication with both operands equal. LLVM
/// computes each cross product once (ten multiplications instead of
/// sixteen). A dedicated schoolbook squaring (cross products summed,
/// doubled, squares added, then the four reduction steps) was measured
/// slower on Zen 4 (37 against 44 cycles of latency; Jacobian doubling 353
/// against 367 cycles): it has fewer instructions but cannot start the
/// reduction before the whole product is done, where CIOS overlaps each
/// reduction step with the next row.
#[inline(always)]
pub(crate) fn square(a: &Fe) -> Fe {
    mul(a, a)
}

/// The arithmetic the point formulas and scalar multiplications are
/// generic over: each kernel is a type, so a scalar multiplication is
/// compiled once per kernel with every field operation inlined, and the
/// kernel is chosen once per call (`mul.rs`, `x86.rs`). The default
/// methods are the portable Rust bodies of this module; a kernel overrides
/// what it does faster (on x86-64: MULX/ADCX/ADOX assembly, `fp_adx.rs`).
/// Every implementation returns fully reduced values, bit for bit the
/// portable results, and is tested against them.
pub(crate) trait Arith: Copy {
    /// a * b / R mod p.
    #[inline(always)]
    fn mul(a: &Fe, b: &Fe) -> Fe {
        mul(a, b)
    }
    /// a^2 / R mod p.
    #[inline(always)]
    fn square(a: &Fe) -> Fe {
        square(a)
    }
    /// a + b mod p.
    #[inline(always)]
    fn add(a: &Fe, b: &Fe) -> Fe {
        add(a, b)
    }
    /// a - b mod p.
    #[inline(always)]
    fn sub(a: &Fe, b: &Fe) -> Fe {
        sub(a, b)
    }
    /// 2a mod p.
    #[inline(always)]
    fn double(a: &Fe) -> Fe {
        Self::add(a, a)
    }
    /// K a mod p for a small constant K (2 <= K < 2^32).
    #[inline(always)]
    fn mul_small<const K: u64>(a: &Fe) -> Fe {
        mul_small::<K>(a)
    }
    /// The table entry j with j + 1 = v, or all zeros when there is none,
    /// by a masked scan of every entry (constant time): how the scalar
    /// multiplications pick precomputed points.
    #[inline(always)]
    fn scan<const T: usize>(table: &[[u64; 8]; T], v: u64) -> [u64; 8] {
        super::mul::scan(table, v)
    }
}

/// The portable kernel: the Rust bodies of this module.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Portable;

impl Arith for Portable {}

/// a + b mod p.
#[inline(always)]
pub(crate) fn add(a: &Fe, b: &Fe) -> Fe {
    let (r0, c) = adc(a.0[0], b.0[0], 0);
    let (r1, c) = adc(a.0[1], b.0[1], c);
    let (r2, c) = adc(a.0[2], b.0[2], c);
    let (r3, c) = adc(a.0[3], b.0[3], c);
    reduce_once([r0, r1, r2, r3], c)
}

/// 2a mod p (the portable kernel's `Arith::double`; tests).
#[cfg(test)]
pub(crate) fn double(a: &Fe) -> Fe {
    add(a, a)
}

/// K * a mod p for a small constant K (2 <= K < 2^32): the five-limb
/// product L + h 2^256 folds h back as h (2^256 - p), with one more fold
/// of 2^256 - p under a mask if that carried, then one masked
/// subtraction of p. Cheaper than repeated doublings from K = 3 on.
#[inline(always)]
pub(crate) fn mul_small<const K: u64>(a: &Fe) -> Fe {
    let a = &a.0;
    let (l0, c) = mac(0, a[0], K, 0);
    let (l1, c) = mac(0, a[1], K, c);
    let (l2, c) = mac(0, a[2], K, c);
    let (l3, h) = mac(0, a[3], K, c);
    // h (2^256 - p) = [h, h (2^32 - 1), 0, h 2^32], h < 2^32.
    let (l0, c) = adc(l0, h, 0);
    let (l1, c) = adc(l1, (h << 32) - h, c);
    let (l2, c) = adc(l2, 0, c);
    let (l3, c) = adc(l3, h << 32, c);
    // A carry leaves a value below K 2^225: adding 2^256 - p once more
    // cannot carry again.
    let m = c.wrapping_neg();
    let (l0, c) = adc(l0, 1 & m, 0);
    let (l1, c) = adc(l1, 0xffff_ffff & m, c);
    let (l2, c) = adc(l2, 0, c);
    let (l3, _) = adc(l3, 0x1_0000_0000 & m, c);
    reduce_once([l0, l1, l2, l3], 0)
}

/// a - b mod p.
#[inline(always)]
pub(crate) fn sub(a: &Fe, b: &Fe) -> Fe {
    let (r0, br) = sbb(a.0[0], b.0[0], 0);
    let (r1, br) = sbb(a.0[1], b.0[1], br);
    let (r2, br) = sbb(a.0[2], b.0[2], br);
    let (r3, br) = sbb(a.0[3], b.0[3], br);
    // Add p back when the subtraction borrowed.
    add_p_masked([r0, r1, r2, r3], br.wrapping_neg())
}

/// -a mod p.
#[inline(always)]
pub(crate) fn neg(a: &Fe) -> Fe {
    sub(&Fe::default(), a)
}

/// -a when `c` is set, else a.
#[inline(always)]
pub(crate) fn conditional_neg(a: &Fe, c: Choice) -> Fe {
    let n = neg(a);
    subtle::ConditionallySelectable::conditional_select(a, &n, c)
}

/// Whether a = 0.
#[inline(always)]
pub(crate) fn is_zero(a: &Fe) -> Choice {
    a.ct_eq(&Fe::default())
}

/// a^(2^n): n squarings (n public).
#[cfg(test)]
#[inline(always)]
fn sqn(a: &Fe, n: usize) -> Fe {
    let mut r = *a;
    for _ in 0..n {
        r = square(&r);
    }
    r
}

/// The safegcd constants of p.
static P_INV: super::safegcd::ModInfo = super::safegcd::ModInfo::new(&P);

/// R^3 mod p.
const R3: Fe = Fe(super::curve::SM2P256V1_P.r3_limbs());

/// a^-1 mod p (zero maps to zero), in constant time by safegcd: the plain
/// inverse of the Montgomery value aR is a^-1 R^-1, and one multiplication
/// by R^3 brings it to a^-1 R.
pub(crate) fn invert(a: &Fe) -> Fe {
    mul(&Fe(super::safegcd::invert(&a.0, &P_INV)), &R3)
}

/// a^-1 = a^(p - 2) mod p by an addition chain, 256 squarings and 15
/// multiplications along the runs of ones of
/// p - 2 = 1^31 0 1^128 0^32 1^62 0 1 (bits from the top). Constant time;
/// a cross-check of the safegcd inversion in tests.
#[cfg(test)]
pub(crate) fn invert_fermat(a: &Fe) -> Fe {
    let x1 = *a;
    let x2 = mul(&square(&x1), &x1);
    let x3 = mul(&square(&x2), &x1);
    let x6 = mul(&sqn(&x3, 3), &x3);
    let x12 = mul(&sqn(&x6, 6), &x6);
    let x24 = mul(&sqn(&x12, 12), &x12);
    let x30 = mul(&sqn(&x24, 6), &x6);
    let x31 = mul(&square(&x30), &x1);
    let x32 = mul(&square(&x31), &x1);
    // 1^31 0
    let mut r = square(&x31);
    // 1^128
    for _ in 0..4 {
        r = mul(&sqn(&r, 32), &x32);
    }
    // 0^32
    r = sqn(&r, 32);
    // 1^62 = 1^32 1^30
    r = mul(&sqn(&r, 32), &x32);
    r = mul(&sqn(&r, 30), &x30);
    // 0 1
    mul(&sqn(&r, 2), &x1)
}

/// R^2 mod p, to enter Montgomery form.
const R2: Fe = Fe([
    0x0000_0002_0000_0003,
    0x0000_0002_ffff_ffff,
    0x0000_0001_0000_0001,
    0x0000_0004_0000_0002,
]);

/// Parses 32 big-endian bytes into Montgomery form; the Choice is set when
/// the value is below p.
pub(crate) fn from_be_bytes(be: &[u8; 32]) -> (Fe, Choice) {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(&be[24 - 8 * i..32 - 8 * i]);
        *limb = u64::from_be_bytes(b);
    }
    let (_, b) = sbb(l[0], P[0], 0);
    let (_, b) = sbb(l[1], P[1], b);
    let (_, b) = sbb(l[2], P[2], b);
    let (_, b) = sbb(l[3], P[3], b);
    // A value >= p still gives some element; the caller checks the flag.
    (mul(&Fe(l), &R2), Choice::from(b as u8))
}

/// The plain value of a, as 32 big-endian bytes.
pub(crate) fn to_be_bytes(a: &Fe) -> [u8; 32] {
    let l = mul(a, &Fe([1, 0, 0, 0])).0;
    let mut out = [0u8; 32];
    for i in 0..4 {
        out[8 * i..8 * i + 8].copy_from_slice(&l[3 - i].to_be_bytes());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sm2::curve::SM2P256V1;
    use proptest::prelude::*;

    /// Elements that stress the carries: 0, 1, 2, p - 1, p - 2, R mod p,
    /// values with all-ones or all-zero limbs, 2^255.
    pub(crate) fn edge_values() -> std::vec::Vec<Fe> {
        let f = &SM2P256V1.p;
        let pm1 = Fe([P[0] - 1, P[1], P[2], P[3]]);
        let pm2 = Fe([P[0] - 2, P[1], P[2], P[3]]);
        let mut v = std::vec![
            Fe::default(),
            Fe([1, 0, 0, 0]),
            Fe([2, 0, 0, 0]),
            pm1,
            pm2,
            ONE,
            Fe([u64::MAX, 0, 0, 0]),
            Fe([0, u64::MAX, 0, 0]),
            Fe([0, 0, u64::MAX, 0]),
            Fe([0, 0, 0, 1 << 63]),
            Fe([u64::MAX, u64::MAX, u64::MAX, P[3] - 1]),
            Fe([0, P[1], P[2], P[3]]),
            Fe([u64::MAX, P[1] - 1, u64::MAX, P[3]]),
            // 2^255 - 1 and 3 2^254 - 1: 4a and 8a carry out of 2^256 when
            // their top is folded back (the second fold of `mul_small`).
            Fe([u64::MAX, u64::MAX, u64::MAX, (1 << 63) - 1]),
            Fe([u64::MAX, u64::MAX, u64::MAX, (3 << 62) - 1]),
        ];
        v.push(f.neg(&f.one()));
        v
    }

    pub(crate) fn arb_fe() -> impl Strategy<Value = Fe> {
        // Any 256-bit value reduced once lands below p.
        any::<[u64; 4]>().prop_map(|l| {
            let (s, b) = super::super::field::tests_support::sub_p(&l);
            if b { Fe(l) } else { Fe(s) }
        })
    }

    fn check_pair(a: &Fe, b: &Fe) {
        let f = &SM2P256V1.p;
        assert_eq!(mul(a, b).0, f.mul(a, b).0, "mul {a:?} {b:?}");
        assert_eq!(square(a).0, f.square(a).0, "square {a:?}");
        assert_eq!(add(a, b).0, f.add(a, b).0, "add {a:?} {b:?}");
        assert_eq!(sub(a, b).0, f.sub(a, b).0, "sub {a:?} {b:?}");
        assert_eq!(neg(a).0, f.neg(a).0, "neg {a:?}");
        assert_eq!(double(a).0, f.add(a, a).0, "double {a:?}");
        let a2 = f.add(a, a);
        let a3 = f.add(&a2, a);
        let a4 = f.add(&a2, &a2);
        let a8 = f.add(&a4, &a4);
        assert_eq!(mul_small::<3>(a).0, a3.0, "3a {a:?}");
        assert_eq!(mul_small::<4>(a).0, a4.0, "4a {a:?}");
        assert_eq!(mul_small::<8>(a).0, a8.0, "8a {a:?}");
        let a12 = f.add(&a8, &a4);
        assert_eq!(mul_small::<12>(a).0, a12.0, "12a {a:?}");
    }

    #[test]
    fn edge_values_agree_with_the_generic_field() {
        let v = edge_values();
        for a in &v {
            for b in &v {
                check_pair(a, b);
            }
            let want = SM2P256V1.p.invert_fermat(a).0;
            assert_eq!(invert(a).0, want, "invert {a:?}");
            assert_eq!(invert_fermat(a).0, want, "addition chain {a:?}");
        }
        assert_eq!(invert(&Fe::default()).0, [0; 4], "0^-1 = 0");
        assert_eq!(ONE.0, SM2P256V1.one_m.0);
        assert_eq!(R2.0, SM2P256V1.p.r2_limbs());
    }

    #[test]
    fn bytes_round_trip() {
        let f = &SM2P256V1.p;
        for a in edge_values() {
            let be = f.to_be_bytes(&a);
            assert_eq!(to_be_bytes(&a), be);
            let (b, ok) = from_be_bytes(&be);
            assert!(bool::from(ok));
            assert_eq!(b.0, a.0);
        }
        // p itself and 2^256 - 1 are out of range.
        let (_, ok) = from_be_bytes(&f.to_be_bytes(&Fe::default()).map(|_| 0xff));
        assert!(!bool::from(ok));
        let mut pbe = [0u8; 32];
        for i in 0..4 {
            pbe[8 * i..8 * i + 8].copy_from_slice(&P[3 - i].to_be_bytes());
        }
        assert!(!bool::from(from_be_bytes(&pbe).1));
        pbe[31] -= 1;
        assert!(bool::from(from_be_bytes(&pbe).1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn random_values_agree_with_the_generic_field(a in arb_fe(), b in arb_fe()) {
            check_pair(&a, &b);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn inversion_agrees_with_the_generic_field(a in arb_fe()) {
            let want = SM2P256V1.p.invert_fermat(&a).0;
            prop_assert_eq!(invert(&a).0, want);
            prop_assert_eq!(invert_fermat(&a).0, want);
            if !bool::from(is_zero(&a)) {
                prop_assert_eq!(mul(&a, &invert(&a)).0, ONE.0);
            }
        }
    }
}
