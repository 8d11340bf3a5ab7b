//! Certificate revocation lists (RFC 5280, section 5): full and delta CRLs,
//! reason codes, invalidity dates and the issuing distribution point.

use crate::alg::{self, X509_SM2_ID};
use crate::cert::{Certificate, Signed, tbs_bytes, uris};
use crate::error::malformed;
use crate::name::display_name;
use crate::signer::Signer;
use crate::{Error, Result, ext, oid, pem, time};
use der::asn1::{AnyRef, BitString, GeneralizedTime, Ia5String, OctetString, Uint};
use der::{Decode, Encode};
use std::time::{Duration, SystemTime};
use x509_cert::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::{DistributionPoint, IssuingDistributionPoint};
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BaseCrlNumber, CrlNumber, CrlReason, FreshestCrl,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

/// Reason names as RFC 5280 and OpenSSL spell them, and their codes.
pub const REASONS: &[(&str, CrlReason)] = &[
    ("unspecified", CrlReason::Unspecified),
    ("keyCompromise", CrlReason::KeyCompromise),
    ("cACompromise", CrlReason::CaCompromise),
    ("affiliationChanged", CrlReason::AffiliationChanged),
    ("superseded", CrlReason::Superseded),
    ("cessationOfOperation", CrlReason::CessationOfOperation),
    ("certificateHold", CrlReason::CertificateHold),
    ("removeFromCRL", CrlReason::RemoveFromCRL),
    ("privilegeWithdrawn", CrlReason::PrivilegeWithdrawn),
    ("aACompromise", CrlReason::AaCompromise),
];

/// Parses a reason name (case-insensitive: `keyCompromise`, `superseded`,
/// ...) or its number.
pub fn parse_reason(s: &str) -> Result<CrlReason> {
    if let Ok(n) = s.parse::<u32>()
        && let Some((_, r)) = REASONS.iter().find(|(_, r)| *r as u32 == n)
    {
        return Ok(*r);
    }
    REASONS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, r)| *r)
        .ok_or_else(|| {
            Error::Invalid(format!(
                "unknown revocation reason {s:?} (one of: {})",
                REASONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The name of a reason.
pub fn reason_name(r: CrlReason) -> &'static str {
    REASONS
        .iter()
        .find(|(_, x)| *x == r)
        .map(|(n, _)| *n)
        .unwrap_or("unknown")
}

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number (big-endian, positive, no leading zero).
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub revoked_at: SystemTime,
    /// Why (absent means unspecified).
    pub reason: Option<CrlReason>,
    /// When the key is known or suspected to have been compromised.
    pub invalidity_date: Option<SystemTime>,
}

/// Which certificates a CRL covers (its issuingDistributionPoint).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// The URLs where this CRL is published.
    pub urls: Vec<String>,
    /// Only end-entity certificates.
    pub only_user_certs: bool,
    /// Only CA certificates.
    pub only_ca_certs: bool,
}

/// Builds and signs a CRL.
#[derive(Clone, Debug)]
pub struct CrlBuilder {
    this_update: SystemTime,
    next_update: SystemTime,
    number: u64,
    delta_of: Option<u64>,
    scope: Option<Scope>,
    freshest: Vec<String>,
    entries: Vec<RevokedEntry>,
    sm2_id: Vec<u8>,
}

/// Strips leading zero bytes from a serial (keeping at least one byte).
pub fn normalize_serial(s: &[u8]) -> &[u8] {
    let mut s = s;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

impl CrlBuilder {
    /// A CRL with number `number`, valid from now for 7 days.
    pub fn new(number: u64) -> Self {
        let now = SystemTime::now();
        Self {
            this_update: now,
            next_update: now + Duration::from_secs(7 * 86_400),
            number,
            delta_of: None,
            scope: None,
            freshest: Vec::new(),
            entries: Vec::new(),
            sm2_id: X509_SM2_ID.to_vec(),
        }
    }

    /// thisUpdate.
    pub fn this_update(mut self, t: SystemTime) -> Self {
        self.this_update = t;
        self
    }

    /// nextUpdate.
    pub fn next_update(mut self, t: SystemTime) -> Self {
        self.next_update = t;
        self
    }

    /// Makes this a delta CRL over the base CRL numbered `base`.
    pub fn delta_of(mut self, base: u64) -> Self {
        self.delta_of = Some(base);
        self
    }

    /// Sets the issuing distribution point.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = Some(scope);
        self
    }

    /// Points a base CRL at where its delta CRLs are (freshestCRL).
    pub fn freshest_crl(mut self, urls: Vec<String>) -> Self {
        self.freshest = urls;
        self
    }

    /// Adds revoked certificates.
    pub fn revoked(mut self, entries: impl IntoIterator<Item = RevokedEntry>) -> Self {
        self.entries.extend(entries);
        self
    }

    /// The SM2 ID to sign with (default 1234567812345678).
    pub fn sm2_id(mut self, id: &[u8]) -> Self {
        self.sm2_id = id.to_vec();
        self
    }

    /// Signs the CRL as `issuer` with `signer` (the issuer's key).
    pub fn sign(&self, issuer: &Certificate, signer: &dyn Signer) -> Result<Crl> {
        let inv = |e: der::Error| Error::Invalid(format!("CRL: {e}"));
        if self.next_update <= self.this_update {
            return Err(Error::Invalid(
                "CRL nextUpdate must be after thisUpdate".into(),
            ));
        }
        if alg::spki_of(&signer.public_key())?
            != *issuer.inner().tbs_certificate().subject_public_key_info()
        {
            return Err(Error::Invalid(
                "the signing key is not the CRL issuer's key".into(),
            ));
        }
        if let Ok(Some(k)) = issuer.key_usage()
            && !k.crl_sign()
        {
            return Err(Error::Invalid(
                "the issuer certificate lacks cRLSign".into(),
            ));
        }
        let mut revoked: Vec<RevokedCert> = Vec::new();
        for e in &self.entries {
            let mut exts = Vec::new();
            if let Some(r) = e.reason.filter(|r| *r != CrlReason::Unspecified) {
                exts.push(ext::make(oid::CRL_REASON, false, &r)?);
            }
            if let Some(t) = e.invalidity_date {
                exts.push(ext::make(
                    oid::INVALIDITY_DATE,
                    false,
                    &time::to_generalized(t)?,
                )?);
            }
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(normalize_serial(&e.serial))
                    .map_err(|err| Error::Invalid(format!("serial number: {err}")))?,
                revocation_date: time::to_x509(e.revoked_at)?,
                crl_entry_extensions: (!exts.is_empty()).then_some(exts),
            });
        }
        let aki = issuer.subject_key_id()?.unwrap_or_else(|| {
            alg::key_identifier(issuer.inner().tbs_certificate().subject_public_key_info()).to_vec()
        });
        let mut exts = vec![
            ext::make(
                oid::AUTHORITY_KEY_ID,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(aki).map_err(inv)?),
                    ..Default::default()
                },
            )?,
            ext::make(
                oid::CRL_NUMBER,
                false,
                &CrlNumber::try_from(self.number).map_err(inv)?,
            )?,
        ];
        if let Some(base) = self.delta_of {
            exts.push(ext::make(
                oid::DELTA_CRL_INDICATOR,
                true,
                &BaseCrlNumber(Uint::try_from(base).map_err(inv)?),
            )?);
        }
        if let Some(s) = &self.scope {
            let dp = if s.urls.is_empty() {
                None
            } else {
                Some(DistributionPointName::FullName(
                    s.urls.iter().map(|u| uri(u)).collect::<Result<Vec<_>>>()?,
                ))
            };
            exts.push(ext::make(
                oid::ISSUING_DISTRIBUTION_POINT,
                true,
                &IssuingDistributionPoint {
                    distribution_point: dp,
                    only_contains_user_certs: s.only_user_certs,
                    only_contains_ca_certs: s.only_ca_certs,
                    only_some_reasons: None,
                    indirect_crl: false,
                    only_contains_attribute_certs: false,
                },
            )?);
        }
        if !self.freshest.is_empty() {
            exts.push(ext::make(
                oid::FRESHEST_CRL,
                false,
                &FreshestCrl(vec![DistributionPoint {
                    distribution_point: Some(DistributionPointName::FullName(
                        self.freshest
                            .iter()
                            .map(|u| uri(u))
                            .collect::<Result<Vec<_>>>()?,
                    )),
                    reasons: None,
                    crl_issuer: None,
                }]),
            )?);
        }
        let tbs = TbsCertList {
            version: Version::V2,
            signature: alg::signature_algorithm_identifier(signer.algorithm()),
            issuer: issuer.subject().clone(),
            this_update: time::to_x509(self.this_update)?,
            next_update: Some(time::to_x509(self.next_update)?),
            revoked_certificates: (!revoked.is_empty()).then_some(revoked),
            crl_extensions: Some(exts),
        };
        let tbs_der = tbs.to_der().map_err(inv)?;
        let sig = signer.sign(&self.sm2_id, &tbs_der)?;
        let signed = Signed {
            tbs: AnyRef::from_der(&tbs_der).map_err(inv)?,
            alg: alg::signature_algorithm_identifier(signer.algorithm()),
            sig: BitString::from_bytes(&sig).map_err(inv)?,
        };
        Crl::from_der(&signed.to_der().map_err(inv)?)
    }
}

fn uri(u: &str) -> Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(
        Ia5String::new(u).map_err(|_| Error::Invalid(format!("{u:?} is not ASCII")))?,
    ))
}

/// A parsed CRL that keeps its DER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crl {
    der: Vec<u8>,
    tbs: Vec<u8>,
    inner: CertificateList,
}

impl Crl {
    /// Parses DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let inner = CertificateList::from_der(der).map_err(malformed("CRL"))?;
        let tbs = tbs_bytes(der, "CRL")?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            inner,
        })
    }

    /// Parses PEM ("X509 CRL") or DER.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self> {
        Self::from_der(&pem::decode_one(data, "X509 CRL")?)
    }

    /// The DER encoding.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM "X509 CRL".
    pub fn to_pem(&self) -> String {
        pem::encode("X509 CRL", &self.der)
    }

    /// The DER of the signed part (TBSCertList).
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs
    }

    /// The parsed structure.
    pub fn inner(&self) -> &CertificateList {
        &self.inner
    }

    /// The issuer.
    pub fn issuer(&self) -> &Name {
        &self.inner.tbs_cert_list.issuer
    }

    /// The issuer for people.
    pub fn issuer_text(&self) -> String {
        display_name(self.issuer())
    }

    /// thisUpdate.
    pub fn this_update(&self) -> SystemTime {
        self.inner.tbs_cert_list.this_update.to_system_time()
    }

    /// nextUpdate.
    pub fn next_update(&self) -> Option<SystemTime> {
        self.inner
            .tbs_cert_list
            .next_update
            .map(|t| t.to_system_time())
    }

    /// The CRL extensions.
    pub fn extensions(&self) -> &[Extension] {
        self.inner
            .tbs_cert_list
            .crl_extensions
            .as_deref()
            .unwrap_or(&[])
    }

    /// The CRL number.
    pub fn number(&self) -> Result<Option<Vec<u8>>> {
        Ok(ext::get::<CrlNumber>(self.extensions(), &oid::CRL_NUMBER)?
            .map(|(_, n)| n.0.as_bytes().to_vec()))
    }

    /// For a delta CRL, the number of its base CRL.
    pub fn delta_base(&self) -> Result<Option<Vec<u8>>> {
        Ok(
            ext::get::<BaseCrlNumber>(self.extensions(), &oid::DELTA_CRL_INDICATOR)?
                .map(|(_, n)| n.0.as_bytes().to_vec()),
        )
    }

    /// The issuing distribution point.
    pub fn scope(&self) -> Result<Option<Scope>> {
        Ok(ext::get::<IssuingDistributionPoint>(
            self.extensions(),
            &oid::ISSUING_DISTRIBUTION_POINT,
        )?
        .map(|(_, idp)| Scope {
            urls: match &idp.distribution_point {
                Some(DistributionPointName::FullName(n)) => uris(n),
                _ => Vec::new(),
            },
            only_user_certs: idp.only_contains_user_certs,
            only_ca_certs: idp.only_contains_ca_certs,
        }))
    }

    /// The authority key identifier.
    pub fn authority_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(
            ext::get::<AuthorityKeyIdentifier>(self.extensions(), &oid::AUTHORITY_KEY_ID)?
                .and_then(|(_, a)| a.key_identifier.map(|k| k.as_bytes().to_vec())),
        )
    }

    /// Every entry, decoded.
    pub fn entries(&self) -> Result<Vec<RevokedEntry>> {
        let list = self
            .inner
            .tbs_cert_list
            .revoked_certificates
            .as_deref()
            .unwrap_or(&[]);
        list.iter()
            .map(|r| {
                let exts = r.crl_entry_extensions.as_deref().unwrap_or(&[]);
                Ok(RevokedEntry {
                    serial: normalize_serial(r.serial_number.as_bytes()).to_vec(),
                    revoked_at: r.revocation_date.to_system_time(),
                    reason: ext::get::<CrlReason>(exts, &oid::CRL_REASON)?.map(|(_, r)| r),
                    invalidity_date: ext::get::<GeneralizedTime>(exts, &oid::INVALIDITY_DATE)?
                        .map(|(_, t)| t.to_system_time()),
                })
            })
            .collect()
    }

    /// The entry for `serial`, when it is listed.
    pub fn find(&self, serial: &[u8]) -> Result<Option<RevokedEntry>> {
        let s = normalize_serial(serial);
        Ok(self.entries()?.into_iter().find(|e| e.serial == s))
    }

    /// Checks the signature with the issuer's key (SM2 ID 1234567812345678).
    pub fn verify_signed_by(&self, issuer_key: &shangmi::alg::PublicKey) -> Result<()> {
        self.verify_signed_by_with_id(issuer_key, X509_SM2_ID)
    }

    /// Checks the signature with an explicit SM2 ID.
    pub fn verify_signed_by_with_id(
        &self,
        issuer_key: &shangmi::alg::PublicKey,
        sm2_id: &[u8],
    ) -> Result<()> {
        if self.inner.signature_algorithm != self.inner.tbs_cert_list.signature {
            return Err(Error::Malformed(
                "CRL: signatureAlgorithm differs from the TBS signature field".into(),
            ));
        }
        alg::verify_signature(
            &format!("CRL of \"{}\"", self.issuer_text()),
            issuer_key,
            &self.inner.signature_algorithm,
            &self.tbs,
            &self.inner.signature,
            sm2_id,
        )
    }
}
