//! SM4, the ShangMi block cipher (GB/T 32907-2016), and its modes of
//! operation.
//!
//! * [`Sm4`]: the key schedule and block transformation, constant time (no
//!   S-box load indexed by secret data; see the `sbox` module).
//! * Confidentiality modes: [`ecb`], [`cbc`] (PKCS#7 or no [`Padding`]),
//!   [`cfb`] (CFB-128), [`ofb`], [`ctr`] (128-bit big-endian counter, as
//!   OpenSSL's `sm4-ctr`), and [`xts`] (IEEE 1619 and GB/T 17964-2021).
//! * Authenticated encryption: [`gcm`] and [`ccm`] (RFC 8998: 12-byte nonce,
//!   16-byte tag), also as RustCrypto `aead` types.
//! * MACs: CMAC and CBC-MAC in [`mac`].
//!
//! Nothing here allocates; where data arrives in pieces the modes offer
//! streaming objects with `update` and `finish`.
//!
//! ```
//! use shangmi::sm4::{self, Padding};
//! let key = [7u8; 16];
//! let iv = [9u8; 16];
//! let mut ct = [0u8; 32];
//! let n = sm4::cbc_encrypt(&key, &iv, Padding::Pkcs7, b"attack at dawn", &mut ct).unwrap();
//! let mut pt = [0u8; 32];
//! let m = sm4::cbc_decrypt(&key, &iv, Padding::Pkcs7, &ct[..n], &mut pt).unwrap();
//! assert_eq!(&pt[..m], b"attack at dawn");
//! ```

#[cfg(target_arch = "aarch64")]
mod aarch64;
mod block;
pub mod cbc;
pub mod ccm;
pub mod cfb;
pub mod ctr;
pub mod ecb;
pub mod gcm;
pub mod mac;
pub mod ofb;
mod padding;
mod sbox;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod tables;
#[cfg(target_arch = "x86_64")]
mod x86;
pub mod xts;

pub use block::Sm4;
pub use padding::Padding;

use crate::Result;

/// SM4 key length in bytes.
pub const KEY_LEN: usize = 16;
/// SM4 block length in bytes.
pub const BLOCK_LEN: usize = 16;

/// SM4-CBC encryption of `input` into `out` in one call; returns the
/// ciphertext length. See [`cbc`] for the streaming form.
pub fn cbc_encrypt(
    key: &[u8; KEY_LEN],
    iv: &[u8; BLOCK_LEN],
    padding: Padding,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize> {
    cbc::encrypt(&Sm4::new(key), iv, padding, input, out)
}

/// SM4-CBC decryption of `input` into `out` in one call; returns the
/// plaintext length.
pub fn cbc_decrypt(
    key: &[u8; KEY_LEN],
    iv: &[u8; BLOCK_LEN],
    padding: Padding,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize> {
    cbc::decrypt(&Sm4::new(key), iv, padding, input, out)
}

/// The name of the multi-block kernel this CPU runs (for reports such as
/// `shangmi speed`): `"AVX-512+GFNI"`, `"AVX2+VAES"` or `"AES-NI"` on x86-64, `"SM4E"` (the
/// ARMv8.2 SM4 instructions) or `"NEON+AES"` on AArch64, and
/// `"portable (bitsliced)"` elsewhere or with the `force-portable` feature.
pub fn kernel_name() -> &'static str {
    block::Kernel::selected().name()
}

/// XORs `b` into `a`.
#[inline(always)]
fn xor_block(a: &mut [u8; BLOCK_LEN], b: &[u8; BLOCK_LEN]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// Splits off the first block of a slice known to hold at least 16 bytes.
#[inline(always)]
fn block_of(s: &[u8]) -> [u8; BLOCK_LEN] {
    let mut b = [0u8; BLOCK_LEN];
    b.copy_from_slice(&s[..BLOCK_LEN]);
    b
}

#[cfg(test)]
mod tests;
