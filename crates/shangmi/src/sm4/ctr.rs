//! SM4-CTR: counter mode with a 128-bit big-endian counter (the whole IV is
//! the initial counter block, as OpenSSL's `sm4-ctr` does). Encryption and
//! decryption are the same operation; any length, in any pieces.

use super::{BLOCK_LEN, Sm4};
use zeroize::Zeroize;

/// A CTR keystream applied in place, in pieces of any size.
#[derive(Clone)]
pub struct Ctr {
    cipher: Sm4,
    counter: [u8; BLOCK_LEN],
    ks: [u8; BLOCK_LEN],
    used: usize,
}

impl Ctr {
    /// Starts at counter block `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            cipher,
            counter: *iv,
            ks: [0; BLOCK_LEN],
            used: BLOCK_LEN,
        }
    }

    /// XORs the keystream into `data` (encrypts or decrypts in place).
    pub fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            if self.used == BLOCK_LEN {
                self.ks = self.counter;
                self.cipher.encrypt_block(&mut self.ks);
                increment_be(&mut self.counter);
                self.used = 0;
            }
            *b ^= self.ks[self.used];
            self.used += 1;
        }
    }
}

impl Drop for Ctr {
    fn drop(&mut self) {
        self.ks.zeroize();
    }
}

/// Adds one to a 128-bit big-endian counter (wrapping), in constant time.
pub(crate) fn increment_be(c: &mut [u8]) {
    let mut carry = 1u16;
    for b in c.iter_mut().rev() {
        let s = *b as u16 + carry;
        *b = s as u8;
        carry = s >> 8;
    }
}

/// SM4-CTR of `data` in place, in one call.
pub fn apply(cipher: &Sm4, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
    Ctr::new(cipher.clone(), iv).apply(data);
}
