//! The system OpenSSL (the `openssl` crate over `libssl-dev`): SM3, SM4
//! modes and SM2 with the GM/T ID set on every signature.
#![allow(unsafe_code)]

use foreign_types::ForeignTypeRef;
use openssl::hash::MessageDigest;
use openssl::md::Md;
use openssl::md_ctx::MdCtx;
use openssl::pkey::{PKey, Private, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::symm::{Cipher, Crypter, Mode};

unsafe extern "C" {
    fn EVP_PKEY_CTX_set1_id(
        ctx: *mut openssl_sys::EVP_PKEY_CTX,
        id: *const std::ffi::c_void,
        len: usize,
    ) -> std::ffi::c_int;
}

const ID: &[u8] = b"1234567812345678";

/// SM3 of `msg`.
pub fn sm3(msg: &[u8]) -> Vec<u8> {
    openssl::hash::hash(MessageDigest::sm3(), msg)
        .map(|d| d.to_vec())
        .unwrap_or_default()
}

/// An SM4 cipher context in one mode (`ecb`, `cbc`, `ctr`).
pub struct Sm4(Crypter);

impl Sm4 {
    /// Opens SM4-`mode` for encryption or decryption without padding.
    pub fn new(mode: &str, key: &[u8; 16], iv: &[u8; 16], encrypt: bool) -> Self {
        let c = match mode {
            "ecb" => Cipher::sm4_ecb(),
            "cbc" => Cipher::sm4_cbc(),
            _ => Cipher::sm4_ctr(),
        };
        let iv = if mode == "ecb" { None } else { Some(&iv[..]) };
        let mut cr = Crypter::new(
            c,
            if encrypt {
                Mode::Encrypt
            } else {
                Mode::Decrypt
            },
            key,
            iv,
        )
        .expect("SM4 in OpenSSL");
        cr.pad(false);
        Sm4(cr)
    }

    /// Runs `input` through, into `out` (at least input + 16 bytes).
    pub fn update(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        self.0.update(input, out).expect("SM4 update")
    }
}

/// An SM2 key pair in OpenSSL, from a shangmi key's PKCS#8.
pub fn sm2_key(pkcs8_der: &[u8]) -> (PKey<Private>, PKey<Public>) {
    let k = PKey::private_key_from_der(pkcs8_der).expect("SM2 key into OpenSSL");
    let p = PKey::public_key_from_der(&k.public_key_to_der().expect("public")).expect("public");
    (k, p)
}

/// SM2 key generation.
pub fn sm2_keygen() -> PKey<Private> {
    PKey::ec_gen("SM2").expect("SM2 keygen")
}

/// Signs `msg` with SM2/SM3 and the GM/T ID.
pub fn sm2_sign(key: &PKey<Private>, msg: &[u8]) -> Vec<u8> {
    let mut ctx = MdCtx::new().expect("ctx");
    let pctx = ctx
        .digest_sign_init(Some(Md::sm3()), key)
        .expect("sign init");
    // SAFETY: the PKEY_CTX belongs to the live MdCtx; ID is a static slice.
    assert_eq!(
        unsafe { EVP_PKEY_CTX_set1_id(pctx.as_ptr(), ID.as_ptr().cast(), ID.len()) },
        1
    );
    let mut sig = Vec::new();
    ctx.digest_sign_to_vec(msg, &mut sig).expect("sign");
    sig
}

/// Verifies an SM2 signature with the GM/T ID.
pub fn sm2_verify(key: &PKey<Public>, msg: &[u8], sig: &[u8]) -> bool {
    let mut ctx = MdCtx::new().expect("ctx");
    let pctx = ctx
        .digest_verify_init(Some(Md::sm3()), key)
        .expect("verify init");
    // SAFETY: as in sm2_sign.
    assert_eq!(
        unsafe { EVP_PKEY_CTX_set1_id(pctx.as_ptr(), ID.as_ptr().cast(), ID.len()) },
        1
    );
    ctx.digest_verify(msg, sig).unwrap_or(false)
}

/// SM2 encryption (GM/T 0009 DER).
pub fn sm2_encrypt(key: &PKey<Public>, msg: &[u8]) -> Vec<u8> {
    let mut ctx = PkeyCtx::new(key).expect("ctx");
    ctx.encrypt_init().expect("encrypt init");
    let mut out = Vec::new();
    ctx.encrypt_to_vec(msg, &mut out).expect("encrypt");
    out
}

/// SM2 decryption.
pub fn sm2_decrypt(key: &PKey<Private>, ct: &[u8]) -> Vec<u8> {
    let mut ctx = PkeyCtx::new(key).expect("ctx");
    ctx.decrypt_init().expect("decrypt init");
    let mut out = Vec::new();
    ctx.decrypt_to_vec(ct, &mut out).expect("decrypt");
    out
}
