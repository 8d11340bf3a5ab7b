//! Certificates: parsing, inspection and signature checks.

use crate::alg::{self, SigAlgId, X509_SM2_ID};
use crate::error::malformed;
use crate::name::display_name;
use crate::{Error, Result, ext, oid, pem};
use der::{Decode, Encode};
use sha2::Digest as _;
use shangmi::alg::PublicKey;
use std::time::SystemTime;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints,
    ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

/// A parsed certificate that keeps its DER, so signatures are checked over
/// the exact bytes that were signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Vec<u8>,
    inner: x509_cert::Certificate,
}

/// The outer SEQUENCE with the TBS kept as raw bytes.
#[derive(der::Sequence)]
pub(crate) struct Signed<'a> {
    pub tbs: der::asn1::AnyRef<'a>,
    pub alg: spki::AlgorithmIdentifierOwned,
    pub sig: der::asn1::BitString,
}

/// Splits a signed object (certificate, CSR, CRL) into its TBS bytes.
pub(crate) fn tbs_bytes(der: &[u8], what: &str) -> Result<Vec<u8>> {
    let s = Signed::from_der(der).map_err(malformed(what))?;
    s.tbs.to_der().map_err(malformed(what))
}

impl Certificate {
    /// Parses DER. Trailing bytes, bad lengths and unknown structure are
    /// errors; the public key is not checked here (see
    /// [`Certificate::public_key`]).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner = x509_cert::Certificate::from_der(der).map_err(malformed("certificate"))?;
        let tbs = tbs_bytes(der, "certificate")?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            inner,
        })
    }

    /// Parses one PEM "CERTIFICATE" (or DER, when `data` is not PEM).
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self> {
        let certs = Self::load_all(data)?;
        match certs.len() {
            1 => certs
                .into_iter()
                .next()
                .ok_or_else(|| Error::Malformed("no certificate".into())),
            0 => Err(Error::Malformed("no certificate found".into())),
            n => Err(Error::Invalid(format!(
                "expected one certificate, found {n}"
            ))),
        }
    }

    /// Parses every certificate in PEM text (or one DER certificate).
    pub fn load_all(data: &[u8]) -> Result<Vec<Self>> {
        pem::decode_all(data, "CERTIFICATE")?
            .iter()
            .map(|d| Self::from_der(d))
            .collect()
    }

    /// The DER encoding.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM "CERTIFICATE".
    pub fn to_pem(&self) -> String {
        pem::encode("CERTIFICATE", &self.der)
    }

    /// The DER of the signed part (TBSCertificate).
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs
    }

    /// The parsed structure.
    pub fn inner(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The extensions (empty for v1 certificates).
    pub fn extensions(&self) -> &[Extension] {
        self.inner
            .tbs_certificate()
            .extensions()
            .map(|e| &e[..])
            .unwrap_or(&[])
    }

    /// The serial number's big-endian bytes, as encoded (a leading zero
    /// keeps it positive).
    pub fn serial(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// The serial number in upper-case hex without the sign byte.
    pub fn serial_hex(&self) -> String {
        serial_hex(self.serial())
    }

    /// The subject.
    pub fn subject(&self) -> &Name {
        self.inner.tbs_certificate().subject()
    }

    /// The issuer.
    pub fn issuer(&self) -> &Name {
        self.inner.tbs_certificate().issuer()
    }

    /// The subject for people: `C = CN, O = Acme, CN = dev-0001`.
    pub fn subject_text(&self) -> String {
        display_name(self.subject())
    }

    /// Start of validity.
    pub fn not_before(&self) -> SystemTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_before
            .to_system_time()
    }

    /// End of validity.
    pub fn not_after(&self) -> SystemTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time()
    }

    /// The subject public key, validated (on the curve, right size).
    pub fn public_key(&self) -> Result<PublicKey> {
        alg::public_key_of(self.inner.tbs_certificate().subject_public_key_info())
    }

    /// The signature algorithm named by the certificate.
    pub fn signature_algorithm(&self) -> Result<SigAlgId> {
        alg::signature_algorithm_of(self.inner.signature_algorithm())
    }

    /// Checks the signature with the issuer's public key (SM2 with the
    /// X.509 ID 1234567812345678).
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<()> {
        self.verify_signed_by_with_id(issuer_key, X509_SM2_ID)
    }

    /// Checks the signature with an explicit SM2 ID.
    pub fn verify_signed_by_with_id(&self, issuer_key: &PublicKey, sm2_id: &[u8]) -> Result<()> {
        if self.inner.signature_algorithm() != self.inner.tbs_certificate().signature() {
            return Err(Error::Malformed(format!(
                "certificate {}: signatureAlgorithm differs from the TBS signature field",
                self.subject_text()
            )));
        }
        alg::verify_signature(
            &format!("certificate \"{}\"", self.subject_text()),
            issuer_key,
            self.inner.signature_algorithm(),
            &self.tbs,
            self.inner.signature(),
            sm2_id,
        )
    }

    /// Whether subject and issuer are the same name.
    pub fn is_self_issued(&self) -> bool {
        crate::name::names_match(self.subject(), self.issuer())
    }

    /// basicConstraints: `(critical, value)`.
    pub fn basic_constraints(&self) -> Result<Option<(bool, BasicConstraints)>> {
        ext::get(self.extensions(), &oid::BASIC_CONSTRAINTS)
    }

    /// Whether basicConstraints says cA.
    pub fn is_ca(&self) -> bool {
        matches!(self.basic_constraints(), Ok(Some((_, bc))) if bc.ca)
    }

    /// keyUsage.
    pub fn key_usage(&self) -> Result<Option<KeyUsage>> {
        Ok(ext::get::<KeyUsage>(self.extensions(), &oid::KEY_USAGE)?.map(|(_, k)| k))
    }

    /// extendedKeyUsage OIDs.
    pub fn extended_key_usage(&self) -> Result<Option<Vec<der::asn1::ObjectIdentifier>>> {
        Ok(ext::get::<ExtendedKeyUsage>(self.extensions(), &oid::EXT_KEY_USAGE)?.map(|(_, k)| k.0))
    }

    /// subjectAltName entries (empty when absent).
    pub fn subject_alt_names(&self) -> Result<Vec<GeneralName>> {
        Ok(
            ext::get::<SubjectAltName>(self.extensions(), &oid::SUBJECT_ALT_NAME)?
                .map(|(_, s)| s.0)
                .unwrap_or_default(),
        )
    }

    /// subjectKeyIdentifier.
    pub fn subject_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(
            ext::get::<SubjectKeyIdentifier>(self.extensions(), &oid::SUBJECT_KEY_ID)?
                .map(|(_, s)| s.0.as_bytes().to_vec()),
        )
    }

    /// The keyIdentifier of authorityKeyIdentifier.
    pub fn authority_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(
            ext::get::<AuthorityKeyIdentifier>(self.extensions(), &oid::AUTHORITY_KEY_ID)?
                .and_then(|(_, a)| a.key_identifier.map(|k| k.as_bytes().to_vec())),
        )
    }

    /// nameConstraints.
    pub fn name_constraints(&self) -> Result<Option<NameConstraints>> {
        Ok(ext::get::<NameConstraints>(self.extensions(), &oid::NAME_CONSTRAINTS)?.map(|(_, n)| n))
    }

    /// The URIs of the CRL distribution points.
    pub fn crl_urls(&self) -> Result<Vec<String>> {
        let dps =
            ext::get::<CrlDistributionPoints>(self.extensions(), &oid::CRL_DISTRIBUTION_POINTS)?;
        Ok(dps
            .map(|(_, d)| d.0)
            .unwrap_or_default()
            .iter()
            .filter_map(|dp| match &dp.distribution_point {
                Some(DistributionPointName::FullName(names)) => Some(uris(names)),
                _ => None,
            })
            .flatten()
            .collect())
    }

    /// The OCSP responder URLs of authorityInfoAccess.
    pub fn ocsp_urls(&self) -> Result<Vec<String>> {
        self.aia_urls(&oid::AD_OCSP)
    }

    /// The CA issuers URLs of authorityInfoAccess.
    pub fn ca_issuers_urls(&self) -> Result<Vec<String>> {
        self.aia_urls(&oid::AD_CA_ISSUERS)
    }

    fn aia_urls(&self, method: &der::asn1::ObjectIdentifier) -> Result<Vec<String>> {
        let aia =
            ext::get::<AuthorityInfoAccessSyntax>(self.extensions(), &oid::AUTHORITY_INFO_ACCESS)?;
        Ok(aia
            .map(|(_, a)| a.0)
            .unwrap_or_default()
            .iter()
            .filter(|d| d.access_method == *method)
            .filter_map(|d| match &d.access_location {
                GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                _ => None,
            })
            .collect())
    }

    /// SHA-256 of the DER (the fingerprint operators compare).
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        sha2::Sha256::digest(&self.der).into()
    }

    /// SM3 of the DER.
    pub fn fingerprint_sm3(&self) -> [u8; 32] {
        shangmi::sm3::hash(&self.der)
    }
}

pub(crate) fn uris(names: &[GeneralName]) -> Vec<String> {
    names
        .iter()
        .filter_map(|g| match g {
            GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
            _ => None,
        })
        .collect()
}

/// A serial number in upper-case hex, without a leading zero sign byte.
pub fn serial_hex(bytes: &[u8]) -> String {
    let b = match bytes {
        [0, rest @ ..] if !rest.is_empty() => rest,
        b => b,
    };
    hex::encode_upper(b)
}

/// Parses a serial number in hex (a leading `0x` and `:` separators are
/// allowed) into the positive big-endian integer bytes.
pub fn parse_serial_hex(s: &str) -> Result<Vec<u8>> {
    let clean: String = s
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    let padded = if clean.len() % 2 == 1 {
        format!("0{clean}")
    } else {
        clean
    };
    let mut v = hex::decode(&padded)
        .map_err(|_| Error::Invalid(format!("serial number {s:?} is not hex")))?;
    while v.len() > 1 && v[0] == 0 {
        v.remove(0);
    }
    if v.is_empty() || v.len() > 20 {
        return Err(Error::Invalid(format!(
            "serial number {s:?}: 1 to 20 bytes"
        )));
    }
    Ok(v)
}

/// A fingerprint as `AB:CD:...`.
pub fn fingerprint_text(f: &[u8]) -> String {
    f.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
