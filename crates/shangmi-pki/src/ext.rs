//! X.509 extensions: building them, finding them, naming key usages.

use crate::{Error, Result, oid};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

/// Builds an extension with DER value `value`.
pub fn make<T: Encode>(id: ObjectIdentifier, critical: bool, value: &T) -> Result<Extension> {
    let der = value
        .to_der()
        .map_err(|e| Error::Invalid(format!("cannot encode extension {}: {e}", oid::name(&id))))?;
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(der)
            .map_err(|e| Error::Invalid(format!("extension {}: {e}", oid::name(&id))))?,
    })
}

/// The subjectAltName extension for `sans` under `subject`: critical only
/// when the subject is empty (RFC 5280, 4.2.1.6).
pub fn subject_alt_name(
    subject: &x509_cert::name::Name,
    sans: &[x509_cert::ext::pkix::name::GeneralName],
) -> Result<Extension> {
    make(
        oid::SUBJECT_ALT_NAME,
        subject.is_empty(),
        &x509_cert::ext::pkix::SubjectAltName(sans.to_vec()),
    )
}

/// Finds the extension `id` in `exts`. An extension that appears twice is an
/// error (RFC 5280, 4.2).
pub fn find<'a>(exts: &'a [Extension], id: &ObjectIdentifier) -> Result<Option<&'a Extension>> {
    let mut it = exts.iter().filter(|e| e.extn_id == *id);
    let first = it.next();
    if it.next().is_some() {
        return Err(Error::Malformed(format!(
            "extension {} appears more than once",
            oid::name(id)
        )));
    }
    Ok(first)
}

/// Finds and decodes extension `id`: `(critical, value)`.
pub fn get<T: for<'a> Decode<'a, Error = der::Error>>(
    exts: &[Extension],
    id: &ObjectIdentifier,
) -> Result<Option<(bool, T)>> {
    match find(exts, id)? {
        None => Ok(None),
        Some(e) => {
            let v = T::from_der(e.extn_value.as_bytes())
                .map_err(|err| Error::Malformed(format!("extension {}: {err}", oid::name(id))))?;
            Ok(Some((e.critical, v)))
        }
    }
}

/// Every key usage bit with the name OpenSSL prints and the name used in
/// configuration (`digitalSignature`, ...).
pub const KEY_USAGE_NAMES: &[(KeyUsages, &str, &str)] = &[
    (
        KeyUsages::DigitalSignature,
        "Digital Signature",
        "digitalSignature",
    ),
    (
        KeyUsages::NonRepudiation,
        "Non Repudiation",
        "nonRepudiation",
    ),
    (
        KeyUsages::KeyEncipherment,
        "Key Encipherment",
        "keyEncipherment",
    ),
    (
        KeyUsages::DataEncipherment,
        "Data Encipherment",
        "dataEncipherment",
    ),
    (KeyUsages::KeyAgreement, "Key Agreement", "keyAgreement"),
    (KeyUsages::KeyCertSign, "Certificate Sign", "keyCertSign"),
    (KeyUsages::CRLSign, "CRL Sign", "cRLSign"),
    (KeyUsages::EncipherOnly, "Encipher Only", "encipherOnly"),
    (KeyUsages::DecipherOnly, "Decipher Only", "decipherOnly"),
];

/// The key usage bits as OpenSSL prints them, comma-separated.
pub fn key_usage_text(ku: &KeyUsage) -> String {
    KEY_USAGE_NAMES
        .iter()
        .filter(|(b, _, _)| ku.0.contains(*b))
        .map(|(_, n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a key usage name (`digitalSignature`, `keyCertSign`, ...).
pub fn key_usage_from_name(name: &str) -> Result<KeyUsages> {
    KEY_USAGE_NAMES
        .iter()
        .find(|(_, _, n)| n.eq_ignore_ascii_case(name))
        .map(|(b, _, _)| *b)
        .ok_or_else(|| Error::Invalid(format!("unknown key usage {name:?}")))
}

/// Parses an extended key usage name (`serverAuth`, `clientAuth`,
/// `codeSigning`, `emailProtection`, `timeStamping`, `OCSPSigning`) or a
/// dotted OID.
pub fn eku_from_name(name: &str) -> Result<ObjectIdentifier> {
    let known = [
        ("serverAuth", oid::EKU_SERVER_AUTH),
        ("clientAuth", oid::EKU_CLIENT_AUTH),
        ("codeSigning", oid::EKU_CODE_SIGNING),
        ("emailProtection", oid::EKU_EMAIL_PROTECTION),
        ("timeStamping", oid::EKU_TIME_STAMPING),
        ("OCSPSigning", oid::EKU_OCSP_SIGNING),
    ];
    if let Some((_, o)) = known.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Ok(*o);
    }
    ObjectIdentifier::new(name)
        .map_err(|_| Error::Invalid(format!("unknown extended key usage {name:?}")))
}
