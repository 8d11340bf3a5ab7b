//! The SM4 block cipher: key schedule and the 32-round transformation.

use super::sbox::tau;
use super::{BLOCK_LEN, KEY_LEN};
use cipher::consts::{U1, U16};
use cipher::{
    AlgorithmName, Block, BlockCipherDecBackend, BlockCipherDecClosure, BlockCipherDecrypt,
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, InOut, Key,
    KeyInit, KeySizeUser, ParBlocksSizeUser,
};
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

const FK: [u32; 4] = [0xa3b1_bac6, 0x56aa_3350, 0x677d_9197, 0xb270_22dc];

/// CK_i: byte j of word i is (4i + j) * 7 mod 256.
const CK: [u32; 32] = {
    let mut ck = [0u32; 32];
    let mut i = 0;
    while i < 32 {
        let mut j = 0;
        while j < 4 {
            ck[i] = (ck[i] << 8) | (((4 * i + j) * 7) % 256) as u32;
            j += 1;
        }
        i += 1;
    }
    ck
};

#[inline(always)]
fn l(b: u32) -> u32 {
    b ^ b.rotate_left(2) ^ b.rotate_left(10) ^ b.rotate_left(18) ^ b.rotate_left(24)
}

#[inline(always)]
fn l_key(b: u32) -> u32 {
    b ^ b.rotate_left(13) ^ b.rotate_left(23)
}

/// An SM4 key schedule (the 32 round keys). Constant time; zeroized on drop;
/// `Debug` does not show it.
///
/// Implements the RustCrypto `cipher` traits (`KeyInit`,
/// `BlockCipherEncrypt`, `BlockCipherDecrypt`), so it plugs into generic
/// mode crates.
#[derive(Clone)]
pub struct Sm4 {
    rk: [u32; 32],
}

impl Sm4 {
    /// Expands `key` into the round keys.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        let mut k = [0u32; 4];
        for (ki, (c, fk)) in k.iter_mut().zip(key.chunks_exact(4).zip(FK)) {
            *ki = u32::from_be_bytes([c[0], c[1], c[2], c[3]]) ^ fk;
        }
        let mut rk = [0u32; 32];
        for (i, rki) in rk.iter_mut().enumerate() {
            let next = k[0] ^ l_key(tau(k[1] ^ k[2] ^ k[3] ^ CK[i]));
            k = [k[1], k[2], k[3], next];
            *rki = next;
        }
        k.zeroize();
        Self { rk }
    }

    /// Builds the schedule from a key slice, which must be 16 bytes.
    pub fn from_slice(key: &[u8]) -> crate::Result<Self> {
        let key: &[u8; KEY_LEN] = key.try_into().map_err(|_| crate::Error::Length {
            what: "SM4 key (16 bytes)",
        })?;
        Ok(Self::new(key))
    }

    #[inline(always)]
    fn crypt(&self, block: &mut [u8; BLOCK_LEN], decrypt: bool) {
        let mut x = [0u32; 4];
        for (xi, c) in x.iter_mut().zip(block.chunks_exact(4)) {
            *xi = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 0..32 {
            let rk = if decrypt { self.rk[31 - i] } else { self.rk[i] };
            let next = x[0] ^ l(tau(x[1] ^ x[2] ^ x[3] ^ rk));
            x = [x[1], x[2], x[3], next];
        }
        for (c, xi) in block.chunks_exact_mut(4).zip(x.iter().rev()) {
            c.copy_from_slice(&xi.to_be_bytes());
        }
        x.zeroize();
    }

    /// Encrypts one block in place.
    pub fn encrypt_block(&self, block: &mut [u8; BLOCK_LEN]) {
        self.crypt(block, false);
    }

    /// Decrypts one block in place.
    pub fn decrypt_block(&self, block: &mut [u8; BLOCK_LEN]) {
        self.crypt(block, true);
    }

    /// Encrypts many independent blocks in place (the kernel of ECB, CTR,
    /// GCM, XTS and the parallel halves of CBC and CFB).
    pub fn encrypt_blocks(&self, blocks: &mut [[u8; BLOCK_LEN]]) {
        for b in blocks {
            self.crypt(b, false);
        }
    }

    /// Decrypts many independent blocks in place.
    pub fn decrypt_blocks(&self, blocks: &mut [[u8; BLOCK_LEN]]) {
        for b in blocks {
            self.crypt(b, true);
        }
    }

    /// The round keys, for tests against the published schedule.
    #[cfg(test)]
    pub(crate) fn round_keys(&self) -> &[u32; 32] {
        &self.rk
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        self.rk.zeroize();
    }
}

impl ZeroizeOnDrop for Sm4 {}

impl fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4 { .. }")
    }
}

impl KeySizeUser for Sm4 {
    type KeySize = U16;
}

impl KeyInit for Sm4 {
    fn new(key: &Key<Self>) -> Self {
        Sm4::new(&(*key).into())
    }
}

impl BlockSizeUser for Sm4 {
    type BlockSize = U16;
}

impl ParBlocksSizeUser for Sm4 {
    type ParBlocksSize = U1;
}

impl AlgorithmName for Sm4 {
    fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SM4")
    }
}

impl BlockCipherEncrypt for Sm4 {
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = Self::BlockSize>) {
        f.call(self)
    }
}

impl BlockCipherEncBackend for Sm4 {
    fn encrypt_block(&self, mut block: InOut<'_, '_, Block<Self>>) {
        let mut b: [u8; BLOCK_LEN] = (*block.get_in()).into();
        self.crypt(&mut b, false);
        *block.get_out() = b.into();
    }
}

impl BlockCipherDecrypt for Sm4 {
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = Self::BlockSize>) {
        f.call(self)
    }
}

impl BlockCipherDecBackend for Sm4 {
    fn decrypt_block(&self, mut block: InOut<'_, '_, Block<Self>>) {
        let mut b: [u8; BLOCK_LEN] = (*block.get_in()).into();
        self.crypt(&mut b, true);
        *block.get_out() = b.into();
    }
}
