//! `shangmi sm4`: SM4 in every mode, PKCS#7 padding like `openssl enc`.

use crate::cli::{Sm4Args, Sm4Mode, XtsStandard};
use crate::error::{CliError, CliResult, fail};
use crate::io::{hex_arg, read_input, write_output};
use shangmi::sm4::{self, Padding, Sm4};
use zeroize::Zeroizing;

/// Runs one SM4 encryption or decryption.
pub fn run(a: &Sm4Args) -> CliResult {
    let key_len = if a.mode == Sm4Mode::Xts { 32 } else { 16 };
    let key = Zeroizing::new(hex_arg("key", &a.key, Some(key_len))?);
    let iv_len = match a.mode {
        Sm4Mode::Ecb => 0,
        Sm4Mode::Gcm | Sm4Mode::Ccm => 12,
        _ => 16,
    };
    let iv = match (&a.iv, iv_len) {
        (None, 0) => Vec::new(),
        (Some(_), 0) => return Err(fail("--iv: ECB takes no IV")),
        (None, n) => return Err(fail(format!("--iv: {:?} needs a {n}-byte IV", a.mode))),
        (Some(s), n) => hex_arg("iv", s, Some(n))?,
    };
    let aad = match &a.aad {
        Some(s) if matches!(a.mode, Sm4Mode::Gcm | Sm4Mode::Ccm) => hex_arg("aad", s, None)?,
        Some(_) => return Err(fail("--aad: only GCM and CCM take associated data")),
        None => Vec::new(),
    };
    if a.nopad && !matches!(a.mode, Sm4Mode::Ecb | Sm4Mode::Cbc) {
        return Err(fail("--nopad: only ECB and CBC pad"));
    }
    let padding = if a.nopad {
        Padding::None
    } else {
        Padding::Pkcs7
    };
    let input = Zeroizing::new(read_input(a.input.as_deref())?);
    let out = crypt(a, &key, &iv, &aad, padding, &input)?;
    write_output(a.out.as_deref(), &out)
}

fn crypt(
    a: &Sm4Args,
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    padding: Padding,
    input: &[u8],
) -> CliResult<Zeroizing<Vec<u8>>> {
    let lib = |e: shangmi::Error| fail(format!("{:?}: {e}", a.mode));
    let k16 =
        || -> CliResult<[u8; 16]> { key.try_into().map_err(|_| fail("--key: want 16 bytes")) };
    let iv16 = || -> CliResult<[u8; 16]> { iv.try_into().map_err(|_| fail("--iv: want 16 bytes")) };
    let mut data = Zeroizing::new(input.to_vec());
    match a.mode {
        Sm4Mode::Ecb | Sm4Mode::Cbc => {
            let c = Sm4::new(&k16()?);
            let mut out = Zeroizing::new(vec![0u8; input.len() + 16]);
            let n = match (a.mode, a.decrypt) {
                (Sm4Mode::Ecb, false) => sm4::ecb::encrypt(&c, padding, input, &mut out),
                (Sm4Mode::Ecb, true) => sm4::ecb::decrypt(&c, padding, input, &mut out),
                (_, false) => sm4::cbc::encrypt(&c, &iv16()?, padding, input, &mut out),
                (_, true) => sm4::cbc::decrypt(&c, &iv16()?, padding, input, &mut out),
            };
            let n = n.map_err(|e| match e {
                shangmi::Error::DecryptFailed => CliError::Negative(
                    "bad decrypt: wrong key or corrupted data (padding check failed)".into(),
                ),
                e => lib(e),
            })?;
            out.truncate(n);
            Ok(out)
        }
        Sm4Mode::Cfb => {
            let c = Sm4::new(&k16()?);
            if a.decrypt {
                sm4::cfb::decrypt(&c, &iv16()?, &mut data);
            } else {
                sm4::cfb::encrypt(&c, &iv16()?, &mut data);
            }
            Ok(data)
        }
        Sm4Mode::Ofb => {
            sm4::ofb::apply(&Sm4::new(&k16()?), &iv16()?, &mut data);
            Ok(data)
        }
        Sm4Mode::Ctr => {
            sm4::ctr::apply(&Sm4::new(&k16()?), &iv16()?, &mut data);
            Ok(data)
        }
        Sm4Mode::Xts => {
            let k32: [u8; 32] = key
                .try_into()
                .map_err(|_| fail("--key: XTS wants 32 bytes"))?;
            let std = match a.xts_standard {
                XtsStandard::Ieee => sm4::xts::XtsStandard::Ieee1619,
                XtsStandard::Gb => sm4::xts::XtsStandard::GbT17964,
            };
            let x = sm4::xts::Sm4Xts::new(&k32, std)
                .map_err(|e| fail(format!("--key: {e} (the two halves must differ)")))?;
            if a.decrypt {
                x.decrypt(&iv16()?, &mut data)
            } else {
                x.encrypt(&iv16()?, &mut data)
            }
            .map_err(lib)?;
            Ok(data)
        }
        Sm4Mode::Gcm | Sm4Mode::Ccm => aead(a, &k16()?, iv, aad, data),
    }
}

/// GCM and CCM: ciphertext then the 16-byte tag, as RFC 8998 lays it out.
fn aead(
    a: &Sm4Args,
    key: &[u8; 16],
    nonce: &[u8],
    aad: &[u8],
    mut data: Zeroizing<Vec<u8>>,
) -> CliResult<Zeroizing<Vec<u8>>> {
    let lib = |e: shangmi::Error| fail(format!("{:?}: {e}", a.mode));
    if a.decrypt {
        if data.len() < 16 {
            return Err(fail("input shorter than the 16-byte tag"));
        }
        let body_len = data.len() - 16;
        let tag = data.split_off(body_len);
        let r = match a.mode {
            Sm4Mode::Gcm => sm4::gcm::Sm4Gcm::new(key).open_in_place(nonce, aad, &mut data, &tag),
            _ => sm4::ccm::Sm4Ccm::new(key).open_in_place(nonce, aad, &mut data, &tag),
        };
        match r {
            Ok(()) => Ok(data),
            Err(shangmi::Error::DecryptFailed) => Err(CliError::Negative(
                "authentication failed: the tag does not match".into(),
            )),
            Err(e) => Err(lib(e)),
        }
    } else {
        let tag = match a.mode {
            Sm4Mode::Gcm => sm4::gcm::Sm4Gcm::new(key)
                .seal_in_place(nonce, aad, &mut data)
                .map_err(lib)?,
            _ => {
                let mut t = [0u8; 16];
                sm4::ccm::Sm4Ccm::new(key)
                    .seal_in_place(nonce, aad, &mut data, &mut t)
                    .map_err(lib)?;
                t
            }
        };
        data.extend_from_slice(&tag);
        Ok(data)
    }
}
