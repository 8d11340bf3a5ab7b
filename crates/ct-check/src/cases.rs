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
pub static ALL: &[Case] = &[
    Case {
        name: "leaky-control",
        run: leaky_control,
    },
    Case {
        name: "sm3",
        run: sm3_hash,
    },
    Case {
        name: "hmac-sm3",
        run: hmac_sm3,
    },
    Case {
        name: "sm2-kdf",
        run: sm2_kdf,
    },
    Case {
        name: "sm4-block",
        run: sm4_block,
    },
    Case {
        name: "sm4-cbc",
        run: sm4_cbc,
    },
    Case {
        name: "sm2-sign",
        run: sm2_sign,
    },
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

fn sm2_sign() {
    let mut rng = SecretRng(11);
    let Ok(key) = sm2::SecretKey::random(&mut rng) else {
        return;
    };
    let m: [u8; 32] = bytes(12);
    let sig = sm2::sign(&key, sm2::DEFAULT_ID, &m, &mut rng);
    public(&sig);
}
