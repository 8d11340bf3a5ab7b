//! The system libgcrypt (Debian `libgcrypt20-dev`): SM3 and SM4 modes,
//! through a small FFI binding of the calls the benches need.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_uint, c_void};
use std::sync::Once;

#[repr(C)]
struct Handle {
    _p: [u8; 0],
}

#[link(name = "gcrypt")]
unsafe extern "C" {
    fn gcry_check_version(req: *const u8) -> *const u8;
    fn gcry_md_hash_buffer(algo: c_int, digest: *mut c_void, buffer: *const c_void, length: usize);
    fn gcry_cipher_open(h: *mut *mut Handle, algo: c_int, mode: c_int, flags: c_uint) -> c_uint;
    fn gcry_cipher_close(h: *mut Handle);
    fn gcry_cipher_setkey(h: *mut Handle, key: *const c_void, keylen: usize) -> c_uint;
    fn gcry_cipher_setiv(h: *mut Handle, iv: *const c_void, ivlen: usize) -> c_uint;
    fn gcry_cipher_setctr(h: *mut Handle, ctr: *const c_void, ctrlen: usize) -> c_uint;
    fn gcry_cipher_encrypt(
        h: *mut Handle,
        out: *mut c_void,
        outsize: usize,
        input: *const c_void,
        inlen: usize,
    ) -> c_uint;
    fn gcry_cipher_decrypt(
        h: *mut Handle,
        out: *mut c_void,
        outsize: usize,
        input: *const c_void,
        inlen: usize,
    ) -> c_uint;
    fn gcry_cipher_gettag(h: *mut Handle, tag: *mut c_void, taglen: usize) -> c_uint;
}

const MD_SM3: c_int = 326;
const CIPHER_SM4: c_int = 318;

/// Modes of `Cipher`.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// ECB.
    Ecb = 1,
    /// CBC.
    Cbc = 3,
    /// CTR.
    Ctr = 6,
    /// GCM.
    Gcm = 9,
    /// XTS.
    Xts = 13,
}

fn init() {
    static ONCE: Once = Once::new();
    // SAFETY: gcry_check_version(NULL) initializes the library once, as its
    // manual asks, before any other call.
    ONCE.call_once(|| unsafe {
        gcry_check_version(std::ptr::null());
    });
}

/// SM3 of `msg`.
pub fn sm3(msg: &[u8]) -> [u8; 32] {
    init();
    let mut out = [0u8; 32];
    // SAFETY: out holds the 32 bytes SM3 writes; msg is a live slice.
    unsafe {
        gcry_md_hash_buffer(
            MD_SM3,
            out.as_mut_ptr().cast(),
            msg.as_ptr().cast(),
            msg.len(),
        )
    };
    out
}

/// An SM4 cipher handle in one mode.
pub struct Cipher(*mut Handle, Mode);

impl Cipher {
    /// Opens SM4 in `mode` with `key` (32 bytes for XTS, else 16).
    pub fn new(mode: Mode, key: &[u8]) -> Self {
        init();
        let mut h = std::ptr::null_mut();
        // SAFETY: h receives a handle that Drop closes; key is live.
        unsafe {
            assert_eq!(
                gcry_cipher_open(&mut h, CIPHER_SM4, mode as c_int, 0),
                0,
                "gcry_cipher_open"
            );
            assert_eq!(
                gcry_cipher_setkey(h, key.as_ptr().cast(), key.len()),
                0,
                "setkey"
            );
        }
        Cipher(h, mode)
    }

    /// Sets the IV (or the counter, in CTR mode).
    pub fn set_iv(&mut self, iv: &[u8]) {
        // SAFETY: the handle is open; iv is live.
        let r = unsafe {
            match self.1 {
                Mode::Ctr => gcry_cipher_setctr(self.0, iv.as_ptr().cast(), iv.len()),
                _ => gcry_cipher_setiv(self.0, iv.as_ptr().cast(), iv.len()),
            }
        };
        assert_eq!(r, 0, "setiv");
    }

    /// Encrypts `data` in place.
    pub fn encrypt(&mut self, data: &mut [u8]) {
        // SAFETY: in-place operation (input NULL) on a live buffer.
        let r = unsafe {
            gcry_cipher_encrypt(
                self.0,
                data.as_mut_ptr().cast(),
                data.len(),
                std::ptr::null(),
                0,
            )
        };
        assert_eq!(r, 0, "encrypt");
    }

    /// Decrypts `data` in place.
    pub fn decrypt(&mut self, data: &mut [u8]) {
        // SAFETY: in-place operation on a live buffer.
        let r = unsafe {
            gcry_cipher_decrypt(
                self.0,
                data.as_mut_ptr().cast(),
                data.len(),
                std::ptr::null(),
                0,
            )
        };
        assert_eq!(r, 0, "decrypt");
    }

    /// The GCM tag.
    pub fn tag(&mut self) -> [u8; 16] {
        let mut t = [0u8; 16];
        // SAFETY: t holds 16 bytes.
        let r = unsafe { gcry_cipher_gettag(self.0, t.as_mut_ptr().cast(), 16) };
        assert_eq!(r, 0, "gettag");
        t
    }
}

impl Drop for Cipher {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by new and is closed once.
        unsafe { gcry_cipher_close(self.0) }
    }
}
