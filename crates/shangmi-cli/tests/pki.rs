//! End-to-end tests of the PKI verbs of the `shangmi` command: req, x509,
//! crl, ocsp, cms and show, their exit codes (0 ok, 1 negative verdict,
//! 2 error) and their interplay with the system OpenSSL.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("shangmi-cli-pki-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sm(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shangmi"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = sm(dir, args);
    assert!(
        o.status.success(),
        "shangmi {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn ossl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// root CA -> issuing CA -> device, made with the CLI.
fn pki(t: &Tmp, alg: &str) {
    let d = &t.0;
    ok(d, &["keygen", "--alg", alg, "--out", "root.key"]);
    ok(
        d,
        &[
            "x509",
            "selfsign",
            "--key",
            "root.key",
            "--subject",
            "CN=CLI Root,O=Acme,C=CN",
            "--profile",
            "root-ca",
            "--out",
            "root.pem",
        ],
    );
    ok(d, &["keygen", "--alg", alg, "--out", "ca.key"]);
    ok(
        d,
        &[
            "req",
            "--key",
            "ca.key",
            "--subject",
            "CN=CLI Issuing CA,O=Acme,C=CN",
            "--out",
            "ca.csr",
        ],
    );
    ok(
        d,
        &[
            "x509",
            "issue",
            "--ca-cert",
            "root.pem",
            "--ca-key",
            "root.key",
            "--csr",
            "ca.csr",
            "--profile",
            "issuing-ca",
            "--permit",
            "DNS:.example.com,URI:.example.com,IP:10.0.0.0/8",
            "--out",
            "ca.pem",
        ],
    );
    ok(d, &["keygen", "--alg", alg, "--out", "dev.key"]);
    ok(
        d,
        &[
            "req",
            "--key",
            "dev.key",
            "--subject",
            "CN=dev-0001,O=Acme",
            "--san",
            "DNS:dev-0001.example.com,IP:10.0.0.9",
            "--out",
            "dev.csr",
        ],
    );
    ok(
        d,
        &[
            "x509",
            "issue",
            "--ca-cert",
            "ca.pem",
            "--ca-key",
            "ca.key",
            "--csr",
            "dev.csr",
            "--profile",
            "device",
            "--crl-url",
            "http://127.0.0.1/crl",
            "--ocsp-url",
            "http://127.0.0.1/ocsp",
            "--out",
            "dev.pem",
        ],
    );
}

#[test]
fn issue_show_lint_verify_revoke() {
    for alg in ["sm2", "p256"] {
        let t = Tmp::new(alg);
        let d = &t.0;
        pki(&t, alg);
        let shown = ok(d, &["x509", "show", "dev.pem"]);
        assert!(
            shown.contains("Subject: O = Acme, CN = dev-0001"),
            "{shown}"
        );
        assert!(
            shown.contains("DNS:dev-0001.example.com, IP Address:10.0.0.9"),
            "{shown}"
        );
        assert!(shown.contains("SHA256 Fingerprint="), "{shown}");
        let req = ok(d, &["show", "dev.csr"]);
        assert!(req.contains("Certificate Request:"), "{req}");
        let lint = ok(d, &["x509", "lint", "dev.pem", "--issuer", "ca.pem"]);
        assert!(!lint.contains("error:"), "{lint}");
        // The path validates; OpenSSL agrees for each link.
        let v = ok(
            d,
            &[
                "x509",
                "verify",
                "--roots",
                "root.pem",
                "--untrusted",
                "ca.pem",
                "--purpose",
                "clientAuth",
                "dev.pem",
            ],
        );
        assert!(
            v.contains("dev.pem: OK") && v.contains("depth 2: C = CN, O = Acme, CN = CLI Root"),
            "{v}"
        );
        let vfy: &[&str] = if alg == "sm2" {
            &["-vfyopt", "distid:1234567812345678"]
        } else {
            &[]
        };
        let mut a = vec!["verify"];
        a.extend(vfy);
        a.extend(["-partial_chain", "-CAfile", "ca.pem", "dev.pem"]);
        assert!(ossl(d, &a).status.success());
        // Wrong purpose: exit 1 with the reason.
        let o = sm(
            d,
            &[
                "x509",
                "verify",
                "--roots",
                "root.pem",
                "--untrusted",
                "ca.pem",
                "--purpose",
                "serverAuth",
                "dev.pem",
            ],
        );
        assert_eq!(code(&o), 1);
        assert!(String::from_utf8_lossy(&o.stderr).contains("extended key usage"));
        // Expired at a future time: exit 1.
        let o = sm(
            d,
            &[
                "x509",
                "verify",
                "--roots",
                "root.pem",
                "--untrusted",
                "ca.pem",
                "--at",
                "2099-01-01T00:00:00Z",
                "dev.pem",
            ],
        );
        assert_eq!(code(&o), 1);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("expired"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Name constraints: a SAN outside the permitted subtrees is refused at validation.
        ok(
            d,
            &[
                "req",
                "--key",
                "dev.key",
                "--subject",
                "CN=rogue",
                "--san",
                "DNS:rogue.evil.org",
                "--out",
                "rogue.csr",
            ],
        );
        ok(
            d,
            &[
                "x509",
                "issue",
                "--ca-cert",
                "ca.pem",
                "--ca-key",
                "ca.key",
                "--csr",
                "rogue.csr",
                "--profile",
                "device",
                "--out",
                "rogue.pem",
            ],
        );
        let o = sm(
            d,
            &[
                "x509",
                "verify",
                "--roots",
                "root.pem",
                "--untrusted",
                "ca.pem",
                "rogue.pem",
            ],
        );
        assert_eq!(code(&o), 1);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("name constraints"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Revoke by CRL.
        let serial = {
            let s = ok(d, &["x509", "show", "dev.pem"]);

            s.lines()
                .skip_while(|l| !l.contains("Serial Number:"))
                .nth(1)
                .unwrap()
                .trim()
                .replace(':', "")
        };
        ok(
            d,
            &[
                "crl",
                "gen",
                "--ca-cert",
                "ca.pem",
                "--ca-key",
                "ca.key",
                "--revoked",
                &format!("{serial}:keyCompromise"),
                "--number",
                "5",
                "--out",
                "ca.crl",
            ],
        );
        ok(
            d,
            &[
                "crl",
                "gen",
                "--ca-cert",
                "root.pem",
                "--ca-key",
                "root.key",
                "--out",
                "root.crl",
            ],
        );
        let shown = ok(d, &["crl", "show", "ca.crl"]);
        assert!(
            shown.contains("keyCompromise") && shown.contains(&serial.to_uppercase()),
            "{shown}"
        );
        let o = sm(
            d,
            &[
                "x509",
                "verify",
                "--roots",
                "root.pem",
                "--untrusted",
                "ca.pem",
                "--crl",
                "ca.crl",
                "--crl",
                "root.crl",
                "dev.pem",
            ],
        );
        assert_eq!(code(&o), 1);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("revoked"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            ossl(d, &["crl", "-in", "ca.crl", "-noout"])
                .status
                .success()
        );
    }
}

#[test]
fn ocsp_request_respond_check() {
    for alg in ["sm2", "p256"] {
        let t = Tmp::new(&format!("ocsp-{alg}"));
        let d = &t.0;
        pki(&t, alg);
        ok(d, &["keygen", "--alg", alg, "--out", "ocsp.key"]);
        ok(
            d,
            &[
                "req",
                "--key",
                "ocsp.key",
                "--subject",
                "CN=OCSP responder",
                "--out",
                "ocsp.csr",
            ],
        );
        ok(
            d,
            &[
                "x509",
                "issue",
                "--ca-cert",
                "ca.pem",
                "--ca-key",
                "ca.key",
                "--csr",
                "ocsp.csr",
                "--profile",
                "ocsp-responder",
                "--out",
                "ocsp.pem",
            ],
        );
        let o = sm(
            d,
            &[
                "ocsp",
                "request",
                "--issuer",
                "ca.pem",
                "--cert",
                "dev.pem",
                "--hash",
                "sm3",
                "--url",
                "http://127.0.0.1/ocsp",
                "--out",
                "req.der",
            ],
        );
        assert!(o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        let nonce = err
            .lines()
            .find_map(|l| l.strip_prefix("nonce: "))
            .unwrap()
            .to_string();
        assert!(err.contains("GET http://127.0.0.1/ocsp/"), "{err}");
        ok(
            d,
            &[
                "ocsp",
                "respond",
                "--ca-cert",
                "ca.pem",
                "--responder-cert",
                "ocsp.pem",
                "--responder-key",
                "ocsp.key",
                "--reqin",
                "req.der",
                "--out",
                "good.der",
            ],
        );
        let out = ok(
            d,
            &[
                "ocsp", "check", "--issuer", "ca.pem", "--cert", "dev.pem", "--resp", "good.der",
                "--nonce", &nonce,
            ],
        );
        assert!(out.contains("good"), "{out}");
        // A wrong nonce: exit 1.
        let o = sm(
            d,
            &[
                "ocsp", "check", "--issuer", "ca.pem", "--cert", "dev.pem", "--resp", "good.der",
                "--nonce", "00112233",
            ],
        );
        assert_eq!(code(&o), 1);
        // Revoked.
        let serial = ok(d, &["x509", "show", "dev.pem"])
            .lines()
            .skip_while(|l| !l.contains("Serial Number:"))
            .nth(1)
            .unwrap()
            .trim()
            .replace(':', "");
        ok(
            d,
            &[
                "ocsp",
                "respond",
                "--ca-cert",
                "ca.pem",
                "--responder-cert",
                "ocsp.pem",
                "--responder-key",
                "ocsp.key",
                "--reqin",
                "req.der",
                "--revoked",
                &format!("{serial}:superseded"),
                "--out",
                "revoked.der",
            ],
        );
        let o = sm(
            d,
            &[
                "ocsp",
                "check",
                "--issuer",
                "ca.pem",
                "--cert",
                "dev.pem",
                "--resp",
                "revoked.der",
            ],
        );
        assert_eq!(code(&o), 1);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("revoked")
                && String::from_utf8_lossy(&o.stderr).contains("superseded")
        );
        // Unknown when the CA did not issue it.
        ok(
            d,
            &[
                "ocsp",
                "respond",
                "--ca-cert",
                "ca.pem",
                "--responder-cert",
                "ocsp.pem",
                "--responder-key",
                "ocsp.key",
                "--reqin",
                "req.der",
                "--issued",
                "01,02",
                "--out",
                "unknown.der",
            ],
        );
        assert_eq!(
            code(&sm(
                d,
                &[
                    "ocsp",
                    "check",
                    "--issuer",
                    "ca.pem",
                    "--cert",
                    "dev.pem",
                    "--resp",
                    "unknown.der"
                ]
            )),
            1
        );
        // Garbage request: malformedRequest, not a crash.
        std::fs::write(d.join("junk.der"), b"\x30\x03\x02\x01\x05").unwrap();
        ok(
            d,
            &[
                "ocsp",
                "respond",
                "--ca-cert",
                "ca.pem",
                "--responder-cert",
                "ocsp.pem",
                "--responder-key",
                "ocsp.key",
                "--reqin",
                "junk.der",
                "--out",
                "malformed.der",
            ],
        );
        assert!(ok(d, &["show", "malformed.der"]).contains("MalformedRequest"));
        // The response as text.
        let shown = ok(d, &["show", "revoked.der"]);
        assert!(
            shown.contains("Cert Status: revoked") && shown.contains("Hash Algorithm: SM3"),
            "{shown}"
        );
    }
}

#[test]
fn cms_sign_verify_encrypt_decrypt() {
    for alg in ["sm2", "p256"] {
        let t = Tmp::new(&format!("cms-{alg}"));
        let d = &t.0;
        pki(&t, alg);
        std::fs::write(
            d.join("fw.bin"),
            (0..4096u32).map(|i| i as u8).collect::<Vec<_>>(),
        )
        .unwrap();
        std::fs::write(
            d.join("chain.pem"),
            std::fs::read_to_string(d.join("ca.pem")).unwrap(),
        )
        .unwrap();
        ok(
            d,
            &[
                "cms",
                "sign",
                "--cert",
                "dev.pem",
                "--key",
                "dev.key",
                "--chain",
                "chain.pem",
                "--detached",
                "--in",
                "fw.bin",
                "--out",
                "fw.sig",
            ],
        );
        let o = sm(
            d,
            &[
                "cms",
                "verify",
                "--roots",
                "root.pem",
                "--content",
                "fw.bin",
                "--in",
                "fw.sig",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // Altered firmware: exit 1.
        let mut bad = std::fs::read(d.join("fw.bin")).unwrap();
        bad[7] ^= 1;
        std::fs::write(d.join("bad.bin"), bad).unwrap();
        assert_eq!(
            code(&sm(
                d,
                &[
                    "cms",
                    "verify",
                    "--roots",
                    "root.pem",
                    "--content",
                    "bad.bin",
                    "--in",
                    "fw.sig"
                ]
            )),
            1
        );
        // Untrusted signer: exit 1.
        ok(d, &["keygen", "--alg", alg, "--out", "other.key"]);
        ok(
            d,
            &[
                "x509",
                "selfsign",
                "--key",
                "other.key",
                "--subject",
                "CN=Other Root",
                "--profile",
                "root-ca",
                "--out",
                "other.pem",
            ],
        );
        assert_eq!(
            code(&sm(
                d,
                &[
                    "cms",
                    "verify",
                    "--roots",
                    "other.pem",
                    "--content",
                    "fw.bin",
                    "--in",
                    "fw.sig"
                ]
            )),
            1
        );
        // Enveloped to the device key.
        ok(
            d,
            &[
                "cms", "encrypt", "--recip", "dev.pem", "--cipher", "sm4-gcm", "--in", "fw.bin",
                "--out", "fw.env",
            ],
        );
        ok(
            d,
            &[
                "cms", "decrypt", "--cert", "dev.pem", "--key", "dev.key", "--in", "fw.env",
                "--out", "fw.out",
            ],
        );
        assert_eq!(
            std::fs::read(d.join("fw.out")).unwrap(),
            std::fs::read(d.join("fw.bin")).unwrap()
        );
        let o = sm(
            d,
            &[
                "cms",
                "decrypt",
                "--cert",
                "dev.pem",
                "--key",
                "other.key",
                "--in",
                "fw.env",
            ],
        );
        assert_ne!(code(&o), 0);
    }
}

#[test]
fn bad_arguments_are_errors_with_messages() {
    let t = Tmp::new("bad");
    let d = &t.0;
    ok(d, &["keygen", "--alg", "sm2", "--out", "k.key"]);
    for (args, needle) in [
        (
            vec!["req", "--key", "k.key", "--subject", "CN"],
            "has no '='",
        ),
        (
            vec![
                "req",
                "--key",
                "k.key",
                "--subject",
                "CN=x",
                "--san",
                "DNS:bad name",
            ],
            "DNS name",
        ),
        (
            vec![
                "x509",
                "selfsign",
                "--key",
                "k.key",
                "--subject",
                "CN=x",
                "--profile",
                "nope",
            ],
            "unknown profile",
        ),
        (vec!["x509", "show", "k.key"], "no certificate"),
        (
            vec!["crl", "gen", "--ca-cert", "k.key", "--ca-key", "k.key"],
            "k.key",
        ),
        (
            vec!["x509", "verify", "--roots", "missing.pem", "k.key"],
            "no PEM block labelled CERTIFICATE",
        ),
    ] {
        let o = sm(d, &args);
        assert_eq!(code(&o), 2, "{args:?}");
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(needle), "{args:?}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
    // An SM2 request signed by OpenSSL with its default (empty) ID is
    // refused at issuance, naming the ID.
    if ossl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "k.key",
            "-subj",
            "/CN=x",
            "-out",
            "empty.csr",
        ],
    )
    .status
    .success()
    {
        ok(
            d,
            &[
                "x509",
                "selfsign",
                "--key",
                "k.key",
                "--subject",
                "CN=ca",
                "--profile",
                "root-ca",
                "--out",
                "ca.pem",
            ],
        );
        let o = sm(
            d,
            &[
                "x509",
                "issue",
                "--ca-cert",
                "ca.pem",
                "--ca-key",
                "k.key",
                "--csr",
                "empty.csr",
                "--profile",
                "device",
            ],
        );
        assert_eq!(code(&o), 2);
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("empty SM2 ID"),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
