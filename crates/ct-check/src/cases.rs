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
use shangmi::rng::TryRng;
use shangmi::{kdf, sm2, sm3, sm4};

/// A named check.
pub struct Case {
    /// Name on the command line.
    pub name: &'static str,
    /// How many trace regions a run opens (checked in every mode).
    pub regions: usize,
    /// Runs the operations with their secrets marked; an error when one
    /// has another outcome than the case expects (an error where success
    /// is due, or the other way round).
    pub run: fn() -> Outcome,
}

/// What a case's run returns.
pub type Outcome = Result<(), String>;

/// Closes a trace region once `outputs` are computed: `black_box` makes
/// the compiler finish them (in memory) before the end marker, so that no
/// secret work on them moves past it, out of the trace.
fn end<T: ?Sized>(outputs: &T) {
    std::hint::black_box(outputs);
    trace_end();
}

/// `r`, which must be a success: its value, or an error naming `what`.
fn ok<T, E: core::fmt::Debug>(what: &str, r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("{what} failed ({e:?}), but must succeed"))
}

/// `r`, which must be a failure.
fn fails<T, E>(what: &str, r: Result<T, E>) -> Outcome {
    match r {
        Ok(_) => Err(format!("{what} succeeded, but must fail")),
        Err(_) => Ok(()),
    }
}

/// `n`, which must be `want` (a length). Lengths are public: the one an
/// unpadding returns comes from the secret pad byte, which only encodes
/// it, so it is made public before the comparison.
fn len_is(what: &str, n: usize, want: usize) -> Outcome {
    public(&n);
    if n == want {
        Ok(())
    } else {
        Err(format!("{what}: {n} bytes, expected {want}"))
    }
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

/// Every case, with the number of trace regions it opens.
#[rustfmt::skip]
pub static ALL: &[Case] = &[
    Case { name: "leaky-control", regions: 1, run: leaky_control },
    Case { name: "leaky-branch", regions: 1, run: leaky_branch },
    Case { name: "sm3", regions: 1, run: sm3_hash },
    Case { name: "sm3-many", regions: 1, run: sm3_many },
    Case { name: "hmac-sm3", regions: 1, run: hmac_sm3 },
    Case { name: "sm2-kdf", regions: 1, run: sm2_kdf },
    Case { name: "pbkdf2-hkdf-sm3", regions: 1, run: pbkdf2_hkdf },
    Case { name: "sm4-block", regions: 1, run: sm4_block },
    Case { name: "sm4-ecb", regions: 1, run: sm4_ecb },
    Case { name: "sm4-cbc", regions: 1, run: sm4_cbc },
    Case { name: "sm4-cfb-ofb-ctr", regions: 1, run: sm4_stream_modes },
    Case { name: "sm4-gcm", regions: 1, run: sm4_gcm },
    Case { name: "sm4-ccm", regions: 1, run: sm4_ccm },
    Case { name: "sm4-xts", regions: 1, run: sm4_xts },
    Case { name: "sm4-cmac", regions: 1, run: sm4_cmac },
    Case { name: "sm2-keygen", regions: 2, run: sm2_keygen },
    Case { name: "sm2-sign", regions: 1, run: sm2_sign },
    Case { name: "sm2-decrypt", regions: 2, run: sm2_decrypt },
    Case { name: "sm2-exchange", regions: 2, run: sm2_exchange },
    Case { name: "sm2-ecdh", regions: 1, run: sm2_ecdh },
    Case { name: "sm2-edge-scalars", regions: 5, run: sm2_edge_scalars },
];

/// The bulk sizes of the SM4 and GHASH cases, in blocks per call of the
/// multi-block SM4 kernel (`encrypt_blocks`, `decrypt_blocks`; CTR's and
/// GCM's keystream, CFB decryption and XTS hand it at most 32 blocks at a
/// time, so 53 blocks go as 32 + 21). Each kernel cuts a call into passes:
///
/// * portable (bitsliced): 8 blocks, the last pass padded;
/// * AES-NI and NEON+AES: 8 (two sets of 4), then 4, then 1-3 padded to 4;
/// * SM4E: 8, then 4, then single blocks;
/// * AVX2+VAES: 16 (two sets of 8); then a rest of 5-15 as 8 and the last
///   padded to 8, a rest of 1-4 on AES-NI (4, or 1-3 padded);
/// * AVX-512+GFNI: 32 (two sets of 16), then 16, then the last padded to
///   16; a lone block in xmm registers (single-block calls).
///
/// The counts reach every pass width and every kind of tail on each of
/// them: 53 = 32 + 16 + 5 padded (GFNI), 3 x 16 + 5 padded to 8 (VAES),
/// 6 x 8 + 4 + 1 (AES-NI, NEON+AES, SM4E), 6 x 8 + 5 (portable); batched,
/// 32 (the two-set passes: 2 x 16, 2 x 8, 4 x 8) + 21 (16 + 5; 2 x 8 + 4 +
/// 1); 29 = 16 + 8 + 5 (VAES: a full and a padded 8); 20 = 16 + 4 and
/// 19 = 16 + 3 (VAES's AES-NI rest: a full 4, a padded one; 2 x 8 + 4, 2 x
/// 8 + 3 padded elsewhere). For GHASH (8 blocks per reduction, the
/// VPCLMULQDQ loop only for full groups of 8) the GCM case hashes 19 blocks
/// and a partial one of AAD, and 52, 28, 19 and 18 blocks and a partial
/// one of ciphertext. Each case also keeps its short message (the 1-5
/// block paths). Under valgrind (portable kernels included) that adds a
/// few hundredths of a second per case.
const BULK_BLOCKS: [usize; 4] = [53, 29, 20, 19];

/// The secret message buffer of the bulk cases (the largest needs 880
/// bytes).
const BULK_BYTES: usize = 1024;

/// A table lookup indexed by a secret: every mode must flag it.
fn leaky_control() -> Outcome {
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
    Ok(())
}

/// A branch on a secret bit: every mode must flag it too.
fn leaky_branch() -> Outcome {
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
    Ok(())
}

/// 200 bytes: three blocks and the final one through the single-stream
/// kernel (`sm3::kernels().0`: avx2-bmi2 or avx512-bmi2 on x86-64, the SM3
/// instructions on AArch64).
fn sm3_hash() -> Outcome {
    let mut m: [u8; 200] = bytes(2);
    secret(&mut m);
    trace_begin();
    let d = sm3::hash(&m);
    end(&d);
    public(&d);
    Ok(())
}

/// Eleven secret messages of 0 to 600 bytes (up to ten blocks) through
/// `hash_many`: with AVX2 the eight-lane kernel, lanes finishing at
/// different blocks and taking the next message, then the single-stream
/// kernel for the last one.
fn sm3_many() -> Outcome {
    let mut m: [u8; 700] = bytes(12);
    secret(&mut m);
    let msgs: Vec<&[u8]> = (0..11).map(|i| &m[i..i + 60 * i]).collect();
    let mut out = [[0u8; 32]; 11];
    trace_begin();
    let r = sm3::hash_many(&msgs, &mut out);
    end(&(&r, &out));
    public(&out);
    ok("hash_many", r)
}

fn hmac_sm3() -> Outcome {
    let mut k: [u8; 32] = bytes(3);
    let mut m: [u8; 100] = bytes(4);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let t = sm3::hmac(&k, &m);
    end(&t);
    public(&t);
    Ok(())
}

fn sm2_kdf() -> Outcome {
    let mut z: [u8; 64] = bytes(5);
    secret(&mut z);
    let mut out = [0u8; 100];
    trace_begin();
    kdf::sm2_kdf(&z, &mut out);
    end(&out);
    public(&out);
    Ok(())
}

fn sm4_block() -> Outcome {
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
    Ok(())
}

/// Encryption, then decryption with its PKCS#7 padding check (valid in
/// every variant), of a short message and of one per bulk size (the
/// decryption hands the kernel that many blocks; encryption is one block
/// after the other, or GFNI's chained kernel).
fn sm4_cbc() -> Outcome {
    let mut k: [u8; 16] = bytes(8);
    let iv: [u8; 16] = bytes(9);
    let mut m: [u8; BULK_BYTES] = bytes(10);
    secret(&mut k);
    secret(&mut m);
    let lens: Vec<usize> = [67]
        .into_iter()
        .chain(BULK_BLOCKS.map(|b| (b - 1) * 16 + 7))
        .collect();
    let mut ct = [0u8; BULK_BYTES + 16];
    let mut pt = [0u8; BULK_BYTES + 16];
    let mut results = Vec::with_capacity(lens.len());
    trace_begin();
    for &len in &lens {
        let e = sm4::cbc_encrypt(&k, &iv, sm4::Padding::Pkcs7, &m[..len], &mut ct);
        let n = *e.as_ref().unwrap_or(&0);
        let d = sm4::cbc_decrypt(&k, &iv, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
        results.push((e, d));
    }
    end(&(&ct, &pt, &results));
    public(&ct);
    public(&pt);
    for (len, (e, d)) in lens.into_iter().zip(results) {
        len_is(
            "CBC encryption",
            ok("CBC encryption", e)?,
            len / 16 * 16 + 16,
        )?;
        len_is("CBC decryption", ok("CBC decryption", d)?, len)?;
    }
    Ok(())
}

fn sm2_keygen() -> Outcome {
    let mut rng = TestRng::secret(40);
    trace_begin();
    let k = sm2::SecretKey::random(&mut rng);
    end(&k);
    public(&ok("key generation", k)?.public_key());
    let mut d: [u8; 32] = bytes(41);
    secret(&mut d);
    trace_begin();
    let k = sm2::SecretKey::from_bytes(&d);
    end(&k);
    public(&ok("a key from bytes", k)?.public_key());
    Ok(())
}

/// The key from secret bytes (d*G), then a signature with a secret nonce.
/// The public key differs per variant but only enters SM3 (Z).
fn sm2_sign() -> Outcome {
    let mut d: [u8; 32] = bytes(11);
    secret(&mut d);
    let mut rng = TestRng::secret(12);
    let m: [u8; 32] = bytes(13);
    trace_begin();
    let sig = sm2::SecretKey::from_bytes(&d)
        .and_then(|key| sm2::sign(&key, sm2::DEFAULT_ID, &m, &mut rng));
    end(&sig);
    public(&ok("signing", sig)?);
    Ok(())
}

/// Encryption to a fixed public key with a secret message and secret
/// randomness; then decryption of a fixed ciphertext with a secret key.
/// Under valgrind the key is the one the ciphertext was made for, so the
/// whole decryption runs and succeeds; in a traced run the key varies, and
/// the C3 check fails in every variant.
fn sm2_decrypt() -> Outcome {
    let d: [u8; 32] = bytes(42);
    let fixed = ok("the fixed key", sm2::SecretKey::from_bytes(&d))?;
    let peer = fixed.public_key();
    let mut msg: [u8; 40] = bytes(43);
    secret(&mut msg);
    let mut rng = TestRng::secret(44);
    trace_begin();
    let ct = sm2::encrypt(&peer, &msg, sm2::CiphertextFormat::C1C3C2, &mut rng);
    end(&ct);
    public(&ok("encryption", ct)?[..]);
    let msg: [u8; 40] = bytes(43);
    let ct = ok(
        "encryption of the fixed ciphertext",
        sm2::encrypt(
            &peer,
            &msg,
            sm2::CiphertextFormat::C1C3C2,
            &mut TestRng::public(44),
        ),
    )?;
    let mut d = d;
    secret(&mut d);
    trace_begin();
    let pt = sm2::SecretKey::from_bytes(&d)
        .and_then(|key| sm2::decrypt(&key, &ct, sm2::CiphertextFormat::C1C3C2));
    end(&pt);
    if variant() == 0 {
        let pt = ok("decryption with the right key", pt)?;
        public(&pt[..]);
        len_is("the decrypted message", pt.len(), msg.len())
    } else {
        fails(
            "decryption of the fixed ciphertext with the variant's key",
            pt,
        )
    }
}

/// Both sides of an exchange with secret keys (valgrind), then each role
/// against a fixed public peer (traced: the peer's keys, hence its public
/// and ephemeral keys, are the same in every variant).
fn sm2_exchange() -> Outcome {
    let (mut da, mut db): ([u8; 32], [u8; 32]) = (bytes(45), bytes(46));
    secret(&mut da);
    secret(&mut db);
    let a = ok("key A", sm2::SecretKey::from_bytes(&da))?;
    let b = ok("key B", sm2::SecretKey::from_bytes(&db))?;
    let (pa, pb) = (published(&a)?, published(&b)?);
    let ka = ok(
        "the initiator's start",
        sm2::KeyExchange::new(
            sm2::Role::Initiator,
            &a,
            b"a",
            &pb,
            b"b",
            &mut TestRng::secret(47),
        ),
    )?;
    let kb = ok(
        "the responder's start",
        sm2::KeyExchange::new(
            sm2::Role::Responder,
            &b,
            b"b",
            &pa,
            b"a",
            &mut TestRng::secret(48),
        ),
    )?;
    let (ra, rb) = (
        publish(&ka.ephemeral_public())?,
        publish(&kb.ephemeral_public())?,
    );
    let mut k1 = [0u8; 16];
    let mut k2 = [0u8; 16];
    let c1 = ok("the initiator's finish", ka.finish(&rb, &mut k1))?;
    let c2 = ok("the responder's finish", kb.finish(&ra, &mut k2))?;
    public(&c1);
    public(&c2);
    ok(
        "the initiator's check of the responder's confirmation",
        c1.verify_peer(&c2.to_send),
    )?;
    ok(
        "the responder's check of the initiator's confirmation",
        c2.verify_peer(&c1.to_send),
    )?;
    public(&k1);
    public(&k2);

    // The fixed peer: its static key and its ephemeral key (R = rG does
    // not depend on the other side).
    let peer = ok(
        "the peer's key",
        sm2::SecretKey::from_bytes(&bytes::<32>(54)),
    )?;
    let peer_pub = published(&peer)?;
    let peer_kx = ok(
        "the peer's start",
        sm2::KeyExchange::new(
            sm2::Role::Responder,
            &peer,
            b"b",
            &peer_pub,
            b"a",
            &mut TestRng::public(55),
        ),
    )?;
    let peer_eph = publish(&peer_kx.ephemeral_public())?;
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
        let check = c.map(|c| c.verify_peer(&[0u8; 32]));
        end(&(&k, &check));
        public(&k);
        let check = ok("an exchange with the fixed peer", check)?;
        fails("the check of a wrong confirmation", check)?;
    }
    Ok(())
}

/// A public key as a peer receives it: its bytes, made public, parsed again.
fn publish(p: &sm2::PublicKey) -> Result<sm2::PublicKey, String> {
    let bytes = p.to_uncompressed();
    public(&bytes);
    ok(
        "parsing a public key",
        sm2::PublicKey::from_sec1_bytes(&bytes),
    )
}

fn published(k: &sm2::SecretKey) -> Result<sm2::PublicKey, String> {
    publish(&k.public_key())
}

/// ECDH with a secret key against a fixed public peer.
fn sm2_ecdh() -> Outcome {
    let (mut da, db): ([u8; 32], [u8; 32]) = (bytes(49), bytes(50));
    secret(&mut da);
    let b = ok("the peer's key", sm2::SecretKey::from_bytes(&db))?;
    let pb = published(&b)?;
    trace_begin();
    let s = sm2::SecretKey::from_bytes(&da).and_then(|a| sm2::ecdh(&a, &pb));
    end(&s);
    public(ok("ECDH", s)?.as_bytes());
    Ok(())
}

/// Private keys at the edges of the scalar range (1, 2, n - 6, n - 2),
/// where the last addition of the fixed-window and comb loops meets the
/// identity or the doubling case, and an ordinary key: key generation
/// (k * G), ECDH (k * P) and signing with each, the key secret. In a
/// traced run the keys rotate with the variant (run i takes key i +
/// variant), so each run's trace compares one edge key with another or
/// with the ordinary key.
fn sm2_edge_scalars() -> Outcome {
    const N_MINUS: [u8; 31] = [
        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5,
        0x41,
    ];
    let peer = published(&ok(
        "the peer's key",
        sm2::SecretKey::from_bytes(&bytes::<32>(51)),
    )?)?;
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
        let (pk, s, sig) = ok("an edge key from bytes", r)?;
        public(&pk);
        public(&ok("ECDH with an edge key", s)?);
        public(&ok("signing with an edge key", sig)?);
    }
    Ok(())
}

/// Encryption and decryption (its padding valid in every variant) of a
/// short message and of one per bulk size: the decryption hands the kernel
/// that many blocks, the encryption one fewer (the padding block goes
/// alone).
fn sm4_ecb() -> Outcome {
    let mut k: [u8; 16] = bytes(13);
    let mut m: [u8; BULK_BYTES] = bytes(14);
    secret(&mut k);
    secret(&mut m);
    let lens: Vec<usize> = [40]
        .into_iter()
        .chain(BULK_BLOCKS.map(|b| (b - 1) * 16 + 7))
        .collect();
    let mut ct = [0u8; BULK_BYTES + 16];
    let mut pt = [0u8; BULK_BYTES + 16];
    let mut results = Vec::with_capacity(lens.len());
    trace_begin();
    let c = sm4::Sm4::new(&k);
    for &len in &lens {
        let e = sm4::ecb::encrypt(&c, sm4::Padding::Pkcs7, &m[..len], &mut ct);
        let n = *e.as_ref().unwrap_or(&0);
        let d = sm4::ecb::decrypt(&c, sm4::Padding::Pkcs7, &ct[..n], &mut pt);
        results.push((e, d));
    }
    end(&(&ct, &pt, &results));
    public(&ct);
    public(&pt);
    for (len, (e, d)) in lens.into_iter().zip(results) {
        len_is(
            "ECB encryption",
            ok("ECB encryption", e)?,
            len / 16 * 16 + 16,
        )?;
        len_is("ECB decryption", ok("ECB decryption", d)?, len)?;
    }
    Ok(())
}

/// CFB encryption and decryption, OFB and CTR on a short message with a
/// partial block, then on one of each bulk size in whole blocks (CFB
/// decryption and CTR hand the kernel that many blocks, 32 at a time) and
/// on 53 blocks and 5 bytes.
fn sm4_stream_modes() -> Outcome {
    let mut k: [u8; 16] = bytes(15);
    let iv: [u8; 16] = bytes(16);
    let mut m: [u8; BULK_BYTES] = bytes(17);
    secret(&mut k);
    secret(&mut m);
    let lens: Vec<usize> = [37]
        .into_iter()
        .chain(BULK_BLOCKS.map(|b| b * 16))
        .chain([BULK_BLOCKS[0] * 16 + 5])
        .collect();
    trace_begin();
    let c = sm4::Sm4::new(&k);
    for &len in &lens {
        let m = &mut m[..len];
        sm4::cfb::encrypt(&c, &iv, m);
        sm4::cfb::decrypt(&c, &iv, m);
        sm4::ofb::apply(&c, &iv, m);
        sm4::ctr::apply(&c, &iv, m);
    }
    end(&m);
    public(&m);
    Ok(())
}

/// Sealing, then opening with the right tag (accepted in every variant):
/// a short message with short AAD, then one per bulk size with 19 blocks
/// and 5 bytes of AAD (GHASH's 8-block loop twice, 3 blocks, a partial
/// one). The keystream hands the kernel the bulk size in blocks (32 at a
/// time), GHASH gets one whole block fewer and a partial one.
fn sm4_gcm() -> Outcome {
    let mut k: [u8; 16] = bytes(18);
    let nonce: [u8; 12] = bytes(19);
    let aad: [u8; 19 * 16 + 5] = bytes(20);
    let mut m: [u8; BULK_BYTES] = bytes(21);
    secret(&mut k);
    secret(&mut m);
    let jobs: Vec<(usize, usize)> = [(20, 45)]
        .into_iter()
        .chain(BULK_BLOCKS.map(|b| (aad.len(), (b - 1) * 16 + 9)))
        .collect();
    let mut results = Vec::with_capacity(jobs.len());
    trace_begin();
    let g = sm4::gcm::Sm4Gcm::new(&k);
    for &(a, len) in &jobs {
        let (aad, m) = (&aad[..a], &mut m[..len]);
        let tag = g.seal_in_place(&nonce, aad, m);
        // The tag is public: the opening's comparison may declassify it.
        let t = *tag.as_ref().unwrap_or(&[0; 16]);
        public(&t);
        let open = g.open_in_place(&nonce, aad, m, &t);
        results.push((tag, open));
    }
    end(&(&m, &results));
    public(&m);
    for (tag, open) in results {
        ok("GCM sealing", tag)?;
        ok("GCM opening with the right tag", open)?;
    }
    Ok(())
}

/// Sealing, then opening with the right tag (accepted in every variant).
fn sm4_ccm() -> Outcome {
    let mut k: [u8; 16] = bytes(22);
    let nonce: [u8; 12] = bytes(23);
    let mut m: [u8; 33] = bytes(24);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let c = sm4::ccm::Sm4Ccm::new(&k);
    let mut tag = [0u8; 16];
    let seal = c.seal_in_place(&nonce, b"aad", &mut m, &mut tag);
    public(&tag);
    let open = c.open_in_place(&nonce, b"aad", &mut m, &tag);
    end(&(&m, &seal, &open));
    public(&m);
    ok("CCM sealing", seal)?;
    ok("CCM opening with the right tag", open)
}

/// Encryption and decryption in both conventions (the halves of the key
/// differ in every variant: accepted) of a short data unit with stealing
/// and of one per bulk size: that many whole blocks go to the kernel (32
/// at a time), with a stolen partial block after 53 and 20 of them.
fn sm4_xts() -> Outcome {
    let mut k: [u8; 32] = bytes(25);
    let iv: [u8; 16] = bytes(26);
    let mut m: [u8; BULK_BYTES] = bytes(27);
    secret(&mut k);
    secret(&mut m);
    let [b0, b1, b2, b3] = BULK_BLOCKS;
    let lens = [50, (b0 + 1) * 16 + 5, b1 * 16, (b2 + 1) * 16 + 9, b3 * 16];
    let mut results = Vec::with_capacity(4 * lens.len());
    trace_begin();
    for std in [
        sm4::xts::XtsStandard::Ieee1619,
        sm4::xts::XtsStandard::GbT17964,
    ] {
        match sm4::xts::Sm4Xts::new(&k, std) {
            Ok(x) => {
                for len in lens {
                    results.push(x.encrypt(&iv, &mut m[..len]));
                    results.push(x.decrypt(&iv, &mut m[..len]));
                }
            }
            Err(e) => results.push(Err(e)),
        }
    }
    end(&(&m, &results));
    public(&m);
    for r in results {
        ok("XTS", r)?;
    }
    Ok(())
}

/// The tag, then its verification (accepted in every variant).
fn sm4_cmac() -> Outcome {
    let mut k: [u8; 16] = bytes(28);
    let mut m: [u8; 70] = bytes(29);
    secret(&mut k);
    secret(&mut m);
    trace_begin();
    let c = sm4::Sm4::new(&k);
    let t = sm4::mac::cmac(&c, &m);
    public(&t);
    let mut mac = sm4::mac::Cmac::new(c.clone());
    mac.update(&m);
    let v = mac.verify(&t);
    end(&v);
    ok("CMAC verification of the right tag", v)
}

fn pbkdf2_hkdf() -> Outcome {
    let mut pw: [u8; 12] = bytes(30);
    let mut ikm: [u8; 32] = bytes(31);
    secret(&mut pw);
    secret(&mut ikm);
    let mut out = [0u8; 40];
    trace_begin();
    let p = kdf::pbkdf2_hmac_sm3(&pw, b"salt", 3, &mut out);
    let h = kdf::hkdf_sm3(b"salt", &ikm, b"info", &mut out);
    end(&(&out, &p, &h));
    public(&out);
    ok("PBKDF2", p)?;
    ok("HKDF", h)
}
