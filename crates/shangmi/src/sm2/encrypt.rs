//! SM2 public-key encryption (GB/T 32918.4) and every ciphertext encoding in
//! use, with converters between them. No heap and no plaintext size cap:
//! the keystream comes from the streaming SM2 KDF.

use super::der;
use super::keys::{PublicKey, SecretKey};
use super::point::{Affine, Point};
use crate::kdf::Sm2Kdf;
use crate::rng::{TryCryptoRng, fill};
use crate::sm3::Sm3;
use crate::{Error, Result, ct};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// The order of the three parts of a raw ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// C1 || C3 || C2: GB/T 32918.4-2016 and GM/T 0003-2012.
    C1C3C2,
    /// C1 || C2 || C3: the order of the 2010 draft, still used by older
    /// libraries.
    C1C2C3,
}

/// How C1 is written in a raw ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointPrefix {
    /// 04 || x || y (65 bytes), as most libraries write it.
    Uncompressed,
    /// x || y (64 bytes), as sm-crypto (JavaScript) writes it.
    Bare,
}

/// An SM2 ciphertext encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CiphertextFormat {
    /// C1, C3, C2 concatenated in the given order.
    Raw(Order, PointPrefix),
    /// GM/T 0009 `SM2Cipher ::= SEQUENCE { x INTEGER, y INTEGER, hash OCTET
    /// STRING (32), ciphertext OCTET STRING }`, as OpenSSL writes it.
    Der,
}

impl CiphertextFormat {
    /// 04 || x || y || C3 || C2: the standard raw form.
    pub const C1C3C2: Self = Self::Raw(Order::C1C3C2, PointPrefix::Uncompressed);
    /// 04 || x || y || C2 || C3: the older raw form.
    pub const C1C2C3: Self = Self::Raw(Order::C1C2C3, PointPrefix::Uncompressed);
}

/// The parts of a ciphertext: C1 = (x1, y1), C3 = SM3(x2 || M || y2), and C2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext<'a> {
    /// C1's x and y.
    pub c1: [u8; 64],
    /// The hash C3.
    pub c3: [u8; 32],
    /// The masked message C2.
    pub c2: &'a [u8],
}

/// The DER bytes before C2's content: both coordinates, C3, and C2's tag
/// and length.
fn der_head_len(c1: &[u8; 64], c2_len: usize) -> usize {
    let (x, y) = coordinates(c1);
    der::uint_len(&x) + der::uint_len(&y) + 2 + 32 + 1 + der::len_len(c2_len)
}

fn coordinates(c1: &[u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut x = [0u8; 32];
    let mut y = [0u8; 32];
    x.copy_from_slice(&c1[..32]);
    y.copy_from_slice(&c1[32..]);
    (x, y)
}

/// (total length, offset of C2) of an encoding with a C2 of `c2_len` bytes.
fn layout(c1: &[u8; 64], c2_len: usize, format: CiphertextFormat) -> (usize, usize) {
    match format {
        CiphertextFormat::Raw(order, prefix) => {
            let c1_len = if prefix == PointPrefix::Uncompressed {
                65
            } else {
                64
            };
            let off = match order {
                Order::C1C3C2 => c1_len + 32,
                Order::C1C2C3 => c1_len,
            };
            (c1_len + 32 + c2_len, off)
        }
        CiphertextFormat::Der => {
            let head = der_head_len(c1, c2_len);
            let body = head + c2_len;
            let outer = 1 + der::len_len(body);
            (outer + body, outer + head)
        }
    }
}

/// Writes C1, C3 and the framing around a C2 of `c2_len` bytes (not C2
/// itself); returns (total length, offset of C2).
fn encode_frame(
    c1: &[u8; 64],
    c3: &[u8; 32],
    c2_len: usize,
    format: CiphertextFormat,
    out: &mut [u8],
) -> Result<(usize, usize)> {
    let (total, off) = layout(c1, c2_len, format);
    let out = out
        .get_mut(..total)
        .ok_or(Error::BufferTooSmall { needed: total })?;
    match format {
        CiphertextFormat::Raw(order, prefix) => {
            let mut at = 0;
            if prefix == PointPrefix::Uncompressed {
                out[0] = 4;
                at = 1;
            }
            out[at..at + 64].copy_from_slice(c1);
            let c3_at = match order {
                Order::C1C3C2 => at + 64,
                Order::C1C2C3 => off + c2_len,
            };
            out[c3_at..c3_at + 32].copy_from_slice(c3);
        }
        CiphertextFormat::Der => {
            out[0] = 0x30;
            let head = der_head_len(c1, c2_len);
            let mut at = 1 + der::write_len(&mut out[1..], head + c2_len);
            let (x, y) = coordinates(c1);
            at += der::write_uint(&mut out[at..], &x);
            at += der::write_uint(&mut out[at..], &y);
            out[at] = 0x04;
            out[at + 1] = 32;
            out[at + 2..at + 34].copy_from_slice(c3);
            at += 34;
            out[at] = 0x04;
            at += 1;
            at += der::write_len(&mut out[at..], c2_len);
            debug_assert_eq!(at, off);
        }
    }
    Ok((total, off))
}

impl<'a> Ciphertext<'a> {
    /// The encoded length in `format`.
    pub fn encoded_len(&self, format: CiphertextFormat) -> usize {
        layout(&self.c1, self.c2.len(), format).0
    }

    /// Writes the ciphertext in `format`; returns the length written.
    pub fn encode(&self, format: CiphertextFormat, out: &mut [u8]) -> Result<usize> {
        let (total, off) = encode_frame(&self.c1, &self.c3, self.c2.len(), format, out)?;
        out[off..off + self.c2.len()].copy_from_slice(self.c2);
        Ok(total)
    }

    /// Parses a ciphertext in `format`. Only the encoding is checked here;
    /// decryption validates C1.
    pub fn decode(bytes: &'a [u8], format: CiphertextFormat) -> Result<Self> {
        match format {
            CiphertextFormat::Raw(order, prefix) => {
                let body = match prefix {
                    PointPrefix::Uncompressed => match bytes.split_first() {
                        Some((4, rest)) => rest,
                        Some(_) => {
                            return Err(Error::Encoding {
                                what: "SM2 ciphertext C1 (want the 04 prefix)",
                            });
                        }
                        None => {
                            return Err(Error::Length {
                                what: "SM2 ciphertext",
                            });
                        }
                    },
                    PointPrefix::Bare => bytes,
                };
                if body.len() < 64 + 32 {
                    return Err(Error::Length {
                        what: "SM2 ciphertext (at least C1 and C3)",
                    });
                }
                let (c1, rest) = body.split_at(64);
                let (c3, c2) = match order {
                    Order::C1C3C2 => rest.split_at(32),
                    Order::C1C2C3 => {
                        let (c2, c3) = rest.split_at(rest.len() - 32);
                        (c3, c2)
                    }
                };
                let mut p = Ciphertext {
                    c1: [0; 64],
                    c3: [0; 32],
                    c2,
                };
                p.c1.copy_from_slice(c1);
                p.c3.copy_from_slice(c3);
                Ok(p)
            }
            CiphertextFormat::Der => decode_der(bytes),
        }
    }
}

const BAD_DER: Error = Error::Encoding {
    what: "SM2Cipher DER",
};

fn decode_der(bytes: &[u8]) -> Result<Ciphertext<'_>> {
    let (body, trailing) = der::read_tlv(bytes, 0x30, BAD_DER)?;
    if !trailing.is_empty() {
        return Err(BAD_DER);
    }
    let (x, body) = der::read_uint(body, BAD_DER)?;
    let (y, body) = der::read_uint(body, BAD_DER)?;
    let (c3, body) = der::read_tlv(body, 0x04, BAD_DER)?;
    let (c2, body) = der::read_tlv(body, 0x04, BAD_DER)?;
    if !body.is_empty() || c3.len() != 32 {
        return Err(BAD_DER);
    }
    let mut p = Ciphertext {
        c1: [0; 64],
        c3: [0; 32],
        c2,
    };
    p.c1[..32].copy_from_slice(&x);
    p.c1[32..].copy_from_slice(&y);
    p.c3.copy_from_slice(c3);
    Ok(p)
}

/// The length of the ciphertext of a `msg_len`-byte message in `format`
/// (for DER, the largest it can be: the coordinates may be shorter).
pub fn ciphertext_len(msg_len: usize, format: CiphertextFormat) -> usize {
    layout(&[0xff; 64], msg_len, format).0
}

/// Converts a ciphertext from one encoding to another; returns the length
/// written to `out`.
pub fn convert_ciphertext(
    input: &[u8],
    from: CiphertextFormat,
    to: CiphertextFormat,
    out: &mut [u8],
) -> Result<usize> {
    Ciphertext::decode(input, from)?.encode(to, out)
}

/// Encrypts `msg` to `key` into `out` in `format`; returns the length
/// written (see [`ciphertext_len`]).
pub fn encrypt_into<R: TryCryptoRng + ?Sized>(
    key: &PublicKey,
    msg: &[u8],
    format: CiphertextFormat,
    rng: &mut R,
    out: &mut [u8],
) -> Result<usize> {
    let c = key.curve;
    let needed = ciphertext_len(msg.len(), format);
    if out.len() < needed {
        return Err(Error::BufferTooSmall { needed });
    }
    let pb = key.to_point();
    for _ in 0..64 {
        let mut kb = Zeroizing::new([0u8; 32]);
        fill(rng, &mut kb[..])?;
        let (k, ok) = c.n.decode_be(&kb);
        if !ct::declassify(ok & !c.n.is_zero(&k)) {
            continue;
        }
        let kl = Zeroizing::new(c.n.to_limbs(&k));
        let (c1, shared) = Point::mul_generator(&kl, c).to_affine_pair(pb.mul_ct(&kl, c), c)?;
        if let Some(n) = encrypt_with(&c1, &shared, msg, format, out)? {
            return Ok(n);
        }
    }
    Err(Error::Rng)
}

/// Encryption with a given k in C1C3C2 form (for the known-answer test).
pub(crate) fn encrypt_with_k(
    key: &PublicKey,
    k: &[u8; 32],
    msg: &[u8],
    out: &mut [u8],
) -> Result<usize> {
    let c = key.curve;
    let (kf, ok) = c.n.decode_be(k);
    if !ct::declassify(ok & !c.n.is_zero(&kf)) {
        return Err(Error::InvalidKey);
    }
    let kl = Zeroizing::new(c.n.to_limbs(&kf));
    let c1 = Point::mul_generator(&kl, c).to_affine(c)?;
    let shared = key.to_point().mul_ct(&kl, c).to_affine(c)?;
    encrypt_with(&c1, &shared, msg, CiphertextFormat::C1C3C2, out)?.ok_or(Error::InvalidKey)
}

/// Writes the ciphertext for ephemeral point C1 and shared point
/// (x2, y2); `None` when the KDF output is all zero (draw another k).
pub(crate) fn encrypt_with(
    c1: &Affine,
    shared: &Affine,
    msg: &[u8],
    format: CiphertextFormat,
    out: &mut [u8],
) -> Result<Option<usize>> {
    let mut c1b = [0u8; 64];
    c1b[..32].copy_from_slice(&c1.x);
    c1b[32..].copy_from_slice(&c1.y);
    let mut h = Sm3::new();
    h.update(&shared.x);
    h.update(msg);
    h.update(&shared.y);
    let c3 = h.finalize();
    let (total, off) = encode_frame(&c1b, &c3, msg.len(), format, out)?;
    let c2 = &mut out[off..off + msg.len()];
    c2.copy_from_slice(msg);
    let zero = apply_keystream(shared, c2);
    if !msg.is_empty() && ct::declassify(zero) {
        out[..total].fill(0);
        return Ok(None);
    }
    Ok(Some(total))
}

/// XORs KDF(x2 || y2, len) into `data`; returns whether that keystream was
/// all zero, computed in constant time.
fn apply_keystream(shared: &Affine, data: &mut [u8]) -> subtle::Choice {
    let mut kdf = Sm2Kdf::new(&[&shared.x, &shared.y]);
    let mut zero = subtle::Choice::from(1);
    let mut block = [0u8; 32];
    for chunk in data.chunks_mut(32) {
        let ks = &mut block[..chunk.len()];
        kdf.fill(ks);
        let mut acc = 0u8;
        for (c, k) in chunk.iter_mut().zip(ks.iter()) {
            *c ^= k;
            acc |= k;
        }
        zero &= acc.ct_eq(&0);
    }
    block.zeroize();
    zero
}

/// Decrypts `ct` (in `format`) with `key` into `out`; returns the message
/// length. A wrong key or a tampered ciphertext is
/// [`Error::DecryptFailed`], and `out` is then zeroed.
pub fn decrypt_into(
    key: &SecretKey,
    ct: &[u8],
    format: CiphertextFormat,
    out: &mut [u8],
) -> Result<usize> {
    let p = Ciphertext::decode(ct, format)?;
    let c = key.curve();
    let out = out
        .get_mut(..p.c2.len())
        .ok_or(Error::BufferTooSmall { needed: p.c2.len() })?;
    let mut xy = [0u8; 65];
    xy[0] = 4;
    xy[1..].copy_from_slice(&p.c1);
    let c1 = PublicKey::from_bytes_on(c, &xy)?.to_point();
    let mut d = Zeroizing::new(c.n.to_limbs(&key.d));
    let shared = c1.mul_ct(&d, c).to_affine(c)?;
    d.zeroize();
    out.copy_from_slice(p.c2);
    let zero = apply_keystream(&shared, out);
    let mut h = Sm3::new();
    h.update(&shared.x);
    h.update(out);
    h.update(&shared.y);
    let u = h.finalize();
    let ok = u.ct_eq(&p.c3) & !(zero & subtle::Choice::from(u8::from(!out.is_empty())));
    if ct::declassify(ok) {
        Ok(out.len())
    } else {
        out.fill(0);
        Err(Error::DecryptFailed)
    }
}

/// Encrypts `msg` to `key` in `format`.
#[cfg(feature = "alloc")]
pub fn encrypt<R: TryCryptoRng + ?Sized>(
    key: &PublicKey,
    msg: &[u8],
    format: CiphertextFormat,
    rng: &mut R,
) -> Result<alloc::vec::Vec<u8>> {
    let mut out = alloc::vec![0u8; ciphertext_len(msg.len(), format)];
    let n = encrypt_into(key, msg, format, rng, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Decrypts `ct` in `format` with `key`.
#[cfg(feature = "alloc")]
pub fn decrypt(
    key: &SecretKey,
    ct: &[u8],
    format: CiphertextFormat,
) -> Result<Zeroizing<alloc::vec::Vec<u8>>> {
    let mut out = Zeroizing::new(alloc::vec![0u8; ct.len()]);
    let n = decrypt_into(key, ct, format, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Converts a ciphertext between encodings.
#[cfg(feature = "alloc")]
pub fn convert(
    input: &[u8],
    from: CiphertextFormat,
    to: CiphertextFormat,
) -> Result<alloc::vec::Vec<u8>> {
    let p = Ciphertext::decode(input, from)?;
    let mut out = alloc::vec![0u8; p.encoded_len(to)];
    p.encode(to, &mut out)?;
    Ok(out)
}
