//! SM4-CFB: 128-bit cipher feedback (OpenSSL's `sm4-cfb`); any length, in
//! any pieces.

use super::ctr::BATCH;
use super::{BLOCK_LEN, Sm4, xor_block};
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
        let mut data = data;
        // Finish a partly used keystream block.
        while self.used < BLOCK_LEN {
            let Some((b, rest)) = data.split_first_mut() else {
                return;
            };
            self.byte(b);
            data = rest;
        }
        if self.direction == Direction::Decrypt {
            // Each whole block's keystream is the encryption of the
            // ciphertext block before it, all known in advance: a kernel
            // pass at a time.
            let whole = data.len() / BLOCK_LEN * BLOCK_LEN;
            let (head, tail) = data.split_at_mut(whole);
            let mut ks = [[0u8; BLOCK_LEN]; BATCH];
            for group in head.as_chunks_mut::<BLOCK_LEN>().0.chunks_mut(BATCH) {
                let ks = &mut ks[..group.len()];
                ks[0] = self.fb;
                ks[1..].copy_from_slice(&group[..group.len() - 1]);
                self.fb = group[group.len() - 1];
                self.cipher.encrypt_blocks(ks);
                for (c, k) in group.iter_mut().zip(ks.iter()) {
                    xor_block(c, k);
                }
            }
            ks.zeroize();
            data = tail;
        }
        for b in data {
            self.byte(b);
        }
    }

    /// One byte through the feedback register.
    #[inline(always)]
    fn byte(&mut self, b: &mut u8) {
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
