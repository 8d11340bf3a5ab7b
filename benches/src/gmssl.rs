//! GmSSL, built by `libgmssl-sys` from its bundled source (with the
//! SM3_AVX_BMI2 and SM4_AESNI_AVX assembly turned on by the benches'
//! `gmssl` feature): SM3, SM4 modes and SM2.
#![allow(unsafe_code)]

use libgmssl_sys as g;

/// SM3 of `msg`.
pub fn sm3(msg: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: out holds the 32-byte digest; msg is a live slice.
    unsafe { g::sm3_digest(msg.as_ptr(), msg.len(), out.as_mut_ptr()) };
    out
}

/// An SM4 key schedule.
pub struct Sm4(g::SM4_KEY);

impl Sm4 {
    /// The encryption key schedule of `key`.
    pub fn new(key: &[u8; 16]) -> Self {
        // SAFETY: SM4_KEY is plain data that sm4_set_encrypt_key fills.
        unsafe {
            let mut k: g::SM4_KEY = std::mem::zeroed();
            g::sm4_set_encrypt_key(&mut k, key.as_ptr());
            Sm4(k)
        }
    }

    /// One block in place.
    pub fn block(&self, b: &mut [u8; 16]) {
        let i = *b;
        // SAFETY: 16-byte input and output blocks.
        unsafe { g::sm4_encrypt(&self.0, i.as_ptr(), b.as_mut_ptr()) }
    }

    /// CTR over `data` (in place) from counter `ctr`.
    pub fn ctr(&self, ctr: &[u8; 16], data: &mut [u8]) {
        let mut c = *ctr;
        let input = data.to_vec();
        // SAFETY: in and out have the same length; ctr is 16 bytes.
        unsafe {
            g::sm4_ctr_encrypt(
                &self.0,
                c.as_mut_ptr(),
                input.as_ptr(),
                input.len(),
                data.as_mut_ptr(),
            )
        }
    }

    /// CBC encryption of whole blocks.
    pub fn cbc_encrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
        let input = data.to_vec();
        // SAFETY: whole blocks; out has the same length.
        unsafe {
            g::sm4_cbc_encrypt(
                &self.0,
                iv.as_ptr(),
                input.as_ptr(),
                input.len() / 16,
                data.as_mut_ptr(),
            )
        }
    }

    /// GCM encryption; returns the tag.
    pub fn gcm(&self, nonce: &[u8; 12], data: &mut [u8]) -> [u8; 16] {
        let input = data.to_vec();
        let mut tag = [0u8; 16];
        // SAFETY: lengths as given; tag holds 16 bytes.
        let r = unsafe {
            g::sm4_gcm_encrypt(
                &self.0,
                nonce.as_ptr(),
                12,
                std::ptr::null(),
                0,
                input.as_ptr(),
                input.len(),
                data.as_mut_ptr(),
                16,
                tag.as_mut_ptr(),
            )
        };
        assert_eq!(r, 1, "sm4_gcm_encrypt");
        tag
    }
}

/// An SM2 key.
pub struct Sm2(g::SM2_KEY);

const ID: &[u8] = b"1234567812345678";

impl Sm2 {
    /// A fresh key.
    pub fn generate() -> Self {
        // SAFETY: SM2_KEY is plain data that sm2_key_generate fills.
        unsafe {
            let mut k: g::SM2_KEY = std::mem::zeroed();
            assert_eq!(g::sm2_key_generate(&mut k), 1);
            Sm2(k)
        }
    }

    /// Signs `msg` (Z with the GM/T ID, then e, then the signature).
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let mut sig = vec![0u8; 80];
        let mut n = 0usize;
        // SAFETY: the context lives on the stack for the three calls; sig
        // holds the largest DER signature (72 bytes).
        unsafe {
            let mut ctx: g::SM2_SIGN_CTX = std::mem::zeroed();
            assert_eq!(
                g::sm2_sign_init(&mut ctx, &self.0, ID.as_ptr().cast(), ID.len()),
                1
            );
            assert_eq!(g::sm2_sign_update(&mut ctx, msg.as_ptr(), msg.len()), 1);
            assert_eq!(g::sm2_sign_finish(&mut ctx, sig.as_mut_ptr(), &mut n), 1);
        }
        sig.truncate(n);
        sig
    }

    /// Verifies a signature on `msg`.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        // SAFETY: as in sign.
        unsafe {
            let mut ctx: g::SM2_SIGN_CTX = std::mem::zeroed();
            g::sm2_verify_init(&mut ctx, &self.0, ID.as_ptr().cast(), ID.len()) == 1
                && g::sm2_verify_update(&mut ctx, msg.as_ptr(), msg.len()) == 1
                && g::sm2_verify_finish(&mut ctx, sig.as_ptr(), sig.len()) == 1
        }
    }

    /// Encrypts `msg` (GM/T 0009 DER).
    pub fn encrypt(&self, msg: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; msg.len() + 200];
        let mut n = 0usize;
        // SAFETY: out has room for the ciphertext of msg.
        assert_eq!(
            unsafe { g::sm2_encrypt(&self.0, msg.as_ptr(), msg.len(), out.as_mut_ptr(), &mut n) },
            1
        );
        out.truncate(n);
        out
    }

    /// Decrypts.
    pub fn decrypt(&self, ct: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; ct.len()];
        let mut n = 0usize;
        // SAFETY: the plaintext is shorter than the ciphertext.
        assert_eq!(
            unsafe { g::sm2_decrypt(&self.0, ct.as_ptr(), ct.len(), out.as_mut_ptr(), &mut n) },
            1
        );
        out.truncate(n);
        out
    }
}
