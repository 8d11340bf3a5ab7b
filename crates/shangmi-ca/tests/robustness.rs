//! Bad input over HTTPS: each gets a clear status and message and an
//! audit entry, never a 500, and leaves the audit chain intact. Also rate
//! limiting, and the audit log catching edits, deletions and reordering.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use base64ct::Encoding;
use common::*;
use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::name::parse_name;
use shangmi_pki::{CsrBuilder, SoftwareKey};

async fn deny_count(ca: &TestCa) -> usize {
    ca.auth
        .store
        .audit_entries(1, 1_000_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action.ends_with(".deny") || e.action == "rate-limit")
        .count()
}

fn good_csr(subject: &str) -> Vec<u8> {
    let k = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    CsrBuilder::new(parse_name(subject).unwrap())
        .sign(&k)
        .unwrap()
        .to_der()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_requests_get_clear_statuses_and_audit_entries() {
    let ca = start_ca("bad", None, |_, _| {}).await;
    let d = Dir::new("bad");
    let url = ca.est("", "simpleenroll");
    let token = ca.token("device", "URI:urn:dev:*").await;
    let auth = format!("Authorization: Bearer {token}");
    let ct = "Content-Type: application/pkcs10";
    let mut tampered = good_csr("CN=x");
    let n = tampered.len();
    tampered[n - 3] ^= 0x55;
    let truncated = good_csr("CN=x")[..60].to_vec();
    // (name, body, headers, expected status, message fragment)
    type Case<'a> = (&'a str, Vec<u8>, Vec<&'a str>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "garbage",
            b"!!! not base64 !!!".to_vec(),
            vec![ct, &auth],
            400,
            "not base64",
        ),
        (
            "not a CSR",
            base64ct::Base64::encode_string(b"hello world, not DER").into_bytes(),
            vec![ct, &auth],
            400,
            "certification request",
        ),
        (
            "truncated",
            base64ct::Base64::encode_string(&truncated).into_bytes(),
            vec![ct, &auth],
            400,
            "certification request",
        ),
        (
            "wrong PoP",
            base64ct::Base64::encode_string(&tampered).into_bytes(),
            vec![ct, &auth],
            400,
            "proof of possession",
        ),
        (
            "empty",
            Vec::new(),
            vec![ct, &auth],
            400,
            "empty request body",
        ),
        (
            "json",
            b"{}".to_vec(),
            vec!["Content-Type: application/json", &auth],
            400,
            "Content-Type",
        ),
        (
            "no credentials",
            base64ct::Base64::encode_string(&good_csr("CN=x")).into_bytes(),
            vec![ct],
            401,
            "authentication required",
        ),
        (
            "bad auth header",
            base64ct::Base64::encode_string(&good_csr("CN=x")).into_bytes(),
            vec![ct, "Authorization: Digest abc"],
            400,
            "Authorization",
        ),
        (
            "unknown token",
            base64ct::Base64::encode_string(&good_csr("CN=x")).into_bytes(),
            vec![ct, "Authorization: Bearer smt_nope"],
            401,
            "unknown bootstrap token",
        ),
        (
            "token SAN pattern",
            base64ct::Base64::encode_string(&good_csr("CN=x")).into_bytes(),
            vec![ct, &auth],
            403,
            "requires alternative names",
        ),
        ("oversized", vec![b'A'; 70_000], vec![ct, &auth], 413, ""),
    ];
    for (name, body, headers, want, needle) in cases {
        let before = deny_count(&ca).await;
        let f = d.write("body", &body);
        let mut args: Vec<String> = Vec::new();
        for h in headers {
            args.push("-H".into());
            args.push(h.into());
        }
        args.push("--data-binary".into());
        args.push(format!("@{}", f.display()));
        args.push(url.clone());
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, resp) = curl(&ca, &a);
        let msg = String::from_utf8_lossy(&resp);
        assert_eq!(code, want, "{name}: {msg}");
        assert!(msg.contains(needle), "{name}: {msg}");
        if want != 413 {
            assert_eq!(deny_count(&ca).await, before + 1, "{name}: no audit entry");
        }
    }
    // Unknown label.
    let (code, msg) = curl(
        &ca,
        &[
            "-H",
            ct,
            "--data-binary",
            "x",
            &ca.est("nope", "simpleenroll"),
        ],
    );
    assert_eq!(code, 404, "{}", String::from_utf8_lossy(&msg));
    let (code, _) = curl(&ca, &[&ca.est("nope", "cacerts")]);
    assert_eq!(code, 404);
    let (code, _) = curl(&ca, &[&format!("https://{}/no/such/route", ca.https)]);
    assert_eq!(code, 404);
    // Injection strings are data: issued (or refused by the linter), and
    // the database stays whole.
    let k = SoftwareKey::generate(SignatureAlgorithm::Sm2Sm3).unwrap();
    let evil = "CN=x'; DROP TABLE certificates;--,O=\\\"quoted\\\" <script>";
    let der = CsrBuilder::new(parse_name(evil).unwrap())
        .subject_alt_names(
            shangmi_pki::name::parse_general_names("URI:urn:dev:1').delete()").unwrap(),
        )
        .sign(&k)
        .unwrap()
        .to_der()
        .to_vec();
    let f = d.write("evil", base64ct::Base64::encode_string(&der));
    let (code, resp) = curl(
        &ca,
        &[
            "-H",
            ct,
            "-H",
            &auth,
            "--data-binary",
            &format!("@{}", f.display()),
            &url,
        ],
    );
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&resp));
    let list = ca.auth.store.certs(&Default::default()).await.unwrap();
    assert!(list.iter().any(|c| c.subject.contains("DROP TABLE")));
    // Control characters in a name: openssl builds such a CSR; the linter
    // refuses it with 400.
    ok(
        "openssl",
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:SM2",
            "-out",
            "k.pem",
        ],
        &d.0,
    );
    ok(
        "openssl",
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=bell\u{7}ring",
            "-sigopt",
            "distid:1234567812345678",
            "-outform",
            "DER",
            "-out",
            "c.der",
        ],
        &d.0,
    );
    let t2 = ca.token("device", "").await;
    let f = d.write(
        "ctl",
        base64ct::Base64::encode_string(&std::fs::read(d.path("c.der")).unwrap()),
    );
    let (code, resp) = curl(
        &ca,
        &[
            "-H",
            ct,
            "-H",
            &format!("Authorization: Bearer {t2}"),
            "--data-binary",
            &format!("@{}", f.display()),
            &url,
        ],
    );
    assert_eq!(code, 400, "{}", String::from_utf8_lossy(&resp));
    assert!(String::from_utf8_lossy(&resp).contains("control characters"));
    // An expired token.
    let short = ca
        .auth
        .create_token("device", "", std::time::Duration::from_secs(1), "test")
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let f = d.write("csr", base64ct::Base64::encode_string(&good_csr("CN=late")));
    let (code, resp) = curl(
        &ca,
        &[
            "-H",
            ct,
            "-H",
            &format!("Authorization: Bearer {short}"),
            "--data-binary",
            &format!("@{}", f.display()),
            &url,
        ],
    );
    assert_eq!(code, 401);
    assert!(String::from_utf8_lossy(&resp).contains("expired"));
    // Admin API: no token 401, wrong role 403, bad JSON 400.
    let (code, _) = curl(&ca, &[&format!("https://{}/api/v1/certificates", ca.https)]);
    assert_eq!(code, 401);
    let aud = shangmi_ca::server::create_admin_token(&ca.auth, "aud", "auditor", "test")
        .await
        .unwrap();
    let (code, _) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {aud}"),
            "-d",
            "{}",
            &format!("https://{}/api/v1/tokens", ca.https),
        ],
    );
    assert_eq!(code, 403);
    let op = shangmi_ca::server::create_admin_token(&ca.auth, "op", "operator", "test")
        .await
        .unwrap();
    let (code, _) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {op}"),
            "-d",
            "{not json",
            &format!("https://{}/api/v1/tokens", ca.https),
        ],
    );
    assert_eq!(code, 400);
    let (code, _) = curl(
        &ca,
        &[
            "-H",
            &format!("Authorization: Bearer {op}"),
            &format!("https://{}/api/v1/certificates?limit=abc", ca.https),
        ],
    );
    assert_eq!(code, 400);
    let (code, _) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {op}"),
            &format!("https://{}/api/v1/certificates/zz/revoke", ca.https),
        ],
    );
    assert_eq!(code, 400);
    let (code, _) = curl(
        &ca,
        &[
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {op}"),
            &format!("https://{}/api/v1/certificates/0102/revoke", ca.https),
        ],
    );
    assert_eq!(code, 404);
    // OCSP garbage over HTTP: a malformedRequest response, not an error page.
    let f = d.write("ocsp", b"\x30\x03\x02\x01\x05");
    let o = run(
        "curl",
        &[
            "-s",
            "-H",
            "Content-Type: application/ocsp-request",
            "--data-binary",
            &format!("@{}", f.display()),
            &format!("http://{}/ocsp", ca.http),
        ],
        &d.0,
    );
    assert_eq!(
        o.stdout,
        shangmi_pki::ocsp::error_response(shangmi_pki::ocsp::ResponseStatus::MalformedRequest)
    );
    // Through all of it the audit chain held.
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(r.intact(), "{:?}", r.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limit_per_client() {
    let ca = start_ca("rate", None, |cfg, _| cfg.limits.requests_per_minute = 5).await;
    let mut codes = Vec::new();
    for _ in 0..8 {
        codes.push(curl(&ca, &[&ca.est("", "cacerts")]).0);
    }
    assert_eq!(&codes[..5], &[200; 5]);
    assert!(codes[5..].iter().all(|c| *c == 429), "{codes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_log_catches_edits_deletions_and_reordering() {
    let ca = start_ca("tamper", None, |cfg, _| cfg.audit.checkpoint_every = 5).await;
    for i in 0..12 {
        ca.auth
            .create_token(
                "device",
                &format!("URI:urn:dev:{i}"),
                std::time::Duration::from_secs(60),
                "test",
            )
            .await
            .unwrap();
    }
    ca.auth.checkpoint().await.unwrap();
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(r.intact() && r.checkpoints >= 2, "{r:?}");
    let db = format!("sqlite://{}", ca.home().join("ca.db").display());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let exec = |q: &'static str| {
        let pool = pool.clone();
        async move { sqlx::query(q).execute(&pool).await.unwrap() }
    };
    // An edit.
    exec("UPDATE audit SET detail = '{\"san\":\"URI:urn:dev:evil\"}' WHERE seq = 4").await;
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("entry 4") && p.contains("edited")),
        "{:?}",
        r.problems
    );
    // Rehashing the edited entry breaks its successor and the checkpoint.
    exec("UPDATE audit SET hash = '00' || substr(hash, 3) WHERE seq = 4").await;
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("entry 5") && p.contains("chain broken")),
        "{:?}",
        r.problems
    );
    // A deletion.
    exec("DELETE FROM audit WHERE seq = 8").await;
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains("deleted")),
        "{:?}",
        r.problems
    );
    // Reordering.
    exec("UPDATE audit SET seq = -2 WHERE seq = 2").await;
    exec("UPDATE audit SET seq = 2 WHERE seq = 3").await;
    exec("UPDATE audit SET seq = 3 WHERE seq = -2").await;
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("entry 2") && p.contains("chain broken")),
        "{:?}",
        r.problems
    );
    // Truncation past a checkpoint.
    let last_cp: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_checkpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE seq >= $1")
        .bind(last_cp)
        .execute(&pool)
        .await
        .unwrap();
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains("truncated")),
        "{:?}",
        r.problems
    );
    // A forged checkpoint signature.
    exec("UPDATE audit_checkpoints SET signature = '3006020101020101'").await;
    let r = ca.auth.verify_audit().await.unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains("bad signature")),
        "{:?}",
        r.problems
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_documented_operation_is_routed() {
    let ca = start_ca("openapi", None, |_, _| {}).await;
    let doc: serde_json::Value = serde_json::from_str(shangmi_ca::server::OPENAPI).unwrap();
    let mut n = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let p = path
            .replace("{label}", "device")
            .replace("{serial}", "01")
            .replace("{device}", "d")
            .replace("{id}", "x")
            .replace("{verb}", "approve");
        for (method, _) in ops.as_object().unwrap() {
            let url = format!("https://{}{p}", ca.https);
            let (code, body) = curl(&ca, &["-X", &method.to_uppercase(), &url]);
            let text = String::from_utf8_lossy(&body);
            assert!(
                !text.contains("no such route"),
                "{method} {path} is documented but not routed"
            );
            assert!(code != 0 && code < 500, "{method} {path}: {code} {text}");
            n += 1;
        }
    }
    assert!(n >= 27);
}
