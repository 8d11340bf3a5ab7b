//! Key derivation with SM3: the SM2 KDF (GB/T 32918.4 section 5.4.3),
//! PBKDF2-HMAC-SM3 (RFC 8018) and HKDF-SM3 (RFC 5869).

use crate::sm3::{self, HmacSm3, OUTPUT_LEN, Sm3};
use crate::{Error, Result};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroize;

/// The SM2 key derivation function in one call: fills `out` with
/// `SM3(z || 00000001) || SM3(z || 00000002) || ...`, truncated.
pub fn sm2_kdf(z: &[u8], out: &mut [u8]) {
    Sm2Kdf::new(&[z]).fill(out);
}

/// The SM2 KDF as a stream: the keystream for SM2 encryption (so that no
/// plaintext size cap and no heap are needed) and for key exchange.
///
/// The shared input `z` is absorbed once; each 32-byte block then costs one
/// SM3 finalization of a copy of that state. Zeroized on drop.
#[derive(Clone)]
pub struct Sm2Kdf {
    prefix: Sm3,
    counter: u32,
    block: [u8; OUTPUT_LEN],
    used: usize,
}

impl Sm2Kdf {
    /// A keystream over the concatenation of `z_parts` (for example
    /// `x2 || y2`, or `xV || yV || ZA || ZB`).
    pub fn new(z_parts: &[&[u8]]) -> Self {
        let mut prefix = Sm3::new();
        for part in z_parts {
            prefix.update(part);
        }
        Self {
            prefix,
            counter: 0,
            block: [0; OUTPUT_LEN],
            used: OUTPUT_LEN,
        }
    }

    fn next_block(&mut self) {
        self.counter = self.counter.wrapping_add(1);
        let mut h = self.prefix.clone();
        h.update(&self.counter.to_be_bytes());
        self.block = h.finalize();
        self.used = 0;
    }

    /// Writes the next `out.len()` keystream bytes into `out`.
    pub fn fill(&mut self, out: &mut [u8]) {
        self.apply(out, |o, k| *o = k);
    }

    /// XORs the next `data.len()` keystream bytes into `data`.
    pub fn xor_into(&mut self, data: &mut [u8]) {
        self.apply(data, |o, k| *o ^= k);
    }

    /// Writes the next `out.len()` keystream bytes into `out` and returns
    /// whether all of them were zero, computed in constant time (SM2
    /// encryption must retry, and decryption fail, on an all-zero t).
    pub fn fill_and_check_zero(&mut self, out: &mut [u8]) -> Choice {
        self.fill(out);
        let mut acc = 0u8;
        for b in out.iter() {
            acc |= *b;
        }
        acc.ct_eq(&0)
    }

    fn apply(&mut self, data: &mut [u8], f: impl Fn(&mut u8, u8)) {
        for b in data {
            if self.used == OUTPUT_LEN {
                self.next_block();
            }
            f(b, self.block[self.used]);
            self.used += 1;
        }
    }
}

impl Drop for Sm2Kdf {
    fn drop(&mut self) {
        self.block.zeroize();
    }
}

impl core::fmt::Debug for Sm2Kdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sm2Kdf { .. }")
    }
}

/// PBKDF2 with HMAC-SM3 (RFC 8018 section 5.2), filling `out`.
///
/// Fails with [`Error::Length`] if `iterations` is zero or `out` is empty.
pub fn pbkdf2_hmac_sm3(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<()> {
    if iterations == 0 {
        return Err(Error::Length {
            what: "PBKDF2 iteration count",
        });
    }
    if out.is_empty() {
        return Err(Error::Length {
            what: "PBKDF2 output",
        });
    }
    pbkdf2::pbkdf2::<HmacSm3>(password, salt, iterations, out).map_err(|_| Error::Length {
        what: "PBKDF2 output",
    })
}

/// HKDF with SM3 (RFC 5869): extract with `salt`, then expand with `info`
/// into `out` (at most 255 * 32 bytes).
pub fn hkdf_sm3(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    let hk = hkdf::Hkdf::<Sm3>::new(Some(salt), ikm);
    hk.expand(info, out).map_err(|_| Error::Length {
        what: "HKDF output (at most 8160 bytes)",
    })
}

/// The length of one SM3 block of KDF output, for callers that size buffers.
pub const SM2_KDF_BLOCK: usize = sm3::OUTPUT_LEN;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testvec;

    #[test]
    fn vectors() {
        let mut seen = 0;
        for r in testvec::load("mac-kdf.txt") {
            match r.word("alg") {
                "sm2-kdf" => {
                    let mut out = std::vec![0u8; (r.int("klen") / 8) as usize];
                    sm2_kdf(&r.bytes("z"), &mut out);
                    assert_eq!(out, r.bytes("out"), "line {}", r.line);
                    seen += 1;
                }
                "pbkdf2-hmac-sm3" => {
                    let want = r.bytes("dk");
                    let mut out = std::vec![0u8; want.len()];
                    pbkdf2_hmac_sm3(
                        &r.bytes("password"),
                        &r.bytes("salt"),
                        r.int("iterations") as u32,
                        &mut out,
                    )
                    .unwrap();
                    assert_eq!(out, want, "line {}", r.line);
                    seen += 1;
                }
                _ => {}
            }
        }
        assert_eq!(seen, 3);
    }

    #[test]
    fn stream_in_pieces_equals_one_shot() {
        let z = [7u8; 64];
        let mut whole = [0u8; 200];
        sm2_kdf(&z, &mut whole);
        let mut k = Sm2Kdf::new(&[&z[..10], &z[10..]]);
        let mut pieces = [0u8; 200];
        let (a, rest) = pieces.split_at_mut(31);
        let (b, c) = rest.split_at_mut(33);
        k.fill(a);
        k.fill(b);
        k.fill(c);
        assert_eq!(whole, pieces);
        let mut data = [0u8; 200];
        Sm2Kdf::new(&[&z]).xor_into(&mut data);
        assert_eq!(data, whole);
    }

    #[test]
    fn zero_check() {
        let mut out = [0u8; 5];
        assert!(!bool::from(
            Sm2Kdf::new(&[b"x"]).fill_and_check_zero(&mut out)
        ));
        assert!(bool::from(
            Sm2Kdf::new(&[b"x"]).fill_and_check_zero(&mut [])
        ));
    }

    #[test]
    fn hkdf_matches_generic_hkdf_over_rustcrypto_sm3() {
        let mut ours = [0u8; 100];
        hkdf_sm3(b"salt", b"input key material", b"info", &mut ours).unwrap();
        let mut theirs = [0u8; 100];
        hkdf::Hkdf::<sm3::Sm3>::new(Some(b"salt"), b"input key material")
            .expand(b"info", &mut theirs)
            .unwrap();
        assert_eq!(ours, theirs);
        assert!(hkdf_sm3(b"", b"", b"", &mut [0u8; 255 * 32 + 1]).is_err());
        assert!(pbkdf2_hmac_sm3(b"p", b"s", 0, &mut [0u8; 4]).is_err());
    }
}
