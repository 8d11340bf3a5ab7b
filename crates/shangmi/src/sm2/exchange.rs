//! SM2 key exchange (GB/T 32918.3) with the optional confirmation values,
//! and plain ECDH on curveSM2 (what RFC 8998 TLS 1.3 uses).

use super::curve::Curve;
use super::field::Fe;
use super::keys::{PublicKey, SecretKey};
use super::mul;
use super::point::{Affine, Point};
use super::sign::compute_z;
use crate::kdf::Sm2Kdf;
use crate::rng::TryCryptoRng;
use crate::sm3::Sm3;
use crate::{Error, Result, ct};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Which side of the exchange this party is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A: sends R_A first.
    Initiator,
    /// B: answers with R_B (and S_B).
    Responder,
}

/// One party's half of an SM2 key exchange: its static key, its ephemeral
/// key pair (r, R), and both identities. Zeroized on drop.
pub struct KeyExchange {
    role: Role,
    key: SecretKey,
    r: Fe,
    big_r: Affine,
    own_z: [u8; 32],
    peer: PublicKey,
    peer_z: [u8; 32],
}

impl Drop for KeyExchange {
    fn drop(&mut self) {
        self.r.zeroize();
    }
}

impl ZeroizeOnDrop for KeyExchange {}

/// The confirmation hashes of a finished exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Confirmation {
    /// The value to send to the peer: S_B from the responder, S_A from the
    /// initiator.
    pub to_send: [u8; 32],
    /// The value the peer must send: S_A (= S2) for the responder, S_B (=
    /// S1) for the initiator.
    pub expected: [u8; 32],
}

impl Confirmation {
    /// Checks the peer's confirmation value in constant time.
    pub fn verify_peer(&self, received: &[u8]) -> Result<()> {
        if ct::declassify(self.expected.as_slice().ct_eq(received)) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

impl KeyExchange {
    /// Starts an exchange: draws the ephemeral key r and computes R = rG.
    /// `own_id` and `peer_id` are the distinguishing IDs (Z values are
    /// computed from them).
    pub fn new<R: TryCryptoRng + ?Sized>(
        role: Role,
        key: &SecretKey,
        own_id: &[u8],
        peer: &PublicKey,
        peer_id: &[u8],
        rng: &mut R,
    ) -> Result<Self> {
        let eph = SecretKey::random_on(key.curve(), rng)?;
        Self::with_ephemeral(role, key, own_id, peer, peer_id, &eph)
    }

    pub(crate) fn with_ephemeral(
        role: Role,
        key: &SecretKey,
        own_id: &[u8],
        peer: &PublicKey,
        peer_id: &[u8],
        eph: &SecretKey,
    ) -> Result<Self> {
        if !core::ptr::eq(key.curve(), peer.curve) {
            return Err(Error::InvalidPoint);
        }
        Ok(Self {
            role,
            key: key.clone(),
            r: eph.d,
            big_r: eph.public.point,
            own_z: compute_z(&key.public, own_id)?,
            peer: *peer,
            peer_z: compute_z(peer, peer_id)?,
        })
    }

    /// R, the ephemeral public key to send to the peer.
    pub fn ephemeral_public(&self) -> PublicKey {
        PublicKey {
            point: self.big_r,
            curve: self.key.curve(),
        }
    }

    /// Completes the exchange with the peer's ephemeral public key: fills
    /// `key_out` with the shared key (any length) and returns the
    /// confirmation values.
    pub fn finish(self, peer_ephemeral: &PublicKey, key_out: &mut [u8]) -> Result<Confirmation> {
        let c: &Curve = self.key.curve();
        let n = &c.n;
        // x-bar = 2^w + (x & (2^w - 1)); public values.
        let xbar = |x: &[u8; 32]| -> Fe {
            let mut b = [0u8; 32];
            let w = c.w as usize;
            let bytes = w / 8;
            b[32 - bytes..].copy_from_slice(&x[32 - bytes..]);
            b[32 - bytes - 1] = (x[32 - bytes - 1] & ((1u8 << (w % 8)) - 1)) | (1u8 << (w % 8));
            n.decode_be(&b).0
        };
        let x_own = xbar(&self.big_r.x);
        let x_peer = xbar(&peer_ephemeral.point.x);
        // t = (d + x-bar * r) mod n
        let t = n.add(&self.key.d, &n.mul(&x_own, &self.r));
        // V = h * t * (P_peer + x-bar_peer * R_peer), h = 1
        // P_peer + x-bar_peer R_peer involves only public values: on
        // sm2p256v1 a variable-time wNAF (x-bar has 128 bits, so half the
        // doublings of the constant-time window).
        let sum = if super::point::is_sm2(c) {
            let rp = mul::mul_double_vartime(
                &[0; 4],
                &n.to_limbs(&x_peer),
                &peer_ephemeral.to_jacobian(),
            );
            Point::from_jacobian(&rp.add_vartime::<super::fp::Portable>(&self.peer.to_jacobian()))
        } else {
            let rp = peer_ephemeral.to_point().mul_ct(&n.to_limbs(&x_peer), c);
            self.peer.to_point().add(&rp, c)
        };
        let mut tl = Zeroizing::new(n.to_limbs(&t));
        let v = sum.mul_ct(&tl, c).to_affine(c)?;
        tl.zeroize();
        let (za, zb, ra, rb) = match self.role {
            Role::Initiator => (
                &self.own_z,
                &self.peer_z,
                &self.big_r,
                &peer_ephemeral.point,
            ),
            Role::Responder => (
                &self.peer_z,
                &self.own_z,
                &peer_ephemeral.point,
                &self.big_r,
            ),
        };
        Sm2Kdf::new(&[&v.x, &v.y, za, zb]).fill(key_out);
        let mut inner = Sm3::new();
        for part in [&v.x, za, zb, &ra.x, &ra.y, &rb.x, &rb.y] {
            inner.update(part);
        }
        let inner = inner.finalize();
        let s = |tag: u8| {
            let mut h = Sm3::new();
            h.update(&[tag]);
            h.update(&v.y);
            h.update(&inner);
            h.finalize()
        };
        let (s1, s2) = (s(0x02), s(0x03));
        Ok(match self.role {
            Role::Initiator => Confirmation {
                to_send: s2,
                expected: s1,
            },
            Role::Responder => Confirmation {
                to_send: s1,
                expected: s2,
            },
        })
    }
}

/// A shared secret: the x coordinate of d * P. Zeroized on drop.
#[derive(Clone)]
pub struct SharedSecret(Zeroizing<[u8; 32]>);

impl SharedSecret {
    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Plain ECDH on curveSM2: the x coordinate of d * peer, as RFC 8998 TLS
/// 1.3 key shares use it.
pub fn ecdh(key: &SecretKey, peer: &PublicKey) -> Result<SharedSecret> {
    let c = key.curve();
    if !core::ptr::eq(c, peer.curve) {
        return Err(Error::InvalidPoint);
    }
    let mut d = Zeroizing::new(c.n.to_limbs(&key.d));
    let p = peer.to_point().mul_ct(&d, c).to_affine(c)?;
    d.zeroize();
    Ok(SharedSecret(Zeroizing::new(p.x)))
}
