//! MACs as values: HMAC over every [`HashAlgorithm`](super::HashAlgorithm).

use crate::sm3::Sm3;
use crate::{Error, Result, ct};
use digest::{KeyInit, Mac};
use hmac::Hmac;
use sha2::{Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// A message authentication code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacAlgorithm {
    /// HMAC-SM3, 32-byte tag.
    HmacSm3,
    /// HMAC-SHA-256, 32-byte tag.
    HmacSha256,
    /// HMAC-SHA-384, 48-byte tag.
    HmacSha384,
    /// HMAC-SHA-512, 64-byte tag.
    HmacSha512,
}

fn hmac<D: hmac::EagerHash>(key: &[u8], msg: &[u8], out: &mut [u8]) {
    // HMAC accepts every key length.
    if let Ok(mut m) = <Hmac<D> as KeyInit>::new_from_slice(key) {
        Mac::update(&mut m, msg);
        out.copy_from_slice(&m.finalize().into_bytes());
    }
}

impl MacAlgorithm {
    /// Tag length in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::HmacSm3 | Self::HmacSha256 => 32,
            Self::HmacSha384 => 48,
            Self::HmacSha512 => 64,
        }
    }

    /// Computes the tag of `msg` under `key` into `out[..tag_len()]`;
    /// returns the tag length.
    pub fn compute(self, key: &[u8], msg: &[u8], out: &mut [u8]) -> Result<usize> {
        let n = self.tag_len();
        let out = out
            .get_mut(..n)
            .ok_or(Error::BufferTooSmall { needed: n })?;
        match self {
            Self::HmacSm3 => hmac::<Sm3>(key, msg, out),
            Self::HmacSha256 => hmac::<Sha256>(key, msg, out),
            Self::HmacSha384 => hmac::<Sha384>(key, msg, out),
            Self::HmacSha512 => hmac::<Sha512>(key, msg, out),
        }
        Ok(n)
    }

    /// Checks `tag` (the full tag length) in constant time;
    /// [`Error::BadSignature`] when it does not match.
    pub fn verify(self, key: &[u8], msg: &[u8], tag: &[u8]) -> Result<()> {
        let mut t = [0u8; 64];
        let n = self.compute(key, msg, &mut t)?;
        let ok = tag.len() == n && ct::declassify(t[..n].ct_eq(tag));
        zeroize::Zeroize::zeroize(&mut t);
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}
