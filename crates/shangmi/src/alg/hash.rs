//! Hash functions as values.

use crate::sm3::Sm3;
use digest::Digest;
use sha2::{Sha256, Sha384, Sha512};

/// A hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SM3 (GB/T 32905), 32 bytes.
    Sm3,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-384, 48 bytes.
    Sha384,
    /// SHA-512, 64 bytes.
    Sha512,
}

/// The longest digest of any [`HashAlgorithm`].
pub const MAX_OUTPUT_LEN: usize = 64;

impl HashAlgorithm {
    /// Every hash algorithm.
    pub const ALL: [HashAlgorithm; 4] = [Self::Sm3, Self::Sha256, Self::Sha384, Self::Sha512];

    /// Digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sm3 | Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// Block length in bytes.
    pub const fn block_len(self) -> usize {
        match self {
            Self::Sm3 | Self::Sha256 => 64,
            Self::Sha384 | Self::Sha512 => 128,
        }
    }

    /// The conventional name ("sm3", "sha256", ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sm3 => "sm3",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// The algorithm's OID in dotted form.
    pub const fn oid(self) -> &'static str {
        match self {
            Self::Sm3 => "1.2.156.10197.1.401",
            Self::Sha256 => "2.16.840.1.101.3.4.2.1",
            Self::Sha384 => "2.16.840.1.101.3.4.2.2",
            Self::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }

    /// A streaming hasher.
    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sm3 => Hasher::Sm3(Sm3::new()),
            Self::Sha256 => Hasher::Sha256(Sha256::new()),
            Self::Sha384 => Hasher::Sha384(Sha384::new()),
            Self::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Hashes `data` into `out[..output_len()]`; returns the digest length.
    pub fn hash_into(self, data: &[u8], out: &mut [u8]) -> crate::Result<usize> {
        let mut h = self.hasher();
        h.update(data);
        h.finalize_into(out)
    }
}

/// A hash in progress.
#[derive(Clone)]
pub enum Hasher {
    /// SM3.
    Sm3(Sm3),
    /// SHA-256.
    Sha256(Sha256),
    /// SHA-384.
    Sha384(Sha384),
    /// SHA-512.
    Sha512(Sha512),
}

impl core::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Hasher({:?})", self.algorithm())
    }
}

impl Hasher {
    /// The algorithm.
    pub fn algorithm(&self) -> HashAlgorithm {
        match self {
            Self::Sm3(_) => HashAlgorithm::Sm3,
            Self::Sha256(_) => HashAlgorithm::Sha256,
            Self::Sha384(_) => HashAlgorithm::Sha384,
            Self::Sha512(_) => HashAlgorithm::Sha512,
        }
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sm3(h) => h.update(data),
            Self::Sha256(h) => Digest::update(h, data),
            Self::Sha384(h) => Digest::update(h, data),
            Self::Sha512(h) => Digest::update(h, data),
        }
    }

    /// Writes the digest into `out[..output_len]`; returns its length.
    pub fn finalize_into(self, out: &mut [u8]) -> crate::Result<usize> {
        let n = self.algorithm().output_len();
        let out = out
            .get_mut(..n)
            .ok_or(crate::Error::BufferTooSmall { needed: n })?;
        match self {
            Self::Sm3(h) => out.copy_from_slice(&h.finalize()),
            Self::Sha256(h) => out.copy_from_slice(&h.finalize()),
            Self::Sha384(h) => out.copy_from_slice(&h.finalize()),
            Self::Sha512(h) => out.copy_from_slice(&h.finalize()),
        }
        Ok(n)
    }

    /// The digest as a vector.
    #[cfg(feature = "alloc")]
    pub fn finalize_vec(self) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec![0u8; MAX_OUTPUT_LEN];
        let n = self.finalize_into(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    }
}
