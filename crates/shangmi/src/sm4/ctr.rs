//! SM4-CTR: counter mode with a 128-bit big-endian counter (the whole IV is
//! the initial counter block, as OpenSSL's `sm4-ctr` does). Encryption and
//! decryption are the same operation; any length, in any pieces.

use super::{BLOCK_LEN, Sm4};
use zeroize::Zeroize;

/// Most counter blocks encrypted per refill: one pass of the widest
/// kernel (AVX-512 + GFNI runs 32 blocks per pass).
pub(crate) const BATCH: usize = 32;

/// How the counter block advances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Increment {
    /// The whole block as a 128-bit big-endian number (CTR; CCM, whose
    /// length check keeps the count inside its counter field).
    Block,
    /// The last 32 bits, big-endian, modulo 2^32 (GCM's inc32).
    Low32,
}

/// A counter-mode keystream, refilled up to [`BATCH`] blocks at a time and
/// no more blocks than the data in hand needs (a short message costs one
/// narrow pass).
#[derive(Clone)]
pub(crate) struct Keystream {
    cipher: Sm4,
    counter: [u8; BLOCK_LEN],
    increment: Increment,
    ks: [[u8; BLOCK_LEN]; BATCH],
    /// Keystream bytes `used..end` of `ks` are not used yet.
    used: usize,
    end: usize,
}

impl Keystream {
    pub(crate) fn new(cipher: Sm4, counter: [u8; BLOCK_LEN], increment: Increment) -> Self {
        Self {
            cipher,
            counter,
            increment,
            ks: [[0; BLOCK_LEN]; BATCH],
            used: 0,
            end: 0,
        }
    }

    /// Encrypts the next `n` (1 to [`BATCH`]) counter blocks.
    fn refill(&mut self, n: usize) {
        let ks = &mut self.ks[..n];
        match self.increment {
            Increment::Block => {
                let c = u128::from_be_bytes(self.counter);
                for (i, b) in ks.iter_mut().enumerate() {
                    *b = c.wrapping_add(i as u128).to_be_bytes();
                }
                self.counter = c.wrapping_add(n as u128).to_be_bytes();
            }
            Increment::Low32 => {
                let mut low = [0u8; 4];
                low.copy_from_slice(&self.counter[12..]);
                let c = u32::from_be_bytes(low);
                for (i, b) in ks.iter_mut().enumerate() {
                    *b = self.counter;
                    b[12..].copy_from_slice(&c.wrapping_add(i as u32).to_be_bytes());
                }
                self.counter[12..].copy_from_slice(&c.wrapping_add(n as u32).to_be_bytes());
            }
        }
        self.cipher.encrypt_blocks(ks);
        self.used = 0;
        self.end = n * BLOCK_LEN;
    }

    /// XORs the next keystream bytes into `data`.
    pub(crate) fn apply(&mut self, mut data: &mut [u8]) {
        while !data.is_empty() {
            if self.used == self.end {
                self.refill(data.len().div_ceil(BLOCK_LEN).min(BATCH));
            }
            let ks = &self.ks.as_flattened()[self.used..self.end];
            let n = ks.len().min(data.len());
            let (head, rest) = data.split_at_mut(n);
            for (d, k) in head.iter_mut().zip(ks) {
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

impl Ctr {
    /// Starts at counter block `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            ks: Keystream::new(cipher, *iv, Increment::Block),
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
