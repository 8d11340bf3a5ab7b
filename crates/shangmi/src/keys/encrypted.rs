//! Encrypted PKCS#8 (RFC 5958 `EncryptedPrivateKeyInfo`) with PBES2
//! (RFC 8018). Written with PBKDF2-HMAC-SM3 and SM4-CBC, as GmSSL writes it;
//! read also with HMAC-SHA-1/-256/-384/-512 and AES-128/192/256-CBC, as
//! OpenSSL writes it.

use super::der_err;
use super::oids;
use crate::rng::{TryCryptoRng, fill};
use crate::sm4::{self, Padding};
use crate::{Error, Result};
use alloc::vec;
use alloc::vec::Vec;
use der::asn1::{AnyRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

/// PBKDF2 iterations for keys this crate writes.
pub const DEFAULT_ITERATIONS: u32 = 100_000;
/// The most iterations accepted on input (a guard against denial of service).
const MAX_ITERATIONS: u32 = 10_000_000;

/// `PBKDF2-params` (RFC 8018 appendix A.2).
#[derive(Sequence)]
struct Pbkdf2Params<'a> {
    salt: &'a OctetStringRef,
    iteration_count: u32,
    #[asn1(optional = "true")]
    key_length: Option<u32>,
    #[asn1(optional = "true")]
    prf: Option<AlgorithmIdentifierRef<'a>>,
}

/// `PBES2-params`.
#[derive(Sequence)]
struct Pbes2Params<'a> {
    kdf: AlgorithmIdentifierRef<'a>,
    scheme: AlgorithmIdentifierRef<'a>,
}

/// `EncryptedPrivateKeyInfo`.
#[derive(Sequence)]
struct EncryptedPrivateKeyInfo<'a> {
    algorithm: AlgorithmIdentifierRef<'a>,
    data: &'a OctetStringRef,
}

/// Whether `der` parses as an `EncryptedPrivateKeyInfo` with PBES2.
pub(crate) fn looks_encrypted(der: &[u8]) -> bool {
    EncryptedPrivateKeyInfo::from_der(der)
        .map(|e| e.algorithm.oid == oids::PBES2)
        .unwrap_or(false)
}

/// The key length of a content-encryption scheme.
fn cipher_key_len(oid: ObjectIdentifier) -> Result<usize> {
    match oid {
        o if o == oids::SM4_CBC || o == oids::AES128_CBC => Ok(16),
        o if o == oids::AES192_CBC => Ok(24),
        o if o == oids::AES256_CBC => Ok(32),
        _ => Err(Error::Unsupported {
            what: "PBES2 cipher (want SM4-CBC or AES-CBC)",
        }),
    }
}

fn derive(
    prf: ObjectIdentifier,
    pass: &[u8],
    salt: &[u8],
    iters: u32,
    out: &mut [u8],
) -> Result<()> {
    use sha2::{Sha256, Sha384, Sha512};
    let e = |_| Error::Length {
        what: "PBKDF2 output",
    };
    match prf {
        p if p == oids::HMAC_SM3 => crate::kdf::pbkdf2_hmac_sm3(pass, salt, iters, out),
        p if p == oids::HMAC_SHA256 => {
            pbkdf2::pbkdf2::<hmac::Hmac<Sha256>>(pass, salt, iters, out).map_err(e)
        }
        p if p == oids::HMAC_SHA384 => {
            pbkdf2::pbkdf2::<hmac::Hmac<Sha384>>(pass, salt, iters, out).map_err(e)
        }
        p if p == oids::HMAC_SHA512 => {
            pbkdf2::pbkdf2::<hmac::Hmac<Sha512>>(pass, salt, iters, out).map_err(e)
        }
        p if p == oids::HMAC_SHA1 => Err(Error::Unsupported {
            what: "PBKDF2 with HMAC-SHA-1 (re-encrypt the key with a SHA-2 or SM3 PRF)",
        }),
        _ => Err(Error::Unsupported { what: "PBKDF2 PRF" }),
    }
}

/// The parameters of an algorithm identifier, decoded as `T`.
fn parameters<'a, T: der::DecodeValue<'a, Error = der::Error> + der::FixedTag + 'a>(
    alg: &AlgorithmIdentifierRef<'a>,
    what: &'static str,
) -> Result<T> {
    alg.parameters
        .ok_or(Error::Encoding { what })?
        .decode_as()
        .map_err(der_err)
}

/// Decrypts an `EncryptedPrivateKeyInfo`; returns the `PrivateKeyInfo` DER.
/// A wrong passphrase is [`Error::DecryptFailed`].
pub(crate) fn decrypt(der: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = EncryptedPrivateKeyInfo::from_der(der).map_err(der_err)?;
    if info.algorithm.oid != oids::PBES2 {
        return Err(Error::Unsupported {
            what: "private key encryption (want PBES2)",
        });
    }
    let params: Pbes2Params<'_> = parameters(&info.algorithm, "PBES2 parameters")?;
    if params.kdf.oid != oids::PBKDF2 {
        return Err(Error::Unsupported {
            what: "PBES2 key derivation (want PBKDF2)",
        });
    }
    let kdf: Pbkdf2Params<'_> = parameters(&params.kdf, "PBKDF2 parameters")?;
    let iv: &OctetStringRef = parameters(&params.scheme, "cipher IV")?;
    let iv: [u8; 16] = iv.as_bytes().try_into().map_err(|_| Error::Length {
        what: "CBC IV (16 bytes)",
    })?;
    if kdf.iteration_count == 0 || kdf.iteration_count > MAX_ITERATIONS {
        return Err(Error::Unsupported {
            what: "PBKDF2 iteration count (1 to 10,000,000)",
        });
    }
    let key_len = cipher_key_len(params.scheme.oid)?;
    if kdf.key_length.is_some_and(|l| l as usize != key_len) {
        return Err(Error::Encoding {
            what: "PBKDF2 key length does not match the cipher",
        });
    }
    let prf = kdf.prf.map(|p| p.oid).unwrap_or(oids::HMAC_SHA1);
    let mut key = Zeroizing::new([0u8; 32]);
    derive(
        prf,
        passphrase,
        kdf.salt.as_bytes(),
        kdf.iteration_count,
        &mut key[..key_len],
    )?;
    let ct = info.data.as_bytes();
    let mut out = Zeroizing::new(vec![0u8; ct.len()]);
    let n = if params.scheme.oid == oids::SM4_CBC {
        let k: [u8; 16] = key[..16].try_into().map_err(|_| Error::InvalidKey)?;
        sm4::cbc_decrypt(&k, &iv, Padding::Pkcs7, ct, &mut out)?
    } else {
        aes_cbc_decrypt(&key[..key_len], &iv, ct, &mut out)?
    };
    out.truncate(n);
    // A wrong passphrase usually fails the padding check; when it does not,
    // the result is not a PrivateKeyInfo.
    if pkcs8::PrivateKeyInfoRef::from_der(&out).is_err() {
        return Err(Error::DecryptFailed);
    }
    Ok(out)
}

/// AES-CBC with PKCS#7, via the `aes` crate's block cipher.
fn aes_cbc_decrypt(key: &[u8], iv: &[u8; 16], ct: &[u8], out: &mut [u8]) -> Result<usize> {
    use cipher::{BlockCipherDecrypt, KeyInit};
    if ct.is_empty() || !ct.len().is_multiple_of(16) {
        return Err(Error::DecryptFailed);
    }
    fn run<C: BlockCipherDecrypt>(c: &C, iv: &[u8; 16], ct: &[u8], out: &mut [u8]) {
        let mut chain = *iv;
        for (o, i) in out.chunks_exact_mut(16).zip(ct.chunks_exact(16)) {
            let mut b = cipher::Block::<C>::try_from(i).unwrap_or_default();
            c.decrypt_block(&mut b);
            for (x, (y, z)) in o.iter_mut().zip(b.iter().zip(chain.iter())) {
                *x = y ^ z;
            }
            chain.copy_from_slice(i);
        }
    }
    let bad = |_| Error::InvalidKey;
    match key.len() {
        16 => run(&aes::Aes128::new_from_slice(key).map_err(bad)?, iv, ct, out),
        24 => run(&aes::Aes192::new_from_slice(key).map_err(bad)?, iv, ct, out),
        _ => run(&aes::Aes256::new_from_slice(key).map_err(bad)?, iv, ct, out),
    }
    let mut last = [0u8; 16];
    last.copy_from_slice(&out[ct.len() - 16..ct.len()]);
    let keep = Padding::Pkcs7.unpad(&last)?;
    Ok(ct.len() - 16 + keep)
}

/// Encrypts `PrivateKeyInfo` DER with PBES2 (PBKDF2-HMAC-SM3, SM4-CBC).
pub(crate) fn encrypt<R: TryCryptoRng + ?Sized>(
    plain: &[u8],
    passphrase: &[u8],
    iterations: u32,
    rng: &mut R,
) -> Result<Vec<u8>> {
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    fill(rng, &mut salt)?;
    fill(rng, &mut iv)?;
    let mut key = Zeroizing::new([0u8; 16]);
    crate::kdf::pbkdf2_hmac_sm3(passphrase, &salt, iterations, &mut key[..])?;
    let mut ct = vec![0u8; plain.len() + 16];
    let n = sm4::cbc_encrypt(&key, &iv, Padding::Pkcs7, plain, &mut ct)?;
    ct.truncate(n);

    let prf_params = der::asn1::Null.to_der().map_err(der_err)?;
    let prf = AlgorithmIdentifierRef {
        oid: oids::HMAC_SM3,
        parameters: Some(AnyRef::try_from(&prf_params[..]).map_err(der_err)?),
    };
    let kdf_params = Pbkdf2Params {
        salt: OctetStringRef::new(&salt).map_err(der_err)?,
        iteration_count: iterations,
        key_length: Some(16),
        prf: Some(prf),
    }
    .to_der()
    .map_err(der_err)?;
    let iv_der = OctetStringRef::new(&iv)
        .map_err(der_err)?
        .to_der()
        .map_err(der_err)?;
    let pbes2 = Pbes2Params {
        kdf: AlgorithmIdentifierRef {
            oid: oids::PBKDF2,
            parameters: Some(AnyRef::try_from(&kdf_params[..]).map_err(der_err)?),
        },
        scheme: AlgorithmIdentifierRef {
            oid: oids::SM4_CBC,
            parameters: Some(AnyRef::try_from(&iv_der[..]).map_err(der_err)?),
        },
    }
    .to_der()
    .map_err(der_err)?;
    EncryptedPrivateKeyInfo {
        algorithm: AlgorithmIdentifierRef {
            oid: oids::PBES2,
            parameters: Some(AnyRef::try_from(&pbes2[..]).map_err(der_err)?),
        },
        data: OctetStringRef::new(&ct).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}
