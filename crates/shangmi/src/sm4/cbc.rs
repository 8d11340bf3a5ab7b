//! SM4-CBC (cipher block chaining), one-shot and streaming.

use super::ecb::{check_ciphertext_len, finish_unpad};
use super::{BLOCK_LEN, Padding, Sm4, block_of, xor_block};
use crate::{Error, Result};
use zeroize::Zeroize;

/// Encrypts `input` into `out`; returns the ciphertext length.
pub fn encrypt(
    cipher: &Sm4,
    iv: &[u8; BLOCK_LEN],
    padding: Padding,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize> {
    let total = padding.padded_len(input.len())?;
    if out.len() < total {
        return Err(Error::BufferTooSmall { needed: total });
    }
    let mut e = Encryptor::new(cipher.clone(), iv);
    let n = e.update(input, out)?;
    Ok(n + e.finish(padding, &mut out[n..])?)
}

/// Decrypts `input` into `out`; returns the plaintext length. A bad pad is
/// [`Error::DecryptFailed`] and leaves `out` zeroed.
pub fn decrypt(
    cipher: &Sm4,
    iv: &[u8; BLOCK_LEN],
    padding: Padding,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize> {
    check_ciphertext_len(padding, input.len())?;
    let out = out.get_mut(..input.len()).ok_or(Error::BufferTooSmall {
        needed: input.len(),
    })?;
    // Every block decrypts independently; the chaining XOR comes after.
    out.copy_from_slice(input);
    cipher.decrypt_blocks(out.as_chunks_mut::<BLOCK_LEN>().0);
    let mut chain = *iv;
    for (o, c) in out
        .as_chunks_mut::<BLOCK_LEN>()
        .0
        .iter_mut()
        .zip(input.as_chunks::<BLOCK_LEN>().0)
    {
        xor_block(o, &chain);
        chain = *c;
    }
    let mut last = out
        .len()
        .checked_sub(BLOCK_LEN)
        .map(|i| block_of(&out[i..]))
        .unwrap_or([0; BLOCK_LEN]);
    let r = finish_unpad(padding, &last, out);
    last.zeroize();
    r
}

/// Streaming CBC encryption: `update` as data arrives, then `finish`.
#[derive(Clone)]
pub struct Encryptor {
    cipher: Sm4,
    chain: [u8; BLOCK_LEN],
    buf: [u8; BLOCK_LEN],
    len: usize,
}

impl Encryptor {
    /// Starts encrypting under `cipher` with `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            cipher,
            chain: *iv,
            buf: [0; BLOCK_LEN],
            len: 0,
        }
    }

    /// Encrypts the whole blocks now available into `out`; returns how many
    /// bytes were written (a multiple of 16, at most `input.len() + 15`).
    pub fn update(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize> {
        let needed = (self.len + input.len()) / BLOCK_LEN * BLOCK_LEN;
        if out.len() < needed {
            return Err(Error::BufferTooSmall { needed });
        }
        let mut written = 0;
        // Whole blocks straight from `input` while nothing is buffered.
        if self.len == 0 {
            let (blocks, _) = input.as_chunks::<BLOCK_LEN>();
            let n = blocks.len() * BLOCK_LEN;
            let (dst, _) = out[..n].as_chunks_mut::<BLOCK_LEN>();
            self.cipher.cbc_encrypt(&mut self.chain, blocks, dst);
            written = n;
            input = &input[n..];
        }
        while !input.is_empty() {
            let take = (BLOCK_LEN - self.len).min(input.len());
            self.buf[self.len..self.len + take].copy_from_slice(&input[..take]);
            self.len += take;
            input = &input[take..];
            if self.len == BLOCK_LEN {
                xor_block(&mut self.chain, &self.buf);
                self.cipher.encrypt_block(&mut self.chain);
                out[written..written + BLOCK_LEN].copy_from_slice(&self.chain);
                written += BLOCK_LEN;
                self.len = 0;
            }
        }
        Ok(written)
    }

    /// Pads and encrypts what is left; returns the bytes written (16 with
    /// PKCS#7, 0 without padding). Without padding, leftover bytes are an
    /// error.
    pub fn finish(mut self, padding: Padding, out: &mut [u8]) -> Result<usize> {
        match padding.pad(&self.buf[..self.len]) {
            Some(b) => {
                let out = out
                    .get_mut(..BLOCK_LEN)
                    .ok_or(Error::BufferTooSmall { needed: BLOCK_LEN })?;
                xor_block(&mut self.chain, &b);
                self.cipher.encrypt_block(&mut self.chain);
                out.copy_from_slice(&self.chain);
                Ok(BLOCK_LEN)
            }
            None if self.len == 0 => Ok(0),
            None => Err(Error::Length {
                what: "input (a multiple of 16 bytes without padding)",
            }),
        }
    }
}

impl Drop for Encryptor {
    fn drop(&mut self) {
        self.buf.zeroize();
        self.chain.zeroize();
    }
}

/// Streaming CBC decryption. The last block is held back until `finish`,
/// which checks and strips the padding.
#[derive(Clone)]
pub struct Decryptor {
    cipher: Sm4,
    chain: [u8; BLOCK_LEN],
    buf: [u8; BLOCK_LEN],
    len: usize,
    held: Option<[u8; BLOCK_LEN]>,
}

impl Decryptor {
    /// Starts decrypting under `cipher` with `iv`.
    pub fn new(cipher: Sm4, iv: &[u8; BLOCK_LEN]) -> Self {
        Self {
            cipher,
            chain: *iv,
            buf: [0; BLOCK_LEN],
            len: 0,
            held: None,
        }
    }

    /// Decrypts what can be released; returns the bytes written (a multiple
    /// of 16, at most `input.len() + 15`).
    pub fn update(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize> {
        let mut written = 0;
        while !input.is_empty() {
            let take = (BLOCK_LEN - self.len).min(input.len());
            self.buf[self.len..self.len + take].copy_from_slice(&input[..take]);
            self.len += take;
            input = &input[take..];
            if self.len == BLOCK_LEN {
                if let Some(p) = self.held.take() {
                    let o =
                        out.get_mut(written..written + BLOCK_LEN)
                            .ok_or(Error::BufferTooSmall {
                                needed: written + BLOCK_LEN,
                            })?;
                    o.copy_from_slice(&p);
                    written += BLOCK_LEN;
                }
                let c = self.buf;
                let mut b = c;
                self.cipher.decrypt_block(&mut b);
                xor_block(&mut b, &self.chain);
                self.chain = c;
                self.held = Some(b);
                self.len = 0;
            }
        }
        Ok(written)
    }

    /// Releases the last block without its padding; returns the bytes
    /// written (at most 16). A bad pad is [`Error::DecryptFailed`].
    pub fn finish(mut self, padding: Padding, out: &mut [u8]) -> Result<usize> {
        if self.len != 0 {
            return Err(Error::Length {
                what: "ciphertext (whole 16-byte blocks)",
            });
        }
        let Some(last) = self.held.take() else {
            return match padding {
                Padding::None => Ok(0),
                Padding::Pkcs7 => Err(Error::Length {
                    what: "ciphertext (whole 16-byte blocks)",
                }),
            };
        };
        let keep = padding.unpad(&last)?;
        let o = out
            .get_mut(..keep)
            .ok_or(Error::BufferTooSmall { needed: keep })?;
        o.copy_from_slice(&last[..keep]);
        Ok(keep)
    }
}

impl Drop for Decryptor {
    fn drop(&mut self) {
        self.buf.zeroize();
        if let Some(h) = self.held.as_mut() {
            h.zeroize();
        }
    }
}
