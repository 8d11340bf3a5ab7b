//! Power-on self-tests: the known-answer test of every algorithm, as GM/T
//! 0028 cryptographic modules run them before first use.

use crate::{Error, Result, kdf, sm3, sm4};

/// Fails with [`Error::SelfTest`] naming `what` unless `ok`.
fn check(ok: bool, what: &'static str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::SelfTest { what })
    }
}

/// Runs the known-answer test of every algorithm; `Ok(())` when all pass,
/// otherwise the first failure as [`Error::SelfTest`].
///
/// The answers are the official examples (GB/T 32905, 32907, 32918, RFC
/// 8998) and fixed outputs of the standard algorithms. It takes a few
/// milliseconds and needs no heap.
pub fn self_test() -> Result<()> {
    check(sm3::hash(b"abc") == SM3_ABC, "SM3")?;
    check(sm3::hmac(&HMAC_KEY, b"") == HMAC_TAG, "HMAC-SM3")?;
    let mut t = [0u8; 19];
    kdf::sm2_kdf(&KDF_Z, &mut t);
    check(t == KDF_OUT, "SM2 KDF")?;

    let c = sm4::Sm4::new(&SM4_KEY);
    let mut b = SM4_KEY;
    c.encrypt_block(&mut b);
    check(b == SM4_CT, "SM4 encrypt")?;
    c.decrypt_block(&mut b);
    check(b == SM4_KEY, "SM4 decrypt")?;
    Ok(())
}

// GB/T 32905 Annex A.1.
const SM3_ABC: [u8; 32] = hex32("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
// Wycheproof hmac_sm3_test.json tcId 1.
const HMAC_KEY: [u8; 32] =
    hex32("1e225cafb90339bba1b24076d4206c3e79c355805d851682bc818baa4f5a7779");
const HMAC_TAG: [u8; 32] =
    hex32("f9938b1b2515117f25dcd636c9a6a0e7f00bccaf5347e0e0df435cfca736cfc1");
// GB/T 32918.5 Annex C: KDF(x2 || y2, 152 bits).
const KDF_Z: [u8; 64] = hex(
    "335e18d751e51f040e27d468138b7ab1dc86ad7f981d7d416222fd6ab3ed230d\
     ab743ebcfb22d64f7b6ab791f70658f25b48fa93e54064fdbfbed3f0bd847ac9",
);
const KDF_OUT: [u8; 19] = hex("44e60fdbf0bae81437665374bef26749046c9e");
// GB/T 32907 Annex A example 1.
const SM4_KEY: [u8; 16] = hex("0123456789abcdeffedcba9876543210");
const SM4_CT: [u8; 16] = hex("681edf34d206965e86b3e94f536e4246");

/// Decodes a hex string of exactly `2N` digits (spaces and newlines
/// skipped). Only used to build constants, so it runs at compile time.
const fn hex<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut j = 0;
    while j < s.len() && i < N {
        let c = s[j];
        if c == b' ' || c == b'\n' {
            j += 1;
            continue;
        }
        let hi = nibble(c);
        let lo = nibble(s[j + 1]);
        out[i] = (hi << 4) | lo;
        i += 1;
        j += 2;
    }
    // Evaluated at compile time for the constants above: a typo fails the build.
    assert!(i == N && j == s.len(), "hex constant has the wrong length");
    out
}

const fn hex32(s: &str) -> [u8; 32] {
    hex::<32>(s)
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_decoder() {
        assert_eq!(super::hex::<3>("0aff10"), [0x0a, 0xff, 0x10]);
    }
}
