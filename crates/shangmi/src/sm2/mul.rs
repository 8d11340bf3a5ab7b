//! Scalar multiplication on sm2p256v1 with the specialised field and
//! Jacobian points:
//!
//! * [`mul_ct`]: k * P for a secret k, a fixed signed 5-bit window (Booth
//!   recoding, 52 windows) over the affine multiples P .. 16P (one
//!   inversion), each entry chosen by a masked scan of all sixteen and
//!   negated by a masked selection, added with a mixed addition;
//! * [`mul_base`]: k * G for a secret k, a comb over a precomputed table of
//!   affine multiples `d * 2^(6i) * G` (43 rows of 32, built once under
//!   `std`), one masked row scan and one mixed addition per row and no
//!   doubling;
//! * [`mul_double_vartime`]: s * G + t * P for PUBLIC s, t and P
//!   (verification): interleaved wNAF, width 10 for G from a precomputed
//!   affine table of 256 odd multiples (under `std`), width 5 for P.
//!
//! Which additions need the doubling case. The constant-time loops use the
//! cheaper additions that handle only the identity (`*_distinct`) wherever
//! the doubling case cannot occur, and the complete ones elsewhere:
//!
//! * Fixed window. With k < n recoded as k = sum d_i 2^(5i), |d_i| <= 16,
//!   the accumulator before the addition of window i is 32 K P with
//!   0 <= K <= k / 2^(5(i+1)) + 1, and it meets d_i P. For i >= 1,
//!   32 K <= n / 32 + 32 < n - 16, so 32 K = +-d_i (mod n) forces
//!   32 K = |d_i| as integers, that is K = 0 and d_i = 0: both operands
//!   are the identity. Only the last addition (i = 0) can double (for
//!   k = n - 6, say: its last digit is -3 and 32 K = n - 3), and it is
//!   complete. Table entries j P + P (2 <= j <= 15) never double since
//!   j != +-1 mod n.
//! * Comb. Adding rows from the bottom, the accumulator before row i is
//!   L_i G with |L_i| <= 2^(6i - 1), and it meets d_i 2^(6i) G with
//!   |d_i| <= 32. For i <= 41, |L_i -+ d_i 2^(6i)| < 33 * 2^246 < n, so a
//!   coincidence mod n is an equality of integers, which forces
//!   L_i = d_i = 0 (both the identity). Only the top row can double, and
//!   its addition is complete.
//!
//! Every scalar is first reduced modulo n (one masked subtraction), so the
//! argument holds for any 256-bit input.

use super::field::Fe;
use super::fp::{Arith, Portable};
use super::jacobian::{AffineFe, Jacobian};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// The group order n, least significant limb first.
pub(crate) const N: [u64; 4] = [
    0x53bb_f409_39d5_4123,
    0x7203_df6b_21c6_052b,
    0xffff_ffff_ffff_ffff,
    0xffff_fffe_ffff_ffff,
];

/// G in Montgomery form.
pub(crate) fn generator() -> AffineFe {
    let c = &super::curve::SM2P256V1;
    AffineFe {
        x: c.gx_m,
        y: c.gy_m,
    }
}

/// k mod n for any k < 2^256 (n > 2^255: at most one subtraction), by a
/// masked selection.
#[inline(always)]
pub(crate) fn reduce_scalar(k: &[u64; 4]) -> [u64; 4] {
    let mut d = [0u64; 4];
    let mut borrow = 0u64;
    for i in 0..4 {
        let t = (k[i] as u128).wrapping_sub(N[i] as u128 + borrow as u128);
        d[i] = t as u64;
        borrow = ((t >> 64) as u64) & 1;
    }
    // borrow = 1: k < n, keep k.
    let mask = borrow.wrapping_neg();
    [
        (k[0] & mask) | (d[0] & !mask),
        (k[1] & mask) | (d[1] & !mask),
        (k[2] & mask) | (d[2] & !mask),
        (k[3] & mask) | (d[3] & !mask),
    ]
}

/// `len` bits of k from bit `pos` (public position; bits past 255 read as
/// zero).
#[inline(always)]
fn bits(k: &[u64; 4], pos: usize, len: u32) -> u64 {
    let limb = pos / 64;
    let off = pos % 64;
    if limb >= 4 {
        return 0;
    }
    let mut v = k[limb] >> off;
    if off + len as usize > 64 && limb + 1 < 4 {
        v |= k[limb + 1] << (64 - off);
    }
    v & ((1u64 << len) - 1)
}

/// The signed digit of window i in the Booth recoding of width `w`:
/// bits w*i - 1 .. w*i + w - 1 give d in [-2^(w-1), 2^(w-1)]; returns
/// (|d|, d < 0), in constant time.
#[inline(always)]
fn booth(k: &[u64; 4], w: u32, i: usize) -> (u64, Choice) {
    let v = if i == 0 {
        bits(k, 0, w) << 1
    } else {
        bits(k, w as usize * i - 1, w + 1)
    };
    let neg = (v >> w) & 1;
    let mask = neg.wrapping_neg();
    let d = (((1u64 << (w + 1)) - 1 - v) & mask) | (v & !mask);
    ((d >> 1) + (d & 1), Choice::from(neg as u8))
}

/// Window width and count of the fixed-window multiplication.
const W: u32 = 5;
const WINDOWS: usize = 52; // 52 * 5 = 260 >= 257

/// k * P for a secret k, constant time.
pub(crate) fn mul_ct(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    #[cfg(target_arch = "x86_64")]
    if let Some(kernel) = super::x86::kernel() {
        return super::x86::mul_ct(kernel, p, k);
    }
    mul_ct_impl::<Portable>(p, k)
}

/// The body of [`mul_ct`], inlined into each dispatched copy.
#[inline(always)]
pub(crate) fn mul_ct_impl<A: Arith>(p: &Jacobian, k: &[u64; 4]) -> Jacobian {
    let mut k = reduce_scalar(k);
    // table[j] = (j + 1) P
    let mut table = [Jacobian::IDENTITY; 16];
    table[0] = *p;
    for j in 1..16 {
        table[j] = if j % 2 == 1 {
            table[j / 2].double::<A>()
        } else {
            table[j - 1].add_distinct::<A>(p)
        };
    }
    // Affine entries (one inversion), so that the 51 window additions are
    // mixed. When P is the identity so is every entry: Z is replaced by 1
    // for the inversion and the result is replaced by the identity at the
    // end, both by masks.
    let p_is_id = p.is_identity();
    for t in table.iter_mut() {
        t.z = Fe::conditional_select(&t.z, &super::fp::ONE, p_is_id);
    }
    let aff = super::jacobian::batch_to_affine_array::<A, 16>(&table);
    table.zeroize();
    let mut flat = [[0u64; 8]; 16];
    for (f, a) in flat.iter_mut().zip(aff.iter()) {
        *f = a.to_limbs();
    }
    let table = &flat;
    let (mag, neg) = booth(&k, W, WINDOWS - 1);
    let mut acc =
        Jacobian::IDENTITY.add_affine_distinct::<A>(&select::<A>(table, mag, neg), mag.ct_eq(&0));
    for i in (0..WINDOWS - 1).rev() {
        for _ in 0..W {
            acc = acc.double::<A>();
        }
        let (mag, neg) = booth(&k, W, i);
        let sel = select::<A>(table, mag, neg);
        let skip = mag.ct_eq(&0);
        acc = if i == 0 {
            acc.add_affine_complete::<A>(&sel, skip)
        } else {
            acc.add_affine_distinct::<A>(&sel, skip)
        };
    }
    flat.zeroize();
    k.zeroize();
    acc.conditional_assign(&Jacobian::IDENTITY, p_is_id);
    acc
}

/// The affine entry of magnitude `mag` (anything when `mag` = 0: the
/// caller skips it), negated when `neg`: a masked scan of the whole table.
#[inline(always)]
fn select<A: Arith>(table: &[[u64; 8]; 16], mag: u64, neg: Choice) -> AffineFe {
    let a = AffineFe::from_limbs(&A::scan(table, mag));
    AffineFe {
        x: a.x,
        y: super::fp::conditional_neg(&a.y, neg),
    }
}

/// The entry j with j + 1 = v, or all zeros when there is none: every
/// entry is loaded and ANDed with a mask (all ones for the match, zero
/// otherwise) and the results ORed. The masks are computed arithmetically
/// and pass an optimisation barrier, so this stays branch-free; entries are
/// flat limb arrays so that the loop vectorises (which LLVM does for this
/// function on its own, not once it is inlined into the point arithmetic:
/// hence `inline(never)`). (An AVX2 copy measured slower on Zen 4: about
/// 3 cycles per 64-byte entry either way.)
#[inline(never)]
pub(crate) fn scan<const L: usize, const T: usize>(table: &[[u64; L]; T], v: u64) -> [u64; L] {
    let mut masks = [0u64; T];
    for (j, mj) in masks.iter_mut().enumerate() {
        let d = (j as u64 + 1) ^ v;
        // d = 0 -> all ones; d != 0 -> 0.
        *mj = ((d | d.wrapping_neg()) >> 63).wrapping_sub(1);
    }
    core::hint::black_box(&mut masks);
    let mut r = [0u64; L];
    for (e, m) in table.iter().zip(masks.iter()) {
        for (ri, ei) in r.iter_mut().zip(e.iter()) {
            *ri |= ei & m;
        }
    }
    r
}

/// Comb window width, rows, and entries per row.
pub(crate) const COMB_W: u32 = 6;
pub(crate) const COMB_ROWS: usize = 43;
pub(crate) const COMB_ENTRIES: usize = 1 << (COMB_W - 1);

/// The comb table: `row[i][j] = (j + 1) * 2^(6i) * G`, affine, each entry
/// the limbs of x then y (see [`AffineFe::to_limbs`]).
pub(crate) type CombTable = [[[u64; 8]; COMB_ENTRIES]; COMB_ROWS];

/// k * G for a secret k, constant time.
pub(crate) fn mul_base(k: &[u64; 4]) -> Jacobian {
    #[cfg(feature = "std")]
    {
        let t = tables::comb();
        #[cfg(target_arch = "x86_64")]
        if let Some(kernel) = super::x86::kernel() {
            return super::x86::comb(kernel, t, k);
        }
        comb::<Portable>(t, k)
    }
    #[cfg(not(feature = "std"))]
    {
        mul_ct(&Jacobian::from_affine(&generator()), k)
    }
}

/// k * G from the comb table.
#[cfg_attr(not(feature = "std"), allow(dead_code))]
#[inline(always)]
pub(crate) fn comb<A: Arith>(table: &CombTable, k: &[u64; 4]) -> Jacobian {
    let mut k = reduce_scalar(k);
    let mut acc = Jacobian::IDENTITY;
    for (i, row) in table.iter().enumerate() {
        let (mag, neg) = booth(&k, COMB_W, i);
        let e = AffineFe::from_limbs(&A::scan(row, mag));
        let sel = AffineFe {
            x: e.x,
            y: super::fp::conditional_neg(&e.y, neg),
        };
        let skip = mag.ct_eq(&0);
        acc = if i + 1 == COMB_ROWS {
            acc.add_affine_complete::<A>(&sel, skip)
        } else {
            acc.add_affine_distinct::<A>(&sel, skip)
        };
    }
    k.zeroize();
    acc
}

const _: () = assert!(WNAF_P <= 15);
#[cfg(feature = "std")]
const _: () = assert!(WNAF_G <= 15);

// The proof above, for these parameters: the second-highest row cannot
// meet a doubling, (2^(w-1) + 1) 2^(w (rows - 2)) < 2^255 < n.
const _: () = assert!(COMB_W * COMB_ROWS as u32 >= 257);
const _: () = assert!(COMB_W * (COMB_ROWS as u32 - 1) <= 255);
const _: () = assert!(W * WINDOWS as u32 >= 257);

/// wNAF of a public scalar k < 2^256 with width w (2 <= w <= 15): digits
/// odd or zero, |d| < 2^(w-1), at most one nonzero digit in any w
/// consecutive ones.
fn wnaf(k: &[u64; 4], w: u32) -> [i16; 257] {
    let mut out = [0i16; 257];
    let mut k = [k[0], k[1], k[2], k[3], 0u64];
    let window = 1i64 << w;
    let mut i = 0;
    while k.iter().any(|&l| l != 0) && i < 257 {
        if k[0] & 1 == 1 {
            let mut d = (k[0] & (window as u64 - 1)) as i64;
            if d >= window / 2 {
                d -= window;
            }
            out[i] = d as i16;
            // k -= d
            if d >= 0 {
                let mut borrow = d as u64;
                for l in k.iter_mut() {
                    let (v, b) = l.overflowing_sub(borrow);
                    *l = v;
                    borrow = b as u64;
                }
            } else {
                let mut carry = (-d) as u64;
                for l in k.iter_mut() {
                    let (v, c) = l.overflowing_add(carry);
                    *l = v;
                    carry = c as u64;
                }
            }
        }
        // k >>= 1
        for j in 0..4 {
            k[j] = (k[j] >> 1) | (k[j + 1] << 63);
        }
        k[4] >>= 1;
        i += 1;
    }
    out
}

/// wNAF width for P in verification.
const WNAF_P: u32 = 5;

/// s * G + t * P for PUBLIC s, t and P, variable time.
pub(crate) fn mul_double_vartime(s: &[u64; 4], t: &[u64; 4], p: &Jacobian) -> Jacobian {
    #[cfg(target_arch = "x86_64")]
    if let Some(kernel) = super::x86::kernel() {
        return super::x86::mul_double_vartime(kernel, s, t, p);
    }
    mul_double_vartime_impl::<Portable>(s, t, p)
}

/// The body of [`mul_double_vartime`], inlined into each dispatched copy.
#[inline(always)]
pub(crate) fn mul_double_vartime_impl<A: Arith>(
    s: &[u64; 4],
    t: &[u64; 4],
    p: &Jacobian,
) -> Jacobian {
    let s = reduce_scalar(s);
    // With P the identity, t P contributes nothing (and P's multiples have
    // no affine form).
    let t = if bool::from(p.is_identity()) {
        [0; 4]
    } else {
        reduce_scalar(t)
    };
    // Odd multiples P, 3P, ..., 15P, affine (one inversion saves more in
    // the ~43 additions, mixed instead of full, than it costs).
    let mut tpj = [*p; 1 << (WNAF_P - 2)];
    let p2 = p.double::<A>();
    for j in 1..tpj.len() {
        tpj[j] = tpj[j - 1].add_vartime::<A>(&p2);
    }
    let tp = super::jacobian::batch_to_affine_array::<A, { 1 << (WNAF_P - 2) }>(&tpj);
    #[cfg(feature = "std")]
    let (tg, wg) = (tables::wnaf_g(), WNAF_G);
    #[cfg(not(feature = "std"))]
    let (tg, wg) = (&odd_multiples_affine_g(), 5);
    joint_wnaf::<A>(&s, tg, wg, &t, &tp)
}

/// s G + t P from the odd multiples of G (width `wg`) and of P (width
/// `WNAF_P`), affine; variable time.
#[inline(always)]
fn joint_wnaf<A: Arith>(
    s: &[u64; 4],
    tg: &[AffineFe],
    wg: u32,
    t: &[u64; 4],
    tp: &[AffineFe],
) -> Jacobian {
    let nt = wnaf(t, WNAF_P);
    let ns = wnaf(s, wg);
    let top = (0..257).rev().find(|&i| ns[i] != 0 || nt[i] != 0);
    let mut acc = Jacobian::IDENTITY;
    let Some(top) = top else { return acc };
    for i in (0..=top).rev() {
        acc = acc.double::<A>();
        let d = ns[i];
        if d > 0 {
            acc = acc.add_affine_vartime::<A>(&tg[(d / 2) as usize]);
        } else if d < 0 {
            let q = tg[(-d / 2) as usize];
            acc = acc.add_affine_vartime::<A>(&AffineFe {
                x: q.x,
                y: super::fp::neg(&q.y),
            });
        }
        let d = nt[i];
        if d > 0 {
            acc = acc.add_affine_vartime::<A>(&tp[(d / 2) as usize]);
        } else if d < 0 {
            let q = tp[(-d / 2) as usize];
            acc = acc.add_affine_vartime::<A>(&AffineFe {
                x: q.x,
                y: super::fp::neg(&q.y),
            });
        }
    }
    acc
}

/// G, 3G, ..., 15G, affine, computed per call (builds without `std`).
#[cfg(any(test, not(feature = "std")))]
fn odd_multiples_affine_g() -> [AffineFe; 8] {
    let g = Jacobian::from_affine(&generator());
    let g2 = g.double::<Portable>();
    let mut pts = [g; 8];
    for j in 1..8 {
        pts[j] = pts[j - 1].add_vartime::<Portable>(&g2);
    }
    super::jacobian::batch_to_affine_array::<Portable, 8>(&pts)
}

/// wNAF width for G in verification (with the table).
#[cfg(feature = "std")]
const WNAF_G: u32 = 10;

/// Whether the x coordinate of the Jacobian point q, reduced mod n,
/// equals v (plain limbs, v < n): x = X / Z^2 is v or v + n (when below
/// p), so the test is X = v Z^2 or X = (v + n) Z^2, without an
/// inversion. Public data: variable time. False for the identity.
pub(crate) fn x_mod_n_equals_vartime(q: &Jacobian, v: &[u64; 4]) -> bool {
    use super::fp;
    if bool::from(q.is_identity()) {
        return false;
    }
    let z2 = fp::square(&q.z);
    let to_be = |l: &[u64; 4]| {
        let mut b = [0u8; 32];
        for i in 0..4 {
            b[8 * i..8 * i + 8].copy_from_slice(&l[3 - i].to_be_bytes());
        }
        b
    };
    let (vf, _) = fp::from_be_bytes(&to_be(v));
    if bool::from(fp::mul(&vf, &z2).ct_eq(&q.x)) {
        return true;
    }
    // v + n, when it is below p (then it does not overflow 2^256).
    let mut w = [0u64; 4];
    let mut carry = 0u64;
    for i in 0..4 {
        let t = v[i] as u128 + N[i] as u128 + carry as u128;
        w[i] = t as u64;
        carry = (t >> 64) as u64;
    }
    let (wf, below_p) = fp::from_be_bytes(&to_be(&w));
    carry == 0 && bool::from(below_p) && bool::from(fp::mul(&wf, &z2).ct_eq(&q.x))
}

/// The precomputed tables of G (built once, on first use).
#[cfg(feature = "std")]
pub(crate) mod tables {
    use super::*;
    use std::boxed::Box;
    use std::sync::OnceLock;

    /// The comb table.
    pub(crate) fn comb() -> &'static CombTable {
        static T: OnceLock<Box<CombTable>> = OnceLock::new();
        T.get_or_init(build_comb)
    }

    fn build_comb() -> Box<CombTable> {
        let mut pts = std::vec::Vec::with_capacity(COMB_ROWS * COMB_ENTRIES);
        let mut base = Jacobian::from_affine(&generator());
        for _ in 0..COMB_ROWS {
            let start = pts.len();
            pts.push(base);
            for j in 1..COMB_ENTRIES {
                // (j + 1) B = 2 ((j + 1) / 2) B or j B + B.
                let next = if j % 2 == 1 {
                    pts[start + j / 2].double::<Portable>()
                } else {
                    pts[start + j - 1].add_vartime::<Portable>(&base)
                };
                pts.push(next);
            }
            // 2^w B = 2 (2^(w-1) B)
            base = pts[start + COMB_ENTRIES - 1].double::<Portable>();
        }
        let aff = super::super::jacobian::batch_to_affine::<Portable>(&pts);
        let mut t = Box::new([[[0u64; 8]; COMB_ENTRIES]; COMB_ROWS]);
        for (i, row) in t.iter_mut().enumerate() {
            for (j, e) in row.iter_mut().enumerate() {
                *e = aff[i * COMB_ENTRIES + j].to_limbs();
            }
        }
        t
    }

    /// Odd multiples G, 3G, ..., (2^(WNAF_G - 1) - 1) G, affine.
    pub(crate) fn wnaf_g() -> &'static [AffineFe] {
        static T: OnceLock<std::vec::Vec<AffineFe>> = OnceLock::new();
        T.get_or_init(|| {
            let g = Jacobian::from_affine(&generator());
            let g2 = g.double::<Portable>();
            let mut pts = std::vec::Vec::with_capacity(1 << (WNAF_G - 2));
            pts.push(g);
            for j in 1..(1 << (WNAF_G - 2)) {
                let next = pts[j - 1].add_vartime::<Portable>(&g2);
                pts.push(next);
            }
            super::super::jacobian::batch_to_affine::<Portable>(&pts)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sm2::curve::SM2P256V1;
    use crate::sm2::point::{Affine, Point};
    use proptest::prelude::*;

    #[test]
    fn the_dispatched_kernels_are_in_use_where_available() {
        // On a CPU with BMI2 the other tests compare the BMI2 copies with
        // the portable bodies; say which ran.
        #[cfg(target_arch = "x86_64")]
        std::eprintln!("x86-64 kernel: {:?}", crate::sm2::x86::kernel());
    }

    fn affine(j: &Jacobian) -> Option<Affine> {
        Point::from_jacobian(j).to_affine(&SM2P256V1).ok()
    }

    fn generic(p: &Point, k: &[u64; 4]) -> Option<Affine> {
        p.mul_ct_generic(k, &SM2P256V1).to_affine(&SM2P256V1).ok()
    }

    fn g() -> Point {
        Point::generator(&SM2P256V1)
    }

    /// The x86-64 kernels this CPU can run (each is compared with the
    /// portable code; the dispatched functions run only the chosen one).
    #[cfg(target_arch = "x86_64")]
    fn x86_kernels() -> std::vec::Vec<crate::sm2::x86::Kernel> {
        use crate::sm2::x86::{Kind, supported};
        if cfg!(feature = "force-portable") {
            return std::vec::Vec::new();
        }
        [Kind::Bmi2, Kind::Adx]
            .into_iter()
            .filter_map(supported)
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    fn x86_kernels() -> [(); 0] {
        []
    }
    #[cfg(target_arch = "x86_64")]
    fn x86_comb(k: crate::sm2::x86::Kernel, s: &[u64; 4]) -> Jacobian {
        crate::sm2::x86::comb(k, tables::comb(), s)
    }
    #[cfg(target_arch = "x86_64")]
    fn x86_mul_ct(k: crate::sm2::x86::Kernel, p: &Jacobian, s: &[u64; 4]) -> Jacobian {
        crate::sm2::x86::mul_ct(k, p, s)
    }
    #[cfg(target_arch = "x86_64")]
    fn x86_mul_double_vartime(
        k: crate::sm2::x86::Kernel,
        s: &[u64; 4],
        t: &[u64; 4],
        p: &Jacobian,
    ) -> Jacobian {
        crate::sm2::x86::mul_double_vartime(k, s, t, p)
    }
    #[cfg(not(target_arch = "x86_64"))]
    fn x86_comb(_: (), _: &[u64; 4]) -> Jacobian {
        unreachable!()
    }
    #[cfg(not(target_arch = "x86_64"))]
    fn x86_mul_ct(_: (), _: &Jacobian, _: &[u64; 4]) -> Jacobian {
        unreachable!()
    }
    #[cfg(not(target_arch = "x86_64"))]
    fn x86_mul_double_vartime(_: (), _: &[u64; 4], _: &[u64; 4], _: &Jacobian) -> Jacobian {
        unreachable!()
    }

    fn add_limbs(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
        let mut r = [0u64; 4];
        let mut c = 0u128;
        for i in 0..4 {
            let t = a[i] as u128 + b[i] as u128 + c;
            r[i] = t as u64;
            c = t >> 64;
        }
        r
    }

    fn sub_small(a: &[u64; 4], s: u64) -> [u64; 4] {
        let mut r = *a;
        let mut borrow = s;
        for l in r.iter_mut() {
            let (v, b) = l.overflowing_sub(borrow);
            *l = v;
            borrow = b as u64;
        }
        r
    }

    /// Scalars at the edges: 0, 1, 2, small values, n - 1 .. n - 40 (the
    /// final addition doubles for some of these), n, n + 1, 2^255,
    /// 2^256 - 1, and digit patterns at the window extremes.
    fn edge_scalars() -> std::vec::Vec<[u64; 4]> {
        let mut v = std::vec![
            [0, 0, 0, 0],
            [1, 0, 0, 0],
            [2, 0, 0, 0],
            [3, 0, 0, 0],
            [16, 0, 0, 0],
            [17, 0, 0, 0],
            [32, 0, 0, 0],
            [33, 0, 0, 0],
            N,
            add_limbs(&N, &[1, 0, 0, 0]),
            [0, 0, 0, 1 << 63],
            [u64::MAX; 4],
            [0x8888_8888_8888_8888; 4],
            [0x7777_7777_7777_7777; 4],
            [
                0xaaaa_aaaa_aaaa_aaaa,
                0x5555_5555_5555_5555,
                0xaaaa_aaaa_aaaa_aaaa,
                0x5555_5555_5555_5555
            ],
            [0xffff_ffff_ffff_ffff, 0, 0xffff_ffff_ffff_ffff, 0],
            [0, u64::MAX, 0, 0x7fff_ffff_ffff_ffff],
        ];
        for s in 1..=40u64 {
            v.push(sub_small(&N, s));
        }
        v
    }

    fn check_scalar(k: &[u64; 4]) {
        let want = generic(&g(), k);
        assert_eq!(affine(&mul_base(k)), want, "comb, k = {k:x?}");
        // The portable kernel and each x86-64 kernel this CPU has (the
        // dispatched functions run only the one it picks).
        assert_eq!(
            affine(&comb::<Portable>(tables::comb(), k)),
            want,
            "portable comb, k = {k:x?}"
        );
        let gj = Jacobian::from_affine(&generator());
        for kernel in x86_kernels() {
            assert_eq!(
                affine(&x86_comb(kernel, k)),
                want,
                "{kernel:?} comb, k = {k:x?}"
            );
            assert_eq!(
                affine(&x86_mul_ct(kernel, &gj, k)),
                want,
                "{kernel:?} window on G, k = {k:x?}"
            );
        }
        assert_eq!(affine(&mul_ct(&gj, k)), want, "window on G, k = {k:x?}");
        assert_eq!(
            affine(&mul_ct_impl::<Portable>(&gj, k)),
            want,
            "portable window, k = {k:x?}"
        );
        // On a second point, and on -G.
        let p = g().mul_ct_generic(&[0x1234_5678, 7, 0, 9], &SM2P256V1);
        assert_eq!(
            affine(&mul_ct(&p.to_jacobian(), k)),
            generic(&p, k),
            "window on P, k = {k:x?}"
        );
        let ng = gj.neg();
        let ng_point = Point::from_jacobian(&ng);
        assert_eq!(
            affine(&mul_ct(&ng, k)),
            generic(&ng_point, k),
            "window on -G, k = {k:x?}"
        );
        for kernel in x86_kernels() {
            assert_eq!(
                affine(&x86_mul_ct(kernel, &p.to_jacobian(), k)),
                generic(&p, k),
                "{kernel:?} window on P, k = {k:x?}"
            );
            assert_eq!(
                affine(&x86_mul_ct(kernel, &ng, k)),
                generic(&ng_point, k),
                "{kernel:?} window on -G, k = {k:x?}"
            );
        }
    }

    #[test]
    fn edge_scalars_agree_with_the_generic_ladder() {
        for k in edge_scalars() {
            check_scalar(&k);
        }
    }

    #[test]
    fn identity_input() {
        let id = Jacobian::IDENTITY;
        for k in edge_scalars() {
            assert!(affine(&mul_ct(&id, &k)).is_none());
            assert!(affine(&mul_ct_impl::<Portable>(&id, &k)).is_none());
            for kernel in x86_kernels() {
                assert!(affine(&x86_mul_ct(kernel, &id, &k)).is_none());
            }
        }
    }

    #[test]
    fn additions_in_every_case() {
        additions_in_every_case_with::<Portable>();
        #[cfg(target_arch = "x86_64")]
        if !cfg!(feature = "force-portable")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("adx")
            && std::is_x86_feature_detected!("avx2")
        {
            additions_in_every_case_with::<crate::sm2::fp_adx::Adx>();
        }
    }

    fn additions_in_every_case_with<A: Arith>() {
        let c = &SM2P256V1;
        let gj = Jacobian::from_affine(&generator());
        let p = g().mul_ct_generic(&[5, 0, 0, 0], c);
        let cases = [
            (gj, gj),
            (gj, gj.neg()),
            (gj, Jacobian::IDENTITY),
            (Jacobian::IDENTITY, gj),
            (Jacobian::IDENTITY, Jacobian::IDENTITY),
            (gj, p.to_jacobian()),
            (p.to_jacobian(), p.to_jacobian()),
            // Equal points with different Z.
            (
                gj.double::<Portable>().add_complete::<Portable>(&gj),
                Point::from_jacobian(&gj)
                    .add(&g().double(c), c)
                    .to_jacobian(),
            ),
        ];
        for (a, b) in cases {
            let pa = Point::from_jacobian(&a);
            let pb = Point::from_jacobian(&b);
            let want = pa.add(&pb, c).to_affine(c).ok();
            assert_eq!(affine(&a.add_complete::<A>(&b)), want);
            assert_eq!(affine(&a.add_vartime::<A>(&b)), want);
            if !bool::from(b.is_identity()) {
                let (ab, _) = b.to_affine::<A>();
                assert_eq!(affine(&a.add_affine_complete::<A>(&ab, 0u8.into())), want);
                assert_eq!(affine(&a.add_affine_vartime::<A>(&ab)), want);
                assert_eq!(
                    affine(&a.add_affine_complete::<A>(&ab, 1u8.into())),
                    affine(&a)
                );
            }
            assert_eq!(affine(&a.double::<A>()), pa.double(c).to_affine(c).ok());
        }
    }

    #[test]
    fn identities_of_any_form_convert_to_a_valid_identity() {
        let c = &SM2P256V1;
        // An addition of opposite points leaves Z = 0 with any X, Y.
        let gj = Jacobian::from_affine(&generator());
        let zero = crate::sm2::field::Fe::default();
        for id in [
            Jacobian::IDENTITY,
            gj.add_vartime::<Portable>(&gj.neg()),
            Jacobian {
                x: zero,
                y: zero,
                z: zero,
            },
        ] {
            let p = Point::from_jacobian(&id);
            assert!(bool::from(p.is_identity(c)));
            assert_eq!(p.add(&g(), c).to_affine(c).ok(), g().to_affine(c).ok());
            assert!(affine(&p.to_jacobian().add_vartime::<Portable>(&gj)).is_some());
        }
    }

    #[test]
    fn double_scalar_edges() {
        let c = &SM2P256V1;
        let gj = Jacobian::from_affine(&generator());
        let p = g().mul_ct_generic(&[0xdead_beef, 1, 2, 3], c);
        for (s, t) in [
            ([0u64; 4], [0u64; 4]),
            ([1, 0, 0, 0], [0; 4]),
            ([0; 4], [1, 0, 0, 0]),
            ([5, 0, 0, 0], sub_small(&N, 5)),
            (sub_small(&N, 1), [1, 0, 0, 0]),
            ([u64::MAX; 4], [u64::MAX; 4]),
            (N, [3, 0, 0, 0]),
        ] {
            for (q, qp) in [
                (gj, g()),
                (gj.neg(), Point::from_jacobian(&gj.neg())),
                (p.to_jacobian(), p),
            ] {
                let want = g()
                    .mul_ct_generic(&s, c)
                    .add(&qp.mul_ct_generic(&t, c), c)
                    .to_affine(c)
                    .ok();
                assert_eq!(
                    affine(&mul_double_vartime(&s, &t, &q)),
                    want,
                    "s {s:x?} t {t:x?}"
                );
            }
        }
    }

    #[test]
    fn the_no_std_verification_table_works() {
        // Without std, verification builds G .. 15G per call and uses
        // width 5 for G too; check that path here (tests run with std).
        let small = odd_multiples_affine_g();
        for (a, b) in small.iter().zip(tables::wnaf_g().iter()) {
            assert_eq!(a.to_limbs(), b.to_limbs());
        }
        let c = &SM2P256V1;
        let p = g().mul_ct_generic(&[77, 0, 5, 0], c);
        let pj = p.to_jacobian();
        let p2 = pj.double::<Portable>();
        let mut tpj = [pj; 1 << (WNAF_P - 2)];
        for j in 1..tpj.len() {
            tpj[j] = tpj[j - 1].add_vartime::<Portable>(&p2);
        }
        let tp = crate::sm2::jacobian::batch_to_affine_array::<Portable, 8>(&tpj);
        for (s, t) in [
            ([1u64, 2, 3, 4], [5u64, 6, 7, 8]),
            ([0; 4], [9, 0, 0, 0]),
            ([u64::MAX, 0, 0, 1], [0; 4]),
        ] {
            let want = g()
                .mul_ct_generic(&s, c)
                .add(&p.mul_ct_generic(&t, c), c)
                .to_affine(c)
                .ok();
            assert_eq!(
                affine(&joint_wnaf::<Portable>(&s, &small, 5, &t, &tp)),
                want
            );
        }
    }

    #[test]
    fn x_above_n() {
        // A point whose x lies in [n, p): x mod n = x - n.
        let c = &SM2P256V1;
        let mut found = 0;
        for i in 0..64u64 {
            let x = add_limbs(&N, &[i, 0, 0, 0]);
            let mut be = [0u8; 32];
            for j in 0..4 {
                be[8 * j..8 * j + 8].copy_from_slice(&x[3 - j].to_be_bytes());
            }
            let Ok(pt) = Point::decompress(c, &be, false) else {
                continue;
            };
            let j = pt.to_jacobian();
            assert!(x_mod_n_equals_vartime(&j, &[i, 0, 0, 0]));
            assert!(!x_mod_n_equals_vartime(&j, &[i + 1, 0, 0, 0]));
            // A projective representative with Z != 1.
            let j2 = j.double::<Portable>().add_complete::<Portable>(&j.neg());
            assert!(x_mod_n_equals_vartime(&j2, &[i, 0, 0, 0]));
            found += 1;
        }
        assert!(found > 0);
        assert!(!x_mod_n_equals_vartime(&Jacobian::IDENTITY, &[0; 4]));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn wnaf_digits_rebuild_the_scalar(k in any::<[u64; 4]>(), w in 2u32..=12) {
            let d = wnaf(&k, w);
            // sum d_i 2^i as a 5-limb two's-complement accumulation
            let mut acc = [0u64; 5];
            let mut last_nonzero: Option<usize> = None;
            for (i, &di) in d.iter().enumerate() {
                if di == 0 {
                    continue;
                }
                prop_assert!(di % 2 != 0 && (di.unsigned_abs() as u32) < (1 << (w - 1)));
                if let Some(j) = last_nonzero {
                    prop_assert!(i - j >= w as usize, "digits {j} and {i} too close");
                }
                last_nonzero = Some(i);
                // add di * 2^i
                let v = (di.unsigned_abs() as u128) << (i % 64);
                let limb = i / 64;
                let mut add = [0u64; 5];
                add[limb] = v as u64;
                if limb + 1 < 5 {
                    add[limb + 1] = (v >> 64) as u64;
                }
                let mut c = 0u128;
                for j in 0..5 {
                    let t = if di > 0 {
                        acc[j] as u128 + add[j] as u128 + c
                    } else {
                        (acc[j] as u128).wrapping_sub(add[j] as u128 + c)
                    };
                    acc[j] = t as u64;
                    c = if di > 0 { t >> 64 } else { (t >> 64) & 1 };
                }
            }
            prop_assert_eq!(acc, [k[0], k[1], k[2], k[3], 0]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn random_scalars_agree_with_the_generic_ladder(k in any::<[u64; 4]>()) {
            check_scalar(&k);
        }

        #[test]
        fn random_double_scalars_agree(s in any::<[u64; 4]>(), t in any::<[u64; 4]>(), e in any::<[u64; 4]>()) {
            let c = &SM2P256V1;
            let p = g().mul_ct_generic(&e, c);
            let want = g().mul_ct_generic(&s, c).add(&p.mul_ct_generic(&t, c), c).to_affine(c).ok();
            // (p is the identity only if e = 0 mod n.)
            if !bool::from(p.is_identity(c)) {
                prop_assert_eq!(affine(&mul_double_vartime(&s, &t, &p.to_jacobian())), want);
                prop_assert_eq!(affine(&mul_double_vartime_impl::<Portable>(&s, &t, &p.to_jacobian())), want);
                for kernel in x86_kernels() {
                    prop_assert_eq!(affine(&x86_mul_double_vartime(kernel, &s, &t, &p.to_jacobian())), want);
                }
            }
        }
    }
}
