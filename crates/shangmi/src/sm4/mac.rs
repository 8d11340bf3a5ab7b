//! MACs from SM4: CMAC (NIST SP 800-38B, RFC 4493 with SM4) and the raw
//! CBC-MAC (the building block of CCM; on its own only safe for messages of
//! one fixed length).

use super::{BLOCK_LEN, Sm4, xor_block};
use crate::{Error, Result, ct};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// MAC length in bytes.
pub const MAC_LEN: usize = BLOCK_LEN;

/// A CBC-MAC in progress over whole blocks.
#[derive(Clone)]
pub struct CbcMac {
    cipher: Sm4,
    state: [u8; BLOCK_LEN],
    buf: [u8; BLOCK_LEN],
    len: usize,
}

impl CbcMac {
    /// Starts a CBC-MAC (zero IV) under `cipher`.
    pub fn new(cipher: Sm4) -> Self {
        Self {
            cipher,
            state: [0; BLOCK_LEN],
            buf: [0; BLOCK_LEN],
            len: 0,
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (BLOCK_LEN - self.len).min(data.len());
            self.buf[self.len..self.len + take].copy_from_slice(&data[..take]);
            self.len += take;
            data = &data[take..];
            if self.len == BLOCK_LEN {
                xor_block(&mut self.state, &self.buf);
                self.cipher.encrypt_block(&mut self.state);
                self.len = 0;
            }
        }
    }

    /// Pads the data absorbed so far with zero bytes to a block boundary.
    pub fn pad_to_block(&mut self) {
        if self.len > 0 {
            let zeros = [0u8; BLOCK_LEN];
            let n = BLOCK_LEN - self.len;
            self.update(&zeros[..n]);
        }
    }

    /// The MAC of data that filled whole blocks (or was padded with
    /// [`Self::pad_to_block`]).
    pub(crate) fn finish_padded(mut self) -> [u8; BLOCK_LEN] {
        self.pad_to_block();
        self.state
    }

    /// The MAC; the data must have been whole blocks.
    pub fn finish(self) -> Result<[u8; MAC_LEN]> {
        if self.len != 0 {
            return Err(Error::Length {
                what: "CBC-MAC input (whole 16-byte blocks)",
            });
        }
        Ok(self.state)
    }
}

impl Drop for CbcMac {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

/// CBC-MAC of `data`, which must be a whole number of blocks.
pub fn cbc_mac(cipher: &Sm4, data: &[u8]) -> Result<[u8; MAC_LEN]> {
    let mut m = CbcMac::new(cipher.clone());
    m.update(data);
    m.finish()
}

/// Doubling in GF(2^128) as CMAC defines it (big-endian, R = 0x87),
/// constant time.
fn dbl(b: &[u8; BLOCK_LEN]) -> [u8; BLOCK_LEN] {
    let mut out = [0u8; BLOCK_LEN];
    for i in 0..BLOCK_LEN {
        let next = if i + 1 < BLOCK_LEN { b[i + 1] >> 7 } else { 0 };
        out[i] = (b[i] << 1) | next;
    }
    let msb = subtle::Choice::from(b[0] >> 7);
    out[BLOCK_LEN - 1] ^= u8::conditional_select(&0, &0x87, msb);
    out
}

/// A CMAC in progress: `update` as data arrives, then `finish` or `verify`.
#[derive(Clone)]
pub struct Cmac {
    cipher: Sm4,
    k1: [u8; BLOCK_LEN],
    k2: [u8; BLOCK_LEN],
    state: [u8; BLOCK_LEN],
    buf: [u8; BLOCK_LEN],
    len: usize,
}

impl Cmac {
    /// Starts a CMAC under `cipher`.
    pub fn new(cipher: Sm4) -> Self {
        let mut l = [0u8; BLOCK_LEN];
        cipher.encrypt_block(&mut l);
        let k1 = dbl(&l);
        let k2 = dbl(&k1);
        l.zeroize();
        Self {
            cipher,
            k1,
            k2,
            state: [0; BLOCK_LEN],
            buf: [0; BLOCK_LEN],
            len: 0,
        }
    }

    /// Absorbs `data`. The last block is held back until `finish`.
    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.len == BLOCK_LEN {
                xor_block(&mut self.state, &self.buf);
                self.cipher.encrypt_block(&mut self.state);
                self.len = 0;
            }
            let take = (BLOCK_LEN - self.len).min(data.len());
            self.buf[self.len..self.len + take].copy_from_slice(&data[..take]);
            self.len += take;
            data = &data[take..];
        }
    }

    /// The 16-byte MAC.
    pub fn finish(mut self) -> [u8; MAC_LEN] {
        let mut last = self.buf;
        if self.len == BLOCK_LEN {
            xor_block(&mut last, &self.k1);
        } else {
            last[self.len] = 0x80;
            last[self.len + 1..].fill(0);
            xor_block(&mut last, &self.k2);
        }
        xor_block(&mut self.state, &last);
        self.cipher.encrypt_block(&mut self.state);
        last.zeroize();
        self.state
    }

    /// Compares the MAC with `expected` (4 to 16 bytes, a prefix of the
    /// full MAC) in constant time.
    pub fn verify(self, expected: &[u8]) -> Result<()> {
        if !(4..=MAC_LEN).contains(&expected.len()) {
            return Err(Error::Length {
                what: "CMAC tag (4 to 16 bytes)",
            });
        }
        let n = expected.len();
        let t = self.finish();
        if ct::declassify(t[..n].ct_eq(expected)) {
            Ok(())
        } else {
            Err(Error::BadSignature)
        }
    }
}

impl Drop for Cmac {
    fn drop(&mut self) {
        self.k1.zeroize();
        self.k2.zeroize();
        self.state.zeroize();
        self.buf.zeroize();
    }
}

/// CMAC of `data` in one call.
pub fn cmac(cipher: &Sm4, data: &[u8]) -> [u8; MAC_LEN] {
    let mut m = Cmac::new(cipher.clone());
    m.update(data);
    m.finish()
}
