//! SM4-CTR: counter mode with a 128-bit big-endian counter (the whole IV is
//! the initial counter block, as OpenSSL's `sm4-ctr` does). Encryption and
//! decryption are the same operation; any length, in any pieces.

use super::{BLOCK_LEN, Sm4};
use zeroize::Zeroize;

/// Counter blocks encrypted per refill: one pass of the 8-lane kernel.
pub(crate) const BATCH: usize = 8;

/// A counter-mode keystream over any counter increment (CTR uses the whole
/// block, GCM its last 32 bits), refilled eight blocks at a time.
#[derive(Clone)]
pub(crate) struct Keystream {
    cipher: Sm4,
    counter: [u8; BLOCK_LEN],
    increment: fn(&mut [u8; BLOCK_LEN]),
    ks: [[u8; BLOCK_LEN]; BATCH],
    used: usize,
}

impl Keystream {
    pub(crate) fn new(
        cipher: Sm4,
        counter: [u8; BLOCK_LEN],
        increment: fn(&mut [u8; BLOCK_LEN]),
    ) -> Self {
        Self {
            cipher,
            counter,
            increment,
            ks: [[0; BLOCK_LEN]; BATCH],
            used: BATCH * BLOCK_LEN,
        }
    }

    fn refill(&mut self) {
        for b in self.ks.iter_mut() {
            *b = self.counter;
            (self.increment)(&mut self.counter);
        }
        self.cipher.encrypt_blocks(&mut self.ks);
        self.used = 0;
    }

    /// XORs the next keystream bytes into `data`.
    pub(crate) fn apply(&mut self, mut data: &mut [u8]) {
        while !data.is_empty() {
            if self.used == BATCH * BLOCK_LEN {
                self.refill();
            }
            let ks = self.ks.as_flattened();
            let n = (ks.len() - self.used).min(data.len());
            let (head, rest) = data.split_at_mut(n);
            for (d, k) in head.iter_mut().zip(&ks[self.used..self.used + n]) {
                *d ^= k;
            }
            self.used += n;
            data = rest;
        }
    }
}

impl Drop for Keystream {
    fn drop(&mut self) {
        self.ks.zeroize();
    }
}

/// A CTR keystream applied in place, in pieces of any size.
#[derive(Clone)]
pub struct Ctr {
    ks: Keystream,
}

fn increment_block(c: &mut [u8; BLOCK_LEN]) {
    *c = u128::from_be_bytes(*c).wrapping_add(1).to_be_bytes();
}

impl Ctr {
    /// Starts at counter block `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            ks: Keystream::new(cipher, *iv, increment_block),
        }
    }

    /// XORs the keystream into `data` (encrypts or decrypts in place).
    pub fn apply(&mut self, data: &mut [u8]) {
        self.ks.apply(data);
    }
}

/// SM4-CTR of `data` in place, in one call.
pub fn apply(cipher: &Sm4, iv: &[u8; BLOCK_LEN], data: &mut [u8]) {
    Ctr::new(cipher.clone(), iv).apply(data);
}
