//! End-to-end tests of the `shangmi` command, checked against the system
//! OpenSSL 3.0 CLI in both directions.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ID: &str = "1234567812345678";

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!(
            "shangmi-cli-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn shangmi(args: &[&str], stdin: &[u8]) -> Output {
    run(
        Command::new(env!("CARGO_BIN_EXE_shangmi")).args(args),
        stdin,
    )
}

fn openssl(args: &[&str], stdin: &[u8]) -> Output {
    run(Command::new("openssl").args(args), stdin)
}

fn run(cmd: &mut Command, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut si = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = si.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[track_caller]
fn ok(o: Output) -> Vec<u8> {
    assert!(
        o.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

#[track_caller]
fn status(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn message(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + n) as u8).collect()
}

#[test]
fn hash_matches_openssl_and_sha256sum_format() {
    let t = Tmp::new("hash");
    let a = t.write("a.bin", &message(1000));
    let b = t.write("b.bin", b"abc");
    let out = String::from_utf8(ok(shangmi(&["hash", s(&a), s(&b)], b""))).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    for (line, f) in lines.iter().zip([&a, &b]) {
        let want = String::from_utf8(ok(openssl(&["dgst", "-sm3", "-r", s(f)], b""))).unwrap();
        let want_hex = want.split_whitespace().next().unwrap();
        assert_eq!(*line, format!("{want_hex}  {}", s(f)));
    }
    assert_eq!(
        lines[1].split_whitespace().next().unwrap(),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    for alg in ["sha256", "sha384", "sha512"] {
        let ours = String::from_utf8(ok(shangmi(&["hash", "--alg", alg], b"abc"))).unwrap();
        let theirs =
            String::from_utf8(ok(openssl(&["dgst", &format!("-{alg}"), "-r"], b"abc"))).unwrap();
        assert_eq!(
            ours.split_whitespace().next(),
            theirs.split_whitespace().next(),
            "{alg}"
        );
        assert!(
            ours.trim_end().ends_with("  -"),
            "stdin is named '-': {ours}"
        );
    }
}

#[test]
fn missing_file_is_a_one_line_error_with_status_2() {
    let o = shangmi(&["hash", "/nonexistent/file"], b"");
    status(&o, 2);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/file"), "{err}");
}

fn keygen(t: &Tmp, alg: &str) -> (PathBuf, PathBuf) {
    let key = t.path(&format!("{alg}.key"));
    let public = t.path(&format!("{alg}.pub"));
    ok(shangmi(&["keygen", "--alg", alg, "--out", s(&key)], b""));
    ok(shangmi(
        &["pubkey", "--key", s(&key), "--out", s(&public)],
        b"",
    ));
    (key, public)
}

#[test]
fn keys_are_readable_by_openssl_and_back() {
    let t = Tmp::new("keys");
    for alg in ["sm2", "p256", "p384", "ed25519"] {
        let (key, public) = keygen(&t, alg);
        let text =
            String::from_utf8(ok(openssl(&["pkey", "-in", s(&key), "-pubout"], b""))).unwrap();
        let ours = std::fs::read_to_string(&public).unwrap();
        assert_eq!(text, ours, "{alg}: openssl derives the same SPKI PEM");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{alg}: private key file is private");
        }
    }
    // An OpenSSL key, read by us.
    let k = t.path("ossl-sm2.pem");
    ok(openssl(
        &["genpkey", "-algorithm", "SM2", "-out", s(&k)],
        b"",
    ));
    let ours = ok(shangmi(&["pubkey", "--key", s(&k)], b""));
    let theirs = ok(openssl(&["pkey", "-in", s(&k), "-pubout"], b""));
    assert_eq!(ours, theirs);
}

#[test]
fn sm2_signatures_interoperate_with_openssl() {
    let t = Tmp::new("sm2sig");
    let (key, public) = keygen(&t, "sm2");
    for (i, id) in [ID, "ALICE123@YAHOO.COM", "device-0001"]
        .into_iter()
        .enumerate()
    {
        let msg = t.write(&format!("m{i}"), &message(100 + i * 977));
        let sig = t.path(&format!("s{i}.der"));
        ok(shangmi(
            &[
                "sign",
                "--key",
                s(&key),
                "--id",
                id,
                "--in",
                s(&msg),
                "--out",
                s(&sig),
            ],
            b"",
        ));
        let distid = format!("distid:{id}");
        ok(openssl(
            &[
                "pkeyutl",
                "-verify",
                "-pubin",
                "-inkey",
                s(&public),
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &distid,
                "-in",
                s(&msg),
                "-sigfile",
                s(&sig),
            ],
            b"",
        ));
        let osig = t.path(&format!("o{i}.der"));
        ok(openssl(
            &[
                "pkeyutl",
                "-sign",
                "-inkey",
                s(&key),
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &distid,
                "-in",
                s(&msg),
                "-out",
                s(&osig),
            ],
            b"",
        ));
        ok(shangmi(
            &[
                "verify",
                "--pub",
                s(&public),
                "--id",
                id,
                "--in",
                s(&msg),
                "--sig",
                s(&osig),
            ],
            b"",
        ));
        // Wrong ID, tampered message: a negative verdict, status 1.
        let o = shangmi(
            &[
                "verify",
                "--pub",
                s(&public),
                "--id",
                "other",
                "--in",
                s(&msg),
                "--sig",
                s(&osig),
            ],
            b"",
        );
        status(&o, 1);
        let mut m = std::fs::read(&msg).unwrap();
        m[0] ^= 1;
        let bad = t.write("bad", &m);
        status(
            &shangmi(
                &[
                    "verify",
                    "--pub",
                    s(&public),
                    "--id",
                    id,
                    "--in",
                    s(&bad),
                    "--sig",
                    s(&sig),
                ],
                b"",
            ),
            1,
        );
    }
    // Raw r||s form from stdin to stdout.
    let raw = ok(shangmi(
        &["sign", "--key", s(&key), "--format", "raw"],
        b"hello",
    ));
    assert_eq!(raw.len(), 64);
    let sig = t.write("raw.sig", &raw);
    ok(shangmi(
        &[
            "verify",
            "--pub",
            s(&public),
            "--format",
            "raw",
            "--sig",
            s(&sig),
        ],
        b"hello",
    ));
    status(
        &shangmi(
            &[
                "verify",
                "--pub",
                s(&public),
                "--format",
                "der",
                "--sig",
                s(&sig),
            ],
            b"hello",
        ),
        1,
    );
}

#[test]
fn standard_signatures_interoperate_with_openssl() {
    let t = Tmp::new("stdsig");
    let msg = t.write("m", &message(3000));
    for (alg, dgst) in [("p256", "-sha256"), ("p384", "-sha384")] {
        let (key, public) = keygen(&t, alg);
        let sig = t.path(&format!("{alg}.sig"));
        ok(shangmi(
            &["sign", "--key", s(&key), "--in", s(&msg), "--out", s(&sig)],
            b"",
        ));
        ok(openssl(
            &[
                "dgst",
                dgst,
                "-verify",
                s(&public),
                "-signature",
                s(&sig),
                s(&msg),
            ],
            b"",
        ));
        let osig = t.path(&format!("{alg}.osig"));
        ok(openssl(
            &["dgst", dgst, "-sign", s(&key), "-out", s(&osig), s(&msg)],
            b"",
        ));
        ok(shangmi(
            &[
                "verify",
                "--pub",
                s(&public),
                "--in",
                s(&msg),
                "--sig",
                s(&osig),
            ],
            b"",
        ));
        status(
            &shangmi(
                &["verify", "--pub", s(&public), "--sig", s(&osig)],
                b"other",
            ),
            1,
        );
    }
    let (key, public) = keygen(&t, "ed25519");
    let sig = t.path("ed.sig");
    ok(shangmi(
        &[
            "sign",
            "--key",
            s(&key),
            "--in",
            s(&msg),
            "--out",
            s(&sig),
            "--format",
            "raw",
        ],
        b"",
    ));
    ok(openssl(
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            s(&public),
            "-rawin",
            "-in",
            s(&msg),
            "-sigfile",
            s(&sig),
        ],
        b"",
    ));
}

#[test]
fn sm2_encryption_interoperates_with_openssl() {
    let t = Tmp::new("sm2enc");
    let (key, public) = keygen(&t, "sm2");
    for n in [1usize, 19, 32, 1000, 70_000] {
        let m = message(n);
        let pt = t.write("pt", &m);
        let ct = t.path("ct");
        ok(shangmi(
            &[
                "encrypt",
                "--pub",
                s(&public),
                "--in",
                s(&pt),
                "--out",
                s(&ct),
            ],
            b"",
        ));
        let back = ok(openssl(
            &["pkeyutl", "-decrypt", "-inkey", s(&key), "-in", s(&ct)],
            b"",
        ));
        assert_eq!(back, m, "openssl decrypts ours, {n} bytes");
        let oct = t.path("oct");
        ok(openssl(
            &[
                "pkeyutl",
                "-encrypt",
                "-pubin",
                "-inkey",
                s(&public),
                "-in",
                s(&pt),
                "-out",
                s(&oct),
            ],
            b"",
        ));
        let back = ok(shangmi(
            &["decrypt", "--key", s(&key), "--in", s(&oct)],
            b"",
        ));
        assert_eq!(back, m, "we decrypt openssl's, {n} bytes");
    }
    for f in ["c1c3c2", "c1c2c3"] {
        let ct = ok(shangmi(
            &["encrypt", "--pub", s(&public), "--format", f],
            b"secret message",
        ));
        assert_eq!(ct.len(), 65 + 32 + 14);
        assert_eq!(ct[0], 4);
        let c = t.write("c", &ct);
        assert_eq!(
            ok(shangmi(
                &["decrypt", "--key", s(&key), "--format", f, "--in", s(&c)],
                b""
            )),
            b"secret message"
        );
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let c = t.write("c", &bad);
        status(
            &shangmi(
                &["decrypt", "--key", s(&key), "--format", f, "--in", s(&c)],
                b"",
            ),
            1,
        );
    }
}

#[test]
fn encrypted_private_keys() {
    let t = Tmp::new("enckey");
    let pass = t.write("pass", b"correct horse\n");
    let wrong = t.write("wrong", b"battery staple\n");
    let key = t.path("k.pem");
    ok(shangmi(
        &[
            "keygen",
            "--alg",
            "sm2",
            "--out",
            s(&key),
            "--pass-file",
            s(&pass),
        ],
        b"",
    ));
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{pem}"
    );
    let pub1 = ok(shangmi(
        &["pubkey", "--key", s(&key), "--pass-file", s(&pass)],
        b"",
    ));
    assert!(
        String::from_utf8(pub1)
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let o = shangmi(&["pubkey", "--key", s(&key), "--pass-file", s(&wrong)], b"");
    status(&o, 2);
    let o = shangmi(&["pubkey", "--key", s(&key)], b"");
    status(&o, 2);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("pass"),
        "says a passphrase is needed"
    );
    // An OpenSSL-encrypted key (PBES2, AES-256-CBC, PBKDF2-HMAC-SHA256).
    let okey = t.path("o.pem");
    ok(openssl(
        &[
            "genpkey",
            "-algorithm",
            "SM2",
            "-aes-256-cbc",
            "-pass",
            "pass:correct horse",
            "-out",
            s(&okey),
        ],
        b"",
    ));
    let ours = ok(shangmi(
        &["pubkey", "--key", s(&okey), "--pass-file", s(&pass)],
        b"",
    ));
    let theirs = ok(openssl(
        &[
            "pkey",
            "-in",
            s(&okey),
            "-passin",
            "pass:correct horse",
            "-pubout",
        ],
        b"",
    ));
    assert_eq!(ours, theirs);
}

#[test]
fn sm4_modes_match_openssl_enc() {
    let key = "0123456789abcdeffedcba9876543210";
    let iv = "00112233445566778899aabbccddeeff";
    for n in [0usize, 1, 15, 16, 17, 64, 1000] {
        let m = message(n);
        for (mode, cipher) in [
            ("ecb", "-sm4-ecb"),
            ("cbc", "-sm4-cbc"),
            ("cfb", "-sm4-cfb"),
            ("ofb", "-sm4-ofb"),
            ("ctr", "-sm4-ctr"),
        ] {
            let mut args = vec!["sm4", "--mode", mode, "--key", key];
            let mut oargs = vec!["enc", cipher, "-K", key];
            if mode != "ecb" {
                args.extend(["--iv", iv]);
                oargs.extend(["-iv", iv]);
            }
            let ours = ok(shangmi(&args, &m));
            let theirs = ok(openssl(&oargs, &m));
            assert_eq!(ours, theirs, "{mode}, {n} bytes");
            args.push("--decrypt");
            assert_eq!(ok(shangmi(&args, &ours)), m, "{mode} decrypt, {n} bytes");
            if (mode == "ecb" || mode == "cbc") && n % 16 == 0 {
                args.pop();
                args.push("--nopad");
                oargs.push("-nopad");
                assert_eq!(
                    ok(shangmi(&args, &m)),
                    ok(openssl(&oargs, &m)),
                    "{mode} -nopad"
                );
            }
        }
    }
}

#[test]
fn sm4_aead_modes_follow_rfc8998_and_reject_tampering() {
    let key = "0123456789abcdeffedcba9876543210";
    let iv = "00001234567800000000abcd";
    let aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2";
    let pt = hex::decode("aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa").unwrap();
    for (mode, tag) in [
        ("gcm", "83de3541e4c2b58177e065a9bf7b62ec"),
        ("ccm", "16842d4fa186f56ab33256971fa110f4"),
    ] {
        let ct = ok(shangmi(
            &[
                "sm4", "--mode", mode, "--key", key, "--iv", iv, "--aad", aad,
            ],
            &pt,
        ));
        assert_eq!(hex::encode(&ct[ct.len() - 16..]), tag, "{mode}");
        let back = ok(shangmi(
            &[
                "sm4", "--mode", mode, "--key", key, "--iv", iv, "--aad", aad, "-d",
            ],
            &ct,
        ));
        assert_eq!(back, pt);
        let mut bad = ct.clone();
        bad[3] ^= 0x80;
        let o = shangmi(
            &[
                "sm4", "--mode", mode, "--key", key, "--iv", iv, "--aad", aad, "-d",
            ],
            &bad,
        );
        status(&o, 1);
        assert!(
            o.stdout.is_empty(),
            "no plaintext is released on a failed tag"
        );
    }
}

#[test]
fn sm4_xts_round_trips_and_bad_arguments_are_errors() {
    let key = "0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff";
    let iv = "000102030405060708090a0b0c0d0e0f";
    let m = message(100);
    for std in ["ieee", "gb"] {
        let ct = ok(shangmi(
            &[
                "sm4",
                "--mode",
                "xts",
                "--key",
                key,
                "--iv",
                iv,
                "--xts-standard",
                std,
            ],
            &m,
        ));
        assert_eq!(ct.len(), m.len());
        assert_eq!(
            ok(shangmi(
                &[
                    "sm4",
                    "--mode",
                    "xts",
                    "--key",
                    key,
                    "--iv",
                    iv,
                    "--xts-standard",
                    std,
                    "-d"
                ],
                &ct
            )),
            m
        );
    }
    status(
        &shangmi(&["sm4", "--mode", "cbc", "--key", "zz", "--iv", iv], b"x"),
        2,
    );
    status(
        &shangmi(&["sm4", "--mode", "cbc", "--key", "00", "--iv", iv], b"x"),
        2,
    );
    status(
        &shangmi(&["sm4", "--mode", "cbc", "--key", &key[..32]], b"x"),
        2,
    );
    status(
        &shangmi(
            &[
                "sm4",
                "--mode",
                "cbc",
                "--key",
                &key[..32],
                "--iv",
                iv,
                "--nopad",
            ],
            b"x",
        ),
        2,
    );
}

#[test]
fn selftest_passes() {
    let out = ok(shangmi(&["selftest"], b""));
    assert!(String::from_utf8(out).unwrap().contains("passed"));
}

#[test]
fn speed_prints_json_lines_and_rejects_unknown_operations() {
    let out = String::from_utf8(ok(shangmi(
        &[
            "speed",
            "sm3",
            "sm4-ctr",
            "sm2-sign",
            "--seconds",
            "0.05",
            "--json",
        ],
        b"",
    )))
    .unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    for (line, op) in lines.iter().zip(["sm3", "sm4-ctr", "sm2-sign"]) {
        assert!(
            line.starts_with(&format!("{{\"op\":\"{op}\",\"bytes\":")),
            "{line}"
        );
        let rate: f64 = line
            .split("\"ops_per_sec\":")
            .nth(1)
            .unwrap()
            .split([',', '}'])
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(rate > 0.0, "{line}");
        assert_eq!(line.contains("mb_per_sec"), op != "sm2-sign", "{line}");
    }
    // A prefix selects a family; the table form has a header.
    let table =
        String::from_utf8(ok(shangmi(&["speed", "sm4", "--seconds", "0.02"], b""))).unwrap();
    assert!(table.lines().next().unwrap().starts_with("kernels: SM3 "));
    assert!(table.lines().nth(1).unwrap().starts_with("op"));
    assert!(table.lines().count() > 8, "{table}");
    // An exact name is that operation alone, and naming one twice runs it once.
    let sm3 = String::from_utf8(ok(shangmi(
        &[
            "speed",
            "sm3",
            "sm3-x8",
            "sm3-x8",
            "--seconds",
            "0.02",
            "--json",
        ],
        b"",
    )))
    .unwrap();
    let ops: Vec<&str> = sm3.lines().map(|l| l.split('"').nth(3).unwrap()).collect();
    assert_eq!(ops, ["sm3", "sm3-x8"], "{sm3}");
    let o = shangmi(&["speed", "md5"], b"");
    status(&o, 2);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown operation"));
    status(&shangmi(&["speed", "--seconds", "0"], b""), 2);
}

#[test]
fn openssl_encrypted_keys_with_every_supported_cipher_and_prf() {
    let t = Tmp::new("pbes2");
    let pass = t.write("pass", b"pw\n");
    let plain = t.path("k.pem");
    ok(openssl(
        &["genpkey", "-algorithm", "SM2", "-out", s(&plain)],
        b"",
    ));
    let want = ok(openssl(&["pkey", "-in", s(&plain), "-pubout"], b""));
    for (cipher, prf) in [
        ("sm4-cbc", "hmacWithSHA256"),
        ("aes-128-cbc", "hmacWithSHA512"),
        ("aes-192-cbc", "hmacWithSHA384"),
        ("aes-256-cbc", "hmacWithSHA256"),
    ] {
        let enc = t.path(&format!("{cipher}-{prf}.pem"));
        ok(openssl(
            &[
                "pkcs8",
                "-topk8",
                "-in",
                s(&plain),
                "-v2",
                cipher,
                "-v2prf",
                prf,
                "-passout",
                "pass:pw",
                "-out",
                s(&enc),
            ],
            b"",
        ));
        let got = ok(shangmi(
            &["pubkey", "--key", s(&enc), "--pass-file", s(&pass)],
            b"",
        ));
        assert_eq!(got, want, "{cipher} with {prf}");
    }
}
