//! The RustCrypto `signature` traits over SM2 keys bound to an ID.

use super::keys::{PublicKey, SecretKey};
use super::sign::{DEFAULT_ID, compute_z, sign_digest, sign_digest_hedged, verify_digest};
use super::signature::Signature;
use crate::Result;
use crate::rng::TryCryptoRng;
use crate::sm3::Sm3;

/// An SM2 signing key bound to a distinguishing ID (Z is computed once).
/// Implements `signature::Signer` (deterministic nonces),
/// `RandomizedSigner` (hedged nonces) and `Keypair`.
#[derive(Clone, Debug)]
pub struct SigningKey {
    key: SecretKey,
    z: [u8; 32],
}

/// An SM2 verifying key bound to a distinguishing ID. Implements
/// `signature::Verifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    key: PublicKey,
    z: [u8; 32],
}

fn e_of(z: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut h = Sm3::new();
    h.update(z);
    h.update(msg);
    h.finalize()
}

impl SigningKey {
    /// Binds `key` to `id`.
    pub fn new(key: SecretKey, id: &[u8]) -> Result<Self> {
        let z = compute_z(&key.public, id)?;
        Ok(Self { key, z })
    }

    /// Binds `key` to [`DEFAULT_ID`].
    pub fn with_default_id(key: SecretKey) -> Self {
        // The default ID is short, so computing Z cannot fail.
        let z = compute_z(&key.public, DEFAULT_ID).unwrap_or([0; 32]);
        Self { key, z }
    }

    /// The secret key.
    pub fn secret_key(&self) -> &SecretKey {
        &self.key
    }

    /// The matching verifying key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            key: self.key.public,
            z: self.z,
        }
    }
}

impl VerifyingKey {
    /// Binds `key` to `id`.
    pub fn new(key: PublicKey, id: &[u8]) -> Result<Self> {
        Ok(Self {
            key,
            z: compute_z(&key, id)?,
        })
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }
}

impl signature::Signer<Signature> for SigningKey {
    fn try_sign(&self, msg: &[u8]) -> core::result::Result<Signature, signature::Error> {
        sign_digest_hedged(&self.key, &e_of(&self.z, msg), &[]).map_err(|_| signature::Error::new())
    }
}

impl signature::RandomizedSigner<Signature> for SigningKey {
    fn try_sign_with_rng<R: TryCryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        msg: &[u8],
    ) -> core::result::Result<Signature, signature::Error> {
        sign_digest(&self.key, &e_of(&self.z, msg), rng).map_err(|_| signature::Error::new())
    }
}

impl signature::Verifier<Signature> for VerifyingKey {
    fn verify(&self, msg: &[u8], sig: &Signature) -> core::result::Result<(), signature::Error> {
        verify_digest(&self.key, &e_of(&self.z, msg), sig).map_err(|_| signature::Error::new())
    }
}

impl signature::Keypair for SigningKey {
    type VerifyingKey = VerifyingKey;
    fn verifying_key(&self) -> VerifyingKey {
        SigningKey::verifying_key(self)
    }
}
