//! Interoperability with the system OpenSSL, both ways, on fresh keys:
//! certificates and chains, CSRs, CRLs, OCSP and CMS, for SM2 (GM/T 0015)
//! and ECDSA. Where OpenSSL 3.0 checks an SM2 signature with an empty ID
//! whatever it is told (CRLs, OCSP responses, CMS), the signature is judged
//! by RustCrypto's `sm2` over the signed bytes instead, and OpenSSL's
//! failure is asserted too, so a change in OpenSSL shows up here.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::cms::{self, ContentEncryption, SignOptions};
use shangmi_pki::crl::{CrlBuilder, RevokedEntry};
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::ocsp::{self, Answer, CertId, CertIdHash, Status};
use shangmi_pki::x509_cert::ext::pkix::CrlReason;
use shangmi_pki::{Certificate, Crl, Csr, CsrBuilder, Error, SoftwareKey, path};
use std::time::{Duration, SystemTime};

fn pem_chain(certs: &[&Certificate]) -> String {
    certs.iter().map(|c| c.to_pem()).collect()
}

#[test]
fn openssl_verifies_our_chains_and_rejects_a_tampered_leaf() {
    for alg in [
        SignatureAlgorithm::Sm2Sm3,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
        SignatureAlgorithm::Ed25519,
    ] {
        let d = Dir::new("chain");
        let h = hierarchy(alg);
        let (_, leaf) = leaf(
            &h,
            alg,
            "device",
            "dev-0001",
            "URI:urn:dev:0001,DNS:dev-0001.example.com",
        );
        d.write("root.pem", h.root.to_pem());
        d.write("ca.pem", h.ca.to_pem());
        d.write("leaf.pem", leaf.to_pem());
        // OpenSSL 3.0 applies -vfyopt's SM2 ID to the target certificate
        // only, and checks the signatures of intermediates with an empty ID.
        // So each link is checked as a target: the issuing CA against the
        // root, then the leaf against the issuing CA as a partial-chain
        // anchor. Every signature is then checked with the GM/T ID.
        let mut args = vec!["verify"];
        args.extend(vfy(alg));
        args.extend(["-CAfile", "root.pem", "ca.pem"]);
        let out = openssl_ok(&d.0, &args);
        assert!(out.contains("ca.pem: OK"), "{alg:?}: {out}");
        let mut args = vec!["verify"];
        args.extend(vfy(alg));
        args.extend(["-partial_chain", "-CAfile", "ca.pem", "leaf.pem"]);
        let out = openssl_ok(&d.0, &args);
        assert!(out.contains("leaf.pem: OK"), "{alg:?}: {out}");
        if alg != SignatureAlgorithm::Sm2Sm3 {
            let out = openssl_ok(
                &d.0,
                &[
                    "verify",
                    "-CAfile",
                    "root.pem",
                    "-untrusted",
                    "ca.pem",
                    "leaf.pem",
                ],
            );
            assert!(out.contains("leaf.pem: OK"), "{alg:?}: {out}");
        }
        // The certificate text OpenSSL prints carries our extensions.
        let text = openssl_ok(&d.0, &["x509", "-in", "leaf.pem", "-noout", "-text"]);
        assert!(text.contains("URI:urn:dev:0001"), "{text}");
        assert!(text.contains("TLS Web Client Authentication"), "{text}");
        assert!(
            text.contains("OCSP - URI:http://127.0.0.1:8443/ocsp"),
            "{text}"
        );
        if alg == SignatureAlgorithm::Sm2Sm3 {
            assert!(
                text.contains("SM2-with-SM3") && text.contains("ASN1 OID: SM2"),
                "{text}"
            );
            // Without the GM/T ID, OpenSSL 3.0 checks with an empty ID and
            // fails: our signatures really use 1234567812345678.
            let o = openssl(
                &d.0,
                &["verify", "-partial_chain", "-CAfile", "ca.pem", "leaf.pem"],
            );
            assert!(
                !o.status.success(),
                "OpenSSL accepted an SM2 chain without the ID"
            );
        }
        // Flip one byte inside the signed part: OpenSSL must refuse.
        let mut der = leaf.to_der().to_vec();
        let n = der.len();
        der[n / 2] ^= 0x01;
        d.write("bad.der", &der);
        let o = openssl(
            &d.0,
            &[
                "x509", "-inform", "DER", "-in", "bad.der", "-out", "bad.pem",
            ],
        );
        if o.status.success() {
            let mut args = vec!["verify"];
            args.extend(vfy(alg));
            args.extend(["-partial_chain", "-CAfile", "ca.pem", "bad.pem"]);
            assert!(
                !openssl(&d.0, &args).status.success(),
                "{alg:?}: tampered leaf accepted"
            );
        }
    }
}

#[test]
fn openssl_reads_and_verifies_our_csrs() {
    for alg in ALGS {
        let d = Dir::new("csr");
        let key = SoftwareKey::generate(alg).unwrap();
        let csr = CsrBuilder::new(parse_name("CN=dev-0042,O=Acme,C=CN").unwrap())
            .subject_alt_names(parse_general_names("DNS:gw.example.com,IP:10.1.2.3").unwrap())
            .challenge_password("one-time-token-123")
            .sign(&key)
            .unwrap();
        d.write("req.pem", csr.to_pem());
        let mut args = vec!["req", "-in", "req.pem", "-noout", "-text", "-verify"];
        args.extend(vfy(alg));
        let out = openssl_ok(&d.0, &args);
        assert!(out.contains("verify OK"), "{out}");
        assert!(
            out.contains("DNS:gw.example.com") && out.contains("IP Address:10.1.2.3"),
            "{out}"
        );
        assert!(
            out.contains("challengePassword") && out.contains("one-time-token-123"),
            "{out}"
        );
    }
}

/// A minimal `openssl ca` setup, to have OpenSSL issue certificates and
/// CRLs.
fn openssl_ca_config(d: &Dir) -> String {
    d.write("index.txt", "");
    d.write("crlnumber", "01\n");
    d.write("serial", "1000\n");
    let cfg = format!(
        "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = {dir}\ndatabase = $dir/index.txt\n\
         new_certs_dir = $dir\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\n\
         default_md = default\ndefault_days = 30\ndefault_crl_days = 7\npolicy = pol\n\
         unique_subject = no\ncopy_extensions = copy\n[pol]\ncommonName = supplied\n\
         [v3_leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n\
         [v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign,digitalSignature\n\
         subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n\
         [v3_ocsp]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
         extendedKeyUsage = OCSPSigning\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n",
        dir = d.0.display()
    );
    d.write("ca.cnf", cfg).display().to_string()
}

/// OpenSSL makes a CA and a leaf (and a CRL revoking the leaf), signing SM2
/// with `distid` when given, else with its default (an empty ID).
fn openssl_made_pki(d: &Dir, alg: SignatureAlgorithm, distid: bool) {
    let cfg = openssl_ca_config(d);
    let sig: Vec<&str> = if distid { sigopt(alg) } else { vec![] };
    let mut a = vec!["genpkey"];
    a.extend(genpkey(alg));
    a.extend(["-out", "ca.key"]);
    openssl_ok(&d.0, &a);
    let mut a = vec![
        "req",
        "-new",
        "-x509",
        "-key",
        "ca.key",
        "-subj",
        "/C=CN/O=OpenSSL side/CN=OpenSSL CA",
        "-days",
        "30",
        "-config",
        &cfg,
        "-extensions",
        "v3_ca",
        "-out",
        "ca.pem",
    ];
    a.extend(sig.iter());
    openssl_ok(&d.0, &a);
    let mut a = vec!["genpkey"];
    a.extend(genpkey(alg));
    a.extend(["-out", "leaf.key"]);
    openssl_ok(&d.0, &a);
    let mut a = vec![
        "req",
        "-new",
        "-key",
        "leaf.key",
        "-subj",
        "/CN=openssl-leaf",
        "-out",
        "leaf.csr",
    ];
    a.extend(sig.iter());
    openssl_ok(&d.0, &a);
    let mut a = vec![
        "ca",
        "-batch",
        "-config",
        &cfg,
        "-extensions",
        "v3_leaf",
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca.key",
        "-in",
        "leaf.csr",
        "-out",
        "leaf.pem",
        "-notext",
    ];
    a.extend(sig.iter());
    if distid {
        // `openssl ca` checks the CSR with an empty ID unless told, and
        // exits 0 without issuing when that check fails.
        a.extend(vfy(alg));
    }
    openssl_ok(&d.0, &a);
    let mut a = vec![
        "ca",
        "-config",
        &cfg,
        "-cert",
        "ca.pem",
        "-keyfile",
        "ca.key",
        "-revoke",
        "leaf.pem",
        "-crl_reason",
        "keyCompromise",
    ];
    a.extend(sig.iter());
    openssl_ok(&d.0, &a);
    let mut a = vec![
        "ca", "-config", &cfg, "-cert", "ca.pem", "-keyfile", "ca.key", "-gencrl", "-out",
        "crl.pem",
    ];
    a.extend(sig.iter());
    openssl_ok(&d.0, &a);
}

#[test]
fn we_validate_openssl_chains_csrs_and_crls() {
    for alg in ALGS {
        let d = Dir::new("ossl");
        openssl_made_pki(&d, alg, true);
        let ca = Certificate::from_pem_or_der(&std::fs::read(d.path("ca.pem")).unwrap()).unwrap();
        let leaf =
            Certificate::from_pem_or_der(&std::fs::read(d.path("leaf.pem")).unwrap()).unwrap();
        let csr = Csr::from_pem_or_der(&std::fs::read(d.path("leaf.csr")).unwrap()).unwrap();
        csr.verify().unwrap();
        let chain = path::validate(
            &leaf,
            std::slice::from_ref(&ca),
            &[],
            &path::Options::default(),
        )
        .unwrap();
        assert_eq!(chain.len(), 2);
        let crl = Crl::from_pem_or_der(&std::fs::read(d.path("crl.pem")).unwrap()).unwrap();
        crl.verify_signed_by(&ca.public_key().unwrap()).unwrap();
        let e = crl.find(leaf.serial()).unwrap().expect("leaf listed");
        assert_eq!(e.reason, Some(CrlReason::KeyCompromise));
        let opts = path::Options {
            crls: vec![crl],
            ..Default::default()
        };
        let err = path::validate(&leaf, std::slice::from_ref(&ca), &[], &opts).unwrap_err();
        assert!(
            matches!(&err, Error::Validation(v) if matches!(v.reason, path::Reason::Revoked { .. })),
            "{err}"
        );
    }
}

#[test]
fn openssl_sm2_objects_signed_with_an_empty_id_are_rejected_and_the_id_is_named() {
    let alg = SignatureAlgorithm::Sm2Sm3;
    let d = Dir::new("emptyid");
    openssl_made_pki(&d, alg, false);
    let ca = Certificate::from_pem_or_der(&std::fs::read(d.path("ca.pem")).unwrap()).unwrap();
    let leaf = Certificate::from_pem_or_der(&std::fs::read(d.path("leaf.pem")).unwrap()).unwrap();
    let csr = Csr::from_pem_or_der(&std::fs::read(d.path("leaf.csr")).unwrap()).unwrap();
    let e = csr.verify().unwrap_err().to_string();
    assert!(
        e.contains("empty SM2 ID") && e.contains("distid:1234567812345678"),
        "{e}"
    );
    let e = leaf
        .verify_signed_by(&ca.public_key().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty SM2 ID"), "{e}");
    let e = path::validate(
        &leaf,
        std::slice::from_ref(&ca),
        &[],
        &path::Options::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("SM2 ID"), "{e}");
    let crl = Crl::from_pem_or_der(&std::fs::read(d.path("crl.pem")).unwrap()).unwrap();
    let e = crl
        .verify_signed_by(&ca.public_key().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty SM2 ID"), "{e}");
    // Another ID: the message says the ID is the likely cause.
    openssl_ok(
        &d.0,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=other-id",
            "-sigopt",
            "distid:device-7@acme",
            "-out",
            "other.csr",
        ],
    );
    let other = Csr::from_pem_or_der(&std::fs::read(d.path("other.csr")).unwrap()).unwrap();
    let e = other.verify().unwrap_err().to_string();
    assert!(e.contains("the ID is the likely cause"), "{e}");
    other.verify_with_id(b"device-7@acme").unwrap();
}

#[test]
fn crls_openssl_parses_and_judges() {
    for alg in ALGS {
        let d = Dir::new("crl");
        let h = hierarchy(alg);
        let (_, revoked) = leaf(&h, alg, "device", "dev-revoked", "");
        let (_, good) = leaf(&h, alg, "device", "dev-good", "");
        let crl = CrlBuilder::new(7)
            .revoked([RevokedEntry {
                serial: revoked.serial().to_vec(),
                revoked_at: SystemTime::now() - Duration::from_secs(60),
                reason: Some(CrlReason::KeyCompromise),
                invalidity_date: Some(SystemTime::now() - Duration::from_secs(3600)),
            }])
            .sign(&h.ca, &h.ca_key)
            .unwrap();
        d.write("crl.pem", crl.to_pem());
        d.write("root.pem", h.root.to_pem());
        d.write("ca.pem", h.ca.to_pem());
        d.write("revoked.pem", revoked.to_pem());
        d.write("good.pem", good.to_pem());
        d.write("chain.pem", pem_chain(&[&h.root, &h.ca]));
        let text = openssl_ok(&d.0, &["crl", "-in", "crl.pem", "-noout", "-text"]);
        assert!(
            text.contains(&revoked.serial_hex()) && text.contains("Key Compromise"),
            "{text}"
        );
        assert!(
            text.contains("X509v3 CRL Number") && text.contains("Invalidity Date"),
            "{text}"
        );
        let crl_verify = openssl(
            &d.0,
            &["crl", "-in", "crl.pem", "-noout", "-CAfile", "ca.pem"],
        );
        if alg == SignatureAlgorithm::Sm2Sm3 {
            // OpenSSL 3.0 checks SM2 CRL signatures with an empty ID: it
            // must fail on a CRL signed correctly with the GM/T ID...
            let s = String::from_utf8_lossy(&crl_verify.stderr).into_owned()
                + &String::from_utf8_lossy(&crl_verify.stdout);
            assert!(
                s.contains("verify failure") || !crl_verify.status.success(),
                "{s}"
            );
            // ...so RustCrypto's sm2 judges it over the TBSCertList bytes.
            let sig = crl.inner().signature.raw_bytes();
            assert!(rustcrypto_sm2_verify(&sm2_point(&h.ca), crl.tbs_der(), sig));
            let mut tbs = crl.tbs_der().to_vec();
            tbs[10] ^= 1;
            assert!(!rustcrypto_sm2_verify(&sm2_point(&h.ca), &tbs, sig));
        } else {
            let s = String::from_utf8_lossy(&crl_verify.stderr);
            assert!(s.contains("verify OK"), "{s}");
            // And OpenSSL judges revocation with it.
            let o = openssl(
                &d.0,
                &[
                    "verify",
                    "-crl_check",
                    "-CRLfile",
                    "crl.pem",
                    "-CAfile",
                    "chain.pem",
                    "revoked.pem",
                ],
            );
            let out = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            assert!(
                !o.status.success() && out.contains("certificate revoked"),
                "{out}"
            );
            let out = openssl_ok(
                &d.0,
                &[
                    "verify",
                    "-crl_check",
                    "-CRLfile",
                    "crl.pem",
                    "-CAfile",
                    "chain.pem",
                    "good.pem",
                ],
            );
            assert!(out.contains("good.pem: OK"), "{out}");
        }
    }
}

#[test]
fn ocsp_both_ways() {
    for alg in ALGS {
        let d = Dir::new("ocsp");
        let h = hierarchy(alg);
        let (_, revoked) = leaf(&h, alg, "device", "dev-revoked", "");
        let (_, good) = leaf(&h, alg, "device", "dev-good", "");
        let (rkey, responder) = leaf(&h, alg, "ocsp-responder", "OCSP responder", "");
        for (n, c) in [
            ("ca.pem", &h.ca),
            ("revoked.pem", &revoked),
            ("good.pem", &good),
            ("resp.pem", &responder),
        ] {
            d.write(n, c.to_pem());
        }
        d.write("chain.pem", pem_chain(&[&h.root, &h.ca]));
        d.write(
            "rkey.pem",
            rkey.private_key().to_pkcs8_pem().unwrap().as_bytes(),
        );
        // OpenSSL asks (SHA-1 CertIDs, a nonce); we answer.
        openssl_ok(
            &d.0,
            &[
                "ocsp",
                "-issuer",
                "ca.pem",
                "-cert",
                "revoked.pem",
                "-cert",
                "good.pem",
                "-reqout",
                "req.der",
            ],
        );
        let req = ocsp::parse_request(&std::fs::read(d.path("req.der")).unwrap()).unwrap();
        assert_eq!(req.ids.len(), 2);
        assert!(req.nonce.is_some());
        let now = SystemTime::now();
        let answers: Vec<Answer> = req
            .ids
            .iter()
            .map(|id| {
                assert!(id.is_issued_by(&h.ca).unwrap());
                let status = if id.serial() == revoked.serial() {
                    Status::Revoked {
                        at: now - Duration::from_secs(30),
                        reason: Some(CrlReason::KeyCompromise),
                    }
                } else {
                    Status::Good
                };
                Answer {
                    id: id.clone(),
                    status,
                    this_update: now,
                    next_update: Some(now + Duration::from_secs(3600)),
                }
            })
            .collect();
        let resp =
            ocsp::sign_response(&answers, &responder, &rkey, req.nonce.as_deref(), now).unwrap();
        d.write("resp.der", &resp);
        // With the request: OpenSSL checks the echoed nonce and prints
        // every answer. (Giving -cert too would make it build a new request
        // with a new nonce.)
        let o = openssl(
            &d.0,
            &[
                "ocsp",
                "-reqin",
                "req.der",
                "-respin",
                "resp.der",
                "-CAfile",
                "chain.pem",
                "-resp_text",
            ],
        );
        let out =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        assert!(
            out.contains("Cert Status: revoked") && out.contains("Cert Status: good"),
            "{alg:?}: {out}"
        );
        assert!(out.contains("Revocation Reason: keyCompromise"), "{out}");
        assert!(
            out.contains("OCSP Nonce")
                && !out.contains("Nonce Verify error")
                && !out.contains("WARNING: no nonce"),
            "{out}"
        );
        let parsed = ocsp::Response::from_der(&resp).unwrap();
        if alg == SignatureAlgorithm::Sm2Sm3 {
            // OpenSSL 3.0 verifies with an empty SM2 ID and fails; the
            // signature is judged by RustCrypto's sm2 instead.
            assert!(out.contains("Response Verify Failure"), "{out}");
            let b = parsed.basic().unwrap();
            assert!(rustcrypto_sm2_verify(
                &sm2_point(&responder),
                &parsed.tbs_der().unwrap(),
                b.signature.raw_bytes()
            ));
        } else {
            assert!(out.contains("Response verify OK"), "{out}");
            // With the certificates: OpenSSL verifies the delegated
            // responder and judges each status.
            let out = openssl_ok(
                &d.0,
                &[
                    "ocsp",
                    "-no_nonce",
                    "-respin",
                    "resp.der",
                    "-issuer",
                    "ca.pem",
                    "-cert",
                    "revoked.pem",
                    "-cert",
                    "good.pem",
                    "-CAfile",
                    "chain.pem",
                ],
            );
            assert!(out.contains("Response verify OK"), "{out}");
            assert!(
                out.contains("revoked.pem: revoked") && out.contains("good.pem: good"),
                "{out}"
            );
            assert!(out.contains("Reason: keyCompromise"), "{out}");
        }
        assert_eq!(parsed.verify(&h.ca, now).unwrap(), responder);
        // The RFC 5019 GET form round-trips.
        let get = ocsp::request_to_get_path(&std::fs::read(d.path("req.der")).unwrap());
        assert_eq!(
            ocsp::request_from_get_path(&get).unwrap(),
            std::fs::read(d.path("req.der")).unwrap()
        );

        // OpenSSL answers (signing SM2 with the GM/T ID via -rsigopt); we
        // read and verify its response.
        let index = format!(
            "R\t301231000000Z\t{}Z,keyCompromise\t{}\tunknown\t/CN=dev-revoked\nV\t301231000000Z\t\t{}\tunknown\t/CN=dev-good\n",
            "261101000000",
            revoked.serial_hex(),
            good.serial_hex()
        );
        d.write("index.txt", index);
        let mut args = vec![
            "ocsp",
            "-index",
            "index.txt",
            "-rsigner",
            "resp.pem",
            "-rkey",
            "rkey.pem",
            "-CA",
            "ca.pem",
            "-reqin",
            "req.der",
            "-respout",
            "oresp.der",
        ];
        if alg == SignatureAlgorithm::Sm2Sm3 {
            args.extend(["-rsigopt", "distid:1234567812345678"]);
        }
        openssl_ok(&d.0, &args);
        let theirs =
            ocsp::Response::from_der(&std::fs::read(d.path("oresp.der")).unwrap()).unwrap();
        assert_eq!(theirs.verify(&h.ca, now).unwrap(), responder);
        assert_eq!(theirs.nonce().unwrap(), req.nonce);
        let id = CertId::new(CertIdHash::Sha1, &h.ca, revoked.serial()).unwrap();
        assert!(matches!(
            theirs.answer_for(&id).unwrap().status,
            Status::Revoked {
                reason: Some(CrlReason::KeyCompromise),
                ..
            }
        ));
        let id = CertId::new(CertIdHash::Sha1, &h.ca, good.serial()).unwrap();
        assert_eq!(theirs.answer_for(&id).unwrap().status, Status::Good);
    }
}

#[test]
fn cms_signed_data_both_ways() {
    let content: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    for alg in ALGS {
        let d = Dir::new("cms");
        let h = hierarchy(alg);
        let (key, signer) = leaf(&h, alg, "code-signing", "firmware signer", "");
        d.write("fw.bin", &content);
        d.write("chain.pem", pem_chain(&[&h.root, &h.ca]));
        d.write("signer.pem", signer.to_pem());
        d.write(
            "signer.key",
            key.private_key().to_pkcs8_pem().unwrap().as_bytes(),
        );
        for detached in [false, true] {
            let opts = SignOptions {
                detached,
                chain: vec![h.ca.clone()],
                ..Default::default()
            };
            let der = cms::sign(&content, &signer, &key, &opts).unwrap();
            d.write("s.cms", &der);
            // Ours verifies ours.
            let v = cms::verify(&der, detached.then_some(&content[..]), &[]).unwrap();
            assert_eq!(v.content, content);
            assert_eq!(v.signer, signer);
            path::validate(
                &v.signer,
                std::slice::from_ref(&h.root),
                &v.certificates,
                &path::Options::default(),
            )
            .unwrap();
            let mut args = vec![
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "s.cms",
                "-CAfile",
                "chain.pem",
                "-purpose",
                "any",
                "-out",
                "out.bin",
            ];
            if detached {
                args.extend(["-content", "fw.bin"]);
            }
            if alg == SignatureAlgorithm::Sm2Sm3 {
                // OpenSSL 3.0 checks SM2 SignerInfos with an empty ID (and
                // the chain needs -vfyopt, which cms lacks): judge the
                // signature independently over the signed attributes.
                args.push("-noverify");
                let o = openssl(&d.0, &args);
                assert!(
                    !o.status.success(),
                    "OpenSSL 3.0 unexpectedly verified an SM2 CMS signature"
                );
                let (attrs, sig) = signed_attrs_and_signature(&der);
                assert!(rustcrypto_sm2_verify(&sm2_point(&signer), &attrs, &sig));
                // The digest the attributes carry is SM3 of the content.
                let md = shangmi::sm3::hash(&content);
                assert!(attrs.windows(32).any(|w| w == md));
                // OpenSSL still parses it.
                let text = openssl_ok(
                    &d.0,
                    &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "s.cms"],
                );
                assert!(
                    text.contains("1.2.156.10197.1.501") || text.contains("SM2-with-SM3"),
                    "{text}"
                );
                assert!(text.contains("sm3"), "{text}");
            } else {
                let out = openssl_ok(&d.0, &args);
                assert!(out.contains("Verification successful"), "{out}");
                assert_eq!(std::fs::read(d.path("out.bin")).unwrap(), content);
            }
        }
        // A tampered content fails.
        let der = cms::sign(
            &content,
            &signer,
            &key,
            &SignOptions {
                detached: true,
                ..Default::default()
            },
        )
        .unwrap();
        let mut bad = content.clone();
        bad[100] ^= 1;
        assert!(matches!(
            cms::verify(&der, Some(&bad), &[]),
            Err(Error::BadSignature(_))
        ));
        // OpenSSL signs (ECDSA); we verify.
        if alg != SignatureAlgorithm::Sm2Sm3 {
            openssl_ok(
                &d.0,
                &[
                    "cms",
                    "-sign",
                    "-binary",
                    "-nodetach",
                    "-in",
                    "fw.bin",
                    "-signer",
                    "signer.pem",
                    "-inkey",
                    "signer.key",
                    "-outform",
                    "DER",
                    "-out",
                    "o.cms",
                ],
            );
            let v = cms::verify(&std::fs::read(d.path("o.cms")).unwrap(), None, &[]).unwrap();
            assert_eq!(v.content, content);
            assert_eq!(v.signer, signer);
        }
    }
}

/// The DER of the signed attributes (as a SET) and the signature of the
/// first SignerInfo.
fn signed_attrs_and_signature(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use shangmi_pki::der::{Decode, Encode};
    let ci = ::cms::content_info::ContentInfo::from_der(der).unwrap();
    let sd = ci
        .content
        .decode_as::<::cms::signed_data::SignedData>()
        .unwrap();
    let si = sd.signer_infos.0.iter().next().unwrap();
    (
        si.signed_attrs.as_ref().unwrap().to_der().unwrap(),
        si.signature.as_bytes().to_vec(),
    )
}

#[test]
fn cms_enveloped_data_both_ways() {
    let content = b"device session keys and configuration".repeat(40);
    for alg in [
        SignatureAlgorithm::Sm2Sm3,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
    ] {
        let d = Dir::new("env");
        let h = hierarchy(alg);
        let (key, recip) = leaf(&h, alg, "encrypt", "recipient", "");
        d.write("recip.pem", recip.to_pem());
        d.write(
            "recip.key",
            key.private_key().to_pkcs8_pem().unwrap().as_bytes(),
        );
        d.write("msg.bin", &content);
        for enc in [
            ContentEncryption::Sm4Cbc,
            ContentEncryption::Sm4Gcm,
            ContentEncryption::Aes128Cbc,
            ContentEncryption::Aes256Cbc,
        ] {
            let der = cms::encrypt(&content, std::slice::from_ref(&recip), enc, false).unwrap();
            assert_eq!(
                &cms::decrypt(&der, &recip, key.private_key()).unwrap()[..],
                &content[..]
            );
            // OpenSSL decrypts what we wrap: SM2 key transport (GM/T 0009
            // ciphertext) and ECDH + AES key wrap. It has no SM4-GCM in CMS.
            if enc != ContentEncryption::Sm4Gcm {
                d.write("e.cms", &der);
                openssl_ok(
                    &d.0,
                    &[
                        "cms",
                        "-decrypt",
                        "-binary",
                        "-inform",
                        "DER",
                        "-in",
                        "e.cms",
                        "-recip",
                        "recip.pem",
                        "-inkey",
                        "recip.key",
                        "-out",
                        "dec.bin",
                    ],
                );
                assert_eq!(
                    std::fs::read(d.path("dec.bin")).unwrap(),
                    content,
                    "{alg:?} {enc:?}"
                );
            }
            // A tampered ciphertext fails cleanly.
            let mut bad = der.clone();
            let n = bad.len();
            bad[n - 3] ^= 0x40;
            assert!(cms::decrypt(&bad, &recip, key.private_key()).is_err());
        }
        // The GM/T 0010 content types round-trip.
        let der = cms::encrypt(
            &content,
            std::slice::from_ref(&recip),
            ContentEncryption::Sm4Cbc,
            true,
        )
        .unwrap();
        assert_eq!(
            &cms::decrypt(&der, &recip, key.private_key()).unwrap()[..],
            &content[..]
        );
        // OpenSSL encrypts to ECDSA recipients (ECDH); we decrypt.
        if alg != SignatureAlgorithm::Sm2Sm3 {
            for cipher in ["-aes256", "-aes128", "-sm4-cbc"] {
                openssl_ok(
                    &d.0,
                    &[
                        "cms",
                        "-encrypt",
                        "-binary",
                        "-in",
                        "msg.bin",
                        "-recip",
                        "recip.pem",
                        cipher,
                        "-outform",
                        "DER",
                        "-out",
                        "o.cms",
                    ],
                );
                let pt = cms::decrypt(
                    &std::fs::read(d.path("o.cms")).unwrap(),
                    &recip,
                    key.private_key(),
                )
                .unwrap();
                assert_eq!(&pt[..], &content[..], "{alg:?} {cipher}");
            }
        }
        // Not addressed to another key.
        let (k2, other) = leaf(&h, alg, "encrypt", "other", "");
        let der = cms::encrypt(
            &content,
            std::slice::from_ref(&recip),
            ContentEncryption::Sm4Cbc,
            false,
        )
        .unwrap();
        let e = cms::decrypt(&der, &other, k2.private_key())
            .unwrap_err()
            .to_string();
        assert!(e.contains("not addressed"), "{e}");
    }
}

#[test]
fn certs_only_signed_data_is_read_by_openssl() {
    let h = hierarchy(SignatureAlgorithm::Sm2Sm3);
    let d = Dir::new("p7");
    let der = cms::certs_only(&[h.ca.clone(), h.root.clone()]).unwrap();
    d.write("c.p7", &der);
    let out = openssl_ok(
        &d.0,
        &["pkcs7", "-inform", "DER", "-in", "c.p7", "-print_certs"],
    );
    assert!(
        out.contains("Test Issuing CA") && out.contains("Test Root"),
        "{out}"
    );
    let back = cms::certificates(&der).unwrap();
    assert_eq!(back.len(), 2);
}
