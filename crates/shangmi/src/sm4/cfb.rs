//! SM4-CFB: 128-bit cipher feedback (OpenSSL's `sm4-cfb`); any length, in
//! any pieces.

use super::{BLOCK_LEN, Sm4};
use zeroize::Zeroize;

/// Which way a [`Cfb`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Plaintext in, ciphertext out.
    Encrypt,
    /// Ciphertext in, plaintext out.
    Decrypt,
}

/// A CFB-128 stream transforming data in place, in pieces of any size.
#[derive(Clone)]
pub struct Cfb {
    cipher: Sm4,
    direction: Direction,
    /// The previous ciphertext block, encrypted lazily into `ks`.
    fb: [u8; BLOCK_LEN],
    ks: [u8; BLOCK_LEN],
    used: usize,
}

impl Cfb {
    /// Starts with `iv` in the given direction.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN], direction: Direction) -> Self {
        Self {
            cipher,
            direction,
            fb: *iv,
            ks: [0; BLOCK_LEN],
            used: BLOCK_LEN,
        }
    }

    /// Encrypts or decrypts `data` in place.
    pub fn apply(&mut self, data: &mut [u8]) {
        for b in data {
            if self.used == BLOCK_LEN {
                self.ks = self.fb;
                self.cipher.encrypt_block(&mut self.ks);
                self.used = 0;
            }
            let c = match self.direction {
                Direction::Encrypt => {
                    *b ^= self.ks[self.used];
                    *b
                }
                Direction::Decrypt => {
                    let c = *b;
                    *b ^= self.ks[self.used];
                    c
                }
            };
            self.fb[self.used] = c;
            self.used += 1;
        }
    }
}

impl Drop for Cfb {
    fn drop(&mut self) {
        self.ks.zeroize();
    }
}

/// SM4-CFB encryption of `data` in place, in one call.
pub fn encrypt(cipher: &Sm4, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
    Cfb::new(cipher.clone(), iv, Direction::Encrypt).apply(data);
}

/// SM4-CFB decryption of `data` in place, in one call.
pub fn decrypt(cipher: &Sm4, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
    Cfb::new(cipher.clone(), iv, Direction::Decrypt).apply(data);
}
