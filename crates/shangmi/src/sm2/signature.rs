//! The SM2 signature value and its encodings: raw r || s (64 bytes) and DER
//! `SEQUENCE { r INTEGER, s INTEGER }` (GM/T 0009), with lossless
//! conversion both ways.

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
        for v in [&self.r, &self.s] {
            let start = v.iter().position(|&b| b != 0).unwrap_or(31);
            let body = &v[start..];
            let pad = usize::from(body[0] & 0x80 != 0);
            buf[len] = 0x02;
            buf[len + 1] = (body.len() + pad) as u8;
            len += 2 + pad;
            buf[len..len + body.len()].copy_from_slice(body);
            len += body.len();
        }
        buf[0] = 0x30;
        buf[1] = (len - 2) as u8;
        DerSignature { buf, len }
    }

    /// Parses strict DER: a SEQUENCE of two positive, minimally encoded
    /// INTEGERs of at most 32 significant bytes, and nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        const BAD: Error = Error::Encoding {
            what: "SM2 DER signature",
        };
        let (&tag, rest) = der.split_first().ok_or(BAD)?;
        let (&len, body) = rest.split_first().ok_or(BAD)?;
        if tag != 0x30 || len & 0x80 != 0 || body.len() != len as usize {
            return Err(BAD);
        }
        let (r, body) = read_integer(body)?;
        let (s, body) = read_integer(body)?;
        if !body.is_empty() {
            return Err(BAD);
        }
        Ok(Self { r, s })
    }
}

/// Reads one DER INTEGER holding a non-negative value below 2^256.
fn read_integer(der: &[u8]) -> Result<([u8; 32], &[u8])> {
    const BAD: Error = Error::Encoding {
        what: "SM2 DER signature INTEGER",
    };
    let (&tag, rest) = der.split_first().ok_or(BAD)?;
    let (&len, rest) = rest.split_first().ok_or(BAD)?;
    let len = len as usize;
    if tag != 0x02 || len == 0 || len > 33 || rest.len() < len {
        return Err(BAD);
    }
    let (v, rest) = rest.split_at(len);
    if v[0] & 0x80 != 0 {
        return Err(BAD); // negative
    }
    if len > 1 && v[0] == 0 && v[1] & 0x80 == 0 {
        return Err(BAD); // not minimal
    }
    let v = if v[0] == 0 && len > 1 { &v[1..] } else { v };
    if v.len() > 32 {
        return Err(BAD);
    }
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Ok((out, rest))
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
