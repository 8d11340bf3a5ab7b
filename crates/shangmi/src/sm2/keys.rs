//! SM2 key pairs.

use super::curve::{Curve, SM2P256V1};
use super::field::Fe;
use super::point::{Affine, Point};
use crate::rng::{TryCryptoRng, fill};
use crate::{Error, Result, ct};
use core::fmt;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// An SM2 private key d in [1, n - 2] with its public key. Zeroized on drop;
/// `Debug` shows only the public key.
#[derive(Clone)]
pub struct SecretKey {
    pub(crate) d: Fe,
    /// (1 + d)^-1 mod n, precomputed for signing.
    pub(crate) d1_inv: Fe,
    pub(crate) public: PublicKey,
}

/// A validated SM2 public key: a point on the curve, not the identity.
#[derive(Clone, Copy)]
pub struct PublicKey {
    pub(crate) point: Affine,
    pub(crate) curve: &'static Curve,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        core::ptr::eq(self.curve, other.curve) && self.point == other.point
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sm2::PublicKey(04")?;
        for b in self.point.x.iter().chain(self.point.y.iter()) {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("sm2::SecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.d.zeroize();
        self.d1_inv.zeroize();
    }
}

impl ZeroizeOnDrop for SecretKey {}

impl SecretKey {
    /// A fresh random key, drawn by rejection from `rng`.
    pub fn random<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::random_on(&SM2P256V1, rng)
    }

    pub(crate) fn random_on<R: TryCryptoRng + ?Sized>(
        curve: &'static Curve,
        rng: &mut R,
    ) -> Result<Self> {
        let mut buf = Zeroizing::new([0u8; 32]);
        // A candidate is out of range with probability about 2^-32; give
        // up after many tries only if the generator is broken.
        for _ in 0..64 {
            fill(rng, &mut buf[..])?;
            if let Ok(k) = Self::from_bytes_on(curve, &buf[..]) {
                return Ok(k);
            }
        }
        Err(Error::Rng)
    }

    /// From 32 big-endian bytes; fails unless 1 <= d <= n - 2.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_on(&SM2P256V1, bytes)
    }

    pub(crate) fn from_bytes_on(curve: &'static Curve, bytes: &[u8]) -> Result<Self> {
        let be: &[u8; 32] = bytes.try_into().map_err(|_| Error::Length {
            what: "SM2 private key (32 bytes)",
        })?;
        let n = &curve.n;
        let (d, in_range) = n.decode_be(be);
        // d != 0 and d != n - 1 (so that 1 + d is invertible).
        let one = n.one();
        let d1 = n.add(&d, &one);
        let ok = in_range & !n.is_zero(&d) & !n.is_zero(&d1);
        if !ct::declassify(ok) {
            return Err(Error::InvalidKey);
        }
        let d1_inv = n.invert(&d1);
        let mut k = n.to_limbs(&d);
        let point = Point::mul_generator(&k, curve).to_affine(curve)?;
        k.zeroize();
        Ok(Self {
            d,
            d1_inv,
            public: PublicKey { point, curve },
        })
    }

    /// The 32 big-endian bytes of d.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.public.curve.n.to_be_bytes(&self.d))
    }

    /// The public key d*G.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    pub(crate) fn curve(&self) -> &'static Curve {
        self.public.curve
    }

    /// Compares two secret keys in constant time.
    pub fn ct_eq(&self, other: &Self) -> Choice {
        self.d.ct_eq(&other.d)
    }
}

/// Encodings of an SM2 public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointFormat {
    /// 04 || x || y, 65 bytes (SEC1 uncompressed; what certificates carry).
    Uncompressed,
    /// 02 or 03 || x, 33 bytes (SEC1 compressed).
    Compressed,
    /// x || y, 64 bytes, as some SM2 libraries and HSMs exchange keys.
    Bare,
}

impl PublicKey {
    /// Parses a public key in any [`PointFormat`], told apart by length and
    /// prefix, and validates it (coordinates below p, on the curve).
    pub fn from_sec1_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_on(&SM2P256V1, bytes)
    }

    pub(crate) fn from_bytes_on(curve: &'static Curve, bytes: &[u8]) -> Result<Self> {
        let point = match bytes.len() {
            65 if bytes[0] == 4 => Self::affine(curve, &bytes[1..])?,
            64 => Self::affine(curve, bytes)?,
            33 if bytes[0] == 2 || bytes[0] == 3 => {
                let x: &[u8; 32] = bytes[1..]
                    .try_into()
                    .map_err(|_| Error::Encoding { what: "SM2 point" })?;
                Point::decompress(curve, x, bytes[0] == 3)?.to_affine(curve)?
            }
            65 | 33 => {
                return Err(Error::Encoding {
                    what: "SM2 point prefix (want 04, 02 or 03)",
                });
            }
            _ => {
                return Err(Error::Length {
                    what: "SM2 public key (65, 64 or 33 bytes)",
                });
            }
        };
        Ok(Self { point, curve })
    }

    fn affine(curve: &Curve, xy: &[u8]) -> Result<Affine> {
        let (x, y) = xy.split_at(32);
        let a = Affine {
            x: x.try_into()
                .map_err(|_| Error::Length { what: "SM2 point" })?,
            y: y.try_into()
                .map_err(|_| Error::Length { what: "SM2 point" })?,
        };
        Point::from_affine(curve, &a)?;
        Ok(a)
    }

    /// 04 || x || y.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        let mut o = [4u8; 65];
        o[1..33].copy_from_slice(&self.point.x);
        o[33..].copy_from_slice(&self.point.y);
        o
    }

    /// 02 or 03 || x.
    pub fn to_compressed(&self) -> [u8; 33] {
        let mut o = [2u8 | (self.point.y[31] & 1); 33];
        o[1..].copy_from_slice(&self.point.x);
        o
    }

    /// x || y.
    pub fn to_bare(&self) -> [u8; 64] {
        let mut o = [0u8; 64];
        o[..32].copy_from_slice(&self.point.x);
        o[32..].copy_from_slice(&self.point.y);
        o
    }

    /// The x coordinate, big-endian.
    pub fn x(&self) -> &[u8; 32] {
        &self.point.x
    }

    /// The y coordinate, big-endian.
    pub fn y(&self) -> &[u8; 32] {
        &self.point.y
    }

    /// The point in Jacobian coordinates (sm2p256v1 only).
    pub(crate) fn to_jacobian(self) -> super::jacobian::Jacobian {
        use super::{
            fp,
            jacobian::{AffineFe, Jacobian},
        };
        // Validated at construction, so below p.
        let (x, _) = fp::from_be_bytes(&self.point.x);
        let (y, _) = fp::from_be_bytes(&self.point.y);
        Jacobian::from_affine(&AffineFe { x, y })
    }

    pub(crate) fn to_point(self) -> Point {
        // Validated at construction.
        Point::from_affine(self.curve, &self.point).unwrap_or_else(|_| Point::identity(self.curve))
    }
}
