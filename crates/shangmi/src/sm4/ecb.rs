//! SM4-ECB: each block enciphered alone. Only for interoperability and
//! single-block uses (key wrapping of one block); it shows repeated blocks.

use super::{BLOCK_LEN, Padding, Sm4, block_of};
use crate::{Error, Result};

/// Encrypts `input` into `out`; returns the ciphertext length.
pub fn encrypt(cipher: &Sm4, padding: Padding, input: &[u8], out: &mut [u8]) -> Result<usize> {
    let total = padding.padded_len(input.len())?;
    let out = out
        .get_mut(..total)
        .ok_or(Error::BufferTooSmall { needed: total })?;
    let whole = input.len() / BLOCK_LEN * BLOCK_LEN;
    out[..whole].copy_from_slice(&input[..whole]);
    cipher.encrypt_blocks(out[..whole].as_chunks_mut::<BLOCK_LEN>().0);
    if let Some(mut b) = padding.pad(&input[whole..]) {
        cipher.encrypt_block(&mut b);
        out[whole..].copy_from_slice(&b);
    }
    Ok(total)
}

/// Decrypts `input` into `out`; returns the plaintext length. A bad pad is
/// [`Error::DecryptFailed`].
pub fn decrypt(cipher: &Sm4, padding: Padding, input: &[u8], out: &mut [u8]) -> Result<usize> {
    check_ciphertext_len(padding, input.len())?;
    let out = out.get_mut(..input.len()).ok_or(Error::BufferTooSmall {
        needed: input.len(),
    })?;
    out.copy_from_slice(input);
    cipher.decrypt_blocks(out.as_chunks_mut::<BLOCK_LEN>().0);
    let last = out
        .len()
        .checked_sub(BLOCK_LEN)
        .map(|i| block_of(&out[i..]))
        .unwrap_or([0; BLOCK_LEN]);
    finish_unpad(padding, &last, out)
}

/// Ciphertext of a block mode: whole blocks, and at least one with padding.
pub(crate) fn check_ciphertext_len(padding: Padding, len: usize) -> Result<()> {
    if !len.is_multiple_of(BLOCK_LEN) || (padding == Padding::Pkcs7 && len == 0) {
        return Err(Error::Length {
            what: "ciphertext (whole 16-byte blocks)",
        });
    }
    Ok(())
}

/// Strips the padding of the decrypted `out` whose last block is `last`;
/// on a bad pad the output is wiped.
pub(crate) fn finish_unpad(
    padding: Padding,
    last: &[u8; BLOCK_LEN],
    out: &mut [u8],
) -> Result<usize> {
    if out.is_empty() {
        // Only reachable without padding: nothing in, nothing out.
        return Ok(0);
    }
    match padding.unpad(last) {
        Ok(keep) => Ok(out.len() - BLOCK_LEN + keep),
        Err(e) => {
            out.fill(0);
            Err(e)
        }
    }
}
