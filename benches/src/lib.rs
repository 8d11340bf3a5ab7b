//! The peers the benches compare shangmi with, behind one small API per
//! library: the system OpenSSL and libgcrypt through FFI, `libsm` from
//! crates.io, and GmSSL (feature `gmssl`). RustCrypto's crates are used
//! directly by the benches.

#[cfg(feature = "gcrypt")]
pub mod gcrypt;
#[cfg(feature = "gmssl")]
pub mod gmssl;
#[cfg(feature = "libsm")]
pub mod libsm_peer;
#[cfg(feature = "openssl")]
pub mod ossl;
