//! The GM/T 0009 SM2 key envelope: an SM2 private key sent to its owner,
//! encrypted under a fresh SM4 key that is itself SM2-encrypted to the
//! owner's other (signing) public key. This is how the encryption key pair
//! of the dual-certificate system reaches a subscriber.
//!
//! ```text
//! SM2EnvelopedKey ::= SEQUENCE {
//!     symAlgID               AlgorithmIdentifier,  -- SM4-ECB
//!     symEncryptedKey        SM2Cipher,            -- the SM4 key, to the recipient
//!     sm2PublicKey           SM2PublicKey,         -- BIT STRING 04||X||Y of the enveloped key
//!     sm2EncryptedPrivateKey BIT STRING }          -- SM4-ECB of the 32-byte private key
//! ```

use crate::{Error, Result};
use der::asn1::{Any, BitString, ObjectIdentifier};
use der::{Decode, Encode, Sequence};
use shangmi::rng::{OsRng, fill};
use shangmi::sm2::{self, CiphertextFormat, PublicKey, SecretKey};
use shangmi::sm4::{Padding, Sm4};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

/// SM4-ECB.
const SM4_ECB: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.104.1");

#[derive(Sequence)]
struct Sm2EnvelopedKey {
    sym_alg_id: AlgorithmIdentifierOwned,
    sym_encrypted_key: Any,
    sm2_public_key: BitString,
    sm2_encrypted_private_key: BitString,
}

fn inv(e: der::Error) -> Error {
    Error::Invalid(format!("SM2EnvelopedKey: {e}"))
}

/// Wraps `key` for `recipient`: returns the DER SM2EnvelopedKey.
pub fn seal(key: &SecretKey, recipient: &PublicKey) -> Result<Vec<u8>> {
    let mut k = Zeroizing::new([0u8; 16]);
    fill(&mut OsRng, &mut k[..])?;
    let wrapped_key = sm2::encrypt(recipient, &k[..], CiphertextFormat::Der, &mut OsRng)?;
    let mut enc = Zeroizing::new([0u8; 32]);
    shangmi::sm4::ecb::encrypt(
        &Sm4::new(&k),
        Padding::None,
        &key.to_bytes()[..],
        &mut enc[..],
    )?;
    Sm2EnvelopedKey {
        sym_alg_id: AlgorithmIdentifierOwned {
            oid: SM4_ECB,
            parameters: None,
        },
        sym_encrypted_key: Any::from_der(&wrapped_key).map_err(inv)?,
        sm2_public_key: BitString::from_bytes(&key.public_key().to_uncompressed()).map_err(inv)?,
        sm2_encrypted_private_key: BitString::from_bytes(&enc[..]).map_err(inv)?,
    }
    .to_der()
    .map_err(inv)
}

/// Opens an SM2EnvelopedKey with the recipient's key; checks that the
/// recovered private key matches the public key it carries.
pub fn open(der: &[u8], recipient: &SecretKey) -> Result<SecretKey> {
    let e = Sm2EnvelopedKey::from_der(der).map_err(crate::error::malformed("SM2EnvelopedKey"))?;
    if e.sym_alg_id.oid != SM4_ECB {
        return Err(Error::Unsupported(format!(
            "SM2EnvelopedKey symmetric algorithm {}",
            e.sym_alg_id.oid
        )));
    }
    let wrapped = e.sym_encrypted_key.to_der().map_err(inv)?;
    let k = sm2::decrypt(recipient, &wrapped, CiphertextFormat::Der)?;
    let k: &[u8; 16] = k[..]
        .try_into()
        .map_err(|_| Error::Malformed("SM2EnvelopedKey: SM4 key length".into()))?;
    let enc = e
        .sm2_encrypted_private_key
        .as_bytes()
        .ok_or_else(|| Error::Malformed("SM2EnvelopedKey: private key bits".into()))?;
    let mut d = Zeroizing::new([0u8; 32]);
    let n = shangmi::sm4::ecb::decrypt(&Sm4::new(k), Padding::None, enc, &mut d[..])?;
    if n != 32 {
        return Err(Error::Malformed(
            "SM2EnvelopedKey: private key length".into(),
        ));
    }
    let key = SecretKey::from_bytes(&d[..])?;
    let public = e.sm2_public_key.as_bytes().unwrap_or_default();
    if key.public_key().to_uncompressed()[..] != *public {
        return Err(Error::Malformed(
            "SM2EnvelopedKey: the private key does not match its public key".into(),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_wrong_key() {
        let sign_key = SecretKey::random(&mut OsRng).unwrap();
        let enc_key = SecretKey::random(&mut OsRng).unwrap();
        let env = seal(&enc_key, &sign_key.public_key()).unwrap();
        let back = open(&env, &sign_key).unwrap();
        assert_eq!(back.public_key(), enc_key.public_key());
        let other = SecretKey::random(&mut OsRng).unwrap();
        assert!(open(&env, &other).is_err());
        assert!(open(&env[..env.len() - 1], &sign_key).is_err());
    }
}
