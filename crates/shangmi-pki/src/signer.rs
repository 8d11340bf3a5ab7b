//! The one signing abstraction every key sits behind.
//!
//! The certificate, CSR, CRL, OCSP and CMS builders take `&dyn Signer`;
//! none of them knows where the key lives. [`SoftwareKey`] holds a key in
//! memory; an HSM backend implements the same trait.

use crate::Result;
use shangmi::alg::{PrivateKey, PublicKey, SignatureAlgorithm, SignatureEncoding};
use shangmi::rng::OsRng;
use std::sync::Arc;

/// A private key that signs, wherever it lives.
pub trait Signer: Send + Sync {
    /// The signature algorithm of the key.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// The public half.
    fn public_key(&self) -> PublicKey;

    /// Signs `msg` and returns the signature as X.509 and CMS carry it: DER
    /// `SEQUENCE { r, s }` for SM2 and ECDSA, the 64 raw bytes for Ed25519.
    /// SM2 signs with `sm2_id` as the distinguishing ID (Z is computed over
    /// it); the other algorithms ignore it.
    fn sign(&self, sm2_id: &[u8], msg: &[u8]) -> Result<Vec<u8>>;
}

/// A key held in memory. The private key is zeroized on drop.
pub struct SoftwareKey {
    key: PrivateKey,
    public: PublicKey,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SoftwareKey({:?})", self.key.algorithm())
    }
}

impl SoftwareKey {
    /// Wraps a private key.
    pub fn new(key: PrivateKey) -> Self {
        let public = key.public_key();
        Self { key, public }
    }

    /// Generates a fresh key for `alg` from the operating system's RNG.
    pub fn generate(alg: SignatureAlgorithm) -> Result<Self> {
        Ok(Self::new(PrivateKey::generate(alg, &mut OsRng)?))
    }

    /// Reads a PEM private key (PKCS#8, encrypted PKCS#8 or SEC1).
    pub fn from_pem(text: &str, passphrase: Option<&[u8]>) -> Result<Self> {
        Ok(Self::new(PrivateKey::from_pem(text, passphrase)?))
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}

impl Signer for SoftwareKey {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.key.algorithm()
    }

    fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    fn sign(&self, sm2_id: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
        let enc = match self.key.algorithm() {
            SignatureAlgorithm::Ed25519 => SignatureEncoding::Raw,
            _ => SignatureEncoding::Der,
        };
        Ok(self.key.sign_with_id(sm2_id, msg, enc, &mut OsRng)?)
    }
}

impl<T: Signer + ?Sized> Signer for &T {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn public_key(&self) -> PublicKey {
        (**self).public_key()
    }
    fn sign(&self, sm2_id: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
        (**self).sign(sm2_id, msg)
    }
}

impl<T: Signer + ?Sized> Signer for Box<T> {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn public_key(&self) -> PublicKey {
        (**self).public_key()
    }
    fn sign(&self, sm2_id: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
        (**self).sign(sm2_id, msg)
    }
}

impl<T: Signer + ?Sized> Signer for Arc<T> {
    fn algorithm(&self) -> SignatureAlgorithm {
        (**self).algorithm()
    }
    fn public_key(&self) -> PublicKey {
        (**self).public_key()
    }
    fn sign(&self, sm2_id: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
        (**self).sign(sm2_id, msg)
    }
}
