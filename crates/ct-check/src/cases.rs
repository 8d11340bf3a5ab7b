//! The cases: one secret-dependent operation each.
//!
//! Each case calls [`secret`] on its secret inputs (which marks them for
//! memcheck and, in a traced run, replaces them with bytes drawn for the
//! variant) and encloses its secret-dependent work in
//! [`trace_begin`]/[`trace_end`].
//!
//! **The rule for trace regions.** A region may only enclose code whose
//! public inputs are the same in every variant: fixed bytes, fixed peers,
//! fixed ciphertexts, lengths. A value derived from a secret and public by
//! design (a public key, a ciphertext, a signature, a tag) differs between
//! the variants, so code that may branch on it (parsing or validating a
//! peer's key, verifying a signature, encoding a ciphertext) stays outside
//! the regions, and a case that needs such a value from a peer takes it
//! from a fixed, public peer instead. A verdict the library declassifies
//! inside a region (a key in range, a tag or a padding check, SM2
//! decryption's C3 check) must come out the same in every variant:
//! decrypting a fixed ciphertext with a key that varies fails in every
//! variant, which is fine. Under valgrind the regions change nothing.

use crate::{mark_secret, public, secret, splitmix, trace_begin, trace_end, variant};

/// Closes a trace region once `outputs` are computed: `black_box` makes
/// the compiler finish them (in memory) before the end marker, so that no
/// secret work on them moves past it, out of the trace.
fn end<T: ?Sized>(outputs: &T) {
    std::hint::black_box(outputs);
    trace_end();
}
use shangmi::rng::TryRng;
use shangmi::{kdf, sm2, sm3, sm4};

/// A named check.
pub struct Case {
    /// Name on the command line.
    pub name: &'static str,
    /// Runs the operation with its secrets marked.
    pub run: fn(),
}

/// A deterministic generator (splitmix64). A secret one draws different
/// numbers in each variant of a traced run and marks every output secret,
/// so that randomized operations (key generation, signing nonces) are
/// checked with secret randomness; a public one draws the same numbers
/// everywhere and marks nothing.
struct TestRng {
    state: u64,
    secret: bool,
}

impl TestRng {
    fn secret(seed: u64) -> Self {
        let v = u64::from(variant());
        Self {
            state: seed ^ v.wrapping_mul(0xa076_1d64_78bd_642f),
            secret: true,
        }
    }

    fn public(seed: u64) -> Self {
        Self {
            state: seed,
            secret: false,
        }
    }
}

impl TryRng for TestRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let v = splitmix(&mut self.state);
        if self.secret {
            mark_secret(&v);
        }
        Ok(v)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        if self.secret {
            mark_secret(dst);
        }
        Ok(())
    }
}
impl shangmi::rng::TryCryptoRng for TestRng {}

fn bytes<const N: usize>(seed: u8) -> [u8; N] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
}

/// Every case.
#[rustfmt::skip]
pub static ALL: &[Case] = &[
    Case { name: "leaky-control", run: leaky_control },
    Case { name: "leaky-branch", run: leaky_branch },
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

/// A table lookup indexed by a secret: every mode must flag it.
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
    let mut k: [u8; 16] = bytes(1);
    secret(&mut k);
    trace_begin();
    let mut acc = 0u8;
    for b in k {
        acc ^= TABLE[b as usize];
    }
    end(&acc);
    public(&acc);
    std::hint::black_box(acc);
}

/// A branch on a secret bit: every mode must flag it too.
fn leaky_branch() {
    let mut k: [u8; 16] = bytes(1);
    secret(&mut k);
    trace_begin();
    let mut acc = 0u64;
    for b in k {
        // black_box on each arm keeps the branch (no conditional move).
        if b & 1 == 1 {
            acc = std::hint::black_box(acc.wrapping_mul(3));
        } else {
            acc = std::hint::black_box(acc.wrapping_add(1));
        }
    }
    end(&acc);
    public(&acc);
    std::hint::black_box(acc);
}

fn sm3_hash() {
    let mut m: [u8; 200] = bytes(2);
    secret(&mut m);
    trace_begin();
    let d = sm3::hash(&m);
    end(&d);
    public(&d);
}

/// Eleven secret messages of different lengths through `hash_many`: with
/// AVX2 the eight-lane kernel, lanes finishing at different blocks and taking
/// the next message, then the single-stream kernel for the last one.
fn sm3_many() {
    let mut m: [u8; 700] = bytes(12);
    secret(&mut m);
    let msgs: Vec<&[u8]> = (0..11).map(|i| &m[i..i + 60 * i]).collect();
    let mut out = [[0u8; 32]; 11];
    trace_begin();
    let r = sm3::hash_many(&msgs, &mut out);
    end(&(&r, &out));
    public(&out);
    assert!(r.is_ok());
}

fn hmac_sm3() {
    let mut k: [u8; 32] = bytes(3);
    let mut m: [u8; 100] = bytes(4);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let t = sm3::hmac(&k, &m);
    end(&t);
    public(&t);
}

fn sm2_kdf() {
    let mut z: [u8; 64] = bytes(5);
    secret(&mut z);
    let mut out = [0u8; 100];
    trace_begin();
    kdf::sm2_kdf(&z, &mut out);
    end(&out);
    public(&out);
}

fn sm4_block() {
    let mut k: [u8; 16] = bytes(6);
    let mut b: [u8; 16] = bytes(7);
    secret(&mut k);
    secret(&mut b);
    trace_begin();
    let c = sm4::Sm4::new(&k);
    c.encrypt_block(&mut b);
    c.decrypt_block(&mut b);
    end(&b);
    public(&b);
}

/// Encryption, then decryption with its PKCS#7 padding check (valid in
/// every variant).
fn sm4_cbc() {
    let mut k: [u8; 16] = bytes(8);
    let iv: [u8; 16] = bytes(9);
    let mut m: [u8; 67] = bytes(10);
    secret(&mut k);
    secret(&mut m);
    let mut ct = [0u8; 80];
    let mut pt = [0u8; 80];
    trace_begin();
    if let Ok(n) = sm4::cbc_encrypt(&k, &iv, sm4::Padding::Pkcs7, &m, &mut ct) {
        let _ = sm4::cbc_decrypt(&k, &iv, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
    }
    end(&(&ct, &pt));
    public(&ct);
    public(&pt);
}

fn sm2_keygen() {
    let mut rng = TestRng::secret(40);
    trace_begin();
    let k = sm2::SecretKey::random(&mut rng);
    end(&k);
    if let Ok(k) = k {
        public(&k.public_key());
    }
    let mut d: [u8; 32] = bytes(41);
    secret(&mut d);
    trace_begin();
    let k = sm2::SecretKey::from_bytes(&d);
    end(&k);
    if let Ok(k) = k {
        public(&k.public_key());
    }
}

/// The key from secret bytes (d*G), then a signature with a secret nonce.
/// The public key differs per variant but only enters SM3 (Z).
fn sm2_sign() {
    let mut d: [u8; 32] = bytes(11);
    secret(&mut d);
    let mut rng = TestRng::secret(12);
    let m: [u8; 32] = bytes(13);
    trace_begin();
    let sig = sm2::SecretKey::from_bytes(&d)
        .and_then(|key| sm2::sign(&key, sm2::DEFAULT_ID, &m, &mut rng));
    end(&sig);
    if let Ok(sig) = sig {
        public(&sig);
    }
}

/// Encryption to a fixed public key with a secret message and secret
/// randomness; then decryption of a fixed ciphertext with a secret key.
/// Under valgrind the key is the one the ciphertext was made for, so the
/// whole decryption runs; in a traced run the key varies, and the C3 check
/// fails in every variant.
fn sm2_decrypt() {
    let d: [u8; 32] = bytes(42);
    let Ok(fixed) = sm2::SecretKey::from_bytes(&d) else {
        return;
    };
    let peer = fixed.public_key();
    let mut msg: [u8; 40] = bytes(43);
    secret(&mut msg);
    let mut rng = TestRng::secret(44);
    trace_begin();
    let ct = sm2::encrypt(&peer, &msg, sm2::CiphertextFormat::C1C3C2, &mut rng);
    end(&ct);
    if let Ok(ct) = ct {
        public(&ct[..]);
    }
    let msg: [u8; 40] = bytes(43);
    let Ok(ct) = sm2::encrypt(
        &peer,
        &msg,
        sm2::CiphertextFormat::C1C3C2,
        &mut TestRng::public(44),
    ) else {
        return;
    };
    let mut d = d;
    secret(&mut d);
    trace_begin();
    let pt = sm2::SecretKey::from_bytes(&d)
        .and_then(|key| sm2::decrypt(&key, &ct, sm2::CiphertextFormat::C1C3C2));
    end(&pt);
    if let Ok(pt) = pt {
        public(&pt[..]);
    }
}

/// Both sides of an exchange with secret keys (valgrind), then each role
/// against a fixed public peer (traced: the peer's keys, hence its public
/// and ephemeral keys, are the same in every variant).
fn sm2_exchange() {
    let (mut da, mut db): ([u8; 32], [u8; 32]) = (bytes(45), bytes(46));
    secret(&mut da);
    secret(&mut db);
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
            &mut TestRng::secret(47),
        ),
        sm2::KeyExchange::new(
            sm2::Role::Responder,
            &b,
            b"b",
            &pa,
            b"a",
            &mut TestRng::secret(48),
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

    // The fixed peer: its static key and its ephemeral key (R = rG does
    // not depend on the other side).
    let Ok(peer) = sm2::SecretKey::from_bytes(&bytes::<32>(54)) else {
        return;
    };
    let Some(peer_pub) = published(&peer) else {
        return;
    };
    let Ok(peer_kx) = sm2::KeyExchange::new(
        sm2::Role::Responder,
        &peer,
        b"b",
        &peer_pub,
        b"a",
        &mut TestRng::public(55),
    ) else {
        return;
    };
    let Some(peer_eph) = publish(&peer_kx.ephemeral_public()) else {
        return;
    };
    for (role, seed) in [(sm2::Role::Initiator, 56), (sm2::Role::Responder, 58)] {
        let mut d: [u8; 32] = bytes(seed);
        secret(&mut d);
        let mut rng = TestRng::secret(u64::from(seed) + 1);
        let mut k = [0u8; 16];
        trace_begin();
        let c = sm2::SecretKey::from_bytes(&d).and_then(|own| {
            sm2::KeyExchange::new(role, &own, b"a", &peer_pub, b"b", &mut rng)?
                .finish(&peer_eph, &mut k)
        });
        // The peer's confirmation, which no variant matches.
        let ok = c.map(|c| c.verify_peer(&[0u8; 32]).is_ok());
        end(&(&k, &ok));
        public(&k);
        public(&ok);
    }
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

/// ECDH with a secret key against a fixed public peer.
fn sm2_ecdh() {
    let (mut da, db): ([u8; 32], [u8; 32]) = (bytes(49), bytes(50));
    secret(&mut da);
    let Ok(b) = sm2::SecretKey::from_bytes(&db) else {
        return;
    };
    let Some(pb) = published(&b) else { return };
    trace_begin();
    let s = sm2::SecretKey::from_bytes(&da).and_then(|a| sm2::ecdh(&a, &pb));
    end(&s);
    if let Ok(s) = s {
        public(s.as_bytes());
    }
}

/// Private keys at the edges of the scalar range (1, 2, n - 6, n - 2),
/// where the last addition of the fixed-window and comb loops meets the
/// identity or the doubling case, and an ordinary key: key generation
/// (k * G), ECDH (k * P) and signing with each, the key secret. In a
/// traced run the keys rotate with the variant (run i takes key i +
/// variant), so each run's trace compares one edge key with another or
/// with the ordinary key.
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
    let mut keys = [[0u8; 32]; 5];
    keys[0][31] = 1;
    keys[1][31] = 2;
    for (k, last) in keys[2..4].iter_mut().zip([0x1d, 0x21]) {
        k[..31].copy_from_slice(&N_MINUS);
        k[31] = last;
    }
    keys[4] = bytes(53);
    for i in 0..keys.len() {
        let d = keys[(i + variant() as usize) % keys.len()];
        mark_secret(&d);
        trace_begin();
        let r = sm2::SecretKey::from_bytes(&d).map(|key| {
            let pk = key.public_key();
            let s = sm2::ecdh(&key, &peer).map(|s| *s.as_bytes());
            let sig = sm2::sign(&key, sm2::DEFAULT_ID, b"edge", &mut TestRng::secret(52));
            (pk, s, sig)
        });
        end(&r);
        if let Ok((pk, s, sig)) = r {
            public(&pk);
            public(&s);
            if let Ok(sig) = sig {
                public(&sig);
            }
        }
    }
}

fn sm4_ecb() {
    let mut k: [u8; 16] = bytes(13);
    let mut m: [u8; 40] = bytes(14);
    secret(&mut k);
    secret(&mut m);
    let mut ct = [0u8; 48];
    let mut pt = [0u8; 48];
    trace_begin();
    let c = sm4::Sm4::new(&k);
    if let Ok(n) = sm4::ecb::encrypt(&c, sm4::Padding::Pkcs7, &m, &mut ct) {
        let _ = sm4::ecb::decrypt(&c, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
    }
    end(&(&ct, &pt));
    public(&ct);
    public(&pt);
}

fn sm4_stream_modes() {
    let mut k: [u8; 16] = bytes(15);
    let iv: [u8; 16] = bytes(16);
    let mut m: [u8; 37] = bytes(17);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let c = sm4::Sm4::new(&k);
    sm4::cfb::encrypt(&c, &iv, &mut m);
    sm4::cfb::decrypt(&c, &iv, &mut m);
    sm4::ofb::apply(&c, &iv, &mut m);
    sm4::ctr::apply(&c, &iv, &mut m);
    end(&m);
    public(&m);
}

/// Sealing, then opening with the right tag (accepted in every variant).
fn sm4_gcm() {
    let mut k: [u8; 16] = bytes(18);
    let nonce: [u8; 12] = bytes(19);
    let aad: [u8; 20] = bytes(20);
    let mut m: [u8; 45] = bytes(21);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let g = sm4::gcm::Sm4Gcm::new(&k);
    if let Ok(tag) = g.seal_in_place(&nonce, &aad, &mut m) {
        public(&tag);
        let _ = g.open_in_place(&nonce, &aad, &mut m, &tag);
    }
    end(&m);
    public(&m);
}

fn sm4_ccm() {
    let mut k: [u8; 16] = bytes(22);
    let nonce: [u8; 12] = bytes(23);
    let mut m: [u8; 33] = bytes(24);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let c = sm4::ccm::Sm4Ccm::new(&k);
    let mut tag = [0u8; 16];
    if c.seal_in_place(&nonce, b"aad", &mut m, &mut tag).is_ok() {
        public(&tag);
        let _ = c.open_in_place(&nonce, b"aad", &mut m, &tag);
    }
    end(&m);
    public(&m);
}

fn sm4_xts() {
    let mut k: [u8; 32] = bytes(25);
    let iv: [u8; 16] = bytes(26);
    let mut m: [u8; 50] = bytes(27);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    for std in [
        sm4::xts::XtsStandard::Ieee1619,
        sm4::xts::XtsStandard::GbT17964,
    ] {
        if let Ok(x) = sm4::xts::Sm4Xts::new(&k, std) {
            let _ = x.encrypt(&iv, &mut m);
            let _ = x.decrypt(&iv, &mut m);
        }
    }
    end(&m);
    public(&m);
}

fn sm4_cmac() {
    let mut k: [u8; 16] = bytes(28);
    let mut m: [u8; 70] = bytes(29);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let c = sm4::Sm4::new(&k);
    let t = sm4::mac::cmac(&c, &m);
    public(&t);
    let v = sm4::mac::Cmac::new(c.clone()).verify(&t);
    end(&v);
}

fn pbkdf2_hkdf() {
    let mut pw: [u8; 12] = bytes(30);
    let mut ikm: [u8; 32] = bytes(31);
    secret(&mut pw);
    secret(&mut ikm);
    let mut out = [0u8; 40];
    trace_begin();
    let _ = kdf::pbkdf2_hmac_sm3(&pw, b"salt", 3, &mut out);
    let _ = kdf::hkdf_sm3(b"salt", &ikm, b"info", &mut out);
    end(&out);
    public(&out);
}
