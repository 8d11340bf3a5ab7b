//! SM4-CCM (NIST SP 800-38C / RFC 3610 with SM4; RFC 8998 `AEAD_SM4_CCM`:
//! 12-byte nonce, 16-byte tag). CCM needs the message length before it
//! starts, so it is one-shot.

use super::ctr::{Increment, Keystream};
use super::mac::CbcMac;
use super::{BLOCK_LEN, KEY_LEN, Sm4, xor_block};
use crate::{Error, Result, ct};
use aead::consts::{U12, U16};
use aead::{AeadCore, AeadInOut, TagPosition};
use cipher::{Key, KeyInit, KeySizeUser};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// The RFC 8998 tag length in bytes (the default).
pub const TAG_LEN: usize = 16;
/// The RFC 8998 nonce length in bytes.
pub const NONCE_LEN: usize = 12;

/// An SM4-CCM key with its tag length. Implements the RustCrypto `aead`
/// traits with a 12-byte nonce and a 16-byte tag.
#[derive(Clone)]
pub struct Sm4Ccm {
    cipher: Sm4,
    tag_len: usize,
}

impl core::fmt::Debug for Sm4Ccm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Sm4Ccm {{ tag_len: {}, .. }}", self.tag_len)
    }
}

impl Sm4Ccm {
    /// A CCM key with the RFC 8998 16-byte tag.
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        Self {
            cipher: Sm4::new(key),
            tag_len: TAG_LEN,
        }
    }

    /// A CCM key with another tag length: 4, 6, 8, 10, 12, 14 or 16 bytes.
    pub fn with_tag_len(key: &[u8; KEY_LEN], tag_len: usize) -> Result<Self> {
        if !(4..=16).contains(&tag_len) || !tag_len.is_multiple_of(2) {
            return Err(Error::Length {
                what: "CCM tag (4, 6, ..., 16 bytes)",
            });
        }
        Ok(Self {
            cipher: Sm4::new(key),
            tag_len,
        })
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// Counter block i: flags (q - 1), nonce, i in q bytes.
    fn counter_block(nonce: &[u8], i: u64) -> [u8; BLOCK_LEN] {
        let q = 15 - nonce.len();
        let mut a = [0u8; BLOCK_LEN];
        a[0] = (q - 1) as u8;
        a[1..1 + nonce.len()].copy_from_slice(nonce);
        let ib = i.to_be_bytes();
        for k in 0..q.min(8) {
            a[15 - k] = ib[7 - k];
        }
        a
    }

    fn check(nonce: &[u8], len: usize) -> Result<()> {
        if !(7..=13).contains(&nonce.len()) {
            return Err(Error::Length {
                what: "CCM nonce (7 to 13 bytes)",
            });
        }
        let q = 15 - nonce.len();
        if q < 8 && (len as u64) >> (8 * q) != 0 {
            return Err(Error::Length {
                what: "CCM message (too long for this nonce length)",
            });
        }
        Ok(())
    }

    /// The CBC-MAC tag T over the formatted B0, associated data and message.
    fn mac(&self, nonce: &[u8], aad: &[u8], msg: &[u8]) -> [u8; BLOCK_LEN] {
        let q = 15 - nonce.len();
        let mut b0 = [0u8; BLOCK_LEN];
        b0[0] = (if aad.is_empty() { 0 } else { 0x40 })
            | ((((self.tag_len - 2) / 2) as u8) << 3)
            | (q - 1) as u8;
        b0[1..1 + nonce.len()].copy_from_slice(nonce);
        let lb = (msg.len() as u64).to_be_bytes();
        for k in 0..q.min(8) {
            b0[15 - k] = lb[7 - k];
        }
        let mut m = CbcMac::new(self.cipher.clone());
        m.update(&b0);
        if !aad.is_empty() {
            let a = aad.len() as u64;
            if a < 0xff00 {
                m.update(&(a as u16).to_be_bytes());
            } else if a <= u32::MAX as u64 {
                m.update(&[0xff, 0xfe]);
                m.update(&(a as u32).to_be_bytes());
            } else {
                m.update(&[0xff, 0xff]);
                m.update(&a.to_be_bytes());
            }
            m.update(aad);
            m.pad_to_block();
        }
        m.update(msg);
        m.pad_to_block();
        m.finish_padded()
    }

    /// The counter half: counter blocks 1, 2, ... through the multi-block
    /// kernel. [`Self::check`] keeps the count within the q-byte counter
    /// field, so a 128-bit increment equals CCM's.
    fn ctr(&self, nonce: &[u8], data: &mut [u8]) {
        Keystream::new(
            self.cipher.clone(),
            Self::counter_block(nonce, 1),
            Increment::Block,
        )
        .apply(data);
    }

    fn tag_mask(&self, nonce: &[u8]) -> [u8; BLOCK_LEN] {
        let mut s0 = Self::counter_block(nonce, 0);
        self.cipher.encrypt_block(&mut s0);
        s0
    }

    /// Encrypts `data` in place; writes the tag into `tag` (of length
    /// [`Self::tag_len`]).
    pub fn seal_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<()> {
        Self::check(nonce, data.len())?;
        if tag.len() != self.tag_len {
            return Err(Error::Length {
                what: "CCM tag buffer",
            });
        }
        let mut t = self.mac(nonce, aad, data);
        xor_block(&mut t, &self.tag_mask(nonce));
        tag.copy_from_slice(&t[..self.tag_len]);
        t.zeroize();
        self.ctr(nonce, data);
        Ok(())
    }

    /// Decrypts `data` in place and checks `tag` in constant time. On a
    /// mismatch `data` is zeroed and [`Error::DecryptFailed`] returned.
    pub fn open_in_place(
        &self,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        Self::check(nonce, data.len())?;
        if tag.len() != self.tag_len {
            return Err(Error::Length { what: "CCM tag" });
        }
        self.ctr(nonce, data);
        let mut t = self.mac(nonce, aad, data);
        xor_block(&mut t, &self.tag_mask(nonce));
        let ok = t[..self.tag_len].ct_eq(tag);
        t.zeroize();
        if ct::declassify(ok) {
            Ok(())
        } else {
            data.fill(0);
            Err(Error::DecryptFailed)
        }
    }
}

impl KeySizeUser for Sm4Ccm {
    type KeySize = U16;
}

impl KeyInit for Sm4Ccm {
    fn new(key: &Key<Self>) -> Self {
        Sm4Ccm::new(&(*key).into())
    }
}

impl AeadCore for Sm4Ccm {
    type NonceSize = U12;
    type TagSize = U16;
    const TAG_POSITION: TagPosition = TagPosition::Postfix;
}

impl AeadInOut for Sm4Ccm {
    fn encrypt_inout_detached(
        &self,
        nonce: &aead::Nonce<Self>,
        associated_data: &[u8],
        buffer: aead::inout::InOutBuf<'_, '_, u8>,
    ) -> aead::Result<aead::Tag<Self>> {
        let data = buffer.into_out_with_copied_in();
        let mut tag = [0u8; TAG_LEN];
        let full = Sm4Ccm {
            cipher: self.cipher.clone(),
            tag_len: TAG_LEN,
        };
        full.seal_in_place(nonce, associated_data, data, &mut tag)
            .map_err(|_| aead::Error)?;
        Ok(tag.into())
    }

    fn decrypt_inout_detached(
        &self,
        nonce: &aead::Nonce<Self>,
        associated_data: &[u8],
        buffer: aead::inout::InOutBuf<'_, '_, u8>,
        tag: &aead::Tag<Self>,
    ) -> aead::Result<()> {
        let data = buffer.into_out_with_copied_in();
        let full = Sm4Ccm {
            cipher: self.cipher.clone(),
            tag_len: TAG_LEN,
        };
        full.open_in_place(nonce, associated_data, data, tag)
            .map_err(|_| aead::Error)
    }
}
