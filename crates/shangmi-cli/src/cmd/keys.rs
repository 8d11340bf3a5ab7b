//! `shangmi keygen` and `shangmi pubkey`, and key loading for the other verbs.

use crate::cli::{KeyAlg, KeyIn, KeygenArgs, PubkeyArgs};
use crate::error::{CliResult, Context, fail};
use crate::io::{read_passphrase, write_output, write_secret};
use shangmi::alg::{PrivateKey, PublicKey, SignatureAlgorithm};
use shangmi::rng::OsRng;
use std::path::Path;

/// Generates a key and writes it as (optionally encrypted) PKCS#8 PEM.
pub fn keygen(a: &KeygenArgs) -> CliResult {
    let alg = match a.alg {
        KeyAlg::Sm2 => SignatureAlgorithm::Sm2Sm3,
        KeyAlg::P256 => SignatureAlgorithm::EcdsaP256Sha256,
        KeyAlg::P384 => SignatureAlgorithm::EcdsaP384Sha384,
        KeyAlg::Ed25519 => SignatureAlgorithm::Ed25519,
    };
    let key = PrivateKey::generate(alg, &mut OsRng).context("key generation")?;
    let pem = match &a.pass_file {
        Some(p) => {
            let pass = read_passphrase(p)?;
            key.to_encrypted_pkcs8_pem(&pass, &mut OsRng)
                .context("encrypting the key")?
        }
        None => key.to_pkcs8_pem().context("encoding the key")?,
    };
    write_secret(a.out.as_deref(), pem.as_bytes())
}

/// Writes the public key of a private key as SPKI PEM.
pub fn pubkey(a: &PubkeyArgs) -> CliResult {
    let key = load_private(&a.key)?;
    let pem = key
        .public_key()
        .to_spki_pem()
        .context("encoding the public key")?;
    write_output(a.out.as_deref(), pem.as_bytes())
}

/// Loads a private key (PEM or DER; PKCS#8, encrypted PKCS#8 or SEC1).
pub fn load_private(k: &KeyIn) -> CliResult<PrivateKey> {
    let data = std::fs::read(&k.key).context(k.key.display())?;
    let pass = k.pass_file.as_deref().map(read_passphrase).transpose()?;
    let pass = pass.as_ref().map(|p| p.as_slice());
    let parsed = if is_pem(&data) {
        let text = std::str::from_utf8(&data)
            .map_err(|_| fail(format!("{}: PEM is not text", k.key.display())))?;
        PrivateKey::from_pem(text, pass)
    } else {
        PrivateKey::from_der(&data, pass)
    };
    parsed.map_err(|e| key_error(&k.key, e, pass.is_some()))
}

/// Loads a public key (PEM or DER SubjectPublicKeyInfo).
pub fn load_public(path: &Path) -> CliResult<PublicKey> {
    let data = std::fs::read(path).context(path.display())?;
    let parsed = if is_pem(&data) {
        let text = std::str::from_utf8(&data)
            .map_err(|_| fail(format!("{}: PEM is not text", path.display())))?;
        PublicKey::from_pem(text)
    } else {
        PublicKey::from_der(&data)
    };
    parsed.context(path.display())
}

fn is_pem(data: &[u8]) -> bool {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    data[start..].starts_with(b"-----BEGIN ")
}

fn key_error(path: &Path, e: shangmi::Error, had_pass: bool) -> crate::error::CliError {
    let hint = match e {
        shangmi::Error::DecryptFailed if had_pass => " (wrong passphrase?)",
        shangmi::Error::DecryptFailed => " (encrypted key: give --pass-file)",
        _ => "",
    };
    fail(format!("{}: {e}{hint}", path.display()))
}
