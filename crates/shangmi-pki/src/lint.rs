//! The issuance linter: RFC 5280 structure and the GM/T 0015 profile,
//! checked on the to-be-signed certificate before anything is signed.
//!
//! Each finding has a stable code (`serial.not_positive`, ...), a severity
//! and a message. The builder refuses to sign when any finding is an
//! [`Severity::Error`]; warnings and notices are reported.

use crate::alg::{self, SigAlgId};
use crate::cert::Certificate;
use crate::name::names_match;
use crate::profile::Profile;
use crate::{ext, oid};
use der::asn1::ObjectIdentifier;
use der::{Encode, Tag, Tagged};
use shangmi::alg::SignatureAlgorithm;
use std::collections::HashSet;
use x509_cert::TbsCertificate;
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    NameConstraints, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::time::Time;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; not a defect.
    Notice,
    /// Against a SHOULD, or likely to cause trouble with some relying parties.
    Warning,
    /// Against a MUST of RFC 5280 or GM/T 0015: issuance is refused.
    Error,
}

/// One finding of the linter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// A stable code, e.g. `serial.not_positive`.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        };
        write!(f, "{s}: [{}] {}", self.code, self.message)
    }
}

struct Out(Vec<Finding>);

impl Out {
    fn push(&mut self, severity: Severity, code: &'static str, message: impl Into<String>) {
        self.0.push(Finding {
            severity,
            code,
            message: message.into(),
        });
    }
    fn error(&mut self, code: &'static str, m: impl Into<String>) {
        self.push(Severity::Error, code, m)
    }
    fn warn(&mut self, code: &'static str, m: impl Into<String>) {
        self.push(Severity::Warning, code, m)
    }
}

/// Lints a signed certificate (its TBS part, against its issuer when given).
pub fn lint_certificate(cert: &Certificate, issuer: Option<&Certificate>) -> Vec<Finding> {
    let mut f = lint_tbs(cert.inner().tbs_certificate(), issuer, None);
    if cert.inner().signature_algorithm() != cert.inner().tbs_certificate().signature() {
        f.push(Finding {
            severity: Severity::Error,
            code: "sigalg.outer_mismatch",
            message: "signatureAlgorithm differs from the TBS signature field".into(),
        });
    }
    f
}

const KNOWN_EXTENSIONS: &[ObjectIdentifier] = &[
    oid::BASIC_CONSTRAINTS,
    oid::KEY_USAGE,
    oid::EXT_KEY_USAGE,
    oid::SUBJECT_KEY_ID,
    oid::AUTHORITY_KEY_ID,
    oid::SUBJECT_ALT_NAME,
    oid::ISSUER_ALT_NAME,
    oid::NAME_CONSTRAINTS,
    oid::CRL_DISTRIBUTION_POINTS,
    oid::CERTIFICATE_POLICIES,
    oid::POLICY_CONSTRAINTS,
    oid::INHIBIT_ANY_POLICY,
    oid::AUTHORITY_INFO_ACCESS,
    oid::FRESHEST_CRL,
    oid::OCSP_NOCHECK,
];

fn time_encoding_ok(t: &Time) -> bool {
    let year = t.to_date_time().year();
    match t {
        Time::UtcTime(_) => year < 2050,
        Time::GeneralTime(_) => year >= 2050,
    }
}

/// Lints a TBSCertificate. `issuer` is the issuing CA's certificate (None
/// for a self-signed certificate); `profile` adds the profile's limits.
pub fn lint_tbs(
    tbs: &TbsCertificate,
    issuer: Option<&Certificate>,
    profile: Option<&Profile>,
) -> Vec<Finding> {
    let mut o = Out(Vec::new());
    let exts = tbs.extensions().map(|e| &e[..]).unwrap_or(&[]);

    // Version.
    if tbs.version() != Version::V3 {
        o.error("version.not_v3", "certificates with extensions must be v3");
    }
    if tbs.issuer_unique_id().is_some() || tbs.subject_unique_id().is_some() {
        o.error(
            "unique_id.present",
            "CAs must not generate unique identifiers (RFC 5280 4.1.2.8)",
        );
    }

    // Serial number.
    let serial = tbs.serial_number().as_bytes();
    let serial_der = tbs.serial_number().to_der().unwrap_or_default();
    let value = serial_der.get(2..).unwrap_or(&[]);
    if value.first().is_some_and(|b| b & 0x80 != 0) {
        o.error("serial.not_positive", "the serial number is negative");
    } else if serial.iter().all(|b| *b == 0) {
        o.error("serial.not_positive", "the serial number is zero");
    }
    if value.len() > 20 {
        o.error(
            "serial.too_long",
            format!("the serial number is {} bytes; at most 20", value.len()),
        );
    }
    if value.len() < 8 {
        o.warn(
            "serial.low_entropy",
            "the serial number has fewer than 64 bits",
        );
    }

    // Validity.
    let v = tbs.validity();
    if v.not_after.to_unix_duration() <= v.not_before.to_unix_duration() {
        o.error("validity.order", "notAfter is not after notBefore");
    }
    if !time_encoding_ok(&v.not_before) || !time_encoding_ok(&v.not_after) {
        o.error(
            "validity.time_encoding",
            "dates through 2049 must be UTCTime, from 2050 GeneralizedTime (RFC 5280 4.1.2.5)",
        );
    }
    let days = (v.not_after.to_unix_duration().as_secs())
        .saturating_sub(v.not_before.to_unix_duration().as_secs())
        / 86_400;
    if let Some(p) = profile
        && days > u64::from(p.max_days)
    {
        o.error(
            "validity.exceeds_profile",
            format!(
                "valid for {days} days; profile {} allows {}",
                p.name, p.max_days
            ),
        );
    }

    // Signature algorithm field.
    let sig = tbs.signature();
    match alg::signature_algorithm_of(sig) {
        Ok(SigAlgId::Sm2Sm3) if sig.parameters.is_some() => o.error(
            "sigalg.sm2_parameters",
            "sm2sign-with-sm3 must have no parameters (GM/T 0015); NULL is read but never written",
        ),
        Ok(_) => {}
        Err(e) => o.error("sigalg.unknown", e.to_string()),
    }

    // Subject public key.
    let spki = tbs.subject_public_key_info();
    let key_alg = match alg::public_key_of(spki) {
        Ok(k) => Some(k.algorithm()),
        Err(e) => {
            o.error("spki.invalid", format!("subject public key: {e}"));
            None
        }
    };
    if !alg::spki_is_canonical(spki) {
        o.error(
            "spki.sm2_oid_as_algorithm",
            "an SM2 key must be id-ecPublicKey with the sm2p256v1 curve, not the sm2 OID as algorithm",
        );
    }
    if key_alg == Some(SignatureAlgorithm::Sm2Sm3)
        && spki.subject_public_key.raw_bytes().first() != Some(&4)
    {
        o.error(
            "spki.sm2_point_form",
            "GM/T 0015: the SM2 point must be uncompressed (04||X||Y)",
        );
    }

    // Extensions: duplicates and unknown critical ones.
    let mut seen = HashSet::new();
    for e in exts {
        if !seen.insert(e.extn_id) {
            o.error(
                "ext.duplicate",
                format!("extension {} appears twice", oid::name(&e.extn_id)),
            );
        }
        if e.critical && !KNOWN_EXTENSIONS.contains(&e.extn_id) {
            o.warn(
                "ext.unknown_critical",
                format!(
                    "critical extension {} will be rejected by most relying parties",
                    e.extn_id
                ),
            );
        }
    }
    let get_raw = |id: &ObjectIdentifier| exts.iter().find(|e| e.extn_id == *id);
    macro_rules! decode {
        ($t:ty, $id:expr) => {
            match ext::get::<$t>(exts, &$id) {
                Ok(v) => v,
                Err(e) => {
                    if !matches!(&e, crate::Error::Malformed(m) if m.contains("more than once")) {
                        o.error("ext.malformed", e.to_string());
                    }
                    None
                }
            }
        };
    }
    let bc = decode!(BasicConstraints, oid::BASIC_CONSTRAINTS);
    let ku = decode!(KeyUsage, oid::KEY_USAGE);
    let eku = decode!(ExtendedKeyUsage, oid::EXT_KEY_USAGE);
    let ski = decode!(SubjectKeyIdentifier, oid::SUBJECT_KEY_ID);
    let aki = decode!(AuthorityKeyIdentifier, oid::AUTHORITY_KEY_ID);
    let san = decode!(SubjectAltName, oid::SUBJECT_ALT_NAME);
    let nc = decode!(NameConstraints, oid::NAME_CONSTRAINTS);

    let is_ca = bc.as_ref().is_some_and(|(_, b)| b.ca);
    let cert_sign = ku
        .as_ref()
        .is_some_and(|(_, k)| k.0.contains(KeyUsages::KeyCertSign));

    // Basic constraints.
    match &bc {
        Some((critical, b)) => {
            if b.ca && !critical {
                o.error(
                    "bc.not_critical",
                    "basicConstraints must be critical in a CA certificate",
                );
            }
            if !b.ca && b.path_len_constraint.is_some() {
                o.error(
                    "bc.pathlen_without_ca",
                    "pathLenConstraint requires cA TRUE",
                );
            }
            if b.ca && b.path_len_constraint.is_some() && !cert_sign {
                o.error(
                    "bc.pathlen_without_certsign",
                    "pathLenConstraint requires keyCertSign",
                );
            }
        }
        None if cert_sign => o.error(
            "bc.missing_in_ca",
            "a key that signs certificates needs basicConstraints cA TRUE",
        ),
        None => {}
    }

    // Key usage.
    match &ku {
        None => {
            if is_ca {
                o.error(
                    "ku.missing_in_ca",
                    "a CA certificate must carry keyUsage (RFC 5280 4.2.1.3)",
                );
            } else {
                o.warn(
                    "ku.missing",
                    "GM/T 0015 expects keyUsage in every certificate",
                );
            }
        }
        Some((critical, k)) => {
            if k.0.is_empty() {
                o.error("ku.empty", "keyUsage has no bit set");
            }
            if !critical {
                o.warn("ku.not_critical", "keyUsage should be critical");
            }
            if is_ca && !k.key_cert_sign() {
                o.error(
                    "ku.ca_without_certsign",
                    "a CA certificate needs keyCertSign",
                );
            }
            if !is_ca && k.key_cert_sign() {
                o.error(
                    "ku.certsign_without_ca",
                    "keyCertSign requires basicConstraints cA TRUE",
                );
            }
            if (k.encipher_only() || k.decipher_only()) && !k.key_agreement() {
                o.error(
                    "ku.only_without_agreement",
                    "encipherOnly/decipherOnly need keyAgreement",
                );
            }
            match key_alg {
                Some(SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha384)
                    if k.key_encipherment() || k.data_encipherment() =>
                {
                    o.error(
                        "ku.inconsistent_with_key",
                        "an ECDSA key cannot do keyEncipherment or dataEncipherment (RFC 5480)",
                    )
                }
                Some(SignatureAlgorithm::Ed25519)
                    if k.key_encipherment()
                        || k.data_encipherment()
                        || k.key_agreement()
                        || k.encipher_only()
                        || k.decipher_only() =>
                {
                    o.error(
                        "ku.inconsistent_with_key",
                        "an Ed25519 key only signs (RFC 8410)",
                    )
                }
                _ => {}
            }
            let signs =
                k.digital_signature() || k.non_repudiation() || k.key_cert_sign() || k.crl_sign();
            let encrypts = k.key_encipherment() || k.data_encipherment() || k.key_agreement();
            if signs && encrypts && key_alg == Some(SignatureAlgorithm::Sm2Sm3) {
                o.warn(
                    "gm.dual_certificate",
                    "GM/T 0015 separates signing and encryption keys into two certificates",
                );
            }
        }
    }

    // Extended key usage.
    if let Some((critical, e)) = &eku {
        if e.0.is_empty() {
            o.error("eku.empty", "extendedKeyUsage has no purpose");
        }
        if *critical && e.0.contains(&oid::EKU_ANY) {
            o.error(
                "eku.any_critical",
                "anyExtendedKeyUsage must not be in a critical extension",
            );
        }
        if is_ca {
            o.warn(
                "eku.in_ca",
                "extendedKeyUsage in a CA certificate constrains every path below it",
            );
        }
        let k = ku.as_ref().map(|(_, k)| *k);
        let needs_sig = [
            oid::EKU_SERVER_AUTH,
            oid::EKU_CLIENT_AUTH,
            oid::EKU_CODE_SIGNING,
            oid::EKU_OCSP_SIGNING,
            oid::EKU_TIME_STAMPING,
        ];
        for purpose in e.0.iter().filter(|p| needs_sig.contains(p)) {
            if let Some(k) = k {
                let ok = k.digital_signature()
                    || (*purpose == oid::EKU_CLIENT_AUTH || *purpose == oid::EKU_SERVER_AUTH)
                        && k.key_agreement();
                if !ok {
                    o.error(
                        "eku.ku_mismatch",
                        format!("{} needs digitalSignature in keyUsage", oid::name(purpose)),
                    );
                }
            }
        }
    }

    // Key identifiers.
    match &ski {
        Some((critical, s)) => {
            if *critical {
                o.error("ski.critical", "subjectKeyIdentifier must not be critical");
            }
            if s.0.as_bytes().is_empty() {
                o.error("ski.empty", "subjectKeyIdentifier is empty");
            }
        }
        None if is_ca => o.error(
            "ski.missing",
            "a CA certificate must carry subjectKeyIdentifier",
        ),
        None => o.warn("ski.missing", "subjectKeyIdentifier should be present"),
    }
    let self_issued = issuer.is_none_or(|i| names_match(i.subject(), tbs.issuer()))
        && names_match(tbs.subject(), tbs.issuer());
    match &aki {
        Some((critical, a)) => {
            if *critical {
                o.error(
                    "aki.critical",
                    "authorityKeyIdentifier must not be critical",
                );
            }
            if a.key_identifier.is_none() {
                o.error(
                    "aki.no_key_id",
                    "authorityKeyIdentifier must carry keyIdentifier",
                );
            }
        }
        None if !self_issued || issuer.is_some() => o.error(
            "aki.missing",
            "authorityKeyIdentifier must be present except in self-signed certificates",
        ),
        None => {}
    }

    // Names.
    let san_names = san.as_ref().map(|(_, s)| s.0.clone()).unwrap_or_default();
    if tbs.subject().is_empty() {
        match &san {
            None => o.error(
                "subject.empty_without_san",
                "an empty subject requires subjectAltName",
            ),
            Some((false, _)) => o.error(
                "san.not_critical",
                "subjectAltName must be critical when the subject is empty",
            ),
            _ => {}
        }
        if is_ca {
            o.error("subject.empty_ca", "a CA must have a non-empty subject");
        }
    }
    if let Some((critical, s)) = &san {
        if s.0.is_empty() {
            o.error("san.empty", "subjectAltName has no name");
        }
        if *critical && !tbs.subject().is_empty() {
            o.warn(
                "san.critical",
                "subjectAltName should not be critical when the subject is set",
            );
        }
    }
    for g in &san_names {
        let text = match g {
            GeneralName::DnsName(d) => d.as_str(),
            GeneralName::UniformResourceIdentifier(u) => u.as_str(),
            GeneralName::Rfc822Name(m) => m.as_str(),
            _ => "",
        };
        if text.chars().any(|c| c.is_control() || c == ' ') {
            o.error(
                "san.control_characters",
                format!("alternative name {text:?} contains spaces or control characters"),
            );
        }
        match g {
            GeneralName::DnsName(d)
                if crate::name::parse_general_name(&format!("DNS:{d}")).is_err() =>
            {
                o.error("san.dns_syntax", format!("bad DNS name {:?}", d.as_str()));
            }
            GeneralName::IpAddress(ip) if ip.as_bytes().len() != 4 && ip.as_bytes().len() != 16 => {
                o.error("san.ip_length", "an IP address must be 4 or 16 bytes");
            }
            GeneralName::UniformResourceIdentifier(u) if !u.as_str().contains(':') => {
                o.error("san.uri_syntax", format!("bad URI {:?}", u.as_str()));
            }
            GeneralName::Rfc822Name(m) if !m.as_str().contains('@') => {
                o.error(
                    "san.email_syntax",
                    format!("bad e-mail address {:?}", m.as_str()),
                );
            }
            _ => {}
        }
    }
    if let Some(p) = profile
        && p.require_san
        && san_names.is_empty()
    {
        o.error(
            "san.required",
            format!("profile {} requires a subjectAltName", p.name),
        );
    }
    for rdn in tbs.subject().iter_rdn() {
        for atv in rdn.iter() {
            let tag = atv.value.tag();
            let text = std::str::from_utf8(atv.value.value()).unwrap_or("");
            if text.chars().any(|c| c.is_control()) {
                o.error(
                    "subject.control_characters",
                    format!("attribute {} contains control characters", atv.oid),
                );
            }
            // RFC 5280 appendix A upper bounds.
            let ub = match atv.oid.to_string().as_str() {
                "2.5.4.3" | "2.5.4.10" | "2.5.4.11" | "2.5.4.5" | "2.5.4.12" => 64,
                "2.5.4.7" | "2.5.4.8" => 128,
                "1.2.840.113549.1.9.1" => 255,
                _ => 32768,
            };
            if text.chars().count() > ub {
                o.error(
                    "subject.attribute_too_long",
                    format!("attribute {} is longer than its upper bound {ub}", atv.oid),
                );
            }
            if atv.oid == oid::AT_COUNTRY && tag != Tag::PrintableString {
                o.error(
                    "subject.country_encoding",
                    "countryName must be a PrintableString",
                );
            }
            if ![Tag::Utf8String, Tag::PrintableString, Tag::Ia5String].contains(&tag) {
                o.warn(
                    "subject.string_type",
                    format!("attribute {} uses {tag}", atv.oid),
                );
            }
        }
    }

    // Name constraints.
    if let Some((critical, n)) = &nc {
        if !is_ca {
            o.error(
                "nc.in_end_entity",
                "nameConstraints belong in CA certificates only",
            );
        }
        if !critical {
            o.error(
                "nc.not_critical",
                "nameConstraints must be critical (RFC 5280 4.2.1.10)",
            );
        }
        if n.permitted_subtrees.is_none() && n.excluded_subtrees.is_none() {
            o.error(
                "nc.empty",
                "nameConstraints must have permitted or excluded subtrees",
            );
        }
    }

    // Revocation pointers.
    if !is_ca
        && get_raw(&oid::CRL_DISTRIBUTION_POINTS).is_none()
        && get_raw(&oid::AUTHORITY_INFO_ACCESS).is_none()
        && get_raw(&oid::OCSP_NOCHECK).is_none()
    {
        o.push(
            Severity::Notice,
            "revocation.no_pointer",
            "no CRL distribution point or OCSP URL: relying parties cannot find revocation status",
        );
    }

    // Against the issuer.
    if let Some(i) = issuer {
        if !names_match(i.subject(), tbs.issuer()) {
            o.error(
                "issuer.name_mismatch",
                "issuer differs from the issuing certificate's subject",
            );
        }
        if !i.is_ca() {
            o.error(
                "issuer.not_ca",
                "the issuing certificate is not a CA (basicConstraints)",
            );
        }
        if let Ok(Some(k)) = i.key_usage()
            && !k.key_cert_sign()
        {
            o.error(
                "issuer.no_certsign",
                "the issuing certificate lacks keyCertSign",
            );
        }
        if let Ok(Some((_, ibc))) = i.basic_constraints()
            && is_ca
            && ibc.path_len_constraint == Some(0)
            && !self_issued
        {
            o.error(
                "issuer.pathlen",
                "the issuer's pathLenConstraint 0 forbids issuing another CA",
            );
        }
        if let (Ok(Some(iski)), Some((_, a))) = (i.subject_key_id(), &aki)
            && a.key_identifier.as_ref().map(|k| k.as_bytes()) != Some(&iski[..])
        {
            o.error(
                "aki.mismatch",
                "authorityKeyIdentifier differs from the issuer's subjectKeyIdentifier",
            );
        }
        if let (Ok(named), Ok(ikey)) = (alg::signature_algorithm_of(sig), i.public_key())
            && named.key_algorithm() != ikey.algorithm()
        {
            o.error(
                "sigalg.issuer_key",
                "the signature algorithm does not match the issuer's key",
            );
        }
        if v.not_after.to_unix_duration()
            > i.inner()
                .tbs_certificate()
                .validity()
                .not_after
                .to_unix_duration()
        {
            o.warn("issuer.outlived", "the certificate outlives its issuer");
        }
    }
    o.0
}
