//! The few DER pieces SM2's encodings need: definite lengths, and INTEGERs
//! holding 256-bit unsigned values (signature components and ciphertext
//! coordinates). Strict: minimal lengths and minimal, non-negative INTEGERs.

use crate::{Error, Result};

/// Bytes of the length field for a value of `len` bytes.
pub(crate) fn len_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS as usize / 8 - len.leading_zeros() as usize / 8)
    }
}

/// Writes a length field; returns its size.
pub(crate) fn write_len(out: &mut [u8], len: usize) -> usize {
    if len < 0x80 {
        out[0] = len as u8;
        return 1;
    }
    let n = len_len(len) - 1;
    out[0] = 0x80 | n as u8;
    for i in 0..n {
        out[1 + i] = (len >> (8 * (n - 1 - i))) as u8;
    }
    1 + n
}

/// The encoded size (tag, length and content) of a 32-byte unsigned INTEGER.
pub(crate) fn uint_len(v: &[u8; 32]) -> usize {
    let start = v.iter().position(|&b| b != 0).unwrap_or(31);
    2 + 32 - start + usize::from(v[start] & 0x80 != 0)
}

/// Writes a 32-byte unsigned value as a minimal INTEGER; returns the size.
pub(crate) fn write_uint(out: &mut [u8], v: &[u8; 32]) -> usize {
    let start = v.iter().position(|&b| b != 0).unwrap_or(31);
    let pad = usize::from(v[start] & 0x80 != 0);
    let body = 32 - start;
    out[0] = 0x02;
    out[1] = (body + pad) as u8;
    out[2] = 0;
    out[2 + pad..2 + pad + body].copy_from_slice(&v[start..]);
    2 + pad + body
}

/// Reads a tag-length-value with a definite, minimal length; returns the
/// content and what follows.
pub(crate) fn read_tlv(bytes: &[u8], tag: u8, bad: Error) -> Result<(&[u8], &[u8])> {
    let (&t, rest) = bytes.split_first().ok_or(bad)?;
    let (&l0, mut rest) = rest.split_first().ok_or(bad)?;
    if t != tag {
        return Err(bad);
    }
    let len = if l0 < 0x80 {
        l0 as usize
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 8 || rest.len() < n || rest[0] == 0 {
            return Err(bad);
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = len.checked_mul(256).ok_or(bad)? | b as usize;
        }
        if len < 0x80 {
            return Err(bad);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return Err(bad);
    }
    Ok(rest.split_at(len))
}

/// Reads a minimal, non-negative INTEGER below 2^256.
pub(crate) fn read_uint(bytes: &[u8], bad: Error) -> Result<([u8; 32], &[u8])> {
    let (v, rest) = read_tlv(bytes, 0x02, bad)?;
    let (&first, _) = v.split_first().ok_or(bad)?;
    if first & 0x80 != 0 || (v.len() > 1 && first == 0 && v[1] & 0x80 == 0) {
        return Err(bad);
    }
    let v = if first == 0 && v.len() > 1 {
        &v[1..]
    } else {
        v
    };
    if v.len() > 32 {
        return Err(bad);
    }
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Ok((out, rest))
}
