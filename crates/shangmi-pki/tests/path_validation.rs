//! RFC 5280 path validation: one test per way a path can fail, each
//! checking that the error names the right certificate and reason, and the
//! valid variants pass.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use der::flagset::FlagSet;
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::builder::sign_tbs;
use shangmi_pki::crl::{CrlBuilder, RevokedEntry, Scope};
use shangmi_pki::name::{parse_constraints, parse_general_names, parse_name};
use shangmi_pki::ocsp::{self, Answer, CertId, CertIdHash, Status};
use shangmi_pki::path::{Options, Reason, validate};
use shangmi_pki::x509_cert::ext::pkix::{CrlReason, KeyUsages};
use shangmi_pki::{
    Certificate, CertificateBuilder, Error, Issuer, Profile, Signer, SoftwareKey, alg, der, oid,
};
use std::time::{Duration, SystemTime};

const ALG: SignatureAlgorithm = SignatureAlgorithm::Sm2Sm3;
const DAY: Duration = Duration::from_secs(86_400);

fn reason(r: shangmi_pki::Result<Vec<Certificate>>) -> (usize, String, Reason) {
    match r {
        Err(Error::Validation(v)) => (v.depth, v.subject.clone(), v.reason.clone()),
        Err(e) => panic!("not a validation error: {e}"),
        Ok(p) => panic!("validated a bad path of {} certificates", p.len()),
    }
}

/// Signs without linting (the builder would refuse these).
fn unlinted(b: &CertificateBuilder, issuer: &Certificate, key: &SoftwareKey) -> Certificate {
    let tbs = b.tbs_der(Issuer::Ca(issuer), key).unwrap();
    sign_tbs(&tbs, key, alg::X509_SM2_ID).unwrap()
}

fn builder(profile: &str, cn: &str, key: &SoftwareKey) -> CertificateBuilder {
    CertificateBuilder::new(
        Profile::named(profile).unwrap(),
        parse_name(&format!("CN={cn},O=shangmi tests")).unwrap(),
        alg::spki_of(&key.public_key()).unwrap(),
    )
}

#[test]
fn a_good_path_validates_through_the_untrusted_pool() {
    for a in ALGS {
        let h = hierarchy(a);
        let (_, l) = leaf(&h, a, "device", "dev-1", "URI:urn:dev:1");
        let path = validate(
            &l,
            std::slice::from_ref(&h.root),
            std::slice::from_ref(&h.ca),
            &Options::default(),
        )
        .unwrap();
        assert_eq!(path.len(), 3);
        assert_eq!(path[2], h.root);
        // Without the intermediate there is no path.
        let (depth, _, r) = reason(validate(
            &l,
            std::slice::from_ref(&h.root),
            &[],
            &Options::default(),
        ));
        assert_eq!((depth, r), (0, Reason::NoIssuer));
    }
}

#[test]
fn expired_and_not_yet_valid() {
    let h = hierarchy(ALG);
    let key = SoftwareKey::generate(ALG).unwrap();
    let now = SystemTime::now();
    let old = builder("device", "old", &key)
        .not_before(now - 30 * DAY)
        .not_after(now - DAY)
        .sign(Issuer::Ca(&h.ca), &h.ca_key)
        .unwrap();
    let (d, s, r) = reason(validate(
        &old,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    ));
    assert_eq!(d, 0);
    assert!(s.contains("CN = old"));
    assert!(matches!(r, Reason::Expired { .. }));
    // Valid at a time inside its window.
    let opts = Options {
        time: now - 10 * DAY,
        ..Default::default()
    };
    validate(
        &old,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    )
    .unwrap_err(); // the CAs were not yet valid then
    let future = builder("device", "future", &key)
        .not_before(now + 10 * DAY)
        .days(30)
        .sign(Issuer::Ca(&h.ca), &h.ca_key)
        .unwrap();
    let (_, _, r) = reason(validate(
        &future,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    ));
    assert!(matches!(r, Reason::NotYetValid { .. }));
    let opts = Options {
        time: now + 11 * DAY,
        ..Default::default()
    };
    validate(
        &future,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    )
    .unwrap();
    let e = validate(
        &old,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("expired at") && e.contains("CN = old"), "{e}");
}

#[test]
fn wrong_issuer_key_is_a_bad_signature_and_unknown_issuer_has_no_path() {
    let h = hierarchy(ALG);
    let other = hierarchy(ALG);
    // Names the real CA as issuer, but signed by another key.
    let key = SoftwareKey::generate(ALG).unwrap();
    let b = builder("device", "forged", &key);
    let tbs = b.tbs_der(Issuer::Ca(&other.ca), &other.ca_key).unwrap();
    let mut forged_tbs = tbs.clone();
    // Put the real CA's name in as issuer by building against it but
    // signing with the other key.
    let real_tbs = {
        let fake_ca = CertificateBuilder::new(
            Profile::named("issuing-ca").unwrap(),
            h.ca.subject().clone(),
            alg::spki_of(&other.ca_key.public_key()).unwrap(),
        )
        .sign(Issuer::Ca(&other.root), &other.root_key)
        .unwrap();
        b.tbs_der(Issuer::Ca(&fake_ca), &other.ca_key).unwrap()
    };
    forged_tbs.clear();
    forged_tbs.extend(real_tbs);
    let forged = sign_tbs(&forged_tbs, &other.ca_key, alg::X509_SM2_ID).unwrap();
    let (d, _, r) = reason(validate(
        &forged,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    ));
    // The AKI does not match the real CA's SKI, so it is not a candidate.
    assert_eq!(d, 0);
    assert!(
        matches!(r, Reason::NoIssuer | Reason::BadSignature(_)),
        "{r:?}"
    );
    // A leaf of another hierarchy has no issuer here.
    let (_, l) = leaf(&other, ALG, "device", "stranger", "");
    let (_, _, r) = reason(validate(
        &l,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    ));
    assert_eq!(r, Reason::NoIssuer);
    // A signature altered after signing.
    let (_, good) = leaf(&h, ALG, "device", "good", "");
    let mut der = good.to_der().to_vec();
    let n = der.len();
    der[n - 5] ^= 0x01;
    if let Ok(bad) = Certificate::from_der(&der) {
        let (_, _, r) = reason(validate(
            &bad,
            std::slice::from_ref(&h.root),
            std::slice::from_ref(&h.ca),
            &Options::default(),
        ));
        assert!(matches!(r, Reason::BadSignature(_)), "{r:?}");
    }
}

#[test]
fn path_length_exceeded() {
    let h = hierarchy(ALG); // issuing CA has pathLenConstraint 0
    let k2 = SoftwareKey::generate(ALG).unwrap();
    let sub = unlinted(&builder("issuing-ca", "sub CA", &k2), &h.ca, &h.ca_key);
    let (_, l) = {
        let k = SoftwareKey::generate(ALG).unwrap();
        let c = builder("device", "deep", &k)
            .sign(Issuer::Ca(&sub), &k2)
            .unwrap();
        (k, c)
    };
    let (d, s, r) = reason(validate(
        &l,
        std::slice::from_ref(&h.root),
        &[h.ca.clone(), sub.clone()],
        &Options::default(),
    ));
    assert_eq!(r, Reason::PathLenExceeded);
    assert_eq!(d, 1);
    assert!(s.contains("sub CA"));
    // The linter refuses to issue such a CA in the first place.
    let e = builder("issuing-ca", "sub CA", &k2)
        .sign(Issuer::Ca(&h.ca), &h.ca_key)
        .unwrap_err();
    assert!(e.to_string().contains("issuer.pathlen"), "{e}");
}

#[test]
fn issuer_that_is_not_a_ca() {
    let h = hierarchy(ALG);
    let (ee_key, ee) = leaf(&h, ALG, "device", "not a CA", "");
    let k = SoftwareKey::generate(ALG).unwrap();
    let l = unlinted(&builder("device", "child", &k), &ee, &ee_key);
    let (d, s, r) = reason(validate(
        &l,
        std::slice::from_ref(&h.root),
        &[h.ca.clone(), ee.clone()],
        &Options::default(),
    ));
    assert_eq!((d, r), (1, Reason::NotCa));
    assert!(s.contains("not a CA"));
    let e = builder("device", "child", &k)
        .sign(Issuer::Ca(&ee), &ee_key)
        .unwrap_err()
        .to_string();
    assert!(e.contains("issuer.not_ca"), "{e}");
}

#[test]
fn ca_without_key_cert_sign() {
    let h = hierarchy(ALG);
    let mut p = Profile::named("issuing-ca").unwrap();
    p.key_usage = FlagSet::from(KeyUsages::CRLSign) | KeyUsages::DigitalSignature;
    let k = SoftwareKey::generate(ALG).unwrap();
    let b = CertificateBuilder::new(
        p,
        parse_name("CN=no certsign").unwrap(),
        alg::spki_of(&k.public_key()).unwrap(),
    );
    let e = b
        .sign(Issuer::Ca(&h.root), &h.root_key)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ku.ca_without_certsign"), "{e}");
    let weak = unlinted(&b.path_len(None), &h.root, &h.root_key);
    let k2 = SoftwareKey::generate(ALG).unwrap();
    let l = unlinted(&builder("device", "below", &k2), &weak, &k);
    let (d, _, r) = reason(validate(
        &l,
        std::slice::from_ref(&h.root),
        &[weak],
        &Options::default(),
    ));
    assert_eq!((d, r), (1, Reason::MissingKeyCertSign));
}

#[test]
fn name_constraints() {
    let root_key = SoftwareKey::generate(ALG).unwrap();
    let root = builder("root-ca", "NC root", &root_key)
        .sign(Issuer::SelfSigned, &root_key)
        .unwrap();
    let ca_key = SoftwareKey::generate(ALG).unwrap();
    let ca = builder("issuing-ca", "NC CA", &ca_key)
        .name_constraints(
            parse_constraints("DNS:example.com,URI:devices.example.com").unwrap(),
            parse_constraints("DNS:secret.example.com").unwrap(),
        )
        .sign(Issuer::Ca(&root), &root_key)
        .unwrap();
    let issue = |san: &str| {
        let k = SoftwareKey::generate(ALG).unwrap();
        builder("gateway", "gw", &k)
            .subject_alt_names(parse_general_names(san).unwrap())
            .sign(Issuer::Ca(&ca), &ca_key)
            .unwrap()
    };
    for ok in [
        "DNS:example.com",
        "DNS:gw1.example.com",
        "DNS:gw1.example.com,URI:https://devices.example.com/1",
    ] {
        validate(
            &issue(ok),
            std::slice::from_ref(&root),
            std::slice::from_ref(&ca),
            &Options::default(),
        )
        .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "DNS:evil.com",
        "DNS:a.secret.example.com",
        "DNS:gw.example.com,URI:https://evil.org/x",
        "DNS:notexample.com",
    ] {
        let (d, _, r) = reason(validate(
            &issue(bad),
            std::slice::from_ref(&root),
            std::slice::from_ref(&ca),
            &Options::default(),
        ));
        assert_eq!(d, 0, "{bad}");
        assert!(matches!(r, Reason::NameConstraint(_)), "{bad}: {r:?}");
    }
    let e = validate(
        &issue("DNS:evil.com"),
        std::slice::from_ref(&root),
        std::slice::from_ref(&ca),
        &Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("DNS:evil.com is outside the permitted subtrees"),
        "{e}"
    );
}

#[test]
fn ip_and_directory_name_constraints() {
    use shangmi_pki::der::asn1::OctetString;
    use shangmi_pki::x509_cert::ext::pkix::name::GeneralName;
    let root_key = SoftwareKey::generate(ALG).unwrap();
    let root = builder("root-ca", "root", &root_key)
        .sign(Issuer::SelfSigned, &root_key)
        .unwrap();
    let ca_key = SoftwareKey::generate(ALG).unwrap();
    let net = GeneralName::IpAddress(OctetString::new(vec![10, 0, 0, 0, 255, 0, 0, 0]).unwrap());
    assert_eq!(
        parse_constraints("IP:10.0.0.0/8").unwrap(),
        vec![net.clone()]
    );
    let dir = GeneralName::DirectoryName(parse_name("O=shangmi tests").unwrap());
    let ca = builder("issuing-ca", "CA", &ca_key)
        .name_constraints(vec![net, dir], vec![])
        .sign(Issuer::Ca(&root), &root_key)
        .unwrap();
    let issue = |subject: &str, san: &str| {
        let k = SoftwareKey::generate(ALG).unwrap();
        CertificateBuilder::new(
            Profile::named("gateway").unwrap(),
            parse_name(subject).unwrap(),
            alg::spki_of(&k.public_key()).unwrap(),
        )
        .subject_alt_names(parse_general_names(san).unwrap())
        .sign(Issuer::Ca(&ca), &ca_key)
        .unwrap()
    };
    validate(
        &issue("CN=gw,O=shangmi tests", "IP:10.1.2.3"),
        std::slice::from_ref(&root),
        std::slice::from_ref(&ca),
        &Options::default(),
    )
    .unwrap();
    let (_, _, r) = reason(validate(
        &issue("CN=gw,O=shangmi tests", "IP:192.168.1.1"),
        std::slice::from_ref(&root),
        std::slice::from_ref(&ca),
        &Options::default(),
    ));
    assert!(matches!(r, Reason::NameConstraint(m) if m.contains("192.168.1.1")));
    let (_, _, r) = reason(validate(
        &issue("CN=gw,O=Other", "IP:10.1.2.3"),
        std::slice::from_ref(&root),
        std::slice::from_ref(&ca),
        &Options::default(),
    ));
    assert!(matches!(r, Reason::NameConstraint(m) if m.contains("DirName")));
}

#[test]
fn revoked_by_crl_delta_crl_and_ocsp() {
    let h = hierarchy(ALG);
    let (_, victim) = leaf(&h, ALG, "device", "victim", "");
    let (_, other) = leaf(&h, ALG, "device", "other", "");
    let now = SystemTime::now();
    let entry = |c: &Certificate, r: CrlReason| RevokedEntry {
        serial: c.serial().to_vec(),
        revoked_at: now - Duration::from_secs(60),
        reason: Some(r),
        invalidity_date: None,
    };
    let base = CrlBuilder::new(10)
        .revoked([entry(&victim, CrlReason::KeyCompromise)])
        .sign(&h.ca, &h.ca_key)
        .unwrap();
    let root_crl = CrlBuilder::new(1).sign(&h.root, &h.root_key).unwrap();
    let opts = Options {
        crls: vec![base.clone(), root_crl.clone()],
        require_revocation_info: true,
        ..Default::default()
    };
    let (d, _, r) = reason(validate(
        &victim,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    ));
    assert_eq!(d, 0);
    assert!(
        matches!(
            r,
            Reason::Revoked {
                reason: Some(CrlReason::KeyCompromise),
                ..
            }
        ),
        "{r:?}"
    );
    validate(
        &other,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    )
    .unwrap();
    // Requiring revocation information without it fails.
    let strict = Options {
        require_revocation_info: true,
        ..Default::default()
    };
    let (_, _, r) = reason(validate(
        &other,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &strict,
    ));
    assert_eq!(r, Reason::RevocationUnknown);
    // A delta CRL over base 10 revokes `other` too...
    let delta = CrlBuilder::new(11)
        .delta_of(10)
        .revoked([entry(&other, CrlReason::Superseded)])
        .sign(&h.ca, &h.ca_key)
        .unwrap();
    let opts2 = Options {
        crls: vec![base.clone(), delta.clone(), root_crl.clone()],
        ..Default::default()
    };
    let (_, _, r) = reason(validate(
        &other,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts2,
    ));
    assert!(matches!(
        r,
        Reason::Revoked {
            reason: Some(CrlReason::Superseded),
            ..
        }
    ));
    // ...but not without its base.
    let opts3 = Options {
        crls: vec![delta],
        ..Default::default()
    };
    validate(
        &other,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts3,
    )
    .unwrap();
    // A CRL scoped to CA certificates does not cover end entities.
    let ca_only = CrlBuilder::new(12)
        .scope(Scope {
            only_ca_certs: true,
            ..Default::default()
        })
        .revoked([entry(&victim, CrlReason::KeyCompromise)])
        .sign(&h.ca, &h.ca_key)
        .unwrap();
    validate(
        &victim,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options {
            crls: vec![ca_only],
            ..Default::default()
        },
    )
    .unwrap();
    // A CRL signed by another key is ignored.
    let stranger = hierarchy(ALG);
    let forged = CrlBuilder::new(99)
        .revoked([entry(&other, CrlReason::KeyCompromise)])
        .sign(&stranger.ca, &stranger.ca_key)
        .unwrap();
    validate(
        &other,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options {
            crls: vec![forged],
            ..Default::default()
        },
    )
    .unwrap();
    // OCSP: a delegated responder says revoked.
    let (rk, responder) = leaf(&h, ALG, "ocsp-responder", "responder", "");
    let id = CertId::new(CertIdHash::Sm3, &h.ca, victim.serial()).unwrap();
    let resp = ocsp::sign_response(
        &[Answer {
            id,
            status: Status::Revoked {
                at: now,
                reason: None,
            },
            this_update: now,
            next_update: Some(now + DAY),
        }],
        &responder,
        &rk,
        None,
        now,
    )
    .unwrap();
    let opts = Options {
        ocsp: vec![ocsp::Response::from_der(&resp).unwrap()],
        ..Default::default()
    };
    let (_, _, r) = reason(validate(
        &victim,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    ));
    assert!(matches!(r, Reason::Revoked { .. }));
}

#[test]
fn leaf_purpose_and_unknown_critical_extensions() {
    let h = hierarchy(ALG);
    let (_, dev) = leaf(&h, ALG, "device", "dev", "");
    let opts = Options {
        leaf_eku: Some(oid::EKU_SERVER_AUTH),
        ..Default::default()
    };
    let (_, _, r) = reason(validate(
        &dev,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    ));
    assert!(matches!(r, Reason::ExtKeyUsage(_)));
    let opts = Options {
        leaf_eku: Some(oid::EKU_CLIENT_AUTH),
        leaf_key_usage: KeyUsages::DigitalSignature.into(),
        ..Default::default()
    };
    validate(
        &dev,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    )
    .unwrap();
    let opts = Options {
        leaf_key_usage: KeyUsages::KeyEncipherment.into(),
        ..Default::default()
    };
    let (_, _, r) = reason(validate(
        &dev,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &opts,
    ));
    assert!(matches!(r, Reason::KeyUsage(_)));
    let k = SoftwareKey::generate(ALG).unwrap();
    let weird = shangmi_pki::ext::make(
        der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.99999.7"),
        true,
        &der::asn1::Null,
    )
    .unwrap();
    let c = unlinted(
        &builder("device", "weird", &k).extension(weird),
        &h.ca,
        &h.ca_key,
    );
    let (_, _, r) = reason(validate(
        &c,
        std::slice::from_ref(&h.root),
        std::slice::from_ref(&h.ca),
        &Options::default(),
    ));
    assert_eq!(
        r,
        Reason::UnknownCriticalExtension("1.3.6.1.4.1.99999.7".into())
    );
}
