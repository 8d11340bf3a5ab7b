//! Building and signing certificates from a profile.
//!
//! [`CertificateBuilder`] gathers what varies per certificate (subject,
//! key, names, validity, revocation pointers) and takes the rest from a
//! [`Profile`]. [`CertificateBuilder::sign`] runs the issuance linter on
//! the to-be-signed certificate and refuses to sign when it finds an error.

use crate::alg::{self, X509_SM2_ID};
use crate::cert::{Certificate, Signed};
use crate::lint::{self, Severity};
use crate::profile::Profile;
use crate::signer::Signer;
use crate::{Error, Result, ext, oid, time};
use der::asn1::{AnyRef, BitString, Ia5String, Null, OctetString};
use der::{Decode, Encode, Sequence};
use shangmi::rng::{OsRng, fill};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::time::SystemTime;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

/// TBSCertificate as this crate writes it (always v3).
#[derive(Sequence)]
struct TbsOut {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

/// A fresh serial number: 20 random bytes, positive, without a leading
/// zero (so it encodes in exactly 20 bytes; 159 bits of randomness).
pub fn random_serial() -> Result<Vec<u8>> {
    let mut s = vec![0u8; 20];
    fill(&mut OsRng, &mut s)?;
    s[0] = (s[0] & 0x7f) | 0x40;
    Ok(s)
}

/// Who signs: the subject itself, or an issuing CA.
#[derive(Clone, Copy)]
pub enum Issuer<'a> {
    /// A self-signed certificate: issuer = subject, signed by the subject key.
    SelfSigned,
    /// Signed by the CA whose certificate this is.
    Ca(&'a Certificate),
}

/// Everything that varies per certificate. Build one with
/// [`CertificateBuilder::new`] and the setters.
#[derive(Clone, Debug)]
pub struct CertificateBuilder {
    profile: Profile,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    sans: Vec<GeneralName>,
    serial: Option<Vec<u8>>,
    not_before: Option<SystemTime>,
    not_after: Option<SystemTime>,
    days: Option<u32>,
    crl_urls: Vec<String>,
    ocsp_urls: Vec<String>,
    ca_issuers_urls: Vec<String>,
    name_constraints: Option<NameConstraints>,
    path_len: Option<Option<u8>>,
    extra: Vec<Extension>,
    sm2_id: Vec<u8>,
}

impl CertificateBuilder {
    /// A certificate of `profile` for `subject` and the public key `spki`.
    pub fn new(profile: Profile, subject: Name, spki: SubjectPublicKeyInfoOwned) -> Self {
        Self {
            profile,
            subject,
            spki,
            sans: Vec::new(),
            serial: None,
            not_before: None,
            not_after: None,
            days: None,
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            ca_issuers_urls: Vec::new(),
            name_constraints: None,
            path_len: None,
            extra: Vec::new(),
            sm2_id: X509_SM2_ID.to_vec(),
        }
    }

    /// Subject alternative names.
    pub fn subject_alt_names(mut self, sans: Vec<GeneralName>) -> Self {
        self.sans = sans;
        self
    }

    /// An explicit serial number (big-endian, positive); random otherwise.
    pub fn serial(mut self, serial: Vec<u8>) -> Self {
        self.serial = Some(serial);
        self
    }

    /// Valid for `days` days from the start (default: the profile's).
    pub fn days(mut self, days: u32) -> Self {
        self.days = Some(days);
        self
    }

    /// Start of validity (default: now).
    pub fn not_before(mut self, t: SystemTime) -> Self {
        self.not_before = Some(t);
        self
    }

    /// End of validity (overrides [`CertificateBuilder::days`]).
    pub fn not_after(mut self, t: SystemTime) -> Self {
        self.not_after = Some(t);
        self
    }

    /// CRL distribution point URLs.
    pub fn crl_urls(mut self, urls: Vec<String>) -> Self {
        self.crl_urls = urls;
        self
    }

    /// OCSP responder URLs (authorityInfoAccess).
    pub fn ocsp_urls(mut self, urls: Vec<String>) -> Self {
        self.ocsp_urls = urls;
        self
    }

    /// CA issuers URLs (authorityInfoAccess).
    pub fn ca_issuers_urls(mut self, urls: Vec<String>) -> Self {
        self.ca_issuers_urls = urls;
        self
    }

    /// Name constraints (CA profiles only): permitted and excluded subtrees.
    pub fn name_constraints(
        mut self,
        permitted: Vec<GeneralName>,
        excluded: Vec<GeneralName>,
    ) -> Self {
        let subtrees = |v: Vec<GeneralName>| {
            (!v.is_empty()).then(|| {
                v.into_iter()
                    .map(|base| GeneralSubtree {
                        base,
                        minimum: 0,
                        maximum: None,
                    })
                    .collect()
            })
        };
        self.name_constraints = Some(NameConstraints {
            permitted_subtrees: subtrees(permitted),
            excluded_subtrees: subtrees(excluded),
        });
        self
    }

    /// Overrides the profile's path length constraint (CA profiles).
    pub fn path_len(mut self, path_len: Option<u8>) -> Self {
        self.path_len = Some(path_len);
        self
    }

    /// Adds an extension the profile does not cover.
    pub fn extension(mut self, e: Extension) -> Self {
        self.extra.push(e);
        self
    }

    /// The SM2 ID to sign with (default 1234567812345678, GM/T 0009).
    pub fn sm2_id(mut self, id: &[u8]) -> Self {
        self.sm2_id = id.to_vec();
        self
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Builds the TBSCertificate DER without linting or signing.
    pub fn tbs_der(&self, issuer: Issuer<'_>, signer: &dyn Signer) -> Result<Vec<u8>> {
        let key_alg = alg::public_key_of(&self.spki)?.algorithm();
        let now = SystemTime::now();
        let not_before = self.not_before.unwrap_or(now);
        let days = self.days.unwrap_or(self.profile.default_days);
        let not_after = self
            .not_after
            .unwrap_or_else(|| time::add_days(not_before, days));
        if not_after <= not_before {
            return Err(Error::Invalid("validity ends before it starts".into()));
        }

        let (issuer_name, issuer_spki, issuer_ski) = match issuer {
            Issuer::SelfSigned => {
                if alg::spki_of(&signer.public_key())? != self.spki {
                    return Err(Error::Invalid(
                        "a self-signed certificate must be signed by its own key".into(),
                    ));
                }
                (self.subject.clone(), self.spki.clone(), None)
            }
            Issuer::Ca(ca) => {
                if alg::spki_of(&signer.public_key())?
                    != *ca.inner().tbs_certificate().subject_public_key_info()
                {
                    return Err(Error::Invalid(
                        "the signing key is not the key of the issuer certificate".into(),
                    ));
                }
                (
                    ca.subject().clone(),
                    ca.inner()
                        .tbs_certificate()
                        .subject_public_key_info()
                        .clone(),
                    ca.subject_key_id()?,
                )
            }
        };

        let serial = match &self.serial {
            Some(s) => s.clone(),
            None => random_serial()?,
        };
        let serial_number = SerialNumber::new(&serial)
            .map_err(|e| Error::Invalid(format!("serial number: {e}")))?;

        let mut exts = Vec::new();
        let p = &self.profile;
        if p.ca {
            let path_len = self.path_len.unwrap_or(p.path_len);
            exts.push(ext::make(
                oid::BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: true,
                    path_len_constraint: path_len,
                },
            )?);
        } else {
            exts.push(ext::make(
                oid::BASIC_CONSTRAINTS,
                true,
                &BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
            )?);
        }
        let ku = p.key_usage_for(key_alg);
        if ku.is_empty() {
            return Err(Error::Invalid(format!(
                "profile {} gives a {key_alg:?} key no usable key usage",
                p.name
            )));
        }
        exts.push(ext::make(oid::KEY_USAGE, true, &KeyUsage(ku))?);
        if !p.extended_key_usage.is_empty() {
            exts.push(ext::make(
                oid::EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(p.extended_key_usage.clone()),
            )?);
        }
        let ski = alg::key_identifier(&self.spki);
        exts.push(ext::make(
            oid::SUBJECT_KEY_ID,
            false,
            &SubjectKeyIdentifier(OctetString::new(ski.to_vec()).map_err(der_invalid)?),
        )?);
        let aki = issuer_ski.unwrap_or_else(|| alg::key_identifier(&issuer_spki).to_vec());
        exts.push(ext::make(
            oid::AUTHORITY_KEY_ID,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki).map_err(der_invalid)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
        if !self.sans.is_empty() {
            exts.push(ext::subject_alt_name(&self.subject, &self.sans)?);
        } else if p.require_san {
            return Err(Error::Invalid(format!(
                "profile {} requires a subject alternative name (DNS or IP)",
                p.name
            )));
        }
        if let Some(nc) = &self.name_constraints {
            if !p.ca {
                return Err(Error::Invalid(
                    "name constraints belong in CA certificates only".into(),
                ));
            }
            exts.push(ext::make(oid::NAME_CONSTRAINTS, true, nc)?);
        }
        if p.revocation_pointers && !self.crl_urls.is_empty() {
            let dps = self
                .crl_urls
                .iter()
                .map(|u| {
                    Ok(DistributionPoint {
                        distribution_point: Some(DistributionPointName::FullName(vec![uri(u)?])),
                        reasons: None,
                        crl_issuer: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            exts.push(ext::make(
                oid::CRL_DISTRIBUTION_POINTS,
                false,
                &CrlDistributionPoints(dps),
            )?);
        }
        if p.revocation_pointers && (!self.ocsp_urls.is_empty() || !self.ca_issuers_urls.is_empty())
        {
            let mut ads = Vec::new();
            for u in &self.ocsp_urls {
                ads.push(AccessDescription {
                    access_method: oid::AD_OCSP,
                    access_location: uri(u)?,
                });
            }
            for u in &self.ca_issuers_urls {
                ads.push(AccessDescription {
                    access_method: oid::AD_CA_ISSUERS,
                    access_location: uri(u)?,
                });
            }
            exts.push(ext::make(
                oid::AUTHORITY_INFO_ACCESS,
                false,
                &AuthorityInfoAccessSyntax(ads),
            )?);
        }
        if p.ocsp_nocheck {
            exts.push(ext::make(oid::OCSP_NOCHECK, false, &Null)?);
        }
        exts.extend(self.extra.iter().cloned());

        let tbs = TbsOut {
            version: Version::V3,
            serial_number,
            signature: alg::signature_algorithm_identifier(signer.algorithm()),
            issuer: issuer_name,
            validity: Validity::new(time::to_x509(not_before)?, time::to_x509(not_after)?),
            subject: self.subject.clone(),
            subject_public_key_info: self.spki.clone(),
            extensions: Some(exts),
        };
        tbs.to_der().map_err(der_invalid)
    }

    /// Lints and signs. The linter's errors refuse issuance
    /// ([`Error::Lint`]); its warnings do not.
    pub fn sign(&self, issuer: Issuer<'_>, signer: &dyn Signer) -> Result<Certificate> {
        let tbs = self.tbs_der(issuer, signer)?;
        let parsed = x509_cert::TbsCertificate::from_der(&tbs)
            .map_err(|e| Error::Invalid(format!("built an unreadable TBSCertificate: {e}")))?;
        let issuer_cert = match issuer {
            Issuer::SelfSigned => None,
            Issuer::Ca(c) => Some(c),
        };
        let findings = lint::lint_tbs(&parsed, issuer_cert, Some(&self.profile));
        if findings.iter().any(|f| f.severity == Severity::Error) {
            return Err(Error::Lint(findings));
        }
        sign_tbs(&tbs, signer, &self.sm2_id)
    }
}

fn der_invalid(e: der::Error) -> Error {
    Error::Invalid(format!("DER encoding: {e}"))
}

fn uri(u: &str) -> Result<GeneralName> {
    if !u.contains(':') || u.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(Error::Invalid(format!("{u:?} is not a URL")));
    }
    Ok(GeneralName::UniformResourceIdentifier(
        Ia5String::new(u).map_err(|_| Error::Invalid(format!("{u:?} is not ASCII")))?,
    ))
}

/// Signs TBSCertificate DER as it is, without linting: for tools and tests
/// that need certificates the builder would refuse.
pub fn sign_tbs(tbs: &[u8], signer: &dyn Signer, sm2_id: &[u8]) -> Result<Certificate> {
    let sig = signer.sign(sm2_id, tbs)?;
    let signed = Signed {
        tbs: AnyRef::from_der(tbs).map_err(crate::error::malformed("TBSCertificate"))?,
        alg: alg::signature_algorithm_identifier(signer.algorithm()),
        sig: BitString::from_bytes(&sig).map_err(der_invalid)?,
    };
    Certificate::from_der(&signed.to_der().map_err(der_invalid)?)
}
