//! Certificate profiles as data: what a certificate of each kind carries.
//!
//! A profile says whether the subject is a CA, its path length, key usage,
//! extended key usage, validity limits and which names it needs. The
//! certificate builder reads it; no code path is specific to a profile.
//! The named profiles cover the device-identity PKI of an IoT deployment
//! (root and issuing CAs, terminals, gateways, platforms, TLS clients,
//! firmware signing, OCSP responders) and the two certificates of the
//! dual-certificate system (signing and encryption).

use crate::{Error, Result, oid};
use der::asn1::ObjectIdentifier;
use der::flagset::FlagSet;
use shangmi::alg::SignatureAlgorithm;
use x509_cert::ext::pkix::KeyUsages;

/// What a certificate of one kind carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name (`device`, `root-ca`, ...).
    pub name: String,
    /// One line for people.
    pub description: String,
    /// Whether the subject is a CA (basicConstraints cA).
    pub ca: bool,
    /// The path length constraint of a CA certificate.
    pub path_len: Option<u8>,
    /// Key usage bits (before [`Profile::key_usage_for`] drops the ones
    /// the key's algorithm cannot do).
    pub key_usage: FlagSet<KeyUsages>,
    /// Extended key usages; none when empty.
    pub extended_key_usage: Vec<ObjectIdentifier>,
    /// Validity when the request does not say.
    pub default_days: u32,
    /// The longest validity this profile allows.
    pub max_days: u32,
    /// Whether a subjectAltName is required (TLS servers, gateways).
    pub require_san: bool,
    /// Whether to add id-pkix-ocsp-nocheck (delegated OCSP responders).
    pub ocsp_nocheck: bool,
    /// Whether certificates carry the CRL distribution point and the AIA
    /// (OCSP, CA issuers) URLs of their issuer, when the issuer has them.
    pub revocation_pointers: bool,
}

/// The names of the built-in profiles.
pub const NAMES: &[&str] = &[
    "root-ca",
    "issuing-ca",
    "device",
    "gateway",
    "platform",
    "tls-server",
    "tls-client",
    "code-signing",
    "sign",
    "encrypt",
    "ocsp-responder",
];

fn ku(bits: &[KeyUsages]) -> FlagSet<KeyUsages> {
    bits.iter().fold(FlagSet::default(), |a, b| a | *b)
}

impl Profile {
    /// A built-in profile by name (see [`NAMES`]).
    pub fn named(name: &str) -> Result<Profile> {
        use KeyUsages::*;
        let p = |desc: &str,
                 ca: bool,
                 path_len: Option<u8>,
                 key_usage: FlagSet<KeyUsages>,
                 eku: &[ObjectIdentifier],
                 default_days: u32,
                 max_days: u32,
                 require_san: bool| Profile {
            name: name.to_string(),
            description: desc.to_string(),
            ca,
            path_len,
            key_usage,
            extended_key_usage: eku.to_vec(),
            default_days,
            max_days,
            require_san,
            ocsp_nocheck: false,
            revocation_pointers: !ca || path_len.is_some(),
        };
        let profile = match name {
            "root-ca" => p(
                "self-signed root CA",
                true,
                None,
                ku(&[DigitalSignature, KeyCertSign, CRLSign]),
                &[],
                7300,
                10950,
                false,
            ),
            "issuing-ca" => p(
                "issuing (intermediate) CA that signs end-entity certificates",
                true,
                Some(0),
                ku(&[DigitalSignature, KeyCertSign, CRLSign]),
                &[],
                3650,
                7300,
                false,
            ),
            "device" => p(
                "terminal device identity (TLS client, signatures)",
                false,
                None,
                ku(&[DigitalSignature]),
                &[oid::EKU_CLIENT_AUTH],
                365,
                7300,
                false,
            ),
            "gateway" => p(
                "IoT gateway: TLS server towards devices, TLS client towards the platform",
                false,
                None,
                ku(&[DigitalSignature]),
                &[oid::EKU_SERVER_AUTH, oid::EKU_CLIENT_AUTH],
                365,
                1825,
                true,
            ),
            "platform" | "tls-server" => p(
                "platform / TLS server",
                false,
                None,
                ku(&[DigitalSignature]),
                &[oid::EKU_SERVER_AUTH],
                365,
                825,
                true,
            ),
            "tls-client" => p(
                "TLS client",
                false,
                None,
                ku(&[DigitalSignature]),
                &[oid::EKU_CLIENT_AUTH],
                365,
                1825,
                false,
            ),
            "code-signing" => p(
                "code and firmware signing",
                false,
                None,
                ku(&[DigitalSignature]),
                &[oid::EKU_CODE_SIGNING],
                1095,
                1825,
                false,
            ),
            "sign" => p(
                "signing certificate of the dual-certificate system",
                false,
                None,
                ku(&[DigitalSignature, NonRepudiation]),
                &[],
                365,
                1825,
                false,
            ),
            "encrypt" => p(
                "encryption certificate of the dual-certificate system",
                false,
                None,
                ku(&[KeyEncipherment, DataEncipherment, KeyAgreement]),
                &[],
                365,
                1825,
                false,
            ),
            "ocsp-responder" => {
                let mut r = p(
                    "delegated OCSP responder",
                    false,
                    None,
                    ku(&[DigitalSignature]),
                    &[oid::EKU_OCSP_SIGNING],
                    90,
                    365,
                    false,
                );
                r.ocsp_nocheck = true;
                r.revocation_pointers = false;
                r
            }
            other => {
                return Err(Error::Invalid(format!(
                    "unknown profile {other:?} (known: {})",
                    NAMES.join(", ")
                )));
            }
        };
        Ok(profile)
    }

    /// The key usage written for a key of `alg`: bits that the algorithm
    /// cannot do are dropped (RFC 5480 and RFC 8410: no key or data
    /// encipherment for ECDSA keys, no encipherment or agreement for
    /// Ed25519; SM2 encrypts, so it keeps them).
    pub fn key_usage_for(&self, alg: SignatureAlgorithm) -> FlagSet<KeyUsages> {
        let mut k = self.key_usage;
        match alg {
            SignatureAlgorithm::Sm2Sm3 => {}
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha384 => {
                k -= KeyUsages::KeyEncipherment;
                k -= KeyUsages::DataEncipherment;
            }
            SignatureAlgorithm::Ed25519 => {
                k -= KeyUsages::KeyEncipherment;
                k -= KeyUsages::DataEncipherment;
                k -= KeyUsages::KeyAgreement;
                k -= KeyUsages::EncipherOnly;
                k -= KeyUsages::DecipherOnly;
            }
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_profile_exists_and_unknown_is_an_error() {
        for n in NAMES {
            let p = Profile::named(n).unwrap();
            assert!(p.default_days <= p.max_days, "{n}");
            assert!(!p.key_usage.is_empty(), "{n}");
            assert_eq!(p.ca, p.key_usage.contains(KeyUsages::KeyCertSign), "{n}");
        }
        assert!(Profile::named("nope").is_err());
    }

    #[test]
    fn encryption_bits_follow_the_key() {
        let p = Profile::named("encrypt").unwrap();
        assert!(
            p.key_usage_for(SignatureAlgorithm::Sm2Sm3)
                .contains(KeyUsages::KeyEncipherment)
        );
        let ec = p.key_usage_for(SignatureAlgorithm::EcdsaP256Sha256);
        assert!(!ec.contains(KeyUsages::KeyEncipherment) && ec.contains(KeyUsages::KeyAgreement));
        assert!(p.key_usage_for(SignatureAlgorithm::Ed25519).is_empty());
    }
}
