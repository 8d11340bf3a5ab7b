//! `shangmi encrypt` and `shangmi decrypt` (SM2).

use super::keys::{load_private, load_public};
use crate::cli::{CipherFormat, DecryptArgs, EncryptArgs};
use crate::error::{CliError, CliResult, fail};
use crate::io::{read_input, write_output};
use shangmi::alg::{PrivateKey, PublicKey};
use shangmi::rng::OsRng;
use shangmi::sm2::CiphertextFormat;

fn format(f: CipherFormat) -> CiphertextFormat {
    match f {
        CipherFormat::Der => CiphertextFormat::Der,
        CipherFormat::C1c3c2 => CiphertextFormat::C1C3C2,
        CipherFormat::C1c2c3 => CiphertextFormat::C1C2C3,
    }
}

/// Encrypts to an SM2 public key.
pub fn encrypt(a: &EncryptArgs) -> CliResult {
    let PublicKey::Sm2(key) = load_public(&a.public)? else {
        return Err(fail(format!(
            "{}: not an SM2 public key",
            a.public.display()
        )));
    };
    let msg = read_input(a.input.as_deref())?;
    let ct = shangmi::sm2::encrypt(&key, &msg, format(a.format), &mut OsRng)
        .map_err(|e| fail(format!("encryption: {e}")))?;
    write_output(a.out.as_deref(), &ct)
}

/// Decrypts with an SM2 private key; a failed C3 check is a negative verdict.
pub fn decrypt(a: &DecryptArgs) -> CliResult {
    let PrivateKey::Sm2(key) = load_private(&a.key)? else {
        return Err(fail(format!(
            "{}: not an SM2 private key",
            a.key.key.display()
        )));
    };
    let ct = read_input(a.input.as_deref())?;
    match shangmi::sm2::decrypt(&key, &ct, format(a.format)) {
        Ok(pt) => write_output(a.out.as_deref(), &pt),
        Err(shangmi::Error::DecryptFailed) => Err(CliError::Negative(
            "decryption failed: the C3 hash does not match".into(),
        )),
        Err(e) => Err(fail(format!("decryption: {e}"))),
    }
}
