//! Differential tests against the system OpenSSL 3.0 command line on random
//! inputs: SM3, HMAC-SM3, PBKDF2-HMAC-SM3 and SM4 in ECB, CBC (with and
//! without padding), CFB, OFB and CTR.
#![allow(clippy::unwrap_used, clippy::panic)]

use shangmi::sm4::{self, Padding, Sm4};
use shangmi::{kdf, sm3};
use std::io::Write;
use std::process::{Command, Stdio};

fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is installed (scripts/test.sh installs it)");
    let mut si = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let w = std::thread::spawn(move || si.write_all(&data));
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A small deterministic generator, so failures reproduce.
struct Gen(u64);
impl Gen {
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0 as u8
            })
            .collect()
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        self.bytes(N).try_into().unwrap()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn dgst_hex(out: &[u8]) -> String {
    // "SM3(stdin)= <hex>" or "HMAC-SM3(stdin)= <hex>"
    let s = String::from_utf8(out.to_vec()).unwrap();
    s.rsplit(' ').next().unwrap().trim().to_string()
}

#[test]
fn sm3_and_hmac_sm3() {
    let mut g = Gen(0x5eed_0001);
    for n in [0usize, 1, 55, 56, 63, 64, 65, 119, 1000, 100_000] {
        let m = g.bytes(n);
        assert_eq!(
            dgst_hex(&openssl(&["dgst", "-sm3"], &m)),
            hex(&sm3::hash(&m)),
            "SM3 of {n} bytes"
        );
        let key = g.bytes(n % 97 + 1);
        let hk = format!("hexkey:{}", hex(&key));
        let theirs = openssl(&["dgst", "-sm3", "-mac", "HMAC", "-macopt", &hk], &m);
        assert_eq!(
            dgst_hex(&theirs),
            hex(&sm3::hmac(&key, &m)),
            "HMAC-SM3, {n} bytes"
        );
    }
}

#[test]
fn pbkdf2_hmac_sm3() {
    let mut g = Gen(0x5eed_0002);
    for (iters, len) in [(1u32, 16usize), (2, 32), (1000, 64), (7, 100)] {
        let salt = g.bytes(16);
        let pass = format!("pw-{iters}");
        let mut ours = vec![0u8; len];
        kdf::pbkdf2_hmac_sm3(pass.as_bytes(), &salt, iters, &mut ours).unwrap();
        let out = openssl(
            &[
                "kdf",
                "-keylen",
                &len.to_string(),
                "-kdfopt",
                "digest:SM3",
                "-kdfopt",
                &format!("pass:{pass}"),
                "-kdfopt",
                &format!("hexsalt:{}", hex(&salt)),
                "-kdfopt",
                &format!("iter:{iters}"),
                "PBKDF2",
            ],
            b"",
        );
        let theirs = String::from_utf8(out)
            .unwrap()
            .trim()
            .replace(':', "")
            .to_lowercase();
        assert_eq!(theirs, hex(&ours), "iterations {iters}");
    }
}

#[test]
fn sm4_modes() {
    let mut g = Gen(0x5eed_0003);
    for n in [0usize, 1, 15, 16, 17, 31, 32, 100, 4096 + 5] {
        let key: [u8; 16] = g.array();
        let iv: [u8; 16] = g.array();
        let m = g.bytes(n);
        let c = Sm4::new(&key);
        let (k, i) = (hex(&key), hex(&iv));

        let mut out = vec![0u8; n + 16];
        let len = sm4::ecb::encrypt(&c, Padding::Pkcs7, &m, &mut out).unwrap();
        assert_eq!(
            out[..len],
            openssl(&["enc", "-sm4-ecb", "-K", &k], &m)[..],
            "ECB {n}"
        );
        let len = sm4::cbc_encrypt(&key, &iv, Padding::Pkcs7, &m, &mut out).unwrap();
        assert_eq!(
            out[..len],
            openssl(&["enc", "-sm4-cbc", "-K", &k, "-iv", &i], &m)[..],
            "CBC {n}"
        );
        if n % 16 == 0 {
            let len = sm4::cbc_encrypt(&key, &iv, Padding::None, &m, &mut out).unwrap();
            assert_eq!(
                out[..len],
                openssl(&["enc", "-sm4-cbc", "-K", &k, "-iv", &i, "-nopad"], &m)[..],
                "CBC nopad {n}"
            );
            // And OpenSSL's ciphertext decrypts here.
            let theirs = openssl(&["enc", "-sm4-ecb", "-K", &k, "-nopad"], &m);
            let mut back = vec![0u8; n];
            let l = sm4::ecb::decrypt(&c, Padding::None, &theirs, &mut back).unwrap();
            assert_eq!(back[..l], m[..]);
        }
        let theirs = openssl(&["enc", "-sm4-cbc", "-K", &k, "-iv", &i], &m);
        let mut back = vec![0u8; theirs.len()];
        let l = sm4::cbc_decrypt(&key, &iv, Padding::Pkcs7, &theirs, &mut back).unwrap();
        assert_eq!(back[..l], m[..], "CBC decrypt {n}");

        let mut d = m.clone();
        sm4::cfb::encrypt(&c, &iv, &mut d);
        assert_eq!(
            d,
            openssl(&["enc", "-sm4-cfb", "-K", &k, "-iv", &i], &m),
            "CFB {n}"
        );
        let mut d = m.clone();
        sm4::ofb::apply(&c, &iv, &mut d);
        assert_eq!(
            d,
            openssl(&["enc", "-sm4-ofb", "-K", &k, "-iv", &i], &m),
            "OFB {n}"
        );
        let mut d = m.clone();
        sm4::ctr::apply(&c, &iv, &mut d);
        assert_eq!(
            d,
            openssl(&["enc", "-sm4-ctr", "-K", &k, "-iv", &i], &m),
            "CTR {n}"
        );
    }
    // The counter carries across all 128 bits, as OpenSSL's does.
    let key = [5u8; 16];
    let iv = [0xffu8; 16];
    let m = [0u8; 48];
    let mut d = m;
    sm4::ctr::apply(&Sm4::new(&key), &iv, &mut d);
    assert_eq!(
        d.to_vec(),
        openssl(&["enc", "-sm4-ctr", "-K", &hex(&key), "-iv", &hex(&iv)], &m)
    );
}
