//! The issuance linter: clean certificates of every profile and algorithm,
//! and one defective certificate per rule, each also judged by pkilint
//! (PyPI) for ECDSA so that both linters are checked against each other.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use der::asn1::{BitString, Int, Null, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::builder::sign_tbs;
use shangmi_pki::lint::{Severity, lint_certificate};
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use shangmi_pki::x509_cert::certificate::Version;
use shangmi_pki::x509_cert::ext::Extension;
use shangmi_pki::x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use shangmi_pki::x509_cert::name::Name;
use shangmi_pki::x509_cert::time::Validity;
use shangmi_pki::{
    Certificate, CertificateBuilder, Issuer, Profile, Signer, SoftwareKey, alg, der, ext, oid,
    profile,
};
use std::path::PathBuf;
use std::process::Command;

/// A TBSCertificate with every field open, to plant defects.
#[derive(Clone, Sequence)]
struct Tbs {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial: Int,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

fn pkilint_dir() -> PathBuf {
    if let Ok(d) = std::env::var("PKILINT_BIN_DIR") {
        return PathBuf::from(d);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin");
    if here.join("lint_pkix_cert").exists() {
        return here;
    }
    panic!(
        "pkilint is not installed: run scripts/test.sh (it installs pkilint into target/pyenv) \
         or set PKILINT_BIN_DIR to the directory holding lint_pkix_cert"
    );
}

/// pkilint's findings of severity ERROR or FATAL, as "code" strings.
fn pkilint_errors(c: &Certificate) -> Vec<String> {
    pkilint(c, "ERROR")
}

/// pkilint's findings at or above `severity`.
fn pkilint(c: &Certificate, severity: &str) -> Vec<String> {
    let d = Dir::new("pkilint");
    let f = d.write("c.pem", c.to_pem());
    let out = Command::new(pkilint_dir().join("lint_pkix_cert"))
        .args(["lint", "-s", severity, "-f", "JSON"])
        .arg(&f)
        .output()
        .expect("run pkilint");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "pkilint output is not JSON ({e}): {text} {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut codes = Vec::new();
    for r in v["results"].as_array().into_iter().flatten() {
        for f in r["finding_descriptions"].as_array().into_iter().flatten() {
            codes.push(f["code"].as_str().unwrap_or("?").to_string());
        }
    }
    codes
}

fn errors(c: &Certificate, issuer: Option<&Certificate>) -> Vec<&'static str> {
    lint_certificate(c, issuer)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code)
        .collect()
}

#[test]
fn every_profile_and_algorithm_issues_clean_and_pkilint_agrees_for_ecdsa() {
    for a in [
        SignatureAlgorithm::Sm2Sm3,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
        SignatureAlgorithm::Ed25519,
    ] {
        let h = hierarchy(a);
        for p in profile::NAMES {
            let key = SoftwareKey::generate(a).unwrap();
            let b = CertificateBuilder::new(
                Profile::named(p).unwrap(),
                parse_name(&format!("CN={p} test,O=shangmi tests,C=CN")).unwrap(),
                alg::spki_of(&key.public_key()).unwrap(),
            )
            .subject_alt_names(
                parse_general_names(
                    "DNS:gw1.example.com,IP:192.0.2.7,URI:https://devices.example.com/0001",
                )
                .unwrap(),
            )
            .crl_urls(vec!["http://ca.example.com/crl".into()])
            .ocsp_urls(vec!["http://ca.example.com/ocsp".into()]);
            let (cert, issuer) = if *p == "root-ca" {
                (
                    b.subject_alt_names(vec![]).sign(Issuer::SelfSigned, &key),
                    None,
                )
            } else if *p == "issuing-ca" {
                (
                    b.subject_alt_names(vec![])
                        .sign(Issuer::Ca(&h.root), &h.root_key),
                    Some(&h.root),
                )
            } else {
                (b.sign(Issuer::Ca(&h.ca), &h.ca_key), Some(&h.ca))
            };
            let cert = match cert {
                Ok(c) => c,
                Err(e) if a == SignatureAlgorithm::Ed25519 && *p == "encrypt" => {
                    assert!(e.to_string().contains("no usable key usage"), "{e}");
                    continue;
                }
                Err(e) => panic!("{a:?} {p}: {e}"),
            };
            assert_eq!(errors(&cert, issuer), Vec::<&str>::new(), "{a:?} {p}");
            if matches!(
                a,
                SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::EcdsaP384Sha384
            ) {
                assert_eq!(
                    pkilint_errors(&cert),
                    Vec::<String>::new(),
                    "pkilint on {a:?} {p}:\n{}",
                    cert.to_pem()
                );
            }
        }
    }
}

#[test]
fn urns_are_valid_uris_here_but_not_to_pkilint() {
    // RFC 5280 4.2.1.6 asks for RFC 3986 URIs with a scheme; a URN such as
    // urn:dev:0001 (the device-serial form) is one. pkilint validates URIs
    // with `validators.url`, which wants a host: a known disagreement.
    let a = SignatureAlgorithm::EcdsaP256Sha256;
    let h = hierarchy(a);
    let (_, c) = leaf(&h, a, "device", "dev-0001", "URI:urn:dev:0001");
    assert!(errors(&c, Some(&h.ca)).is_empty());
    assert_eq!(
        pkilint_errors(&c),
        vec!["pkix.invalid_uri_syntax".to_string()]
    );
}

/// A defect planted in an otherwise clean certificate, and the code our
/// linter must report for it.
struct Case {
    code: &'static str,
    plant: fn(&mut Tbs, &Certificate),
    /// Whether pkilint flags it as an ERROR too (false: a rule pkilint
    /// does not check; the test asserts that as well, so a change shows).
    pkilint: bool,
}

fn set_ext(t: &mut Tbs, e: Extension) {
    let exts = t.extensions.get_or_insert_with(Vec::new);
    if let Some(x) = exts.iter_mut().find(|x| x.extn_id == e.extn_id) {
        *x = e;
    } else {
        exts.push(e);
    }
}

fn drop_ext(t: &mut Tbs, id: ObjectIdentifier) {
    if let Some(e) = &mut t.extensions {
        e.retain(|x| x.extn_id != id);
    }
}

fn ku(bits: &[KeyUsages]) -> KeyUsage {
    KeyUsage(
        bits.iter()
            .fold(der::flagset::FlagSet::default(), |a, b| a | *b),
    )
}

const CASES: &[Case] = &[
    Case {
        code: "serial.not_positive",
        plant: |t, _| {
            t.serial = Int::new(&[0xF1, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99]).unwrap()
        },
        pkilint: true,
    },
    Case {
        code: "serial.not_positive",
        plant: |t, _| t.serial = Int::new(&[0]).unwrap(),
        pkilint: true,
    },
    Case {
        code: "bc.not_critical",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(
                    oid::BASIC_CONSTRAINTS,
                    false,
                    &BasicConstraints {
                        ca: true,
                        path_len_constraint: None,
                    },
                )
                .unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "ku.certsign_without_ca",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(
                    oid::KEY_USAGE,
                    true,
                    &ku(&[KeyUsages::DigitalSignature, KeyUsages::KeyCertSign]),
                )
                .unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "ku.inconsistent_with_key",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(
                    oid::KEY_USAGE,
                    true,
                    &ku(&[KeyUsages::DigitalSignature, KeyUsages::KeyEncipherment]),
                )
                .unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "bc.pathlen_without_ca",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(
                    oid::BASIC_CONSTRAINTS,
                    true,
                    &BasicConstraints {
                        ca: false,
                        path_len_constraint: Some(1),
                    },
                )
                .unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "aki.missing",
        plant: |t, _| drop_ext(t, oid::AUTHORITY_KEY_ID),
        pkilint: true,
    },
    Case {
        code: "subject.empty_without_san",
        plant: |t, _| {
            t.subject = Name::default();
            drop_ext(t, oid::SUBJECT_ALT_NAME)
        },
        pkilint: false,
    },
    Case {
        code: "ext.duplicate",
        plant: |t, _| {
            let e = t.extensions.as_ref().unwrap()[0].clone();
            t.extensions.as_mut().unwrap().push(e)
        },
        pkilint: true,
    },
    Case {
        code: "ku.empty",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(oid::KEY_USAGE, true, &BitString::from_bytes(&[]).unwrap()).unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "nc.in_end_entity",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(
                    oid::NAME_CONSTRAINTS,
                    true,
                    &shangmi_pki::x509_cert::ext::pkix::NameConstraints {
                        permitted_subtrees: Some(vec![
                            shangmi_pki::x509_cert::ext::pkix::constraints::name::GeneralSubtree {
                                base: parse_general_names("DNS:example.com").unwrap().remove(0),
                                minimum: 0,
                                maximum: None,
                            },
                        ]),
                        excluded_subtrees: None,
                    },
                )
                .unwrap(),
            )
        },
        pkilint: true,
    },
    Case {
        code: "aki.critical",
        plant: |t, _| {
            let e = t
                .extensions
                .as_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e.extn_id == oid::AUTHORITY_KEY_ID)
                .unwrap();
            e.critical = true
        },
        pkilint: true,
    },
    Case {
        code: "ski.critical",
        plant: |t, _| {
            let e = t
                .extensions
                .as_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e.extn_id == oid::SUBJECT_KEY_ID)
                .unwrap();
            e.critical = true
        },
        pkilint: true,
    },
    Case {
        code: "validity.order",
        plant: |t, _| std::mem::swap(&mut t.validity.not_before, &mut t.validity.not_after),
        pkilint: true,
    },
    Case {
        code: "eku.any_critical",
        plant: |t, _| {
            set_ext(
                t,
                ext::make(oid::EXT_KEY_USAGE, true, &vec![oid::EKU_ANY]).unwrap(),
            )
        },
        pkilint: false,
    },
];

#[test]
fn each_defect_is_caught_here_and_by_pkilint() {
    let a = SignatureAlgorithm::EcdsaP256Sha256;
    let h = hierarchy(a);
    let (_, clean) = leaf(&h, a, "device", "dev-0001", "DNS:dev-0001.example.com");
    let base = Tbs::from_der(clean.tbs_der()).unwrap();
    let mut report = Vec::new();
    for case in CASES {
        let mut t = base.clone();
        (case.plant)(&mut t, &h.ca);
        let bad = sign_tbs(&t.to_der().unwrap(), &h.ca_key, alg::X509_SM2_ID).unwrap();
        let ours = errors(&bad, Some(&h.ca));
        assert!(
            ours.contains(&case.code),
            "{}: our linter said {ours:?}",
            case.code
        );
        let theirs = pkilint_errors(&bad);
        if case.pkilint {
            assert!(
                !theirs.is_empty(),
                "{}: pkilint found nothing wrong; at every severity: {:?}",
                case.code,
                pkilint(&bad, "ALL")
            );
        } else {
            assert!(
                theirs.is_empty(),
                "{}: pkilint now flags it ({theirs:?}): mark it agreed",
                case.code
            );
        }
        report.push(format!(
            "{:28} pkilint: {}",
            case.code,
            if theirs.is_empty() {
                "(not checked by pkilint)".into()
            } else {
                theirs.join(", ")
            }
        ));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn gm_t_0015_rules_for_sm2() {
    let a = SignatureAlgorithm::Sm2Sm3;
    let h = hierarchy(a);
    let (_, clean) = leaf(&h, a, "device", "dev-0001", "");
    let base = Tbs::from_der(clean.tbs_der()).unwrap();
    // NULL parameters on sm2sign-with-sm3: read, never written.
    let mut t = base.clone();
    t.signature.parameters = Some(der::Any::from(Null));
    let bad = sign_tbs(&t.to_der().unwrap(), &h.ca_key, alg::X509_SM2_ID).unwrap();
    assert!(errors(&bad, Some(&h.ca)).contains(&"sigalg.sm2_parameters"));
    // The sm2 OID as SPKI algorithm: read, never written.
    let mut t = base.clone();
    t.spki.algorithm = AlgorithmIdentifierOwned {
        oid: oid::SM2_CURVE,
        parameters: None,
    };
    let bad = sign_tbs(&t.to_der().unwrap(), &h.ca_key, alg::X509_SM2_ID).unwrap();
    assert!(errors(&bad, Some(&h.ca)).contains(&"spki.sm2_oid_as_algorithm"));
    // Both forms still parse and verify.
    assert!(bad.public_key().is_ok());
    bad.verify_signed_by(&h.ca.public_key().unwrap()).unwrap();
    // A signing + encryption key usage in one SM2 certificate is a warning
    // (the dual-certificate system separates them).
    let mut t = base.clone();
    set_ext(
        &mut t,
        ext::make(
            oid::KEY_USAGE,
            true,
            &ku(&[KeyUsages::DigitalSignature, KeyUsages::KeyEncipherment]),
        )
        .unwrap(),
    );
    let c = sign_tbs(&t.to_der().unwrap(), &h.ca_key, alg::X509_SM2_ID).unwrap();
    let f = lint_certificate(&c, Some(&h.ca));
    assert!(
        f.iter()
            .any(|x| x.code == "gm.dual_certificate" && x.severity == Severity::Warning)
    );
    // The issuer checks: AKI must match the issuer's SKI.
    let mut t = base.clone();
    set_ext(
        &mut t,
        ext::make(
            oid::AUTHORITY_KEY_ID,
            false,
            &shangmi_pki::x509_cert::ext::pkix::AuthorityKeyIdentifier {
                key_identifier: Some(der::asn1::OctetString::new(vec![1; 20]).unwrap()),
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let c = sign_tbs(&t.to_der().unwrap(), &h.ca_key, alg::X509_SM2_ID).unwrap();
    assert!(errors(&c, Some(&h.ca)).contains(&"aki.mismatch"));
    // And the validity the profile allows.
    let key = SoftwareKey::generate(a).unwrap();
    let e = CertificateBuilder::new(
        Profile::named("platform").unwrap(),
        parse_name("CN=p").unwrap(),
        alg::spki_of(&key.public_key()).unwrap(),
    )
    .subject_alt_names(parse_general_names("DNS:p.example.com").unwrap())
    .days(5000)
    .sign(Issuer::Ca(&h.ca), &h.ca_key)
    .unwrap_err()
    .to_string();
    assert!(e.contains("validity.exceeds_profile"), "{e}");
}
