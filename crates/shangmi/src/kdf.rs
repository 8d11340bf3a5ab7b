//! Key derivation with SM3: the SM2 KDF (GB/T 32918.4), PBKDF2-HMAC-SM3 and
//! HKDF-SM3. STUB: replaced by the SM3 work.

use crate::Result;

/// The SM2 key derivation function: fills `out` with
/// `SM3(z || 1) || SM3(z || 2) || ...`, truncated.
pub fn sm2_kdf(_z: &[u8], out: &mut [u8]) {
    out.fill(0);
}

/// PBKDF2 with HMAC-SM3 (RFC 8018), filling `out`.
pub fn pbkdf2_hmac_sm3(
    _password: &[u8],
    _salt: &[u8],
    _iterations: u32,
    out: &mut [u8],
) -> Result<()> {
    out.fill(0);
    Ok(())
}

/// HKDF with SM3 (RFC 5869): extract then expand into `out`.
pub fn hkdf_sm3(_salt: &[u8], _ikm: &[u8], _info: &[u8], out: &mut [u8]) -> Result<()> {
    out.fill(0);
    Ok(())
}
