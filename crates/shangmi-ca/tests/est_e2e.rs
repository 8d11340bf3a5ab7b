//! End-to-end enrollment with real clients against a CA on SQLite: curl
//! and openssl as the EST client, openssl verifying what was enrolled,
//! parsing the served CRL and asking the OCSP responder; and the
//! project's own EST client for re-enrollment over mutual TLS (SM2 and
//! ECDSA client certificates), server-side key generation, approvals and
//! the other provisioners.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use common::*;
use shangmi::alg::SignatureAlgorithm;
use shangmi_ca::authority::Credential;
use shangmi_ca::client::{Enrolled, EstClient};
use shangmi_ca::tls::ServerTrust;
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::{Certificate, CsrBuilder, Signer, SoftwareKey};
use std::sync::Arc;

fn roots(ca: &TestCa) -> ServerTrust {
    ServerTrust::Roots(
        Certificate::load_all(&std::fs::read(ca.cert("root-ecdsa.pem")).unwrap()).unwrap(),
    )
}

/// openssl makes an SM2 (or EC) key and a CSR signed with the GM/T ID.
fn openssl_csr(d: &Dir, curve: &str, subj: &str, san: &str, extra: &[&str]) {
    ok(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-out",
            "dev.key",
        ],
        &d.0,
    );
    let mut a = vec![
        "req",
        "-new",
        "-key",
        "dev.key",
        "-subj",
        subj,
        "-outform",
        "DER",
        "-out",
        "dev.csr.der",
    ];
    if !san.is_empty() {
        a.extend(["-addext", san]);
    }
    if curve == "SM2" {
        a.extend(["-sigopt", "distid:1234567812345678"]);
    }
    a.extend(extra);
    ok("openssl", &a, &d.0);
    let der = std::fs::read(d.path("dev.csr.der")).unwrap();
    use base64ct::Encoding;
    d.write("dev.csr.b64", base64ct::Base64::encode_string(&der));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn curl_and_openssl_enroll_verify_crl_and_ocsp() {
    let ca = start_ca("e2e", None, |_, _| {}).await;
    let d = Dir::new("client");
    // cacerts, read back with openssl pkcs7 -print_certs.
    let (code, body) = curl(&ca, &[&ca.est("", "cacerts")]);
    assert_eq!(code, 200);
    let text = print_certs(&d.0, &body);
    assert!(
        text.contains("shangmi SM2 Issuing CA") && text.contains("shangmi SM2 Root CA"),
        "{text}"
    );

    // simpleenroll: an SM2 CSR made by openssl, the token as Bearer.
    let token = ca.token("device", "URI:urn:dev:*").await;
    openssl_csr(
        &d,
        "SM2",
        "/O=Acme/CN=dev-0001",
        "subjectAltName=URI:urn:dev:0001",
        &[],
    );
    let auth_h = format!("Authorization: Bearer {token}");
    let csr_arg = format!("@{}", d.s("dev.csr.b64"));
    let (code, body) = curl(
        &ca,
        &[
            "-H",
            &auth_h,
            "-H",
            "Content-Type: application/pkcs10",
            "--data-binary",
            &csr_arg,
            &ca.est("", "simpleenroll"),
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let pem = print_certs(&d.0, &body);
    d.write("dev.pem", &pem);
    // OpenSSL 3.0 checks intermediates with an empty SM2 ID, so the chain
    // is checked link by link, each with the GM/T ID.
    let v = ok(
        "openssl",
        &[
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-partial_chain",
            "-CAfile",
            &ca.cert("sm2.pem"),
            "dev.pem",
        ],
        &d.0,
    );
    assert!(v.contains("dev.pem: OK"), "{v}");
    let v = ok(
        "openssl",
        &[
            "verify",
            "-vfyopt",
            "distid:1234567812345678",
            "-CAfile",
            &ca.cert("root-sm2.pem"),
            &ca.cert("sm2.pem"),
        ],
        &d.0,
    );
    assert!(v.contains(": OK"), "{v}");
    let text = ok(
        "openssl",
        &["x509", "-in", "dev.pem", "-noout", "-text"],
        &d.0,
    );
    assert!(
        text.contains("URI:urn:dev:0001")
            && text.contains(&format!("URI:http://{}/crl/sm2.crl", ca.http)),
        "{text}"
    );
    assert!(
        text.contains(&format!("OCSP - URI:http://{}/ocsp", ca.http)),
        "{text}"
    );

    // The token is single use.
    let (code, body) = curl(
        &ca,
        &[
            "-H",
            &auth_h,
            "-H",
            "Content-Type: application/pkcs10",
            "--data-binary",
            &csr_arg,
            &ca.est("", "simpleenroll"),
        ],
    );
    assert_eq!(code, 401, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("used already"));

    // OCSP over HTTP POST with openssl as the client: good.
    let o = run(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &ca.cert("sm2.pem"),
            "-cert",
            "dev.pem",
            "-url",
            &format!("http://{}/ocsp", ca.http),
            "-resp_text",
            "-noverify",
        ],
        &d.0,
    );
    assert!(out(&o).contains("dev.pem: good"), "{}", out(&o));

    // Revoke; the CRL at the distribution point lists it.
    let serial = Certificate::from_pem_or_der(pem.as_bytes())
        .unwrap()
        .serial_hex();
    ca.auth
        .revoke(
            &serial,
            shangmi_pki::x509_cert::ext::pkix::CrlReason::KeyCompromise,
            "test",
        )
        .await
        .unwrap();
    let crl_der = reqwest_get(&format!("http://{}/crl/sm2.crl", ca.http)).await;
    d.write("sm2.crl", &crl_der);
    let text = ok(
        "openssl",
        &["crl", "-inform", "DER", "-in", "sm2.crl", "-noout", "-text"],
        &d.0,
    );
    assert!(
        text.contains(&serial) && text.contains("Key Compromise"),
        "{text}"
    );
    // OpenSSL 3.0 checks SM2 CRL signatures with an empty ID: judge it
    // with RustCrypto's sm2 over the TBS bytes instead.
    let crl = shangmi_pki::Crl::from_der(&crl_der).unwrap();
    let issuer = Certificate::from_pem_or_der(&std::fs::read(ca.cert("sm2.pem")).unwrap()).unwrap();
    let point = issuer
        .inner()
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec();
    assert!(rustcrypto_sm2_verify(
        &point,
        crl.tbs_der(),
        crl.inner().signature.raw_bytes()
    ));
    // OCSP (GET form too) now says revoked.
    let o = run(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &ca.cert("sm2.pem"),
            "-cert",
            "dev.pem",
            "-url",
            &format!("http://{}/ocsp", ca.http),
            "-resp_text",
            "-noverify",
        ],
        &d.0,
    );
    assert!(
        out(&o).contains("dev.pem: revoked") && out(&o).contains("keyCompromise"),
        "{}",
        out(&o)
    );
}

/// A plain HTTP GET (for CRLs) with hyper, without TLS.
async fn reqwest_get(url: &str) -> Vec<u8> {
    let o = tokio::task::spawn_blocking({
        let url = url.to_string();
        move || {
            std::process::Command::new("curl")
                .args(["-s", "--fail", &url])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(o.status.success(), "GET {url}");
    o.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ecdsa_ca_crl_check_and_ocsp_verified_by_openssl() {
    let ca = start_ca("ecdsa", None, |_, _| {}).await;
    let d = Dir::new("ecdsa");
    // The token as the password of HTTP Basic, with curl.
    let token = ca.token("ecdsa", "").await;
    openssl_csr(
        &d,
        "P-256",
        "/O=Acme/CN=meter-17",
        "subjectAltName=DNS:meter-17.example.com",
        &[],
    );
    let csr_arg = format!("@{}", d.s("dev.csr.b64"));
    let user = format!("meter-17:{token}");
    let (code, body) = curl(
        &ca,
        &[
            "-u",
            &user,
            "-H",
            "Content-Type: application/pkcs10",
            "--data-binary",
            &csr_arg,
            &ca.est("ecdsa", "simpleenroll"),
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    d.write("dev.pem", print_certs(&d.0, &body));
    let chain = std::fs::read_to_string(ca.cert("root-ecdsa.pem")).unwrap()
        + &std::fs::read_to_string(ca.cert("ecdsa.pem")).unwrap();
    d.write("chain.pem", chain);
    let crl = reqwest_get(&format!("http://{}/crl/ecdsa.crl", ca.http)).await;
    d.write("ca.crl", &crl);
    ok(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca.crl",
            "-out",
            "ca.crl.pem",
        ],
        &d.0,
    );
    // Before revocation: OK with -crl_check (the root's CRL is not needed
    // for a leaf check).
    let v = ok(
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CRLfile",
            "ca.crl.pem",
            "-CAfile",
            "chain.pem",
            "dev.pem",
        ],
        &d.0,
    );
    assert!(v.contains("dev.pem: OK"), "{v}");
    let o = run(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &ca.cert("ecdsa.pem"),
            "-cert",
            "dev.pem",
            "-url",
            &format!("http://{}/ocsp", ca.http),
            "-CAfile",
            "chain.pem",
        ],
        &d.0,
    );
    assert!(
        out(&o).contains("Response verify OK") && out(&o).contains("dev.pem: good"),
        "{}",
        out(&o)
    );
    // Revoke by device, then both say revoked.
    let revoked = ca
        .auth
        .revoke_device(
            "meter-17",
            shangmi_pki::x509_cert::ext::pkix::CrlReason::CessationOfOperation,
            "test",
        )
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    let crl = reqwest_get(&format!("http://{}/crl/ecdsa.crl", ca.http)).await;
    d.write("ca.crl", &crl);
    ok(
        "openssl",
        &[
            "crl",
            "-inform",
            "DER",
            "-in",
            "ca.crl",
            "-out",
            "ca.crl.pem",
        ],
        &d.0,
    );
    let o = run(
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CRLfile",
            "ca.crl.pem",
            "-CAfile",
            "chain.pem",
            "dev.pem",
        ],
        &d.0,
    );
    assert!(
        !o.status.success() && out(&o).contains("certificate revoked"),
        "{}",
        out(&o)
    );
    let o = run(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &ca.cert("ecdsa.pem"),
            "-cert",
            "dev.pem",
            "-url",
            &format!("http://{}/ocsp", ca.http),
            "-CAfile",
            "chain.pem",
        ],
        &d.0,
    );
    assert!(
        out(&o).contains("Response verify OK") && out(&o).contains("dev.pem: revoked"),
        "{}",
        out(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn challenge_password_token_and_openssl_csr_with_an_empty_id() {
    let ca = start_ca("challenge", None, |_, _| {}).await;
    let d = Dir::new("chal");
    let token = ca.token("device", "").await;
    let cnf = format!(
        "[req]\ndistinguished_name=dn\nattributes=attrs\nprompt=no\n[dn]\nCN=dev-77\n[attrs]\nchallengePassword={token}\n"
    );
    d.write("req.cnf", cnf);
    // (With -subj, openssl req leaves the attributes out.)
    ok(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:SM2",
            "-out",
            "dev.key",
        ],
        &d.0,
    );
    ok(
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            "dev.key",
            "-config",
            "req.cnf",
            "-sigopt",
            "distid:1234567812345678",
            "-outform",
            "DER",
            "-out",
            "dev.csr.der",
        ],
        &d.0,
    );
    {
        use base64ct::Encoding;
        d.write(
            "dev.csr.b64",
            base64ct::Base64::encode_string(&std::fs::read(d.path("dev.csr.der")).unwrap()),
        );
    }
    let csr_arg = format!("@{}", d.s("dev.csr.b64"));
    let (code, body) = curl(
        &ca,
        &[
            "-H",
            "Content-Type: application/pkcs10",
            "--data-binary",
            &csr_arg,
            &ca.est("", "simpleenroll"),
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    // An SM2 CSR signed with OpenSSL's default empty ID: 400, naming the ID.
    let token = ca.token("device", "").await;
    ok(
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            "dev.key",
            "-subj",
            "/CN=dev-78",
            "-outform",
            "DER",
            "-out",
            "e.der",
        ],
        &d.0,
    );
    use base64ct::Encoding;
    d.write(
        "e.b64",
        base64ct::Base64::encode_string(&std::fs::read(d.path("e.der")).unwrap()),
    );
    let (code, body) = curl(
        &ca,
        &[
            "-H",
            &format!("Authorization: Bearer {token}"),
            "-H",
            "Content-Type: application/pkcs10",
            "--data-binary",
            &format!("@{}", d.s("e.b64")),
            &ca.est("", "simpleenroll"),
        ],
    );
    assert_eq!(code, 400);
    let msg = String::from_utf8_lossy(&body);
    assert!(
        msg.contains("empty SM2 ID") && msg.contains("proof of possession"),
        "{msg}"
    );
}

fn csr(key: &SoftwareKey, subject: &str, san: &str) -> Vec<u8> {
    let mut b = CsrBuilder::new(parse_name(subject).unwrap());
    if !san.is_empty() {
        b = b.subject_alt_names(parse_general_names(san).unwrap());
    }
    b.sign(key).unwrap().to_der().to_vec()
}

fn issued(e: Enrolled) -> Certificate {
    match e {
        Enrolled::Issued(c) => *c,
        Enrolled::Pending(_) => panic!("pending"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn own_client_enroll_then_reenroll_over_mutual_tls_sm2_and_ecdsa() {
    let ca = start_ca("reenroll", None, |_, _| {}).await;
    let base = format!("https://{}", ca.https);
    for (label, alg, chain_ca) in [
        ("device", SignatureAlgorithm::Sm2Sm3, "sm2"),
        ("ecdsa", SignatureAlgorithm::EcdsaP256Sha256, "ecdsa"),
    ] {
        let key = SoftwareKey::generate(alg).unwrap();
        let token = ca.token(label, "").await;
        let c = EstClient::new(
            &base,
            Some(label),
            roots(&ca),
            None,
            Credential::Bearer(token),
        )
        .unwrap();
        let cacerts = c.cacerts().await.unwrap();
        assert_eq!(cacerts.len(), 2);
        let cert = issued(
            c.enroll(&csr(&key, "CN=gw-9,O=Acme", "URI:urn:dev:gw-9"))
                .await
                .unwrap(),
        );
        assert_eq!(cert.public_key().unwrap(), key.public_key());
        // Re-enroll: the current certificate over mutual TLS (for SM2,
        // TLS 1.3 sm2sig_sm3 with the RFC 8998 ID); a new key.
        let issuer = Certificate::from_pem_or_der(
            &std::fs::read(ca.cert(&format!("{chain_ca}.pem"))).unwrap(),
        )
        .unwrap();
        let ident = (
            vec![cert.clone(), issuer],
            Arc::new(SoftwareKey::new(key.private_key().clone())) as Arc<dyn Signer>,
        );
        let rc = EstClient::new(
            &base,
            Some(label),
            roots(&ca),
            Some(ident.clone()),
            Credential::None,
        )
        .unwrap();
        let key2 = SoftwareKey::generate(alg).unwrap();
        let new = issued(
            rc.reenroll(&csr(&key2, "CN=gw-9,O=Acme", "URI:urn:dev:gw-9"))
                .await
                .unwrap(),
        );
        assert_ne!(new.serial(), cert.serial());
        assert_eq!(new.public_key().unwrap(), key2.public_key());
        // Re-enrollment must keep the subject...
        let e = rc
            .reenroll(&csr(&key2, "CN=other,O=Acme", "URI:urn:dev:gw-9"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), 403, "{e}");
        // ...and needs a client certificate.
        let e = c
            .reenroll(&csr(&key2, "CN=gw-9,O=Acme", "URI:urn:dev:gw-9"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), 401, "{e}");
        // A revoked certificate cannot re-enroll.
        ca.auth
            .revoke(
                &cert.serial_hex(),
                shangmi_pki::x509_cert::ext::pkix::CrlReason::Superseded,
                "test",
            )
            .await
            .unwrap();
        let e = rc
            .reenroll(&csr(&key2, "CN=gw-9,O=Acme", "URI:urn:dev:gw-9"))
            .await
            .unwrap_err();
        assert_eq!(e.status(), 401, "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn serverkeygen_pkcs8_and_sm2_envelope_and_csrattrs() {
    let ca = start_ca("keygen", None, |_, _| {}).await;
    let base = format!("https://{}", ca.https);
    let me = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let c = EstClient::new(
        &base,
        Some("device"),
        roots(&ca),
        None,
        Credential::Bearer(ca.token("device", "").await),
    )
    .unwrap();
    let r = c.serverkeygen(&csr(&me, "CN=keygen-1", "")).await.unwrap();
    assert!(!r.enveloped);
    let k = shangmi::alg::PrivateKey::from_der(&r.key, None).unwrap();
    assert_eq!(r.cert.public_key().unwrap(), k.public_key());
    assert_ne!(k.public_key(), me.public_key());
    // The encryption key pair of the dual-certificate system comes back
    // in a GM/T 0009 envelope, wrapped to the requester's signing key.
    let c = EstClient::new(
        &base,
        Some("encrypt"),
        roots(&ca),
        None,
        Credential::Bearer(ca.token("encrypt", "").await),
    )
    .unwrap();
    let r = c.serverkeygen(&csr(&me, "CN=keygen-1", "")).await.unwrap();
    assert!(r.enveloped);
    let shangmi::alg::PrivateKey::Sm2(sk) = me.private_key() else {
        panic!()
    };
    let enc = shangmi_pki::envelope::open(&r.key, sk).unwrap();
    assert_eq!(
        r.cert.public_key().unwrap(),
        shangmi::alg::PublicKey::Sm2(enc.public_key())
    );
    let ku = r.cert.key_usage().unwrap().unwrap();
    assert!(ku.key_encipherment() && !ku.digital_signature());
    // csrattrs names challengePassword and the CA's signature algorithm.
    use shangmi_pki::der::Decode;
    let attrs =
        Vec::<shangmi_pki::der::asn1::ObjectIdentifier>::from_der(&c.csrattrs().await.unwrap())
            .unwrap();
    assert!(
        attrs.contains(&shangmi_pki::oid::CHALLENGE_PASSWORD)
            && attrs.contains(&shangmi_pki::oid::SM2_WITH_SM3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approval_flow_returns_202_then_the_certificate() {
    let ca = start_ca("approval", None, |cfg, _| {
        cfg.profiles.entry("gateway".into()).or_default().approval = true;
    })
    .await;
    let base = format!("https://{}", ca.https);
    let key = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let req = csr(&key, "CN=gw-held", "DNS:gw-held.example.com");
    let c = EstClient::new(
        &base,
        Some("gateway"),
        roots(&ca),
        None,
        Credential::Bearer(ca.token("gateway", "").await),
    )
    .unwrap();
    let Enrolled::Pending(after) = c.enroll(&req).await.unwrap() else {
        panic!("not held")
    };
    assert_eq!(after, 60);
    // Polling again (same CSR) is still pending, without a new token.
    let anon = EstClient::new(&base, Some("gateway"), roots(&ca), None, Credential::None).unwrap();
    assert!(matches!(
        anon.enroll(&req).await.unwrap(),
        Enrolled::Pending(_)
    ));
    // An operator approves through the admin API.
    let admin = shangmi_ca::server::create_admin_token(&ca.auth, "ops", "operator", "test")
        .await
        .unwrap();
    let list = ca.auth.store.requests("pending").await.unwrap();
    assert_eq!(list.len(), 1);
    let (code, body) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {admin}"),
            &format!(
                "https://{}/api/v1/requests/{}/approve",
                ca.https, list[0].id
            ),
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    let cert = issued(anon.enroll(&req).await.unwrap());
    assert_eq!(cert.public_key().unwrap(), key.public_key());
    // An auditor may not approve.
    let auditor = shangmi_ca::server::create_admin_token(&ca.auth, "aud", "auditor", "test")
        .await
        .unwrap();
    let (code, _) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {auditor}"),
            &format!(
                "https://{}/api/v1/requests/{}/approve",
                ca.https, list[0].id
            ),
        ],
    );
    assert_eq!(code, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idevid_and_basic_provisioners() {
    // A manufacturer PKI, outside the CA.
    let mfr_key = SoftwareKey::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let mfr = shangmi_pki::CertificateBuilder::new(
        shangmi_pki::Profile::named("root-ca").unwrap(),
        parse_name("CN=Acme Manufacturing Root,O=Acme").unwrap(),
        shangmi_pki::alg::spki_of(&mfr_key.public_key()).unwrap(),
    )
    .sign(shangmi_pki::Issuer::SelfSigned, &mfr_key)
    .unwrap();
    let dev_key = SoftwareKey::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let idevid = shangmi_pki::CertificateBuilder::new(
        shangmi_pki::Profile::named("device").unwrap(),
        parse_name("CN=SN-000123,O=Acme").unwrap(),
        shangmi_pki::alg::spki_of(&dev_key.public_key()).unwrap(),
    )
    .subject_alt_names(parse_general_names("HWSN:1.3.6.1.4.1.99999.1:SN-000123").unwrap())
    .sign(shangmi_pki::Issuer::Ca(&mfr), &mfr_key)
    .unwrap();
    let hash = shangmi_ca::password::hash("sensor-pass").unwrap();
    let mfr_pem = mfr.to_pem();
    let ca = start_ca("idevid", None, move |cfg, home| {
        std::fs::write(home.join("mfr-roots.pem"), &mfr_pem).unwrap();
        cfg.provisioners
            .push(shangmi_ca::config::ProvisionerConfig {
                name: "factory".into(),
                kind: "idevid".into(),
                roots: "mfr-roots.pem".into(),
                ..Default::default()
            });
        cfg.provisioners
            .push(shangmi_ca::config::ProvisionerConfig {
                name: "sensors".into(),
                kind: "basic".into(),
                username: "sensor".into(),
                password_hash: hash,
                profiles: vec!["device".into()],
                ..Default::default()
            });
    })
    .await;
    let base = format!("https://{}", ca.https);
    // The IDevID over mutual TLS gets the operational certificate for the
    // same hardware serial...
    let ident = (
        vec![idevid.clone()],
        Arc::new(SoftwareKey::new(dev_key.private_key().clone())) as Arc<dyn Signer>,
    );
    let c = EstClient::new(
        &base,
        Some("device"),
        roots(&ca),
        Some(ident),
        Credential::None,
    )
    .unwrap();
    let op_key = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let cert = issued(
        c.enroll(&csr(
            &op_key,
            "CN=SN-000123,O=Acme",
            "HWSN:1.3.6.1.4.1.99999.1:SN-000123",
        ))
        .await
        .unwrap(),
    );
    assert_eq!(cert.public_key().unwrap(), op_key.public_key());
    // ...and nothing for another device.
    let e = c
        .enroll(&csr(
            &op_key,
            "CN=SN-999,O=Acme",
            "HWSN:1.3.6.1.4.1.99999.1:SN-999",
        ))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403, "{e}");
    // HTTP Basic for constrained clients; a wrong password is 401.
    let b = EstClient::new(
        &base,
        Some("device"),
        roots(&ca),
        None,
        Credential::Basic("sensor".into(), "sensor-pass".into()),
    )
    .unwrap();
    issued(b.enroll(&csr(&op_key, "CN=sensor-4", "")).await.unwrap());
    let bad = EstClient::new(
        &base,
        Some("device"),
        roots(&ca),
        None,
        Credential::Basic("sensor".into(), "nope".into()),
    )
    .unwrap();
    assert_eq!(
        bad.enroll(&csr(&op_key, "CN=sensor-4", ""))
            .await
            .unwrap_err()
            .status(),
        401
    );
    // Basic may not ask for another profile.
    let gw = EstClient::new(
        &base,
        Some("gateway"),
        roots(&ca),
        None,
        Credential::Basic("sensor".into(), "sensor-pass".into()),
    )
    .unwrap();
    assert_eq!(
        gw.enroll(&csr(&op_key, "CN=sensor-4", "DNS:s4.example.com"))
            .await
            .unwrap_err()
            .status(),
        403
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn channel_binding_in_challenge_password() {
    use shangmi_ca::authority::{ClientInfo, Mode};
    let ca = start_ca("binding", None, |_, _| {}).await;
    let key = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let binding = vec![7u8; 32];
    use base64ct::Encoding;
    let pw = format!("tls-exporter:{}", base64ct::Base64::encode_string(&binding));
    let der = CsrBuilder::new(parse_name("CN=bound").unwrap())
        .challenge_password(&pw)
        .sign(&key)
        .unwrap()
        .to_der()
        .to_vec();
    let token = ca.token("device", "").await;
    let good = ClientInfo {
        addr: "test".into(),
        certs: vec![],
        channel_binding: Some(binding.clone()),
    };
    let bad = ClientInfo {
        channel_binding: Some(vec![8u8; 32]),
        ..good.clone()
    };
    let e = ca
        .auth
        .enroll(
            None,
            &der,
            &Credential::Bearer(token.clone()),
            &bad,
            Mode::Enroll,
        )
        .await
        .err()
        .unwrap();
    assert_eq!(e.status(), 403);
    ca.auth
        .enroll(None, &der, &Credential::Bearer(token), &good, Mode::Enroll)
        .await
        .ok()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn profile_policy_denies_keys_and_names() {
    let ca = start_ca("policy", None, |cfg, _| {
        let p = cfg.profiles.entry("device".into()).or_default();
        p.key_algorithms = vec!["sm2".into()];
        p.san_deny = vec!["DNS:*.evil.example".into()];
        p.subject_allow = vec!["*O=Acme*".into()];
        p.max_days = Some(30);
    })
    .await;
    let base = format!("https://{}", ca.https);
    let sm2 = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let p256 = SoftwareKey::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let c = |tok: String| {
        EstClient::new(
            &base,
            Some("device"),
            roots(&ca),
            None,
            Credential::Bearer(tok),
        )
        .unwrap()
    };
    let e = c(ca.token("device", "").await)
        .enroll(&csr(&p256, "CN=d1,O=Acme", ""))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(e.to_string().contains("key algorithm p256"), "{e}");
    let e = c(ca.token("device", "").await)
        .enroll(&csr(&sm2, "CN=d1,O=Acme", "DNS:x.evil.example"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("denied by policy"), "{e}");
    let e = c(ca.token("device", "").await)
        .enroll(&csr(&sm2, "CN=d1,O=Other", ""))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not allowed by policy"), "{e}");
    let cert = issued(
        c(ca.token("device", "").await)
            .enroll(&csr(&sm2, "CN=d1,O=Acme", "DNS:ok.example.com"))
            .await
            .unwrap(),
    );
    let days = cert
        .not_after()
        .duration_since(cert.not_before())
        .unwrap()
        .as_secs()
        / 86_400;
    assert_eq!(days, 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ocsp_get_form_metrics_health_and_admin_client_certificate() {
    // An admin client certificate, issued by the CA itself, with a role.
    let admin_key = SoftwareKey::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let ca = start_ca("admincert", None, |_, _| {}).await;
    let base = format!("https://{}", ca.https);
    let c = EstClient::new(
        &base,
        Some("ecdsa"),
        roots(&ca),
        None,
        Credential::Bearer(ca.token("ecdsa", "").await),
    )
    .unwrap();
    let admin_cert = issued(
        c.enroll(&csr(&admin_key, "CN=ops-1,O=Acme", ""))
            .await
            .unwrap(),
    );
    let fp = hex::encode(admin_cert.fingerprint_sha256());
    // Restart with that certificate listed as an operator.
    let cfg_path = ca.home().join("config.toml");
    let mut cfg = shangmi_ca::config::Config::load(&cfg_path).unwrap();
    cfg.admin.client_certs.insert(fp, "operator".into());
    std::fs::write(&cfg_path, toml::to_string(&cfg).unwrap()).unwrap();
    let auth = std::sync::Arc::new(
        shangmi_ca::home::open(ca.home(), &Default::default())
            .await
            .unwrap(),
    );
    ca.running.stop();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let running = shangmi_ca::server::start(auth.clone(), Some(&ca.https), Some(&ca.http))
        .await
        .unwrap();
    let d = Dir::new("admincert");
    d.write(
        "admin.pem",
        admin_cert.to_pem() + &std::fs::read_to_string(ca.cert("ecdsa.pem")).unwrap(),
    );
    d.write(
        "admin.key",
        admin_key.private_key().to_pkcs8_pem().unwrap().as_bytes(),
    );
    let cert_arg = d.s("admin.pem");
    let key_arg = d.s("admin.key");
    let (code, body) = curl(
        &ca,
        &[
            "--cert",
            &cert_arg,
            "--key",
            &key_arg,
            &format!("https://{}/api/v1/certificates?q=ops-1", ca.https),
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("ops-1"));
    // An operator may revoke, not make admin tokens.
    let (code, _) = curl(
        &ca,
        &[
            "--cert",
            &cert_arg,
            "--key",
            &key_arg,
            "-X",
            "POST",
            "-d",
            r#"{"name":"x","role":"admin"}"#,
            &format!("https://{}/api/v1/admin-tokens", ca.https),
        ],
    );
    assert_eq!(code, 403);
    // OCSP in the RFC 5019 GET form.
    let issuer =
        Certificate::from_pem_or_der(&std::fs::read(ca.cert("ecdsa.pem")).unwrap()).unwrap();
    let id = shangmi_pki::ocsp::CertId::new(
        shangmi_pki::ocsp::CertIdHash::Sha1,
        &issuer,
        admin_cert.serial(),
    )
    .unwrap();
    let req = shangmi_pki::ocsp::build_request(std::slice::from_ref(&id), None).unwrap();
    let url = format!(
        "http://{}/ocsp/{}",
        ca.http,
        shangmi_pki::ocsp::request_to_get_path(&req)
    );
    let o = run("curl", &["-s", "--fail", &url], &d.0);
    let resp = shangmi_pki::ocsp::Response::from_der(&o.stdout).unwrap();
    resp.verify(&issuer, std::time::SystemTime::now()).unwrap();
    assert_eq!(
        resp.answer_for(&id).unwrap().status,
        shangmi_pki::ocsp::Status::Good
    );
    // Metrics and health.
    let o = run(
        "curl",
        &["-s", &format!("http://{}/metrics", ca.http)],
        &d.0,
    );
    let m = String::from_utf8_lossy(&o.stdout);
    assert!(
        m.contains("shangmi_ca_certificates_issued_total")
            && m.contains("shangmi_ca_ocsp_answers_total"),
        "{m}"
    );
    let o = run("curl", &["-s", &format!("http://{}/health", ca.http)], &d.0);
    let h: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["storage"], "sqlite");
    running.stop();
}
