//! Authenticated encryption as values.

use crate::sm4::{ccm::Sm4Ccm, gcm::Sm4Gcm};
use crate::{Error, Result};
use aead::{AeadInOut, KeyInit};

/// An AEAD. Every one here takes a 12-byte nonce and makes a 16-byte tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AeadAlgorithm {
    /// SM4-GCM (RFC 8998 `AEAD_SM4_GCM`).
    Sm4Gcm,
    /// SM4-CCM (RFC 8998 `AEAD_SM4_CCM`).
    Sm4Ccm,
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
}

/// Nonce length of every [`AeadAlgorithm`].
pub const NONCE_LEN: usize = 12;
/// Tag length of every [`AeadAlgorithm`].
pub const TAG_LEN: usize = 16;

fn fixed<const N: usize>(v: &[u8], what: &'static str) -> Result<[u8; N]> {
    v.try_into().map_err(|_| Error::Length { what })
}

fn seal_with<A: AeadInOut>(
    a: &A,
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
) -> Result<[u8; TAG_LEN]> {
    let nonce = aead::Nonce::<A>::try_from(nonce).map_err(|_| Error::Length {
        what: "AEAD nonce (12 bytes)",
    })?;
    let tag = a
        .encrypt_inout_detached(&nonce, aad, data.into())
        .map_err(|_| Error::Length {
            what: "AEAD message",
        })?;
    fixed(tag.as_slice(), "AEAD tag")
}

fn open_with<A: AeadInOut>(
    a: &A,
    nonce: &[u8],
    aad: &[u8],
    data: &mut [u8],
    tag: &[u8],
) -> Result<()> {
    let nonce = aead::Nonce::<A>::try_from(nonce).map_err(|_| Error::Length {
        what: "AEAD nonce (12 bytes)",
    })?;
    let tag = aead::Tag::<A>::try_from(tag).map_err(|_| Error::Length {
        what: "AEAD tag (16 bytes)",
    })?;
    a.decrypt_inout_detached(&nonce, aad, data.into(), &tag)
        .map_err(|_| Error::DecryptFailed)
}

impl AeadAlgorithm {
    /// Every AEAD.
    pub const ALL: [AeadAlgorithm; 5] = [
        Self::Sm4Gcm,
        Self::Sm4Ccm,
        Self::Aes128Gcm,
        Self::Aes256Gcm,
        Self::ChaCha20Poly1305,
    ];

    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Sm4Gcm | Self::Sm4Ccm | Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }

    /// Nonce length in bytes (12).
    pub const fn nonce_len(self) -> usize {
        NONCE_LEN
    }

    /// Tag length in bytes (16).
    pub const fn tag_len(self) -> usize {
        TAG_LEN
    }

    /// Encrypts `data` in place and returns the tag.
    pub fn seal_in_place(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        const K: &str = "AEAD key";
        match self {
            Self::Sm4Gcm => Sm4Gcm::new(&fixed(key, K)?).seal_in_place(
                &fixed::<NONCE_LEN>(nonce, "nonce")?,
                aad,
                data,
            ),
            Self::Sm4Ccm => {
                let mut tag = [0u8; TAG_LEN];
                Sm4Ccm::new(&fixed(key, K)?).seal_in_place(
                    &fixed::<NONCE_LEN>(nonce, "nonce")?,
                    aad,
                    data,
                    &mut tag,
                )?;
                Ok(tag)
            }
            Self::Aes128Gcm => seal_with(
                &aes_gcm::Aes128Gcm::new(&fixed::<16>(key, K)?.into()),
                nonce,
                aad,
                data,
            ),
            Self::Aes256Gcm => seal_with(
                &aes_gcm::Aes256Gcm::new(&fixed::<32>(key, K)?.into()),
                nonce,
                aad,
                data,
            ),
            Self::ChaCha20Poly1305 => seal_with(
                &chacha20poly1305::ChaCha20Poly1305::new(&fixed::<32>(key, K)?.into()),
                nonce,
                aad,
                data,
            ),
        }
    }

    /// Checks `tag` and decrypts `data` in place; [`Error::DecryptFailed`]
    /// (with `data` zeroed) when the tag does not match.
    pub fn open_in_place(
        self,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<()> {
        const K: &str = "AEAD key";
        if tag.len() != TAG_LEN {
            return Err(Error::Length {
                what: "AEAD tag (16 bytes)",
            });
        }
        let r = match self {
            Self::Sm4Gcm => Sm4Gcm::new(&fixed(key, K)?).open_in_place(
                &fixed::<NONCE_LEN>(nonce, "nonce")?,
                aad,
                data,
                tag,
            ),
            Self::Sm4Ccm => Sm4Ccm::new(&fixed(key, K)?).open_in_place(
                &fixed::<NONCE_LEN>(nonce, "nonce")?,
                aad,
                data,
                tag,
            ),
            Self::Aes128Gcm => open_with(
                &aes_gcm::Aes128Gcm::new(&fixed::<16>(key, K)?.into()),
                nonce,
                aad,
                data,
                tag,
            ),
            Self::Aes256Gcm => open_with(
                &aes_gcm::Aes256Gcm::new(&fixed::<32>(key, K)?.into()),
                nonce,
                aad,
                data,
                tag,
            ),
            Self::ChaCha20Poly1305 => open_with(
                &chacha20poly1305::ChaCha20Poly1305::new(&fixed::<32>(key, K)?.into()),
                nonce,
                aad,
                data,
                tag,
            ),
        };
        if r.is_err() {
            data.fill(0);
        }
        r
    }
}
