//! `libsm` (crates.io): SM3, SM4 and SM2 in Rust.

use libsm::sm2::signature::{SigCtx, Signature};
use num_bigint::BigUint;

/// SM3 of `msg`.
pub fn sm3(msg: &[u8]) -> [u8; 32] {
    libsm::sm3::hash::Sm3Hash::new(msg).get_hash()
}

/// SM4 in a mode (`ctr`, `cbc`, `gcm`): a fresh output vector each call,
/// as libsm's API works.
pub fn sm4(mode: &str, key: &[u8; 16], iv: &[u8], data: &[u8]) -> Vec<u8> {
    use libsm::sm4::cipher_mode::{CipherMode, Sm4CipherMode};
    let m = match mode {
        "cbc" => CipherMode::Cbc,
        "gcm" => CipherMode::Gcm,
        _ => CipherMode::Ctr,
    };
    Sm4CipherMode::new(key, m)
        .and_then(|c| c.encrypt(&[], data, iv))
        .unwrap_or_default()
}

/// One SM4 block.
pub fn sm4_block(c: &libsm::sm4::cipher::Sm4Cipher, b: &[u8; 16]) -> [u8; 16] {
    c.encrypt(b).unwrap_or_default()
}

/// An SM2 key pair and signing context.
pub struct Sm2 {
    ctx: SigCtx,
    pk: libsm::sm2::ecc::Point,
    sk: BigUint,
}

impl Sm2 {
    /// A fresh key.
    pub fn generate() -> Self {
        let ctx = SigCtx::new();
        let (pk, sk) = ctx.new_keypair().expect("libsm keypair");
        Sm2 { ctx, pk, sk }
    }

    /// Signs (Z with libsm's default ID).
    pub fn sign(&self, msg: &[u8]) -> Signature {
        self.ctx.sign(msg, &self.sk, &self.pk).expect("libsm sign")
    }

    /// Verifies.
    pub fn verify(&self, msg: &[u8], sig: &Signature) -> bool {
        self.ctx.verify(msg, &self.pk, sig).unwrap_or(false)
    }
}
