//! Algorithm identifiers of X.509 objects, public keys in
//! SubjectPublicKeyInfo, and the signature check every object shares.
//!
//! SM2 follows GM/T 0015: the key is id-ecPublicKey with the sm2p256v1
//! curve, the signature algorithm is sm2sign-with-sm3 without parameters,
//! and X.509-level signatures use the ID 1234567812345678. On input a NULL
//! parameter and the sm2 OID in the SPKI algorithm field are accepted (both
//! are seen in the wild); they are never written.

use crate::error::{encoding, malformed};
use crate::{Error, Result, oid};
use der::asn1::{BitString, Null};
use der::{Decode, Encode};
use sha1::Digest as _;
use shangmi::alg::{PublicKey, SignatureAlgorithm, SignatureEncoding};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// The SM2 distinguishing ID of every X.509-level signature (GM/T 0009).
pub const X509_SM2_ID: &[u8] = shangmi::sm2::DEFAULT_ID;

/// The `signatureAlgorithm` written for `alg` (no parameters for any of
/// them, per GM/T 0015, RFC 5758 and RFC 8410).
pub fn signature_algorithm_identifier(alg: SignatureAlgorithm) -> AlgorithmIdentifierOwned {
    let oid = match alg {
        SignatureAlgorithm::Sm2Sm3 => oid::SM2_WITH_SM3,
        SignatureAlgorithm::EcdsaP256Sha256 => oid::ECDSA_SHA256,
        SignatureAlgorithm::EcdsaP384Sha384 => oid::ECDSA_SHA384,
        SignatureAlgorithm::Ed25519 => oid::ED25519,
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// Which signature algorithm an identifier names. SM2 accepts absent or
/// NULL parameters; the others absent only. ECDSA identifiers name the hash,
/// not the curve: the key decides which curve is meant.
pub fn signature_algorithm_of(id: &AlgorithmIdentifierOwned) -> Result<SigAlgId> {
    let null_ok = id.parameters.as_ref().is_none_or(|p| p.is_null());
    let absent = id.parameters.is_none();
    let alg = if id.oid == oid::SM2_WITH_SM3 && null_ok {
        SigAlgId::Sm2Sm3
    } else if id.oid == oid::ECDSA_SHA256 && absent {
        SigAlgId::EcdsaSha256
    } else if id.oid == oid::ECDSA_SHA384 && absent {
        SigAlgId::EcdsaSha384
    } else if id.oid == oid::ED25519 && absent {
        SigAlgId::Ed25519
    } else if [
        oid::SM2_WITH_SM3,
        oid::ECDSA_SHA256,
        oid::ECDSA_SHA384,
        oid::ED25519,
    ]
    .contains(&id.oid)
    {
        return Err(Error::Malformed(format!(
            "signature algorithm {} with unexpected parameters",
            oid::name(&id.oid)
        )));
    } else {
        return Err(Error::Unsupported(format!(
            "signature algorithm {}",
            oid::name(&id.oid)
        )));
    };
    Ok(alg)
}

/// A signature algorithm as an identifier names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigAlgId {
    /// sm2sign-with-sm3.
    Sm2Sm3,
    /// ecdsa-with-SHA256 (P-256 keys here).
    EcdsaSha256,
    /// ecdsa-with-SHA384 (P-384 keys here).
    EcdsaSha384,
    /// Ed25519.
    Ed25519,
}

impl SigAlgId {
    /// The algorithm of the key that must have made such a signature.
    pub fn key_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::Sm2Sm3 => SignatureAlgorithm::Sm2Sm3,
            Self::EcdsaSha256 => SignatureAlgorithm::EcdsaP256Sha256,
            Self::EcdsaSha384 => SignatureAlgorithm::EcdsaP384Sha384,
            Self::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }
}

/// The SubjectPublicKeyInfo of `key` (canonical form).
pub fn spki_of(key: &PublicKey) -> Result<SubjectPublicKeyInfoOwned> {
    let der = key.to_spki_der()?;
    SubjectPublicKeyInfoOwned::from_der(&der).map_err(malformed("SubjectPublicKeyInfo"))
}

/// The public key of a SubjectPublicKeyInfo, validated.
pub fn public_key_of(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey> {
    let der = spki.to_der().map_err(encoding("SubjectPublicKeyInfo"))?;
    PublicKey::from_der(&der).map_err(|e| match e {
        shangmi::Error::Unsupported { .. } | shangmi::Error::Encoding { .. } => Error::Unsupported(
            format!("public key algorithm {}", describe_spki_algorithm(spki)),
        ),
        e => Error::Crypto(e),
    })
}

fn describe_spki_algorithm(spki: &SubjectPublicKeyInfoOwned) -> String {
    let alg = &spki.algorithm;
    match alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
    {
        Some(curve) => format!("{} ({})", oid::name(&alg.oid), oid::name(&curve)),
        None => oid::name(&alg.oid),
    }
}

/// Whether the SPKI uses a non-canonical form this crate accepts but never
/// writes (the sm2 OID as algorithm, or NULL parameters); for the linter.
pub fn spki_is_canonical(spki: &SubjectPublicKeyInfoOwned) -> bool {
    spki.algorithm.oid != oid::SM2_CURVE
}

/// The key identifier of a public key: the SHA-1 of the subjectPublicKey
/// BIT STRING contents (RFC 5280, section 4.2.1.2, method 1), as OpenSSL
/// computes it.
pub fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> [u8; 20] {
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).into()
}

/// Verifies `sig` by `key` over `tbs`, as the identifier `alg` says. `what`
/// names the object for the error message (e.g. "certificate CN=dev-1").
/// SM2 signatures use `sm2_id`; when one fails, the error says whether the
/// empty ID (OpenSSL 3.0's default) verifies instead, or else that another
/// ID is the likely cause.
pub fn verify_signature(
    what: &str,
    key: &PublicKey,
    alg: &AlgorithmIdentifierOwned,
    tbs: &[u8],
    sig: &BitString,
    sm2_id: &[u8],
) -> Result<()> {
    let named = signature_algorithm_of(alg)?;
    if named.key_algorithm() != key.algorithm() {
        return Err(Error::BadSignature(format!(
            "{what}: signature algorithm {} does not match the issuer's {:?} key",
            oid::name(&alg.oid),
            key.algorithm()
        )));
    }
    let bytes = sig
        .as_bytes()
        .ok_or_else(|| Error::Malformed(format!("{what}: signature BIT STRING has unused bits")))?;
    let enc = match named {
        SigAlgId::Ed25519 => SignatureEncoding::Raw,
        _ => SignatureEncoding::Der,
    };
    if key.verify_with_id(sm2_id, tbs, bytes, enc).is_ok() {
        return Ok(());
    }
    if named != SigAlgId::Sm2Sm3 {
        return Err(Error::BadSignature(format!(
            "{what}: the {} signature does not verify",
            oid::name(&alg.oid)
        )));
    }
    let id = String::from_utf8_lossy(sm2_id);
    if !sm2_id.is_empty() && key.verify_with_id(b"", tbs, bytes, enc).is_ok() {
        return Err(Error::BadSignature(format!(
            "{what}: the SM2 signature was made with an empty SM2 ID, not \"{id}\": \
             OpenSSL 3.0 signs that way unless given -sigopt distid:{id}; \
             re-sign with the ID \"{id}\" (GM/T 0009)"
        )));
    }
    Err(Error::BadSignature(format!(
        "{what}: the SM2 signature does not verify with the SM2 ID \"{id}\"; \
         if the signer used another ID (OpenSSL 3.0 uses an empty ID unless given \
         -sigopt distid:1234567812345678), the ID is the likely cause; \
         otherwise the object was altered or signed by another key"
    )))
}

/// NULL, as an algorithm parameter.
pub(crate) fn null_any() -> der::Any {
    der::Any::from(Null)
}
