//! Every parser on random and damaged input: an error or a value, never a
//! panic; and whatever parses can be inspected, rendered and linted
//! without a panic either. Also the inputs the fuzzers found, kept as
//! regression cases (tests/fuzz-regressions/).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use proptest::prelude::*;
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::cms::{self, SignOptions};
use shangmi_pki::crl::CrlBuilder;
use shangmi_pki::name::parse_name;
use shangmi_pki::ocsp::{self, Answer, CertId, CertIdHash, Status};
use shangmi_pki::{Certificate, Crl, Csr, CsrBuilder, lint, path, pem, text};
use std::sync::OnceLock;
use std::time::SystemTime;

/// Runs every parser on `data` and, for what parses, every accessor.
fn exercise(data: &[u8], ca: &Certificate) {
    if let Ok(c) = Certificate::from_der(data) {
        let _ = text::certificate(&c);
        let _ = lint::lint_certificate(&c, Some(ca));
        let _ = c.public_key();
        let _ = c.subject_alt_names();
        let _ = c.crl_urls();
        let _ = c.ocsp_urls();
        let _ = c.name_constraints();
        let _ = c.verify_signed_by(&ca.public_key().unwrap());
        let _ = path::validate(&c, std::slice::from_ref(ca), &[], &path::Options::default());
    }
    if let Ok(r) = Csr::from_der(data) {
        let _ = text::csr(&r);
        let _ = r.verify();
        let _ = r.challenge_password();
        let _ = r.subject_alt_names();
    }
    if let Ok(c) = Crl::from_der(data) {
        let _ = text::crl(&c);
        let _ = c.entries();
        let _ = c.scope();
        let _ = c.verify_signed_by(&ca.public_key().unwrap());
    }
    let _ = ocsp::parse_request(data);
    if let Ok(r) = ocsp::Response::from_der(data) {
        let _ = text::ocsp_response(&r);
        let _ = r.verify(ca, SystemTime::now());
        let _ = r.nonce();
    }
    let _ = cms::certificates(data);
    let _ = cms::verify(data, None, &[]);
    let _ = cms::verify(data, Some(b"x"), &[]);
    let _ = pem::decode_all(data, "CERTIFICATE");
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = parse_name(s);
        let _ = shangmi_pki::name::parse_general_names(s);
        let _ = shangmi_pki::name::parse_constraints(s);
        let _ = ocsp::request_from_get_path(s);
    }
}

struct Samples {
    ca: Certificate,
    objects: Vec<Vec<u8>>,
}

fn samples() -> &'static Samples {
    static S: OnceLock<Samples> = OnceLock::new();
    S.get_or_init(|| {
        let a = SignatureAlgorithm::Sm2Sm3;
        let h = hierarchy(a);
        let (k, l) = leaf(
            &h,
            a,
            "gateway",
            "gw",
            "DNS:gw.example.com,IP:10.0.0.1,URI:urn:dev:1",
        );
        let csr = CsrBuilder::new(parse_name("CN=x").unwrap())
            .challenge_password("pw")
            .sign(&k)
            .unwrap();
        let crl = CrlBuilder::new(3).sign(&h.ca, &h.ca_key).unwrap();
        let id = CertId::new(CertIdHash::Sha1, &h.ca, l.serial()).unwrap();
        let req = ocsp::build_request(std::slice::from_ref(&id), Some(b"nonce-1234")).unwrap();
        let now = SystemTime::now();
        let resp = ocsp::sign_response(
            &[Answer {
                id,
                status: Status::Good,
                this_update: now,
                next_update: None,
            }],
            &h.ca,
            &h.ca_key,
            None,
            now,
        )
        .unwrap();
        let signed = cms::sign(b"firmware", &l, &k, &SignOptions::default()).unwrap();
        let env = cms::encrypt(
            b"secret",
            std::slice::from_ref(&l),
            cms::ContentEncryption::Sm4Cbc,
            false,
        )
        .unwrap();
        let objects = vec![
            h.ca.to_der().to_vec(),
            l.to_der().to_vec(),
            csr.to_der().to_vec(),
            crl.to_der().to_vec(),
            req,
            resp,
            signed,
            env,
            l.to_pem().into_bytes(),
        ];
        Samples {
            ca: h.ca.clone(),
            objects,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&data, &samples().ca);
    }

    #[test]
    fn damaged_objects_never_panic(which in 0usize..9, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let s = samples();
        let mut d = s.objects[which].clone();
        for (pos, val) in edits {
            let n = d.len();
            d[pos % n] = val;
        }
        let n = d.len();
        exercise(&d, &s.ca);
        d.truncate(cut % (n + 1));
        exercise(&d, &s.ca);
    }
}

#[test]
fn the_samples_themselves_parse() {
    let s = samples();
    assert!(Certificate::from_der(&s.objects[1]).is_ok());
    assert!(Csr::from_der(&s.objects[2]).unwrap().verify().is_ok());
    assert!(Crl::from_der(&s.objects[3]).is_ok());
    assert!(ocsp::parse_request(&s.objects[4]).is_ok());
    assert!(
        ocsp::Response::from_der(&s.objects[5])
            .unwrap()
            .verify(&s.ca, SystemTime::now())
            .is_ok()
    );
    assert!(cms::verify(&s.objects[6], None, &[]).is_ok());
}

#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() && p.extension().is_none_or(|e| e != "md") {
            exercise(&std::fs::read(&p).unwrap(), &samples().ca);
            n += 1;
        }
    }
    println!("{n} regression inputs");
}
