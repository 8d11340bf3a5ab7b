//! Helpers shared by the PKI integration tests: scratch directories, the
//! system OpenSSL, and CA hierarchies.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use shangmi::alg::SignatureAlgorithm;
use shangmi_pki::name::{parse_general_names, parse_name};
use shangmi_pki::{Certificate, CertificateBuilder, Issuer, Profile, Signer, SoftwareKey, alg};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed on drop.
pub struct Dir(pub PathBuf);

impl Dir {
    pub fn new(tag: &str) -> Self {
        let mut b = [0u8; 8];
        shangmi::rng::fill(&mut shangmi::rng::OsRng, &mut b).unwrap();
        let p = std::env::temp_dir().join(format!("shangmi-pki-{tag}-{}", hex::encode(b)));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }
    pub fn s(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `openssl` with `args` in `dir`.
pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the system openssl must be installed")
}

/// Runs `openssl` and insists that it succeeds.
pub fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let o = openssl(dir, args);
    assert!(
        o.status.success(),
        "openssl {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// The OpenSSL options that make it use the GM/T SM2 ID when verifying.
pub fn vfy(alg: SignatureAlgorithm) -> Vec<&'static str> {
    if alg == SignatureAlgorithm::Sm2Sm3 {
        vec!["-vfyopt", "distid:1234567812345678"]
    } else {
        vec![]
    }
}

/// The OpenSSL options that make it sign with the GM/T SM2 ID.
pub fn sigopt(alg: SignatureAlgorithm) -> Vec<&'static str> {
    if alg == SignatureAlgorithm::Sm2Sm3 {
        vec!["-sigopt", "distid:1234567812345678"]
    } else {
        vec![]
    }
}

/// The OpenSSL key generation options for `alg`.
pub fn genpkey(alg: SignatureAlgorithm) -> Vec<&'static str> {
    match alg {
        SignatureAlgorithm::Sm2Sm3 => vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2"],
        SignatureAlgorithm::EcdsaP256Sha256 => {
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        }
        SignatureAlgorithm::EcdsaP384Sha384 => {
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
        }
        SignatureAlgorithm::Ed25519 => vec!["-algorithm", "ED25519"],
    }
}

/// A root, an issuing CA and their keys.
pub struct Hierarchy {
    pub root_key: SoftwareKey,
    pub root: Certificate,
    pub ca_key: SoftwareKey,
    pub ca: Certificate,
}

pub fn hierarchy(alg: SignatureAlgorithm) -> Hierarchy {
    let root_key = SoftwareKey::generate(alg).unwrap();
    let root = CertificateBuilder::new(
        Profile::named("root-ca").unwrap(),
        parse_name(&format!("CN=Test Root {alg:?},O=shangmi tests,C=CN")).unwrap(),
        alg::spki_of(&root_key.public_key()).unwrap(),
    )
    .sign(Issuer::SelfSigned, &root_key)
    .unwrap();
    let ca_key = SoftwareKey::generate(alg).unwrap();
    let ca = CertificateBuilder::new(
        Profile::named("issuing-ca").unwrap(),
        parse_name(&format!("CN=Test Issuing CA {alg:?},O=shangmi tests,C=CN")).unwrap(),
        alg::spki_of(&ca_key.public_key()).unwrap(),
    )
    .crl_urls(vec!["http://127.0.0.1:8443/crl/root.crl".into()])
    .sign(Issuer::Ca(&root), &root_key)
    .unwrap();
    Hierarchy {
        root_key,
        root,
        ca_key,
        ca,
    }
}

/// Issues a leaf of `profile` with a fresh key of `alg`.
pub fn leaf(
    h: &Hierarchy,
    alg: SignatureAlgorithm,
    profile: &str,
    cn: &str,
    san: &str,
) -> (SoftwareKey, Certificate) {
    let key = SoftwareKey::generate(alg).unwrap();
    let mut b = CertificateBuilder::new(
        Profile::named(profile).unwrap(),
        parse_name(&format!("CN={cn},O=shangmi tests")).unwrap(),
        alg::spki_of(&key.public_key()).unwrap(),
    )
    .crl_urls(vec!["http://127.0.0.1:8443/crl/ca.crl".into()])
    .ocsp_urls(vec!["http://127.0.0.1:8443/ocsp".into()]);
    if !san.is_empty() {
        b = b.subject_alt_names(parse_general_names(san).unwrap());
    }
    let cert = b.sign(Issuer::Ca(&h.ca), &h.ca_key).unwrap();
    (key, cert)
}

/// Verifies an SM2 signature (DER) over `msg` with the GM/T ID using
/// RustCrypto's `sm2`: the independent judge where OpenSSL 3.0 uses an
/// empty ID.
pub fn rustcrypto_sm2_verify(public_point: &[u8], msg: &[u8], sig_der: &[u8]) -> bool {
    use ::signature::Verifier;
    let pk = ::sm2::PublicKey::from_sec1_bytes(public_point).unwrap();
    let vk = ::sm2::dsa::VerifyingKey::new("1234567812345678", pk).unwrap();
    let Ok(sig) = ::sm2::dsa::Signature::from_der(sig_der) else {
        return false;
    };
    vk.verify(msg, &sig).is_ok()
}

/// The uncompressed point of a certificate's SM2 key.
pub fn sm2_point(c: &Certificate) -> Vec<u8> {
    c.inner()
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec()
}

pub const ALGS: [SignatureAlgorithm; 2] = [
    SignatureAlgorithm::Sm2Sm3,
    SignatureAlgorithm::EcdsaP256Sha256,
];
