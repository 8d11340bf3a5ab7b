//! PKCS#8 and SEC1 private keys.

use super::oids;
use super::{der_err, label, pem_decode, pem_encode};
use crate::alg::{PrivateKey, PublicKey};
use crate::rng::TryCryptoRng;
use crate::sm2;
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode, Tag};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, PrivateKeyInfoRef};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// The curve named by a key's algorithm identifier.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum KeyKind {
    Sm2,
    P256,
    P384,
    Ed25519,
}

/// Identifies the key type from an AlgorithmIdentifier: id-ecPublicKey with
/// a named curve, the sm2 OID on its own (OpenSSL 3.1), or Ed25519.
pub(crate) fn kind_of(alg: &AlgorithmIdentifierRef<'_>) -> Result<KeyKind> {
    if alg.oid == oids::SM2 {
        return Ok(KeyKind::Sm2);
    }
    if alg.oid == oids::ED25519 {
        return Ok(KeyKind::Ed25519);
    }
    if alg.oid != oids::EC_PUBLIC_KEY {
        return Err(Error::Unsupported {
            what: "key algorithm (want SM2, EC P-256/P-384 or Ed25519)",
        });
    }
    let curve = alg.parameters_oid().map_err(|_| Error::Encoding {
        what: "EC key parameters (want a named curve)",
    })?;
    curve_kind(curve)
}

fn curve_kind(curve: ObjectIdentifier) -> Result<KeyKind> {
    match curve {
        c if c == oids::SM2 => Ok(KeyKind::Sm2),
        c if c == oids::P256 => Ok(KeyKind::P256),
        c if c == oids::P384 => Ok(KeyKind::P384),
        _ => Err(Error::Unsupported {
            what: "elliptic curve (want sm2p256v1, P-256 or P-384)",
        }),
    }
}

/// The DER of an OID, as algorithm parameters.
pub(crate) fn oid_any(oid: &ObjectIdentifier) -> Result<AnyRef<'_>> {
    AnyRef::new(Tag::ObjectIdentifier, oid.as_bytes()).map_err(der_err)
}

/// SEC1 `ECPrivateKey` for an SM2 key, with or without the curve.
fn sm2_ec_private_key(key: &sm2::SecretKey, with_curve: bool) -> Result<Zeroizing<Vec<u8>>> {
    let d = key.to_bytes();
    let public = key.public_key().to_uncompressed();
    let ec = sec1::EcPrivateKey {
        private_key: &d[..],
        parameters: with_curve.then_some(sec1::EcParameters::NamedCurve(oids::SM2)),
        public_key: Some(&public),
    };
    Ok(Zeroizing::new(ec.to_der().map_err(der_err)?))
}

/// PKCS#8 DER of an SM2 key: id-ecPublicKey with the sm2 curve.
pub(crate) fn sm2_to_pkcs8(key: &sm2::SecretKey) -> Result<Zeroizing<Vec<u8>>> {
    let inner = sm2_ec_private_key(key, false)?;
    let info = PrivateKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(oid_any(&oids::SM2)?),
        },
        private_key: OctetStringRef::new(&inner).map_err(der_err)?,
        public_key: None,
    };
    Ok(Zeroizing::new(info.to_der().map_err(der_err)?))
}

/// An SM2 key from the content of a SEC1 `ECPrivateKey`.
fn sm2_from_ec(ec: &sec1::EcPrivateKey<'_>) -> Result<sm2::SecretKey> {
    if ec.private_key.len() > 32 {
        return Err(Error::InvalidKey);
    }
    let mut d = Zeroizing::new([0u8; 32]);
    d[32 - ec.private_key.len()..].copy_from_slice(ec.private_key);
    let key = sm2::SecretKey::from_bytes(&d[..])?;
    if let Some(p) = ec.public_key
        && sm2::PublicKey::from_sec1_bytes(p)? != key.public_key()
    {
        return Err(Error::InvalidKey);
    }
    Ok(key)
}

fn pkcs8_err(_: pkcs8::Error) -> Error {
    Error::Encoding {
        what: "PKCS#8 private key",
    }
}

/// A private key from PKCS#8 `PrivateKeyInfo` DER.
pub(crate) fn from_pkcs8(der: &[u8]) -> Result<PrivateKey> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(der_err)?;
    match kind_of(&info.algorithm)? {
        KeyKind::Sm2 => {
            let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes()).map_err(der_err)?;
            if let Some(sec1::EcParameters::NamedCurve(c)) = ec.parameters
                && c != oids::SM2
            {
                return Err(Error::Encoding {
                    what: "SM2 key with another curve inside",
                });
            }
            Ok(PrivateKey::Sm2(sm2_from_ec(&ec)?))
        }
        KeyKind::P256 => Ok(PrivateKey::P256(
            p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(pkcs8_err)?,
        )),
        KeyKind::P384 => Ok(PrivateKey::P384(
            p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(pkcs8_err)?,
        )),
        KeyKind::Ed25519 => Ok(PrivateKey::Ed25519(
            ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(pkcs8_err)?,
        )),
    }
}

/// A private key from SEC1 `ECPrivateKey` DER (the curve must be named).
pub(crate) fn from_sec1(der: &[u8]) -> Result<PrivateKey> {
    let ec = sec1::EcPrivateKey::from_der(der).map_err(der_err)?;
    let Some(sec1::EcParameters::NamedCurve(curve)) = ec.parameters else {
        return Err(Error::Encoding {
            what: "EC PRIVATE KEY without a named curve",
        });
    };
    let bad = |_| Error::InvalidKey;
    match curve_kind(curve)? {
        KeyKind::Sm2 => Ok(PrivateKey::Sm2(sm2_from_ec(&ec)?)),
        KeyKind::P256 => Ok(PrivateKey::P256(
            p256::ecdsa::SigningKey::from_slice(ec.private_key).map_err(bad)?,
        )),
        KeyKind::P384 => Ok(PrivateKey::P384(
            p384::ecdsa::SigningKey::from_slice(ec.private_key).map_err(bad)?,
        )),
        KeyKind::Ed25519 => Err(Error::Unsupported {
            what: "Ed25519 in SEC1",
        }),
    }
}

impl PrivateKey {
    /// PKCS#8 `PrivateKeyInfo` DER.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let doc = match self {
            Self::Sm2(k) => return sm2_to_pkcs8(k),
            Self::P256(k) => k.to_pkcs8_der(),
            Self::P384(k) => k.to_pkcs8_der(),
            Self::Ed25519(k) => return ed25519_to_pkcs8(k),
        };
        Ok(Zeroizing::new(doc.map_err(pkcs8_err)?.as_bytes().to_vec()))
    }

    /// PKCS#8 PEM ("PRIVATE KEY").
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        Ok(Zeroizing::new(pem_encode(
            label::PRIVATE_KEY,
            &self.to_pkcs8_der()?,
        )?))
    }

    /// Encrypted PKCS#8 DER: PBES2 with PBKDF2-HMAC-SM3 and SM4-CBC, a
    /// random salt and IV, and [`super::DEFAULT_ITERATIONS`] iterations.
    pub fn to_encrypted_pkcs8_der<R: TryCryptoRng + ?Sized>(
        &self,
        passphrase: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        super::encrypted::encrypt(
            &self.to_pkcs8_der()?,
            passphrase,
            super::DEFAULT_ITERATIONS,
            rng,
        )
    }

    /// Encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY").
    pub fn to_encrypted_pkcs8_pem<R: TryCryptoRng + ?Sized>(
        &self,
        passphrase: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<String>> {
        Ok(Zeroizing::new(pem_encode(
            label::ENCRYPTED_PRIVATE_KEY,
            &self.to_encrypted_pkcs8_der(passphrase, rng)?,
        )?))
    }

    /// SEC1 `ECPrivateKey` DER with the named curve (not for Ed25519).
    pub fn to_sec1_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            Self::Sm2(k) => sm2_ec_private_key(k, true),
            Self::P256(k) => {
                let d = k.to_bytes();
                let pk = PublicKey::P256(*k.verifying_key()).to_sec1_bytes();
                ec_der(&d, oids::P256, &pk)
            }
            Self::P384(k) => {
                let d = k.to_bytes();
                let pk = PublicKey::P384(*k.verifying_key()).to_sec1_bytes();
                ec_der(&d, oids::P384, &pk)
            }
            Self::Ed25519(_) => Err(Error::Unsupported {
                what: "Ed25519 in SEC1",
            }),
        }
    }

    /// Reads a private key from DER: PKCS#8, encrypted PKCS#8 (needs
    /// `passphrase`) or SEC1, told apart by structure.
    pub fn from_der(der: &[u8], passphrase: Option<&[u8]>) -> Result<Self> {
        if let Ok(k) = from_pkcs8(der) {
            return Ok(k);
        }
        if super::encrypted::looks_encrypted(der) {
            let pass = passphrase.ok_or(Error::DecryptFailed)?;
            return from_pkcs8(&super::encrypted::decrypt(der, pass)?);
        }
        from_sec1(der).or_else(|_| from_pkcs8(der))
    }

    /// Reads a private key from PEM: "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"
    /// (needs `passphrase`; without one, or with a wrong one,
    /// [`Error::DecryptFailed`]) or "EC PRIVATE KEY".
    pub fn from_pem(text: &str, passphrase: Option<&[u8]>) -> Result<Self> {
        let (lbl, der) = pem_decode(text)?;
        match lbl.as_str() {
            label::PRIVATE_KEY => from_pkcs8(&der),
            label::ENCRYPTED_PRIVATE_KEY => {
                let pass = passphrase.ok_or(Error::DecryptFailed)?;
                from_pkcs8(&super::encrypted::decrypt(&der, pass)?)
            }
            label::EC_PRIVATE_KEY => from_sec1(&der),
            _ => Err(Error::Encoding {
                what: "PEM label (want PRIVATE KEY, ENCRYPTED PRIVATE KEY or EC PRIVATE KEY)",
            }),
        }
    }
}

/// RFC 8410 PKCS#8 v1 for Ed25519 (OpenSSL 3.0 does not read the v2 form
/// with the public key attached).
fn ed25519_to_pkcs8(k: &ed25519_dalek::SigningKey) -> Result<Zeroizing<Vec<u8>>> {
    let seed = Zeroizing::new(k.to_bytes());
    let inner = Zeroizing::new(
        OctetStringRef::new(&seed[..])
            .map_err(der_err)?
            .to_der()
            .map_err(der_err)?,
    );
    let info = PrivateKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oids::ED25519,
            parameters: None,
        },
        private_key: OctetStringRef::new(&inner).map_err(der_err)?,
        public_key: None,
    };
    Ok(Zeroizing::new(info.to_der().map_err(der_err)?))
}

fn ec_der(d: &[u8], curve: ObjectIdentifier, public: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let ec = sec1::EcPrivateKey {
        private_key: d,
        parameters: Some(sec1::EcParameters::NamedCurve(curve)),
        public_key: Some(public),
    };
    Ok(Zeroizing::new(ec.to_der().map_err(der_err)?))
}

impl EncodePrivateKey for sm2::SecretKey {
    fn to_pkcs8_der(&self) -> pkcs8::Result<pkcs8::SecretDocument> {
        let der = sm2_to_pkcs8(self).map_err(|_| pkcs8::Error::ParametersMalformed)?;
        pkcs8::SecretDocument::try_from(&der[..]).map_err(pkcs8::Error::Asn1)
    }
}

impl TryFrom<PrivateKeyInfoRef<'_>> for sm2::SecretKey {
    type Error = pkcs8::Error;
    fn try_from(info: PrivateKeyInfoRef<'_>) -> pkcs8::Result<Self> {
        if kind_of(&info.algorithm) != Ok(KeyKind::Sm2) {
            return Err(pkcs8::Error::ParametersMalformed);
        }
        let ec = sec1::EcPrivateKey::from_der(info.private_key.as_bytes())
            .map_err(|_| pkcs8::Error::ParametersMalformed)?;
        sm2_from_ec(&ec).map_err(|_| pkcs8::Error::ParametersMalformed)
    }
}
