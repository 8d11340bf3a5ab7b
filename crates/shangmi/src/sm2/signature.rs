//! The SM2 signature value and its encodings: raw r || s (64 bytes) and DER
//! `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009), with lossless
//! conversion both ways.

use super::der;
use crate::{Error, Result};

/// An SM2 signature (r, s), each a 32-byte big-endian integer. Parsing only
/// checks the encoding; verification checks 1 <= r, s < n.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Signature {
    pub(crate) r: [u8; 32],
    pub(crate) s: [u8; 32],
}

/// Maximum DER length of an SM2 signature.
pub const MAX_DER_LEN: usize = 72;

/// A DER-encoded signature in a fixed buffer (no heap).
#[derive(Clone, Copy)]
pub struct DerSignature {
    buf: [u8; MAX_DER_LEN],
    len: usize,
}

impl DerSignature {
    /// The DER bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl AsRef<[u8]> for DerSignature {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for DerSignature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DerSignature(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl Signature {
    /// From the two components as 32-byte big-endian integers.
    pub fn from_scalars(r: [u8; 32], s: [u8; 32]) -> Self {
        Self { r, s }
    }

    /// r.
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// s.
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// From raw r || s, exactly 64 bytes.
    pub fn from_raw(raw: &[u8]) -> Result<Self> {
        if raw.len() != 64 {
            return Err(Error::Length {
                what: "SM2 raw signature (64 bytes r || s)",
            });
        }
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&raw[..32]);
        s.copy_from_slice(&raw[32..]);
        Ok(Self { r, s })
    }

    /// r || s, 64 bytes, leading zeros kept.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut o = [0; 64];
        o[..32].copy_from_slice(&self.r);
        o[32..].copy_from_slice(&self.s);
        o
    }

    /// DER, minimal INTEGERs.
    pub fn to_der(&self) -> DerSignature {
        let mut buf = [0u8; MAX_DER_LEN];
        let mut len = 2;
        len += der::write_uint(&mut buf[len..], &self.r);
        len += der::write_uint(&mut buf[len..], &self.s);
        buf[0] = 0x30;
        buf[1] = (len - 2) as u8;
        DerSignature { buf, len }
    }

    /// Parses strict DER: a SEQUENCE of two positive, minimally encoded
    /// INTEGERs of at most 32 significant bytes, and nothing after it.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        const BAD: Error = Error::Encoding {
            what: "SM2 DER signature",
        };
        let (body, trailing) = der::read_tlv(bytes, 0x30, BAD)?;
        let (r, body) = der::read_uint(body, BAD)?;
        let (s, body) = der::read_uint(body, BAD)?;
        if !body.is_empty() || !trailing.is_empty() {
            return Err(BAD);
        }
        Ok(Self { r, s })
    }
}

impl signature::SignatureEncoding for Signature {
    type Repr = [u8; 64];
}

impl TryFrom<&[u8]> for Signature {
    type Error = signature::Error;
    fn try_from(raw: &[u8]) -> core::result::Result<Self, Self::Error> {
        Self::from_raw(raw).map_err(|_| signature::Error::new())
    }
}

impl From<Signature> for [u8; 64] {
    fn from(s: Signature) -> Self {
        s.to_raw()
    }
}
