//! Constant-time arithmetic modulo a 256-bit odd prime m > 2^255 on four
//! 64-bit limbs in Montgomery form (R = 2^256), with the CIOS
//! multiplication. One implementation serves the field p and the group
//! order n of each curve; the constants of a modulus are computed at
//! compile time.
//!
//! Every operation runs the same instructions whatever the values: carries
//! are propagated arithmetically and the final conditional subtractions are
//! masked selections.

use super::safegcd::{self, ModInfo};
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};

/// A modulus and its Montgomery constants.
#[derive(Debug)]
pub(crate) struct Modulus {
    /// The modulus, least significant limb first.
    pub m: [u64; 4],
    /// -m^-1 mod 2^64.
    m_inv: u64,
    /// R^2 mod m.
    r2: [u64; 4],
    /// m - 2, the exponent of Fermat inversion (the tests' reference).
    #[cfg_attr(not(test), allow(dead_code))]
    m_minus_2: [u64; 4],
    /// R^3 mod m: turns the plain inverse of a Montgomery value back into
    /// Montgomery form.
    r3: [u64; 4],
    /// The constants of safegcd inversion.
    inv: ModInfo,
}

#[inline(always)]
const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + (borrow >> 63) as u128);
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// a - b over 4 limbs with the final borrow (all ones if a < b).
#[inline(always)]
const fn sub4(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], u64) {
    let (r0, br) = sbb(a[0], b[0], 0);
    let (r1, br) = sbb(a[1], b[1], br);
    let (r2, br) = sbb(a[2], b[2], br);
    let (r3, br) = sbb(a[3], b[3], br);
    ([r0, r1, r2, r3], br)
}

impl Modulus {
    /// The constants for the modulus given as big-endian bytes.
    pub(crate) const fn new(be: &[u8; 32]) -> Self {
        let m = limbs_from_be(be);
        // -m^-1 mod 2^64 by Newton iteration.
        let mut inv: u64 = 1;
        let mut i = 0;
        while i < 6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
            i += 1;
        }
        // R^2 mod m and R^3 mod m: start from 1 and double 512, then 768
        // times.
        let mut r = [1u64, 0, 0, 0];
        let mut r2 = r;
        let mut k = 0;
        while k < 768 {
            let (d0, c) = adc(r[0], r[0], 0);
            let (d1, c) = adc(r[1], r[1], c);
            let (d2, c) = adc(r[2], r[2], c);
            let (d3, c) = adc(r[3], r[3], c);
            let d = [d0, d1, d2, d3];
            let (s, borrow) = sub4(&d, &m);
            // Keep d - m when d >= m, which includes a carry out of 256 bits.
            r = if c != 0 || borrow == 0 { s } else { d };
            k += 1;
            if k == 512 {
                r2 = r;
            }
        }
        let (mm2, _) = sub4(&m, &[2, 0, 0, 0]);
        Self {
            m,
            m_inv: inv.wrapping_neg(),
            r2,
            m_minus_2: mm2,
            r3: r,
            inv: ModInfo::new(&m),
        }
    }
}

const fn limbs_from_be(be: &[u8; 32]) -> [u64; 4] {
    let mut l = [0u64; 4];
    let mut i = 0;
    while i < 4 {
        let mut j = 0;
        while j < 8 {
            l[3 - i] = (l[3 - i] << 8) | be[8 * i + j] as u64;
            j += 1;
        }
        i += 1;
    }
    l
}

/// An element modulo some [`Modulus`], in Montgomery form (a*R mod m).
/// The modulus is passed to every operation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Fe(pub(crate) [u64; 4]);

impl ConditionallySelectable for Fe {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        Fe([
            u64::conditional_select(&a.0[0], &b.0[0], choice),
            u64::conditional_select(&a.0[1], &b.0[1], choice),
            u64::conditional_select(&a.0[2], &b.0[2], choice),
            u64::conditional_select(&a.0[3], &b.0[3], choice),
        ])
    }
}

impl ConstantTimeEq for Fe {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl zeroize::Zeroize for Fe {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl Modulus {
    /// `be` (big-endian, below m) in Montgomery form, at compile time: the
    /// curve constants. Plain CIOS with a branch; only for public constants.
    pub(crate) const fn constant(&self, be: &[u8; 32]) -> Fe {
        let a = limbs_from_be(be);
        let b = self.r2;
        let m = self.m;
        let mut t = [0u64; 6];
        let mut i = 0;
        while i < 4 {
            let mut carry = 0;
            let mut j = 0;
            while j < 4 {
                let (lo, hi) = mac(t[j], a[j], b[i], carry);
                t[j] = lo;
                carry = hi;
                j += 1;
            }
            let (s, c) = adc(t[4], carry, 0);
            t[4] = s;
            t[5] = c;
            let u = t[0].wrapping_mul(self.m_inv);
            let (_, mut carry) = mac(t[0], u, m[0], 0);
            let mut j = 1;
            while j < 4 {
                let (lo, hi) = mac(t[j], u, m[j], carry);
                t[j - 1] = lo;
                carry = hi;
                j += 1;
            }
            let (s, c) = adc(t[4], carry, 0);
            t[3] = s;
            t[4] = t[5] + c;
            i += 1;
        }
        let r = [t[0], t[1], t[2], t[3]];
        let (s, borrow) = sub4(&r, &m);
        if t[4] != 0 || borrow == 0 {
            Fe(s)
        } else {
            Fe(r)
        }
    }

    /// Subtracts m when `t` (with a carry bit above it) is at least m.
    #[inline(always)]
    fn reduce_once(&self, t: [u64; 4], carry: u64) -> Fe {
        let (s, borrow) = sub4(&t, &self.m);
        // Keep s when there was a carry out or no borrow.
        let keep_t = Choice::from(((borrow >> 63) & !carry & 1) as u8);
        Fe::conditional_select(&Fe(s), &Fe(t), keep_t)
    }

    pub(crate) fn add(&self, a: &Fe, b: &Fe) -> Fe {
        let (r0, c) = adc(a.0[0], b.0[0], 0);
        let (r1, c) = adc(a.0[1], b.0[1], c);
        let (r2, c) = adc(a.0[2], b.0[2], c);
        let (r3, c) = adc(a.0[3], b.0[3], c);
        self.reduce_once([r0, r1, r2, r3], c)
    }

    pub(crate) fn sub(&self, a: &Fe, b: &Fe) -> Fe {
        let (r, borrow) = sub4(&a.0, &b.0);
        // Add m back when the subtraction borrowed.
        let mask = borrow; // all ones or zero
        let (r0, c) = adc(r[0], self.m[0] & mask, 0);
        let (r1, c) = adc(r[1], self.m[1] & mask, c);
        let (r2, c) = adc(r[2], self.m[2] & mask, c);
        let (r3, _) = adc(r[3], self.m[3] & mask, c);
        Fe([r0, r1, r2, r3])
    }

    pub(crate) fn neg(&self, a: &Fe) -> Fe {
        self.sub(&Fe::default(), a)
    }

    /// Montgomery multiplication: a * b / R mod m (CIOS).
    #[allow(clippy::needless_range_loop)] // parallel limb arrays read clearer by index
    pub(crate) fn mul(&self, a: &Fe, b: &Fe) -> Fe {
        let m = &self.m;
        let mut t = [0u64; 6];
        for i in 0..4 {
            let mut carry = 0;
            for j in 0..4 {
                let (lo, hi) = mac(t[j], a.0[j], b.0[i], carry);
                t[j] = lo;
                carry = hi;
            }
            let (s, c) = adc(t[4], carry, 0);
            t[4] = s;
            t[5] = c;
            let u = t[0].wrapping_mul(self.m_inv);
            let (_, mut carry) = mac(t[0], u, m[0], 0);
            for j in 1..4 {
                let (lo, hi) = mac(t[j], u, m[j], carry);
                t[j - 1] = lo;
                carry = hi;
            }
            let (s, c) = adc(t[4], carry, 0);
            t[3] = s;
            t[4] = t[5] + c;
        }
        self.reduce_once([t[0], t[1], t[2], t[3]], t[4])
    }

    pub(crate) fn square(&self, a: &Fe) -> Fe {
        self.mul(a, a)
    }

    /// a^e for a PUBLIC exponent e (a may be secret): a fixed 4-bit window,
    /// so 256 squarings and at most 64 multiplications. Only e's digits
    /// choose the table entry and whether to multiply.
    pub(crate) fn pow(&self, a: &Fe, e: &[u64; 4]) -> Fe {
        let mut table = [self.one(); 16];
        for i in 1..16 {
            table[i] = self.mul(&table[i - 1], a);
        }
        let mut r = self.one();
        for w in (0..64).rev() {
            for _ in 0..4 {
                r = self.square(&r);
            }
            let digit = ((e[w / 16] >> (4 * (w % 16))) & 0xf) as usize;
            if digit != 0 {
                r = self.mul(&r, &table[digit]);
            }
        }
        zeroize::Zeroize::zeroize(&mut table);
        r
    }

    /// a^-1 in constant time by safegcd (see `safegcd.rs`); zero maps to
    /// zero. The plain inverse of the Montgomery value aR is a^-1 R^-1;
    /// one multiplication by R^3 brings it to a^-1 R.
    pub(crate) fn invert(&self, a: &Fe) -> Fe {
        let y = safegcd::invert(&a.0, &self.inv);
        self.mul(&Fe(y), &Fe(self.r3))
    }

    /// a^-1 by Fermat's little theorem (a^(m-2)); zero maps to zero. The
    /// reference the faster inversions are tested against.
    #[cfg(test)]
    pub(crate) fn invert_fermat(&self, a: &Fe) -> Fe {
        self.pow(a, &self.m_minus_2)
    }

    /// R^3 mod m.
    pub(crate) const fn r3_limbs(&self) -> [u64; 4] {
        self.r3
    }

    pub(crate) fn one(&self) -> Fe {
        self.to_mont(&[1, 0, 0, 0])
    }

    /// Converts plain limbs (< m) to Montgomery form.
    fn to_mont(&self, l: &[u64; 4]) -> Fe {
        self.mul(&Fe(*l), &Fe(self.r2))
    }

    /// Converts out of Montgomery form to plain limbs.
    fn leave_mont(&self, a: &Fe) -> [u64; 4] {
        self.mul(a, &Fe([1, 0, 0, 0])).0
    }

    /// Parses 32 big-endian bytes; `None` in the Choice when >= m.
    pub(crate) fn decode_be(&self, be: &[u8; 32]) -> (Fe, Choice) {
        let l = limbs_from_be(be);
        let (_, borrow) = sub4(&l, &self.m);
        let in_range = Choice::from((borrow >> 63) as u8);
        (self.to_mont(&l), in_range)
    }

    /// 32 big-endian bytes, reduced modulo m (m > 2^255, so one
    /// subtraction suffices): how a hash value becomes a scalar.
    pub(crate) fn reduce_be_bytes(&self, be: &[u8; 32]) -> Fe {
        let l = limbs_from_be(be);
        let Fe(r) = self.reduce_once(l, 0);
        self.to_mont(&r)
    }

    pub(crate) fn to_be_bytes(&self, a: &Fe) -> [u8; 32] {
        let l = self.leave_mont(a);
        let mut out = [0u8; 32];
        for i in 0..4 {
            out[8 * i..8 * i + 8].copy_from_slice(&l[3 - i].to_be_bytes());
        }
        out
    }

    pub(crate) fn is_zero(&self, a: &Fe) -> Choice {
        // Montgomery form of zero is zero, and elements are kept below m.
        a.ct_eq(&Fe::default())
    }

    /// An element from a small integer.
    #[cfg(test)]
    pub(crate) fn small(&self, v: u64) -> Fe {
        self.to_mont(&[v, 0, 0, 0])
    }

    /// The plain (non-Montgomery) limbs, for scalar bit access.
    pub(crate) fn to_limbs(&self, a: &Fe) -> [u64; 4] {
        self.leave_mont(a)
    }

    /// Whether the plain value of `a` is odd (for point compression).
    pub(crate) fn is_odd(&self, a: &Fe) -> Choice {
        Choice::from((self.leave_mont(a)[0] & 1) as u8)
    }

    /// The plain limbs of m.
    pub(crate) fn modulus(&self) -> &[u64; 4] {
        &self.m
    }

    /// R^2 mod m, for tests of the specialised fields.
    #[cfg(test)]
    pub(crate) fn r2_limbs(&self) -> [u64; 4] {
        self.r2
    }
}

/// Helpers for tests of the specialised fields.
#[cfg(test)]
pub(crate) mod tests_support {
    /// l - p for the sm2p256v1 prime, and whether it borrowed.
    pub(crate) fn sub_p(l: &[u64; 4]) -> ([u64; 4], bool) {
        let (r, b) = super::sub4(l, &crate::sm2::fp::P);
        (r, b != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Modulus = Modulus::new(&[
        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff,
    ]);

    fn fe(v: u64) -> Fe {
        P.small(v)
    }

    #[test]
    fn arithmetic_identities() {
        let a = fe(123_456_789);
        let b = fe(987_654_321);
        assert_eq!(
            P.to_be_bytes(&P.mul(&a, &b))[24..],
            (123_456_789u64 * 987_654_321).to_be_bytes()
        );
        assert!(bool::from(P.mul(&a, &P.invert(&a)).ct_eq(&P.one())));
        assert!(bool::from(P.add(&a, &P.neg(&a)).ct_eq(&Fe::default())));
        assert!(bool::from(
            P.sub(&b, &a).ct_eq(&fe(987_654_321 - 123_456_789))
        ));
        assert!(bool::from(
            P.sub(&a, &b).ct_eq(&P.neg(&fe(987_654_321 - 123_456_789)))
        ));
        // m - 1 round-trips; m itself is out of range.
        let mut be = [0u8; 32];
        for (i, l) in P.m.iter().rev().enumerate() {
            be[8 * i..8 * i + 8].copy_from_slice(&l.to_be_bytes());
        }
        let (_, ok) = P.decode_be(&be);
        assert!(!bool::from(ok));
        be[31] -= 1;
        let (x, ok) = P.decode_be(&be);
        assert!(bool::from(ok));
        assert_eq!(P.to_be_bytes(&x), be);
        assert!(bool::from(P.add(&x, &P.one()).ct_eq(&Fe::default())));
        // 2^256 - 1 - p = 2^224 + 2^96 - 2^64.
        let r = P.to_be_bytes(&P.reduce_be_bytes(&[0xff; 32]));
        let mut want = [0u8; 32];
        let mut w = [0u64; 4];
        w[3] = 1 << 32; // 2^224
        w[1] = 0xffff_ffff; // 2^96 - 2^64, in the second limb
        for i in 0..4 {
            want[8 * i..8 * i + 8].copy_from_slice(&w[3 - i].to_be_bytes());
        }
        assert_eq!(r, want);
    }
}
