//! PKCS#7 padding for ECB and CBC.

use super::BLOCK_LEN;
use crate::{Error, Result, ct};
use subtle::{ConditionallySelectable, ConstantTimeEq, ConstantTimeGreater};

/// Padding for the block modes ECB and CBC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// PKCS#7 (RFC 5652 section 6.3), as `openssl enc` writes it: 1 to 16
    /// bytes, each holding the pad length.
    Pkcs7,
    /// No padding: the input must be a whole number of blocks.
    None,
}

impl Padding {
    /// The padded length of `len` input bytes, or an error if `len` is not
    /// allowed (with [`Padding::None`], not a multiple of 16).
    pub fn padded_len(self, len: usize) -> Result<usize> {
        match self {
            Padding::Pkcs7 => Ok((len / BLOCK_LEN + 1) * BLOCK_LEN),
            Padding::None if len.is_multiple_of(BLOCK_LEN) => Ok(len),
            Padding::None => Err(Error::Length {
                what: "input (a multiple of 16 bytes without padding)",
            }),
        }
    }

    /// The final block for the `tail` (< 16 bytes) left after whole blocks.
    pub(crate) fn pad(self, tail: &[u8]) -> Option<[u8; BLOCK_LEN]> {
        match self {
            Padding::None => None,
            Padding::Pkcs7 => {
                let n = (BLOCK_LEN - tail.len()) as u8;
                let mut b = [n; BLOCK_LEN];
                b[..tail.len()].copy_from_slice(tail);
                Some(b)
            }
        }
    }

    /// How many bytes of the decrypted final `block` are data. The check of
    /// the pad bytes runs in constant time; only its verdict is public.
    pub(crate) fn unpad(self, block: &[u8; BLOCK_LEN]) -> Result<usize> {
        match self {
            Padding::None => Ok(BLOCK_LEN),
            Padding::Pkcs7 => {
                let n = block[BLOCK_LEN - 1];
                let mut ok = n.ct_gt(&0) & !n.ct_gt(&(BLOCK_LEN as u8));
                for (i, b) in block.iter().enumerate() {
                    // Byte i is a pad byte when i >= 16 - n.
                    let in_pad =
                        !((BLOCK_LEN - 1 - i) as u8).ct_gt(&n.wrapping_sub(1)) & n.ct_gt(&0);
                    ok &= !in_pad | b.ct_eq(&n);
                }
                let len = u8::conditional_select(&0, &(BLOCK_LEN as u8).wrapping_sub(n), ok);
                if ct::declassify(ok) {
                    Ok(len as usize)
                } else {
                    Err(Error::DecryptFailed)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pkcs7_round_trip_and_rejects() {
        for n in 0..BLOCK_LEN {
            let tail = [0xabu8; BLOCK_LEN];
            let b = Padding::Pkcs7.pad(&tail[..n]).unwrap();
            assert_eq!(Padding::Pkcs7.unpad(&b), Ok(n));
        }
        let mut b = [16u8; BLOCK_LEN];
        assert_eq!(Padding::Pkcs7.unpad(&b), Ok(0));
        b[15] = 0;
        assert!(Padding::Pkcs7.unpad(&b).is_err());
        b[15] = 17;
        assert!(Padding::Pkcs7.unpad(&b).is_err());
        let mut b = [3u8; BLOCK_LEN];
        b[13] = 4;
        assert!(Padding::Pkcs7.unpad(&b).is_err());
        b[12] = 9; // outside the pad: any value
        b[13] = 3;
        assert_eq!(Padding::Pkcs7.unpad(&b), Ok(13));
        assert!(Padding::None.padded_len(17).is_err());
        assert_eq!(Padding::Pkcs7.padded_len(16), Ok(32));
    }
}
