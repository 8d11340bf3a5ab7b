//! Signatures as values: SM2 with SM3, ECDSA with SHA-2, and Ed25519, over
//! one pair of key types.

use crate::rng::{TryCryptoRng, fill};
use crate::sm2;
use crate::{Error, Result};
use ::signature::{Signer, Verifier};
use zeroize::Zeroizing;

/// A signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// SM2 with SM3 (GB/T 32918.2), signed with a distinguishing ID.
    Sm2Sm3,
    /// ECDSA on P-256 with SHA-256 (deterministic nonces, RFC 6979).
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384 (deterministic nonces, RFC 6979).
    EcdsaP384Sha384,
    /// Ed25519 (RFC 8032).
    Ed25519,
}

/// How a signature is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureEncoding {
    /// DER `SEQUENCE { r INTEGER, s INTEGER }` (SM2 and ECDSA), as OpenSSL
    /// and X.509 write it. Ed25519 has no DER form: its 64 bytes are used.
    Der,
    /// Fixed-width r || s (SM2, ECDSA), or the 64-byte Ed25519 signature.
    Raw,
}

impl SignatureAlgorithm {
    /// Every signature algorithm.
    pub const ALL: [SignatureAlgorithm; 4] = [
        Self::Sm2Sm3,
        Self::EcdsaP256Sha256,
        Self::EcdsaP384Sha384,
        Self::Ed25519,
    ];

    /// The OID of the signature algorithm (as in X.509 `signatureAlgorithm`).
    pub const fn oid(self) -> &'static str {
        match self {
            Self::Sm2Sm3 => "1.2.156.10197.1.501",
            Self::EcdsaP256Sha256 => "1.2.840.10045.4.3.2",
            Self::EcdsaP384Sha384 => "1.2.840.10045.4.3.3",
            Self::Ed25519 => "1.3.101.112",
        }
    }

    /// Generates a key pair.
    pub fn generate<R: TryCryptoRng + ?Sized>(self, rng: &mut R) -> Result<PrivateKey> {
        PrivateKey::generate(self, rng)
    }
}

/// A private key of any [`SignatureAlgorithm`]. Zeroized on drop; `Debug`
/// shows the algorithm only.
#[derive(Clone)]
pub enum PrivateKey {
    /// SM2.
    Sm2(sm2::SecretKey),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::SigningKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
}

/// A public key of any [`SignatureAlgorithm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicKey {
    /// SM2.
    Sm2(sm2::PublicKey),
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PrivateKey({:?})", self.algorithm())
    }
}

/// The longest signature of any algorithm (DER ECDSA P-384).
pub const MAX_SIGNATURE_LEN: usize = 104;

impl PrivateKey {
    /// Generates a key pair for `alg`.
    pub fn generate<R: TryCryptoRng + ?Sized>(
        alg: SignatureAlgorithm,
        rng: &mut R,
    ) -> Result<Self> {
        let mut seed = Zeroizing::new([0u8; 48]);
        for _ in 0..64 {
            match alg {
                SignatureAlgorithm::Sm2Sm3 => return Ok(Self::Sm2(sm2::SecretKey::random(rng)?)),
                SignatureAlgorithm::Ed25519 => {
                    let mut b = Zeroizing::new([0u8; 32]);
                    fill(rng, &mut b[..])?;
                    return Ok(Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&b)));
                }
                SignatureAlgorithm::EcdsaP256Sha256 => {
                    fill(rng, &mut seed[..32])?;
                    if let Ok(k) = p256::ecdsa::SigningKey::from_slice(&seed[..32]) {
                        return Ok(Self::P256(k));
                    }
                }
                SignatureAlgorithm::EcdsaP384Sha384 => {
                    fill(rng, &mut seed[..])?;
                    if let Ok(k) = p384::ecdsa::SigningKey::from_slice(&seed[..]) {
                        return Ok(Self::P384(k));
                    }
                }
            }
        }
        Err(Error::Rng)
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            Self::Sm2(_) => SignatureAlgorithm::Sm2Sm3,
            Self::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Self::P384(_) => SignatureAlgorithm::EcdsaP384Sha384,
            Self::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::Sm2(k) => PublicKey::Sm2(k.public_key()),
            Self::P256(k) => PublicKey::P256(*k.verifying_key()),
            Self::P384(k) => PublicKey::P384(*k.verifying_key()),
            Self::Ed25519(k) => PublicKey::Ed25519(k.verifying_key()),
        }
    }

    /// Signs `msg` into `out`; returns the signature length. SM2 signs with
    /// `id` as its distinguishing ID (other algorithms ignore it).
    pub fn sign_into<R: TryCryptoRng + ?Sized>(
        &self,
        id: &[u8],
        msg: &[u8],
        encoding: SignatureEncoding,
        rng: &mut R,
        out: &mut [u8],
    ) -> Result<usize> {
        fn put(out: &mut [u8], v: &[u8]) -> Result<usize> {
            let o = out
                .get_mut(..v.len())
                .ok_or(Error::BufferTooSmall { needed: v.len() })?;
            o.copy_from_slice(v);
            Ok(v.len())
        }
        let bad = |_| Error::Unsupported {
            what: "signing failed",
        };
        match (self, encoding) {
            (Self::Sm2(k), enc) => {
                let s = sm2::sign(k, id, msg, rng)?;
                match enc {
                    SignatureEncoding::Der => put(out, s.to_der().as_bytes()),
                    SignatureEncoding::Raw => put(out, &s.to_raw()),
                }
            }
            (Self::P256(k), enc) => {
                let s: p256::ecdsa::Signature = k.try_sign(msg).map_err(bad)?;
                match enc {
                    SignatureEncoding::Der => put(out, s.to_der().as_bytes()),
                    SignatureEncoding::Raw => put(out, &s.to_bytes()),
                }
            }
            (Self::P384(k), enc) => {
                let s: p384::ecdsa::Signature = k.try_sign(msg).map_err(bad)?;
                match enc {
                    SignatureEncoding::Der => put(out, s.to_der().as_bytes()),
                    SignatureEncoding::Raw => put(out, &s.to_bytes()),
                }
            }
            (Self::Ed25519(k), _) => put(out, &k.try_sign(msg).map_err(bad)?.to_bytes()),
        }
    }

    /// Signs `msg` with `id` (SM2 only); returns the signature bytes.
    #[cfg(feature = "alloc")]
    pub fn sign_with_id<R: TryCryptoRng + ?Sized>(
        &self,
        id: &[u8],
        msg: &[u8],
        encoding: SignatureEncoding,
        rng: &mut R,
    ) -> Result<alloc::vec::Vec<u8>> {
        let mut out = alloc::vec![0u8; MAX_SIGNATURE_LEN];
        let n = self.sign_into(id, msg, encoding, rng, &mut out)?;
        out.truncate(n);
        Ok(out)
    }

    /// Signs `msg` (SM2 with [`sm2::DEFAULT_ID`]); returns the signature bytes.
    #[cfg(feature = "alloc")]
    pub fn sign<R: TryCryptoRng + ?Sized>(
        &self,
        msg: &[u8],
        encoding: SignatureEncoding,
        rng: &mut R,
    ) -> Result<alloc::vec::Vec<u8>> {
        self.sign_with_id(sm2::DEFAULT_ID, msg, encoding, rng)
    }
}

impl PublicKey {
    /// The algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match self {
            Self::Sm2(_) => SignatureAlgorithm::Sm2Sm3,
            Self::P256(_) => SignatureAlgorithm::EcdsaP256Sha256,
            Self::P384(_) => SignatureAlgorithm::EcdsaP384Sha384,
            Self::Ed25519(_) => SignatureAlgorithm::Ed25519,
        }
    }

    /// Verifies `sig` on `msg`; SM2 uses `id` as the distinguishing ID.
    /// [`Error::BadSignature`] when it does not verify (a malformed
    /// signature included).
    pub fn verify_with_id(
        &self,
        id: &[u8],
        msg: &[u8],
        sig: &[u8],
        encoding: SignatureEncoding,
    ) -> Result<()> {
        let bad = |_| Error::BadSignature;
        match (self, encoding) {
            (Self::Sm2(k), enc) => {
                let s = match enc {
                    SignatureEncoding::Der => sm2::Signature::from_der(sig),
                    SignatureEncoding::Raw => sm2::Signature::from_raw(sig),
                }
                .map_err(|_| Error::BadSignature)?;
                sm2::verify(k, id, msg, &s)
            }
            (Self::P256(k), enc) => {
                let s = match enc {
                    SignatureEncoding::Der => p256::ecdsa::Signature::from_der(sig),
                    SignatureEncoding::Raw => p256::ecdsa::Signature::from_slice(sig),
                }
                .map_err(bad)?;
                k.verify(msg, &s).map_err(bad)
            }
            (Self::P384(k), enc) => {
                let s = match enc {
                    SignatureEncoding::Der => p384::ecdsa::Signature::from_der(sig),
                    SignatureEncoding::Raw => p384::ecdsa::Signature::from_slice(sig),
                }
                .map_err(bad)?;
                k.verify(msg, &s).map_err(bad)
            }
            (Self::Ed25519(k), _) => {
                let s = ed25519_dalek::Signature::from_slice(sig).map_err(bad)?;
                k.verify_strict(msg, &s).map_err(bad)
            }
        }
    }

    /// Verifies with [`sm2::DEFAULT_ID`] for SM2.
    pub fn verify(&self, msg: &[u8], sig: &[u8], encoding: SignatureEncoding) -> Result<()> {
        self.verify_with_id(sm2::DEFAULT_ID, msg, sig, encoding)
    }
}
