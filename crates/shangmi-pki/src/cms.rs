//! CMS (RFC 5652) with the ShangMi algorithms and the GM/T 0010 content
//! types: SignedData (attached, detached, and the certs-only form EST
//! responses use) and enveloped data for SM2 and ECDSA recipients.
//!
//! * Signing: SM2 signs with SM3 (digest SM3, signature algorithm
//!   sm2sign-with-sm3, ID 1234567812345678, as GmSSL writes it); ECDSA
//!   P-256 with SHA-256, P-384 with SHA-384; Ed25519 with SHA-512
//!   (RFC 8419). Signed attributes carry contentType, messageDigest and
//!   signingTime.
//! * Enveloping: SM2 recipients get the content-encryption key by SM2
//!   key transport (KeyTransRecipientInfo, SM2-3 with a GM/T 0009
//!   SM2Cipher); ECDSA recipients by ephemeral-static ECDH with the
//!   X9.63 KDF over SHA-256 and AES key wrap (RFC 5753). Content is
//!   encrypted with SM4-CBC or AES-CBC in EnvelopedData, or with SM4-GCM in
//!   AuthEnvelopedData (RFC 5083: CMS carries GCM there, with its tag).
//! * Content types are written with the RFC 5652 OIDs by default (what
//!   OpenSSL reads), or with the GM/T 0010 OIDs on request; both are read.

use crate::alg::{self, X509_SM2_ID};
use crate::cert::Certificate;
use crate::error::malformed;
use crate::signer::Signer;
use crate::{Error, Result, oid, pem, time};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use cms::authenveloped_data::AuthEnvelopedData;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo,
    KeyTransRecipientInfo, OriginatorIdentifierOrKey, OriginatorPublicKey, RecipientEncryptedKey,
    RecipientIdentifier, RecipientInfo, RecipientInfos,
};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Sequence};
use sha2::Digest as _;
use shangmi::alg::{PrivateKey, PublicKey, SignatureAlgorithm};
use shangmi::rng::{OsRng, fill};
use shangmi::sm2::CiphertextFormat;
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;
use x509_cert::attr::Attribute;
use zeroize::Zeroizing;

/// id-ct-authEnvelopedData (RFC 5083).
pub const AUTH_ENVELOPED_DATA: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.23");
/// sm2-1 (GB/T 33560), read as an alias of sm2sign-with-sm3 in SignerInfo.
const SM2_SIGN: ObjectIdentifier = oid::SM2_SIGN;

/// How to sign.
#[derive(Clone, Debug, Default)]
pub struct SignOptions {
    /// Leave the content out (a detached signature, e.g. over a firmware
    /// image shipped beside it).
    pub detached: bool,
    /// Label content types with the GM/T 0010 OIDs instead of RFC 5652's.
    pub gm_oids: bool,
    /// Certificates to include besides the signer's (its chain).
    pub chain: Vec<Certificate>,
    /// Leave the signing certificate out.
    pub no_certs: bool,
}

/// A digest function.
type DigestFn = fn(&[u8]) -> Vec<u8>;

fn digest_for(alg: SignatureAlgorithm) -> (ObjectIdentifier, DigestFn) {
    match alg {
        SignatureAlgorithm::Sm2Sm3 => (oid::SM3, |d| shangmi::sm3::hash(d).to_vec()),
        SignatureAlgorithm::EcdsaP256Sha256 => (oid::SHA256, |d| sha2::Sha256::digest(d).to_vec()),
        SignatureAlgorithm::EcdsaP384Sha384 => (oid::SHA384, |d| sha2::Sha384::digest(d).to_vec()),
        SignatureAlgorithm::Ed25519 => (oid::SHA512, |d| sha2::Sha512::digest(d).to_vec()),
    }
}

fn digest_by_oid(o: &ObjectIdentifier, data: &[u8]) -> Result<Vec<u8>> {
    Ok(if *o == oid::SM3 {
        shangmi::sm3::hash(data).to_vec()
    } else if *o == oid::SHA256 {
        sha2::Sha256::digest(data).to_vec()
    } else if *o == oid::SHA384 {
        sha2::Sha384::digest(data).to_vec()
    } else if *o == oid::SHA512 {
        sha2::Sha512::digest(data).to_vec()
    } else if *o == oid::SHA1 {
        return Err(Error::Unsupported("SHA-1 CMS signatures".into()));
    } else {
        return Err(Error::Unsupported(format!("digest {}", oid::name(o))));
    })
}

fn inv(e: der::Error) -> Error {
    Error::Invalid(format!("CMS: {e}"))
}

fn attr(id: ObjectIdentifier, value: Any) -> Result<Attribute> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(inv)?;
    Ok(Attribute { oid: id, values })
}

fn issuer_and_serial(c: &Certificate) -> IssuerAndSerialNumber {
    IssuerAndSerialNumber {
        issuer: c.issuer().clone(),
        serial_number: c.inner().tbs_certificate().serial_number().clone(),
    }
}

fn data_oid(gm: bool) -> ObjectIdentifier {
    if gm { oid::GM_DATA } else { oid::CMS_DATA }
}

fn content_info(ct: ObjectIdentifier, inner: &impl Encode) -> Result<Vec<u8>> {
    ContentInfo {
        content_type: ct,
        content: Any::from_der(&inner.to_der().map_err(inv)?).map_err(inv)?,
    }
    .to_der()
    .map_err(inv)
}

/// Signs `content` with `signer` (whose certificate is `signer_cert`) and
/// returns a DER ContentInfo holding SignedData.
pub fn sign(
    content: &[u8],
    signer_cert: &Certificate,
    signer: &dyn Signer,
    opts: &SignOptions,
) -> Result<Vec<u8>> {
    if alg::spki_of(&signer.public_key())?
        != *signer_cert
            .inner()
            .tbs_certificate()
            .subject_public_key_info()
    {
        return Err(Error::Invalid(
            "the signing key is not the signer certificate's key".into(),
        ));
    }
    let (digest_oid, digest) = digest_for(signer.algorithm());
    let ctype = data_oid(opts.gm_oids);
    let md = digest(content);
    let mut attrs = SetOfVec::new();
    attrs
        .insert(attr(
            oid::CONTENT_TYPE,
            Any::encode_from(&ctype).map_err(inv)?,
        )?)
        .map_err(inv)?;
    attrs
        .insert(attr(
            oid::SIGNING_TIME,
            Any::encode_from(&time::to_x509(SystemTime::now())?).map_err(inv)?,
        )?)
        .map_err(inv)?;
    attrs
        .insert(attr(
            oid::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(md).map_err(inv)?).map_err(inv)?,
        )?)
        .map_err(inv)?;
    let to_sign = attrs.to_der().map_err(inv)?;
    let sig = signer.sign(X509_SM2_ID, &to_sign)?;
    let digest_alg = AlgorithmIdentifierOwned {
        oid: digest_oid,
        parameters: None,
    };
    let si = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(issuer_and_serial(signer_cert)),
        digest_alg: digest_alg.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm: alg::signature_algorithm_identifier(signer.algorithm()),
        signature: OctetString::new(sig).map_err(inv)?,
        unsigned_attrs: None,
    };
    let mut certs = Vec::new();
    if !opts.no_certs {
        certs.push(signer_cert.clone());
    }
    certs.extend(opts.chain.iter().cloned());
    let econtent = if opts.detached {
        None
    } else {
        Some(Any::encode_from(&OctetString::new(content).map_err(inv)?).map_err(inv)?)
    };
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg]).map_err(inv)?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ctype,
            econtent,
        },
        certificates: cert_set(&certs)?,
        crls: None,
        signer_infos: SignerInfos::try_from(vec![si]).map_err(inv)?,
    };
    content_info(
        if opts.gm_oids {
            oid::GM_SIGNED_DATA
        } else {
            oid::CMS_SIGNED_DATA
        },
        &sd,
    )
}

fn cert_set(certs: &[Certificate]) -> Result<Option<CertificateSet>> {
    if certs.is_empty() {
        return Ok(None);
    }
    let mut set = SetOfVec::new();
    for c in certs {
        let choice = CertificateChoices::Certificate(c.inner().clone());
        if !set.iter().any(|x| *x == choice) {
            set.insert(choice).map_err(inv)?;
        }
    }
    Ok(Some(CertificateSet(set)))
}

/// The degenerate, certs-only SignedData (no content, no signers) that
/// EST `/cacerts` and `/simpleenroll` return (RFC 7030).
pub fn certs_only(certs: &[Certificate]) -> Result<Vec<u8>> {
    let sd = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::new(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::CMS_DATA,
            econtent: None,
        },
        certificates: cert_set(certs)?,
        crls: None,
        signer_infos: SignerInfos(SetOfVec::new()),
    };
    content_info(oid::CMS_SIGNED_DATA, &sd)
}

/// Parses DER or PEM ("CMS" or "PKCS7") into SignedData.
fn signed_data(data: &[u8]) -> Result<SignedData> {
    let der = if pem::is_pem(data) {
        pem::decode_one(data, "CMS").or_else(|_| pem::decode_one(data, "PKCS7"))?
    } else {
        data.to_vec()
    };
    let ci = ContentInfo::from_der(&der).map_err(malformed("CMS ContentInfo"))?;
    if ci.content_type != oid::CMS_SIGNED_DATA && ci.content_type != oid::GM_SIGNED_DATA {
        return Err(Error::Invalid(format!(
            "CMS content is {}, not signedData",
            oid::name(&ci.content_type)
        )));
    }
    ci.content
        .decode_as::<SignedData>()
        .map_err(malformed("SignedData"))
}

fn certs_of(sd: &SignedData) -> Result<Vec<Certificate>> {
    let Some(set) = &sd.certificates else {
        return Ok(Vec::new());
    };
    set.0
        .iter()
        .filter_map(|c| match c {
            CertificateChoices::Certificate(c) => Some(c),
            _ => None,
        })
        .map(|c| Certificate::from_der(&c.to_der().map_err(malformed("certificate"))?))
        .collect()
}

/// The certificates a SignedData carries (e.g. an EST response).
pub fn certificates(data: &[u8]) -> Result<Vec<Certificate>> {
    certs_of(&signed_data(data)?)
}

/// What a verified SignedData said.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The certificate whose key made the signature.
    pub signer: Certificate,
    /// The signed content.
    pub content: Vec<u8>,
    /// The signingTime attribute.
    pub signing_time: Option<SystemTime>,
    /// Every certificate carried (for path validation).
    pub certificates: Vec<Certificate>,
}

/// Verifies the first signer of a SignedData: the signature over the
/// signed attributes, the messageDigest and contentType attributes. The
/// signer's certificate is looked up in the SignedData and in `extra`.
/// Whether that certificate is trusted is the caller's question
/// ([`crate::path::validate`]). `detached` is the content of a detached
/// signature.
pub fn verify(data: &[u8], detached: Option<&[u8]>, extra: &[Certificate]) -> Result<Verified> {
    let sd = signed_data(data)?;
    let content = match (&sd.encap_content_info.econtent, detached) {
        (Some(e), None) => e
            .decode_as::<OctetString>()
            .map_err(malformed("eContent"))?
            .as_bytes()
            .to_vec(),
        (None, Some(d)) => d.to_vec(),
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(
                "the CMS has content and detached content was given too".into(),
            ));
        }
        (None, None) => {
            return Err(Error::Invalid(
                "a detached CMS signature needs its content".into(),
            ));
        }
    };
    let mut certs = certs_of(&sd)?;
    certs.extend(extra.iter().cloned());
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| Error::Invalid("the SignedData has no signer".into()))?;
    let signer = certs
        .iter()
        .find(|c| match &si.sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                crate::name::names_match(&isn.issuer, c.issuer())
                    && crate::crl::normalize_serial(isn.serial_number.as_bytes())
                        == crate::crl::normalize_serial(c.serial())
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                c.subject_key_id().ok().flatten().as_deref() == Some(ski.0.as_bytes())
            }
        })
        .cloned()
        .ok_or_else(|| {
            Error::Invalid(
                "the signer's certificate is not in the CMS or the given certificates".into(),
            )
        })?;
    let key = signer.public_key()?;
    let md = digest_by_oid(&si.digest_alg.oid, &content)?;
    let mut signing_time = None;
    let signed_bytes = match &si.signed_attrs {
        Some(attrs) => {
            let get = |id: &ObjectIdentifier| {
                attrs
                    .iter()
                    .find(|a| a.oid == *id)
                    .and_then(|a| a.values.iter().next())
            };
            let got_md = get(&oid::MESSAGE_DIGEST)
                .ok_or_else(|| Error::Malformed("CMS: no messageDigest attribute".into()))?
                .decode_as::<OctetString>()
                .map_err(malformed("messageDigest"))?;
            if got_md.as_bytes() != md.as_slice() {
                return Err(Error::BadSignature(
                    "CMS: the content does not match the signed messageDigest".into(),
                ));
            }
            let ct = get(&oid::CONTENT_TYPE)
                .ok_or_else(|| Error::Malformed("CMS: no contentType attribute".into()))?
                .decode_as::<ObjectIdentifier>()
                .map_err(malformed("contentType"))?;
            if ct != sd.encap_content_info.econtent_type {
                return Err(Error::BadSignature(
                    "CMS: the signed contentType differs from the content's".into(),
                ));
            }
            if let Some(t) = get(&oid::SIGNING_TIME) {
                signing_time = t
                    .decode_as::<x509_cert::time::Time>()
                    .ok()
                    .map(|t| t.to_system_time());
            }
            attrs.to_der().map_err(malformed("signed attributes"))?
        }
        None => content.clone(),
    };
    let mut sig_alg = si.signature_algorithm.clone();
    // GM/T 0010 writers may name the SM2 scheme itself; EC writers may put
    // id-ecPublicKey here (RFC 5753); map both to the X.509 identifiers.
    if sig_alg.oid == SM2_SIGN {
        sig_alg = alg::signature_algorithm_identifier(SignatureAlgorithm::Sm2Sm3);
    }
    if sig_alg.oid == oid::EC_PUBLIC_KEY {
        sig_alg = alg::signature_algorithm_identifier(key.algorithm());
    }
    alg::verify_signature(
        "CMS signature",
        &key,
        &sig_alg,
        &signed_bytes,
        &BitString::from_bytes(si.signature.as_bytes()).map_err(malformed("signature"))?,
        X509_SM2_ID,
    )?;
    Ok(Verified {
        signer,
        content,
        signing_time,
        certificates: certs,
    })
}

/// How content is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentEncryption {
    /// SM4-CBC with PKCS#7 padding (EnvelopedData).
    Sm4Cbc,
    /// SM4-GCM with a 12-byte nonce and a 16-byte tag (AuthEnvelopedData).
    Sm4Gcm,
    /// AES-128-CBC (EnvelopedData).
    Aes128Cbc,
    /// AES-256-CBC (EnvelopedData).
    Aes256Cbc,
}

impl ContentEncryption {
    fn key_len(self) -> usize {
        match self {
            Self::Aes256Cbc => 32,
            _ => 16,
        }
    }
}

/// RFC 5084 GCMParameters.
#[derive(Sequence)]
struct GcmParameters {
    nonce: OctetString,
    #[asn1(default = "default_icv")]
    icv_len: u8,
}

fn default_icv() -> u8 {
    12
}

/// RFC 5753 ECC-CMS-SharedInfo.
#[derive(Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

fn kdf_kek(
    kdf: &ObjectIdentifier,
    z: &[u8],
    wrap: &AlgorithmIdentifierOwned,
    ukm: Option<&OctetString>,
    len: usize,
) -> Result<Zeroizing<Vec<u8>>> {
    let info = EccCmsSharedInfo {
        key_info: wrap.clone(),
        entity_u_info: ukm.cloned(),
        supp_pub_info: OctetString::new(((len * 8) as u32).to_be_bytes().to_vec()).map_err(inv)?,
    }
    .to_der()
    .map_err(inv)?;
    let mut kek = Zeroizing::new(vec![0u8; len]);
    let r = if *kdf == oid::ECDH_SHA256KDF {
        ansi_x963_kdf::derive_key_into::<sha2::Sha256>(z, &info, &mut kek)
    } else if *kdf == oid::ECDH_SHA384KDF {
        ansi_x963_kdf::derive_key_into::<sha2::Sha384>(z, &info, &mut kek)
    } else if *kdf == oid::ECDH_SHA1KDF {
        ansi_x963_kdf::derive_key_into::<sha1::Sha1>(z, &info, &mut kek)
    } else {
        return Err(Error::Unsupported(format!(
            "key agreement {}",
            oid::name(kdf)
        )));
    };
    r.map_err(|_| Error::Invalid("X9.63 KDF failed".into()))?;
    Ok(kek)
}

fn wrap_alg(len: usize) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: if len == 32 {
            oid::AES256_WRAP
        } else {
            oid::AES128_WRAP
        },
        parameters: None,
    }
}

fn aes_wrap(kek: &[u8], cek: &[u8]) -> Result<Vec<u8>> {
    use aes_kw::KeyInit;
    let mut out = vec![0u8; cek.len() + 8];
    let r = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| Error::Invalid("KEK".into()))?
            .wrap_key(cek, &mut out)
            .map(|_| ()),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| Error::Invalid("KEK".into()))?
            .wrap_key(cek, &mut out)
            .map(|_| ()),
        _ => return Err(Error::Unsupported("key wrap key length".into())),
    };
    r.map_err(|_| Error::Invalid("AES key wrap failed".into()))?;
    Ok(out)
}

fn aes_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    use aes_kw::KeyInit;
    let mut out = Zeroizing::new(vec![0u8; wrapped.len()]);
    let n = match kek.len() {
        16 => aes_kw::KwAes128::new_from_slice(kek)
            .map_err(|_| Error::Invalid("KEK".into()))?
            .unwrap_key(wrapped, &mut out)
            .map(|k| k.len()),
        24 => aes_kw::KwAes192::new_from_slice(kek)
            .map_err(|_| Error::Invalid("KEK".into()))?
            .unwrap_key(wrapped, &mut out)
            .map(|k| k.len()),
        32 => aes_kw::KwAes256::new_from_slice(kek)
            .map_err(|_| Error::Invalid("KEK".into()))?
            .unwrap_key(wrapped, &mut out)
            .map(|k| k.len()),
        _ => return Err(Error::Unsupported("key wrap key length".into())),
    }
    .map_err(|_| Error::Crypto(shangmi::Error::DecryptFailed))?;
    out.truncate(n);
    Ok(out)
}

fn ec_point_and_curve(key: &PublicKey) -> Result<(Vec<u8>, shangmi::alg::AgreementAlgorithm)> {
    use shangmi::alg::AgreementAlgorithm as A;
    Ok(match key {
        PublicKey::P256(_) => (key.to_sec1_bytes(), A::EcdhP256),
        PublicKey::P384(_) => (key.to_sec1_bytes(), A::EcdhP384),
        _ => {
            return Err(Error::Unsupported(
                "ECDH recipients must have P-256 or P-384 keys".into(),
            ));
        }
    })
}

fn recipient_info(cert: &Certificate, cek: &[u8]) -> Result<RecipientInfo> {
    let key = cert.public_key()?;
    match &key {
        PublicKey::Sm2(pk) => {
            let enc = shangmi::sm2::encrypt(pk, cek, CiphertextFormat::Der, &mut OsRng)?;
            Ok(RecipientInfo::Ktri(KeyTransRecipientInfo {
                version: CmsVersion::V0,
                rid: RecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(cert)),
                key_enc_alg: AlgorithmIdentifierOwned {
                    oid: oid::SM2_ENCRYPT,
                    parameters: None,
                },
                enc_key: OctetString::new(enc).map_err(inv)?,
            }))
        }
        PublicKey::P256(_) | PublicKey::P384(_) => {
            let (point, curve) = ec_point_and_curve(&key)?;
            let eph = curve.generate(&mut OsRng)?;
            let mut epub = vec![0u8; curve.public_len()];
            eph.public_key(&mut epub)?;
            let z = eph.agree(&point)?;
            let wrap = wrap_alg(cek.len());
            let kek = kdf_kek(&oid::ECDH_SHA256KDF, z.as_bytes(), &wrap, None, cek.len())?;
            let wrapped = aes_wrap(&kek, cek)?;
            Ok(RecipientInfo::Kari(KeyAgreeRecipientInfo {
                version: CmsVersion::V3,
                originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
                    algorithm: AlgorithmIdentifierOwned {
                        oid: oid::EC_PUBLIC_KEY,
                        parameters: None,
                    },
                    public_key: BitString::from_bytes(&epub).map_err(inv)?,
                }),
                ukm: None,
                key_enc_alg: AlgorithmIdentifierOwned {
                    oid: oid::ECDH_SHA256KDF,
                    parameters: Some(Any::encode_from(&wrap).map_err(inv)?),
                },
                recipient_enc_keys: vec![RecipientEncryptedKey {
                    rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(issuer_and_serial(
                        cert,
                    )),
                    enc_key: OctetString::new(wrapped).map_err(inv)?,
                }],
            }))
        }
        PublicKey::Ed25519(_) => Err(Error::Unsupported(
            "Ed25519 keys cannot receive encrypted content".into(),
        )),
    }
}

fn cbc_encrypt(enc: ContentEncryption, key: &[u8], iv: &[u8; 16], data: &[u8]) -> Result<Vec<u8>> {
    Ok(match enc {
        ContentEncryption::Sm4Cbc => {
            let k: &[u8; 16] = key
                .try_into()
                .map_err(|_| Error::Invalid("SM4 key".into()))?;
            let mut out = vec![0u8; data.len() + 16];
            let n = shangmi::sm4::cbc_encrypt(k, iv, shangmi::sm4::Padding::Pkcs7, data, &mut out)?;
            out.truncate(n);
            out
        }
        ContentEncryption::Aes128Cbc => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| Error::Invalid("AES key".into()))?
            .encrypt_padded_vec::<Pkcs7>(data),
        ContentEncryption::Aes256Cbc => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| Error::Invalid("AES key".into()))?
            .encrypt_padded_vec::<Pkcs7>(data),
        ContentEncryption::Sm4Gcm => return Err(Error::Invalid("GCM is not a CBC mode".into())),
    })
}

/// Encrypts `content` to every certificate in `recipients` (SM2 by key
/// transport, P-256/P-384 by ECDH) and returns a DER ContentInfo.
pub fn encrypt(
    content: &[u8],
    recipients: &[Certificate],
    enc: ContentEncryption,
    gm_oids: bool,
) -> Result<Vec<u8>> {
    if recipients.is_empty() {
        return Err(Error::Invalid(
            "CMS encryption needs at least one recipient".into(),
        ));
    }
    let mut cek = Zeroizing::new(vec![0u8; enc.key_len()]);
    fill(&mut OsRng, &mut cek)?;
    let mut infos = SetOfVec::new();
    for r in recipients {
        infos.insert(recipient_info(r, &cek)?).map_err(inv)?;
    }
    let ctype = data_oid(gm_oids);
    if enc == ContentEncryption::Sm4Gcm {
        let mut nonce = [0u8; 12];
        fill(&mut OsRng, &mut nonce)?;
        let k: &[u8; 16] = cek[..]
            .try_into()
            .map_err(|_| Error::Invalid("SM4 key".into()))?;
        let mut buf = content.to_vec();
        let tag = shangmi::sm4::gcm::Sm4Gcm::new(k).seal_in_place(&nonce, &[], &mut buf)?;
        let params = GcmParameters {
            nonce: OctetString::new(nonce.to_vec()).map_err(inv)?,
            icv_len: 16,
        };
        let aed = AuthEnvelopedData {
            version: CmsVersion::V0,
            originator_info: None,
            recip_infos: RecipientInfos(infos),
            auth_encrypted_content_info: EncryptedContentInfo {
                content_type: ctype,
                content_enc_alg: AlgorithmIdentifierOwned {
                    oid: oid::SM4_GCM,
                    parameters: Some(Any::encode_from(&params).map_err(inv)?),
                },
                encrypted_content: Some(OctetString::new(buf).map_err(inv)?),
            },
            auth_attrs: None,
            mac: OctetString::new(tag.to_vec()).map_err(inv)?,
            unauth_attrs: None,
        };
        return content_info(AUTH_ENVELOPED_DATA, &aed);
    }
    let mut iv = [0u8; 16];
    fill(&mut OsRng, &mut iv)?;
    let ct = cbc_encrypt(enc, &cek, &iv, content)?;
    let alg_oid = match enc {
        ContentEncryption::Sm4Cbc => oid::SM4_CBC,
        ContentEncryption::Aes128Cbc => oid::AES128_CBC,
        _ => oid::AES256_CBC,
    };
    let version = if recipients
        .iter()
        .any(|r| !matches!(r.public_key(), Ok(PublicKey::Sm2(_))))
    {
        CmsVersion::V2
    } else {
        CmsVersion::V0
    };
    let ed = EnvelopedData {
        version,
        originator_info: None,
        recip_infos: RecipientInfos(infos),
        encrypted_content: EncryptedContentInfo {
            content_type: ctype,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: alg_oid,
                parameters: Some(
                    Any::encode_from(&OctetString::new(iv.to_vec()).map_err(inv)?).map_err(inv)?,
                ),
            },
            encrypted_content: Some(OctetString::new(ct).map_err(inv)?),
        },
        unprotected_attrs: None,
    };
    content_info(
        if gm_oids {
            oid::GM_ENVELOPED_DATA
        } else {
            oid::CMS_ENVELOPED_DATA
        },
        &ed,
    )
}

fn matches_cert(isn: &IssuerAndSerialNumber, cert: &Certificate) -> bool {
    crate::name::names_match(&isn.issuer, cert.issuer())
        && crate::crl::normalize_serial(isn.serial_number.as_bytes())
            == crate::crl::normalize_serial(cert.serial())
}

fn recover_cek(
    infos: &RecipientInfos,
    cert: &Certificate,
    key: &PrivateKey,
) -> Result<Zeroizing<Vec<u8>>> {
    for ri in infos.0.iter() {
        match (ri, key) {
            (RecipientInfo::Ktri(k), PrivateKey::Sm2(sk)) => {
                let RecipientIdentifier::IssuerAndSerialNumber(isn) = &k.rid else {
                    continue;
                };
                if !matches_cert(isn, cert) {
                    continue;
                }
                if k.key_enc_alg.oid != oid::SM2_ENCRYPT
                    && k.key_enc_alg.oid != oid::SM2_ENCRYPT_GMSSL
                {
                    return Err(Error::Unsupported(format!(
                        "key transport {}",
                        oid::name(&k.key_enc_alg.oid)
                    )));
                }
                return Ok(shangmi::sm2::decrypt(
                    sk,
                    k.enc_key.as_bytes(),
                    CiphertextFormat::Der,
                )?);
            }
            (RecipientInfo::Kari(k), PrivateKey::P256(_) | PrivateKey::P384(_)) => {
                for rek in &k.recipient_enc_keys {
                    let KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(isn) = &rek.rid else {
                        continue;
                    };
                    if !matches_cert(isn, cert) {
                        continue;
                    }
                    let OriginatorIdentifierOrKey::OriginatorKey(okey) = &k.originator else {
                        return Err(Error::Unsupported(
                            "ECDH originator identified by certificate".into(),
                        ));
                    };
                    let peer = okey
                        .public_key
                        .as_bytes()
                        .ok_or_else(|| Error::Malformed("originator key".into()))?;
                    let agreement = match key {
                        PrivateKey::P256(s) => shangmi::alg::AgreementKey::P256(
                            p256::SecretKey::from_bytes(&s.to_bytes())
                                .map_err(|_| Error::Invalid("P-256 key".into()))?,
                        ),
                        PrivateKey::P384(s) => shangmi::alg::AgreementKey::P384(
                            p384::SecretKey::from_bytes(&s.to_bytes())
                                .map_err(|_| Error::Invalid("P-384 key".into()))?,
                        ),
                        _ => unreachable_key()?,
                    };
                    let z = agreement.agree(peer)?;
                    let wrap = k
                        .key_enc_alg
                        .parameters
                        .as_ref()
                        .ok_or_else(|| {
                            Error::Malformed("key agreement without a wrap algorithm".into())
                        })?
                        .decode_as::<AlgorithmIdentifierOwned>()
                        .map_err(malformed("key wrap algorithm"))?;
                    let kek_len = if wrap.oid == oid::AES128_WRAP {
                        16
                    } else if wrap.oid == oid::AES256_WRAP {
                        32
                    } else if wrap.oid == ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.25") {
                        24
                    } else {
                        return Err(Error::Unsupported(format!(
                            "key wrap {}",
                            oid::name(&wrap.oid)
                        )));
                    };
                    let kek = kdf_kek(
                        &k.key_enc_alg.oid,
                        z.as_bytes(),
                        &wrap,
                        k.ukm.as_ref(),
                        kek_len,
                    )?;
                    return aes_unwrap(&kek, rek.enc_key.as_bytes());
                }
            }
            _ => {}
        }
    }
    Err(Error::Invalid(format!(
        "the CMS is not addressed to certificate \"{}\" (serial {})",
        cert.subject_text(),
        cert.serial_hex()
    )))
}

fn unreachable_key() -> Result<shangmi::alg::AgreementKey> {
    Err(Error::Unsupported("key type".into()))
}

/// Decrypts an EnvelopedData or AuthEnvelopedData addressed to `cert`
/// with its private key `key`.
pub fn decrypt(data: &[u8], cert: &Certificate, key: &PrivateKey) -> Result<Zeroizing<Vec<u8>>> {
    let der = if pem::is_pem(data) {
        pem::decode_one(data, "CMS").or_else(|_| pem::decode_one(data, "PKCS7"))?
    } else {
        data.to_vec()
    };
    let ci = ContentInfo::from_der(&der).map_err(malformed("CMS ContentInfo"))?;
    let failed = || Error::Crypto(shangmi::Error::DecryptFailed);
    if ci.content_type == AUTH_ENVELOPED_DATA {
        let aed = ci
            .content
            .decode_as::<AuthEnvelopedData>()
            .map_err(malformed("AuthEnvelopedData"))?;
        let cek = recover_cek(&aed.recip_infos, cert, key)?;
        let eci = &aed.auth_encrypted_content_info;
        if eci.content_enc_alg.oid != oid::SM4_GCM {
            return Err(Error::Unsupported(format!(
                "content encryption {}",
                oid::name(&eci.content_enc_alg.oid)
            )));
        }
        let params = eci
            .content_enc_alg
            .parameters
            .as_ref()
            .ok_or_else(|| Error::Malformed("GCM parameters".into()))?
            .decode_as::<GcmParameters>()
            .map_err(malformed("GCMParameters"))?;
        if aed.mac.as_bytes().len() != usize::from(params.icv_len) {
            return Err(Error::Malformed(
                "GCM tag length differs from icvLen".into(),
            ));
        }
        let k: &[u8; 16] = cek[..].try_into().map_err(|_| failed())?;
        let mut buf = Zeroizing::new(
            eci.encrypted_content
                .as_ref()
                .map(|o| o.as_bytes().to_vec())
                .unwrap_or_default(),
        );
        shangmi::sm4::gcm::Sm4Gcm::new(k).open_in_place(
            params.nonce.as_bytes(),
            &[],
            &mut buf,
            aed.mac.as_bytes(),
        )?;
        return Ok(buf);
    }
    if ci.content_type != oid::CMS_ENVELOPED_DATA && ci.content_type != oid::GM_ENVELOPED_DATA {
        return Err(Error::Invalid(format!(
            "CMS content is {}, not envelopedData",
            oid::name(&ci.content_type)
        )));
    }
    let ed = ci
        .content
        .decode_as::<EnvelopedData>()
        .map_err(malformed("EnvelopedData"))?;
    let cek = recover_cek(&ed.recip_infos, cert, key)?;
    let eci = &ed.encrypted_content;
    let iv = eci
        .content_enc_alg
        .parameters
        .as_ref()
        .ok_or_else(|| Error::Malformed("CBC without an IV".into()))?
        .decode_as::<OctetString>()
        .map_err(malformed("IV"))?;
    let iv: [u8; 16] = iv
        .as_bytes()
        .try_into()
        .map_err(|_| Error::Malformed("IV must be 16 bytes".into()))?;
    let ct = eci
        .encrypted_content
        .as_ref()
        .map(|o| o.as_bytes())
        .unwrap_or_default();
    let o = eci.content_enc_alg.oid;
    let out = if o == oid::SM4_CBC {
        let k: &[u8; 16] = cek[..].try_into().map_err(|_| failed())?;
        let mut out = Zeroizing::new(vec![0u8; ct.len()]);
        let n = shangmi::sm4::cbc_decrypt(k, &iv, shangmi::sm4::Padding::Pkcs7, ct, &mut out)?;
        out.truncate(n);
        out
    } else if o == oid::AES128_CBC {
        Zeroizing::new(
            cbc::Decryptor::<aes::Aes128>::new_from_slices(&cek, &iv)
                .map_err(|_| failed())?
                .decrypt_padded_vec::<Pkcs7>(ct)
                .map_err(|_| failed())?,
        )
    } else if o == oid::AES256_CBC {
        Zeroizing::new(
            cbc::Decryptor::<aes::Aes256>::new_from_slices(&cek, &iv)
                .map_err(|_| failed())?
                .decrypt_padded_vec::<Pkcs7>(ct)
                .map_err(|_| failed())?,
        )
    } else {
        return Err(Error::Unsupported(format!(
            "content encryption {}",
            oid::name(&o)
        )));
    };
    Ok(out)
}
