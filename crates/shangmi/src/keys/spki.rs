//! SubjectPublicKeyInfo public keys.

use super::oids;
use super::pkcs8::{KeyKind, kind_of, oid_any};
use super::{der_err, label, pem_decode, pem_encode};
use crate::alg::PublicKey;
use crate::sm2;
use crate::{Error, Result};
use alloc::string::String;
use alloc::vec::Vec;
use der::asn1::BitStringRef;
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierRef, DecodePublicKey, EncodePublicKey, SubjectPublicKeyInfoRef};

/// SPKI DER of an SM2 public key: id-ecPublicKey with the sm2 curve.
pub(crate) fn sm2_spki(key: &sm2::PublicKey) -> Result<Vec<u8>> {
    let point = key.to_uncompressed();
    let info = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: oids::EC_PUBLIC_KEY,
            parameters: Some(oid_any(&oids::SM2)?),
        },
        subject_public_key: BitStringRef::from_bytes(&point).map_err(der_err)?,
    };
    info.to_der().map_err(der_err)
}

fn point_bytes<'a>(info: &'a SubjectPublicKeyInfoRef<'a>) -> Result<&'a [u8]> {
    info.subject_public_key.as_bytes().ok_or(Error::Encoding {
        what: "public key BIT STRING",
    })
}

fn spki_err(_: spki::Error) -> Error {
    Error::InvalidPoint
}

impl PublicKey {
    /// The key as SEC1 bytes (uncompressed point), or the 32 Ed25519 bytes.
    pub fn to_sec1_bytes(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        match self {
            Self::Sm2(k) => k.to_uncompressed().to_vec(),
            Self::P256(k) => k.as_affine().to_sec1_point(false).as_bytes().to_vec(),
            Self::P384(k) => {
                use p384::elliptic_curve::sec1::ToSec1Point as _;
                k.as_affine().to_sec1_point(false).as_bytes().to_vec()
            }
            Self::Ed25519(k) => k.to_bytes().to_vec(),
        }
    }

    /// SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            Self::Sm2(k) => return sm2_spki(k),
            Self::P256(k) => k.to_public_key_der(),
            Self::P384(k) => k.to_public_key_der(),
            Self::Ed25519(k) => k.to_public_key_der(),
        };
        Ok(doc
            .map_err(|_| Error::Encoding {
                what: "SubjectPublicKeyInfo",
            })?
            .as_bytes()
            .to_vec())
    }

    /// SubjectPublicKeyInfo PEM ("PUBLIC KEY").
    pub fn to_spki_pem(&self) -> Result<String> {
        pem_encode(label::PUBLIC_KEY, &self.to_spki_der()?)
    }

    /// Reads SubjectPublicKeyInfo DER. SM2 keys are accepted with the
    /// canonical algorithm (id-ecPublicKey + sm2 curve) and with the sm2 OID
    /// as the algorithm; the point is validated.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let info = SubjectPublicKeyInfoRef::from_der(der).map_err(der_err)?;
        let bytes = point_bytes(&info)?;
        match kind_of(&info.algorithm)? {
            KeyKind::Sm2 => Ok(Self::Sm2(sm2::PublicKey::from_sec1_bytes(bytes)?)),
            KeyKind::P256 => Ok(Self::P256(
                p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(spki_err)?,
            )),
            KeyKind::P384 => Ok(Self::P384(
                p384::ecdsa::VerifyingKey::from_public_key_der(der).map_err(spki_err)?,
            )),
            KeyKind::Ed25519 => {
                let b: &[u8; 32] = bytes.try_into().map_err(|_| Error::Length {
                    what: "Ed25519 public key (32 bytes)",
                })?;
                Ok(Self::Ed25519(
                    ed25519_dalek::VerifyingKey::from_bytes(b).map_err(|_| Error::InvalidPoint)?,
                ))
            }
        }
    }

    /// Reads "PUBLIC KEY" PEM.
    pub fn from_pem(text: &str) -> Result<Self> {
        let (lbl, der) = pem_decode(text)?;
        if lbl != label::PUBLIC_KEY {
            return Err(Error::Encoding {
                what: "PEM label (want PUBLIC KEY)",
            });
        }
        Self::from_der(&der)
    }
}

impl EncodePublicKey for sm2::PublicKey {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        let der = sm2_spki(self).map_err(|_| spki::Error::KeyMalformed)?;
        der::Document::try_from(&der[..]).map_err(spki::Error::Asn1)
    }
}

impl TryFrom<SubjectPublicKeyInfoRef<'_>> for sm2::PublicKey {
    type Error = spki::Error;
    fn try_from(info: SubjectPublicKeyInfoRef<'_>) -> spki::Result<Self> {
        if kind_of(&info.algorithm) != Ok(KeyKind::Sm2) {
            return Err(spki::Error::KeyMalformed);
        }
        let bytes = info
            .subject_public_key
            .as_bytes()
            .ok_or(spki::Error::KeyMalformed)?;
        sm2::PublicKey::from_sec1_bytes(bytes).map_err(|_| spki::Error::KeyMalformed)
    }
}
