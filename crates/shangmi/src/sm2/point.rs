//! Points in projective coordinates with the complete addition formulas of
//! Renes, Costello and Batina (2016, Algorithm 1, any a): one formula for
//! every pair of inputs, the identity and doubling included, so there is no
//! special case for secret data to steer.

use super::curve::Curve;
use super::field::Fe;
use super::fp;
use super::jacobian::Jacobian;
use super::mul;
use crate::{Error, Result};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// A point (X : Y : Z); the identity is (0 : 1 : 0).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

impl ConditionallySelectable for Point {
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Point {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
            z: Fe::conditional_select(&a.z, &b.z, c),
        }
    }
}

impl zeroize::Zeroize for Point {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

/// An affine point as big-endian x and y, validated on the curve (never the
/// identity: the identity has no affine form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Affine {
    pub x: [u8; 32],
    pub y: [u8; 32],
}

impl Point {
    pub fn identity(c: &Curve) -> Self {
        Point {
            x: Fe::default(),
            y: c.one_m,
            z: Fe::default(),
        }
    }

    pub fn generator(c: &Curve) -> Self {
        Point {
            x: c.gx_m,
            y: c.gy_m,
            z: c.one_m,
        }
    }

    /// Parses and validates affine coordinates: both below p and on the
    /// curve. (With cofactor 1 every such point is in the group.)
    pub fn from_affine(c: &Curve, a: &Affine) -> Result<Self> {
        let (x, okx) = c.p.decode_be(&a.x);
        let (y, oky) = c.p.decode_be(&a.y);
        // Public data: branching on validity is fine.
        if !bool::from(okx & oky) || !bool::from(on_curve(c, &x, &y)) {
            return Err(Error::InvalidPoint);
        }
        Ok(Point { x, y, z: c.one_m })
    }

    /// Decompresses x with the parity of y (`odd`). Needs p = 3 mod 4, true
    /// of sm2p256v1.
    pub fn decompress(c: &Curve, x_be: &[u8; 32], odd: bool) -> Result<Self> {
        let f = &c.p;
        let (x, ok) = f.decode_be(x_be);
        if !bool::from(ok) || f.modulus()[0] & 3 != 3 {
            return Err(Error::InvalidPoint);
        }
        let rhs = f.add(&f.add(&f.mul(&f.square(&x), &x), &c.mul_a(&x)), &c.b_m);
        // sqrt = rhs^((p+1)/4)
        let mut e = *f.modulus();
        // (p + 1) / 4 = (p >> 2) + 1 for p = 3 mod 4.
        e = [
            (e[0] >> 2) | (e[1] << 62),
            (e[1] >> 2) | (e[2] << 62),
            (e[2] >> 2) | (e[3] << 62),
            e[3] >> 2,
        ];
        e[0] += 1;
        let mut y = f.pow(&rhs, &e);
        if !bool::from(f.square(&y).ct_eq(&rhs)) {
            return Err(Error::InvalidPoint);
        }
        let flip = f.is_odd(&y) ^ Choice::from(odd as u8);
        y = Fe::conditional_select(&y, &f.neg(&y), flip);
        Ok(Point { x, y, z: c.one_m })
    }

    pub fn is_identity(&self, c: &Curve) -> Choice {
        c.p.is_zero(&self.z)
    }

    /// The affine form; `Err` for the identity.
    pub fn to_affine(self, c: &Curve) -> Result<Affine> {
        let f = &c.p;
        if crate::ct::declassify(self.is_identity(c)) {
            return Err(Error::InvalidPoint);
        }
        if is_sm2(c) {
            let zi = fp::invert(&self.z);
            return Ok(Affine {
                x: fp::to_be_bytes(&fp::mul(&self.x, &zi)),
                y: fp::to_be_bytes(&fp::mul(&self.y, &zi)),
            });
        }
        let zi = f.invert(&self.z);
        Ok(Affine {
            x: f.to_be_bytes(&f.mul(&self.x, &zi)),
            y: f.to_be_bytes(&f.mul(&self.y, &zi)),
        })
    }

    /// The affine forms of two points with one inversion (Montgomery's
    /// trick: 1 / (z1 z2) times z2, resp. z1); `Err` if either is the
    /// identity.
    pub fn to_affine_pair(self, other: Point, c: &Curve) -> Result<(Affine, Affine)> {
        if !is_sm2(c) {
            return Ok((self.to_affine(c)?, other.to_affine(c)?));
        }
        if crate::ct::declassify(self.is_identity(c) | other.is_identity(c)) {
            return Err(Error::InvalidPoint);
        }
        let inv = fp::invert(&fp::mul(&self.z, &other.z));
        let zi1 = fp::mul(&inv, &other.z);
        let zi2 = fp::mul(&inv, &self.z);
        let aff = |p: &Point, zi: &Fe| Affine {
            x: fp::to_be_bytes(&fp::mul(&p.x, zi)),
            y: fp::to_be_bytes(&fp::mul(&p.y, zi)),
        };
        Ok((aff(&self, &zi1), aff(&other, &zi2)))
    }

    /// P + Q, complete (RCB 2016 Algorithm 1).
    pub fn add(&self, q: &Point, c: &Curve) -> Point {
        let f = &c.p;
        let b3 = c.b3_m;
        let (x1, y1, z1) = (&self.x, &self.y, &self.z);
        let (x2, y2, z2) = (&q.x, &q.y, &q.z);
        let mut t0 = f.mul(x1, x2);
        let mut t1 = f.mul(y1, y2);
        let mut t2 = f.mul(z1, z2);
        let mut t3 = f.add(x1, y1);
        let mut t4 = f.add(x2, y2);
        t3 = f.mul(&t3, &t4);
        t4 = f.add(&t0, &t1);
        t3 = f.sub(&t3, &t4);
        t4 = f.add(x1, z1);
        let mut t5 = f.add(x2, z2);
        t4 = f.mul(&t4, &t5);
        t5 = f.add(&t0, &t2);
        t4 = f.sub(&t4, &t5);
        t5 = f.add(y1, z1);
        let mut x3 = f.add(y2, z2);
        t5 = f.mul(&t5, &x3);
        x3 = f.add(&t1, &t2);
        t5 = f.sub(&t5, &x3);
        let mut z3 = c.mul_a(&t4);
        x3 = f.mul(&b3, &t2);
        z3 = f.add(&x3, &z3);
        x3 = f.sub(&t1, &z3);
        z3 = f.add(&t1, &z3);
        let mut y3 = f.mul(&x3, &z3);
        t1 = f.add(&t0, &t0);
        t1 = f.add(&t1, &t0);
        t2 = c.mul_a(&t2);
        t4 = f.mul(&b3, &t4);
        t1 = f.add(&t1, &t2);
        t2 = f.sub(&t0, &t2);
        t2 = c.mul_a(&t2);
        t4 = f.add(&t4, &t2);
        t0 = f.mul(&t1, &t4);
        y3 = f.add(&y3, &t0);
        t0 = f.mul(&t5, &t4);
        x3 = f.mul(&t3, &x3);
        x3 = f.sub(&x3, &t0);
        t0 = f.mul(&t3, &t1);
        z3 = f.mul(&t5, &z3);
        z3 = f.add(&z3, &t0);
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    pub fn double(&self, c: &Curve) -> Point {
        self.add(self, c)
    }

    /// k * G for a secret scalar. On sm2p256v1 the specialised comb (see
    /// `mul.rs`); elsewhere the fixed-window ladder. Both choose table
    /// entries by a masked scan.
    pub fn mul_generator(k: &[u64; 4], c: &'static Curve) -> Point {
        if is_sm2(c) {
            return Point::from_jacobian(&mul::mul_base(k));
        }
        Point::generator(c).mul_ct(k, c)
    }

    /// k * self for a secret scalar given as plain limbs. On sm2p256v1 the
    /// specialised signed window (see `mul.rs`); elsewhere this generic
    /// fixed 4-bit window, each table entry chosen by a masked scan of all
    /// 16.
    pub fn mul_ct(&self, k: &[u64; 4], c: &Curve) -> Point {
        if is_sm2(c) {
            return Point::from_jacobian(&mul::mul_ct(&self.to_jacobian(), k));
        }
        self.mul_ct_generic(k, c)
    }

    /// The generic fixed 4-bit window on the complete formulas.
    pub fn mul_ct_generic(&self, k: &[u64; 4], c: &Curve) -> Point {
        let mut table = [Point::identity(c); 16];
        for i in 1..16 {
            table[i] = table[i - 1].add(self, c);
        }
        let mut acc = Point::identity(c);
        for w in (0..64).rev() {
            for _ in 0..4 {
                acc = acc.double(c);
            }
            let digit = ((k[w / 16] >> (4 * (w % 16))) & 0xf) as u8;
            let mut sel = Point::identity(c);
            for (i, t) in table.iter().enumerate() {
                sel.conditional_assign(t, (i as u8).ct_eq(&digit));
            }
            acc = acc.add(&sel, c);
        }
        zeroize::Zeroize::zeroize(&mut table);
        acc
    }

    /// From Jacobian (X : Y : Z), x = X/Z^2, to these homogeneous
    /// coordinates (XZ : Y : Z^3) on sm2p256v1; the identity becomes
    /// (0 : 1 : 0) (a masked selection), a valid input for the complete
    /// formulas.
    pub(crate) fn from_jacobian(j: &Jacobian) -> Point {
        let z2 = fp::square(&j.z);
        let p = Point {
            x: fp::mul(&j.x, &j.z),
            y: j.y,
            z: fp::mul(&z2, &j.z),
        };
        let id = Point {
            x: Fe::default(),
            y: fp::ONE,
            z: Fe::default(),
        };
        Point::conditional_select(&p, &id, j.is_identity())
    }

    /// To Jacobian coordinates (XZ : YZ^2 : Z) on sm2p256v1.
    pub(crate) fn to_jacobian(self) -> Jacobian {
        let z2 = fp::square(&self.z);
        Jacobian {
            x: fp::mul(&self.x, &self.z),
            y: fp::mul(&self.y, &z2),
            z: self.z,
        }
    }
}

/// Whether `c` is sm2p256v1, which has the specialised arithmetic.
#[inline(always)]
pub(crate) fn is_sm2(c: &Curve) -> bool {
    core::ptr::eq(c, &super::curve::SM2P256V1)
}

/// y^2 == x^3 + ax + b.
pub(crate) fn on_curve(c: &Curve, x: &Fe, y: &Fe) -> Choice {
    let f = &c.p;
    let rhs = f.add(&f.add(&f.mul(&f.square(x), x), &c.mul_a(x)), &c.b_m);
    f.square(y).ct_eq(&rhs)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::sm2::curve::SM2P256V1;

    #[test]
    fn comb_equals_the_ladder() {
        let c = &SM2P256V1;
        let g = Point::generator(c);
        for seed in 0u64..20 {
            let k = [
                seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                seed << 7,
                !seed,
                seed ^ 0xffff_0000_ffff_0000,
            ];
            let k = [k[0], k[1], k[2], k[3] & 0x7fff_ffff_ffff_ffff];
            let a = g.mul_ct_generic(&k, c).to_affine(c).unwrap();
            let b = Point::mul_generator(&k, c).to_affine(c).unwrap();
            assert_eq!(a, b, "seed {seed}");
            let q = g.double(c);
            let (x, y) = Point::mul_generator(&k, c).to_affine_pair(q, c).unwrap();
            assert_eq!((x, y), (a, q.to_affine(c).unwrap()), "pair, seed {seed}");
        }
        assert!(g.to_affine_pair(Point::identity(c), c).is_err());
        assert!(Point::identity(c).to_affine_pair(g, c).is_err());
        assert!(
            Point::mul_generator(&[0; 4], c).to_affine(c).is_err(),
            "0 * G is the identity"
        );
    }
}
