//! Object identifiers this crate reads and writes.
//!
//! The ShangMi arc is 1.2.156.10197 (GB/T 33560); the GM/T 0010 content
//! types live under 1.2.156.10197.6.1.4.2.

use der::asn1::ObjectIdentifier as Oid;

/// sm2sign-with-sm3, the signature algorithm of SM2 X.509 objects.
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// The sm2p256v1 curve (SPKI parameters of an SM2 key).
pub const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// SM2-1, the SM2 signature scheme.
pub const SM2_SIGN: Oid = Oid::new_unwrap("1.2.156.10197.1.301.1");
/// SM2-3, SM2 public-key encryption (GB/T 33560).
pub const SM2_ENCRYPT: Oid = Oid::new_unwrap("1.2.156.10197.1.301.3");
/// SM2 encryption as GmSSL labels it (really SM2-2, key exchange);
/// accepted on input, never written.
pub const SM2_ENCRYPT_GMSSL: Oid = Oid::new_unwrap("1.2.156.10197.1.301.2");
/// SM3.
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
/// SM4-CBC.
pub const SM4_CBC: Oid = Oid::new_unwrap("1.2.156.10197.1.104.2");
/// SM4-GCM.
pub const SM4_GCM: Oid = Oid::new_unwrap("1.2.156.10197.1.104.8");

/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// NIST P-256.
pub const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// NIST P-384.
pub const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
/// ecdsa-with-SHA256.
pub const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384.
pub const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
/// Ed25519.
pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
/// SHA-1 (OCSP CertID, as OpenSSL sends it by default).
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// SHA-256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// SHA-384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// SHA-512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// AES-128-CBC.
pub const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
/// AES-256-CBC.
pub const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
/// AES-128 key wrap (RFC 3394).
pub const AES128_WRAP: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.5");
/// AES-256 key wrap (RFC 3394).
pub const AES256_WRAP: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.45");
/// dhSinglePass-stdDH-sha1kdf-scheme (RFC 5753).
pub const ECDH_SHA1KDF: Oid = Oid::new_unwrap("1.3.133.16.840.63.0.2");
/// dhSinglePass-stdDH-sha256kdf-scheme (RFC 5753).
pub const ECDH_SHA256KDF: Oid = Oid::new_unwrap("1.3.132.1.11.1");
/// dhSinglePass-stdDH-sha384kdf-scheme (RFC 5753).
pub const ECDH_SHA384KDF: Oid = Oid::new_unwrap("1.3.132.1.11.2");

/// PKCS#9 challengePassword.
pub const CHALLENGE_PASSWORD: Oid = Oid::new_unwrap("1.2.840.113549.1.9.7");
/// PKCS#9 extensionRequest.
pub const EXTENSION_REQUEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.14");
/// PKCS#9 contentType attribute.
pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// PKCS#9 messageDigest attribute.
pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// PKCS#9 signingTime attribute.
pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// CMS id-data.
pub const CMS_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// CMS id-signedData.
pub const CMS_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// CMS id-envelopedData.
pub const CMS_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.3");
/// GM/T 0010 data.
pub const GM_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.1");
/// GM/T 0010 signedData.
pub const GM_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.2");
/// GM/T 0010 envelopedData.
pub const GM_ENVELOPED_DATA: Oid = Oid::new_unwrap("1.2.156.10197.6.1.4.2.3");

/// Basic constraints.
pub const BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// Key usage.
pub const KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// Extended key usage.
pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
/// Subject key identifier.
pub const SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
/// Authority key identifier.
pub const AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
/// Subject alternative name.
pub const SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
/// Issuer alternative name.
pub const ISSUER_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.18");
/// Name constraints.
pub const NAME_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.30");
/// CRL distribution points.
pub const CRL_DISTRIBUTION_POINTS: Oid = Oid::new_unwrap("2.5.29.31");
/// Certificate policies.
pub const CERTIFICATE_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
/// Policy constraints.
pub const POLICY_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.36");
/// Inhibit anyPolicy.
pub const INHIBIT_ANY_POLICY: Oid = Oid::new_unwrap("2.5.29.54");
/// Authority information access.
pub const AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
/// CRL number.
pub const CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// Delta CRL indicator.
pub const DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
/// Issuing distribution point.
pub const ISSUING_DISTRIBUTION_POINT: Oid = Oid::new_unwrap("2.5.29.28");
/// Freshest CRL (where delta CRLs are found).
pub const FRESHEST_CRL: Oid = Oid::new_unwrap("2.5.29.46");
/// CRL entry: reason code.
pub const CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
/// CRL entry: invalidity date.
pub const INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");

/// id-ad-ocsp (AIA access method).
pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers (AIA access method).
pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");
/// id-pkix-ocsp-basic.
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-pkix-ocsp-nocheck.
pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");

/// anyExtendedKeyUsage.
pub const EKU_ANY: Oid = Oid::new_unwrap("2.5.29.37.0");
/// id-kp-serverAuth.
pub const EKU_SERVER_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth.
pub const EKU_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-codeSigning.
pub const EKU_CODE_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.3");
/// id-kp-emailProtection.
pub const EKU_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping.
pub const EKU_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning.
pub const EKU_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");

/// id-on-hardwareModuleName (RFC 4108): a device serial as otherName.
pub const ON_HARDWARE_MODULE_NAME: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.8.4");

/// Attribute: commonName.
pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// Attribute: serialNumber.
pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
/// Attribute: countryName.
pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// Attribute: emailAddress (PKCS#9).
pub const AT_EMAIL: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
/// Attribute: domainComponent.
pub const AT_DOMAIN_COMPONENT: Oid = Oid::new_unwrap("0.9.2342.19200300.100.1.25");

/// A short name for an OID where one is known (for display), else the
/// dotted form.
pub fn name(oid: &Oid) -> String {
    let known: &[(Oid, &str)] = &[
        (SM2_WITH_SM3, "SM2-with-SM3"),
        (SM2_CURVE, "SM2"),
        (SM3, "SM3"),
        (ECDSA_SHA256, "ecdsa-with-SHA256"),
        (ECDSA_SHA384, "ecdsa-with-SHA384"),
        (ED25519, "ED25519"),
        (EC_PUBLIC_KEY, "id-ecPublicKey"),
        (P256, "prime256v1"),
        (P384, "secp384r1"),
        (EKU_SERVER_AUTH, "TLS Web Server Authentication"),
        (EKU_CLIENT_AUTH, "TLS Web Client Authentication"),
        (EKU_CODE_SIGNING, "Code Signing"),
        (EKU_EMAIL_PROTECTION, "E-mail Protection"),
        (EKU_TIME_STAMPING, "Time Stamping"),
        (EKU_OCSP_SIGNING, "OCSP Signing"),
        (EKU_ANY, "Any Extended Key Usage"),
        (BASIC_CONSTRAINTS, "X509v3 Basic Constraints"),
        (KEY_USAGE, "X509v3 Key Usage"),
        (EXT_KEY_USAGE, "X509v3 Extended Key Usage"),
        (SUBJECT_KEY_ID, "X509v3 Subject Key Identifier"),
        (AUTHORITY_KEY_ID, "X509v3 Authority Key Identifier"),
        (SUBJECT_ALT_NAME, "X509v3 Subject Alternative Name"),
        (NAME_CONSTRAINTS, "X509v3 Name Constraints"),
        (CRL_DISTRIBUTION_POINTS, "X509v3 CRL Distribution Points"),
        (CERTIFICATE_POLICIES, "X509v3 Certificate Policies"),
        (AUTHORITY_INFO_ACCESS, "Authority Information Access"),
        (CRL_NUMBER, "X509v3 CRL Number"),
        (DELTA_CRL_INDICATOR, "X509v3 Delta CRL Indicator"),
        (
            ISSUING_DISTRIBUTION_POINT,
            "X509v3 Issuing Distribution Point",
        ),
        (FRESHEST_CRL, "X509v3 Freshest CRL"),
        (CRL_REASON, "X509v3 CRL Reason Code"),
        (INVALIDITY_DATE, "Invalidity Date"),
        (OCSP_NOCHECK, "OCSP No Check"),
        (OCSP_NONCE, "OCSP Nonce"),
        (AD_OCSP, "OCSP"),
        (AD_CA_ISSUERS, "CA Issuers"),
    ];
    known
        .iter()
        .find(|(o, _)| o == oid)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| oid.to_string())
}
