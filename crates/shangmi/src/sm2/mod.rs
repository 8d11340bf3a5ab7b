//! SM2 public-key cryptography (GB/T 32918). STUB: replaced by the SM2 work.

use crate::rng::TryCryptoRng;
use crate::{Error, Result};

/// The distinguishing ID that GM/T 0009 sets as the default.
pub const DEFAULT_ID: &[u8] = b"1234567812345678";

/// An SM2 private key d in [1, n-2]. Zeroized on drop; `Debug` hides it.
#[derive(Clone)]
pub struct SecretKey {
    _d: [u8; 32],
}

impl SecretKey {
    /// A fresh random key.
    pub fn random<R: TryCryptoRng + ?Sized>(_rng: &mut R) -> Result<Self> {
        Err(Error::Unsupported { what: "stub" })
    }
    /// From 32 big-endian bytes.
    pub fn from_bytes(_bytes: &[u8]) -> Result<Self> {
        Err(Error::Unsupported { what: "stub" })
    }
    /// The 32 big-endian bytes.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new([0; 32])
    }
    /// The public key d*G.
    pub fn public_key(&self) -> PublicKey {
        PublicKey { _xy: [0; 64] }
    }
}

/// A validated SM2 public key (on the curve, not infinity).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    _xy: [u8; 64],
}

impl PublicKey {
    /// From SEC1 bytes: 65-byte uncompressed (04||x||y), 33-byte compressed
    /// (02/03||x), or the bare 64-byte x||y.
    pub fn from_sec1_bytes(_bytes: &[u8]) -> Result<Self> {
        Err(Error::Unsupported { what: "stub" })
    }
    /// 04||x||y.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        [0; 65]
    }
    /// 02/03||x.
    pub fn to_compressed(&self) -> [u8; 33] {
        [0; 33]
    }
}

/// An SM2 signature (r, s).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature {
    r: [u8; 32],
    s: [u8; 32],
}

impl Signature {
    /// r||s, 64 bytes.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut o = [0; 64];
        o[..32].copy_from_slice(&self.r);
        o[32..].copy_from_slice(&self.s);
        o
    }
}

/// Signs `msg` with distinguishing ID `id` (e = SM3(Z||msg)).
pub fn sign<R: TryCryptoRng + ?Sized>(
    _key: &SecretKey,
    _id: &[u8],
    _msg: &[u8],
    _rng: &mut R,
) -> Result<Signature> {
    Err(Error::Unsupported { what: "stub" })
}

/// Verifies a signature on `msg` with distinguishing ID `id`.
pub fn verify(_key: &PublicKey, _id: &[u8], _msg: &[u8], _sig: &Signature) -> Result<()> {
    Err(Error::Unsupported { what: "stub" })
}
