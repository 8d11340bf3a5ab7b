//! SM4-GCM (NIST SP 800-38D with SM4; RFC 8998 `AEAD_SM4_GCM`: 12-byte
//! nonce, 16-byte tag). GHASH is [`crate::ghash`] (constant time, carry-less
//! multiplication where the CPU has it); the counter blocks go through the
//! multi-block SM4 kernel.

use super::ctr::{Increment, Keystream};
use super::{BLOCK_LEN, KEY_LEN, Sm4, xor_block};
use crate::ghash::GHash;
use crate::{Error, Result, ct};
use aead::consts::{U12, U16};
use aead::{AeadCore, AeadInOut, TagPosition};
use cipher::{Key, KeyInit, KeySizeUser};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Tag length in bytes.
pub const TAG_LEN: usize = 16;
/// The standard nonce length in bytes (other lengths are accepted).
pub const NONCE_LEN: usize = 12;
/// The shortest tag [`Sm4Gcm::open_in_place`] accepts (SP 800-38D allows
/// 12 to 16 bytes for general use).
pub const MIN_TAG_LEN: usize = 12;

/// An SM4-GCM key. Implements the RustCrypto `aead` traits (`KeyInit`,
/// `AeadInOut`, and so `Aead` with `alloc`) with a 12-byte nonce.
#[derive(Clone)]
pub struct Sm4Gcm {
    cipher: Sm4,
    /// GHASH under H = E(0), nothing absorbed: cloned per message.
    ghash: GHash,
}

impl core::fmt::Debug for Sm4Gcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sm4Gcm { .. }")
    }
}

impl Sm4Gcm {
    /// A GCM key from a 16-byte SM4 key.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        let cipher = Sm4::new(key);
        let mut h = [0u8; BLOCK_LEN];
        cipher.encrypt_block(&mut h);
        let ghash = GHash::new(&h);
        h.zeroize();
        Self { cipher, ghash }
    }

    /// Starts a streaming encryption under `nonce` (any non-empty length;
    /// 12 bytes is the standard) with associated data `aad`.
    pub fn encryptor(&self, nonce: &[u8], aad: &[u8]) -> Result<GcmStream> {
        GcmStream::new(self, nonce, aad, Mode::Encrypt)
    }

    /// Starts a streaming decryption. The plaintext it releases is not
    /// authentic until [`GcmStream::verify`] succeeds; callers that cannot
    /// hold it back should use [`Sm4Gcm::open_in_place`].
    pub fn decryptor(&self, nonce: &[u8], aad: &[u8]) -> Result<GcmStream> {
        GcmStream::new(self, nonce, aad, Mode::Decrypt)
    }

    /// Encrypts `data` in place and returns the 16-byte tag.
    pub fn seal_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let mut s = self.encryptor(nonce, aad)?;
        s.update(data)?;
        Ok(s.finish())
    }

    /// Checks `tag` (12 to 16 bytes) and decrypts `data` in place. On a
    /// mismatch `data` is zeroed and [`Error::DecryptFailed`] returned.
    pub fn open_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        let mut s = self.decryptor(nonce, aad)?;
        s.update(data)?;
        let r = s.verify(tag);
        if r.is_err() {
            data.fill(0);
        }
        r
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Encrypt,
    Decrypt,
}

/// A GCM encryption or decryption in progress: `update` as data arrives.
pub struct GcmStream {
    ghash: GHash,
    mode: Mode,
    /// E(J0), which masks the tag.
    tag_mask: [u8; BLOCK_LEN],
    ks: Keystream,
    /// Ciphertext not yet hashed (less than a block).
    pending: [u8; BLOCK_LEN],
    pending_len: usize,
    aad_len: u64,
    ct_len: u64,
}

impl GcmStream {
    fn new(key: &Sm4Gcm, nonce: &[u8], aad: &[u8], mode: Mode) -> Result<Self> {
        if nonce.is_empty() {
            return Err(Error::Length {
                what: "GCM nonce (at least 1 byte)",
            });
        }
        let mut j0 = [0u8; BLOCK_LEN];
        if nonce.len() == NONCE_LEN {
            j0[..NONCE_LEN].copy_from_slice(nonce);
            j0[BLOCK_LEN - 1] = 1;
        } else {
            let mut g = key.ghash.clone();
            g.update_padded(nonce);
            let mut lens = [0u8; BLOCK_LEN];
            lens[8..].copy_from_slice(&((nonce.len() as u64) * 8).to_be_bytes());
            g.update(&[lens]);
            j0 = g.finalize();
        }
        let mut tag_mask = j0;
        key.cipher.encrypt_block(&mut tag_mask);
        let mut counter = j0;
        increment_32(&mut counter);
        let mut ghash = key.ghash.clone();
        ghash.update_padded(aad);
        Ok(Self {
            ghash,
            mode,
            tag_mask,
            ks: Keystream::new(key.cipher.clone(), counter, Increment::Low32),
            pending: [0; BLOCK_LEN],
            pending_len: 0,
            aad_len: aad.len() as u64,
            ct_len: 0,
        })
    }

    /// Encrypts or decrypts the next piece of `data` in place.
    ///
    /// Fails once the message passes the GCM limit of 2^36 - 32 bytes.
    pub fn update(&mut self, data: &mut [u8]) -> Result<()> {
        let total = self
            .ct_len
            .checked_add(data.len() as u64)
            .filter(|&t| t <= (1u64 << 36) - 32);
        self.ct_len = total.ok_or(Error::Length {
            what: "GCM message (at most 2^36 - 32 bytes)",
        })?;
        match self.mode {
            Mode::Encrypt => {
                self.ks.apply(data);
                self.absorb(data);
            }
            Mode::Decrypt => {
                self.absorb(data);
                self.ks.apply(data);
            }
        }
        Ok(())
    }

    /// Feeds ciphertext to GHASH, whole blocks at a time.
    fn absorb(&mut self, mut c: &[u8]) {
        if self.pending_len > 0 {
            let n = (BLOCK_LEN - self.pending_len).min(c.len());
            self.pending[self.pending_len..self.pending_len + n].copy_from_slice(&c[..n]);
            self.pending_len += n;
            c = &c[n..];
            if self.pending_len < BLOCK_LEN {
                return;
            }
            self.ghash.update(&[self.pending]);
            self.pending_len = 0;
        }
        let (blocks, tail) = c.as_chunks::<BLOCK_LEN>();
        // All whole blocks in one call, so GHASH can use its parallel path.
        self.ghash.update(blocks);
        self.pending[..tail.len()].copy_from_slice(tail);
        self.pending_len = tail.len();
    }

    fn tag(mut self) -> [u8; TAG_LEN] {
        if self.pending_len > 0 {
            self.ghash.update_padded(&self.pending[..self.pending_len]);
        }
        let mut lens = [0u8; BLOCK_LEN];
        lens[..8].copy_from_slice(&(self.aad_len * 8).to_be_bytes());
        lens[8..].copy_from_slice(&(self.ct_len * 8).to_be_bytes());
        self.ghash.update(&[lens]);
        let mut t: [u8; TAG_LEN] = self.ghash.finalize();
        xor_block(&mut t, &self.tag_mask);
        t
    }

    /// Ends an encryption and returns the tag.
    pub fn finish(self) -> [u8; TAG_LEN] {
        self.tag()
    }

    /// Ends a decryption: compares `tag` (12 to 16 bytes, a prefix of the
    /// full tag) in constant time.
    pub fn verify(self, tag: &[u8]) -> Result<()> {
        if !(MIN_TAG_LEN..=TAG_LEN).contains(&tag.len()) {
            return Err(Error::Length {
                what: "GCM tag (12 to 16 bytes)",
            });
        }
        let n = tag.len();
        let mut full = self.tag();
        let ok = full[..n].ct_eq(tag);
        full.zeroize();
        if ct::declassify(ok) {
            Ok(())
        } else {
            Err(Error::DecryptFailed)
        }
    }
}

impl Drop for GcmStream {
    fn drop(&mut self) {
        self.pending.zeroize();
        self.tag_mask.zeroize();
    }
}

/// GCM's inc32: increments the last 32 bits of the counter block.
fn increment_32(c: &mut [u8; BLOCK_LEN]) {
    let mut w = [0u8; 4];
    w.copy_from_slice(&c[12..]);
    c[12..].copy_from_slice(&u32::from_be_bytes(w).wrapping_add(1).to_be_bytes());
}

impl KeySizeUser for Sm4Gcm {
    type KeySize = U16;
}

impl KeyInit for Sm4Gcm {
    fn new(key: &Key<Self>) -> Self {
        Sm4Gcm::new(&(*key).into())
    }
}

impl AeadCore for Sm4Gcm {
    type NonceSize = U12;
    type TagSize = U16;
    const TAG_POSITION: TagPosition = TagPosition::Postfix;
}

impl AeadInOut for Sm4Gcm {
    fn encrypt_inout_detached(
        &self,
        nonce: &aead::Nonce<Self>,
        associated_data: &[u8],
        buffer: aead::inout::InOutBuf<'_, '_, u8>,
    ) -> aead::Result<aead::Tag<Self>> {
        let data = buffer.into_out_with_copied_in();
        self.seal_in_place(nonce, associated_data, data)
            .map(Into::into)
            .map_err(|_| aead::Error)
    }

    fn decrypt_inout_detached(
        &self,
        nonce: &aead::Nonce<Self>,
        associated_data: &[u8],
        buffer: aead::inout::InOutBuf<'_, '_, u8>,
        tag: &aead::Tag<Self>,
    ) -> aead::Result<()> {
        let data = buffer.into_out_with_copied_in();
        self.open_in_place(nonce, associated_data, data, tag)
            .map_err(|_| aead::Error)
    }
}
