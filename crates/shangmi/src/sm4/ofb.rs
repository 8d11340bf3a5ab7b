//! SM4-OFB: output feedback. Encryption and decryption are the same
//! operation; any length, in any pieces.

use super::{BLOCK_LEN, Sm4};
use zeroize::Zeroize;

/// An OFB keystream applied in place, in pieces of any size.
#[derive(Clone)]
pub struct Ofb {
    cipher: Sm4,
    ks: [u8; BLOCK_LEN],
    used: usize,
}

impl Ofb {
    /// Starts with `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            cipher,
            ks: *iv,
            used: BLOCK_LEN,
        }
    }

    /// XORs the keystream into `data` (encrypts or decrypts in place).
    pub fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            if self.used == BLOCK_LEN {
                self.cipher.encrypt_block(&mut self.ks);
                self.used = 0;
            }
            *b ^= self.ks[self.used];
            self.used += 1;
        }
    }
}

impl Drop for Ofb {
    fn drop(&mut self) {
        self.ks.zeroize();
    }
}

/// SM4-OFB of `data` in place, in one call.
pub fn apply(cipher: &Sm4, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
    Ofb::new(cipher.clone(), iv).apply(data);
}
