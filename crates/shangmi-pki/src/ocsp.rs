//! OCSP (RFC 6960): requests, responses and the responder's signing, with
//! the RFC 5019 GET form.
//!
//! CertIDs are computed with SHA-1 (what OpenSSL sends by default),
//! SHA-256 or SM3, and responses answer in the hash the request used.
//! Responses are signed by the CA itself or by a delegated responder
//! certificate (extended key usage OCSPSigning, issued by the CA); the
//! verifier accepts either.

use crate::alg::{self, X509_SM2_ID};
use crate::cert::Certificate;
use crate::error::malformed;
use crate::signer::Signer;
use crate::{Error, Result, ext, oid, time};
use base64ct::Encoding;
use der::asn1::{AnyRef, BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Choice, Decode, Encode, Enumerated, Sequence};
use sha1::Digest as _;
use spki::AlgorithmIdentifierOwned;
use std::time::SystemTime;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// OCSP `Version ::= INTEGER { v1(0) }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Enumerated)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum Version {
    /// v1.
    #[default]
    V1 = 0,
}

/// `CertID`: which certificate a request or response is about.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct CertId {
    /// The hash of the two issuer hashes.
    pub hash_algorithm: AlgorithmIdentifierOwned,
    /// Hash of the issuer's DER name.
    pub issuer_name_hash: OctetString,
    /// Hash of the issuer's public key (the BIT STRING contents).
    pub issuer_key_hash: OctetString,
    /// The certificate's serial number.
    pub serial_number: SerialNumber,
}

/// `Request`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Request {
    /// The certificate asked about.
    pub req_cert: CertId,
    /// Per-request extensions.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub single_request_extensions: Option<Vec<Extension>>,
}

/// `TBSRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct TbsRequest {
    /// Always v1.
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: Version,
    /// Who asks (signed requests).
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub requestor_name: Option<GeneralName>,
    /// The certificates asked about.
    pub request_list: Vec<Request>,
    /// Request extensions (the nonce).
    #[asn1(context_specific = "2", optional = "true", tag_mode = "EXPLICIT")]
    pub request_extensions: Option<Vec<Extension>>,
}

/// `Signature` of a signed request (read, not checked: this responder
/// does not require signed requests).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct RequestSignature {
    /// Algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// Value.
    pub signature: BitString,
    /// Certificates of the requestor.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub certs: Option<Vec<x509_cert::Certificate>>,
}

/// `OCSPRequest`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspRequest {
    /// The request.
    pub tbs_request: TbsRequest,
    /// An optional signature.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub optional_signature: Option<RequestSignature>,
}

/// `OCSPResponseStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enumerated)]
#[repr(u32)]
pub enum ResponseStatus {
    /// The response has valid confirmations.
    Successful = 0,
    /// Illegal confirmation request.
    MalformedRequest = 1,
    /// Internal error in issuer.
    InternalError = 2,
    /// Try again later.
    TryLater = 3,
    /// Must sign the request.
    SigRequired = 5,
    /// Request unauthorized (e.g. a CA this responder does not serve).
    Unauthorized = 6,
}

/// `ResponseBytes`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseBytes {
    /// id-pkix-ocsp-basic.
    pub response_type: ObjectIdentifier,
    /// DER of the BasicOCSPResponse.
    pub response: OctetString,
}

/// `OCSPResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct OcspResponse {
    /// Status of the whole response.
    pub response_status: ResponseStatus,
    /// The basic response when successful.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub response_bytes: Option<ResponseBytes>,
}

/// `ResponderID`.
#[derive(Clone, Debug, PartialEq, Eq, Choice)]
pub enum ResponderId {
    /// By the responder's name.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// By the SHA-1 of the responder's public key.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

/// `RevokedInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Sequence)]
pub struct RevokedInfo {
    /// When.
    pub revocation_time: GeneralizedTime,
    /// Why.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub revocation_reason: Option<CrlReason>,
}

/// `CertStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Choice)]
pub enum CertStatus {
    /// Not revoked.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    /// Revoked.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    /// The responder does not know the certificate.
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

/// `SingleResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct SingleResponse {
    /// Which certificate.
    pub cert_id: CertId,
    /// Its status.
    pub cert_status: CertStatus,
    /// When the status was known to be right.
    pub this_update: GeneralizedTime,
    /// When newer information will be available.
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub next_update: Option<GeneralizedTime>,
    /// Per-response extensions.
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub single_extensions: Option<Vec<Extension>>,
}

/// `ResponseData`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct ResponseData {
    /// Always v1.
    #[asn1(
        context_specific = "0",
        default = "Default::default",
        tag_mode = "EXPLICIT"
    )]
    pub version: Version,
    /// Who signed.
    pub responder_id: ResponderId,
    /// When the response was signed.
    pub produced_at: GeneralizedTime,
    /// One answer per requested certificate.
    pub responses: Vec<SingleResponse>,
    /// Response extensions (the nonce echoed).
    #[asn1(context_specific = "1", optional = "true", tag_mode = "EXPLICIT")]
    pub response_extensions: Option<Vec<Extension>>,
}

/// `BasicOCSPResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct BasicOcspResponse {
    /// The signed data.
    pub tbs_response_data: ResponseData,
    /// Algorithm.
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// Value.
    pub signature: BitString,
    /// The responder's certificate (delegated responders).
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    pub certs: Option<Vec<x509_cert::Certificate>>,
}

/// BasicOCSPResponse with the signed part kept as raw bytes.
#[derive(Sequence)]
struct RawBasic<'a> {
    tbs: AnyRef<'a>,
    alg: AlgorithmIdentifierOwned,
    sig: BitString,
    #[asn1(context_specific = "0", optional = "true", tag_mode = "EXPLICIT")]
    certs: Option<Vec<AnyRef<'a>>>,
}

/// The hash of a CertID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertIdHash {
    /// SHA-1 (OpenSSL's default; RFC 5019 profile).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SM3.
    Sm3,
}

impl CertIdHash {
    fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => oid::SHA1,
            Self::Sha256 => oid::SHA256,
            Self::Sm3 => oid::SM3,
        }
    }

    fn from_id(id: &AlgorithmIdentifierOwned) -> Result<Self> {
        if !id.parameters.as_ref().is_none_or(|p| p.is_null()) {
            return Err(Error::Malformed("CertID hash algorithm parameters".into()));
        }
        [Self::Sha1, Self::Sha256, Self::Sm3]
            .into_iter()
            .find(|h| h.oid() == id.oid)
            .ok_or_else(|| Error::Unsupported(format!("CertID hash {}", oid::name(&id.oid))))
    }

    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sm3 => shangmi::sm3::hash(data).to_vec(),
        }
    }
}

impl CertId {
    /// The CertID of the certificate numbered `serial` issued by `issuer`.
    pub fn new(hash: CertIdHash, issuer: &Certificate, serial: &[u8]) -> Result<Self> {
        let inv = |e: der::Error| Error::Invalid(format!("CertID: {e}"));
        let name = issuer.subject().to_der().map_err(inv)?;
        let key = issuer
            .inner()
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes();
        Ok(Self {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: hash.oid(),
                parameters: Some(alg::null_any()),
            },
            issuer_name_hash: OctetString::new(hash.hash(&name)).map_err(inv)?,
            issuer_key_hash: OctetString::new(hash.hash(key)).map_err(inv)?,
            serial_number: SerialNumber::new(crate::crl::normalize_serial(serial)).map_err(inv)?,
        })
    }

    /// Whether this CertID names a certificate of `issuer`.
    pub fn is_issued_by(&self, issuer: &Certificate) -> Result<bool> {
        let h = CertIdHash::from_id(&self.hash_algorithm)?;
        let mine = Self::new(h, issuer, self.serial())?;
        Ok(mine.issuer_name_hash == self.issuer_name_hash
            && mine.issuer_key_hash == self.issuer_key_hash)
    }

    /// The serial number asked about (no leading zero).
    pub fn serial(&self) -> &[u8] {
        crate::crl::normalize_serial(self.serial_number.as_bytes())
    }

    /// Whether two CertIDs name the same certificate (same hash algorithm).
    pub fn same_as(&self, other: &CertId) -> bool {
        self.hash_algorithm.oid == other.hash_algorithm.oid
            && self.issuer_name_hash == other.issuer_name_hash
            && self.issuer_key_hash == other.issuer_key_hash
            && self.serial() == other.serial()
    }
}

/// Builds an unsigned OCSP request for `ids`, with a nonce when given.
pub fn build_request(ids: &[CertId], nonce: Option<&[u8]>) -> Result<Vec<u8>> {
    let inv = |e: der::Error| Error::Invalid(format!("OCSP request: {e}"));
    if ids.is_empty() {
        return Err(Error::Invalid(
            "an OCSP request needs at least one certificate".into(),
        ));
    }
    let request_extensions = match nonce {
        Some(n) => Some(vec![ext::make(
            oid::OCSP_NONCE,
            false,
            &OctetString::new(n).map_err(inv)?,
        )?]),
        None => None,
    };
    OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: ids
                .iter()
                .map(|id| Request {
                    req_cert: id.clone(),
                    single_request_extensions: None,
                })
                .collect(),
            request_extensions,
        },
        optional_signature: None,
    }
    .to_der()
    .map_err(inv)
}

/// A parsed OCSP request: what it asks and its nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The certificates asked about.
    pub ids: Vec<CertId>,
    /// The nonce (the value inside the extension's OCTET STRING).
    pub nonce: Option<Vec<u8>>,
}

fn nonce_of(exts: Option<&[Extension]>) -> Result<Option<Vec<u8>>> {
    let Some(exts) = exts else { return Ok(None) };
    match ext::find(exts, &oid::OCSP_NONCE)? {
        None => Ok(None),
        Some(e) => {
            // RFC 8954: the value is an OCTET STRING; some clients send the
            // bare bytes. Take the inner octets when they parse.
            let raw = e.extn_value.as_bytes();
            Ok(Some(match OctetString::from_der(raw) {
                Ok(o) => o.as_bytes().to_vec(),
                Err(_) => raw.to_vec(),
            }))
        }
    }
}

/// Parses a DER OCSP request.
pub fn parse_request(der: &[u8]) -> Result<ParsedRequest> {
    let r = OcspRequest::from_der(der).map_err(malformed("OCSP request"))?;
    if r.tbs_request.request_list.is_empty() {
        return Err(Error::Malformed(
            "OCSP request asks about no certificate".into(),
        ));
    }
    let nonce = nonce_of(r.tbs_request.request_extensions.as_deref())?;
    if nonce
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.len() > 128)
    {
        return Err(Error::Malformed(
            "OCSP nonce must be 1 to 128 bytes (RFC 8954)".into(),
        ));
    }
    Ok(ParsedRequest {
        ids: r
            .tbs_request
            .request_list
            .into_iter()
            .map(|x| x.req_cert)
            .collect(),
        nonce,
    })
}

/// The RFC 5019 GET path element of a request: base64, then URL-encoded.
pub fn request_to_get_path(der: &[u8]) -> String {
    base64ct::Base64::encode_string(der)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

/// The request DER from an RFC 5019 GET path element (URL-decoded, then
/// base64; `+`, `/` and `=` may arrive raw or escaped).
pub fn request_from_get_path(path: &str) -> Result<Vec<u8>> {
    let mut s = String::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::Malformed("OCSP GET: bad %-escape".into()))?;
            s.push(h as char);
            i += 3;
        } else {
            s.push(bytes[i] as char);
            i += 1;
        }
    }
    base64ct::Base64::decode_vec(s.trim())
        .map_err(|_| Error::Malformed("OCSP GET: the path is not base64".into()))
}

/// A certificate's status, as a responder states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not revoked.
    Good,
    /// Revoked at a time, for a reason.
    Revoked {
        /// When.
        at: SystemTime,
        /// Why.
        reason: Option<CrlReason>,
    },
    /// The responder does not know it.
    Unknown,
}

/// One answer in a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Which certificate.
    pub id: CertId,
    /// Its status.
    pub status: Status,
    /// thisUpdate.
    pub this_update: SystemTime,
    /// nextUpdate.
    pub next_update: Option<SystemTime>,
}

/// An unsuccessful response (no signature): malformedRequest,
/// unauthorized, ...
pub fn error_response(status: ResponseStatus) -> Vec<u8> {
    OcspResponse {
        response_status: status,
        response_bytes: None,
    }
    .to_der()
    .unwrap_or_default()
}

/// Signs a successful response carrying `answers`. `responder` is the
/// certificate of the signing key: the CA itself, or a delegated responder
/// (then it is included in the response). The nonce, when given, is echoed.
pub fn sign_response(
    answers: &[Answer],
    responder: &Certificate,
    signer: &dyn Signer,
    nonce: Option<&[u8]>,
    produced_at: SystemTime,
) -> Result<Vec<u8>> {
    let inv = |e: der::Error| Error::Invalid(format!("OCSP response: {e}"));
    if alg::spki_of(&signer.public_key())?
        != *responder
            .inner()
            .tbs_certificate()
            .subject_public_key_info()
    {
        return Err(Error::Invalid(
            "the signing key is not the responder certificate's key".into(),
        ));
    }
    let key_hash = sha1::Sha1::digest(
        responder
            .inner()
            .tbs_certificate()
            .subject_public_key_info()
            .subject_public_key
            .raw_bytes(),
    );
    let responses = answers
        .iter()
        .map(|a| {
            Ok(SingleResponse {
                cert_id: a.id.clone(),
                cert_status: match a.status {
                    Status::Good => CertStatus::Good(Null),
                    Status::Unknown => CertStatus::Unknown(Null),
                    Status::Revoked { at, reason } => CertStatus::Revoked(RevokedInfo {
                        revocation_time: time::to_generalized(at)?,
                        revocation_reason: reason,
                    }),
                },
                this_update: time::to_generalized(a.this_update)?,
                next_update: a.next_update.map(time::to_generalized).transpose()?,
                single_extensions: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let response_extensions = match nonce {
        Some(n) => Some(vec![ext::make(
            oid::OCSP_NONCE,
            false,
            &OctetString::new(n).map_err(inv)?,
        )?]),
        None => None,
    };
    let data = ResponseData {
        version: Version::V1,
        responder_id: ResponderId::ByKey(OctetString::new(key_hash.to_vec()).map_err(inv)?),
        produced_at: time::to_generalized(produced_at)?,
        responses,
        response_extensions,
    };
    let tbs = data.to_der().map_err(inv)?;
    let sig = signer.sign(X509_SM2_ID, &tbs)?;
    let delegated = !crate::name::names_match(responder.subject(), responder.issuer())
        || responder
            .extended_key_usage()?
            .is_some_and(|e| e.contains(&oid::EKU_OCSP_SIGNING));
    let certs = delegated.then(|| vec![responder.inner().clone()]);
    let basic = BasicOcspResponse {
        tbs_response_data: data,
        signature_algorithm: alg::signature_algorithm_identifier(signer.algorithm()),
        signature: BitString::from_bytes(&sig).map_err(inv)?,
        certs,
    };
    OcspResponse {
        response_status: ResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: oid::OCSP_BASIC,
            response: OctetString::new(basic.to_der().map_err(inv)?).map_err(inv)?,
        }),
    }
    .to_der()
    .map_err(inv)
}

/// A parsed response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The overall status.
    pub status: ResponseStatus,
    basic_der: Option<Vec<u8>>,
    basic: Option<BasicOcspResponse>,
}

impl Response {
    /// Parses a DER OCSP response.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let r = OcspResponse::from_der(der).map_err(malformed("OCSP response"))?;
        let (basic_der, basic) = match (&r.response_status, r.response_bytes) {
            (ResponseStatus::Successful, Some(b)) => {
                if b.response_type != oid::OCSP_BASIC {
                    return Err(Error::Unsupported(format!(
                        "OCSP response type {}",
                        b.response_type
                    )));
                }
                let raw = b.response.as_bytes().to_vec();
                let basic =
                    BasicOcspResponse::from_der(&raw).map_err(malformed("BasicOCSPResponse"))?;
                (Some(raw), Some(basic))
            }
            (ResponseStatus::Successful, None) => {
                return Err(Error::Malformed(
                    "successful OCSP response without a body".into(),
                ));
            }
            _ => (None, None),
        };
        Ok(Self {
            status: r.response_status,
            basic_der,
            basic,
        })
    }

    /// The basic response, when successful.
    pub fn basic(&self) -> Option<&BasicOcspResponse> {
        self.basic.as_ref()
    }

    /// The DER of the signed tbsResponseData (for an independent check).
    pub fn tbs_der(&self) -> Result<Vec<u8>> {
        let raw = self
            .basic_der
            .as_deref()
            .ok_or_else(|| Error::Invalid(format!("OCSP response status is {:?}", self.status)))?;
        let r = RawBasic::from_der(raw).map_err(malformed("BasicOCSPResponse"))?;
        r.tbs.to_der().map_err(malformed("ResponseData"))
    }

    /// The nonce the responder echoed.
    pub fn nonce(&self) -> Result<Option<Vec<u8>>> {
        nonce_of(
            self.basic
                .as_ref()
                .and_then(|b| b.tbs_response_data.response_extensions.as_deref()),
        )
    }

    /// The answers.
    pub fn answers(&self) -> Vec<Answer> {
        let Some(b) = &self.basic else {
            return Vec::new();
        };
        b.tbs_response_data
            .responses
            .iter()
            .map(|r| Answer {
                id: r.cert_id.clone(),
                status: match r.cert_status {
                    CertStatus::Good(_) => Status::Good,
                    CertStatus::Unknown(_) => Status::Unknown,
                    CertStatus::Revoked(i) => Status::Revoked {
                        at: i.revocation_time.to_system_time(),
                        reason: i.revocation_reason,
                    },
                },
                this_update: r.this_update.to_system_time(),
                next_update: r.next_update.map(|t| t.to_system_time()),
            })
            .collect()
    }

    /// Checks the signature: by `issuer` itself, or by a delegated
    /// responder certificate in the response that `issuer` signed, that
    /// carries extended key usage OCSPSigning and is valid at `at`.
    /// Returns the certificate that signed.
    pub fn verify(&self, issuer: &Certificate, at: SystemTime) -> Result<Certificate> {
        let raw = self
            .basic_der
            .as_deref()
            .ok_or_else(|| Error::Invalid(format!("OCSP response status is {:?}", self.status)))?;
        let r = RawBasic::from_der(raw).map_err(malformed("BasicOCSPResponse"))?;
        let tbs = r.tbs.to_der().map_err(malformed("ResponseData"))?;
        let direct = alg::verify_signature(
            "OCSP response",
            &issuer.public_key()?,
            &r.alg,
            &tbs,
            &r.sig,
            X509_SM2_ID,
        );
        if direct.is_ok() {
            return Ok(issuer.clone());
        }
        let mut last = direct.err();
        for c in r.certs.unwrap_or_default() {
            let cert =
                Certificate::from_der(&c.to_der().map_err(malformed("responder certificate"))?)?;
            if cert.verify_signed_by(&issuer.public_key()?).is_err() {
                last = Some(Error::BadSignature(format!(
                    "OCSP responder certificate \"{}\" was not issued by \"{}\"",
                    cert.subject_text(),
                    issuer.subject_text()
                )));
                continue;
            }
            if !cert
                .extended_key_usage()?
                .is_some_and(|e| e.contains(&oid::EKU_OCSP_SIGNING))
            {
                last = Some(Error::Invalid(format!(
                    "OCSP responder certificate \"{}\" lacks extended key usage OCSPSigning",
                    cert.subject_text()
                )));
                continue;
            }
            if at < cert.not_before() || at > cert.not_after() {
                last = Some(Error::Invalid(format!(
                    "OCSP responder certificate \"{}\" is not valid now",
                    cert.subject_text()
                )));
                continue;
            }
            match alg::verify_signature(
                "OCSP response",
                &cert.public_key()?,
                &r.alg,
                &tbs,
                &r.sig,
                X509_SM2_ID,
            ) {
                Ok(()) => return Ok(cert),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::BadSignature("OCSP response: no signer found".into())))
    }

    /// The answer for `id`, when the response has one.
    pub fn answer_for(&self, id: &CertId) -> Option<Answer> {
        self.answers().into_iter().find(|a| a.id.same_as(id))
    }
}
