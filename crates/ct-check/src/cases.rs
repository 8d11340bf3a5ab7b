//! The cases: one secret-dependent operation each.

use crate::{public, secret};
use shangmi::rng::TryRng;
use shangmi::{kdf, sm2, sm3, sm4};

/// A named check.
pub struct Case {
    /// Name on the command line.
    pub name: &'static str,
    /// Runs the operation with its secrets marked.
    pub run: fn(),
}

/// A deterministic generator whose every output byte is marked secret, so
/// that randomized operations (key generation, signing nonces) are checked
/// with secret randomness.
struct SecretRng(u64);

impl TryRng for SecretRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let v = z ^ (z >> 31);
        secret(&v);
        Ok(v)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        secret(dst);
        Ok(())
    }
}
impl shangmi::rng::TryCryptoRng for SecretRng {}

fn bytes<const N: usize>(seed: u8) -> [u8; N] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
}

/// Every case.
#[rustfmt::skip]
pub static ALL: &[Case] = &[
    Case { name: "leaky-control", run: leaky_control },
    Case { name: "sm3", run: sm3_hash },
    Case { name: "sm3-many", run: sm3_many },
    Case { name: "hmac-sm3", run: hmac_sm3 },
    Case { name: "sm2-kdf", run: sm2_kdf },
    Case { name: "pbkdf2-hkdf-sm3", run: pbkdf2_hkdf },
    Case { name: "sm4-block", run: sm4_block },
    Case { name: "sm4-ecb", run: sm4_ecb },
    Case { name: "sm4-cbc", run: sm4_cbc },
    Case { name: "sm4-cfb-ofb-ctr", run: sm4_stream_modes },
    Case { name: "sm4-gcm", run: sm4_gcm },
    Case { name: "sm4-ccm", run: sm4_ccm },
    Case { name: "sm4-xts", run: sm4_xts },
    Case { name: "sm4-cmac", run: sm4_cmac },
    Case { name: "sm2-keygen", run: sm2_keygen },
    Case { name: "sm2-sign", run: sm2_sign },
    Case { name: "sm2-decrypt", run: sm2_decrypt },
    Case { name: "sm2-exchange", run: sm2_exchange },
    Case { name: "sm2-ecdh", run: sm2_ecdh },
    Case { name: "sm2-edge-scalars", run: sm2_edge_scalars },
];

/// A table lookup indexed by a secret: memcheck must flag it.
fn leaky_control() {
    static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).wrapping_mul(7);
            i += 1;
        }
        t
    };
    let k: [u8; 16] = bytes(1);
    secret(&k);
    let mut acc = 0u8;
    for b in k {
        acc ^= TABLE[b as usize];
    }
    public(&acc);
    std::hint::black_box(acc);
}

fn sm3_hash() {
    let m: [u8; 200] = bytes(2);
    secret(&m);
    let d = sm3::hash(&m);
    public(&d);
}

/// Eleven secret messages of different lengths through `hash_many`: with
/// AVX2 the eight-lane kernel, lanes finishing at different blocks and taking
/// the next message, then the single-stream kernel for the last one.
fn sm3_many() {
    let m: [u8; 700] = bytes(12);
    secret(&m);
    let msgs: Vec<&[u8]> = (0..11).map(|i| &m[i..i + 60 * i]).collect();
    let mut out = [[0u8; 32]; 11];
    let r = sm3::hash_many(&msgs, &mut out);
    public(&out);
    assert!(r.is_ok());
}

fn hmac_sm3() {
    let k: [u8; 32] = bytes(3);
    let m: [u8; 100] = bytes(4);
    secret(&k);
    secret(&m);
    let t = sm3::hmac(&k, &m);
    public(&t);
}

fn sm2_kdf() {
    let z: [u8; 64] = bytes(5);
    secret(&z);
    let mut out = [0u8; 100];
    kdf::sm2_kdf(&z, &mut out);
    public(&out);
}

fn sm4_block() {
    let k: [u8; 16] = bytes(6);
    let mut b: [u8; 16] = bytes(7);
    secret(&k);
    secret(&b);
    let c = sm4::Sm4::new(&k);
    c.encrypt_block(&mut b);
    c.decrypt_block(&mut b);
    public(&b);
}

fn sm4_cbc() {
    let k: [u8; 16] = bytes(8);
    let iv: [u8; 16] = bytes(9);
    let m: [u8; 67] = bytes(10);
    secret(&k);
    secret(&m);
    let mut ct = [0u8; 80];
    let mut pt = [0u8; 80];
    if let Ok(n) = sm4::cbc_encrypt(&k, &iv, sm4::Padding::Pkcs7, &m, &mut ct) {
        let _ = sm4::cbc_decrypt(&k, &iv, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
    }
    public(&ct);
    public(&pt);
}

fn sm2_keygen() {
    let mut rng = SecretRng(40);
    if let Ok(k) = sm2::SecretKey::random(&mut rng) {
        public(&k.public_key());
    }
    let d: [u8; 32] = bytes(41);
    secret(&d);
    if let Ok(k) = sm2::SecretKey::from_bytes(&d) {
        public(&k.public_key());
    }
}

fn sm2_sign() {
    let d: [u8; 32] = bytes(11);
    secret(&d);
    let Ok(key) = sm2::SecretKey::from_bytes(&d) else {
        return;
    };
    public(&key.public_key());
    let mut rng = SecretRng(12);
    let m: [u8; 32] = bytes(13);
    if let Ok(sig) = sm2::sign(&key, sm2::DEFAULT_ID, &m, &mut rng) {
        public(&sig);
    }
}

fn sm2_decrypt() {
    let d: [u8; 32] = bytes(42);
    let Ok(key) = sm2::SecretKey::from_bytes(&d) else {
        return;
    };
    let msg: [u8; 40] = bytes(43);
    let Ok(ct) = sm2::encrypt(
        &key.public_key(),
        &msg,
        sm2::CiphertextFormat::C1C3C2,
        &mut SecretRng(44),
    ) else {
        return;
    };
    public(&ct[..]);
    // Decrypt with the private key (rebuilt from secret bytes) secret.
    secret(&d);
    let Ok(key) = sm2::SecretKey::from_bytes(&d) else {
        return;
    };
    public(&key.public_key());
    if let Ok(pt) = sm2::decrypt(&key, &ct, sm2::CiphertextFormat::C1C3C2) {
        public(&pt[..]);
    }
}

fn sm2_exchange() {
    let (da, db): ([u8; 32], [u8; 32]) = (bytes(45), bytes(46));
    secret(&da);
    secret(&db);
    let (Ok(a), Ok(b)) = (
        sm2::SecretKey::from_bytes(&da),
        sm2::SecretKey::from_bytes(&db),
    ) else {
        return;
    };
    let (Some(pa), Some(pb)) = (published(&a), published(&b)) else {
        return;
    };
    let (Ok(ka), Ok(kb)) = (
        sm2::KeyExchange::new(
            sm2::Role::Initiator,
            &a,
            b"a",
            &pb,
            b"b",
            &mut SecretRng(47),
        ),
        sm2::KeyExchange::new(
            sm2::Role::Responder,
            &b,
            b"b",
            &pa,
            b"a",
            &mut SecretRng(48),
        ),
    ) else {
        return;
    };
    let (Some(ra), Some(rb)) = (
        publish(&ka.ephemeral_public()),
        publish(&kb.ephemeral_public()),
    ) else {
        return;
    };
    let mut k1 = [0u8; 16];
    let mut k2 = [0u8; 16];
    if let (Ok(c1), Ok(c2)) = (ka.finish(&rb, &mut k1), kb.finish(&ra, &mut k2)) {
        public(&c1);
        public(&c2);
        let _ = c1.verify_peer(&c2.to_send);
    }
    public(&k1);
    public(&k2);
}

/// A public key as a peer receives it: its bytes, made public, parsed again.
fn publish(p: &sm2::PublicKey) -> Option<sm2::PublicKey> {
    let bytes = p.to_uncompressed();
    public(&bytes);
    sm2::PublicKey::from_sec1_bytes(&bytes).ok()
}

fn published(k: &sm2::SecretKey) -> Option<sm2::PublicKey> {
    publish(&k.public_key())
}

fn sm2_ecdh() {
    let (da, db): ([u8; 32], [u8; 32]) = (bytes(49), bytes(50));
    secret(&da);
    let (Ok(a), Ok(b)) = (
        sm2::SecretKey::from_bytes(&da),
        sm2::SecretKey::from_bytes(&db),
    ) else {
        return;
    };
    let Some(pb) = published(&b) else { return };
    if let Ok(s) = sm2::ecdh(&a, &pb) {
        public(s.as_bytes());
    }
}

/// Private keys at the edges of the scalar range (1, 2, n - 6, n - 2),
/// where the last addition of the fixed-window and comb loops meets the
/// identity or the doubling case: key generation (k * G), ECDH (k * P)
/// and signing with each, the key secret.
fn sm2_edge_scalars() {
    const N_MINUS: [u8; 31] = [
        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5,
        0x41,
    ];
    let Some(peer) = sm2::SecretKey::from_bytes(&bytes::<32>(51))
        .ok()
        .and_then(|k| published(&k))
    else {
        return;
    };
    // n ends in ...23: n - 6 ends in 1d, n - 2 in 21.
    for last in [None, Some(0x1d), Some(0x21)] {
        for small in [1u8, 2] {
            let mut d = [0u8; 32];
            match last {
                Some(l) => {
                    d[..31].copy_from_slice(&N_MINUS);
                    d[31] = l;
                }
                None => d[31] = small,
            }
            secret(&d);
            let Ok(key) = sm2::SecretKey::from_bytes(&d) else {
                continue;
            };
            public(&key.public_key());
            if let Ok(s) = sm2::ecdh(&key, &peer) {
                public(s.as_bytes());
            }
            if let Ok(sig) = sm2::sign(&key, sm2::DEFAULT_ID, b"edge", &mut SecretRng(52)) {
                public(&sig);
            }
            if last.is_some() {
                break;
            }
        }
    }
}

fn sm4_ecb() {
    let k: [u8; 16] = bytes(13);
    let m: [u8; 40] = bytes(14);
    secret(&k);
    secret(&m);
    let c = sm4::Sm4::new(&k);
    let mut ct = [0u8; 48];
    let mut pt = [0u8; 48];
    if let Ok(n) = sm4::ecb::encrypt(&c, sm4::Padding::Pkcs7, &m, &mut ct) {
        let _ = sm4::ecb::decrypt(&c, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
    }
    public(&ct);
    public(&pt);
}

fn sm4_stream_modes() {
    let k: [u8; 16] = bytes(15);
    let iv: [u8; 16] = bytes(16);
    let mut m: [u8; 37] = bytes(17);
    secret(&k);
    secret(&m);
    let c = sm4::Sm4::new(&k);
    sm4::cfb::encrypt(&c, &iv, &mut m);
    sm4::cfb::decrypt(&c, &iv, &mut m);
    sm4::ofb::apply(&c, &iv, &mut m);
    sm4::ctr::apply(&c, &iv, &mut m);
    public(&m);
}

fn sm4_gcm() {
    let k: [u8; 16] = bytes(18);
    let nonce: [u8; 12] = bytes(19);
    let aad: [u8; 20] = bytes(20);
    let mut m: [u8; 45] = bytes(21);
    secret(&k);
    secret(&m);
    let g = sm4::gcm::Sm4Gcm::new(&k);
    if let Ok(tag) = g.seal_in_place(&nonce, &aad, &mut m) {
        public(&tag);
        let _ = g.open_in_place(&nonce, &aad, &mut m, &tag);
    }
    public(&m);
}

fn sm4_ccm() {
    let k: [u8; 16] = bytes(22);
    let nonce: [u8; 12] = bytes(23);
    let mut m: [u8; 33] = bytes(24);
    secret(&k);
    secret(&m);
    let c = sm4::ccm::Sm4Ccm::new(&k);
    let mut tag = [0u8; 16];
    if c.seal_in_place(&nonce, b"aad", &mut m, &mut tag).is_ok() {
        public(&tag);
        let _ = c.open_in_place(&nonce, b"aad", &mut m, &tag);
    }
    public(&m);
}

fn sm4_xts() {
    let k: [u8; 32] = bytes(25);
    let iv: [u8; 16] = bytes(26);
    let mut m: [u8; 50] = bytes(27);
    secret(&k);
    secret(&m);
    for std in [
        sm4::xts::XtsStandard::Ieee1619,
        sm4::xts::XtsStandard::GbT17964,
    ] {
        if let Ok(x) = sm4::xts::Sm4Xts::new(&k, std) {
            let _ = x.encrypt(&iv, &mut m);
            let _ = x.decrypt(&iv, &mut m);
        }
    }
    public(&m);
}

fn sm4_cmac() {
    let k: [u8; 16] = bytes(28);
    let m: [u8; 70] = bytes(29);
    secret(&k);
    secret(&m);
    let c = sm4::Sm4::new(&k);
    let t = sm4::mac::cmac(&c, &m);
    public(&t);
    let _ = sm4::mac::Cmac::new(c.clone()).verify(&t);
}

fn pbkdf2_hkdf() {
    let pw: [u8; 12] = bytes(30);
    let ikm: [u8; 32] = bytes(31);
    secret(&pw);
    secret(&ikm);
    let mut out = [0u8; 40];
    let _ = kdf::pbkdf2_hmac_sm3(&pw, b"salt", 3, &mut out);
    let _ = kdf::hkdf_sm3(b"salt", &ikm, b"info", &mut out);
    public(&out);
}
