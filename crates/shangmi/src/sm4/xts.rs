//! SM4-XTS for storage encryption, with ciphertext stealing, in the two
//! conventions in use: IEEE 1619 and GB/T 17964-2021. They differ only in
//! how the tweak is multiplied by the primitive element between blocks.

use super::ctr::BATCH;
use super::{BLOCK_LEN, KEY_LEN, Sm4, block_of, xor_block};
use crate::{Error, Result};
use zeroize::Zeroize;

/// XTS key length: two SM4 keys.
pub const XTS_KEY_LEN: usize = 2 * KEY_LEN;

/// The tweak convention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XtsStandard {
    /// IEEE Std 1619: the tweak is a little-endian polynomial, doubled with
    /// the reduction byte 0x87.
    Ieee1619,
    /// GB/T 17964-2021: the tweak is multiplied by x in GCM's bit-reflected
    /// convention (shift right, reduction byte 0xE1 into the first byte).
    GbT17964,
}

/// An SM4-XTS key: the data key K1 and the tweak key K2.
#[derive(Clone)]
pub struct Sm4Xts {
    data: Sm4,
    tweak: Sm4,
    standard: XtsStandard,
}

impl core::fmt::Debug for Sm4Xts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Sm4Xts {{ standard: {:?}, .. }}", self.standard)
    }
}

impl Sm4Xts {
    /// From 32 key bytes (K1 || K2). Equal halves are refused, as IEEE 1619
    /// and OpenSSL require.
    pub fn new(key: &[u8; XTS_KEY_LEN], standard: XtsStandard) -> Result<Self> {
        let (k1, k2) = key.split_at(KEY_LEN);
        if crate::ct::declassify(subtle::ConstantTimeEq::ct_eq(k1, k2)) {
            return Err(Error::InvalidKey);
        }
        Ok(Self {
            data: Sm4::from_slice(k1)?,
            tweak: Sm4::from_slice(k2)?,
            standard,
        })
    }

    /// The tweak as one 128-bit number in the standard's bit order, so that
    /// the multiplication is a shift and a masked XOR.
    fn tweak_word(&self, t: &[u8; BLOCK_LEN]) -> u128 {
        match self.standard {
            XtsStandard::Ieee1619 => u128::from_le_bytes(*t),
            XtsStandard::GbT17964 => u128::from_be_bytes(*t),
        }
    }

    /// The inverse of [`Self::tweak_word`].
    fn tweak_to_bytes(&self, v: u128) -> [u8; BLOCK_LEN] {
        match self.standard {
            XtsStandard::Ieee1619 => v.to_le_bytes(),
            XtsStandard::GbT17964 => v.to_be_bytes(),
        }
    }

    /// The tweak times the primitive element.
    fn next_tweak_word(&self, v: u128) -> u128 {
        match self.standard {
            XtsStandard::Ieee1619 => ieee_next(v),
            XtsStandard::GbT17964 => gb_next(v),
        }
    }

    fn crypt_block(&self, b: &mut [u8; BLOCK_LEN], t: &[u8; BLOCK_LEN], encrypt: bool) {
        xor_block(b, t);
        if encrypt {
            self.data.encrypt_block(b);
        } else {
            self.data.decrypt_block(b);
        }
        xor_block(b, t);
    }

    /// Encrypts one data unit in place (at least 16 bytes; a partial last
    /// block uses ciphertext stealing). `iv` is the 16-byte tweak, such as
    /// the sector number.
    pub fn encrypt(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]) -> Result<()> {
        self.crypt(iv, data, true)
    }

    /// Decrypts one data unit in place.
    pub fn decrypt(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8]) -> Result<()> {
        self.crypt(iv, data, false)
    }

    fn crypt(&self, iv: &[u8; BLOCK_LEN], data: &mut [u8], encrypt: bool) -> Result<()> {
        if data.len() < BLOCK_LEN {
            return Err(Error::Length {
                what: "XTS data unit (at least 16 bytes)",
            });
        }
        if data.len() > (1 << 20) * BLOCK_LEN {
            return Err(Error::Length {
                what: "XTS data unit (at most 2^20 blocks)",
            });
        }
        let mut t = *iv;
        self.tweak.encrypt_block(&mut t);
        let tail = data.len() % BLOCK_LEN;
        // With stealing, the last full block is handled with the tail.
        let full = data.len() / BLOCK_LEN - usize::from(tail != 0);
        // Whole blocks, a kernel pass at a time: the tweaks are computed
        // first, the blocks then enciphered together.
        let (whole, _) = data[..full * BLOCK_LEN].as_chunks_mut::<BLOCK_LEN>();
        let mut tweaks = [[0u8; BLOCK_LEN]; BATCH];
        let mut tv = self.tweak_word(&t);
        for group in whole.chunks_mut(BATCH) {
            // One loop per convention, so that the tweak stays in registers.
            tv = match self.standard {
                XtsStandard::Ieee1619 => {
                    whiten(group, &mut tweaks, tv, u128::to_le_bytes, ieee_next)
                }
                XtsStandard::GbT17964 => whiten(group, &mut tweaks, tv, u128::to_be_bytes, gb_next),
            };
            if encrypt {
                self.data.encrypt_blocks(group);
            } else {
                self.data.decrypt_blocks(group);
            }
            for (b, tw) in group.iter_mut().zip(tweaks.iter()) {
                *b = (u128::from_ne_bytes(*b) ^ u128::from_ne_bytes(*tw)).to_ne_bytes();
            }
        }
        tweaks.zeroize();
        t = self.tweak_to_bytes(tv);
        let mut t_next = self.tweak_to_bytes(self.next_tweak_word(tv));
        tv.zeroize();
        if tail != 0 {
            let start = full * BLOCK_LEN;
            // Encryption: the last full block uses t, the stolen block t_next.
            // Decryption: the other way round.
            let (first, second) = if encrypt { (t, t_next) } else { (t_next, t) };
            let mut b = block_of(&data[start..]);
            self.crypt_block(&mut b, &first, encrypt);
            // b's head becomes the short final block; the tail fills it up.
            let mut c = b;
            c[..tail].copy_from_slice(&data[start + BLOCK_LEN..]);
            self.crypt_block(&mut c, &second, encrypt);
            data[start + BLOCK_LEN..].copy_from_slice(&b[..tail]);
            data[start..start + BLOCK_LEN].copy_from_slice(&c);
            b.zeroize();
            c.zeroize();
        }
        t.zeroize();
        t_next.zeroize();
        Ok(())
    }
}

/// XORs the tweaks `tv, next(tv), ...` into the blocks of `group`, keeping
/// them in `tweaks` (as bytes, through `to_bytes`) for the XOR after the
/// cipher; returns the tweak for the block after the group.
#[inline(always)]
fn whiten(
    group: &mut [[u8; BLOCK_LEN]],
    tweaks: &mut [[u8; BLOCK_LEN]; BATCH],
    mut tv: u128,
    to_bytes: fn(u128) -> [u8; BLOCK_LEN],
    next: fn(u128) -> u128,
) -> u128 {
    for (b, tw) in group.iter_mut().zip(tweaks.iter_mut()) {
        *tw = to_bytes(tv);
        *b = (u128::from_ne_bytes(*b) ^ u128::from_ne_bytes(*tw)).to_ne_bytes();
        tv = next(tv);
    }
    tv
}

/// IEEE 1619: doubling of the little-endian polynomial, reduction 0x87;
/// the carry selects the reduction through a mask (constant time).
#[inline(always)]
fn ieee_next(v: u128) -> u128 {
    (v << 1) ^ (0x87 & 0u128.wrapping_sub(v >> 127))
}

/// GB/T 17964: multiplication by x in GCM's bit-reflected convention, a
/// right shift of the big-endian number with 0xE1 into the first byte.
#[inline(always)]
fn gb_next(v: u128) -> u128 {
    (v >> 1) ^ ((0xe1 << 120) & 0u128.wrapping_sub(v & 1))
}
