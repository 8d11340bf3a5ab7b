//! SM4 block cipher (GB/T 32907-2016) and its modes. STUB: replaced by the SM4 work.

use crate::{Error, Result};

/// SM4 key length in bytes.
pub const KEY_LEN: usize = 16;
/// SM4 block length in bytes.
pub const BLOCK_LEN: usize = 16;

/// An SM4 key schedule. Zeroized on drop.
#[derive(Clone)]
pub struct Sm4 {
    _rk: [u32; 32],
}

impl Sm4 {
    /// Expands `key`.
    pub fn new(_key: &[u8; KEY_LEN]) -> Self {
        Self { _rk: [0; 32] }
    }
    /// Encrypts one block in place.
    pub fn encrypt_block(&self, _block: &mut [u8; BLOCK_LEN]) {}
    /// Decrypts one block in place.
    pub fn decrypt_block(&self, _block: &mut [u8; BLOCK_LEN]) {}
}

/// Padding for ECB and CBC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// PKCS#7 padding (as `openssl enc` does).
    Pkcs7,
    /// No padding: input must be a whole number of blocks.
    None,
}

/// SM4-CBC encryption into `out`; returns the ciphertext length.
pub fn cbc_encrypt(
    _key: &[u8; 16],
    _iv: &[u8; 16],
    _padding: Padding,
    _input: &[u8],
    _out: &mut [u8],
) -> Result<usize> {
    Err(Error::Unsupported { what: "stub" })
}

/// SM4-CBC decryption into `out`; returns the plaintext length.
pub fn cbc_decrypt(
    _key: &[u8; 16],
    _iv: &[u8; 16],
    _padding: Padding,
    _input: &[u8],
    _out: &mut [u8],
) -> Result<usize> {
    Err(Error::Unsupported { what: "stub" })
}
