//! Constant-time modular inversion by Bernstein and Yang's "safegcd"
//! divsteps (2019), in the form with delta starting at 1/2 and batches of
//! 59 divsteps on the low bits, whose 2x2 transition matrix is then applied
//! to the full-size values (as libsecp256k1's `modinv64` does). Numbers are
//! held as five signed 62-bit limbs.
//!
//! For moduli and inputs below 2^256, 590 divsteps (ten batches) always
//! bring g to zero (the bound computed by Wuille and Dettman's
//! `safegcd-bounds` for this variant); the count is fixed, and inside a
//! batch every step is the same sequence of masked arithmetic, so time and
//! memory accesses do not depend on the input. This replaces Fermat
//! inversion (255 squarings and dozens of multiplications) at a fraction
//! of the cost, for p and n alike.

/// 2^62 - 1.
const M62: u64 = u64::MAX >> 2;

/// A number as five signed limbs, value = sum v[i] 2^(62 i); limbs 0..4
/// are in [0, 2^62) after normalisation, limb 4 carries the sign.
#[derive(Clone, Copy, Debug)]
struct Signed62([i64; 5]);

/// A modulus (odd, below 2^256) with what inversion needs.
#[derive(Debug)]
pub(crate) struct ModInfo {
    modulus: Signed62,
    /// modulus^-1 mod 2^62.
    inv62: u64,
}

impl ModInfo {
    /// The constants for `m` (odd, little-endian limbs), at compile time.
    pub(crate) const fn new(m: &[u64; 4]) -> Self {
        // m^-1 mod 2^64 by Newton iteration (m odd).
        let mut inv: u64 = 1;
        let mut i = 0;
        while i < 6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
            i += 1;
        }
        ModInfo {
            modulus: to_signed62(m),
            inv62: inv & M62,
        }
    }
}

const fn to_signed62(x: &[u64; 4]) -> Signed62 {
    Signed62([
        (x[0] & M62) as i64,
        (((x[0] >> 62) | (x[1] << 2)) & M62) as i64,
        (((x[1] >> 60) | (x[2] << 4)) & M62) as i64,
        (((x[2] >> 58) | (x[3] << 6)) & M62) as i64,
        (x[3] >> 56) as i64,
    ])
}

/// Back to four limbs; the value must be in [0, 2^256) with normalised
/// limbs.
fn from_signed62(s: &Signed62) -> [u64; 4] {
    let v = s.0.map(|l| l as u64);
    [
        v[0] | (v[1] << 62),
        (v[1] >> 2) | (v[2] << 60),
        (v[2] >> 4) | (v[3] << 58),
        (v[3] >> 6) | (v[4] << 56),
    ]
}

/// The transition matrix of a batch, scaled by 2^62.
#[derive(Clone, Copy)]
struct Trans {
    u: i64,
    v: i64,
    q: i64,
    r: i64,
}

/// 59 divsteps on the low 64 bits of f (odd) and g; returns the new zeta
/// (zeta = -(delta + 1/2)) and the matrix. Branch-free: every step is the
/// same masked arithmetic.
#[inline(always)]
fn divsteps_59(mut zeta: i64, f0: u64, g0: u64) -> (i64, Trans) {
    // The matrix starts as the identity times 8 (2^3): after 59 steps of
    // doubling u, v it is scaled by 2^62.
    let (mut u, mut v, mut q, mut r) = (8u64, 0u64, 0u64, 8u64);
    let (mut f, mut g) = (f0, g0);
    for _ in 3..62 {
        // mask1: zeta < 0; mask2: g odd.
        let mask1 = (zeta >> 63) as u64;
        let mask2 = (g & 1).wrapping_neg();
        // x, y, z: f, u, v negated when zeta < 0.
        let x = (f ^ mask1).wrapping_sub(mask1);
        let y = (u ^ mask1).wrapping_sub(mask1);
        let z = (v ^ mask1).wrapping_sub(mask1);
        // g, q, r += x, y, z when g is odd.
        g = g.wrapping_add(x & mask2);
        q = q.wrapping_add(y & mask2);
        r = r.wrapping_add(z & mask2);
        // Both conditions: swap roles (f, u, v += g, q, r) and
        // zeta -> -zeta - 2; otherwise zeta -> zeta - 1.
        let m = mask1 & mask2;
        zeta = (zeta ^ m as i64).wrapping_sub(1);
        f = f.wrapping_add(g & m);
        u = u.wrapping_add(q & m);
        v = v.wrapping_add(r & m);
        g >>= 1;
        u <<= 1;
        v <<= 1;
    }
    (
        zeta,
        Trans {
            u: u as i64,
            v: v as i64,
            q: q as i64,
            r: r as i64,
        },
    )
}

#[inline(always)]
fn mul_i(a: i64, b: i64) -> i128 {
    (a as i128) * (b as i128)
}

/// [f, g] = t [f, g] / 2^62 (exact).
#[inline(always)]
fn update_fg(f: &mut Signed62, g: &mut Signed62, t: &Trans) {
    let (fv, gv) = (f.0, g.0);
    let mut cf = mul_i(t.u, fv[0]) + mul_i(t.v, gv[0]);
    let mut cg = mul_i(t.q, fv[0]) + mul_i(t.r, gv[0]);
    cf >>= 62;
    cg >>= 62;
    for i in 1..5 {
        cf += mul_i(t.u, fv[i]) + mul_i(t.v, gv[i]);
        cg += mul_i(t.q, fv[i]) + mul_i(t.r, gv[i]);
        f.0[i - 1] = (cf as u64 & M62) as i64;
        g.0[i - 1] = (cg as u64 & M62) as i64;
        cf >>= 62;
        cg >>= 62;
    }
    f.0[4] = cf as i64;
    g.0[4] = cg as i64;
}

/// [d, e] = (t [d, e] + m [md, me]) / 2^62 mod m, with md, me chosen so
/// the division is exact; d, e stay in (-2m, m).
#[inline(always)]
fn update_de(d: &mut Signed62, e: &mut Signed62, t: &Trans, mi: &ModInfo) {
    let (dv, ev) = (d.0, e.0);
    let m = &mi.modulus.0;
    // Start md, me at the corrections that keep the result above -2m.
    let sd = dv[4] >> 63;
    let se = ev[4] >> 63;
    let mut md = (t.u & sd) + (t.v & se);
    let mut me = (t.q & sd) + (t.r & se);
    let mut cd = mul_i(t.u, dv[0]) + mul_i(t.v, ev[0]);
    let mut ce = mul_i(t.q, dv[0]) + mul_i(t.r, ev[0]);
    // Make the low 62 bits of t [d, e] + m [md, me] zero.
    md -= (mi.inv62.wrapping_mul(cd as u64).wrapping_add(md as u64) & M62) as i64;
    me -= (mi.inv62.wrapping_mul(ce as u64).wrapping_add(me as u64) & M62) as i64;
    cd += mul_i(m[0], md);
    ce += mul_i(m[0], me);
    cd >>= 62;
    ce >>= 62;
    for i in 1..5 {
        cd += mul_i(t.u, dv[i]) + mul_i(t.v, ev[i]) + mul_i(m[i], md);
        ce += mul_i(t.q, dv[i]) + mul_i(t.r, ev[i]) + mul_i(m[i], me);
        d.0[i - 1] = (cd as u64 & M62) as i64;
        e.0[i - 1] = (ce as u64 & M62) as i64;
        cd >>= 62;
        ce >>= 62;
    }
    d.0[4] = cd as i64;
    e.0[4] = ce as i64;
}

/// r from (-2m, m) to [0, m), negated first when `sign` < 0; masked, no
/// branch. (The masks pass through `black_box`: without it LLVM turns
/// these masked additions into conditional jumps.)
#[inline(always)]
fn normalize(r: &mut Signed62, sign: i64, mi: &ModInfo) {
    use core::hint::black_box;
    let m = &mi.modulus.0;
    let mut v = r.0;
    let add = black_box(v[4] >> 63);
    for i in 0..5 {
        v[i] += m[i] & add;
    }
    let neg = black_box(sign >> 63);
    for l in v.iter_mut() {
        *l = (*l ^ neg) - neg;
    }
    carry(&mut v);
    let add = black_box(v[4] >> 63);
    for i in 0..5 {
        v[i] += m[i] & add;
    }
    carry(&mut v);
    r.0 = v;
}

/// Brings limbs 0..3 into [0, 2^62), moving the excess up.
#[inline(always)]
fn carry(v: &mut [i64; 5]) {
    for i in 0..4 {
        v[i + 1] += v[i] >> 62;
        v[i] &= M62 as i64;
    }
}

/// x^-1 mod m for x in [0, m) (0 maps to 0), in constant time.
pub(crate) fn invert(x: &[u64; 4], mi: &ModInfo) -> [u64; 4] {
    let mut d = Signed62([0; 5]);
    let mut e = Signed62([1, 0, 0, 0, 0]);
    let mut f = mi.modulus;
    let mut g = to_signed62(x);
    let mut zeta = -1i64;
    for _ in 0..10 {
        let (z, t) = divsteps_59(zeta, f.0[0] as u64, g.0[0] as u64);
        zeta = z;
        update_de(&mut d, &mut e, &t, mi);
        update_fg(&mut f, &mut g, &t);
    }
    // g = 0 and f = +-1 (for x != 0): d = +-x^-1.
    normalize(&mut d, f.0[4], mi);
    let out = from_signed62(&d);
    zeroize::Zeroize::zeroize(&mut d.0);
    zeroize::Zeroize::zeroize(&mut e.0);
    zeroize::Zeroize::zeroize(&mut f.0);
    zeroize::Zeroize::zeroize(&mut g.0);
    out
}

#[cfg(test)]
mod tests {
    use crate::sm2::curve::{SM2_TEST, SM2P256V1};
    use crate::sm2::field::{Fe, Modulus};
    use proptest::prelude::*;

    fn moduli() -> [&'static Modulus; 4] {
        [&SM2P256V1.p, &SM2P256V1.n, &SM2_TEST.p, &SM2_TEST.n]
    }

    /// Below m: reduce a random 256-bit value by m's top limb ratio.
    fn below(m: &Modulus, l: [u64; 4]) -> Fe {
        let mut be = [0u8; 32];
        for i in 0..4 {
            be[8 * i..8 * i + 8].copy_from_slice(&l[3 - i].to_be_bytes());
        }
        // Clear the top bit for the moduli below 2^255, then reduce once.
        if m.modulus()[3] >> 63 == 0 {
            be[0] &= 0x7f;
        }
        m.reduce_be_bytes(&be)
    }

    #[test]
    fn edge_values_match_fermat() {
        for m in moduli() {
            let one = m.one();
            let mut vals = std::vec![Fe::default(), one, m.add(&one, &one), m.neg(&one)];
            vals.push(m.neg(&m.add(&one, &one)));
            // Plain 1 and m - 1 as Montgomery limbs too.
            vals.push(Fe([1, 0, 0, 0]));
            let mm = *m.modulus();
            vals.push(Fe([mm[0] - 1, mm[1], mm[2], mm[3]]));
            for a in &vals {
                assert_eq!(m.invert(a).0, m.invert_fermat(a).0, "{a:?} mod {mm:x?}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn random_values_match_fermat(l in any::<[u64; 4]>()) {
            for m in moduli() {
                let a = below(m, l);
                let inv = m.invert(&a);
                prop_assert_eq!(inv.0, m.invert_fermat(&a).0);
                if !bool::from(m.is_zero(&a)) {
                    prop_assert_eq!(m.mul(&a, &inv).0, m.one().0);
                }
            }
        }
    }
}
