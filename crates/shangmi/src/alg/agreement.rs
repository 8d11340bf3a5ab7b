//! Key agreement as values: SM2 ECDH (RFC 8998's curveSM2), X25519, and
//! ECDH on P-256 and P-384.

use crate::rng::{TryCryptoRng, fill};
use crate::sm2;
use crate::{Error, Result};
use zeroize::Zeroizing;

/// A key agreement scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgreementAlgorithm {
    /// ECDH on curveSM2; public keys are 65-byte uncompressed points.
    Sm2Ecdh,
    /// X25519 (RFC 7748); public keys are 32 bytes.
    X25519,
    /// ECDH on P-256; public keys are 65-byte uncompressed points.
    EcdhP256,
    /// ECDH on P-384; public keys are 97-byte uncompressed points.
    EcdhP384,
}

/// A private key for key agreement. Zeroized on drop.
pub enum AgreementKey {
    /// curveSM2.
    Sm2(sm2::SecretKey),
    /// X25519.
    X25519(x25519_dalek::StaticSecret),
    /// P-256.
    P256(p256::SecretKey),
    /// P-384.
    P384(p384::SecretKey),
}

impl core::fmt::Debug for AgreementKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AgreementKey({:?})", self.algorithm())
    }
}

/// A shared secret (the x coordinate, or the X25519 output). Zeroized on drop.
#[derive(Clone)]
pub struct SharedSecret {
    bytes: Zeroizing<[u8; 48]>,
    len: usize,
}

impl SharedSecret {
    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    fn new(v: &[u8]) -> Self {
        let mut bytes = Zeroizing::new([0u8; 48]);
        bytes[..v.len()].copy_from_slice(v);
        Self {
            bytes,
            len: v.len(),
        }
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

impl AgreementAlgorithm {
    /// Length of a public key in bytes.
    pub const fn public_len(self) -> usize {
        match self {
            Self::Sm2Ecdh | Self::EcdhP256 => 65,
            Self::X25519 => 32,
            Self::EcdhP384 => 97,
        }
    }

    /// Generates a key pair.
    pub fn generate<R: TryCryptoRng + ?Sized>(self, rng: &mut R) -> Result<AgreementKey> {
        let mut seed = Zeroizing::new([0u8; 48]);
        Ok(match self {
            Self::Sm2Ecdh => AgreementKey::Sm2(sm2::SecretKey::random(rng)?),
            Self::X25519 => {
                let mut b = Zeroizing::new([0u8; 32]);
                fill(rng, &mut b[..])?;
                AgreementKey::X25519(x25519_dalek::StaticSecret::from(*b))
            }
            // Rejection sampling; a generator that keeps producing
            // out-of-range values is broken, and says so.
            Self::EcdhP256 => (0..64)
                .find_map(|_| {
                    fill(rng, &mut seed[..32]).ok()?;
                    p256::SecretKey::from_slice(&seed[..32]).ok()
                })
                .map(AgreementKey::P256)
                .ok_or(Error::Rng)?,
            Self::EcdhP384 => (0..64)
                .find_map(|_| {
                    fill(rng, &mut seed[..]).ok()?;
                    p384::SecretKey::from_slice(&seed[..]).ok()
                })
                .map(AgreementKey::P384)
                .ok_or(Error::Rng)?,
        })
    }
}

impl AgreementKey {
    /// The algorithm.
    pub fn algorithm(&self) -> AgreementAlgorithm {
        match self {
            Self::Sm2(_) => AgreementAlgorithm::Sm2Ecdh,
            Self::X25519(_) => AgreementAlgorithm::X25519,
            Self::P256(_) => AgreementAlgorithm::EcdhP256,
            Self::P384(_) => AgreementAlgorithm::EcdhP384,
        }
    }

    /// Writes the public key into `out`; returns its length.
    pub fn public_key(&self, out: &mut [u8]) -> Result<usize> {
        let n = self.algorithm().public_len();
        let out = out
            .get_mut(..n)
            .ok_or(Error::BufferTooSmall { needed: n })?;
        match self {
            Self::Sm2(k) => out.copy_from_slice(&k.public_key().to_uncompressed()),
            Self::X25519(k) => out.copy_from_slice(x25519_dalek::PublicKey::from(k).as_bytes()),
            Self::P256(k) => {
                use p256::elliptic_curve::sec1::ToSec1Point;
                out.copy_from_slice(k.public_key().to_sec1_point(false).as_bytes())
            }
            Self::P384(k) => {
                use p384::elliptic_curve::sec1::ToSec1Point;
                out.copy_from_slice(k.public_key().to_sec1_point(false).as_bytes())
            }
        }
        Ok(n)
    }

    /// Agrees with the peer's public key (validated first).
    pub fn agree(&self, peer: &[u8]) -> Result<SharedSecret> {
        match self {
            Self::Sm2(k) => {
                let p = sm2::PublicKey::from_sec1_bytes(peer)?;
                Ok(SharedSecret::new(sm2::ecdh(k, &p)?.as_bytes()))
            }
            Self::X25519(k) => {
                let p: [u8; 32] = peer.try_into().map_err(|_| Error::Length {
                    what: "X25519 public key (32 bytes)",
                })?;
                let s = k.diffie_hellman(&x25519_dalek::PublicKey::from(p));
                if !s.was_contributory() {
                    return Err(Error::InvalidPoint);
                }
                Ok(SharedSecret::new(s.as_bytes()))
            }
            Self::P256(k) => {
                let p = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| Error::InvalidPoint)?;
                Ok(SharedSecret::new(k.diffie_hellman(&p).raw_secret_bytes()))
            }
            Self::P384(k) => {
                let p = p384::PublicKey::from_sec1_bytes(peer).map_err(|_| Error::InvalidPoint)?;
                Ok(SharedSecret::new(k.diffie_hellman(&p).raw_secret_bytes()))
            }
        }
    }
}
