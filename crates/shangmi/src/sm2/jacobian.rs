//! Points of sm2p256v1 in Jacobian coordinates (x = X/Z^2, y = Y/Z^3) over
//! the specialised field [`fp`], with a = -3.
//!
//! Doubling (dbl-2001-b) has no exceptional input on this curve: it maps
//! the identity (any point with Z = 0) to the identity, and there is no
//! point of order two. Addition (add-2007-bl; mixed, madd-2007-bl) is
//! exceptional when an input is the identity and when the inputs are equal
//! or opposite. In all three, Z3 is computed directly (2YZ, 2 Z1 Z2 H,
//! 2 Z1 H) rather than as a difference of squares: here a squaring costs
//! about what a multiplication does (`fp::square`), and this saves three
//! additions each (4M + 4S, 12M + 4S and 8M + 3S). Opposite inputs need nothing: the
//! formula returns Z = 0, the identity. The identity inputs are handled by
//! masked selections in every addition here; the doubling case is handled
//! by the `_complete` variants, which also compute the doubling and select
//! it. The scalar multiplications use the cheaper variants only where the
//! doubling case is proven impossible (see `mul.rs`).
//!
//! Everything here is constant time except the functions named `_vartime`,
//! which branch on their (public) inputs and serve verification only.

use super::field::Fe;
use super::fp::{self, Arith};
use subtle::{Choice, ConditionallySelectable};

/// A point (X : Y : Z); the identity has Z = 0.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    pub x: Fe,
    pub y: Fe,
    pub z: Fe,
}

/// An affine point (x, y) in Montgomery form, never the identity.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct AffineFe {
    pub x: Fe,
    pub y: Fe,
}

impl ConditionallySelectable for Jacobian {
    #[inline(always)]
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        Jacobian {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
            z: Fe::conditional_select(&a.z, &b.z, c),
        }
    }
}

impl ConditionallySelectable for AffineFe {
    #[inline(always)]
    fn conditional_select(a: &Self, b: &Self, c: Choice) -> Self {
        AffineFe {
            x: Fe::conditional_select(&a.x, &b.x, c),
            y: Fe::conditional_select(&a.y, &b.y, c),
        }
    }
}

impl zeroize::Zeroize for Jacobian {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
        self.z.zeroize();
    }
}

impl AffineFe {
    /// The limbs of x then y.
    #[inline(always)]
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the comb table, std only
    pub fn to_limbs(self) -> [u64; 8] {
        let (x, y) = (self.x.0, self.y.0);
        [x[0], x[1], x[2], x[3], y[0], y[1], y[2], y[3]]
    }

    /// From the limbs of x then y.
    #[inline(always)]
    pub fn from_limbs(l: &[u64; 8]) -> Self {
        AffineFe {
            x: Fe([l[0], l[1], l[2], l[3]]),
            y: Fe([l[4], l[5], l[6], l[7]]),
        }
    }
}

impl Jacobian {
    /// The identity (1 : 1 : 0).
    pub const IDENTITY: Jacobian = Jacobian {
        x: fp::ONE,
        y: fp::ONE,
        z: Fe([0; 4]),
    };

    /// (x : y : 1).
    #[inline(always)]
    pub fn from_affine(a: &AffineFe) -> Self {
        Jacobian {
            x: a.x,
            y: a.y,
            z: fp::ONE,
        }
    }

    /// Whether this is the identity.
    #[inline(always)]
    pub fn is_identity(&self) -> Choice {
        fp::is_zero(&self.z)
    }

    /// -P.
    #[cfg(test)]
    pub fn neg(&self) -> Self {
        Jacobian {
            x: self.x,
            y: fp::neg(&self.y),
            z: self.z,
        }
    }

    /// 2P (dbl-2001-b for a = -3). Exception-free on this curve.
    #[inline(always)]
    pub fn double<A: Arith>(&self) -> Self {
        let delta = A::square(&self.z);
        let gamma = A::square(&self.y);
        let beta = A::mul(&self.x, &gamma);
        // alpha = 3 (X - delta)(X + delta)
        let t = A::mul(&A::sub(&self.x, &delta), &A::add(&self.x, &delta));
        let alpha = A::mul_small::<3>(&t);
        // X3 = alpha^2 - 8 beta
        let beta4 = A::mul_small::<4>(&beta);
        let x3 = A::sub(&A::square(&alpha), &A::double(&beta4));
        // Z3 = 2 Y Z
        let z3 = A::double(&A::mul(&self.y, &self.z));
        // Y3 = alpha (4 beta - X3) - 8 gamma^2
        let g2 = A::square(&gamma);
        let g8 = A::mul_small::<8>(&g2);
        let y3 = A::sub(&A::mul(&alpha, &A::sub(&beta4, &x3)), &g8);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// P + Q by add-2007-bl, without handling any exceptional case; also
    /// returns whether the doubling case was hit (H = 0 and r = 0, which
    /// for inputs that are not the identity means P = Q).
    #[inline(always)]
    fn add_raw<A: Arith>(&self, q: &Jacobian) -> (Jacobian, Choice) {
        let z1z1 = A::square(&self.z);
        let z2z2 = A::square(&q.z);
        let u1 = A::mul(&self.x, &z2z2);
        let u2 = A::mul(&q.x, &z1z1);
        let s1 = A::mul(&A::mul(&self.y, &q.z), &z2z2);
        let s2 = A::mul(&A::mul(&q.y, &self.z), &z1z1);
        let h = A::sub(&u2, &u1);
        let r = A::double(&A::sub(&s2, &s1));
        let dbl = fp::is_zero(&h) & fp::is_zero(&r);
        let i = A::square(&A::double(&h));
        let j = A::mul(&h, &i);
        let v = A::mul(&u1, &i);
        let x3 = A::sub(&A::sub(&A::square(&r), &j), &A::double(&v));
        let y3 = A::sub(&A::mul(&r, &A::sub(&v, &x3)), &A::double(&A::mul(&s1, &j)));
        // Z3 = 2 Z1 Z2 H
        let z3 = A::mul(&A::double(&A::mul(&self.z, &q.z)), &h);
        (
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            },
            dbl,
        )
    }

    /// P + Q for P != Q unless one of them is the identity: the identity
    /// cases are selected, the doubling case is NOT handled.
    #[inline(always)]
    pub fn add_distinct<A: Arith>(&self, q: &Jacobian) -> Jacobian {
        let (mut r, _) = self.add_raw::<A>(q);
        r.conditional_assign(q, self.is_identity());
        r.conditional_assign(self, q.is_identity());
        r
    }

    /// P + Q for every P and Q.
    #[cfg(test)]
    pub fn add_complete<A: Arith>(&self, q: &Jacobian) -> Jacobian {
        let (mut r, dbl) = self.add_raw::<A>(q);
        r.conditional_assign(&self.double::<A>(), dbl);
        r.conditional_assign(q, self.is_identity());
        r.conditional_assign(self, q.is_identity());
        r
    }

    /// P + (x, y) by madd-2007-bl, no exceptional case handled; also
    /// returns whether the doubling case was hit.
    #[inline(always)]
    fn add_affine_raw<A: Arith>(&self, q: &AffineFe) -> (Jacobian, Choice) {
        let z1z1 = A::square(&self.z);
        let u2 = A::mul(&q.x, &z1z1);
        let s2 = A::mul(&A::mul(&q.y, &self.z), &z1z1);
        let h = A::sub(&u2, &self.x);
        let hh = A::square(&h);
        let i = A::mul_small::<4>(&hh);
        let j = A::mul(&h, &i);
        let r = A::double(&A::sub(&s2, &self.y));
        let dbl = fp::is_zero(&h) & fp::is_zero(&r);
        let v = A::mul(&self.x, &i);
        let x3 = A::sub(&A::sub(&A::square(&r), &j), &A::double(&v));
        let y3 = A::sub(
            &A::mul(&r, &A::sub(&v, &x3)),
            &A::double(&A::mul(&self.y, &j)),
        );
        // Z3 = 2 Z1 H
        let z3 = A::double(&A::mul(&self.z, &h));
        (
            Jacobian {
                x: x3,
                y: y3,
                z: z3,
            },
            dbl,
        )
    }

    /// P + Q for an affine Q, or P itself when `skip` is set (Q is then
    /// ignored). P may be the identity; P = Q is NOT handled.
    #[inline(always)]
    pub fn add_affine_distinct<A: Arith>(&self, q: &AffineFe, skip: Choice) -> Jacobian {
        let (mut r, _) = self.add_affine_raw::<A>(q);
        r.conditional_assign(&Jacobian::from_affine(q), self.is_identity());
        r.conditional_assign(self, skip);
        r
    }

    /// P + Q for an affine Q, or P when `skip` is set; every case.
    #[inline(always)]
    pub fn add_affine_complete<A: Arith>(&self, q: &AffineFe, skip: Choice) -> Jacobian {
        let (mut r, dbl) = self.add_affine_raw::<A>(q);
        r.conditional_assign(&self.double::<A>(), dbl);
        r.conditional_assign(&Jacobian::from_affine(q), self.is_identity());
        r.conditional_assign(self, skip);
        r
    }

    /// P + Q, variable time (public inputs only).
    #[inline(always)]
    pub fn add_vartime<A: Arith>(&self, q: &Jacobian) -> Jacobian {
        if bool::from(self.is_identity()) {
            return *q;
        }
        if bool::from(q.is_identity()) {
            return *self;
        }
        let (r, dbl) = self.add_raw::<A>(q);
        if bool::from(dbl) {
            self.double::<A>()
        } else {
            r
        }
    }

    /// P + Q for an affine Q, variable time (public inputs only).
    #[inline(always)]
    pub fn add_affine_vartime<A: Arith>(&self, q: &AffineFe) -> Jacobian {
        if bool::from(self.is_identity()) {
            return Jacobian::from_affine(q);
        }
        let (r, dbl) = self.add_affine_raw::<A>(q);
        if bool::from(dbl) {
            self.double::<A>()
        } else {
            r
        }
    }

    /// The affine point, and whether it is not the identity (which steers
    /// no branch here: the caller decides what is public).
    #[cfg(test)]
    pub fn to_affine<A: Arith>(self) -> (AffineFe, Choice) {
        let zi = fp::invert(&self.z);
        let zi2 = A::square(&zi);
        let zi3 = A::mul(&zi2, &zi);
        (
            AffineFe {
                x: A::mul(&self.x, &zi2),
                y: A::mul(&self.y, &zi3),
            },
            !self.is_identity(),
        )
    }
}

/// Converts N points, none the identity, to affine form with one
/// inversion (Montgomery's trick: 3(N - 1) multiplications besides the
/// conversions). Constant time; no allocation.
pub(crate) fn batch_to_affine_array<A: Arith, const N: usize>(
    points: &[Jacobian; N],
) -> [AffineFe; N] {
    let mut prefix = [fp::ONE; N];
    let mut acc = fp::ONE;
    for (pre, p) in prefix.iter_mut().zip(points.iter()) {
        *pre = acc;
        acc = A::mul(&acc, &p.z);
    }
    let mut inv = fp::invert(&acc);
    let mut out = [AffineFe::default(); N];
    for i in (0..N).rev() {
        let p = &points[i];
        let zi = A::mul(&inv, &prefix[i]);
        inv = A::mul(&inv, &p.z);
        let zi2 = A::square(&zi);
        let zi3 = A::mul(&zi2, &zi);
        out[i] = AffineFe {
            x: A::mul(&p.x, &zi2),
            y: A::mul(&p.y, &zi3),
        };
    }
    out
}

/// Converts many points to affine form with one inversion (Montgomery's
/// trick); identities come out as (0, 0). Constant time. (For the tables
/// of G, built under `std`.)
#[cfg(feature = "std")]
pub(crate) fn batch_to_affine<A: Arith>(points: &[Jacobian]) -> alloc::vec::Vec<AffineFe> {
    use alloc::vec::Vec;
    // prefix[i] = z_0 * ... * z_{i-1}, with the zeros replaced by one.
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = fp::ONE;
    for p in points {
        prefix.push(acc);
        let z = Fe::conditional_select(&p.z, &fp::ONE, p.is_identity());
        acc = A::mul(&acc, &z);
    }
    let mut inv = fp::invert(&acc);
    let mut out = alloc::vec![AffineFe::default(); points.len()];
    for i in (0..points.len()).rev() {
        let p = &points[i];
        let id = p.is_identity();
        let z = Fe::conditional_select(&p.z, &fp::ONE, id);
        let zi = A::mul(&inv, &prefix[i]);
        inv = A::mul(&inv, &z);
        let zi2 = A::square(&zi);
        let zi3 = A::mul(&zi2, &zi);
        let a = AffineFe {
            x: A::mul(&p.x, &zi2),
            y: A::mul(&p.y, &zi3),
        };
        out[i] = AffineFe::conditional_select(&a, &AffineFe::default(), id);
    }
    out
}
